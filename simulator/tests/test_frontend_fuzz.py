"""Mutated CIM-XML requests (a bounded, seeded run; bench/simulator_load.py --fuzz runs more): the server answers each
with a CIM or HTTP error of the client's making, never an internal error, never hangs, and the array stays intact."""

import logging
import random

import pytest
import pywbem

from threepar_sim.fuzz import captured_requests, mutate, post

FUZZ_REQUESTS = 300
SEED = 12
NS = 'root/tpd'
# pylint: disable=redefined-outer-name


@pytest.fixture
def corpus(served_array, monkeypatch):
    monkeypatch.delenv('REQUESTS_CA_BUNDLE', raising=False)
    conn = pywbem.WBEMConnection('http://127.0.0.1:%d' % served_array.http_port, ('3paradm', '3pardata'), default_namespace=NS)
    conn.debug = True
    volume = next(v.path for v in conn.EnumerateInstances('TPD_StorageVolume') if v['ElementName'] == 'base2')
    service = conn.EnumerateInstanceNames('TPD_StorageConfigurationService')[0]
    return conn, captured_requests(conn, volume, service)


def test_mutated_requests_get_the_clients_error_never_an_internal_one(served_array, corpus, caplog):
    conn, requests = corpus
    before = sorted(v['ElementName'] for v in conn.EnumerateInstances('TPD_StorageVolume'))
    rng = random.Random(SEED)
    answered = {}
    with caplog.at_level(logging.ERROR, logger='threepar_sim'):
        for dummy in range(FUZZ_REQUESTS):
            name, body = rng.choice(requests)
            status, reply = post(served_array.http_port, name, mutate(rng, body))
            assert status in (200, 400, 401, 411, 413), (status, reply[:300])
            assert b'internal error' not in reply, reply[:600]
            answered[status] = answered.get(status, 0) + 1
    assert [r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR] == []
    assert answered.get(200) and answered.get(400)   # both kinds reached: the parser and the operations
    # intact: every volume is still there and the server still answers
    after = sorted(v['ElementName'] for v in conn.EnumerateInstances('TPD_StorageVolume'))
    assert set(before) <= set(after)
    assert len(conn.EnumerateInstanceNames('TPD_StorageSynchronized')) >= 2


@pytest.mark.parametrize('operation,params', [
    ('EnumerateInstances', '<IPARAMVALUE NAME="ClassName"><INSTANCENAME CLASSNAME="TPD_StorageVolume">'
                           '<KEYBINDING NAME="DeviceID"><KEYVALUE>1</KEYVALUE></KEYBINDING></INSTANCENAME></IPARAMVALUE>'),
    ('EnumerateInstanceNames', '<IPARAMVALUE NAME="ClassName"><VALUE>TPD_StorageVolume</VALUE></IPARAMVALUE>'),
    ('GetInstance', '<IPARAMVALUE NAME="InstanceName"><CLASSNAME NAME="TPD_StorageVolume"/></IPARAMVALUE>'),
    ('References', '<IPARAMVALUE NAME="ObjectName"><VALUE>x</VALUE></IPARAMVALUE>'),
    ('EnumerateInstances', '<IPARAMVALUE NAME="ClassName"><CLASSNAME NAME="TPD_StorageVolume"/></IPARAMVALUE>'
                           '<IPARAMVALUE NAME="PropertyList"><VALUE>ElementName</VALUE></IPARAMVALUE>'),
])
def test_a_parameter_of_the_wrong_type_is_an_invalid_parameter(served_array, operation, params):
    body = ('<?xml version="1.0" encoding="utf-8" ?><CIM CIMVERSION="2.0" DTDVERSION="2.0"><MESSAGE ID="1001" PROTOCOLVERSION="1.0">'
            '<SIMPLEREQ><IMETHODCALL NAME="%s"><LOCALNAMESPACEPATH><NAMESPACE NAME="root"/><NAMESPACE NAME="tpd"/>'
            '</LOCALNAMESPACEPATH>%s</IMETHODCALL></SIMPLEREQ></MESSAGE></CIM>' % (operation, params)).encode()
    status, reply = post(served_array.http_port, operation, body)
    assert status == 200 and b'CODE="4"' in reply and b'internal error' not in reply, reply[:600]   # CIM_ERR_INVALID_PARAMETER
