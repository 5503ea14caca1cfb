# -*- coding: utf-8 -*-
# Copyright: smis.threepar contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Every CIM number the collection uses, with its name, in one place (simulator/MODEL.md, DMTF value maps),
and the plain records the inventory reads and the planner compares. No I/O, no pywbem."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import re
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Dict, List, Optional

NAMESPACE = 'root/tpd'

# Class names of the 3PAR provider.
SYSTEM = 'TPD_StorageSystem'
VOLUME = 'TPD_StorageVolume'
CPG_POOL = 'TPD_DynamicStoragePool'
DELTA_POOL = 'TPD_DeltaReplicaStoragePool'
CONFIG_SERVICE = 'TPD_StorageConfigurationService'
SYNCHRONIZED = 'TPD_StorageSynchronized'
JOB = 'TPD_ConcreteJob'
ALLOCATED_FROM = 'TPD_AllocatedFromStoragePool'
STORAGE_SETTING = 'TPD_StorageSetting'
# Remote copy (seed 004, MODEL.md "Remote copy").
REPLICATION_SERVICE = 'TPD_ReplicationService'
RCOPY_GROUP = 'TPD_RemoteReplicationGroup'
RCOPY_SYNCHRONIZED = 'TPD_RemoteStorageSynchronized'
RCOPY_GROUP_SYNCHRONIZED = 'TPD_RemoteGroupSynchronized'
REPLICATION_ENTITY = 'TPD_ReplicationEntity'
VOLUME_SET = 'TPD_ReplicationGroup'
MEMBER_OF = 'TPD_MemberOfCollection'
# InstanceID of a remote-copy group and of a volume set: HP_3PAR:<name> (M312 p133, MX p106 Tables 93-94); the 3.1.1
# edition prints 3PAR:<name> (M311 p96 Table 89). Groups are found by ElementName, so either works.
RCOPY_GROUP_ID_PREFIX = 'HP_3PAR:'
VOLUME_SET_ID_PREFIX = 'HP_3PAR:'
ID_PREFIXES = ('HP_3PAR:', '3PAR:')

CPG_ID_PREFIX = 'TPD:CPG:'
DSP_ID_PREFIX = 'TPD:DSP:'

# Methods of TPD_StorageConfigurationService (local volumes and copies).
CREATE_OR_MODIFY = 'CreateOrModifyElementFromStoragePool'
RETURN_TO_POOL = 'ReturnToStoragePool'
CREATE_REPLICA = 'CreateReplica'
MODIFY_SYNC = 'ModifySynchronization'
UPDATE_SPACE = 'UpdateDeltaSnapshotSpace'
ATTACH_REPLICA = 'AttachReplica'

# Methods of TPD_ReplicationService (remote copy, seed 004) and the Operation values of ModifyReplicaSynchronization
# (CIM_ReplicationService, DMTF value map): not the ModifySynchronization operations of local copies (OPERATION).
RS_MODIFY = 'ModifyReplicaSynchronization'
RS_CREATE_GROUP = 'CreateGroup'
RS_CREATE_GROUP_REPLICA = 'CreateGroupReplica'
RS_ADD_MEMBERS = 'AddMembers'
RS_REMOVE_MEMBERS = 'RemoveMembers'
RS_DELETE_GROUP = 'DeleteGroup'
# creategroupsv: snapshots of a list of volumes at one point in time (M312 p111-112 Table 95).
RS_CREATE_CONSISTENT_LIST = 'TPD_CreateConsistentReplicaList'
SYNC_TYPE_SNAPSHOT = 7    # CIM_ReplicationService SyncType
MODE_SYNCHRONOUS = 2
RS_GET_SUPPORTED = 'GetSupportedOperations'
REPLICATION_SERVICE_CAPABILITIES = 'TPD_ReplicationServiceCapabilities'
# CIM_ReplicationServiceCapabilities ReplicationType of a remote-copy group by its 3PAR mode.
REPLICATION_TYPE_BY_MODE = {'sync': 4, 'periodic': 5}    # Synchronous / Asynchronous Mirror Remote
RS_OP_FAILOVER = 10
RS_OP_FAILBACK = 11
RS_OP_RESYNC_REPLICA = 14
RS_OP_RESUME = 16
RS_OP_RESET_TO_SYNC = 17
RS_OP_RESET_TO_ASYNC = 18
RS_OP_REVERSE_ROLES = 20
RS_OP_SUSPEND = 22
RS_OPERATION = {RS_OP_FAILOVER: 'Failover', RS_OP_FAILBACK: 'Failback', RS_OP_RESYNC_REPLICA: 'Resync Replica',
                RS_OP_RESUME: 'Resume', RS_OP_RESET_TO_SYNC: 'Reset To Sync', RS_OP_RESET_TO_ASYNC: 'Reset To Async',
                RS_OP_REVERSE_ROLES: 'Reverse Roles', RS_OP_SUSPEND: 'Suspend'}

