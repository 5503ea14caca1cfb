"""Jobs (TPD_ConcreteJob, TPD_AffectedJobElement, deletion) and job indications to a WBEMListener."""

import socket
import threading

import pytest
import pywbem
from pywbem import CIM_ERR_FAILED, CIMError, CIMInstance, CIMInstanceName

INTEROP = 'root/interop'


def test_job_lifecycle_and_affected_element(client):
    rc, out = client.physical_copy('base2', 'c1')
    job = client.job(out)
    assert (job['JobState'], list(job['OperationalStatus']), job['MethodName'], job['TargetName']) == (4, [2], 'AttachReplica', 'c1')
    assert job['DeleteOnCompletion'] is False
    affected = client.conn.References(out['Job'], ResultClass='TPD_AffectedJobElement')
    effects = {a['AffectedElement']['DeviceID']: list(a['ElementEffects']) for a in affected}
    assert effects == {client.volume('c1')['DeviceID']: [5], client.volume('base2')['DeviceID']: [0]}   # M312 p71-73
    owners = client.conn.AssociatorNames(out['Job'], AssocClass='TPD_OwningJobElement')
    assert [o['Name'] for o in owners] == ['StorageConfigurationService']
    client.advance(2.0)
    job = client.job(out)
    assert (job['JobState'], sorted(job['OperationalStatus']), job['PercentComplete'], job['JobStatus']) == (7, [2, 17], 100, 'Completed')


def test_delete_running_job_fails_finished_job_goes_with_its_association(client):
    rc, out = client.physical_copy('base2', 'c1')
    with pytest.raises(CIMError) as exc:
        client.conn.DeleteInstance(out['Job'])
    assert exc.value.status_code == CIM_ERR_FAILED and 'still running' in exc.value.status_description
    client.advance(2.0)
    client.conn.DeleteInstance(out['Job'])
    assert client.conn.EnumerateInstances('TPD_ConcreteJob') == []
    assert client.conn.EnumerateInstances('TPD_AffectedJobElement') == []
    assert client.conn.EnumerateInstances('TPD_OwningJobElement') == []


def test_job_duration_follows_the_copy_rate(tmp_path, clock):
    from threepar_sim.array import Array
    from conftest import SEED, Client
    array = Array(str(tmp_path / 'slow'), seed=SEED, copy_rate_mib=512.0, clock=clock)
    try:
        client = Client(array, clock)
        rc, out = client.physical_copy('base2', 'c1')        # 2 GiB at 512 MiB/s: 4 s
        client.advance(3.9)
        assert client.job(out)['JobState'] == 4
        client.advance(0.2)
        assert client.job(out)['JobState'] == 7
    finally:
        array.close()


def free_port():
    with socket.socket() as sock:
        sock.bind(('127.0.0.1', 0))
        return sock.getsockname()[1]


def subscribe(conn, port, query='SELECT * FROM TPD_ConcreteJobInstModification'):
    flt = CIMInstance('CIM_IndicationFilter', properties={
        'Name': 'jobs', 'Query': query, 'QueryLanguage': 'DMTF:CQL', 'SourceNamespaces': ['root/tpd'],
        'CreationClassName': 'CIM_IndicationFilter', 'SystemCreationClassName': 'CIM_ComputerSystem', 'SystemName': 'test'})
    flt.path = CIMInstanceName('CIM_IndicationFilter', {k: flt[k] for k in ('Name', 'CreationClassName', 'SystemCreationClassName', 'SystemName')})
    dest = CIMInstance('CIM_ListenerDestinationCIMXML', properties={
        'Name': 'listener', 'Destination': 'http://127.0.0.1:%d' % port, 'CreationClassName': 'CIM_ListenerDestinationCIMXML',
        'SystemCreationClassName': 'CIM_ComputerSystem', 'SystemName': 'test'})
    dest.path = CIMInstanceName('CIM_ListenerDestinationCIMXML', {k: dest[k] for k in ('Name', 'CreationClassName', 'SystemCreationClassName', 'SystemName')})
    flt_path = conn.CreateInstance(flt, namespace=INTEROP)
    dest_path = conn.CreateInstance(dest, namespace=INTEROP)
    sub = CIMInstance('CIM_IndicationSubscription', properties={'Filter': flt_path, 'Handler': dest_path})
    sub.path = CIMInstanceName('CIM_IndicationSubscription', {'Filter': flt_path, 'Handler': dest_path})
    return conn.CreateInstance(sub, namespace=INTEROP)


@pytest.fixture
def listener():
    port = free_port()
    received, arrived = [], threading.Event()

    def on_indication(indication, host):
        received.append(indication)
        arrived.set()

    wbem_listener = pywbem.WBEMListener('127.0.0.1', http_port=port)
    wbem_listener.add_callback(on_indication)
    wbem_listener.start()
    yield port, received, arrived
    wbem_listener.stop()


def wait_for(received, arrived, count):
    for dummy in range(50):
        if len(received) >= count:
            return
        arrived.wait(0.1)
        arrived.clear()
    raise AssertionError('got %d indications, expected %d' % (len(received), count))


@pytest.mark.parametrize('fail', [False, True])
def test_job_indications_reach_a_wbem_listener(client, array, faults, listener, fail):
    port, received, arrived = listener
    subscribe(client.conn, port)
    array.start()
    if fail:
        faults.arm({'fail_next_job': 1})
    with array.lock:
        client.physical_copy('base2', 'c1')
    with array.lock:
        client.clock.now += 2.0
    wait_for(received, arrived, 2)
    started, ended = received[:2]
    assert all(i.classname == 'TPD_ConcreteJobInstModification' for i in received)
    assert started['SourceInstance']['JobState'] == 4 and started['PreviousInstance']['JobState'] == 2
    if fail:
        assert ended['SourceInstance']['JobState'] == 10 and sorted(ended['SourceInstance']['OperationalStatus']) == [6, 17]
    else:
        assert ended['SourceInstance']['JobState'] == 7 and sorted(ended['SourceInstance']['OperationalStatus']) == [2, 17]
    assert ended['SourceInstanceModelPath'].endswith('InstanceID="TPD:JOB:1"')


def test_superclass_filter_selects_job_indications(client, array, listener):
    port, received, arrived = listener
    subscribe(client.conn, port, query='SELECT * FROM CIM_InstModification')
    array.start()
    with array.lock:
        client.physical_copy('base2', 'c1')
    wait_for(received, arrived, 1)


def test_unrelated_filter_selects_nothing(client, array, listener):
    port, received, arrived = listener
    subscribe(client.conn, port, query='SELECT * FROM CIM_AlertIndication')
    with array.lock:
        client.physical_copy('base2', 'c1')
    assert array.sender.queue.empty()
