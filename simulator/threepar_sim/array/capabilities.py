"""Capabilities (simulator/MODEL.md, Capabilities) and TPD_ReplicationServiceCapabilities' methods.

The capability instances are fixed; their CIM_ElementCapabilities associations follow the
services (system owner), the CPGs (cpg owner) and the delta pools (volume owner), so the
projection calls the ``*_instances`` functions below from the owners' builders.
"""

from pywbem import CIMParameter, Uint16

from . import values as v
from .fastcim import make_instance, make_path, typed_property as prop
from .providers import ArrayMethodProvider, get_param
from .state import Refused

CONFIG_CAPS_CLASS = 'TPD_StorageConfigurationCapabilities'
REPLICATION_CAPS_CLASS = 'TPD_StorageReplicationCapabilities'
SERVICE_CAPS_CLASS = 'TPD_ReplicationServiceCapabilities'
ELEMENT_CAPS_CLASS = 'TPD_ElementCapabilities'
POOL_CAPS_CLASS = 'TPD_CapabilitiesOfStoragePool'
CLASSES = (CONFIG_CAPS_CLASS, REPLICATION_CAPS_CLASS, SERVICE_CAPS_CLASS, ELEMENT_CAPS_CLASS, POOL_CAPS_CLASS)

# --- TPD_StorageConfigurationCapabilities (DMTF CIM_StorageConfigurationCapabilities value maps) ---------------
# SupportedSynchronousActions / SupportedAsynchronousActions
POOL_CREATION, POOL_DELETION, POOL_MODIFICATION = 2, 3, 4
ELEMENT_CREATION, ELEMENT_RETURN, ELEMENT_MODIFICATION = 5, 6, 7
REPLICA_CREATION, REPLICA_MODIFICATION, REPLICA_ATTACHMENT = 8, 9, 10
# SupportedStorageElementTypes: 2 StorageVolume, 5 ThinlyProvisionedStorageVolume
# SupportedStorageElementFeatures: 3 StorageVolume Creation, 5 StorageVolume Modification, 6 Single InPool
CONFIG_CAPABILITIES = {
    # the service: M231 p5.61 / M312 p51-53 (replica actions, SupportedCopyTypes); the element part is the
    # DynamicStoragePool column of M311 Table 28 (guess: the service offers what its CPGs offer)
    'Service': {'ElementName': 'StorageConfigurationService',
                'SupportedSynchronousActions': [ELEMENT_CREATION, ELEMENT_RETURN, ELEMENT_MODIFICATION, REPLICA_CREATION],
                'SupportedAsynchronousActions': [REPLICA_MODIFICATION, REPLICA_ATTACHMENT],
                'SupportedStorageElementTypes': [v.ELEMENT_FULL, v.ELEMENT_THIN],
                'SupportedStorageElementFeatures': [3, 5, 6],
                'SupportedCopyTypes': [v.UNSYNC_ASSOC, v.UNSYNC_UNASSOC]},
    # M311 p29 Table 28 (M231 Table 5-19, M312 p31 Table 28): DynamicStoragePool column
    'DynamicStoragePool': {'ElementName': 'DynamicStoragePool',
                           'SupportedSynchronousActions': [ELEMENT_CREATION, ELEMENT_RETURN, ELEMENT_MODIFICATION],
                           'SupportedAsynchronousActions': None,
                           'SupportedStorageElementTypes': [v.ELEMENT_FULL, v.ELEMENT_THIN],
                           'SupportedStorageElementFeatures': [3, 5, 6],
                           'SupportedCopyTypes': None},
    # same table, DeltaReplicaStoragePool column (StorageVolume only: M311/M312; M231 says NULL)
    'DeltaReplicaStoragePool': {'ElementName': 'DeltaReplicaStoragePool',
                                'SupportedSynchronousActions': None, 'SupportedAsynchronousActions': None,
                                'SupportedStorageElementTypes': [v.ELEMENT_FULL],
                                'SupportedStorageElementFeatures': None, 'SupportedCopyTypes': None},
}

