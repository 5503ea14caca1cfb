"""The array's domain state and its state machine (no CIM in here).

Objects are plain dataclasses keyed by name (CPGs, volumes), by target volume
name (local copies: a volume is the target of at most one copy) and by number
(jobs). Every mutation records what it touched in ``dirty`` (for projection
and persistence) and every job transition in ``events`` (for indications).
Business refusals raise ``Refused`` carrying the CIM method return code.
"""

import dataclasses
import re
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from typing import Optional

from . import values as v

MIB = 1024 * 1024
MIN_JOB_SECONDS = 0.2
# Volume names: up to 31 characters (WSAPI 1.3.1 / CLI); the character set is a guess (MODEL.md, Names).
NAME_PATTERN = re.compile(r'[A-Za-z0-9._-]{1,%d}' % v.MAX_NAME_LENGTH)
# UpdateDeltaSnapshotSpace jobs queue among themselves (they act on many sources at once).
UPDATE_QUEUE = 'updatesnapspace'

# What a running job shows on its copy, and what the copy becomes when it ends.
RUNNING_SYNC_STATE = {
    'copy': v.RESYNC_IN_PROGRESS,       # seed 000 Table 42: "Physical or virtual copy is being created"
    'resync': v.COPY_IN_PROGRESS,       # seed 000 Table 42 (M312 Table 49 says ResyncInProgress: the seed wins)
    'start_copy': v.COPY_IN_PROGRESS,   # seed 000 Table 42: "Copy of an existing physical copy is ongoing"
    'restore': v.RESTORE_IN_PROGRESS,   # seed 000 Table 42: "Promote of an sv is ongoing"
}
PHYSICAL_ACTIONS = frozenset({'copy', 'resync', 'start_copy'})
JOB_DESCRIPTIONS = {
    'copy': 'Create physical copy %s',
    'resync': 'Resynchronize physical copy %s',
    'start_copy': 'Copy physical copy %s again',
    'restore': 'Restore (promote) virtual copy %s',
    'update': 'Update snapshot space of %s',
    'rc_sync': 'Synchronize remote copy group %s',
    'rc_failover': 'Fail over remote copy group %s',
    'rc_recover': 'Recover remote copy group %s',
    'rc_restore': 'Restore remote copy group %s',
}
# Remote-copy group jobs: their end is decided by array/rcopy.py (it may need the peer first).
RCOPY_ACTIONS = frozenset({'rc_sync', 'rc_failover', 'rc_recover', 'rc_restore'})
# Roles whose volumes receive the replication: read-only to hosts (array/rcopy.py).
TARGET_ROLES = ('Secondary', 'Secondary-Rev')


def utcnow():
    return datetime.now(timezone.utc)


def stamp(when):
    """A date as the refusals print it."""
    return when.strftime('%Y-%m-%d %H:%M:%S UTC')


def require_valid_name(name, what):
    """The rules of volume names (also used for volume sets): RC 5 when missing or not 1..31 allowed characters."""
    if not name:
        raise Refused(v.RC_INVALID, 'a %s is required' % what)
    if not isinstance(name, str) or not NAME_PATTERN.fullmatch(name):
        raise Refused(v.RC_INVALID, 'invalid %s %r: 1 to 31 letters, digits, ".", "-" or "_"' % (what, name))


class Refused(Exception):
    """A request the array turns down with a method return code (not a CIM error).

    ``size``: the nearest supported size, returned as out-parameter Size with 4097.
    """

    def __init__(self, rc, reason, size=None):
        super().__init__(reason)
        self.rc = rc
        self.size = size


