"""Capabilities read through CIM_ElementCapabilities; TPD_ReplicationServiceCapabilities' methods (MODEL.md, Capabilities)."""

import pytest
from pywbem import CIMError, Uint16

from conftest import SEED, Client
from threepar_sim.array import Array

# pylint: disable=redefined-outer-name

REMOTE_OPERATIONS = [10, 11, 14, 16, 17, 18, 20, 22]


def capabilities_of(client, path, result_class='CIM_Capabilities'):
    return client.conn.Associators(path, AssocClass='CIM_ElementCapabilities', ResultClass=result_class)


def by_id(instances):
    return {i['InstanceID']: i for i in instances}


def service_caps(client):
    return client.conn.EnumerateInstanceNames('TPD_ReplicationServiceCapabilities')[0]


def supported_operations(client, replication_type):
    rc, out = client.conn.InvokeMethod('GetSupportedOperations', service_caps(client), ReplicationType=Uint16(replication_type))
    return int(rc), (list(out['SupportedOperations']) if 'SupportedOperations' in out else None)


def test_configuration_service_capabilities(client):
    found = by_id(capabilities_of(client, client.service))
    config = found['3PAR:StorageConfigurationCapabilities:Service']
    assert config.classname == 'TPD_StorageConfigurationCapabilities'
    assert config['SupportedCopyTypes'] == [4, 5]                       # UnSyncAssoc, UnSyncUnAssoc (M231 p5.61)
    assert config['SupportedSynchronousActions'] == [5, 6, 7, 8]         # ... Replica Creation (virtual copy)
    assert config['SupportedAsynchronousActions'] == [9, 10]             # Replica Modification, Replica Attachment
    assert config['SupportedStorageElementTypes'] == [2, 5]
    assert config['SupportedStorageElementFeatures'] == [3, 5, 6]
    replication = {i['SupportedSynchronizationType']: i for i in found.values()
                   if i.classname == 'TPD_StorageReplicationCapabilities'}
    assert sorted(replication) == [2, 3, 4, 5, 6]
    assert replication[4]['SupportedAsynchronousActions'] == [6, 4]      # Local Replica Attachment, Modification
    assert replication[5]['SupportedSynchronousActions'] == [2]          # Local Replica Creation
    assert replication[5]['SupportedSpecializedElements'] == [2]         # Delta Pool
    assert replication[6]['SupportedAsynchronousActions'] == [6]
    assert replication[5]['InitialReplicationState'] == 5 and replication[4]['InitialReplicationState'] == 2


def test_the_engine_reads_synchronization_types_with_a_property_list(client):
    instances = client.conn.EnumerateInstances('TPD_StorageReplicationCapabilities', PropertyList=['SupportedSynchronizationType'])
    assert sorted(int(i['SupportedSynchronizationType']) for i in instances) == [2, 3, 4, 5, 6]
    assert all(list(i.properties) == ['SupportedSynchronizationType'] for i in instances)


def test_pool_capabilities(client):
    cpg = by_id(capabilities_of(client, client.cpg_path('FC_r5')))
    assert sorted(cpg) == ['3PAR:Capabilities:RAID50', '3PAR:StorageConfigurationCapabilities:DynamicStoragePool']
    dynamic = cpg['3PAR:StorageConfigurationCapabilities:DynamicStoragePool']
    assert dynamic['SupportedSynchronousActions'] == [5, 6, 7]
    assert dynamic['SupportedStorageElementTypes'] == [2, 5]
    assert dynamic['SupportedStorageElementFeatures'] == [3, 5, 6]
    assert sorted(by_id(capabilities_of(client, client.cpg_path('SSD_r6')))) == [
        '3PAR:Capabilities:RAID60', '3PAR:StorageConfigurationCapabilities:DynamicStoragePool']
    dsp = [p for p in client.conn.EnumerateInstanceNames('TPD_DeltaReplicaStoragePool') if p['InstanceID'] == 'TPD:DSP:base1'][0]
    delta = by_id(capabilities_of(client, dsp))
    assert sorted(delta) == ['3PAR:Capabilities:RAID50', '3PAR:StorageConfigurationCapabilities:DeltaReplicaStoragePool']
    assert delta['3PAR:StorageConfigurationCapabilities:DeltaReplicaStoragePool']['SupportedStorageElementTypes'] == [2]
    # the pool's StorageCapabilities still make settings
    caps = client.conn.Associators(dsp, AssocClass='TPD_CapabilitiesOfStoragePool')[0]
    assert client.conn.InvokeMethod('CreateSetting', caps.path, SettingType=Uint16(3))[0] == 0


