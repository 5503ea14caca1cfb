"""TPD_StorageConfigurationService methods: return codes and effects (simulator/MODEL.md, Methods)."""

import pytest
from pywbem import CIM_ERR_INVALID_PARAMETER, CIM_ERR_NOT_FOUND, CIMError, CIMInstance, CIMInstanceName, Uint16, Uint64

GIB = 1 << 30
MIB = 1 << 20
TIB = 1 << 40
UNSUPPORTED = (3, 6, 7, 8, 9, 10, 11)


def dsp(client, volume):
    return client.conn.GetInstance(CIMInstanceName('TPD_DeltaReplicaStoragePool', {'InstanceID': 'TPD:DSP:' + volume}, namespace='root/tpd'))


def ghost(client, name='base1'):
    path = client.volume_path(name).copy()
    path['DeviceID'] = '999'
    return path


# --- CreateOrModifyElementFromStoragePool ------------------------------------------------------------

def test_create_volume_accounts_pool_capacity(client):
    before = client.cpg('SSD_r6')['RemainingManagedSpace']
    rc, out = client.create_volume('v1', 10 * GIB, cpg='SSD_r6', DSPName='SSD_r6', SnapVolumeSize=Uint64(GIB))
    assert rc == 0 and out['Size'] == 10 * GIB
    vol = client.conn.GetInstance(out['TheElement'])
    assert vol['ElementName'] == 'v1' and vol['NumberOfBlocks'] == 10 * GIB // 512 and vol['ThinlyProvisioned'] is True
    assert client.cpg('SSD_r6')['RemainingManagedSpace'] == before - 11 * GIB
    assert dsp(client, 'v1')['DSPName'] == 'SSD_r6' and dsp(client, 'v1')['SnapVolumeSize'] == GIB


def test_create_volume_refusals(client):
    assert client.create_volume('base1', GIB)[0] == 5
    assert client.create_volume('huge', 2 * TIB, cpg='SSD_r6')[0] == 4
    assert client.volume('huge') is None


def test_size_is_rounded_up_to_256_mib(client):
    rc, out = client.create_volume('v1', 1000 * MIB)
    assert rc == 0 and out['Size'] == GIB
    assert client.volume('v1')['NumberOfBlocks'] == GIB // 512
    rc, out = client.create_volume('v2', 1)
    assert rc == 0 and out['Size'] == 256 * MIB
    rc, out = client.invoke('CreateOrModifyElementFromStoragePool', TheElement=client.volume_path('v1'), Size=Uint64(GIB + 1))
    assert rc == 0 and out['Size'] == GIB + 256 * MIB


@pytest.mark.parametrize('size, nearest', [(0, 256 * MIB), (17 * TIB, 16 * TIB)])
def test_unsupported_sizes_are_4097_with_the_nearest_size(client, size, nearest):
    before = client.state_snapshot()
    rc, out = client.create_volume('v1', size)
    assert rc == 4097 and out['Size'] == nearest
    rc, out = client.invoke('CreateOrModifyElementFromStoragePool', TheElement=client.volume_path('nosnap'), Size=Uint64(size))
    assert rc == 4097 and out['Size'] == nearest
    assert client.state_snapshot() == before


def test_sixteen_tib_is_the_largest_volume(tmp_path, clock):
    from threepar_sim.array import Array   # pylint: disable=import-outside-toplevel
    from conftest import Client           # pylint: disable=import-outside-toplevel
    array = Array(str(tmp_path / 'big'), clock=clock)     # default CPGs: 100 TiB each
    try:
        rc, out = Client(array, clock).create_volume('big', 16 * TIB)
        assert rc == 0 and out['Size'] == 16 * TIB
    finally:
        array.close()


@pytest.mark.parametrize('name', ['', 'a' * 32, 'has space', 'semi;colon', 'slash/', 'ünï'])
def test_invalid_names_are_refused(client, name):
    before = client.state_snapshot()
    assert client.create_volume(name, GIB)[0] == 5
    assert client.snapshot('base2', name)[0] == 5
    assert client.state_snapshot() == before


def test_valid_names(client):
    assert client.create_volume('a' * 31, GIB)[0] == 0
    assert client.create_volume('Db-01_x.y', GIB)[0] == 0


