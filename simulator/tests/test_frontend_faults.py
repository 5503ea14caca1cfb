"""Fault injection in the front end: latency, an injected CIM error, a dropped response."""

import time

import requests

import pytest
import pywbem
from pywbem import CIMInstanceName, Uint64

from frontend_stub import NAMESPACE, connect, request_log, server  # noqa: F401 pylint: disable=unused-import

# pylint: disable=redefined-outer-name


def create_volume(conn, name):
    service = CIMInstanceName('FE_Service', {'Name': 'FE_Service'}, namespace=NAMESPACE)
    pool = CIMInstanceName('FE_Pool', {'InstanceID': 'TPD:CPG:FC_r5'}, namespace=NAMESPACE)
    return conn.InvokeMethod('CreateVolume', service, ElementName=name, InPool=pool, Size=Uint64(1 << 20))


def test_latency_applies_to_each_request(server):
    conn = connect(server)
    conn.EnumerateInstanceNames('FE_Pool')  # connect and handshake outside the measurement
    server.faults.arm({'latency_ms': 300})
    started = time.monotonic()
    conn.EnumerateInstanceNames('FE_Pool')
    assert time.monotonic() - started >= 0.3
    assert request_log(server)[-1]['ms'] >= 300
    server.faults.arm({'latency_ms': 0})
    conn.EnumerateInstanceNames('FE_Pool')
    assert request_log(server)[-1]['ms'] < 300        # disarmed: the server adds no delay (its own figure)


def test_cim_error_answers_once_without_calling_the_method(server):
    conn = connect(server)
    server.faults.arm({'cim_error': {'method': 'createvolume', 'status': 4, 'description': 'injected boom'}})
    with pytest.raises(pywbem.CIMError) as err:
        create_volume(conn, 'v1')
    assert err.value.status_code == 4 and err.value.status_description == 'injected boom'
    assert server.array.service.calls == []
    assert request_log(server)[-1]['status'] == 4
    ret, dummy = create_volume(conn, 'v1')  # one-shot: the next call goes through
    assert ret == 0 and len(server.array.service.calls) == 1


def test_drop_after_leaves_the_change_made(server):
    conn = connect(server)
    server.faults.arm({'drop_after': {'method': 'CreateVolume'}})
    with pytest.raises(pywbem.ConnectionError):
        create_volume(conn, 'dropped')
    assert len(server.array.service.calls) == 1
    created = CIMInstanceName('FE_Volume', {'DeviceID': 'new-1'}, namespace=NAMESPACE)
    assert conn.GetInstance(created)['ElementName'] == 'dropped'  # the client reconnects
    assert server.faults.snapshot()['drop_after'] == []
    dropped = [r for r in request_log(server) if r['method'] == 'CreateVolume']
    assert dropped[0]['http_status'] is None


def test_faults_over_https_control_endpoint(server):
    conn = connect(server)
    conn.EnumerateInstanceNames('FE_Pool')
    response = requests.post('https://127.0.0.1:%d/sim/faults' % server.https_port, json={'drop_after': {'method': 'Ping'}},
                             auth=('3paradm', '3pardata'), verify=server.cert_path, timeout=10)
    assert response.status_code == 200 and response.json()['drop_after'] == ['ping']