# Method return codes (MODEL.md "Methods"): UpdateDeltaSnapshotSpace uses 32768 for "no such virtual copy".
RETURN_CODES = {0: 'Completed', 1: 'Not Supported', 2: 'Unknown', 3: 'Timeout', 4: 'Failed', 5: 'Invalid Parameter',
                6: 'In Use', 4096: 'Job Started', 4097: 'Size Not Supported',
                32768: 'Volume does not exist or is not a virtual copy'}
RC_OK = 0
RC_NOT_SUPPORTED = 1
RC_FAILED = 4
RC_INVALID_PARAMETER = 5
RC_IN_USE = 6
RC_JOB_STARTED = 4096
RC_SIZE_NOT_SUPPORTED = 4097     # CreateOrModifyElementFromStoragePool (M311 p30 Table 30): out Size = the nearest size
RC_NO_SUCH_VOLUME = 32768

COPY_TYPE = {2: 'Async', 3: 'Sync', 4: 'UnSyncAssoc', 5: 'UnSyncUnAssoc'}
# UnSyncAssoc (4): a virtual copy (ReplicaType After Delta) or a resyncable physical copy (ReplicaType Full Copy,
# createvvcopy -s); UnSyncUnAssoc (5): a one-shot physical copy whose association goes when the copy ends (M312 p62).
COPY_TYPE_UNSYNC_ASSOC = 4
COPY_TYPE_UNSYNC_UNASSOC = 5
COPY_TYPE_VIRTUAL = COPY_TYPE_UNSYNC_ASSOC

REPLICA_TYPE = {2: 'Full Copy', 4: 'After Delta'}
# CIM_StorageReplicationCapabilities.SupportedSynchronizationType: the kinds of local copy the provider makes (M231 p5.62).
REPLICATION_CAPABILITIES = 'TPD_StorageReplicationCapabilities'
SYNCHRONIZATION_TYPE = {2: 'Async', 3: 'Sync', 4: 'UnSyncAssoc-Full', 5: 'UnSyncAssoc-Delta', 6: 'UnSyncUnAssoc'}
SYNC_TYPE_UNSYNC_ASSOC_FULL = 4
SYNC_TYPE_UNSYNC_ASSOC_DELTA = 5
SYNC_TYPE_UNSYNC_UNASSOC = 6
REPLICA_TYPE_FULL_COPY = 2


def copy_kind(copy_type, replica_type):
    """'virtual' or 'physical' from CopyType and ReplicaType together (CopyType alone cannot tell a resyncable clone)."""
    if copy_type == COPY_TYPE_UNSYNC_UNASSOC or (copy_type == COPY_TYPE_UNSYNC_ASSOC and replica_type == REPLICA_TYPE_FULL_COPY):
        return 'physical'
    if copy_type == COPY_TYPE_UNSYNC_ASSOC:
        return 'virtual'
    return 'unknown'


SYNC_STATE = {2: 'Initialized', 5: 'ResyncInProgress', 6: 'Synchronized', 10: 'RestoreInProgress', 11: 'Idle',
              12: 'Broken', 14: 'Frozen', 15: 'CopyInProgress'}
