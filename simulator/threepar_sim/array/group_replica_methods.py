"""TPD_ReplicationService methods on several volumes at once: TPD_CreateConsistentReplicaList, CreateGroupReplica of a
local volume set (no TargetSystemName), TPD_ModifyGroupReplicaSynchronization (simulator/MODEL.md, Consistent
snapshots). A mixin of rcopy_provider.ReplicationServiceProvider: references in, array/group_snapshots.py out."""

from pywbem import CIMParameter

from . import group_snapshots, retention, values as v
from .providers import get_param, ref_param
from .rcopy_cim import vvset_path
from .state import Refused

# DMTF CIM_ReplicationService.CreateGroupReplica Consistency: 2 Sequential Consistency (M311 p101: the only one)
SEQUENTIAL_CONSISTENCY = 2
# TPD_ModifyGroupReplicaSynchronization Operation: the manual gives no value map; 15 Restore From Replica (guess)
GROUP_RESTORE = 15


def ref_list(name, paths):
    return CIMParameter(name, 'reference', value=list(paths), is_array=True)


class GroupReplicaMethods:
    """The handlers; the class using it maps the method names to them (``GROUP_HANDLERS``)."""

    GROUP_HANDLERS = {
        'tpd_createconsistentreplicalist': 'create_consistent_replica_list',
        'tpd_modifygroupreplicasynchronization': 'modify_group_replica_synchronization',
    }

    def snapshot_kind(self, params, method):
        """SyncType 7 Synchronous, WaitForCopyState NULL or 4 (M312 Table 95, M311 Table 91); clones: 1 here."""
        sync_type = int(get_param(params, method, 'SyncType', required=True))
        if sync_type == v.SYNC_TYPE_CLONE:
            raise Refused(v.RC_NOT_SUPPORTED, 'SyncType 8 (Clone, creategroupvvcopy) is not simulated')
        if sync_type != v.SYNC_TYPE_SNAPSHOT:
            raise Refused(v.RC_INVALID, 'SyncType must be 7 (Snapshot)')
        mode = get_param(params, method, 'Mode')
        if mode is not None and int(mode) != v.MODE_SYNCHRONOUS:
            raise Refused(v.RC_INVALID, 'a Snapshot is Synchronous (Mode 2)')
        wait = get_param(params, method, 'WaitForCopyState')
        if wait is not None and int(wait) != v.CS_SYNCHRONIZED:
            raise Refused(v.RC_INVALID, 'WaitForCopyState of a snapshot can only be 4 (Synchronized)')

    def snapshot_goal(self, params, method, count):
        """(volume IDs, timers) of TargetSettingGoal: BaseID, ExpirationTimer, RetentionTimer (M312 p111, M313 p115)."""
        setting = self.setting(get_param(params, method, 'TargetSettingGoal'), method, 'TargetSettingGoal')
        ids = group_snapshots.volume_ids(None if setting is None else setting.base_id, count)
        return ids, retention.timers(self.state, setting)

    def out_pairs(self, copies):
        projector = self.array.projector
        volumes = self.state.volumes
        return ([projector.copy_path(copy) for copy in copies],
                [self.volume_path(volumes[copy.target]) for copy in copies])

    def create_consistent_replica_list(self, params):
        """creategroupsv (M312 p111-112 Table 95, M313 p120 Table 99): 0, no job."""
        method = 'TPD_CreateConsistentReplicaList'
        self.snapshot_kind(params, method)
        sources = [self.volume(p, method, 'SourceElements') for p in get_param(params, method, 'SourceElements') or []]
        names = get_param(params, method, 'TargetNames')
        if get_param(params, method, 'TargetElements') is not None:
            raise Refused(v.RC_INVALID, 'TargetElements must be NULL for snapshots: name them with TargetNames')
        if not sources:
            raise Refused(v.RC_INVALID, 'SourceElements must name at least one volume')
        if names is None or len(names) != len(sources):
            raise Refused(v.RC_INVALID, 'TargetNames must give one snapshot name per source (%d)' % len(sources))
        ids, timers = self.snapshot_goal(params, method, len(sources))
        syncs, targets = self.out_pairs(group_snapshots.create(self.state, sources, list(names), ids, timers))
        return v.RC_OK, [ref_list('Synchronizations', syncs), ref_list('TargetElements', targets)]

    def create_local_group_replica(self, params):
        """Snapshots of a local volume set (M311 p100-101 Table 91, M313 p114-115): 0, no job."""
        method = 'CreateGroupReplica'
        name = self.group_name(get_param(params, method, 'SourceGroup', required=True), method, 'SourceGroup',
                               (v.VVSET_CLASS,))
        self.snapshot_kind(params, method)
        self.require_null(params, method, 'SourceElement', 'SourceAccessPoint', 'TargetAccessPoint', 'TargetGroup',
                          'TargetElementCount', 'ReplicationSettingData', 'TargetElementNames', 'SourceElementNames')
        consistency = get_param(params, method, 'Consistency')
        if consistency is not None and int(consistency) != SEQUENTIAL_CONSISTENCY:
            raise Refused(v.RC_INVALID, 'Consistency can only be 2 (Sequential Consistency)')
        vvset = self.state.vvsets[name]
        ids, timers = self.snapshot_goal(params, method, len(vvset.members))
        target, copies = group_snapshots.snapshot_set(self.state, vvset, get_param(params, method, 'RelationshipName'),
                                                      ids, timers)
        syncs, dummy = self.out_pairs(copies)
        return v.RC_OK, [ref_param('TargetGroup', vvset_path(target.name)), ref_param('Synchronization', syncs[0]),
                         ref_list('Synchronizations', syncs)]

    def modify_group_replica_synchronization(self, params):
        """Promote of a snapshot vvset (M312 p113-114, M313 p121-122): 15 only (guess), a job per volume."""
        method = 'TPD_ModifyGroupReplicaSynchronization'
        operation = int(get_param(params, method, 'Operation', required=True))
        name = self.group_name(get_param(params, method, 'TargetGroup', required=True), method, 'TargetGroup',
                               (v.VVSET_CLASS,))
        if operation != GROUP_RESTORE:
            raise Refused(v.RC_NOT_SUPPORTED, 'Operation %d: only 15 (Restore From Replica, promote sv) is simulated' % operation)
        jobs = group_snapshots.promote_set(self.state, self.state.vvsets[name], method)
        projector = self.array.projector
        return v.RC_JOB_STARTED, [ref_list('Jobs', [projector.job_path(job.id) for job in jobs])]
