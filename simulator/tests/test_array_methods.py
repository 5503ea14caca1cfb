"""TPD_StorageConfigurationService methods: return codes and effects (simulator/MODEL.md, Methods)."""

import pytest
from pywbem import CIM_ERR_INVALID_PARAMETER, CIM_ERR_NOT_FOUND, CIMError, CIMInstance, CIMInstanceName, Uint16, Uint64

GIB = 1 << 30
UNSUPPORTED = (3, 6, 7, 8, 9, 10, 11)


def test_create_volume_accounts_pool_capacity(client):
    before = client.cpg('SSD_r6')['RemainingManagedSpace']
    rc, out = client.create_volume('v1', 10 * GIB, cpg='SSD_r6', DSPName='SSD_r6', SnapVolumeSize=Uint64(GIB))
    assert rc == 0 and out['Size'] == 10 * GIB
    vol = client.conn.GetInstance(out['TheElement'])
    assert vol['ElementName'] == 'v1' and vol['NumberOfBlocks'] == 10 * GIB // 512 and vol['ThinlyProvisioned'] is True
    assert client.cpg('SSD_r6')['RemainingManagedSpace'] == before - 11 * GIB
    dsp = client.conn.GetInstance(CIMInstanceName('TPD_DeltaReplicaStoragePool', {'InstanceID': 'TPD:DSP:v1'}, namespace='root/tpd'))
    assert dsp['DSPName'] == 'SSD_r6' and dsp['SnapVolumeSize'] == GIB


def test_create_volume_refusals(client):
    assert client.create_volume('base1', GIB)[0] == 5
    assert client.create_volume('huge', 2 << 40, cpg='SSD_r6')[0] == 4
    assert client.volume('huge') is None


def test_grow_and_shrink(client):
    path = client.volume_path('nosnap')
    rc, out = client.invoke('CreateOrModifyElementFromStoragePool', TheElement=path, Size=Uint64(3 * GIB))
    assert rc == 0 and out['Size'] == 3 * GIB
    assert client.volume('nosnap')['NumberOfBlocks'] == 3 * GIB // 512
    before = client.state_snapshot()
    assert client.invoke('CreateOrModifyElementFromStoragePool', TheElement=path, Size=Uint64(GIB))[0] == 5
    assert client.invoke('CreateOrModifyElementFromStoragePool', TheElement=path, Size=Uint64(4 << 40))[0] == 4
    assert client.state_snapshot() == before


def test_modify_snapshot_space_through_goal(client):
    goal = CIMInstance('TPD_StorageSetting', properties={'DSPName': 'SSD_r6', 'SnapVolumePercentage': Uint16(20)})
    assert client.invoke('CreateOrModifyElementFromStoragePool', TheElement=client.volume_path('nosnap'), Goal=goal)[0] == 0
    assert client.snapshot('nosnap', 'ns_snap')[0] == 0


def test_return_to_storage_pool(client):
    assert client.invoke('ReturnToStoragePool', TheElement=client.volume_path('base1'))[0] == 6
    assert client.invoke('ReturnToStoragePool', TheElement=client.volume_path('snap1'))[0] == 0
    assert client.invoke('ReturnToStoragePool', TheElement=client.volume_path('clone1'))[0] == 0
    assert client.invoke('ReturnToStoragePool', TheElement=client.volume_path('base1'))[0] == 0
    assert client.volume('base1') is None and client.conn.EnumerateInstances('TPD_StorageSynchronized') == []


def test_return_to_storage_pool_target_of_a_copy_in_progress(client):
    client.physical_copy('base2', 'c1')
    assert client.invoke('ReturnToStoragePool', TheElement=client.volume_path('c1'))[0] == 6


def test_snapshot_needs_snapshot_space(client):
    assert client.snapshot('nosnap', 's')[0] == 4


def test_read_only_snapshot(client):
    assert client.snapshot('base2', 'ro', read_only=True)[0] == 0
    assert client.volume('ro')['ReadOnly'] is True