SS_INITIALIZED = 2
SS_RESYNC_IN_PROGRESS = 5
SS_SYNCHRONIZED = 6
SS_RESTORE_IN_PROGRESS = 10
SS_IDLE = 11
SS_BROKEN = 12
SS_FROZEN = 14
SS_COPY_IN_PROGRESS = 15
# A copy in one of these states is on its way to an end state: wait for it, never start it again.
SYNC_STATES_IN_TRANSIT = frozenset([SS_INITIALIZED, SS_RESYNC_IN_PROGRESS, SS_RESTORE_IN_PROGRESS, SS_COPY_IN_PROGRESS])
COPY_STATE = {2: 'Initialized', 3: 'Unsynchronized', 4: 'Synchronized', 5: 'Broken', 8: 'Inactive', 9: 'Suspended',
              10: 'Failedover', 13: 'Skewed', 14: 'Mixed'}
PROGRESS_STATUS = {2: 'Completed', 3: 'Dormant', 4: 'Initializing', 6: 'Synchronizing', 7: 'Resyncing', 8: 'Restoring',
                   11: 'Failing over', 12: 'Failing back', 15: 'Not Applicable', 19: 'Requires Activate'}
SYNC_TYPE = {6: 'Mirror', 7: 'Snapshot', 8: 'Clone'}
MODE = {2: 'Synchronous', 3: 'Asynchronous'}
SYNC_TYPE_MIRROR = 6
# Remote copy mode: 3PAR's periodic mode is the asynchronous one.
RCOPY_MODE_NAMES = {2: 'sync', 3: 'periodic'}
RCOPY_MODE_NUMBERS = {'sync': 2, 'periodic': 3}

# ModifySynchronization Operation (seed 003).
OPERATION = {2: 'Detach', 3: 'Fracture', 4: 'Resync', 5: 'Restore', 6: 'Prepare', 7: 'Unprepare', 8: 'Quiesce',
             9: 'Unquiesce', 10: 'Reset To Sync', 11: 'Reset To Async', 12: 'Start Copy', 13: 'Stop Copy'}
OP_DETACH = 2
OP_RESYNC = 4
OP_RESTORE = 5
OP_START_COPY = 12
OP_STOP_COPY = 13

# CreateOrModifyElementFromStoragePool ElementType.
ELEMENT_TYPE_BY_PROVISIONING = {'full': 2, 'thin': 5}

JOB_STATE = {2: 'New', 3: 'Starting', 4: 'Running', 5: 'Suspended', 6: 'Shutting Down', 7: 'Completed',
             8: 'Terminated', 9: 'Killed', 10: 'Exception', 11: 'Service'}
JOB_NEW = 2
JOB_RUNNING = 4
JOB_STATES_FINISHED = frozenset([7, 8, 9, 10])    # Completed, Terminated, Killed, Exception
OPERATIONAL_STATUS = {0: 'Unknown', 2: 'OK', 3: 'Degraded', 6: 'Error', 8: 'Starting', 10: 'Stopped', 17: 'Completed'}
OS_OK = 2
OS_ERROR = 6
OS_COMPLETED = 17

# CIM status codes (DSP0200) for messages.
CIM_STATUS = {1: 'CIM_ERR_FAILED', 2: 'CIM_ERR_ACCESS_DENIED', 3: 'CIM_ERR_INVALID_NAMESPACE',
              4: 'CIM_ERR_INVALID_PARAMETER', 5: 'CIM_ERR_INVALID_CLASS', 6: 'CIM_ERR_NOT_FOUND',
              7: 'CIM_ERR_NOT_SUPPORTED', 16: 'CIM_ERR_METHOD_NOT_AVAILABLE', 17: 'CIM_ERR_METHOD_NOT_FOUND'}
CIM_ERR_ACCESS_DENIED = 2
CIM_ERR_INVALID_NAMESPACE = 3
CIM_ERR_NOT_FOUND = 6
# The method is not there (CIM_ERR_NOT_SUPPORTED, CIM_ERR_METHOD_NOT_AVAILABLE, CIM_ERR_METHOD_NOT_FOUND).
CIM_ERRS_NO_METHOD = frozenset([7, 16, 17])
HTTP_FORBIDDEN = 403    # the provider's answer to a user without the role (some answer CIM_ERR_ACCESS_DENIED)