# --- TPD_StorageReplicationCapabilities (DMTF CIM_StorageReplicationCapabilities value maps) -----------------
SYNC_ASYNC, SYNC_SYNC, SYNC_UNSYNC_ASSOC_FULL, SYNC_UNSYNC_ASSOC_DELTA, SYNC_UNSYNC_UNASSOC = 2, 3, 4, 5, 6
LOCAL_REPLICA_CREATION, LOCAL_REPLICA_MODIFICATION, LOCAL_REPLICA_ATTACHMENT = 2, 4, 6
INITIALIZED, IDLE = 2, 5                    # InitialReplicationState
NOT_ACCESSIBLE, NO_RESTRICTIONS = 2, 3      # ReplicaHostAccessibility
DELTA_POOL = 2                              # SupportedSpecializedElements
EXCLUSIVE = 3                               # DeltaReplicaPoolAccess
# M231 p5.62-5.65 Table 5-31 (UnSyncAssoc-Full, -Delta, UnSyncUnAssoc); M311 p59; M312 p53-55 Table 40 (Sync,
# Async remote mirror). SupportedModifyOperations: what the simulator's ModifySynchronization does (MODEL.md).
REPLICATION_CAPABILITIES = {
    'UnSyncAssoc-Full': {'SupportedSynchronizationType': SYNC_UNSYNC_ASSOC_FULL,
                         'SupportedAsynchronousActions': [LOCAL_REPLICA_ATTACHMENT, LOCAL_REPLICA_MODIFICATION],
                         'SupportedSynchronousActions': None, 'SupportedSpecializedElements': None,
                         'InitialReplicationState': INITIALIZED,
                         'SupportedModifyOperations': [v.OP_DETACH, v.OP_RESYNC, v.OP_START_COPY, v.OP_STOP_COPY],
                         'ReplicaHostAccessibility': NOT_ACCESSIBLE, 'DeltaReplicaPoolAccess': None},
    'UnSyncAssoc-Delta': {'SupportedSynchronizationType': SYNC_UNSYNC_ASSOC_DELTA,
                          'SupportedAsynchronousActions': None, 'SupportedSynchronousActions': [LOCAL_REPLICA_CREATION],
                          'SupportedSpecializedElements': [DELTA_POOL], 'InitialReplicationState': IDLE,
                          'SupportedModifyOperations': [v.OP_RESYNC, v.OP_RESTORE],
                          'ReplicaHostAccessibility': NO_RESTRICTIONS, 'DeltaReplicaPoolAccess': EXCLUSIVE},
    'UnSyncUnAssoc': {'SupportedSynchronizationType': SYNC_UNSYNC_UNASSOC,
                      'SupportedAsynchronousActions': [LOCAL_REPLICA_ATTACHMENT], 'SupportedSynchronousActions': None,
                      'SupportedSpecializedElements': None, 'InitialReplicationState': INITIALIZED,
                      'SupportedModifyOperations': [v.OP_STOP_COPY],
                      'ReplicaHostAccessibility': NO_RESTRICTIONS, 'DeltaReplicaPoolAccess': None},
    'Sync': {'SupportedSynchronizationType': SYNC_SYNC, 'SupportedAsynchronousActions': None,
             'SupportedSynchronousActions': None, 'SupportedSpecializedElements': None,
             'InitialReplicationState': INITIALIZED, 'SupportedModifyOperations': None,
             'ReplicaHostAccessibility': NO_RESTRICTIONS, 'DeltaReplicaPoolAccess': None},
    'Async': {'SupportedSynchronizationType': SYNC_ASYNC, 'SupportedAsynchronousActions': None,
              'SupportedSynchronousActions': None, 'SupportedSpecializedElements': None,
              'InitialReplicationState': INITIALIZED, 'SupportedModifyOperations': None,
              'ReplicaHostAccessibility': NO_RESTRICTIONS, 'DeltaReplicaPoolAccess': None},
}

