"""Every CIM number the array uses, in one place (DMTF value maps, seeds 000-003)."""

from pywbem import Uint16, Uint32

NS = 'root/tpd'
INTEROP_NS = 'root/interop'
SYSTEM_CLASS = 'TPD_StorageSystem'
VOLUME_CLASS = 'TPD_StorageVolume'
CPG_CLASS = 'TPD_DynamicStoragePool'
DSP_CLASS = 'TPD_DeltaReplicaStoragePool'
CONFIG_SERVICE_CLASS = 'TPD_StorageConfigurationService'
REPLICATION_SERVICE_CLASS = 'TPD_ReplicationService'
SYNC_CLASS = 'TPD_StorageSynchronized'
JOB_CLASS = 'TPD_ConcreteJob'
JOB_INDICATION_CLASS = 'TPD_ConcreteJobInstModification'
VVSET_CLASS = 'TPD_ReplicationGroup'
RCGROUP_CLASS = 'TPD_RemoteReplicationGroup'
REMOTE_SYNC_CLASS = 'TPD_RemoteStorageSynchronized'
GROUP_SYNC_CLASS = 'TPD_RemoteGroupSynchronized'      # M311 p124, M312 p133
ENTITY_CLASS = 'TPD_ReplicationEntity'                # M312 p133 Table 111: never enumerable, only a pair's remote end
MEMBER_CLASS = 'TPD_MemberOfCollection'
CAPABILITIES_CLASS = 'TPD_StorageCapabilities'
SETTING_CLASS = 'TPD_StorageSetting'
# Methods of TPD_ReplicationService that start local-copy jobs (the service owns the job: TPD_OwningJobElement).
REPLICATION_SERVICE_JOB_METHODS = ('CreateElementReplica', 'ModifyReplicaSynchronization', 'TPD_ModifyGroupReplicaSynchronization')
# Classes whose instances belong to the array: intrinsic writes are refused (M312 p48-60, MX p76).
ARRAY_OWNED_CLASSES = (
    SYSTEM_CLASS, VOLUME_CLASS, CPG_CLASS, DSP_CLASS, CONFIG_SERVICE_CLASS, REPLICATION_SERVICE_CLASS, SYNC_CLASS,
    CAPABILITIES_CLASS, 'TPD_SystemVolume', 'TPD_HostedStoragePool', 'TPD_HostedService', 'TPD_AllocatedFromStoragePool',
    'TPD_AffectedJobElement', 'TPD_OwningJobElement', VVSET_CLASS, RCGROUP_CLASS, REMOTE_SYNC_CLASS, GROUP_SYNC_CLASS, MEMBER_CLASS,
    'TPD_StorageConfigurationCapabilities', 'TPD_StorageReplicationCapabilities', 'TPD_ReplicationServiceCapabilities',
    'TPD_ElementCapabilities', 'TPD_CapabilitiesOfStoragePool', 'TPD_ElementSettingData')
# TPD_StorageSystem properties a client may change with ModifyInstance (MX p76).
SYSTEM_WRITABLE = ('PrimaryOwnerName', 'PrimaryOwnerContact')
# TPD_StorageSetting properties a client may change with ModifyInstance (M312 p32, M311 p29-33).
SETTING_WRITABLE = ('ElementName', 'DSPName', 'SnapVolumeSize', 'SnapVolumePercentage', 'ThinlyProvisioned', 'BaseID',
                    'ExpirationTimer', 'RetentionTimer')
# TPD_VolumeSetting (a snapshot's times, M311 Table 38 p38): the properties ModifyInstance may change.
VOLUME_SETTING_CLASS = 'TPD_VolumeSetting'
ELEMENT_SETTING_CLASS = 'TPD_ElementSettingData'
VOLUME_SETTING_WRITABLE = ('ExpirationTime', 'RetentionTime')
# TPD_StorageCapabilities instances (M231 p5.12: InstanceID 3PAR:Capabilities:RAIDx; the list is a guess).
CAPABILITIES = ('RAID0', 'RAID10', 'RAID50', 'RAID60')

