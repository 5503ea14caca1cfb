# -*- coding: utf-8 -*-
# Copyright: smis.threepar contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Read the array's current state in bulk: one EnumerateInstances per class, with a PropertyList, each class read
at most once per run and only when the plan needs it; associations are resolved here, client-side, by key.
A converged run therefore costs a fixed number of requests whatever the number of volumes and copies."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

from ansible_collections.smis.threepar.plugins.module_utils.threepar import model
from ansible_collections.smis.threepar.plugins.module_utils.threepar import snapshot_timers
from ansible_collections.smis.threepar.plugins.module_utils.threepar.action import (
    CREATE_CONSISTENT_SNAPSHOTS, CREATE_PHYSICAL_COPY, CREATE_TARGET_VOLUME, CREATE_VIRTUAL_COPY, DELETE_COPY, RECOUNT, RESTORE_COPY, RESYNC_COPY)
from ansible_collections.smis.threepar.plugins.module_utils.threepar.errors import MethodFailed, ThreeparError

VOLUME_PROPERTIES = ['DeviceID', 'ElementName', 'Name', 'BlockSize', 'NumberOfBlocks', 'ThinlyProvisioned',
                     'OperationalStatus', 'ReadOnly', 'CopyOf']
# What the copy plans and views need of a volume (name, read-only, copy of); DeviceID and the other keys come with
# the path. Narrow on purpose: the client-side parse of CIM-XML costs per property (~3x cheaper than the full list).
COPY_VOLUME_PROPERTIES = ['ElementName', 'ReadOnly', 'CopyOf']
# SystemElement and SyncedElement are the keys of the association: they come with its path, not as properties too
# (each is a full instance path: parsing them twice doubled the cost of the read).
SYNC_PROPERTIES = ['CopyType', 'ReplicaType', 'SyncState', 'SyncMaintained', 'WhenSynced',
                   'CopyState', 'ProgressStatus', 'SyncType', 'Mode', 'PercentSynced']
SYNC_STATE_PROPERTIES = ['SyncState', 'CopyState', 'ProgressStatus', 'WhenSynced', 'PercentSynced']
POOL_PROPERTIES = ['InstanceID', 'ElementName', 'TotalManagedSpace', 'RemainingManagedSpace']
SNAP_SPACE_PROPERTIES = ['InstanceID', 'ElementName', 'DSPName', 'SnapVolumeSize', 'SnapVolumePercentage']
ALLOCATION_PROPERTIES = ['Antecedent', 'Dependent', 'SpaceConsumed']
# What a plan needs of one volume beyond the bulk read (GetInstance, only for the volumes that need it).
VOLUME_DETAIL_PROPERTIES = ['BlockSize', 'NumberOfBlocks', 'ThinlyProvisioned', 'OperationalStatus']
JOB_PROPERTIES = ['InstanceID', 'JobState', 'OperationalStatus', 'PercentComplete', 'ErrorDescription', 'MethodName', 'TargetName']
JOB_STATE_PROPERTIES = ['JobState', 'OperationalStatus', 'PercentComplete', 'ErrorDescription']
SYSTEM_PROPERTIES = ['Name', 'ElementName', 'SerialNumber', 'OperationalStatus']

# Steps of a copies plan whose effect on the volumes is known without reading them again (see after_copy_changes).
DERIVED_COPY_OPERATIONS = (DELETE_COPY, RESYNC_COPY, RESTORE_COPY, RECOUNT)
CONFIG_SERVICE_NAME = 'StorageConfigurationService'

# A bulk read of the copies against one References per named volume (see Inventory.copies_per_object).
PER_OBJECT_COPIES = 125

# Reads in dependency order: copies and allocations name volumes by reference.
ORDER = ('volumes', 'copies', 'allocations', 'snap_spaces', 'pools', 'timers')


def _key(path, name):
    return path.keybindings.get(name) if path is not None else None


def _ref(inst, name):
    """A reference key of an association: from its path; from the property when the path lacks it."""
    value = inst.path.keybindings.get(name) if inst.path is not None else None
    return value if value is not None else inst.get(name)


