"""Copy states: the rows of seed 000 Tables 41 and 42 and the properties of Tables 45 and 53, reached
through AttachReplica, CreateReplica(4) and ModifySynchronization as the manual describes them."""

import pytest
from pywbem import CIMDateTime

# SyncState -> (CopyState, ProgressStatus): seed 000 Table 42
TABLE_42 = {2: (2, 2), 5: (3, 6), 14: (4, 2), 11: (8, 2), 12: (5, 15), 15: (3, 7), 10: (4, 8), 6: (4, 2)}


def assert_state(client, target, sync_state):
    sync = client.sync(target)
    assert sync is not None, 'no TPD_StorageSynchronized into %s' % target
    assert sync['SyncState'] == sync_state
    assert (sync['CopyState'], sync['ProgressStatus']) == TABLE_42[sync_state]
    return sync


@pytest.mark.parametrize('copy_type', [4, 5])
def test_initialized_while_another_copy_of_the_source_runs(client, copy_type):
    assert client.physical_copy('base2', 'c1', copy_type)[0] == 4096
    rc, out = client.physical_copy('base2', 'c2', copy_type)
    assert rc == 4096
    assert_state(client, 'c1', 5)
    assert_state(client, 'c2', 2)
    assert client.job(out)['JobState'] == 2
    client.advance(2.1)
    assert_state(client, 'c2', 5)
    assert client.job(out)['JobState'] == 4


@pytest.mark.parametrize('copy_type', [4, 5])
def test_resync_in_progress_with_rising_percentages(client, copy_type):
    rc, out = client.physical_copy('base2', 'c1', copy_type)
    assert rc == 4096
    sync = assert_state(client, 'c1', 5)
    assert sync['PercentSynced'] == 0 and sync['WhenSynced'] is None
    client.advance(0.5)
    sync = assert_state(client, 'c1', 5)
    assert sync['PercentSynced'] == 25 and client.job(out)['PercentComplete'] == 25
    client.advance(1.0)
    assert assert_state(client, 'c1', 5)['PercentSynced'] == 75


def test_resyncable_copy_frozen_after_the_copy_completes_with_when_synced(client):
    client.physical_copy('base2', 'c1', 4)
    client.advance(2.0)
    sync = assert_state(client, 'c1', 14)
    assert isinstance(sync['WhenSynced'], CIMDateTime) and sync['PercentSynced'] == 100


def test_unassociated_copy_is_relinquished_when_it_completes(client, array):
    array.control('write', {'volume': 'base2', 'count': 4})
    rc, out = client.physical_copy('base2', 'c1', 5)
    client.advance(2.0)
    assert client.job(out)['JobState'] == 7
    assert client.sync('c1') is None
    vol = client.volume('c1')
    assert vol['CopyOf'] is None and list(vol['OperationalStatus']) == [2] and vol['WriteGeneration'] == 4
    assert client.invoke('ReturnToStoragePool', TheElement=client.volume_path('c1'))[0] == 0
    assert client.invoke('ReturnToStoragePool', TheElement=client.volume_path('base2'))[0] == 0


def test_idle_snapshot(client):
    assert client.snapshot('base2', 's1')[0] == 0
    sync = assert_state(client, 's1', 11)
    assert sync['WhenSynced'] is not None


@pytest.mark.parametrize('copy_type', [4, 5])
def test_broken_by_a_failed_copy_job(client, faults, copy_type):
    faults.arm({'fail_next_job': 1})
    rc, out = client.physical_copy('base2', 'c1', copy_type)
    client.advance(2.0)
    assert_state(client, 'c1', 12)
    job = client.job(out)
    assert job['JobState'] == 10 and list(job['OperationalStatus']) == [6, 17] and job['ErrorDescription']
    assert list(client.volume('c1')['OperationalStatus']) == [6]


def test_broken_by_a_failed_resync(client, faults):
    faults.arm({'fail_next_job': 1})
    client.modify(4, 'clone1')
    client.advance(2.0)
    assert_state(client, 'clone1', 12)


def test_broken_by_a_failed_promote_keeps_the_previous_sync_time(client, faults):
    before = client.sync('snap1')['WhenSynced']
    faults.arm({'fail_next_job': 1})
    assert client.modify(5, 'snap1')[0] == 4096
    client.advance(2.0)
    assert assert_state(client, 'snap1', 12)['WhenSynced'] == before


@pytest.mark.parametrize('copy_type', [4, 5])
def test_stop_copy_halts_the_copy_and_the_association_goes(client, copy_type):
    rc, out = client.physical_copy('base2', 'c1', copy_type)
    client.advance(0.5)
    assert client.modify(13, 'c1') == (0, {})
    assert client.sync('c1') is None
    job = client.job(out)
    assert job['JobState'] == 8 and list(job['OperationalStatus']) == [6, 17]
    vol = client.volume('c1')
    assert vol is not None and vol['CopyOf'] is None and list(vol['OperationalStatus']) == [6]
    assert client.volume('base2.rw') is None