# Method return codes
RC_OK = Uint32(0)
RC_NOT_SUPPORTED = Uint32(1)
RC_FAILED = Uint32(4)
RC_INVALID = Uint32(5)
RC_IN_USE = Uint32(6)
RC_JOB_STARTED = Uint32(4096)
RC_SIZE_NOT_SUPPORTED = Uint32(4097)
RC_TIMEOUT_NOT_SUPPORTED = Uint32(4098)     # RequestStateChange: "Use of Timeout Parameter Not Supported"
RC_NO_SUCH_SNAPSHOT = Uint32(32768)

# CreateOrModifyElementFromStoragePool ElementType
ELEMENT_FULL = 2
ELEMENT_THIN = 5

# Volume sizes (M311 p30 Table 30, M231 p5.30: chunklet allocation unit 256 MB;
# 3PAR CLI Administrator's Manual 2.3.1 p7.10: "the size limit is 16 TB")
ALLOCATION_UNIT = 256 << 20
MAX_VOLUME_SIZE = 16 << 40
# Volume names (WSAPI 1.3.1 / CLI: up to 31 characters; the character set is a guess)
MAX_NAME_LENGTH = 31

# CopyType
COPY_ASYNC = 2
COPY_SYNC = 3
UNSYNC_ASSOC = 4      # virtual copy, or a physical copy that can be resynchronised (createvvcopy -s)
UNSYNC_UNASSOC = 5    # one-shot physical copy: the association goes when the copy completes

# ReplicaType
FULL_COPY = 2
AFTER_DELTA = 4

# SyncType / Mode
SYNC_TYPE_MIRROR = 6
SYNC_TYPE_SNAPSHOT = 7
SYNC_TYPE_CLONE = 8
MODE_SYNCHRONOUS = 2
MODE_ASYNCHRONOUS = 3

# SyncState
INITIALIZED = 2
RESYNC_IN_PROGRESS = 5
SYNCHRONIZED = 6
RESTORE_IN_PROGRESS = 10
IDLE = 11
BROKEN = 12
FROZEN = 14
COPY_IN_PROGRESS = 15

# CopyState
CS_INITIALIZED = 2
CS_UNSYNCHRONIZED = 3
CS_SYNCHRONIZED = 4
CS_BROKEN = 5
CS_INACTIVE = 8
CS_FAILEDOVER = 10
CS_SKEWED = 13
CS_MIXED = 14

# ProgressStatus
PS_COMPLETED = 2
PS_DORMANT = 3
PS_SYNCHRONIZING = 6
PS_RESYNCING = 7
PS_RESTORING = 8
PS_FAILING_OVER = 11
PS_FAILING_BACK = 12
PS_NOT_APPLICABLE = 15
PS_REQUIRES_ACTIVATE = 19

# RequestedCopyState (M311 Table 105): Not Applicable once reached; Synchronized while Broken or Skewed
RCS_NOT_APPLICABLE = 15
# UndiscoveredElement (MX p139): which end of a remote pair is a TPD_ReplicationEntity
UNDISCOVERED_SYSTEM = 2
UNDISCOVERED_SYNCED = 3
# ReplicationEntity Type 4 StorageVolume (M312 Table 111)
ENTITY_TYPE_VOLUME = 4
# Remote-copy group policies served as SyncPolicy: the CLI defaults (creatercopygroup; the array type is a guess)
RC_DEFAULT_POLICIES = ('no_fail_wrt_on_err', 'no_auto_recover', 'over_per_alert')

# SyncState -> (CopyState, ProgressStatus): seed 000 Table 42.
COPY_VIEW = {
    INITIALIZED: (CS_INITIALIZED, PS_COMPLETED),
    RESYNC_IN_PROGRESS: (CS_UNSYNCHRONIZED, PS_SYNCHRONIZING),
    FROZEN: (CS_SYNCHRONIZED, PS_COMPLETED),
    IDLE: (CS_INACTIVE, PS_COMPLETED),
    BROKEN: (CS_BROKEN, PS_NOT_APPLICABLE),
    COPY_IN_PROGRESS: (CS_UNSYNCHRONIZED, PS_RESYNCING),
    RESTORE_IN_PROGRESS: (CS_SYNCHRONIZED, PS_RESTORING),
    SYNCHRONIZED: (CS_SYNCHRONIZED, PS_COMPLETED),
}