# CreateSetting SettingType (M312 p32): 3 Goal.
SETTING_TYPE_GOAL = 3
# CIM_ListenerDestination PersistenceType: 3 Transient (the provider may drop it when the listener goes away).
PERSISTENCE_TRANSIENT = 3


def decode(value_map, value):
    """The name of a CIM number; None stays None, an unknown number reads 'Unknown (n)'."""
    if value is None:
        return None
    return value_map.get(int(value), 'Unknown (%s)' % value)


def decode_list(value_map, values):
    return [decode(value_map, v) for v in (values or [])]


# Sizes follow Ansible's human_to_bytes: every unit is binary (K, KB and KiB are all 1024), as in the 3PAR CLI.
_SIZE_UNITS = {'': 1, 'B': 1}
for _power, _letter in enumerate('KMGTP', 1):
    for _suffix in ('', 'B', 'IB'):
        _SIZE_UNITS[_letter + _suffix] = 1024 ** _power
_SIZE_RE = re.compile(r'^\s*([0-9]+(?:\.[0-9]+)?)\s*([A-Za-z]*)\s*$')   # ASCII digits only (int() takes others)
UINT64_MAX = 2 ** 64 - 1
# Volumes are allocated in whole chunklets (M311 p30: "the allocation unit is based on chunklet size (256 MB)"), up to
# 16 TiB (3PAR CLI Administrator's Manual 2.3.1 p7.10).
ALLOCATION_UNIT = 256 * 1024 ** 2
MAX_VOLUME_SIZE = 16 * 1024 ** 4


def parse_size(text, allow_zero=False):
    """'10GiB' / '10G' / '10GB' / '512MiB' / 1024 -> bytes (int, > 0, or 0 with allow_zero); ValueError otherwise."""
    if isinstance(text, bool):
        raise ValueError("'%s' is not a size" % text)
    if isinstance(text, int):
        number, unit = text, ''
    else:
        match = _SIZE_RE.match(str(text))
        unit = match.group(2).upper() if match else None
        if not match or unit not in _SIZE_UNITS:
            raise ValueError("'%s' is not a size; write a number and a binary unit such as '512MiB', '10GiB' or '2TiB' "
                             "(G, GB and GiB all mean 1024^3 bytes, as in Ansible's human_to_bytes)" % text)
        number = match.group(1)
    value = float(number) * _SIZE_UNITS[unit] if '.' in str(number) else int(number) * _SIZE_UNITS[unit]
    if value != int(value):
        raise ValueError("'%s' is not a whole number of bytes" % text)
    value = int(value)
    if value < 0 or (value == 0 and not allow_zero):
        raise ValueError("'%s' is not a positive size" % text)
    if value > UINT64_MAX:
        raise ValueError("'%s' is larger than any size the array can take (uint64)" % text)
    return value