# --- TPD_ReplicationServiceCapabilities (DMTF CIM_ReplicationServiceCapabilities value maps) -----------------
SYNC_MIRROR_REMOTE, ASYNC_MIRROR_REMOTE, SYNC_SNAPSHOT_LOCAL, SYNC_CLONE_LOCAL, ASYNC_CLONE_LOCAL = 4, 5, 6, 10, 11
REPLICATION_TYPES = (SYNC_MIRROR_REMOTE, ASYNC_MIRROR_REMOTE, SYNC_SNAPSHOT_LOCAL, SYNC_CLONE_LOCAL, ASYNC_CLONE_LOCAL)
REMOTE_TYPES = (SYNC_MIRROR_REMOTE, ASYNC_MIRROR_REMOTE)
REPLICATION_TYPE_MAX = 13                   # 2..13 is the DMTF value map; 0x8000.. vendor
LOCAL, REMOTE = 2, 3                        # LocalOrRemote
# ModifyReplicaSynchronization operations (DMTF): the local ones of M312 p113 Table 96 (and Detach, Table 108/109)
MRS_ABORT, MRS_DETACH, MRS_DISSOLVE, MRS_RESYNC, MRS_RESTORE, MRS_RETURN_TO_POOL = 2, 8, 9, 14, 15, 19
LOCAL_OPERATIONS = (MRS_ABORT, MRS_DETACH, MRS_DISSOLVE, MRS_RESYNC, MRS_RESTORE, MRS_RETURN_TO_POOL)
# GetSupportedOperations for the local types: MX p128 Table 108 / M313 p133 Table 109
LOCAL_SUPPORTED_OPERATIONS = {
    SYNC_SNAPSHOT_LOCAL: [MRS_DETACH, MRS_DISSOLVE, MRS_RESTORE, MRS_RETURN_TO_POOL],
    SYNC_CLONE_LOCAL: [MRS_ABORT],
    ASYNC_CLONE_LOCAL: [MRS_ABORT, MRS_DETACH, MRS_DISSOLVE, MRS_RESYNC],
}
# GetSupportedFeatures: M312 p118 Table 100 / MX p124 Table 103
FEATURES = {
    SYNC_SNAPSHOT_LOCAL: [2, 10, 16],
    SYNC_CLONE_LOCAL: [2, 8, 18],
    ASYNC_CLONE_LOCAL: [2, 3, 8, 16],
    SYNC_MIRROR_REMOTE: [2, 6, 7, 8, 16, 17],
    ASYNC_MIRROR_REMOTE: [2, 6, 7, 8, 16, 17],
}
# ConvertSyncTypeToReplicationType: M312 p118 Table 99 (SyncType, Mode, LocalOrRemote) -> ReplicationType
SYNC_TO_REPLICATION = {
    (v.SYNC_TYPE_SNAPSHOT, v.MODE_SYNCHRONOUS, LOCAL): SYNC_SNAPSHOT_LOCAL,
    (v.SYNC_TYPE_CLONE, v.MODE_SYNCHRONOUS, LOCAL): SYNC_CLONE_LOCAL,
    (v.SYNC_TYPE_CLONE, v.MODE_ASYNCHRONOUS, LOCAL): ASYNC_CLONE_LOCAL,
    (v.SYNC_TYPE_MIRROR, v.MODE_SYNCHRONOUS, REMOTE): SYNC_MIRROR_REMOTE,
    (v.SYNC_TYPE_MIRROR, v.MODE_ASYNCHRONOUS, REMOTE): ASYNC_MIRROR_REMOTE,
}
REPLICATION_TO_SYNC = {rtype: key for key, rtype in SYNC_TO_REPLICATION.items()}
# CreateElementReplica WaitForCopyState of a clone (M312 p109 Table 93): 8 Inactive for the clone that keeps its
# association (Asynchronous), 4 Synchronized for the independent one (Synchronous)
CLONE_WAIT_STATE = {v.MODE_ASYNCHRONOUS: v.CS_INACTIVE, v.MODE_SYNCHRONOUS: v.CS_SYNCHRONIZED}
SERVICE_CAPABILITIES = {
    'ElementName': 'ReplicationServiceCapabilities',
    'SupportedReplicationTypes': list(REPLICATION_TYPES),
    # M313 p126-127 Table 101, restricted to the methods the simulator implements (guess)
    'SupportedAsynchronousActions': [2, 3, 5],             # CreateElementReplica, CreateGroupReplica, ModifyReplicaSynchronization
    'SupportedSynchronousActions': [2, 5, 12, 13, 14, 15],  # ... CreateGroup, DeleteGroup, AddMembers, RemoveMembers
}