def test_a_new_cpg_volume_gets_its_delta_pool_capabilities(client):
    assert client.create_volume('vol9', 1 << 30, cpg='SSD_r6', DSPName='SSD_r6')[0] == 0
    dsp = [p for p in client.conn.EnumerateInstanceNames('TPD_DeltaReplicaStoragePool') if p['InstanceID'] == 'TPD:DSP:vol9'][0]
    assert '3PAR:Capabilities:RAID60' in by_id(capabilities_of(client, dsp))
    assert client.invoke('ReturnToStoragePool', TheElement=client.volume_path('vol9'))[0] == 0
    assert not [a for a in client.conn.EnumerateInstanceNames('TPD_ElementCapabilities')
                if a['ManagedElement'].keybindings.get('InstanceID') == 'TPD:DSP:vol9']


def test_replication_service_capabilities(client):
    service = client.conn.EnumerateInstanceNames('TPD_ReplicationService')[0]
    found = capabilities_of(client, service)
    assert [i['InstanceID'] for i in found] == ['3PAR:ReplicationServiceCapabilities']
    assert found[0]['SupportedReplicationTypes'] == [4, 5, 6, 10, 11]


def test_get_supported_operations(client):
    assert supported_operations(client, 4) == (0, REMOTE_OPERATIONS)
    assert supported_operations(client, 5) == (0, REMOTE_OPERATIONS)
    assert supported_operations(client, 6) == (0, [8, 9, 15, 19])       # MX p128 Table 108
    assert supported_operations(client, 10) == (0, [2])
    assert supported_operations(client, 11) == (0, [2, 8, 9, 14])
    for unsupported in (2, 3, 7, 8, 9, 12, 13):
        assert supported_operations(client, unsupported) == (1, None)
    assert supported_operations(client, 99) == (5, None)


def test_get_supported_operations_is_no_longer_a_method_of_the_service(client):
    service = client.conn.EnumerateInstanceNames('TPD_ReplicationService')[0]
    with pytest.raises(CIMError):
        client.conn.InvokeMethod('GetSupportedOperations', service)


def test_read_only_remote_copy_reports_no_remote_operation_but_the_local_ones(tmp_path, clock):
    array = Array(str(tmp_path / 'ro'), seed=SEED, clock=clock, rcopy={'read_only': True})
    try:
        client = Client(array, clock)
        assert supported_operations(client, 4) == (0, [])
        assert supported_operations(client, 5) == (0, [])
        assert supported_operations(client, 11) == (0, [2, 8, 9, 14])
    finally:
        array.close()


def test_features_and_conversions(client):
    caps = service_caps(client)
    rc, out = client.conn.InvokeMethod('GetSupportedFeatures', caps, ReplicationType=Uint16(6))
    assert rc == 0 and list(out['Features']) == [2, 10, 16]
    assert client.conn.InvokeMethod('GetSupportedFeatures', caps, ReplicationType=Uint16(7))[0] == 1
    for (sync_type, mode, where), rtype in {(7, 2, 2): 6, (8, 2, 2): 10, (8, 3, 2): 11, (6, 2, 3): 4, (6, 3, 3): 5}.items():
        rc, out = client.conn.InvokeMethod('ConvertSyncTypeToReplicationType', caps, SyncType=Uint16(sync_type), Mode=Uint16(mode),
                                           LocalOrRemote=Uint16(where))
        assert (rc, out['SupportedReplicationTypes']) == (0, rtype)
        rc, out = client.conn.InvokeMethod('ConvertReplicationTypeToSyncType', caps, ReplicationType=Uint16(rtype))
        assert (rc, out['SyncType'], out['Mode'], out['LocalOrRemote']) == (0, sync_type, mode, where)
    assert client.conn.InvokeMethod('ConvertSyncTypeToReplicationType', caps, SyncType=Uint16(7), Mode=Uint16(3),
                                    LocalOrRemote=Uint16(2))[0] == 1


def test_capabilities_are_array_owned(client):
    caps = client.conn.GetInstance(service_caps(client))
    with pytest.raises(CIMError):
        client.conn.DeleteInstance(caps.path)
    with pytest.raises(CIMError):
        client.conn.ModifyInstance(caps)
