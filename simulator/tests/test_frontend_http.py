"""HTTP behaviour of the front end: auth, roles, DSP0200 headers, limits, control endpoints, TLS, request log."""

import base64
import http.client
import json
import os
import stat
import threading

import pytest
import pywbem
from cryptography import x509
from pywbem import CIMClassName, CIMInstance

from frontend_stub import BROWSE, EDIT, NAMESPACE, VOLUME_COUNT, StubArray, connect, request_log, server  # noqa: F401 pylint: disable=unused-import
from threepar_sim.faults import Faults
from threepar_sim.server import CimServer
from threepar_sim.tls import ensure_certificate

# pylint: disable=redefined-outer-name

ENUMERATE_BODY = (b'<?xml version="1.0" encoding="utf-8" ?><CIM CIMVERSION="2.0" DTDVERSION="2.0"><MESSAGE ID="7" PROTOCOLVERSION="1.0">'
                  b'<SIMPLEREQ><IMETHODCALL NAME="EnumerateInstanceNames"><LOCALNAMESPACEPATH><NAMESPACE NAME="root"/><NAMESPACE NAME="tpd"/>'
                  b'</LOCALNAMESPACEPATH><IPARAMVALUE NAME="ClassName"><CLASSNAME NAME="FE_Pool"/></IPARAMVALUE></IMETHODCALL></SIMPLEREQ>'
                  b'</MESSAGE></CIM>')
CIM_HEADERS = {'CIMOperation': 'MethodCall', 'CIMMethod': 'EnumerateInstanceNames', 'CIMObject': 'root%2Ftpd',
               'Content-Type': 'application/xml; charset="utf-8"'}


def read_bytes(path):
    with open(path, 'rb') as data:
        return data.read()


def auth(creds=EDIT):
    return {'Authorization': 'Basic ' + base64.b64encode(('%s:%s' % creds).encode()).decode()}


def post(cim_server, body, headers, path='/cimom', method='POST'):
    """One raw request on a fresh HTTP connection: (status, headers, body)."""
    connection = http.client.HTTPConnection('127.0.0.1', cim_server.http_port, timeout=10)
    try:
        connection.request(method, path, body=body, headers=headers)
        response = connection.getresponse()
        return response.status, dict(response.getheaders()), response.read()
    finally:
        connection.close()


def test_wrong_password_is_401_and_logged(server):
    with pytest.raises(pywbem.AuthError):
        connect(server, creds=('3paradm', 'wrong')).EnumerateInstanceNames('FE_Pool')
    status, headers, dummy = post(server, ENUMERATE_BODY, CIM_HEADERS)
    assert status == 401 and headers['WWW-Authenticate'].startswith('Basic ')
    first = request_log(server)[0]
    assert first['user'] == '3paradm' and first['status'] == 2 and first['http_status'] == 401
    assert first['operation'] == 'EnumerateInstanceNames'
    assert b'wrong' not in read_bytes(os.path.join(server.data_dir, 'requests.log'))


def test_browse_user_reads_but_cannot_write(server):
    conn = connect(server, creds=BROWSE)
    assert len(conn.EnumerateInstanceNames('FE_Volume')) == VOLUME_COUNT
    for call in (lambda: conn.InvokeMethod('Ping', CIMClassName('FE_Service')),
                 lambda: conn.CreateInstance(CIMInstance('FE_Pool', properties={'InstanceID': 'x'})),
                 lambda: conn.DeleteInstance(conn.EnumerateInstanceNames('FE_Pool')[0])):
        with pytest.raises(pywbem.CIMError) as err:
            call()
        assert err.value.status_code == pywbem.CIM_ERR_ACCESS_DENIED
    assert server.array.service.calls == []
    assert len(conn.EnumerateInstanceNames('FE_Pool')) == 2


def test_raw_request_and_keep_alive(server):
    connection = http.client.HTTPConnection('127.0.0.1', server.http_port, timeout=10)
    for dummy in range(3):  # the same connection serves every request
        connection.request('POST', '/cimom', body=ENUMERATE_BODY, headers=dict(CIM_HEADERS, **auth()))
        response = connection.getresponse()
        body = response.read()
        assert response.status == 200 and response.getheader('CIMOperation') == 'MethodResponse'
        assert b'<INSTANCENAME CLASSNAME="FE_Pool">' in body and b'MESSAGE ID="7"' in body
        assert b'/>' not in body  # sblim-wbemcli does not take self-closing elements
    connection.close()


@pytest.mark.parametrize('headers, cim_error', [
    ({'CIMOperation': 'MethodResponse'}, 'unsupported-operation'),
    ({'CIMMethod': 'GetInstance'}, 'header-mismatch'),
    ({'CIMObject': 'root%2Finterop'}, 'header-mismatch'),
])
def test_bad_cim_headers_are_400(server, headers, cim_error):
    status, response_headers, dummy = post(server, ENUMERATE_BODY, dict(CIM_HEADERS, **auth(), **headers))
    assert status == 400 and response_headers['CIMError'] == cim_error


@pytest.mark.parametrize('body, cim_error', [
    (b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "aaaa">]><CIM>&a;</CIM>', 'request-not-well-formed'),
    (b'<CIM><MESSAGE', 'request-not-well-formed'),
    ('<?xml version="1.0" encoding="utf-16"?><CIM/>'.encode('utf-16'), 'request-not-well-formed'),
    (b'<CIM CIMVERSION="2.0" DTDVERSION="2.0"><NOPE/></CIM>', 'request-not-valid'),
])
def test_bad_xml_is_400(server, body, cim_error):
    status, headers, dummy = post(server, body, dict(CIM_HEADERS, **auth()))
    assert status == 400 and headers['CIMError'] == cim_error


