"""A generic SMI-S client that knows only the SNIA profiles (DSP1033 Profile Registration, SMI-S 1.4 Array, Block
Services, Copy/Replication Services, Job Control), nothing of MODEL.md: it finds the array through its registered
profile, then every object by association from there (CIM_ and SNIA names only, no TPD_ class, no InstanceID
format), and manages a volume and its local replicas as it would on any array. Issue 9's "done when"."""

import time

import pywbem
from pywbem import Uint16, Uint64

GIB = 1 << 30
JOB_STARTED = 4096
# SNIA / DMTF value maps: CIM_ReplicationService SyncType 7 Snapshot, 8 Clone; Mode 3 Asynchronous;
# CIM_StorageConfigurationService ElementType 5 ThinlyProvisionedStorageVolume; JobState 7 Completed.
SNAPSHOT, CLONE, ASYNCHRONOUS, THIN, COMPLETED = 7, 8, 3, 5, 7


def one(items, what):
    items = list(items)
    assert len(items) == 1, (what, items)
    return items[0]


def follow(conn, out, seconds=30):
    """Follow a job to its end (Job Control profile): poll JobState, then read its OperationalStatus."""
    job = out['Job']
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        inst = conn.GetInstance(job, PropertyList=['JobState', 'OperationalStatus'])
        if inst['JobState'] not in (2, 3, 4):
            assert inst['JobState'] == COMPLETED and 17 in inst['OperationalStatus'] and 2 in inst['OperationalStatus'], inst
            return inst
        time.sleep(0.05)
    raise AssertionError('job %s did not end' % job)


def test_a_client_that_navigates_only_by_snia_profiles(served_array):
    conn = pywbem.WBEMConnection('http://127.0.0.1:%d' % served_array.http_port, ('3paradm', '3pardata'))
    server = pywbem.WBEMServer(conn)
    array_profile = one(server.get_selected_profiles('SNIA', 'Array'), 'Array profile')
    system = one(server.get_central_instances(array_profile.path, 'CIM_ComputerSystem'), 'central instance')
    namespace = system.namespace

    # A pool that makes thin volumes, as its capabilities say (Block Services: StorageConfigurationCapabilities).
    pools = [p for p in conn.Associators(system, AssocClass='CIM_HostedStoragePool', ResultClass='CIM_StoragePool')
             if not p['Primordial'] and any(THIN in (c['SupportedStorageElementTypes'] or []) for c in conn.Associators(
                 p.path, AssocClass='CIM_ElementCapabilities', ResultClass='CIM_StorageConfigurationCapabilities'))]
    assert pools, 'no pool makes thin volumes'
    volumes = conn.AssociatorNames(system, AssocClass='CIM_SystemDevice', ResultClass='CIM_StorageVolume')
    service = one(conn.AssociatorNames(system, AssocClass='CIM_HostedService', ResultClass='CIM_StorageConfigurationService'),
                  'storage configuration service')
    replication = one(conn.AssociatorNames(system, AssocClass='CIM_HostedService', ResultClass='CIM_ReplicationService'),
                      'replication service')
    capabilities = conn.Associators(service, AssocClass='CIM_ElementCapabilities', ResultClass='CIM_StorageConfigurationCapabilities')
    assert capabilities and THIN in capabilities[0]['SupportedStorageElementTypes']
    pool = pools[0].path

    # A volume: create, grow (Block Services), with snapshot space from a setting of the pool's capabilities.
    rc, out = conn.InvokeMethod('CreateOrModifyElementFromStoragePool', service, ElementName='snia01', ElementType=Uint16(THIN),
                                InPool=pool, Size=Uint64(GIB))
    assert rc == 0, rc
    volume = out['TheElement']
    assert volume.classname and volume not in volumes and volume.namespace in (None, namespace)
    rc, out = conn.InvokeMethod('CreateOrModifyElementFromStoragePool', service, TheElement=volume, Size=Uint64(2 * GIB))
    assert rc == 0 and out['Size'] == 2 * GIB
    storage_capabilities = [c for c in conn.AssociatorNames(pool, AssocClass='CIM_ElementCapabilities')
                            if 'CreateSetting' in conn.GetClass(c.classname, namespace=namespace, LocalOnly=False).methods]
    rc, out = conn.InvokeMethod('CreateSetting', storage_capabilities[0], SettingType=Uint16(3))
    assert rc == 0
    setting = conn.GetInstance(out['NewSetting'])
    setting['DSPName'] = pools[0]['ElementName']
    conn.ModifyInstance(setting, PropertyList=['DSPName'])
    rc, out = conn.InvokeMethod('CreateOrModifyElementFromStoragePool', service, TheElement=volume, Goal=setting.path)
    assert rc == 0
    conn.DeleteInstance(setting.path)

    # Replicas (Replication Services): a snapshot at once, a clone by a job followed to its end.
    rc, out = conn.InvokeMethod('CreateElementReplica', replication, ElementName='snia01-snap', SyncType=Uint16(SNAPSHOT),
                                SourceElement=volume)
    assert rc == 0, rc
    snapshot = out['TargetElement']
    rc, out = conn.InvokeMethod('CreateElementReplica', replication, ElementName='snia01-clone', SyncType=Uint16(CLONE),
                                Mode=Uint16(ASYNCHRONOUS), SourceElement=volume, TargetPool=pool)
    assert rc == JOB_STARTED, rc
    follow(conn, out)
    clone = out['TargetElement']
    pairs = conn.References(volume, ResultClass='CIM_StorageSynchronized')
    by_target = dict((p['SyncedElement']['DeviceID'], p) for p in pairs)
    assert by_target[snapshot['DeviceID']]['SyncType'] == SNAPSHOT and by_target[clone['DeviceID']]['SyncType'] == CLONE
    assert by_target[clone['DeviceID']]['CopyState'] == 4 and by_target[clone['DeviceID']]['ProgressStatus'] == 2   # Synchronized, Completed

    # Everything goes again: the replicas back to the pool (Return To ResourcePool, 19), then the volume.
    for target in (clone, snapshot):
        rc, out = conn.InvokeMethod('ModifyReplicaSynchronization', replication, Operation=Uint16(19),
                                    Synchronization=by_target[target['DeviceID']].path)
        if rc == JOB_STARTED:
            follow(conn, out)
        else:
            assert rc == 0, rc
    leftovers = conn.References(volume, ResultClass='CIM_StorageSynchronized')
    for pair in leftovers:      # a resync snapshot the array kept for the clone goes with the volume's snapshots
        conn.InvokeMethod('ReturnToStoragePool', service, TheElement=pair['SyncedElement'])
    rc, out = conn.InvokeMethod('ReturnToStoragePool', service, TheElement=volume)
    assert rc == 0, rc
    assert volume not in conn.AssociatorNames(system, AssocClass='CIM_SystemDevice', ResultClass='CIM_StorageVolume')