CONFIG_PREFIX = '3PAR:StorageConfigurationCapabilities:'
REPLICATION_PREFIX = '3PAR:StorageReplicationCapabilities:'
SERVICE_CAPS_ID = '3PAR:ReplicationServiceCapabilities'


def _u16(values):
    return None if values is None else [Uint16(x) for x in values]


def _caps_path(classname, instance_id):
    return make_path(classname, {'InstanceID': instance_id}, v.NS)


def config_caps_path(name):
    return _caps_path(CONFIG_CAPS_CLASS, CONFIG_PREFIX + name)


def replication_caps_path(name):
    return _caps_path(REPLICATION_CAPS_CLASS, REPLICATION_PREFIX + name)


def service_caps_path():
    return _caps_path(SERVICE_CAPS_CLASS, SERVICE_CAPS_ID)


def _caps_instance(classname, instance_id, values):
    props = [prop('InstanceID', instance_id)]
    for name, value in values.items():
        if name == 'ElementName':
            props.append(prop(name, value))
        elif isinstance(value, bool):
            props.append(prop(name, value, 'boolean'))
        elif isinstance(value, list) or value is None and name.startswith('Supported'):
            props.append(prop(name, _u16(value), 'uint16', True))
        else:
            props.append(prop(name, None if value is None else Uint16(value), 'uint16'))
    return make_instance(classname, _caps_path(classname, instance_id), props)


def _link(projector, classname, element, capabilities):
    return projector.association(classname, 'ManagedElement', element, 'Capabilities', capabilities)


def system_instances(projector):
    """The fixed capability instances and their links to the two services."""
    config_service = projector.service_path(v.CONFIG_SERVICE_CLASS, 'StorageConfigurationService')
    replication_service = projector.service_path(v.REPLICATION_SERVICE_CLASS, 'ReplicationService')
    result = [_caps_instance(CONFIG_CAPS_CLASS, CONFIG_PREFIX + name, values) for name, values in CONFIG_CAPABILITIES.items()]
    for name, values in REPLICATION_CAPABILITIES.items():
        result.append(_caps_instance(REPLICATION_CAPS_CLASS, REPLICATION_PREFIX + name,
                                     dict(values, ElementName=name, PersistentReplicasSupported=True)))
    result.append(_caps_instance(SERVICE_CAPS_CLASS, SERVICE_CAPS_ID, SERVICE_CAPABILITIES))
    result.append(_link(projector, ELEMENT_CAPS_CLASS, config_service, config_caps_path('Service')))
    result.extend(_link(projector, ELEMENT_CAPS_CLASS, config_service, replication_caps_path(name)) for name in REPLICATION_CAPABILITIES)
    result.append(_link(projector, ELEMENT_CAPS_CLASS, replication_service, service_caps_path()))
    return result


def raid_of(cpg_name):
    """The TPD_StorageCapabilities of a CPG, from the 3PAR naming habit <disk>_r<level> (guess; default RAID10)."""
    level = cpg_name.rpartition('_r')[2] if '_r' in cpg_name else ''
    return {'0': 'RAID0', '1': 'RAID10', '5': 'RAID50', '6': 'RAID60'}.get(level, 'RAID10')


def cpg_instances(projector, cpg):
    pool = projector.cpg_path(cpg.name)
    return [_link(projector, ELEMENT_CAPS_CLASS, pool, config_caps_path('DynamicStoragePool')),
            _link(projector, POOL_CAPS_CLASS, pool, projector.capabilities_path(raid_of(cpg.name)))]


