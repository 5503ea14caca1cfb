"""Copy states: every SyncState row of seed 000 Table 42, and the properties of Tables 45 and 53."""

import pytest
from pywbem import CIMDateTime

# SyncState -> (CopyState, ProgressStatus) as simulator/MODEL.md "Copy states"
TABLE_42 = {2: (2, 2), 5: (3, 6), 14: (4, 2), 11: (8, 2), 12: (5, 15), 15: (3, 7), 10: (4, 8), 6: (4, 2)}


def assert_state(client, target, sync_state):
    sync = client.sync(target)
    assert sync['SyncState'] == sync_state
    assert (sync['CopyState'], sync['ProgressStatus']) == TABLE_42[sync_state]
    return sync


def test_initialized_while_another_copy_of_the_source_runs(client):
    assert client.physical_copy('base2', 'c1')[0] == 4096
    rc, out = client.physical_copy('base2', 'c2')
    assert rc == 4096
    assert_state(client, 'c1', 5)
    assert_state(client, 'c2', 2)
    assert client.job(out)['JobState'] == 2
    client.advance(2.1)
    assert_state(client, 'c1', 14)
    assert_state(client, 'c2', 5)
    assert client.job(out)['JobState'] == 4


def test_resync_in_progress_with_rising_percentages(client):
    rc, out = client.physical_copy('base2', 'c1')
    assert rc == 4096
    sync = assert_state(client, 'c1', 5)
    assert sync['PercentSynced'] == 0 and sync['WhenSynced'] is None
    client.advance(0.5)
    sync = assert_state(client, 'c1', 5)
    assert sync['PercentSynced'] == 25 and client.job(out)['PercentComplete'] == 25
    client.advance(1.0)
    assert assert_state(client, 'c1', 5)['PercentSynced'] == 75


def test_frozen_after_the_copy_completes_with_when_synced(client):
    client.physical_copy('base2', 'c1')
    client.advance(2.0)
    sync = assert_state(client, 'c1', 14)
    assert isinstance(sync['WhenSynced'], CIMDateTime) and sync['PercentSynced'] == 100


def test_idle_snapshot(client):
    assert client.snapshot('base2', 's1')[0] == 0
    assert_state(client, 's1', 11)


def test_broken_by_a_failed_job(client, faults):
    faults.arm({'fail_next_job': 1})
    rc, out = client.physical_copy('base2', 'c1')
    client.advance(2.0)
    assert_state(client, 'c1', 12)
    job = client.job(out)
    assert job['JobState'] == 10 and list(job['OperationalStatus']) == [6, 17] and job['ErrorDescription']
    assert list(client.volume('c1')['OperationalStatus']) == [6]


def test_broken_by_stop_copy(client):
    client.physical_copy('base2', 'c1')
    client.advance(0.5)
    assert client.modify(13, 'c1')[0] == 0
    assert_state(client, 'c1', 12)


def test_copy_in_progress_by_resync_and_start_copy(client):
    for operation in (4, 12):
        rc, out = client.modify(operation, 'clone1')
        assert rc == 4096
        assert_state(client, 'clone1', 15)
        client.advance(2.0)
        assert_state(client, 'clone1', 14)
        assert client.job(out)['JobState'] == 7


def test_restore_in_progress_then_synchronized_then_idle_on_write(client, array):
    array.control('write', {'volume': 'base1', 'count': 3})
    rc, out = client.modify(5, 'snap1')
    assert rc == 4096
    assert_state(client, 'snap1', 10)
    client.advance(2.0)
    assert_state(client, 'snap1', 6)
    assert client.volume('base1')['WriteGeneration'] == client.volume('snap1')['WriteGeneration'] == 0
    array.control('write', {'volume': 'base1', 'count': 1})
    assert_state(client, 'snap1', 11)


def test_resync_of_a_broken_target_is_refused(client, faults):
    faults.arm({'fail_next_job': 1})
    client.physical_copy('base2', 'c1')
    client.advance(2.0)
    before = client.state_snapshot()
    assert client.modify(4, 'c1')[0] == 4
    assert client.modify(12, 'c1')[0] == 4
    assert client.state_snapshot() == before


@pytest.mark.parametrize('prop, value', [('CopyType', 5), ('ReplicaType', 2), ('SyncMaintained', True), ('SyncType', 8), ('Mode', 2)])
def test_table_45_physical_copy_properties(client, prop, value):
    client.physical_copy('base2', 'c1')
    assert client.sync('c1')[prop] == value
    client.advance(2.0)
    assert client.sync('c1')[prop] == value


def test_table_45_when_synced_null_until_the_first_copy_completes(client):
    client.physical_copy('base2', 'c1')
    assert client.sync('c1')['WhenSynced'] is None
    client.advance(2.0)
    assert client.sync('c1')['WhenSynced'] is not None


@pytest.mark.parametrize('prop, value', [('CopyType', 4), ('ReplicaType', 4), ('SyncMaintained', False), ('SyncType', 7), ('Mode', 2)])
def test_table_53_virtual_copy_properties(client, prop, value):
    assert client.sync('snap1')[prop] == value


def test_source_and_target_associations(client):
    client.physical_copy('base2', 'c1')
    conn = client.conn
    system = conn.EnumerateInstanceNames('TPD_StorageSystem')[0]
    for name in ('base2', 'c1', 'snap1'):
        path = client.volume_path(name)
        assert [p.keybindings for p in conn.AssociatorNames(path, AssocClass='TPD_SystemVolume')] == [system.keybindings]
    assert conn.AssociatorNames(client.volume_path('c1'), AssocClass='TPD_AllocatedFromStoragePool')[0]['InstanceID'] == 'TPD:CPG:FC_r5'
    assert conn.AssociatorNames(client.volume_path('snap1'), AssocClass='TPD_AllocatedFromStoragePool')[0]['InstanceID'] == 'TPD:DSP:base1'
    assert client.volume('snap1')['CopyOf'] == 'base1' and client.volume('base1')['CopyOf'] is None
