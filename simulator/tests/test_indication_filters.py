"""Indication filters: the WHERE clause (SourceInstance ISA), the FROM class, refused queries (MODEL.md "Indications")."""

import pytest
import pywbem
from pywbem import CIM_ERR_INVALID_QUERY, CIM_ERR_QUERY_LANGUAGE_NOT_SUPPORTED, CIMError, CIMInstance, CIMInstanceName

# listener is a fixture of test_array_jobs
from test_array_jobs import INTEROP, listener, subscribe, wait_for  # noqa: F401 pylint: disable=unused-import

MANUAL_QUERY = 'SELECT * FROM CIM_InstModification WHERE SourceInstance ISA CIM_ConcreteJob'   # M231 p125, seed 001
ENGINE_QUERY = 'SELECT * FROM TPD_ConcreteJobInstModification'   # plugins/module_utils/threepar/indications.py


def make_filter(conn, query, language='DMTF:CQL', name='f1'):
    flt = CIMInstance('CIM_IndicationFilter', properties={
        'Name': name, 'Query': query, 'QueryLanguage': language or '', 'SourceNamespaces': ['root/tpd'],
        'CreationClassName': 'CIM_IndicationFilter', 'SystemCreationClassName': 'CIM_ComputerSystem', 'SystemName': 'test'})
    flt.path = CIMInstanceName('CIM_IndicationFilter', {k: flt[k] for k in ('Name', 'CreationClassName', 'SystemCreationClassName', 'SystemName')})
    if language is None:
        del flt['QueryLanguage']
    return conn.CreateInstance(flt, namespace=INTEROP)


@pytest.mark.parametrize('query', [
    MANUAL_QUERY,
    ENGINE_QUERY,
    'SELECT * FROM CIM_InstModification WHERE SourceInstance ISA CIM_Job',
    'SELECT * FROM CIM_Indication WHERE SourceInstance ISA TPD_ConcreteJob',
    "select * from CIM_InstModification where SourceInstance isa 'CIM_ConcreteJob' and not SourceInstance ISA CIM_StorageVolume",
    'SELECT * FROM CIM_InstModification WHERE (SourceInstance ISA CIM_StorageVolume OR SourceInstance ISA CIM_ConcreteJob)',
])
def test_matching_filter_gets_the_job_indications(client, array, listener, query):  # noqa: F811
    port, received, arrived = listener
    subscribe(client.conn, port, query=query)
    array.start()
    with array.lock:
        client.physical_copy('base2', 'c1')
    wait_for(received, arrived, 1)
    assert received[0].classname == 'TPD_ConcreteJobInstModification'
    assert received[0]['SourceInstance'].classname == 'TPD_ConcreteJob'


@pytest.mark.parametrize('query', [
    'SELECT * FROM CIM_InstModification WHERE SourceInstance ISA CIM_StorageVolume',
    'SELECT * FROM CIM_InstModification WHERE SourceInstance ISA CIM_ConcreteJob AND SourceInstance ISA CIM_StorageVolume',
    'SELECT * FROM CIM_InstModification WHERE NOT SourceInstance ISA CIM_Job',
    'SELECT * FROM CIM_InstCreation WHERE SourceInstance ISA CIM_ConcreteJob',
])
def test_non_matching_filter_gets_nothing(client, array, query):
    subscribe(client.conn, 1, query=query)
    with array.lock:
        client.physical_copy('base2', 'c1')
        client.advance(2.0)
    assert array.sender.queue.empty()
    assert array.state.jobs   # the job ran: there were indications to select


@pytest.mark.parametrize('query, language, code', [
    ('SELECT * FROM CIM_InstModification WHERE SourceInstance.JobState = 7', 'DMTF:CQL', CIM_ERR_INVALID_QUERY),
    ('SELECT FROM CIM_InstModification', 'DMTF:CQL', CIM_ERR_INVALID_QUERY),
    ('SELECT * FROM CIM_InstModification WHERE', 'DMTF:CQL', CIM_ERR_INVALID_QUERY),
    ('SELECT * FROM CIM_InstModification WHERE SourceInstance ISA', 'WQL', CIM_ERR_INVALID_QUERY),
    ('SELECT * FROM CIM_InstModification WHERE (SourceInstance ISA CIM_Job', 'DMTF:CQL', CIM_ERR_INVALID_QUERY),
    ('jobs please', 'DMTF:CQL', CIM_ERR_INVALID_QUERY),
    ('', 'DMTF:CQL', CIM_ERR_INVALID_QUERY),
    (MANUAL_QUERY, 'XPath', CIM_ERR_QUERY_LANGUAGE_NOT_SUPPORTED),
    (MANUAL_QUERY, None, CIM_ERR_QUERY_LANGUAGE_NOT_SUPPORTED),
])
def test_refused_queries_store_nothing(client, query, language, code):
    with pytest.raises(CIMError) as exc:
        make_filter(client.conn, query, language)
    assert exc.value.status_code == code
    assert client.conn.EnumerateInstances('CIM_IndicationFilter', namespace=INTEROP) == []


def test_accepted_languages(client):
    for n, language in enumerate(('DMTF:CQL', 'CIM:CQL', 'WQL', 'dmtf:cql')):
        make_filter(client.conn, MANUAL_QUERY, language, name='f%d' % n)
    assert len(client.conn.EnumerateInstances('CIM_IndicationFilter', namespace=INTEROP)) == 4


def test_refusal_over_cim_xml(served_array):
    conn = pywbem.WBEMConnection('http://127.0.0.1:%d' % served_array.http_port, ('3paradm', '3pardata'), default_namespace='root/tpd')
    with pytest.raises(CIMError) as exc:
        make_filter(conn, 'SELECT * FROM CIM_InstModification WHERE SourceInstance.JobState = 7')
    assert exc.value.status_code == CIM_ERR_INVALID_QUERY
    assert conn.EnumerateInstances('CIM_IndicationFilter', namespace=INTEROP) == []
    assert make_filter(conn, MANUAL_QUERY).classname == 'CIM_IndicationFilter'
