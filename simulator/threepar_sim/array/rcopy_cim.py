"""CIM projection of remote copy (simulator/MODEL.md, Remote copy): volume sets, groups, pairs, memberships.

A volume set owns its TPD_ReplicationGroup and one TPD_MemberOfCollection per member; a
remote-copy group owns its TPD_RemoteReplicationGroup, its memberships and one
TPD_RemoteStorageSynchronized per pair. The remote end of a pair is a TPD_StorageVolume
path on the peer: its keys (SystemName = the peer's system Name, DeviceID) with the
peer link's host:port as host.
"""

from pywbem import CIMDateTime, Uint16, Uint32

from . import values as v
from .fastcim import make_instance, make_path, typed_property as prop
from .rcopy import MODE_NUMBERS, SOURCE_ROLES, group_view


def vvset_path(name):
    return make_path(v.VVSET_CLASS, {'InstanceID': 'TPD:VVSET:' + name}, v.NS)


def rcgroup_path(name):
    return make_path(v.RCGROUP_CLASS, {'InstanceID': 'HP_3PAR:' + name}, v.NS)


def _members(projector, collection, names):
    volumes = projector.state.volumes
    return [projector.association(v.MEMBER_CLASS, 'Collection', collection, 'Member', projector.volume_path(volumes[n]))
            for n in names if n in volumes]


def vvset_instances(projector, vvset):
    path = vvset_path(vvset.name)
    group = make_instance(v.VVSET_CLASS, path, [
        prop('InstanceID', 'TPD:VVSET:' + vvset.name), prop('ElementName', vvset.name), prop('Persistent', True),
        prop('DeleteOnEmptyElement', False), prop('DeleteOnUnassociated', False)])
    return [group, *_members(projector, path, vvset.members)]


def remote_volume_path(projector, group, device_id):
    path = make_path(v.VOLUME_CLASS, {'SystemCreationClassName': v.SYSTEM_CLASS, 'SystemName': group.target_system,
                                      'CreationClassName': v.VOLUME_CLASS, 'DeviceID': device_id}, v.NS)
    path.host = projector.rcopy.link.host(group.target)
    return path


def rcgroup_instances(projector, group):
    rcopy, state = projector.rcopy, projector.state
    link_up = rcopy.link_up(group.target)
    status, copy_state, sync_state, progress = group_view(group, link_up)
    path = rcgroup_path(group.name)
    mode = MODE_NUMBERS[group.mode]
    result = [make_instance(v.RCGROUP_CLASS, path, [
        prop('InstanceID', 'HP_3PAR:' + group.name), prop('ElementName', group.name), prop('Role', group.role),
        prop('Status', status), prop('Mode', Uint16(mode)), prop('ModeName', group.mode), prop('TargetName', group.target),
        prop('TargetSystemName', group.target_system), prop('CopyState', Uint16(copy_state)),
        prop('SyncState', Uint16(sync_state)), prop('ProgressStatus', Uint16(progress)),
        prop('LinkStatus', 'Up' if link_up else 'Down'), prop('RecoverFailed', group.recover_failed),
        prop('SyncPeriod', Uint32(round(rcopy.group_period(group)) if group.mode == 'periodic' else 0)),
        prop('WhenSynced', projection_time(group.when_synced), 'datetime')])]
    result.extend(_members(projector, path, [pair[0] for pair in group.pairs]))
    view = (status, copy_state, sync_state, progress, mode)
    result.extend(pair_instance(projector, group, pair, view) for pair in group.pairs if pair[0] in state.volumes)
    return result


def pair_instance(projector, group, pair, view):
    """The TPD_RemoteStorageSynchronized of one pair; SystemElement is the source, so the ends swap with the roles."""
    status, copy_state, sync_state, progress, mode = view
    state = projector.state
    ends = [(projector.volume_path(state.volumes[pair[0]]), pair[0], state.name),
            (remote_volume_path(projector, group, pair[2]), pair[1], group.target)]
    if group.role not in SOURCE_ROLES:
        ends.reverse()
    source, target = ends
    path = make_path(v.REMOTE_SYNC_CLASS, {'SystemElement': source[0], 'SyncedElement': target[0]}, v.NS)
    return make_instance(v.REMOTE_SYNC_CLASS, path, [
        prop('SystemElement', source[0]), prop('SyncedElement', target[0]),
        prop('CopyType', Uint16(v.COPY_SYNC if group.mode == 'sync' else v.COPY_ASYNC)),
        prop('ReplicaType', Uint16(v.FULL_COPY)), prop('SyncType', Uint16(v.SYNC_TYPE_MIRROR)), prop('Mode', Uint16(mode)),
        prop('SyncState', Uint16(sync_state)), prop('CopyState', Uint16(copy_state)), prop('ProgressStatus', Uint16(progress)),
        prop('SyncMaintained', True), prop('WhenSynced', projection_time(group.when_synced), 'datetime'),
        prop('CopyPriority', Uint16(0)), prop('PercentSynced', Uint16(100 if status == 'Synced' else 0)),
        prop('GroupName', group.name), prop('SystemElementName', source[1]), prop('SystemElementArray', source[2]),
        prop('SyncedElementName', target[1]), prop('SyncedElementArray', target[2])])


def projection_time(value):
    return CIMDateTime(value) if value is not None else None