def test_oversize_request_is_413(server):
    server.max_request_bytes = 1024
    status, dummy, dummy = post(server, b'<CIM>' + b' ' * 2048 + b'</CIM>', dict(CIM_HEADERS, **auth()))
    assert status == 413
    assert request_log(server)[-1]['http_status'] == 413


def test_unknown_operation_is_not_supported(server):
    body = ENUMERATE_BODY.replace(b'EnumerateInstanceNames', b'DeleteClass')
    status, dummy, reply = post(server, body, dict(CIM_HEADERS, **auth(), CIMMethod='DeleteClass'))
    assert status == 200 and b'<ERROR CODE="7"' in reply


def test_concurrent_clients(server):
    results, errors = [], []

    def enumerate_volumes():
        try:
            conn = connect(server)
            for dummy in range(5):
                results.append(len(conn.EnumerateInstances('FE_Volume')))
        except Exception as exc:  # pylint: disable=broad-exception-caught
            errors.append(exc)

    threads = [threading.Thread(target=enumerate_volumes) for dummy in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert not errors and results == [VOLUME_COUNT] * 40
    assert len(request_log(server)) == 40


def test_request_log_records(server):
    conn = connect(server)
    conn.EnumerateInstances('FE_Volume')
    conn.InvokeMethod('Ping', CIMClassName('FE_Service'))
    with pytest.raises(pywbem.CIMError):
        conn.GetInstance(pywbem.CIMInstanceName('FE_Volume', {'DeviceID': 'nope'}))
    enum, ping, missing = request_log(server)
    assert set(enum) == {'time', 'user', 'operation', 'method', 'class', 'status', 'http_status', 'ms', 'connection'}
    assert (enum['user'], enum['operation'], enum['method'], enum['class'], enum['status'], enum['http_status']) == \
        ('3paradm', 'EnumerateInstances', None, 'FE_Volume', 0, 200)
    assert (ping['operation'], ping['method'], ping['class']) == ('InvokeMethod', 'Ping', 'FE_Service')
    assert missing['status'] == pywbem.CIM_ERR_NOT_FOUND and missing['http_status'] == 200
    assert enum['ms'] >= 0
    assert enum['connection'] == ping['connection'] == missing['connection'] > 0    # one keep-alive connection


def test_control_endpoints(server):
    status, dummy, body = post(server, None, auth(), path='/sim/status', method='GET')
    assert status == 200 and json.loads(body) == {
        'name': 'stub1', 'pid': os.getpid(), 'ports': {'http': server.http_port, 'https': server.https_port}}
    status, dummy, body = post(server, json.dumps({'latency_ms': 5}), auth(), path='/sim/faults')
    assert status == 200 and json.loads(body)['latency_ms'] == 5
    assert json.loads(post(server, None, auth(), path='/sim/faults', method='GET')[2])['latency_ms'] == 5
    assert post(server, json.dumps({'bogus': 1}), auth(), path='/sim/faults')[0] == 400
    status, dummy, body = post(server, json.dumps({'a': 1}), auth(), path='/sim/echo')
    assert status == 200 and json.loads(body) == {'echo': {'a': 1}}
    assert post(server, '{}', auth(), path='/sim/bad')[0] == 400
    assert post(server, '{}', auth(), path='/sim/unknown')[0] == 404
    assert post(server, 'not json', auth(), path='/sim/echo')[0] == 400
    assert post(server, None, auth(BROWSE), path='/sim/status', method='GET')[0] == 403
    assert post(server, None, {}, path='/sim/status', method='GET')[0] == 401
    assert request_log(server) == []  # control calls are not CIM requests


def test_certificate_made_once_and_private(tmp_path):
    cert_path, key_path = ensure_certificate(str(tmp_path), 'array9')
    assert stat.S_IMODE(os.stat(key_path).st_mode) == 0o600
    cert = x509.load_pem_x509_certificate(read_bytes(cert_path))
    assert cert.subject.rfc4514_string() == 'CN=array9'
    san = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    assert san.get_values_for_type(x509.DNSName) == ['localhost'] and [str(ip) for ip in san.get_values_for_type(x509.IPAddress)] == ['127.0.0.1']
    assert (cert.not_valid_after_utc - cert.not_valid_before_utc).days >= 3649
    before = read_bytes(cert_path)
    ensure_certificate(str(tmp_path), 'array9')
    assert read_bytes(cert_path) == before


def test_restart_reuses_certificate(tmp_path, monkeypatch):
    monkeypatch.delenv('REQUESTS_CA_BUNDLE', raising=False)
    monkeypatch.delenv('CURL_CA_BUNDLE', raising=False)
    first = CimServer(StubArray(), Faults(), str(tmp_path), http_port=0, https_port=0)
    first.start()
    first.shutdown()
    before = read_bytes(first.cert_path)
    again = CimServer(StubArray(), Faults(), str(tmp_path), http_port=0, https_port=0)
    again.start()
    try:
        assert read_bytes(again.cert_path) == before
        assert len(connect(again).EnumerateInstanceNames('FE_Pool', namespace=NAMESPACE)) == 2
    finally:
        again.shutdown()
