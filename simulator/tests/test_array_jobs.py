"""Jobs (TPD_ConcreteJob, TPD_AffectedJobElement, deletion) and job indications to a WBEMListener."""

import time
import threading

import pytest
import pywbem
from pywbem import CIM_ERR_FAILED, CIMError, CIMInstance, CIMInstanceName
from threepar_sim.control import free_port

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


# --- RequestStateChange (M312 Table 58) and GetError (Table 59) ------------------------------------------

def request_state_change(client, job_path, state, **extra):
    rc, out = client.conn.InvokeMethod('RequestStateChange', job_path, RequestedState=pywbem.Uint16(state), **extra)
    return int(rc)


@pytest.mark.parametrize('copy_type', [4, 5])
def test_terminate_a_copy_job_is_stop_copy(client, copy_type):
    rc, out = client.physical_copy('base2', 'c1', copy_type)
    client.advance(0.5)
    assert request_state_change(client, out['Job'], 4) == 4096
    job = client.job(out)
    assert job['JobState'] == 8 and sorted(job['OperationalStatus']) == [6, 17]
    assert client.sync('c1') is None and list(client.volume('c1')['OperationalStatus']) == [6]
    assert request_state_change(client, out['Job'], 4) == 4       # already finished


def test_terminate_a_restore_job_breaks_the_snapshot(client):
    rc, out = client.modify(5, 'snap1')
    assert request_state_change(client, out['Job'], 4) == 4096
    assert client.job(out)['JobState'] == 8 and client.sync('snap1')['SyncState'] == 12


def test_request_state_change_refusals(client):
    rc, out = client.physical_copy('base2', 'c1')
    before = client.state_snapshot()
    for state in (2, 3, 5, 6):
        assert request_state_change(client, out['Job'], state) == 1
    for state in (0, 1, 7, 100):
        assert request_state_change(client, out['Job'], state) == 5
    timeout = pywbem.CIMDateTime('00000000000010.000000:000')
    assert request_state_change(client, out['Job'], 4, TimeoutPeriod=timeout) == 4098
    assert client.state_snapshot() == before


def test_get_error(client, faults):
    rc, out = client.physical_copy('base2', 'c1')
    assert client.conn.InvokeMethod('GetError', out['Job']) == (0, {'Error': None})   # running
    client.advance(2.0)
    assert client.conn.InvokeMethod('GetError', out['Job']) == (0, {'Error': None})   # completed OK
    faults.arm({'fail_next_job': 1})
    rc, out = client.physical_copy('base2', 'c2')
    client.advance(2.0)
    rc, result = client.conn.InvokeMethod('GetError', out['Job'])
    error = result['Error']
    assert rc == 0 and error.classname == 'CIM_Error'
    assert (error['OwningEntity'], error['MessageID'], error['Message'], list(error['MessageArguments'])) == \
        ('SNIA', 'DRM26', 'Operation has failed', ['Operation has failed'])
    assert (error['PerceivedSeverity'], error['ProbableCause'], error['CIMStatusCode'], error['CIMStatusCodeDescription']) == \
        (2, 8, 2, 'CIM_ERR_ACCESS_DENIED')
    rc, out = client.physical_copy('base1', 'c3')
    request_state_change(client, out['Job'], 4)
    assert client.conn.InvokeMethod('GetError', out['Job']) == (0, {'Error': None})   # cancelled


def test_get_error_over_http(served_array):
    conn = pywbem.WBEMConnection('http://127.0.0.1:%d' % served_array.http_port, ('3paradm', '3pardata'), default_namespace='root/tpd')
    served_array.array.faults.arm({'fail_next_job': 1})
    service = conn.EnumerateInstanceNames('TPD_StorageConfigurationService')[0]
    rc, out = conn.InvokeMethod('UpdateDeltaSnapshotSpace', service)
    assert rc == 4
    served_array.array.faults.arm({'fail_next_job': 1})
    volumes = {v['ElementName']: v.path for v in conn.EnumerateInstances('TPD_StorageVolume')}
    rc, out = conn.InvokeMethod('CreateOrModifyElementFromStoragePool', service, ElementName='t1', InPool=conn.EnumerateInstanceNames(
        'TPD_DynamicStoragePool')[0], Size=pywbem.Uint64(2 << 30), ElementType=pywbem.Uint16(5))
    rc, out = conn.InvokeMethod('AttachReplica', service, SourceElement=volumes['base2'], TargetElement=out['TheElement'],
                                CopyType=pywbem.Uint16(5))
    assert rc == 4096
    for dummy in range(100):
        if conn.GetInstance(out['Job'])['JobState'] != 4:
            break
        time.sleep(0.05)
    rc, result = conn.InvokeMethod('GetError', out['Job'])
    assert rc == 0 and result['Error']['MessageID'] == 'DRM26'