def _when(value):
    """CIMDateTime point in time -> aware datetime; intervals and NULL -> None."""
    if value is None or getattr(value, 'is_interval', False):
        return None
    return getattr(value, 'datetime', value)


def volume_from(inst):
    size = int(inst.get('BlockSize') or 512) * int(inst.get('NumberOfBlocks') or 0)
    return model.Volume(name=inst.get('ElementName'), device_id=_key(inst.path, 'DeviceID') or inst.get('DeviceID'),
                        wwn=inst.get('Name') or '', size=size, thin=bool(inst.get('ThinlyProvisioned')),
                        read_only=bool(inst.get('ReadOnly')), copy_of=inst.get('CopyOf') or None,
                        operational_status=[int(s) for s in inst.get('OperationalStatus') or []], path=inst.path)


def job_from(inst, path=None):
    path = path if path is not None else inst.path
    return model.Job(job_id=_key(path, 'InstanceID') or inst.get('InstanceID'), job_state=_int(inst.get('JobState')),
                     operational_status=[int(s) for s in inst.get('OperationalStatus') or []],
                     percent_complete=_int(inst.get('PercentComplete')), error_description=inst.get('ErrorDescription'),
                     method=inst.get('MethodName'), target=inst.get('TargetName'), path=path)


def _int(value):
    return None if value is None else int(value)


