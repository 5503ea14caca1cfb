"""TPD_ReplicationService: the remote-copy methods (simulator/MODEL.md, Remote copy).

References in, domain calls (array/rcopy.py) out. With ``--rcopy-read-only`` the service
behaves like the OS 3.1.x provider: GetSupportedOperations reports no operation and every
other method returns 1 Not Supported before looking at its parameters.
"""

from pywbem import CIM_ERR_INVALID_PARAMETER, CIM_ERR_NOT_FOUND, CIMError, CIMParameter, Uint16

from . import values as v
from .providers import ArrayMethodProvider, get_param, ref_param
from .rcopy import MODES
from .rcopy_cim import rcgroup_path, vvset_path
from .state import Refused

GROUP_PREFIXES = {v.VVSET_CLASS.lower(): 'TPD:VVSET:', v.RCGROUP_CLASS.lower(): 'HP_3PAR:'}


class ReplicationServiceProvider(ArrayMethodProvider):
    """CreateGroup, AddMembers, RemoveMembers, DeleteGroup, CreateGroupReplica, ModifyReplicaSynchronization,
    GetSupportedOperations."""

    provider_classnames = v.REPLICATION_SERVICE_CLASS
    handlers = {
        'creategroup': 'create_group',
        'deletegroup': 'delete_group',
        'addmembers': 'add_members',
        'removemembers': 'remove_members',
        'creategroupreplica': 'create_group_replica',
        'modifyreplicasynchronization': 'modify_replica_synchronization',
        'getsupportedoperations': 'get_supported_operations',
    }

    @property
    def rcopy(self):
        return self.array.rcopy

    def InvokeMethod(self, methodname, localobject, params):  # pylint: disable=invalid-name
        if self.rcopy.read_only and methodname.lower() != 'getsupportedoperations':
            self.array.last_refusal = '%s: remote replication is read-only on this provider' % methodname
            return v.RC_NOT_SUPPORTED, []
        return super().InvokeMethod(methodname, localobject, params)

    # --- references -------------------------------------------------------------------

    def group_name(self, path, method, name, classes=(v.VVSET_CLASS, v.RCGROUP_CLASS)):
        """The name of the volume set or remote-copy group a reference designates."""
        classname = path.classname.lower()
        prefix = GROUP_PREFIXES.get(classname) if classname in {c.lower() for c in classes} else None
        instance_id = str(path.keybindings.get('InstanceID', ''))
        if prefix is None or not instance_id.startswith(prefix):
            raise CIMError(CIM_ERR_INVALID_PARAMETER, '%s: %s must reference a %s' % (method, name, ' or '.join(classes)))
        group_name = instance_id[len(prefix):]
        table = self.state.vvsets if prefix == 'TPD:VVSET:' else self.state.rcgroups
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
        """The remote-copy group of a TPD_RemoteReplicationGroup or TPD_RemoteStorageSynchronized reference."""
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
        method = 'CreateGroup'
        name = get_param(params, method, 'GroupName', required=True)
        members = get_param(params, method, 'Members') or []
        vvset = self.rcopy.create_vvset(name, [self.volume(p, method, 'Members') for p in members])
        return v.RC_OK, [ref_param('ReplicationGroup', vvset_path(vvset.name))]

    def delete_group(self, params):
        method = 'DeleteGroup'
        path = get_param(params, method, 'ReplicationGroup', required=True)
        name = self.group_name(path, method, 'ReplicationGroup')
        if path.classname.lower() == v.RCGROUP_CLASS.lower():
            self.rcopy.delete_group(name)
        else:
            self.rcopy.delete_vvset(name)
        return v.RC_OK, []

    def add_members(self, params):
        method = 'AddMembers'
        name = self.group_name(get_param(params, method, 'ReplicationGroup', required=True), method, 'ReplicationGroup')
        volumes = self.volumes(get_param(params, method, 'Members', required=True), method, 'Members')
        self.rcopy.add_members(name, volumes, get_param(params, method, 'TargetElementNames'))
        return v.RC_OK, []

    def remove_members(self, params):
        method = 'RemoveMembers'
        name = self.group_name(get_param(params, method, 'ReplicationGroup', required=True), method, 'ReplicationGroup')
        self.rcopy.remove_members(name, self.volumes(get_param(params, method, 'Members', required=True), method, 'Members'))
        return v.RC_OK, []

    def create_group_replica(self, params):
        method = 'CreateGroupReplica'
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

    def get_supported_operations(self, params):  # pylint: disable=unused-argument
        operations = [] if self.rcopy.read_only else [Uint16(op) for op in v.RC_OPERATIONS]
        return v.RC_OK, [CIMParameter('SupportedOperations', 'uint16', value=operations, is_array=True)]