def allocated_size(size):
    """The size a volume of ``size`` bytes gets: rounded up to 256 MiB; 4097 outside 1 .. 16 TiB."""
    if size <= 0:
        raise Refused(v.RC_SIZE_NOT_SUPPORTED, 'size %d is not supported' % size, size=v.ALLOCATION_UNIT)
    if size > v.MAX_VOLUME_SIZE:
        raise Refused(v.RC_SIZE_NOT_SUPPORTED, 'size %d is above the 16 TiB volume limit' % size, size=v.MAX_VOLUME_SIZE)
    return -(-size // v.ALLOCATION_UNIT) * v.ALLOCATION_UNIT


@dataclass
class Cpg:
    name: str
    size: int
    used: int = 0


@dataclass
class Volume:
    id: int
    name: str
    cpg: str
    size: int
    wwn: str
    thin: bool = True
    kind: str = 'base'                  # base | snapshot | physical (the target of a physical copy)
    snap_cpg: Optional[str] = None      # DSPName: the volume has SA/SD space when set
    snap_size: int = 0
    snap_percent: int = 0
    read_only: bool = False             # only from a seed file (CLI createsv -ro); no CIM way to ask for it
    write_generation: int = 0
    copy_of: Optional[str] = None
    space_used: int = 0                 # a snapshot's space used as last recounted (UpdateDeltaSnapshotSpace)
    incomplete: bool = False            # a physical copy into it was halted or failed: its data is incomplete
    expiration_time: Optional[datetime] = None  # a snapshot: removed by the array then (array/retention.py)
    retention_time: Optional[datetime] = None   # a snapshot: cannot be deleted before then

    @property
    def reserved_snap_space(self):
        """Bytes of snapshot space taken from the snap CPG (0 when unlimited)."""
        if self.snap_cpg is None:
            return 0
        if self.snap_size:
            return self.snap_size
        return self.size * self.snap_percent // 100


@dataclass
class Copy:
    source: str
    target: str
    copy_type: int                      # 4 UnSyncAssoc, 5 UnSyncUnAssoc
    sync_state: int
    when_synced: Optional[datetime] = None
    percent: int = 0
    replica_type: Optional[int] = None  # 4 After Delta (virtual copy), 2 Full Copy (physical copy)
    resync_snapshot: Optional[str] = None   # a resyncable physical copy: the side-product snapshot of its source

    def __post_init__(self):
        if self.replica_type is None:   # a database written before the field existed
            self.replica_type = v.FULL_COPY if self.copy_type == v.UNSYNC_UNASSOC else v.AFTER_DELTA

    @property
    def is_snapshot(self):
        return self.replica_type == v.AFTER_DELTA


@dataclass
class Job:
    id: int
    method: str
    action: str
    source: str
    target: str
    size: int
    effect: int
    submitted: datetime
    changed: datetime
    state: int = v.JOB_NEW
    status: tuple = v.JOB_RUNNING_STATUS
    percent: int = 0
    started: Optional[datetime] = None
    finished: Optional[datetime] = None
    error_code: Optional[str] = None
    error_description: Optional[str] = None
    elements: list = field(default_factory=list)    # 'update': the snapshots being recounted
    # runtime only (not persisted): monotonic start and the fault decision
    started_mono: Optional[float] = None
    fail: bool = False

    @property
    def active(self):
        return self.state in (v.JOB_NEW, v.JOB_RUNNING)

    @property
    def description(self):
        return JOB_DESCRIPTIONS[self.action] % self.target


@dataclass
class Setting:
    """A TPD_StorageSetting a client made with CreateSetting (kept in memory only: lost on restart)."""
    id: int
    capabilities: str                   # the TPD_StorageCapabilities it came from (e.g. RAID50)
    element_name: Optional[str] = None
    dsp_name: Optional[str] = None
    snap_size: Optional[int] = None
    snap_percent: Optional[int] = None
    thin: Optional[bool] = None
    base_id: Optional[str] = None
    expiration_timer: Optional[int] = None  # hours (guess: the CLI's unit)
    retention_timer: Optional[int] = None   # hours

    @property
    def instance_id(self):
        return '3PAR:StorageSetting:Client%d' % self.id


def _no_remote_copy(job):
    raise RuntimeError('remote copy job %d without a RemoteCopy' % job.id)


class ArrayState:
    """All objects of one array plus the operations on them."""

    def __init__(self, name, serial, users, clock, copy_rate_mib, take_job_failure):
        self.name = name
        self.serial = serial
        self.users = users
        self.owner = {}                 # TPD_StorageSystem PrimaryOwnerName / PrimaryOwnerContact (MX p76)
        self.cpgs = {}
        self.volumes = {}
        self.volumes_by_id = {}
        self.copies = {}                # target name -> Copy
        self.copies_from = {}           # source name -> set of target names
        self.jobs = {}
        self.vvsets = {}                # volume sets (TPD_ReplicationGroup), by name
        self.rcgroups = {}              # remote-copy groups, by name (array/rcopy.py)
        self.settings = {}              # client StorageSettings, by InstanceID (not persisted)
        self.expiring = set()           # names of the snapshots with an expiration time (array/retention.py)
        self.retention_max_hours = 336  # VVRetentionTimeMax (ADM231 p146: default 14 days); seed / serve option
        self.virtual_lock = True        # the Virtual Lock licence (retention); seed / serve option
        self.next_setting_id = 1
        self.rcopy_job_due = _no_remote_copy   # array/rcopy.RemoteCopy sets it: called when a group job's time is up
        self.next_volume_id = 1
        self.next_job_id = 1
        self.clock = clock
        self.clock_origin = (utcnow(), clock())   # the array's date: see now()
        self.clock_offset = 0.0                   # seconds the date was moved forward (POST /sim/clock; runtime only)
        self.copy_rate = copy_rate_mib * MIB
        self.take_job_failure = take_job_failure
        self.dirty = set()
        self.events = []                # (previous Job, current Job) per job transition

    # --- lookups and bookkeeping -------------------------------------------

    def now(self):
        """The array's date: the wall clock at start moved on by ``clock`` (a test clock moves it) and ``clock_offset``."""
        wall, mono = self.clock_origin
        return wall + timedelta(seconds=self.clock() - mono + self.clock_offset)

    def touch(self, kind, key):
        self.dirty.add((kind, key))

    def table(self, kind):
        """The dict holding the objects of one kind (store and projection use it)."""
        return {'cpg': self.cpgs, 'volume': self.volumes, 'copy': self.copies, 'job': self.jobs,
                'vvset': self.vvsets, 'rcgroup': self.rcgroups, 'setting': self.settings}[kind]

    def rcopy_group_of(self, volume_name):
        """The remote-copy group a volume is a member of on this array, or None."""
        for group in self.rcgroups.values():
            if any(pair[0] == volume_name for pair in group.pairs):
                return group
        return None

    def replication_target(self, volume_name):
        """True when the volume receives remote copy here (Secondary side): read-only to hosts."""
        group = self.rcopy_group_of(volume_name) if self.rcgroups else None
        return group is not None and group.role in TARGET_ROLES

    def vvset_of(self, volume_name):
        for vvset in self.vvsets.values():
            if volume_name in vvset.members:
                return vvset
        return None

    def wwn(self, volume_id):
        return '60002AC%010X%015X' % (int(self.serial) & 0xFFFFFFFFFF, volume_id)

    def copies_of(self, source):
        return [self.copies[t] for t in sorted(self.copies_from.get(source, ()))]

    def jobs_on_copy(self, copy):
        return [j for j in self.jobs.values() if j.active and j.target == copy.target and j.action in RUNNING_SYNC_STATE]

    def clone_of(self, snapshot):
        """The resyncable physical copy whose side-product snapshot this volume is, or None."""
        if snapshot.kind != 'snapshot':
            return None
        for copy in self.copies_of(snapshot.copy_of):
            if copy.resync_snapshot == snapshot.name:
                return copy
        return None

    def _allocate(self, cpg_name, nbytes):
        if nbytes:
            self.cpgs[cpg_name].used += nbytes
            self.touch('cpg', cpg_name)

    def _require_room(self, cpg_name, nbytes):
        cpg = self.cpgs[cpg_name]
        if nbytes > cpg.size - cpg.used:
            raise Refused(v.RC_FAILED, 'not enough free space in CPG %s' % cpg_name)

    def require_free_name(self, name):
        require_valid_name(name, 'volume name')
        if name in self.volumes:
            raise Refused(v.RC_INVALID, 'volume name %s is already in use' % name)

    def _new_volume_id(self, requested=None):
        if requested is None:
            return self.next_volume_id
        if requested in self.volumes_by_id:
            raise Refused(v.RC_INVALID, 'volume ID %d is already in use' % requested)
        return requested

    # --- loading (seed or store) ---------------------------------------------

    def add_cpg(self, cpg):
        self.cpgs[cpg.name] = cpg
        self.touch('cpg', cpg.name)

    def add_volume(self, vol):
        """Insert a volume as it is (seed/store); capacity is recomputed by recount()."""
        self.volumes[vol.name] = vol
        self.volumes_by_id[vol.id] = vol
        self.next_volume_id = max(self.next_volume_id, vol.id + 1)
        if vol.expiration_time is not None:
            self.expiring.add(vol.name)
        self.touch('volume', vol.name)

    def add_copy(self, copy):
        self.copies[copy.target] = copy
        self.copies_from.setdefault(copy.source, set()).add(copy.target)
        self.touch('copy', copy.target)

    def add_job(self, job):
        self.jobs[job.id] = job
        self.next_job_id = max(self.next_job_id, job.id + 1)
        self.touch('job', job.id)

    def add_vvset(self, vvset):
        self.vvsets[vvset.name] = vvset
        self.touch('vvset', vvset.name)

    def add_rcgroup(self, group):
        self.rcgroups[group.name] = group
        self.touch('rcgroup', group.name)

    def recount(self):
        """Recompute CPG usage from the volumes (after a bulk load)."""
        for cpg in self.cpgs.values():
            cpg.used = 0
        for vol in self.volumes.values():
            if vol.kind != 'snapshot':
                self.cpgs[vol.cpg].used += vol.size
            if vol.snap_cpg:
                self.cpgs[vol.snap_cpg].used += vol.reserved_snap_space

    # --- settings (TPD_StorageCapabilities.CreateSetting, ModifyInstance, DeleteInstance) ---

    def create_setting(self, capabilities):
        setting = Setting(id=self.next_setting_id, capabilities=capabilities)
        self.next_setting_id += 1
        self.settings[setting.instance_id] = setting
        self.touch('setting', setting.instance_id)
        return setting

    def delete_setting(self, setting):
        del self.settings[setting.instance_id]
        self.touch('setting', setting.instance_id)

    # --- volumes ---------------------------------------------------------------

    def create_volume(self, name, cpg_name, size, thin=True, snap=None):
        """Create a base volume; snap = (snap_cpg, snap_size, snap_percent) or None. Size is rounded up."""
        self.require_free_name(name)
        size = allocated_size(size)
        vol_id = self._new_volume_id()
        vol = Volume(id=vol_id, name=name, cpg=cpg_name, size=size, wwn=self.wwn(vol_id), thin=thin)
        self._require_room(cpg_name, size)
        self.add_volume(vol)
        self._allocate(cpg_name, size)
        if snap:
            try:
                self.set_snap_space(vol, *snap)
            except Refused:
                self.delete_volume(vol)
                raise
        return vol

    def grow_volume(self, vol, size):
        if vol.kind == 'snapshot':
            raise Refused(v.RC_INVALID, 'a virtual copy cannot be resized')
        size = allocated_size(size)
        if size < vol.size:
            raise Refused(v.RC_INVALID, 'volume %s cannot shrink from %d to %d bytes' % (vol.name, vol.size, size))
        growth = size - vol.size
        if growth:
            self._require_room(vol.cpg, growth)
            self._allocate(vol.cpg, growth)
            vol.size = size
            self.touch('volume', vol.name)
            for copy in self.copies_of(vol.name):
                if copy.is_snapshot:
                    self.volumes[copy.target].size = size
                    self.touch('volume', copy.target)

    def set_snap_space(self, vol, snap_cpg, snap_size, snap_percent):
        if vol.kind == 'snapshot':
            raise Refused(v.RC_INVALID, 'a virtual copy has no snapshot space of its own')
        if snap_cpg not in self.cpgs:
            raise Refused(v.RC_INVALID, 'snapshot CPG %s does not exist' % snap_cpg)
        if not 0 <= snap_percent <= 100 or snap_size < 0:
            raise Refused(v.RC_INVALID, 'invalid snapshot space size or percentage')
        old = (vol.snap_cpg, vol.snap_size, vol.snap_percent)
        old_cpg, old_reserved = vol.snap_cpg, vol.reserved_snap_space
        if old_cpg:
            self._allocate(old_cpg, -old_reserved)
        vol.snap_cpg, vol.snap_size, vol.snap_percent = snap_cpg, snap_size, snap_percent
        try:
            self._require_room(snap_cpg, vol.reserved_snap_space)
        except Refused:
            vol.snap_cpg, vol.snap_size, vol.snap_percent = old
            if old_cpg:
                self._allocate(old_cpg, old_reserved)
            raise
        self._allocate(snap_cpg, vol.reserved_snap_space)
        self.touch('volume', vol.name)

    def delete_volume(self, vol):
        if vol.retention_time is not None and vol.retention_time > self.now():
            raise Refused(v.RC_FAILED, 'volume %s is retained: retention until %s'
                          % (vol.name, stamp(vol.retention_time)))
        if self.copies_from.get(vol.name):
            raise Refused(v.RC_IN_USE, 'volume %s has copies' % vol.name)
        if self.vvsets and self.vvset_of(vol.name):
            raise Refused(v.RC_IN_USE, 'volume %s is a member of volume set %s' % (vol.name, self.vvset_of(vol.name).name))
        clone = self.clone_of(vol)
        if clone is not None:
            raise Refused(v.RC_IN_USE, 'volume %s is the resync snapshot of physical copy %s' % (vol.name, clone.target))
        copy = self.copies.get(vol.name)
        if copy and self.jobs_on_copy(copy):
            raise Refused(v.RC_IN_USE, 'volume %s is the target of a copy in progress' % vol.name)
        if copy:
            self._drop_copy(copy)
        self._discard(vol)

    def _discard(self, vol):
        """Remove a volume that has no copies (its own copy association already removed)."""
        if vol.kind != 'snapshot':
            self._allocate(vol.cpg, -vol.size)
        else:
            self.touch('volume', vol.copy_of)       # its delta pool's remaining space
        if vol.snap_cpg:
            self._allocate(vol.snap_cpg, -vol.reserved_snap_space)
        del self.volumes[vol.name]
        del self.volumes_by_id[vol.id]
        self.expiring.discard(vol.name)
        self.touch('volume', vol.name)
        for job in self.jobs.values():
            if vol.name in (job.source, job.target) or vol.name in job.elements:
                self.touch('job', job.id)

    def write(self, name, count):
        """Simulated host writes to a volume."""
        vol = self.volumes.get(name)
        if vol is None:
            raise ValueError('no volume named %s' % name)
        if not isinstance(count, int) or count < 1:
            raise ValueError('count must be a positive integer')
        if self.replication_target(name):
            group = self.rcopy_group_of(name)
            raise ValueError('volume %s is read-only: it is the %s of remote copy group %s (writable after a failover)'
                             % (name, group.role, group.name))
        vol.write_generation += count
        self.touch('volume', name)

    # --- copies ----------------------------------------------------------------

    def _set_sync(self, copy, sync_state):
        copy.sync_state = sync_state
        self.touch('copy', copy.target)
        self.touch('volume', copy.target)     # OperationalStatus follows Broken

    def _remove_copy(self, copy):
        del self.copies[copy.target]
        targets = self.copies_from[copy.source]
        targets.discard(copy.target)
        if not targets:
            del self.copies_from[copy.source]
        self.touch('copy', copy.target)
        self.touch('volume', copy.target)

    def _drop_copy(self, copy):
        """Remove a copy association, and the side-product snapshot of a resyncable physical copy."""
        self._remove_copy(copy)
        side = self.volumes.get(copy.resync_snapshot) if copy.resync_snapshot else None
        if side is not None:
            self._remove_copy(self.copies[side.name])
            self._discard(side)

    @staticmethod
    def require_snapshot_source(source):
        if source.kind == 'snapshot':
            raise Refused(v.RC_INVALID, 'volume %s is a virtual copy: make snapshots of its base volume' % source.name)
        if source.snap_cpg is None:
            raise Refused(v.RC_FAILED, 'volume %s has no snapshot space (SA/SD)' % source.name)

    def create_snapshot(self, source, name, read_only=False, volume_id=None, when=None):
        """A virtual copy (createsv): at once, Idle, WhenSynced = now or ``when`` (MX p70 Table 56)."""
        self.require_snapshot_source(source)
        self.require_free_name(name)
        vol_id = self._new_volume_id(volume_id)
        vol = Volume(id=vol_id, name=name, cpg=source.snap_cpg, size=source.size, wwn=self.wwn(vol_id),
                     kind='snapshot', read_only=read_only, write_generation=source.write_generation, copy_of=source.name)
        self.add_volume(vol)
        copy = Copy(source=source.name, target=name, copy_type=v.UNSYNC_ASSOC, sync_state=v.IDLE, when_synced=when or self.now(),
                    percent=100, replica_type=v.AFTER_DELTA)
        self.add_copy(copy)
        return copy

    def free_name(self, base, kind):
        """A name for a copy the client did not name (CreateElementReplica): <base>.<kind><n>, the lowest free n
        from 0 (guess, after createsv's <source>.rw<n>, CLI231 p11.35)."""
        for number in range(len(self.volumes) + 1):
            name = '%s.%s%d' % (base, kind, number)
            if name not in self.volumes:
                if len(name) > v.MAX_NAME_LENGTH:
                    raise Refused(v.RC_FAILED, 'volume name %s is too long to name its copy %s' % (base, name))
                return name
        raise Refused(v.RC_FAILED, 'no free name for a copy of %s' % base)

    def resync_snapshot_name(self, source):
        """The side-product snapshot's name, as createsv names one: <source>.rw<n> (CLI Reference 2.3.1 p11.35)."""
        number = ''
        while True:
            name = '%s.rw%s' % (source.name, number)
            if len(name) > v.MAX_NAME_LENGTH:
                raise Refused(v.RC_FAILED, 'volume name %s is too long for its resync snapshot name %s' % (source.name, name))
            if name not in self.volumes:
                return name
            number = 0 if number == '' else number + 1

    def attach_copy(self, method, source, target, copy_type):
        """AttachReplica / AttachOrModifyReplica: createvvcopy -p SOURCE [-s] TARGET (M312 p62, M231 p104-105)."""
        if copy_type not in (v.UNSYNC_ASSOC, v.UNSYNC_UNASSOC):
            raise Refused(v.RC_INVALID, 'CopyType must be 4 (UnSyncAssoc) or 5 (UnSyncUnAssoc)')
        if source.kind != 'base':
            raise Refused(v.RC_INVALID, 'the source of a physical copy must be a base volume, %s is a %s' % (source.name, source.kind))
        if target.name == source.name:
            raise Refused(v.RC_INVALID, 'source and target are the same volume')
        if target.kind == 'snapshot':
            raise Refused(v.RC_INVALID, 'the target %s is a virtual copy' % target.name)
        if target.name in self.copies:
            raise Refused(v.RC_IN_USE, 'the target %s is already a physical copy of %s' % (target.name, self.copies[target.name].source))
        if self.copies_from.get(target.name) or self.vvset_of(target.name) or self.rcopy_group_of(target.name):
            raise Refused(v.RC_FAILED, 'the target %s is incompatible: it has copies or is in a volume set' % target.name)
        if target.size != source.size:
            raise Refused(v.RC_FAILED, 'the target %s (%d bytes) is not the size of %s (%d bytes)' % (target.name, target.size, source.name, source.size))
        side = None
        if copy_type == v.UNSYNC_ASSOC:
            if source.snap_cpg is None:
                raise Refused(v.RC_FAILED, 'volume %s has no snapshot space (SA/SD)' % source.name)
            side = self.resync_snapshot_name(source)
        target.kind, target.copy_of = 'physical', source.name
        self.touch('volume', target.name)
        copy = Copy(source=source.name, target=target.name, copy_type=copy_type, sync_state=v.INITIALIZED, replica_type=v.FULL_COPY)
        self.add_copy(copy)
        if side:
            self.create_snapshot(source, side)
            copy.resync_snapshot = side
        return copy, self._new_job(method, 'copy', copy, v.EFFECT_CREATE)

    def add_resyncable_copy(self, source, target):
        """A resyncable physical copy whose copy already completed (Frozen), with its side snapshot (seed files)."""
        if source.snap_cpg is None:
            raise ValueError('physical copy %s: source %s needs snapshot space (snap_cpg)' % (target.name, source.name))
        side = self.resync_snapshot_name(source)
        target.kind, target.copy_of, target.write_generation = 'physical', source.name, source.write_generation
        self.touch('volume', target.name)
        self.create_snapshot(source, side)
        copy = Copy(source=source.name, target=target.name, copy_type=v.UNSYNC_ASSOC, sync_state=v.FROZEN, when_synced=utcnow(),
                    percent=100, replica_type=v.FULL_COPY, resync_snapshot=side)
        self.add_copy(copy)
        return copy

    def _require_idle(self, copy):
        if self.jobs_on_copy(copy):
            raise Refused(v.RC_IN_USE, 'a job is already running on copy %s' % copy.target)

    def _require_not_broken(self, copy):
        if copy.sync_state == v.BROKEN:
            raise Refused(v.RC_FAILED, 'copy %s is broken' % copy.target)

    @staticmethod
    def _require_resyncable(copy, operation):
        if copy.is_snapshot:
            raise Refused(v.RC_INVALID, '%s applies only to a physical copy' % operation)
        if copy.copy_type != v.UNSYNC_ASSOC:
            raise Refused(v.RC_INVALID, '%s applies only to an UnSyncAssoc (4) physical copy, %s is UnSyncUnAssoc (5)'
                          % (operation, copy.target))

    def detach(self, copy):
        """promotevvcopy: the target becomes an independent base volume (M312 p65 Table 50)."""
        self._require_resyncable(copy, 'Detach')
        self._require_idle(copy)
        target = self.volumes[copy.target]
        target.kind, target.copy_of = 'base', None
        target.incomplete = target.incomplete or copy.sync_state == v.BROKEN
        self._drop_copy(copy)

    def resync(self, copy, method='ModifySynchronization'):
        if copy.copy_type == v.UNSYNC_UNASSOC:
            raise Refused(v.RC_INVALID, 'Resync applies to UnSyncAssoc (4) copies only')
        self._require_not_broken(copy)
        self._require_idle(copy)
        if copy.is_snapshot:
            self._refresh_snapshot(copy)
            return None
        return self._new_job(method, 'resync', copy, v.EFFECT_UNKNOWN)

    def require_restorable(self, copy):
        if not copy.is_snapshot:
            raise Refused(v.RC_INVALID, 'Restore applies only to a virtual copy')
        self._require_not_broken(copy)
        self._require_idle(copy)

    def restore(self, copy, method='ModifySynchronization'):
        self.require_restorable(copy)
        return self._new_job(method, 'restore', copy, v.EFFECT_UNKNOWN)

    def start_copy(self, copy):
        self._require_resyncable(copy, 'Start Copy')
        self._require_not_broken(copy)
        self._require_idle(copy)
        return self._new_job('ModifySynchronization', 'start_copy', copy, v.EFFECT_UNKNOWN)

    def stop_copy(self, copy):
        """createvvcopy -halt: synchronous; a copy in progress ends, its association goes (M311 p64 Table 52)."""
        if copy.is_snapshot:
            raise Refused(v.RC_INVALID, 'Stop Copy applies only to a physical copy')
        jobs = self.jobs_on_copy(copy)
        if not jobs:
            return
        for job in jobs:
            self._end_job(job, v.JOB_TERMINATED, v.JOB_FAILURE_STATUS, 'halted by Stop Copy: the target is incomplete')
        target = self.volumes[copy.target]
        target.kind, target.copy_of, target.incomplete = 'base', None, True
        self._drop_copy(copy)
        self._start_queued()

    def update_snapshot_space(self, names=None):
        """UpdateDeltaSnapshotSpace (updatesnapspace): a job recounting the space used by snapshots (all when None)."""
        if names is None:
            names = sorted(n for n, vol in self.volumes.items() if vol.kind == 'snapshot')
            label = '(all snapshots)'
        else:
            for name in names:
                vol = self.volumes.get(name)
                if vol is None or vol.kind != 'snapshot':
                    raise Refused(v.RC_NO_SUCH_SNAPSHOT, 'volume %s is not a virtual copy' % name)
            label = ', '.join(names)
        if self.take_job_failure():
            raise Refused(v.RC_FAILED, 'updatesnapspace failed (injected fault)')
        return self._add_job('UpdateDeltaSnapshotSpace', 'update', UPDATE_QUEUE, label, 0, v.EFFECT_UNKNOWN, list(names))

    def _refresh_snapshot(self, copy):
        self.volumes[copy.target].write_generation = self.volumes[copy.source].write_generation
        self.touch('volume', copy.target)
        copy.when_synced = utcnow()
        self._set_sync(copy, v.IDLE)

    def _recount_snapshot(self, name):
        snap = self.volumes.get(name)
        if snap is None or snap.kind != 'snapshot':
            return
        source = self.volumes[snap.copy_of]
        snap.space_used = min(snap.size, max(0, source.write_generation - snap.write_generation) * MIB)
        self.touch('volume', snap.name)
        self.touch('volume', source.name)

    # --- jobs --------------------------------------------------------------------

    def _new_job(self, method, action, copy, effect):
        if action in PHYSICAL_ACTIONS:
            copy.percent = 0
            self._set_sync(copy, v.INITIALIZED)
        return self._add_job(method, action, copy.source, copy.target, self.volumes[copy.source].size, effect)

    def _add_job(self, method, action, source, target, size, effect, elements=()):
        now = utcnow()
        job = Job(id=self.next_job_id, method=method, action=action, source=source, target=target,
                  size=size, effect=effect, submitted=now, changed=now, elements=list(elements))
        self.add_job(job)
        if not self._source_busy(job.source):
            self._start(job)
        return job

    def _source_busy(self, source):
        return any(j.state == v.JOB_RUNNING and j.source == source for j in self.jobs.values())

    def _record(self, job, previous):
        job.changed = utcnow()
        self.touch('job', job.id)
        self.events.append((previous, dataclasses.replace(job)))

    def _start(self, job):
        previous = dataclasses.replace(job)
        job.state, job.started, job.started_mono = v.JOB_RUNNING, utcnow(), self.clock()
        # A failover works alone by design (the other site may be gone): it does not take injected job faults.
        job.fail = job.action != 'rc_failover' and self.take_job_failure()
        if job.action in RUNNING_SYNC_STATE:
            copy = self.copies[job.target]
            self._set_sync(copy, RUNNING_SYNC_STATE[job.action])
            if job.action in ('resync', 'start_copy') and copy.resync_snapshot in self.copies:
                self._refresh_snapshot(self.copies[copy.resync_snapshot])   # the new point in time of the copy
        self._record(job, previous)

    def _start_queued(self):
        for job in sorted(self.jobs.values(), key=lambda j: j.id):
            if job.state == v.JOB_NEW and not self._source_busy(job.source):
                self._start(job)

    def job_seconds(self, job):
        return max(MIN_JOB_SECONDS, job.size / self.copy_rate)

    def tick(self):
        """Advance running jobs by the clock; finish those whose time is up."""
        now = self.clock()
        finished = False
        for job in [j for j in self.jobs.values() if j.state == v.JOB_RUNNING]:
            fraction = (now - job.started_mono) / self.job_seconds(job)
            if fraction >= 1:
                self._complete(job)
                finished = True
            else:
                self._progress(job, int(fraction * 100))
        if finished:
            self._start_queued()

    def _progress(self, job, percent):
        if percent == job.percent:
            return
        job.percent = percent
        self.touch('job', job.id)
        copy = self.copies.get(job.target)
        if copy is not None and job.action in PHYSICAL_ACTIONS:
            copy.percent = percent
            self.touch('copy', copy.target)

    def _complete(self, job):
        if job.action in RCOPY_ACTIONS:
            self.rcopy_job_due(job)
            return
        if job.action == 'update':
            if job.fail:
                self._end_job(job, v.JOB_EXCEPTION, v.JOB_FAILURE_STATUS, '%s failed (injected fault)' % job.description)
                return
            for name in job.elements:
                self._recount_snapshot(name)
            job.percent = 100
            self._end_job(job, v.JOB_COMPLETED, v.JOB_SUCCESS_STATUS)
            return
        copy = self.copies[job.target]
        if job.fail:
            self._end_job(job, v.JOB_EXCEPTION, v.JOB_FAILURE_STATUS, '%s failed (injected fault)' % job.description)
            self._set_sync(copy, v.BROKEN)
            return
        source, target = self.volumes[job.source], self.volumes[job.target]
        if job.action == 'restore':
            source.write_generation = target.write_generation
            self.touch('volume', source.name)
            copy.when_synced = utcnow()           # MX p70 Table 57: Idle, WhenSynced = the time the promote completed
            self._set_sync(copy, v.IDLE)
        else:
            target.write_generation, target.incomplete = source.write_generation, False
            self.touch('volume', target.name)
            if copy.copy_type == v.UNSYNC_UNASSOC:  # seed 002: relinquished once the copy is finished
                target.kind, target.copy_of = 'base', None
                self._remove_copy(copy)
            else:
                copy.when_synced, copy.percent = utcnow(), 100
                self._set_sync(copy, v.FROZEN)
        job.percent = 100
        self._end_job(job, v.JOB_COMPLETED, v.JOB_SUCCESS_STATUS)

    def terminate_job(self, job):
        """CIM_ConcreteJob.RequestStateChange(4 Terminate) (M312 Table 58)."""
        if job.action in RCOPY_ACTIONS:
            raise Refused(v.RC_NOT_SUPPORTED, 'remote-copy group jobs cannot be terminated')
        if not job.active:
            raise Refused(v.RC_FAILED, 'job %d has already finished' % job.id)
        if job.action in PHYSICAL_ACTIONS:
            self.stop_copy(self.copies[job.target])
            return
        self._end_job(job, v.JOB_TERMINATED, v.JOB_FAILURE_STATUS, '%s terminated by RequestStateChange' % job.description)
        if job.action == 'restore':
            self._set_sync(self.copies[job.target], v.BROKEN)
        self._start_queued()

    def new_group_job(self, method, action, group_name, size):
        """A job acting on a remote-copy group (array/rcopy.py ends it with ``finish_job``)."""
        return self._add_job(method, action, 'rcopy-group:' + group_name, group_name, size, v.EFFECT_UNKNOWN)

    def finish_job(self, job, ok, error=None):
        if not job.active:
            return
        if ok:
            job.percent = 100
            self._end_job(job, v.JOB_COMPLETED, v.JOB_SUCCESS_STATUS)
        else:
            self._end_job(job, v.JOB_EXCEPTION, v.JOB_FAILURE_STATUS, '%s failed: %s' % (job.description, error))
        self._start_queued()

    def _end_job(self, job, state, status, error=None):
        previous = dataclasses.replace(job)
        job.state, job.status, job.finished = state, status, utcnow()
        if error:
            job.error_code, job.error_description = str(int(v.RC_FAILED)), error
        self._record(job, previous)

    def fail_interrupted_jobs(self):
        """After a restart: jobs that were queued or running failed, their copies are Broken."""
        for job in sorted(self.jobs.values(), key=lambda j: j.id):
            if job.active:
                self._end_job(job, v.JOB_EXCEPTION, v.JOB_FAILURE_STATUS, '%s failed: the array restarted while the job ran' % job.description)
                copy = self.copies.get(job.target) if job.action in RUNNING_SYNC_STATE else None
                if copy is not None:
                    self._set_sync(copy, v.BROKEN)

    def delete_job(self, job):
        if job.active:
            raise Refused(v.RC_IN_USE, 'job still running')
        del self.jobs[job.id]
        self.touch('job', job.id)

    # --- reporting -------------------------------------------------------------------

    def counts(self):
        kinds = {}
        for vol in self.volumes.values():
            kinds[vol.kind] = kinds.get(vol.kind, 0) + 1
        job_states = {}
        for job in self.jobs.values():
            job_states[str(job.state)] = job_states.get(str(job.state), 0) + 1
        return {
            'name': self.name, 'cpgs': len(self.cpgs), 'volumes': len(self.volumes),
            'base_volumes': kinds.get('base', 0), 'snapshots': kinds.get('snapshot', 0),
            'physical_copies': kinds.get('physical', 0), 'copies': len(self.copies),
            'jobs': len(self.jobs), 'job_states': job_states,
            'volume_sets': len(self.vvsets), 'rcopy_groups': len(self.rcgroups),
        }


def field_names(cls):
    """Persisted fields of a dataclass (runtime-only fields excluded)."""
    return [f.name for f in dataclasses.fields(cls) if f.name not in ('started_mono', 'fail')]
