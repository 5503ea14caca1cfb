"""TPD_ReplicationService: the remote-copy methods (simulator/MODEL.md, Remote copy) and the
local copies of the Replication Services profile (MODEL.md, Replication Services: local copies).

References in, domain calls (array/rcopy.py, array/state.py) out. Read-only (the ``serve`` default;
``--rcopy-writable`` lifts it) the service behaves like the OS 3.1.x provider: every remote-copy method returns 1 Not Supported before
looking at its parameters (GetSupportedOperations of TPD_ReplicationServiceCapabilities reports no
remote operation); the local copies (CreateElementReplica, ModifyReplicaSynchronization of a
TPD_StorageSynchronized) and the local volume sets (array/volume_sets.py) work as always.
"""

from pywbem import CIM_ERR_INVALID_PARAMETER, CIM_ERR_NOT_FOUND, CIMError, CIMInstanceName

from . import capabilities as caps

from . import retention, values as v, volume_sets
from .group_replica_methods import GroupReplicaMethods
from .providers import ArrayMethodProvider, get_param, ref_param, snapshot_volume_id
from .rcopy import MODES
from .rcopy_cim import rcgroup_path, vvset_path
from .state import Refused

# Methods that are local whatever their parameters (the others: is_local).
LOCAL_METHODS = frozenset({'createelementreplica', 'creategroup', *GroupReplicaMethods.GROUP_HANDLERS})
GROUP_PREFIXES = {v.VVSET_CLASS.lower(): 'HP_3PAR:', v.RCGROUP_CLASS.lower(): 'HP_3PAR:'}