def allocated_size(num_bytes):
    """The size the array allocates for a request: rounded up to the next whole allocation unit (256 MiB)."""
    return -(-num_bytes // ALLOCATION_UNIT) * ALLOCATION_UNIT


def format_size(num_bytes):
    """Bytes -> the largest exact binary unit ('10GiB'), for results and diffs."""
    if num_bytes is None:
        return None
    for unit, factor in (('TiB', 1024 ** 4), ('GiB', 1024 ** 3), ('MiB', 1024 ** 2), ('KiB', 1024)):
        if num_bytes and num_bytes % factor == 0:
            return '%d%s' % (num_bytes // factor, unit)
    return '%dB' % num_bytes


# Volume names as the array takes them: up to 31 characters (WSAPI name31, CLI createvv) of these characters.
NAME_MAX_LENGTH = 31
_NAME_RE = re.compile(r'^[A-Za-z0-9_.-]+$')


def name_problem(name):
    """Why the array would refuse ``name`` for a new volume, or None."""
    if len(name) > NAME_MAX_LENGTH:
        return 'it has %d characters; the array takes at most %d' % (len(name), NAME_MAX_LENGTH)
    if not _NAME_RE.match(name):
        return 'it may hold only letters, digits, ".", "-" and "_"'
    return None


def parse_point_in_time(text):
    """An ISO 8601 point in time (a copy's when_synced as modules return it) -> (aware datetime, has fraction).
    No time zone means UTC. ValueError otherwise."""
    value = str(text).strip()
    try:
        when = datetime.fromisoformat(value[:-1] + '+00:00' if value.endswith('Z') else value)
    except ValueError:
        raise ValueError("'%s' is not an ISO 8601 point in time such as '2024-05-01T12:00:00+00:00' "
                         "(use the when_synced the module returns for the copy)" % text)
    if when.tzinfo is None:
        when = when.replace(tzinfo=timezone.utc)
    return when, '.' in value


def same_point_in_time(when_synced, restore_point):
    """Whether a copy's WhenSynced is ``restore_point`` ((datetime, has fraction)), to the precision the point gives."""
    if when_synced is None:
        return False
    point, fractional = restore_point
    if fractional:
        return when_synced == point
    return when_synced.replace(microsecond=0) == point.replace(microsecond=0)


_DURATION_UNITS = {'s': 1, 'm': 60, 'h': 3600, 'd': 86400, 'w': 604800}
_DURATION_RE = re.compile(r'(\d+)\s*([smhdw])')


def parse_duration(text):
    """'24h' / '1d12h' / '90m' / '45s' / 3600 -> seconds (int)."""
    if isinstance(text, int):
        return text
    compact = str(text).strip().lower()
    if compact.isdigit():
        return int(compact)
    parts = _DURATION_RE.findall(compact)
    if not parts or _DURATION_RE.sub('', compact).strip():
        raise ValueError("'%s' is not a duration; write e.g. '45s', '90m', '24h', '7d' or '1d12h'" % text)
    return sum(int(n) * _DURATION_UNITS[u] for n, u in parts)


@dataclass
class Volume:
    """A TPD_StorageVolume: base volume, snapshot or physical copy target."""
    name: str
    device_id: str = ''
    wwn: str = ''
    size: int = 0
    thin: bool = True
    read_only: bool = False
    copy_of: Optional[str] = None
    operational_status: List[int] = field(default_factory=list)
    cpg: Optional[str] = None
    space_used: Optional[int] = None     # a snapshot's SpaceConsumed, as last recounted (UpdateDeltaSnapshotSpace)
    path: object = None

    @property
    def provisioning(self):
        return 'thin' if self.thin else 'full'


@dataclass
class Pool:
    """A CPG (TPD_DynamicStoragePool)."""
    name: str
    total: int = 0
    remaining: int = 0
    path: object = None


@dataclass
class SnapSpace:
    """A base volume's SA/SD space (TPD_DeltaReplicaStoragePool)."""
    volume: str
    snap_cpg: Optional[str] = None
    snap_size: int = 0
    snap_percent: int = 0
    path: object = None


@dataclass
class Copy:
    """A local copy (TPD_StorageSynchronized) between two volumes, by name."""
    source: str
    target: str
    copy_type: int
    sync_state: int
    replica_type: Optional[int] = None
    copy_state: Optional[int] = None
    progress_status: Optional[int] = None
    sync_type: Optional[int] = None
    mode: Optional[int] = None
    sync_maintained: Optional[bool] = None
    when_synced: Optional[object] = None   # datetime (aware) or None
    percent_synced: Optional[int] = None
    path: object = None

    @property
    def kind(self):
        return copy_kind(self.copy_type, self.replica_type)

    @property
    def resyncable(self):
        """A physical copy the array keeps associated (Resync, Start Copy, Detach work on it)."""
        return self.kind == 'physical' and self.copy_type == COPY_TYPE_UNSYNC_ASSOC


@dataclass
class Job:
    """A TPD_ConcreteJob."""
    job_id: str
    job_state: Optional[int] = None
    operational_status: List[int] = field(default_factory=list)
    percent_complete: Optional[int] = None
    error_description: Optional[str] = None
    method: Optional[str] = None
    target: Optional[str] = None
    path: object = None

    @property
    def finished(self):
        return (self.job_state in JOB_STATES_FINISHED) or OS_COMPLETED in self.operational_status

    @property
    def succeeded(self):
        return OS_COMPLETED in self.operational_status and OS_OK in self.operational_status \
            and OS_ERROR not in self.operational_status and self.job_state not in (8, 9, 10)

    def describe(self):
        return '%s %s, %s%%' % (decode(JOB_STATE, self.job_state), '/'.join(decode_list(OPERATIONAL_STATUS, self.operational_status)),
                                self.percent_complete if self.percent_complete is not None else '?')


@dataclass
class ArrayState:
    """What the inventory read, keyed by name; None where a class was not read (the planner did not need it)."""
    volumes: Optional[Dict[str, Volume]] = None
    copies: Optional[List[Copy]] = None
    pools: Optional[Dict[str, Pool]] = None
    snap_spaces: Optional[Dict[str, SnapSpace]] = None
    timers: Optional[Dict[str, object]] = None     # snapshot name -> snapshot_timers.Timers (expiration, retention)

    def _index(self):
        """{target: copy} and {source: [copies]}, built once per copies list (a plan of N copies is O(N), not O(N^2))."""
        copies = self.copies or []
        cached = self.__dict__.get('_copy_index')
        if cached is None or cached[0] is not copies or cached[1] != len(copies):
            by_target, by_source = {}, {}
            for copy in copies:
                by_target.setdefault(copy.target, copy)
                by_source.setdefault(copy.source, []).append(copy)
            cached = (copies, len(copies), by_target, by_source)
            self.__dict__['_copy_index'] = cached
        return cached

    def copy_to(self, target):
        """The copy association whose target volume is ``target``, or None."""
        return self._index()[2].get(target)

    def copies_of(self, source):
        return list(self._index()[3].get(source, ()))


def volume_view(volume, snap_space=None):
    """A volume as modules report it (and diff it)."""
    if volume is None:
        return {}
    view = {'name': volume.name, 'size': format_size(volume.size), 'size_bytes': volume.size, 'provisioning': volume.provisioning,
            'cpg': volume.cpg, 'wwn': volume.wwn, 'device_id': volume.device_id, 'read_only': volume.read_only,
            'copy_of': volume.copy_of, 'operational_status': decode_list(OPERATIONAL_STATUS, volume.operational_status)}
    if snap_space is not None:
        view.update(snap_cpg=snap_space.snap_cpg, snap_size=format_size(snap_space.snap_size) if snap_space.snap_size else None,
                    snap_percent=snap_space.snap_percent or None)
    return view


def copy_view(copy, target_volume=None):
    """A copy as modules report it, with decoded state names."""
    if copy is None:
        return {}
    view = {'source': copy.source, 'name': copy.target, 'type': copy.kind,
            'copy_type': decode(COPY_TYPE, copy.copy_type), 'replica_type': decode(REPLICA_TYPE, copy.replica_type),
            'sync_state': decode(SYNC_STATE, copy.sync_state), 'copy_state': decode(COPY_STATE, copy.copy_state),
            'progress_status': decode(PROGRESS_STATUS, copy.progress_status), 'sync_type': decode(SYNC_TYPE, copy.sync_type),
            'mode': decode(MODE, copy.mode), 'sync_maintained': copy.sync_maintained,
            'when_synced': copy.when_synced.isoformat() if copy.when_synced is not None else None,
            'percent_synced': copy.percent_synced}
    if copy.kind == 'physical':
        view['resyncable'] = copy.resyncable
    if target_volume is not None:
        view['read_only'] = target_volume.read_only
        if target_volume.space_used is not None:
            view['space_used'] = target_volume.space_used
    return view


def job_view(job):
    return {'job_id': job.job_id, 'job_state': decode(JOB_STATE, job.job_state),
            'operational_status': decode_list(OPERATIONAL_STATUS, job.operational_status),
            'percent_complete': job.percent_complete, 'error_description': job.error_description,
            'method': job.method, 'target': job.target}