def test_copy_in_progress_by_resync_and_start_copy(client):
    for operation in (4, 12):
        rc, out = client.modify(operation, 'clone1')
        assert rc == 4096
        assert_state(client, 'clone1', 15)
        client.advance(2.0)
        assert_state(client, 'clone1', 14)
        assert client.job(out)['JobState'] == 7


def test_resync_refreshes_the_resync_snapshot_and_copies_the_new_data(client, array):
    old = client.sync('base1.rw')['WhenSynced']
    array.control('write', {'volume': 'base1', 'count': 3})
    client.modify(4, 'clone1')
    assert client.volume('base1.rw')['WriteGeneration'] == 3
    assert client.sync('base1.rw')['WhenSynced'].datetime > old.datetime
    client.advance(2.0)
    assert client.volume('clone1')['WriteGeneration'] == 3


def test_restore_in_progress_then_idle_with_the_completion_time(client, array):
    before = client.sync('snap1')['WhenSynced']
    array.control('write', {'volume': 'base1', 'count': 3})
    rc, out = client.modify(5, 'snap1')
    assert rc == 4096
    assert assert_state(client, 'snap1', 10)['WhenSynced'] == before
    client.advance(2.0)
    sync = assert_state(client, 'snap1', 11)
    assert sync['WhenSynced'].datetime > before.datetime
    assert sync['WhenSynced'].datetime >= client.job(out)['TimeOfLastStateChange'].datetime.replace(microsecond=0)
    assert client.volume('base1')['WriteGeneration'] == client.volume('snap1')['WriteGeneration'] == 0
    array.control('write', {'volume': 'base1', 'count': 1})
    assert_state(client, 'snap1', 11)


def test_synchronized_row_is_not_reached_by_local_copies(client, array):
    """Table 42's Synchronized/Completed row has no 'when': a promote ends Idle (MX p70 Table 57)."""
    client.modify(5, 'snap1')
    client.advance(2.0)
    assert {s['SyncState'] for s in client.conn.EnumerateInstances('TPD_StorageSynchronized')} == {11, 14}


def test_resync_of_a_broken_target_is_refused(client, faults):
    faults.arm({'fail_next_job': 1})
    client.physical_copy('base2', 'c1', 4)
    client.advance(2.0)
    before = client.state_snapshot()
    assert client.modify(4, 'c1')[0] == 4
    assert client.modify(12, 'c1')[0] == 4
    assert client.state_snapshot() == before


@pytest.mark.parametrize('copy_type, prop, value', [
    (4, 'CopyType', 4), (4, 'ReplicaType', 2), (4, 'SyncMaintained', True), (4, 'SyncType', 8), (4, 'Mode', 3),
    (5, 'CopyType', 5), (5, 'ReplicaType', 2), (5, 'SyncMaintained', True), (5, 'SyncType', 8), (5, 'Mode', 2)])
def test_table_45_physical_copy_properties(client, copy_type, prop, value):
    client.physical_copy('base2', 'c1', copy_type)
    assert client.sync('c1')[prop] == value
    client.advance(1.0)
    assert client.sync('c1')[prop] == value


def test_table_45_when_synced_null_until_the_first_copy_completes(client):
    client.physical_copy('base2', 'c1', 4)
    assert client.sync('c1')['WhenSynced'] is None
    client.advance(2.0)
    assert client.sync('c1')['WhenSynced'] is not None


@pytest.mark.parametrize('prop, value', [('CopyType', 4), ('ReplicaType', 4), ('SyncMaintained', False), ('SyncType', 7), ('Mode', 2)])
@pytest.mark.parametrize('snapshot', ['snap1', 'base1.rw'])
def test_table_53_virtual_copy_properties(client, prop, value, snapshot):
    assert client.sync(snapshot)[prop] == value


def test_seeded_physical_copy_is_a_finished_resyncable_copy(client):
    sync = assert_state(client, 'clone1', 14)
    assert (sync['CopyType'], sync['ReplicaType'], sync['Mode']) == (4, 2, 3) and sync['WhenSynced'] is not None
    assert_state(client, 'base1.rw', 11)


def test_source_and_target_associations(client):
    client.physical_copy('base2', 'c1')
    conn = client.conn
    system = conn.EnumerateInstanceNames('TPD_StorageSystem')[0]
    for name in ('base2', 'c1', 'snap1', 'base2.rw'):
        path = client.volume_path(name)
        assert [p.keybindings for p in conn.AssociatorNames(path, AssocClass='TPD_SystemVolume')] == [system.keybindings]
    assert conn.AssociatorNames(client.volume_path('c1'), AssocClass='TPD_AllocatedFromStoragePool')[0]['InstanceID'] == 'TPD:CPG:FC_r5'
    assert conn.AssociatorNames(client.volume_path('snap1'), AssocClass='TPD_AllocatedFromStoragePool')[0]['InstanceID'] == 'TPD:DSP:base1'
    assert client.volume('snap1')['CopyOf'] == 'base1' and client.volume('base1')['CopyOf'] is None