class ReplicationServiceProvider(GroupReplicaMethods, ArrayMethodProvider):
    """CreateGroup, AddMembers, RemoveMembers, DeleteGroup, CreateGroupReplica, ModifyReplicaSynchronization,
    CreateElementReplica."""

    provider_classnames = v.REPLICATION_SERVICE_CLASS
    handlers = {
        'creategroup': 'create_group',
        'deletegroup': 'delete_group',
        'addmembers': 'add_members',
        'removemembers': 'remove_members',
        'creategroupreplica': 'create_group_replica',
        'modifyreplicasynchronization': 'modify_replica_synchronization',
        'createelementreplica': 'create_element_replica',
        **GroupReplicaMethods.GROUP_HANDLERS,
    }

    @property
    def rcopy(self):
        return self.array.rcopy

    def InvokeMethod(self, methodname, localobject, params):  # pylint: disable=invalid-name
        if self.rcopy.read_only and not self.is_local(methodname, params):
            self.array.last_refusal = '%s: remote replication is read-only on this provider' % methodname
            return v.RC_NOT_SUPPORTED, []
        return super().InvokeMethod(methodname, localobject, params)

    def is_local(self, methodname, params):
        """A call on local copies or on a local volume set (it works on a read-only provider too, M311 p95-97)."""
        method = methodname.lower()
        if method in LOCAL_METHODS:
            return True
        value = {name: None if param is None else param.value for name, param in
                 ((name, params.get(name)) for name in ('Synchronization', 'ReplicationGroup', 'TargetSystemName'))}
        if method in ('addmembers', 'removemembers', 'deletegroup'):
            return self.is_local_set(value['ReplicationGroup'])
        if method == 'creategroupreplica':
            return value['TargetSystemName'] is None
        if method != 'modifyreplicasynchronization':
            return False
        path = value['Synchronization']
        return isinstance(path, CIMInstanceName) and path.classname.lower() == v.SYNC_CLASS.lower()

    def is_local_set(self, path):
        """A TPD_ReplicationGroup reference that does not name the set of a remote-copy group."""
        if not isinstance(path, CIMInstanceName) or path.classname.lower() != v.VVSET_CLASS.lower():
            return False
        instance_id = str(path.keybindings.get('InstanceID', ''))
        return not (instance_id.startswith(GROUP_PREFIXES[v.VVSET_CLASS.lower()])
                    and instance_id[len(GROUP_PREFIXES[v.VVSET_CLASS.lower()]):] in self.state.rcgroups)

    @staticmethod
    def require_null(params, method, *names):
        for name in names:
            if get_param(params, method, name) is not None:
                raise Refused(v.RC_INVALID, '%s must be NULL' % name)

    # --- references -------------------------------------------------------------------

    def group_name(self, path, method, name, classes=(v.VVSET_CLASS, v.RCGROUP_CLASS)):
        """The name of the volume set or remote-copy group a reference designates."""
        classname = path.classname.lower()
        prefix = GROUP_PREFIXES.get(classname) if classname in {c.lower() for c in classes} else None
        instance_id = str(path.keybindings.get('InstanceID', ''))
        if prefix is None or not instance_id.startswith(prefix):
            raise CIMError(CIM_ERR_INVALID_PARAMETER, '%s: %s must reference a %s' % (method, name, ' or '.join(classes)))
        group_name = instance_id[len(prefix):]
        table = self.state.vvsets if classname == v.VVSET_CLASS.lower() else self.state.rcgroups
        if group_name not in table:
            raise CIMError(CIM_ERR_NOT_FOUND, '%s: %s: no %s named %s' % (method, name, path.classname, group_name))
        return group_name

    def volumes(self, paths, method, name):
        if not paths:
            raise CIMError(CIM_ERR_INVALID_PARAMETER, '%s: %s must name at least one volume' % (method, name))
        found = [self.volume(path, method, name) for path in paths]
        if len({vol.name for vol in found}) != len(found):
            raise Refused(v.RC_INVALID, '%s lists a volume twice' % name)
        return found

    def synchronization(self, path, method):
        """The remote-copy group of a TPD_RemoteReplicationGroup, TPD_RemoteGroupSynchronized or TPD_RemoteStorageSynchronized
        reference."""
        if path.classname.lower() == v.GROUP_SYNC_CLASS.lower():
            ends = [path.keybindings.get(key) for key in ('SystemElement', 'SyncedElement')]
            local = [end for end in ends if isinstance(end, CIMInstanceName) and not end.host]
            if not local or local[0].classname.lower() != v.RCGROUP_CLASS.lower():
                raise CIMError(CIM_ERR_INVALID_PARAMETER, '%s: Synchronization: not a group synchronization of this array' % method)
            path = local[0]
        if path.classname.lower() == v.REMOTE_SYNC_CLASS.lower():
            for key in ('SystemElement', 'SyncedElement'):
                end = path.keybindings.get(key)
                if end is not None and end.keybindings.get('SystemName') == self.array.projector.system_name:
                    group = self.state.rcopy_group_of(self.volume(end, method, 'Synchronization.' + key).name)
                    if group is not None:
                        return group
            raise CIMError(CIM_ERR_NOT_FOUND, '%s: Synchronization: no remote copy pair %s' % (method, path))
        return self.state.rcgroups[self.group_name(path, method, 'Synchronization', (v.RCGROUP_CLASS,))]

    # --- methods ---------------------------------------------------------------------

    def create_group(self, params):
        """A local volume set (M312 p105-106, M311 p97)."""
        method = 'CreateGroup'
        members = [self.volume(p, method, 'Members') for p in get_param(params, method, 'Members') or []]
        for name, allowed in (('Persistent', True), ('DeleteOnEmptyElement', False), ('DeleteOnUnassociated', False)):
            value = get_param(params, method, name)
            if value is not None and bool(value) != allowed:
                raise Refused(v.RC_INVALID, '%s can only be %s' % (name, str(allowed).lower()))
        self.require_null(params, method, 'ServiceAccessPoint')
        vvset = volume_sets.create(self.state, get_param(params, method, 'GroupName'), members)
        return v.RC_OK, [ref_param('ReplicationGroup', vvset_path(vvset.name))]

    def delete_group(self, params):
        method = 'DeleteGroup'
        path = get_param(params, method, 'ReplicationGroup', required=True)
        name = self.group_name(path, method, 'ReplicationGroup')
        self.require_null(params, method, 'ServiceAccessPoint')
        if path.classname.lower() == v.RCGROUP_CLASS.lower():
            self.rcopy.delete_group(name)
        elif name in self.state.rcgroups:
            raise Refused(v.RC_IN_USE, 'volume set %s belongs to remote copy group %s: delete the group' % (name, name))
        else:
            volume_sets.delete(self.state, self.state.vvsets[name], get_param(params, method, 'RemoveElements'))
        return v.RC_OK, []

    def add_members(self, params):
        method = 'AddMembers'
        name = self.group_name(get_param(params, method, 'ReplicationGroup', required=True), method, 'ReplicationGroup')
        volumes = self.volumes(get_param(params, method, 'Members', required=True), method, 'Members')
        self.require_null(params, method, 'ServiceAccessPoint')
        remote_names = get_param(params, method, 'TargetElementNames')
        if name in self.state.rcgroups:
            self.rcopy.add_members(name, volumes, remote_names)
        elif remote_names is not None:
            raise Refused(v.RC_INVALID, 'TargetElementNames applies to remote copy groups only, %s is a local volume set' % name)
        else:
            volume_sets.add(self.state, self.state.vvsets[name], volumes)
        return v.RC_OK, []

    def remove_members(self, params):
        method = 'RemoveMembers'
        name = self.group_name(get_param(params, method, 'ReplicationGroup', required=True), method, 'ReplicationGroup')
        volumes = self.volumes(get_param(params, method, 'Members', required=True), method, 'Members')
        self.require_null(params, method, 'ServiceAccessPoint')
        if get_param(params, method, 'DeleteOnEmptyElement'):
            raise Refused(v.RC_INVALID, 'DeleteOnEmptyElement can only be false: an empty volume set is kept')
        if name in self.state.rcgroups:
            self.rcopy.remove_members(name, volumes)
        else:
            volume_sets.remove(self.state, self.state.vvsets[name], volumes)
        return v.RC_OK, []

    def create_group_replica(self, params):
        method = 'CreateGroupReplica'
        if get_param(params, method, 'TargetSystemName') is None:
            return self.create_local_group_replica(params)
        name = self.group_name(get_param(params, method, 'SourceGroup', required=True), method, 'SourceGroup', (v.VVSET_CLASS,))
        target = get_param(params, method, 'TargetSystemName', required=True)
        remote_names = get_param(params, method, 'TargetElementNames', required=True)
        sync_type = get_param(params, method, 'SyncType')
        if sync_type is not None and int(sync_type) != v.SYNC_TYPE_MIRROR:
            raise Refused(v.RC_NOT_SUPPORTED, 'remote copy is SyncType 6 Mirror only')
        mode = get_param(params, method, 'Mode')
        mode = v.MODE_SYNCHRONOUS if mode is None else int(mode)
        if mode not in MODES:
            raise Refused(v.RC_INVALID, 'Mode must be 2 (Synchronous: sync) or 3 (Asynchronous: periodic)')
        group, job = self.rcopy.create_group(name, target, list(remote_names), MODES[mode], get_param(params, method, 'SourceElementNames'))
        return v.RC_JOB_STARTED, [ref_param('ReplicationGroup', rcgroup_path(group.name)), *self.job_out(job)]

    def modify_replica_synchronization(self, params):
        method = 'ModifyReplicaSynchronization'
        if self.is_local(method, params):
            return self.modify_local(params)
        operation = int(get_param(params, method, 'Operation', required=True))
        if operation not in v.RC_OPERATIONS:
            if 2 <= operation <= v.RC_OP_DMTF_MAX:
                raise Refused(v.RC_NOT_SUPPORTED, 'Operation %d is not supported for remote copy groups' % operation)
            raise Refused(v.RC_INVALID, 'Operation %d is not in the DMTF value map' % operation)
        group = self.synchronization(get_param(params, method, 'Synchronization', required=True), method)
        job = self.rcopy.modify(group, operation)
        if job is None:
            return v.RC_OK, []
        return v.RC_JOB_STARTED, self.job_out(job)

    # --- local copies (Replication Services profile) -----------------------------------------

    def create_element_replica(self, params):
        """A snapshot or a clone over the Copy Services domain operations (M312 p108 Table 93, M313 p109-110)."""
        method = 'CreateElementReplica'
        sync_type = int(get_param(params, method, 'SyncType', required=True))
        source = self.volume(get_param(params, method, 'SourceElement', required=True), method, 'SourceElement')
        mode = get_param(params, method, 'Mode')
        mode = None if mode is None else int(mode)
        target_path = get_param(params, method, 'TargetElement')
        wait = get_param(params, method, 'WaitForCopyState')
        wait = None if wait is None else int(wait)
        name = get_param(params, method, 'ElementName')
        setting = self.setting(get_param(params, method, 'TargetSettingGoal'), method, 'TargetSettingGoal')
        pool = get_param(params, method, 'TargetPool')
        if sync_type == v.SYNC_TYPE_MIRROR:
            raise Refused(v.RC_NOT_SUPPORTED, 'SyncType 6 (Mirror): remote copy groups are made with CreateGroupReplica')
        if sync_type not in (v.SYNC_TYPE_SNAPSHOT, v.SYNC_TYPE_CLONE):
            raise Refused(v.RC_INVALID, 'SyncType must be 7 (Snapshot) or 8 (Clone)')
        for name_ in ('SourceAccessPoint', 'TargetAccessPoint', 'ReplicationSettingData'):
            if get_param(params, method, name_) is not None:
                raise Refused(v.RC_INVALID, '%s must be NULL' % name_)
        if sync_type == v.SYNC_TYPE_SNAPSHOT:
            return self.create_snapshot(source, name, mode, target_path, wait, setting, pool)
        return self.create_clone(source, name, mode, target_path, wait, setting, pool)

    def create_snapshot(self, source, name, mode, target_path, wait, setting, pool):
        if mode not in (None, v.MODE_SYNCHRONOUS):
            raise Refused(v.RC_INVALID, 'a Snapshot is Synchronous (Mode 2)')
        if target_path is not None:
            raise Refused(v.RC_INVALID, 'TargetElement must be NULL for a snapshot')
        if wait not in (None, v.CS_SYNCHRONIZED):
            raise Refused(v.RC_INVALID, 'WaitForCopyState of a snapshot can only be 4 (Synchronized)')
        volume_id = snapshot_volume_id(source, pool, setting)
        timers = retention.timers(self.state, setting)
        if name is None:
            name = self.state.free_name(source.name, 'sv')
        copy = self.state.create_snapshot(source, name, volume_id=volume_id)
        if timers is not None:
            timers(self.state.volumes[copy.target], copy.when_synced)
        projector = self.array.projector
        return v.RC_OK, [ref_param('TargetElement', self.volume_path(self.state.volumes[copy.target])),
                         ref_param('Synchronization', projector.copy_path(copy))]

    def create_clone(self, source, name, mode, target_path, wait, setting, pool):
        """Mode 3 Asynchronous: the resyncable physical copy (CopyType 4); 2 Synchronous / NULL: the one-shot copy (5)."""
        mode = v.MODE_SYNCHRONOUS if mode is None else mode
        if mode not in (v.MODE_SYNCHRONOUS, v.MODE_ASYNCHRONOUS):
            raise Refused(v.RC_INVALID, 'Mode must be 2 (Synchronous) or 3 (Asynchronous)')
        retention.refuse_timers(setting, 'CreateElementReplica of a clone')
        wanted = caps.CLONE_WAIT_STATE[mode]
        if wait not in (None, wanted):
            raise Refused(v.RC_INVALID, 'WaitForCopyState of this clone can only be %d' % wanted)
        copy_type = v.UNSYNC_ASSOC if mode == v.MODE_ASYNCHRONOUS else v.UNSYNC_UNASSOC
        state = self.state
        created = None
        if target_path is not None:
            target = self.volume(target_path, 'CreateElementReplica', 'TargetElement')
        else:
            cpg_name = source.cpg if pool is None else self.cpg(pool, 'CreateElementReplica', 'TargetPool')
            thin = source.thin if setting is None or setting.thin is None else bool(setting.thin)
            target = created = state.create_volume(name or state.free_name(source.name, 'pc'), cpg_name, source.size, thin)
        try:
            copy, job = state.attach_copy('CreateElementReplica', source, target, copy_type)
        except Refused:
            if created is not None:
                state.delete_volume(created)
            raise
        return v.RC_JOB_STARTED, [ref_param('TargetElement', self.volume_path(target)),
                                  ref_param('Synchronization', self.array.projector.copy_path(copy)), *self.job_out(job)]

    def modify_local(self, params):
        """Table 96 (M312 p113) on a TPD_StorageSynchronized, over the Copy Services domain operations."""
        method = 'ModifyReplicaSynchronization'
        operation = int(get_param(params, method, 'Operation', required=True))
        if operation not in caps.LOCAL_OPERATIONS:
            if 2 <= operation <= v.RC_OP_DMTF_MAX:
                raise Refused(v.RC_NOT_SUPPORTED, 'Operation %d is not supported for local copies' % operation)
            raise Refused(v.RC_INVALID, 'Operation %d is not in the DMTF value map' % operation)
        copy = self.copy(get_param(params, method, 'Synchronization', required=True), method, 'Synchronization')
        state = self.state
        if operation == caps.MRS_ABORT:
            state.stop_copy(copy)
        elif operation in (caps.MRS_DETACH, caps.MRS_DISSOLVE):
            state.detach(copy)
        elif operation == caps.MRS_RETURN_TO_POOL:
            state.delete_volume(state.volumes[copy.target])
        else:
            action = state.resync if operation == caps.MRS_RESYNC else state.restore
            job = action(copy, method=method)
            if job is not None:
                return v.RC_JOB_STARTED, self.job_out(job)
        return v.RC_OK, []