def dsp_instances(projector, vol):
    """A delta pool: its configuration capabilities, and the RAID capabilities of its volume's CPG (M312 p51)."""
    pool = projector.dsp_path(vol.name)
    return [_link(projector, ELEMENT_CAPS_CLASS, pool, config_caps_path('DeltaReplicaStoragePool')),
            _link(projector, POOL_CAPS_CLASS, pool, projector.capabilities_path(raid_of(vol.cpg)))]


# --- TPD_ReplicationServiceCapabilities methods ----------------------------------------------------------------

def u16_out(name, values):
    return CIMParameter(name, 'uint16', value=[Uint16(x) for x in values], is_array=True)


class ReplicationServiceCapabilitiesProvider(ArrayMethodProvider):
    """GetSupportedOperations, GetSupportedFeatures, ConvertSyncTypeToReplicationType, ConvertReplicationTypeToSyncType
    (M311 p114, M312 p118, M313 p133, MX p124-128). Return codes: 0, 1 Not Supported for a ReplicationType of the
    DMTF value map the array does not support (the manual prints "Not Supported (2)": DMTF 1 is Not Supported),
    5 outside the value map."""

    provider_classnames = SERVICE_CAPS_CLASS
    handlers = {
        'getsupportedoperations': 'get_supported_operations',
        'getsupportedfeatures': 'get_supported_features',
        'convertsynctypetoreplicationtype': 'convert_sync_type',
        'convertreplicationtypetosynctype': 'convert_replication_type',
    }

    def replication_type(self, params, method):
        value = get_param(params, method, 'ReplicationType', required=True)
        rtype = int(value)
        if rtype in REPLICATION_TYPES:
            return rtype
        if 2 <= rtype <= REPLICATION_TYPE_MAX or rtype >= 0x8000:
            self.array.last_refusal = '%s: ReplicationType %d is not supported by this array' % (method, rtype)
            return None
        raise Refused(v.RC_INVALID, 'ReplicationType %d is not in the DMTF value map' % rtype)

    def get_supported_operations(self, params):
        method = 'GetSupportedOperations'
        rtype = self.replication_type(params, method)
        if rtype is None:
            return v.RC_NOT_SUPPORTED, []
        if rtype in REMOTE_TYPES:
            operations = [] if self.array.rcopy.read_only else list(v.RC_OPERATIONS)
        else:
            operations = LOCAL_SUPPORTED_OPERATIONS[rtype]
        return v.RC_OK, [u16_out('SupportedOperations', operations)]

    def get_supported_features(self, params):
        rtype = self.replication_type(params, 'GetSupportedFeatures')
        if rtype is None:
            return v.RC_NOT_SUPPORTED, []
        return v.RC_OK, [u16_out('Features', FEATURES[rtype])]

    def convert_sync_type(self, params):
        method = 'ConvertSyncTypeToReplicationType'
        key = tuple(get_param(params, method, name) for name in ('SyncType', 'Mode', 'LocalOrRemote'))
        rtype = SYNC_TO_REPLICATION.get(tuple(None if x is None else int(x) for x in key))
        if rtype is None:
            return v.RC_NOT_SUPPORTED, []
        return v.RC_OK, [CIMParameter('SupportedReplicationTypes', 'uint16', value=Uint16(rtype))]

    def convert_replication_type(self, params):
        rtype = self.replication_type(params, 'ConvertReplicationTypeToSyncType')
        if rtype is None:
            return v.RC_NOT_SUPPORTED, []
        sync_type, mode, where = REPLICATION_TO_SYNC[rtype]
        return v.RC_OK, [CIMParameter('SyncType', 'uint16', value=Uint16(sync_type)), CIMParameter('Mode', 'uint16', value=Uint16(mode)),
                         CIMParameter('LocalOrRemote', 'uint16', value=Uint16(where))]