def test_grow_and_shrink(client):
    path = client.volume_path('nosnap')
    rc, out = client.invoke('CreateOrModifyElementFromStoragePool', TheElement=path, Size=Uint64(3 * GIB))
    assert rc == 0 and out['Size'] == 3 * GIB
    assert client.volume('nosnap')['NumberOfBlocks'] == 3 * GIB // 512
    before = client.state_snapshot()
    assert client.invoke('CreateOrModifyElementFromStoragePool', TheElement=path, Size=Uint64(GIB))[0] == 5
    assert client.invoke('CreateOrModifyElementFromStoragePool', TheElement=path, Size=Uint64(4 * TIB))[0] == 4
    assert client.state_snapshot() == before


def test_modify_snapshot_space_through_a_goal_setting(client):
    goal = client.setting(DSPName='SSD_r6', SnapVolumePercentage=Uint16(20))
    assert client.invoke('CreateOrModifyElementFromStoragePool', TheElement=client.volume_path('nosnap'), Goal=goal)[0] == 0
    assert dsp(client, 'nosnap')['SnapVolumePercentage'] == 20
    assert client.snapshot('nosnap', 'ns_snap')[0] == 0


def test_goal_must_be_a_reference_to_an_existing_setting(client):
    embedded = CIMInstance('TPD_StorageSetting', properties={'DSPName': 'FC_r5'})
    with pytest.raises(CIMError) as exc:
        client.invoke('CreateOrModifyElementFromStoragePool', ElementName='v1', InPool=client.cpg_path('FC_r5'),
                      Size=Uint64(GIB), Goal=embedded)
    assert exc.value.status_code == CIM_ERR_INVALID_PARAMETER
    missing = CIMInstanceName('TPD_StorageSetting', {'InstanceID': '3PAR:StorageSetting:Client99'}, namespace='root/tpd')
    with pytest.raises(CIMError) as exc:
        client.invoke('CreateOrModifyElementFromStoragePool', ElementName='v1', InPool=client.cpg_path('FC_r5'),
                      Size=Uint64(GIB), Goal=missing)
    assert exc.value.status_code == CIM_ERR_NOT_FOUND
    assert client.volume('v1') is None


# --- settings and capabilities ---------------------------------------------------------------------------

def test_capabilities_and_create_setting(client):
    capabilities = client.conn.EnumerateInstances('TPD_StorageCapabilities')
    expected = {'3PAR:Capabilities:RAID0', '3PAR:Capabilities:RAID10', '3PAR:Capabilities:RAID50', '3PAR:Capabilities:RAID60'}
    assert {c['InstanceID'] for c in capabilities} == expected
    path = capabilities[0].path
    for setting_type in (2, 3):
        rc, out = client.conn.InvokeMethod('CreateSetting', path, SettingType=Uint16(setting_type))
        assert rc == 0 and out['NewSetting']['InstanceID'].startswith('3PAR:StorageSetting:Client')
    assert client.conn.InvokeMethod('CreateSetting', path, SettingType=Uint16(4))[0] == 5
    assert len(client.conn.EnumerateInstances('TPD_StorageSetting')) == 2


def test_setting_modify_and_delete(client):
    path = client.setting(ElementName='gold', DSPName='FC_r5', SnapVolumeSize=Uint64(GIB), ThinlyProvisioned=True, BaseID='77')
    setting = client.conn.GetInstance(path)
    assert (setting['ElementName'], setting['DSPName'], setting['SnapVolumeSize'], setting['ThinlyProvisioned'], setting['BaseID']) == \
        ('gold', 'FC_r5', GIB, True, '77')
    setting['ChangeableType'] = Uint16(3)
    with pytest.raises(CIMError) as exc:
        client.conn.ModifyInstance(setting)
    assert exc.value.status_code == 7  # CIM_ERR_NOT_SUPPORTED
    with pytest.raises(CIMError) as exc:
        client.conn.CreateInstance(CIMInstance('TPD_StorageSetting', properties={'InstanceID': 'x'}))
    assert exc.value.status_code == 7
    client.conn.DeleteInstance(path)
    assert client.conn.EnumerateInstances('TPD_StorageSetting') == []
    with pytest.raises(CIMError) as exc:
        client.conn.ModifyInstance(setting)
    assert exc.value.status_code == CIM_ERR_NOT_FOUND


# --- ReturnToStoragePool ----------------------------------------------------------------------------------