class Inventory:
    """``read('volumes', 'copies')`` fills ``state`` (a model.ArrayState) and returns it."""

    def __init__(self, client, volume_properties=None):
        self.client = client
        self.state = model.ArrayState()
        self._done = set()
        self._volume_by_id = {}
        self._service = None
        self._service_derived = False
        self._replication_service = None
        self._copies_scope = None     # (sources, targets) of read_copies_of; None: the bulk read
        self.volume_properties = volume_properties or VOLUME_PROPERTIES

    def read(self, *what):
        wanted = set(what)
        if wanted & {'copies', 'allocations', 'timers'}:
            wanted.add('volumes')
        for name in ORDER:
            if name in wanted and name not in self._done:
                getattr(self, '_read_' + name)()
                self._done.add(name)
        return self.state

    def refresh(self, *what):
        """Read again after changes (to report the resulting objects); references need fresh volumes."""
        stale = set(what)
        if 'volumes' in stale:
            stale |= {'copies', 'allocations', 'timers'} & self._done
        self._done -= stale
        return self.read(*stale)

    def _read_volumes(self):
        volumes = [volume_from(i) for i in self.client.enumerate(model.VOLUME, self.volume_properties, 'volumes')]
        self._volume_by_id = {v.device_id: v for v in volumes}
        self.state.volumes = {v.name: v for v in volumes}

    def _name_of(self, path):
        volume = self._volume_by_id.get(_key(path, 'DeviceID'))
        return volume.name if volume else None

    def _read_copies(self):
        if self._copies_scope is not None:
            self._read_copies_of(self._copies_scope)
            return
        copies = [self._copy_from(inst) for inst in self.client.enumerate(model.SYNCHRONIZED, SYNC_PROPERTIES, 'copies')]
        self.state.copies = [c for c in copies if c is not None]

    def _copy_from(self, inst):
        source, target = self._name_of(_ref(inst, 'SystemElement')), self._name_of(_ref(inst, 'SyncedElement'))
        if source is None or target is None:
            return None    # a volume created or deleted between the two reads; the next run sees it
        return model.Copy(source=source, target=target, copy_type=int(inst.get('CopyType')), sync_state=int(inst.get('SyncState')),
                          replica_type=_int(inst.get('ReplicaType')), copy_state=_int(inst.get('CopyState')),
                          progress_status=_int(inst.get('ProgressStatus')), sync_type=_int(inst.get('SyncType')),
                          mode=_int(inst.get('Mode')), sync_maintained=inst.get('SyncMaintained'),
                          when_synced=_when(inst.get('WhenSynced')), percent_synced=_int(inst.get('PercentSynced')),
                          path=inst.path)

    def read_copies_of(self, sources, targets=()):
        """The copies a task on a few named volumes needs, per object on a large array (``copies_per_object``): the
        copies of each source (References: the provider's own index), and of each existing target that is not a copy
        of one of them (a copy of another volume, which the plan must refuse). Later reads of the copies (after
        changes) keep to the same volumes. A provider that refuses the traversal (not verified on a real array)
        gets the bulk read instead."""
        self.read('volumes')
        self._copies_scope = (frozenset(sources), frozenset(targets))
        self._done.discard('copies')
        return self.read('copies')

    def _read_copies_of(self, scope):
        sources, targets = scope
        volumes = self.state.volumes or {}
        found = {}
        try:
            for name in sorted(n for n in sources if n in volumes):
                for copy in self._copies_with(volumes[name], name):
                    found[(copy.source, copy.target)] = copy
            ends = set(end for key in found for end in key)
            for name in sorted(t for t in targets if t in volumes and t not in ends):
                for copy in self._copies_with(volumes[name], name):
                    found[(copy.source, copy.target)] = copy
        except MethodFailed:
            self._copies_scope = None
            self._read_copies()
            return
        self.state.copies = list(found.values())

    def _copies_with(self, volume, name):
        return [c for c in (self._copy_from(i) for i in self._references_of(volume, model.SYNCHRONIZED, SYNC_PROPERTIES,
                                                                            'the copies of volume %s' % name)) if c is not None]

    def _references_of(self, volume, result_class, properties, what):
        """References of a volume; 3PAR providers answer [None] to some traversals with a PropertyList
        (provider-facts §5, seen for Associators): then ask again without one."""
        found = self.client.references(volume.path, result_class, properties, what)
        if any(inst is None for inst in found):
            found = self.client.references(volume.path, result_class, None, what)
        return [inst for inst in found if inst is not None]

    def copies_per_object(self, sources, targets):
        """Whether reading the copies of ``sources`` and ``targets`` one volume at a time costs less than the bulk
        read: one References is one round trip (~100 ms on an SMI-S provider), the bulk read costs the client ~0.8 ms
        of parsing per copy on the array (bench/engine.py, section 6), so per object pays when there are more than
        PER_OBJECT_COPIES copies on the array for each volume it would read: the existing sources, and the existing
        targets that are not a copy of one of them. The copies are counted by the volumes that are a copy of another
        (a lower bound: clones are not counted, so the rule errs towards the bulk read)."""
        volumes = self.state.volumes or {}
        reads = set(n for n in sources if n in volumes)
        reads.update(n for n in targets if n in volumes and volumes[n].copy_of not in reads)
        copies = sum(1 for v in volumes.values() if v.copy_of)
        return 0 < len(reads) and len(reads) * PER_OBJECT_COPIES < copies

    def _read_allocations(self):
        """The CPG of each volume, and the space each snapshot uses in its source's snapshot space (SpaceConsumed)."""
        for inst in self.client.enumerate(model.ALLOCATED_FROM, ALLOCATION_PROPERTIES, 'volume allocations'):
            self._apply_allocation(inst)

    def read_allocations_of(self, names):
        """The same for a few named volumes: References of each (SMI-S Block Services: a volume is the Dependent of
        its CIM_AllocatedFromStoragePool), so that a task on one volume does not read the allocations of the array.
        A provider that refuses the traversal (not verified on a real array) gets the bulk read instead."""
        for name in sorted(names):
            volume = (self.state.volumes or {}).get(name)
            if volume is None or volume.path is None:
                continue
            try:
                found = self.client.references(volume.path, model.ALLOCATED_FROM, ALLOCATION_PROPERTIES, 'the allocation of volume %s' % name)
            except MethodFailed:
                self._done.discard('allocations')
                return self.read('allocations')
            for inst in found:
                self._apply_allocation(inst)
        return self.state

    def _apply_allocation(self, inst):
        antecedent, dependent = _ref(inst, 'Antecedent'), _ref(inst, 'Dependent')
        if antecedent is None or dependent is None or dependent.classname.lower() != model.VOLUME.lower():
            return
        volume = self._volume_by_id.get(_key(dependent, 'DeviceID'))
        if volume is None:
            return
        if antecedent.classname.lower() == model.DELTA_POOL.lower():
            consumed = inst.get('SpaceConsumed')
            volume.space_used = int(consumed) if consumed is not None else None
            return
        pool_id = _key(antecedent, 'InstanceID') or ''
        if pool_id.startswith(model.CPG_ID_PREFIX):
            volume.cpg = pool_id[len(model.CPG_ID_PREFIX):]

    def read_details(self, names):
        """Size, provisioning and OperationalStatus of a few named volumes (the bulk read of a copies task leaves them
        out): one GetInstance each, so the cost follows the task, not the array."""
        for name in sorted(names):
            volume = (self.state.volumes or {}).get(name)
            if volume is None or volume.path is None:
                continue
            inst = self.client.get_instance(volume.path, VOLUME_DETAIL_PROPERTIES, 'volume %s' % name)
            volume.size = int(inst.get('BlockSize') or 512) * int(inst.get('NumberOfBlocks') or 0)
            volume.thin = bool(inst.get('ThinlyProvisioned'))
            volume.operational_status = [int(s) for s in inst.get('OperationalStatus') or []]
        return self.state

    def _read_timers(self, created=None):
        """Expiration and retention of the snapshots (snapshot_timers: two enumerations). ``created``: name -> path of
        volumes made since the volumes were read."""
        names = dict((v.device_id, v.name) for v in self.state.volumes.values())
        names.update((_key(path, 'DeviceID'), name) for name, path in (created or {}).items())
        self.state.timers = snapshot_timers.read_timers(self.client, names)

    def timer_setting_path(self, name, created):
        """The TPD_VolumeSetting of snapshot ``name``; when it is not known (a snapshot this run made), the settings are
        read again, which finds those of every snapshot made so far."""
        timers = (self.state.timers or {}).get(name)
        if timers is None:
            self._read_timers(created)
            self._done.add('timers')
            timers = self.state.timers.get(name)
        return timers.path if timers is not None else None

    def _read_snap_spaces(self):
        spaces = {}
        for inst in self.client.enumerate(model.DELTA_POOL, SNAP_SPACE_PROPERTIES, 'snapshot spaces'):
            instance_id = inst.get('InstanceID') or _key(inst.path, 'InstanceID') or ''
            volume = instance_id[len(model.DSP_ID_PREFIX):] if instance_id.startswith(model.DSP_ID_PREFIX) else inst.get('ElementName')
            spaces[volume] = model.SnapSpace(volume=volume, snap_cpg=inst.get('DSPName') or None, snap_size=int(inst.get('SnapVolumeSize') or 0),
                                             snap_percent=int(inst.get('SnapVolumePercentage') or 0), path=inst.path)
        self.state.snap_spaces = spaces

    def _read_pools(self):
        pools = {}
        for inst in self.client.enumerate(model.CPG_POOL, POOL_PROPERTIES, 'CPGs'):
            name = inst.get('ElementName')
            pools[name] = model.Pool(name=name, total=int(inst.get('TotalManagedSpace') or 0),
                                     remaining=int(inst.get('RemainingManagedSpace') or 0), path=inst.path)
        self.state.pools = pools

    # ------------------------------------------------------------ used by the executor and threepar_info

    def after_copy_changes(self, performed, created):
        """The state after a copies plan, with one read where it can: the copies are read again (their states and
        points in time are the array's); the volumes only when a step changed them in a way the method's own answer
        does not tell. ``performed``: the planner Actions that were invoked; ``created``: target name -> the path the
        array returned for it (TargetElement, TheElement)."""
        volumes = self.state.volumes
        if volumes is None or 'volumes' not in self._done or not all(self._derivable(a, created) for a in performed):
            return self.refresh('volumes', 'copies')
        for action in performed:
            if action.operation == DELETE_COPY:
                gone = volumes.pop(action.target, None)
                if gone is not None:
                    self._volume_by_id.pop(gone.device_id, None)
            elif action.operation in (CREATE_VIRTUAL_COPY, CREATE_TARGET_VOLUME):
                # a snapshot's source; a physical copy's target is a base volume
                self._add_created(action.target, created[action.target], action.args.get('source'))
            elif action.operation == CREATE_CONSISTENT_SNAPSHOTS:
                for name, source in zip(action.args['names'], action.args['sources']):
                    self._add_created(name, created[name], source)
        return self.refresh('copies')

    def _add_created(self, name, path, copy_of):
        volume = model.Volume(name=name, device_id=_key(path, 'DeviceID'), copy_of=copy_of, path=path)
        self.state.volumes[name] = volume
        self._volume_by_id[volume.device_id] = volume

    @staticmethod
    def _derivable(action, created):
        """Whether the volumes after ``action`` are known without reading them: it changes none, deletes one, or
        creates one whose path the method returned. A one-shot physical copy is not: its target's CopyOf and the
        association end with the job."""
        if action.method is None or action.operation in DERIVED_COPY_OPERATIONS:
            return True
        if action.operation in (CREATE_VIRTUAL_COPY, CREATE_TARGET_VOLUME):
            return action.target in created
        if action.operation == CREATE_CONSISTENT_SNAPSHOTS:
            return all(name in created for name in action.args['names'])
        if action.operation == CREATE_PHYSICAL_COPY:
            return action.target in created and action.args.get('copy_type') == model.COPY_TYPE_UNSYNC_ASSOC
        return False

    def service_path(self):
        """The TPD_StorageConfigurationService, only when a method is about to be invoked: derived from the system
        name in the volume paths already read (its keys are fixed by the provider), else looked up."""
        if self._service is None:
            derived = self._derived_service_path()
            if derived is not None:
                self._service, self._service_derived = derived, True
                return derived
            self._service = self.lookup_service_path()
        return self._service

    def replication_service_path(self):
        """The TPD_ReplicationService (volume sets, consistent snapshots, remote copy), looked up once."""
        if self._replication_service is None:
            self._replication_service = self.client.service_path(model.REPLICATION_SERVICE, 'the replication service',
                                                                 'Replication Services')
        return self._replication_service

    def service_was_derived(self):
        return self._service is not None and self._service_derived

    def _derived_service_path(self):
        for volume in (self.state.volumes or {}).values():
            path = volume.path
            keys = path.keybindings if path is not None else {}
            if keys.get('SystemName') and keys.get('SystemCreationClassName'):
                return path.__class__(model.CONFIG_SERVICE, {'SystemCreationClassName': keys['SystemCreationClassName'],
                                                             'SystemName': keys['SystemName'], 'CreationClassName': model.CONFIG_SERVICE,
                                                             'Name': CONFIG_SERVICE_NAME}, namespace=path.namespace)
            return None
        return None

    def lookup_service_path(self):
        """Enumerate the service's name (when the derived path was refused, or nothing to derive it from)."""
        self._service_derived = False
        self._service = self.client.service_path(model.CONFIG_SERVICE, 'the storage configuration service', 'Block Services')
        return self._service

    def synchronization_types(self):
        """The SupportedSynchronizationType of every TPD_StorageReplicationCapabilities (the kinds of local copy the
        provider can make), or None when the provider has no such class (an older one) and cannot tell."""
        try:
            found = self.client.enumerate(model.REPLICATION_CAPABILITIES, ['SupportedSynchronizationType'], 'the replication capabilities')
        except ThreeparError:
            return None
        types = set(int(inst.get('SupportedSynchronizationType')) for inst in found if inst.get('SupportedSynchronizationType') is not None)
        return types or None

    def sync_state(self, path, what):
        """Only the state properties of one copy association (polled while waiting)."""
        inst = self.client.get_instance(path, SYNC_STATE_PROPERTIES, what)
        return int(inst.get('SyncState')), _int(inst.get('PercentSynced'))

    def job_state(self, path, what):
        return job_from(self.client.get_instance(path, JOB_STATE_PROPERTIES, what), path)

    def jobs(self):
        return [job_from(i) for i in self.client.enumerate(model.JOB, JOB_PROPERTIES, 'jobs')]

    def system(self):
        systems = self.client.enumerate(model.SYSTEM, SYSTEM_PROPERTIES, 'the storage system')
        return [{'name': s.get('ElementName'), 'system_name': s.get('Name'), 'serial_number': s.get('SerialNumber'),
                 'operational_status': model.decode_list(model.OPERATIONAL_STATUS, s.get('OperationalStatus'))} for s in systems]