def test_call_errors_are_cim_errors(client):
    with pytest.raises(CIMError) as exc:
        client.invoke('CreateReplica', CopyType=Uint16(4), ElementName='x')
    assert exc.value.status_code == CIM_ERR_INVALID_PARAMETER and 'SourceElement' in exc.value.status_description
    ghost = client.volume_path('base1').copy()
    ghost['DeviceID'] = '999'
    with pytest.raises(CIMError) as exc:
        client.invoke('CreateReplica', SourceElement=ghost, CopyType=Uint16(4), ElementName='x')
    assert exc.value.status_code == CIM_ERR_NOT_FOUND


@pytest.mark.parametrize('operation', UNSUPPORTED)
@pytest.mark.parametrize('target', ['snap1', 'clone1'])
def test_unsupported_operations_change_nothing(client, operation, target):
    before = client.state_snapshot()
    assert client.modify(operation, target) == (1, {})
    assert client.state_snapshot() == before


@pytest.mark.parametrize('operation', [0, 1, 14, 100])
def test_operations_outside_range(client, operation):
    before = client.state_snapshot()
    assert client.modify(operation, 'snap1')[0] == 5
    assert client.state_snapshot() == before


def test_detach_physical_copy(client):
    assert client.modify(2, 'clone1')[0] == 0
    assert client.sync('clone1') is None and client.volume('clone1')['CopyOf'] is None
    assert client.modify(2, 'snap1')[0] == 5


def test_resync_snapshot_new_point_in_time(client, array):
    old = client.sync('snap1')['WhenSynced']
    array.control('write', {'volume': 'base1', 'count': 2})
    assert client.modify(4, 'snap1') == (0, {})
    sync = client.sync('snap1')
    assert sync['SyncState'] == 11 and sync['WhenSynced'].datetime > old.datetime
    assert client.volume('snap1')['WriteGeneration'] == 2


def test_restore_only_for_snapshots_start_and_stop_only_for_physical(client):
    assert client.modify(5, 'clone1')[0] == 5
    assert client.modify(12, 'snap1')[0] == 5
    assert client.modify(13, 'snap1')[0] == 5


def test_stop_copy_when_not_copying_is_a_no_op(client):
    before = client.state_snapshot()
    assert client.modify(13, 'clone1') == (0, {})
    assert client.state_snapshot() == before


def test_update_delta_snapshot_space_job(client):
    old = client.sync('snap1')['WhenSynced']
    rc, out = client.invoke('UpdateDeltaSnapshotSpace', TheElement=client.volume_path('snap1'))
    assert rc == 4096
    client.advance(2.0)
    assert client.job(out)['JobState'] == 7 and client.sync('snap1')['WhenSynced'].datetime > old.datetime


def test_update_delta_snapshot_space_not_a_virtual_copy(client):
    assert client.invoke('UpdateDeltaSnapshotSpace', TheElement=client.volume_path('base1'))[0] == 32768
    assert client.invoke('UpdateDeltaSnapshotSpace', TheElement=client.volume_path('clone1'))[0] == 32768


def test_update_delta_snapshot_space_no_such_volume(client):
    ghost = client.volume_path('snap1').copy()
    ghost['DeviceID'] = '999'
    assert client.invoke('UpdateDeltaSnapshotSpace', TheElement=ghost)[0] == 32768


def test_update_delta_snapshot_space_failed(client, faults):
    faults.arm({'fail_next_job': 1})
    before = client.state_snapshot()
    assert client.invoke('UpdateDeltaSnapshotSpace', TheElement=client.volume_path('snap1'))[0] == 4
    assert client.state_snapshot() == before


def test_update_delta_snapshot_space_of_a_broken_snapshot(client, faults):
    faults.arm({'fail_next_job': 1})
    client.modify(5, 'snap1')
    client.advance(2.0)
    assert client.sync('snap1')['SyncState'] == 12
    assert client.invoke('UpdateDeltaSnapshotSpace', TheElement=client.volume_path('snap1'))[0] == 4


def test_replication_service_reports_the_remote_copy_operations(client):
    service = client.conn.EnumerateInstanceNames('TPD_ReplicationService')[0]
    rc, out = client.conn.InvokeMethod('GetSupportedOperations', service)
    assert rc == 0 and sorted(out['SupportedOperations']) == [10, 11, 14, 16, 17, 18, 20, 22]