def test_return_to_storage_pool(client):
    assert client.invoke('ReturnToStoragePool', TheElement=client.volume_path('base1'))[0] == 6
    assert client.invoke('ReturnToStoragePool', TheElement=client.volume_path('snap1'))[0] == 0
    assert client.invoke('ReturnToStoragePool', TheElement=client.volume_path('base1.rw'))[0] == 6   # its clone exists
    assert client.invoke('ReturnToStoragePool', TheElement=client.volume_path('clone1'))[0] == 0
    assert client.volume('base1.rw') is None          # went with its clone
    assert client.invoke('ReturnToStoragePool', TheElement=client.volume_path('base1'))[0] == 0
    assert client.volume('base1') is None and client.conn.EnumerateInstances('TPD_StorageSynchronized') == []


def test_return_to_storage_pool_target_of_a_copy_in_progress(client):
    client.physical_copy('base2', 'c1')
    assert client.invoke('ReturnToStoragePool', TheElement=client.volume_path('c1'))[0] == 6


# --- CreateReplica -------------------------------------------------------------------------------------

def test_snapshot_needs_snapshot_space(client):
    assert client.snapshot('nosnap', 's')[0] == 4


@pytest.mark.parametrize('copy_type', [2, 3, 5, 6])
def test_create_replica_makes_virtual_copies_only(client, copy_type):
    before = client.state_snapshot()
    rc, dummy = client.invoke('CreateReplica', SourceElement=client.volume_path('base2'), CopyType=Uint16(copy_type), ElementName='x',
                              TargetPool=client.cpg_path('FC_r5'))
    assert rc == 5 and client.state_snapshot() == before


def test_create_replica_target_pool_must_be_the_source_delta_pool(client):
    own = CIMInstanceName('TPD_DeltaReplicaStoragePool', {'InstanceID': 'TPD:DSP:base2'}, namespace='root/tpd')
    other = CIMInstanceName('TPD_DeltaReplicaStoragePool', {'InstanceID': 'TPD:DSP:base1'}, namespace='root/tpd')
    source = client.volume_path('base2')
    assert client.invoke('CreateReplica', SourceElement=source, CopyType=Uint16(4), ElementName='s1', TargetPool=other)[0] == 5
    assert client.invoke('CreateReplica', SourceElement=source, CopyType=Uint16(4), ElementName='s1',
                         TargetPool=client.cpg_path('FC_r5'))[0] == 5
    rc, out = client.invoke('CreateReplica', SourceElement=source, CopyType=Uint16(4), ElementName='s1', TargetPool=own)
    assert rc == 0 and client.conn.GetInstance(out['TargetElement'])['ElementName'] == 's1'


def test_create_replica_base_id_sets_the_volume_id(client):
    rc, out = client.snapshot('base2', 's1', BaseID='500')
    assert rc == 0 and out['TargetElement']['DeviceID'] == '500'
    assert client.snapshot('base2', 's2', BaseID='500')[0] == 5
    assert client.snapshot('base2', 's3', BaseID='x')[0] == 5


def test_snapshot_of_a_snapshot_is_refused(client):
    assert client.snapshot('snap1', 's')[0] == 5


def test_storage_setting_has_no_read_only(client):
    klass = client.conn.GetClass('TPD_StorageSetting', LocalOnly=False)
    assert 'ReadOnly' not in klass.properties


def test_call_errors_are_cim_errors(client):
    with pytest.raises(CIMError) as exc:
        client.invoke('CreateReplica', CopyType=Uint16(4), ElementName='x')
    assert exc.value.status_code == CIM_ERR_INVALID_PARAMETER and 'SourceElement' in exc.value.status_description
    with pytest.raises(CIMError) as exc:
        client.invoke('CreateReplica', SourceElement=ghost(client), CopyType=Uint16(4), ElementName='x')
    assert exc.value.status_code == CIM_ERR_NOT_FOUND


# --- AttachReplica / AttachOrModifyReplica -----------------------------------------------------------------

@pytest.mark.parametrize('method', ['AttachReplica', 'AttachOrModifyReplica'])
def test_attach_replica_starts_a_copy_job(client, method):
    client.create_volume('t1', 2 * GIB)
    rc, out = client.attach('base2', 't1', 4, method)
    assert rc == 4096
    job = client.job(out)
    assert job['MethodName'] == method and job['JobState'] == 4
    assert client.sync('t1')['SyncState'] == 5 and client.sync('base2.rw')['SyncState'] == 11