# ModifySynchronization Operation (seed 003)
OP_DETACH = 2
OP_FRACTURE = 3
OP_RESYNC = 4
OP_RESTORE = 5
OP_PREPARE = 6
OP_UNPREPARE = 7
OP_QUIESCE = 8
OP_UNQUIESCE = 9
OP_RESET_TO_SYNC = 10
OP_RESET_TO_ASYNC = 11
OP_START_COPY = 12
OP_STOP_COPY = 13
UNSUPPORTED_OPERATIONS = frozenset({OP_FRACTURE, OP_PREPARE, OP_UNPREPARE, OP_QUIESCE, OP_UNQUIESCE, OP_RESET_TO_SYNC, OP_RESET_TO_ASYNC})

# ModifyReplicaSynchronization Operation (DMTF CIM_ReplicationService; design section 3)
RC_OP_FAILOVER = 10         # setrcopygroup failover (on the secondary)
RC_OP_FAILBACK = 11         # setrcopygroup restore
RC_OP_RESYNC_REPLICA = 14   # setrcopygroup recover (on the failed-over side)
RC_OP_RESUME = 16           # startrcopygroup
RC_OP_RESET_TO_SYNC = 17    # setrcopygroup mode sync
RC_OP_RESET_TO_ASYNC = 18   # setrcopygroup mode periodic
RC_OP_REVERSE_ROLES = 20    # setrcopygroup reverse
RC_OP_SUSPEND = 22          # stoprcopygroup
RC_OPERATIONS = (RC_OP_FAILOVER, RC_OP_FAILBACK, RC_OP_RESYNC_REPLICA, RC_OP_RESUME, RC_OP_RESET_TO_SYNC,
                 RC_OP_RESET_TO_ASYNC, RC_OP_REVERSE_ROLES, RC_OP_SUSPEND)
RC_OP_DMTF_MAX = 27         # 2..27 is the DMTF value map: the others there are 1 Not Supported

# CIM_ConcreteJob.RequestStateChange RequestedState (M312 Table 58)
JOB_REQUEST_START = 2
JOB_REQUEST_SUSPEND = 3
JOB_REQUEST_TERMINATE = 4
JOB_REQUEST_KILL = 5
JOB_REQUEST_SERVICE = 6

# CIM_StorageCapabilities.CreateSetting SettingType
SETTING_DEFAULT = 2
SETTING_GOAL = 3

# JobState
JOB_NEW = 2
JOB_RUNNING = 4
JOB_COMPLETED = 7
JOB_TERMINATED = 8
JOB_EXCEPTION = 10

# OperationalStatus
OS_OK = 2
OS_ERROR = 6
OS_COMPLETED = 17
JOB_RUNNING_STATUS = (OS_OK,)
JOB_SUCCESS_STATUS = (OS_OK, OS_COMPLETED)
JOB_FAILURE_STATUS = (OS_ERROR, OS_COMPLETED)

# AffectedJobElement ElementEffects
EFFECT_UNKNOWN = 0
EFFECT_CREATE = 5

# CIM_ComputerSystem Dedicated: 3 Storage
DEDICATED_STORAGE = 3

# StorageExtent NameFormat 9 NAA, NameNamespace 2 VPD83Type3: the WWN (libstoragemgmt smispy, tested on HP 3PAR)
NAME_FORMAT_NAA = 9
NAME_NAMESPACE_VPD83_TYPE3 = 2
BLOCK_SIZE = 512

# CIM_RegisteredProfile RegisteredOrganization 11 SNIA; AdvertiseTypes 3 SLP
ORG_SNIA = 11
ADVERTISE_SLP = 3


def u16(value):
    """Uint16 of a plain int (helper for projections and tests)."""
    return Uint16(value)