def attach_refused(client, source, target, copy_type, rc, method='AttachReplica', **extra):
    before = client.state_snapshot()
    params = dict(SourceElement=client.volume_path(source), TargetElement=client.volume_path(target), CopyType=Uint16(copy_type))
    params.update(extra)
    assert client.invoke(method, **params)[0] == rc
    assert client.state_snapshot() == before


@pytest.mark.parametrize('copy_type', [2, 3, 0, 6])
def test_attach_wrong_copy_type(client, copy_type):
    client.create_volume('t1', 2 * GIB)
    attach_refused(client, 'base2', 't1', copy_type, 5)


def test_attach_refusals(client, array):
    client.create_volume('t1', 2 * GIB)
    client.create_volume('small', GIB)
    client.create_volume('n2', GIB, cpg='SSD_r6')
    attach_refused(client, 'snap1', 't1', 4, 5)            # source a snapshot
    attach_refused(client, 'clone1', 't1', 4, 5)           # source a copy target
    attach_refused(client, 'base2', 'base2', 4, 5)         # target = source
    attach_refused(client, 'base2', 'snap1', 4, 5)         # target a snapshot
    attach_refused(client, 'base2', 'clone1', 4, 6)        # target already a physical copy
    attach_refused(client, 'base2', 'base1', 4, 4)         # target has copies of its own
    attach_refused(client, 'base2', 'small', 4, 4)         # different size
    attach_refused(client, 'nosnap', 'n2', 4, 4)           # CopyType 4 needs the source's snapshot space
    attach_refused(client, 'base2', 't1', 4, 5, method='AttachOrModifyReplica', ReplicationPipe=client.volume_path('base1'))
    assert client.attach('nosnap', 'n2', 5)[0] == 4096     # a one-shot copy does not


def test_attach_target_in_a_volume_set(client):
    client.create_volume('t1', 2 * GIB)
    service = client.conn.EnumerateInstanceNames('TPD_ReplicationService')[0]
    assert client.conn.InvokeMethod('CreateGroup', service, GroupName='set1', Members=[client.volume_path('t1')])[0] == 0
    attach_refused(client, 'base2', 't1', 5, 4)


def test_attach_dangling_target_is_not_found(client):
    with pytest.raises(CIMError) as exc:
        client.invoke('AttachReplica', SourceElement=client.volume_path('base2'), TargetElement=ghost(client), CopyType=Uint16(4))
    assert exc.value.status_code == CIM_ERR_NOT_FOUND


def test_attach_or_modify_replica_ignores_goal(client):
    client.create_volume('t1', 2 * GIB)
    goal = CIMInstance('CIM_SettingData', properties={'InstanceID': 'x'})
    rc, dummy = client.invoke('AttachOrModifyReplica', SourceElement=client.volume_path('base2'), TargetElement=client.volume_path('t1'),
                              CopyType=Uint16(5), Goal=goal)
    assert rc == 4096


def test_resync_snapshot_names_do_not_collide(client):
    client.create_volume('base2.rw', GIB)      # a user volume with the name createsv would pick first
    client.physical_copy('base2', 'c1')
    assert client.volume('base2.rw0')['CopyOf'] == 'base2'
    client.create_volume('a' * 29, GIB, DSPName='FC_r5')
    client.create_volume('t2', GIB)
    attach_refused(client, 'a' * 29, 't2', 4, 4)   # 'aaa...a.rw' would be 32 characters


# --- ModifySynchronization --------------------------------------------------------------------------------

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


@pytest.mark.parametrize('operation', [2, 4, 5, 12, 13])
def test_missing_association_is_return_code_4(client, operation):
    path = client.sync('snap1').path.copy()
    path['SyncedElement'] = client.volume_path('base2')
    assert client.invoke('ModifySynchronization', Operation=Uint16(operation), Synchronization=path)[0] == 4
    path['SyncedElement'] = ghost(client)
    assert client.invoke('ModifySynchronization', Operation=Uint16(operation), Synchronization=path)[0] == 4


def test_wrong_class_reference_is_invalid_parameter(client):
    with pytest.raises(CIMError) as exc:
        client.invoke('ModifySynchronization', Operation=Uint16(4), Synchronization=client.volume_path('snap1'))
    assert exc.value.status_code == CIM_ERR_INVALID_PARAMETER


def test_detach_physical_copy(client):
    assert client.modify(2, 'clone1')[0] == 0
    assert client.sync('clone1') is None and client.volume('clone1')['CopyOf'] is None
    assert client.volume('base1.rw') is None
    assert client.modify(2, 'snap1')[0] == 5


def test_operations_on_a_one_shot_copy_while_it_copies(client):
    client.physical_copy('base2', 'c1', 5)
    before = client.state_snapshot()
    for operation in (2, 4, 12, 5):
        assert client.modify(operation, 'c1')[0] == 5
    assert client.state_snapshot() == before
    assert client.modify(13, 'c1')[0] == 0 and client.sync('c1') is None


def test_operations_on_a_copy_with_a_running_job_are_in_use(client):
    client.modify(4, 'clone1')
    for operation in (2, 4, 12):
        assert client.modify(operation, 'clone1')[0] == 6


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


def test_start_copy_copies_again(client, array):
    array.control('write', {'volume': 'base1', 'count': 7})
    rc, out = client.modify(12, 'clone1')
    assert rc == 4096
    client.advance(2.0)
    assert client.sync('clone1')['SyncState'] == 14 and client.volume('clone1')['WriteGeneration'] == 7


# --- UpdateDeltaSnapshotSpace ---------------------------------------------------------------------------

def space_consumed(client, snapshot):
    refs = client.conn.References(client.volume_path(snapshot), ResultClass='TPD_AllocatedFromStoragePool')
    return refs[0]['SpaceConsumed']


def test_update_delta_snapshot_space_recounts_without_moving_the_snapshot(client, array):
    old = client.sync('snap1')['WhenSynced']
    array.control('write', {'volume': 'base1', 'count': 5})
    assert space_consumed(client, 'snap1') == 0
    rc, out = client.invoke('UpdateDeltaSnapshotSpace', SnapshotVolume=[client.volume_path('snap1')])
    assert rc == 4096
    affected = client.conn.References(out['Job'], ResultClass='TPD_AffectedJobElement')
    assert [a['AffectedElement']['DeviceID'] for a in affected] == [client.volume('snap1')['DeviceID']]
    client.advance(2.0)
    assert client.job(out)['JobState'] == 7
    assert client.sync('snap1')['WhenSynced'] == old and client.volume('snap1')['WriteGeneration'] == 0
    assert space_consumed(client, 'snap1') == 5 * MIB
    assert space_consumed(client, 'base1.rw') == 0          # not updated: stale
    pool = dsp(client, 'base1')
    assert pool['RemainingManagedSpace'] == pool['TotalManagedSpace'] - 5 * MIB


def test_update_delta_snapshot_space_null_updates_all(client, array):
    array.control('write', {'volume': 'base1', 'count': 3})
    rc, out = client.invoke('UpdateDeltaSnapshotSpace')
    assert rc == 4096
    assert len(client.conn.References(out['Job'], ResultClass='TPD_AffectedJobElement')) == 2
    client.advance(2.0)
    assert space_consumed(client, 'snap1') == space_consumed(client, 'base1.rw') == 3 * MIB


def test_update_delta_snapshot_space_is_capped_by_the_volume_size(client, array):
    array.control('write', {'volume': 'base1', 'count': 5000})
    client.invoke('UpdateDeltaSnapshotSpace', SnapshotVolume=[client.volume_path('snap1')])
    client.advance(2.0)
    assert space_consumed(client, 'snap1') == 2 * GIB


@pytest.mark.parametrize('bad', ['base1', 'clone1', 'ghost'])
def test_update_delta_snapshot_space_not_a_snapshot(client, bad):
    path = ghost(client) if bad == 'ghost' else client.volume_path(bad)
    before = client.state_snapshot()
    assert client.invoke('UpdateDeltaSnapshotSpace', SnapshotVolume=[client.volume_path('snap1'), path]) == (32768, {})
    assert client.state_snapshot() == before


def test_update_delta_snapshot_space_failed(client, faults):
    faults.arm({'fail_next_job': 1})
    before = client.state_snapshot()
    assert client.invoke('UpdateDeltaSnapshotSpace', SnapshotVolume=[client.volume_path('snap1')])[0] == 4
    assert client.state_snapshot() == before


def test_replication_service_capabilities_report_the_remote_copy_operations(client):
    capabilities = client.conn.EnumerateInstanceNames('TPD_ReplicationServiceCapabilities')[0]
    rc, out = client.conn.InvokeMethod('GetSupportedOperations', capabilities, ReplicationType=Uint16(4))
    assert rc == 0 and sorted(out['SupportedOperations']) == [10, 11, 14, 16, 17, 18, 20, 22]
