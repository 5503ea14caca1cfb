"""CIM projection of remote copy (simulator/MODEL.md, Remote copy), shaped like the OS 3.1.x provider.

A volume set owns its TPD_ReplicationGroup (InstanceID HP_3PAR:<set>, MX p106 Table 93) and one
TPD_MemberOfCollection per member. A remote-copy group owns its TPD_RemoteReplicationGroup (only the five
CIM_ReplicationGroup properties, M311 p96 Table 89), its memberships, one TPD_RemoteGroupSynchronized
(SystemElement the natural source group, SyncedElement the natural target group, M311 p124) and one
TPD_RemoteStorageSynchronized per pair (SystemElement the current source volume, M312 Table 108).

The peer's objects are never instances here: the peer's group is a path whose host is the peer's name
(M311 p124), the remote end of a pair a TPD_StorageVolume path of the peer whose host is the peer's
TPD_StorageSystem.Name (M312 p128) -- or, while the link is down or the pair never completed a copy, a
TPD_ReplicationEntity path (InstanceID HP_3PAR:<remote volume>, M312 Table 111; UndiscoveredElement says
which end). ``replication_entity`` builds the instance an Associators request may return.
"""

import threading

from pywbem import CIMDateTime, Uint16, Uint32

from . import values as v
from .fastcim import make_instance, make_path, typed_property as prop
from .rcopy import MODE_NUMBERS, PRIMARY_REV, SECONDARY_REV, SOURCE_ROLES, group_view, natural_source

PREFIX = 'HP_3PAR:'
REVERSED_ROLES = (PRIMARY_REV, SECONDARY_REV)


def vvset_path(name):
    return make_path(v.VVSET_CLASS, {'InstanceID': PREFIX + name}, v.NS)


def rcgroup_path(name):
    return make_path(v.RCGROUP_CLASS, {'InstanceID': PREFIX + name}, v.NS)


def peer_rcgroup_path(group):
    """The peer's group: same class and key, "target name of the peer system" as host (M311 p124)."""
    path = make_path(v.RCGROUP_CLASS, {'InstanceID': PREFIX + group.name}, v.NS)
    path.host = group.target
    return path


def _members(projector, collection, names):
    volumes = projector.state.volumes
    return [projector.association(v.MEMBER_CLASS, 'Collection', collection, 'Member', projector.volume_path(volumes[n]))
            for n in names if n in volumes]


def _replication_group(classname, path, name, extra=()):
    return make_instance(classname, path, [
        prop('InstanceID', PREFIX + name), prop('ElementName', name), *extra, prop('Persistent', True),
        prop('DeleteOnEmptyElement', False), prop('DeleteOnUnassociated', False)])


def vvset_instances(projector, vvset):
    path = vvset_path(vvset.name)
    extra = [prop('ID', None if vvset.id is None else Uint32(vvset.id), 'uint32')]
    return [_replication_group(v.VVSET_CLASS, path, vvset.name, extra), *_members(projector, path, vvset.members)]


def remote_volume_path(group, device_id):
    """A volume of the peer: its TPD_StorageVolume keys, the peer's system Name (WWN) as host (M312 p128)."""
    path = make_path(v.VOLUME_CLASS, {'SystemCreationClassName': v.SYSTEM_CLASS, 'SystemName': group.target_system,
                                      'CreationClassName': v.VOLUME_CLASS, 'DeviceID': device_id}, v.NS)
    path.host = group.target_system
    return path


def entity_path(group, remote_volume):
    """The undiscovered remote end of a pair (M312 Table 111), host the peer's system Name like a remote volume."""
    path = make_path(v.ENTITY_CLASS, {'InstanceID': PREFIX + remote_volume}, v.NS)
    path.host = group.target_system
    return path


def replication_entity(path):
    """The TPD_ReplicationEntity instance of an entity path (only ever returned by Associators)."""
    name = str(path.keybindings['InstanceID'])[len(PREFIX):]
    return make_instance(v.ENTITY_CLASS, path, [
        prop('InstanceID', PREFIX + name), prop('Type', Uint16(v.ENTITY_TYPE_VOLUME)), prop('Persistent', False),
        prop('EntityID', name), prop('OtherTypeDescription', None, 'string')])


def when_synced(group):
    """NULL in synchronous mode (M311 Table 110, Table 105)."""
    if group.mode == 'sync' or group.when_synced is None:
        return None
    return CIMDateTime(group.when_synced)


def requested_copy_state(copy_state, action):
    """M311 Table 105: Not Applicable once CopyState reached the request; Synchronized while Broken or Skewed,
    or while a copy towards Synchronized runs (the latter a guess)."""
    if copy_state in (v.CS_BROKEN, v.CS_SKEWED) or (action in ('sync', 'recover') and copy_state != v.CS_SYNCHRONIZED):
        return v.CS_SYNCHRONIZED
    return v.RCS_NOT_APPLICABLE


def group_views(projector, group):
    """The view of the group and of each pair: {local volume: (CopyState, SyncState, ProgressStatus)}.

    A pair admitted to a stopped group that was started before shows the "New" view until the group
    starts again; the group then reads Mixed (14) since its members differ (M311 Table 110)."""
    link_up = projector.rcopy.link_up(group.target)
    status, copy_state, sync_state, progress = group_view(group, link_up)
    pairs = {}
    for pair in group.pairs:
        if pair[0] in group.unsynced and not group.running and group.action is None:
            pairs[pair[0]] = (v.CS_INITIALIZED, v.RESYNC_IN_PROGRESS, v.PS_REQUIRES_ACTIVATE)
        else:
            pairs[pair[0]] = (copy_state, sync_state, progress)
    seen = set(pairs.values())
    if len(seen) > 1:
        group_state = (v.CS_MIXED, sync_state, progress)
    else:
        group_state = next(iter(seen)) if seen else (copy_state, sync_state, progress)
    return status, link_up, group_state, pairs


def rcgroup_instances(projector, group):
    state = projector.state
    path = rcgroup_path(group.name)
    result = [_replication_group(v.RCGROUP_CLASS, path, group.name)]
    result.extend(_members(projector, path, [pair[0] for pair in group.pairs]))
    status, link_up, group_state, pair_states = group_views(projector, group)
    result.append(group_sync_instance(group, path, group_state))
    result.extend(pair_instance(projector, group, pair, pair_states[pair[0]], link_up)
                  for pair in group.pairs if pair[0] in state.volumes)
    return result


def _sync_properties(group, states):
    copy_state, sync_state, progress = states
    return [prop('WhenSynced', when_synced(group), 'datetime'), prop('SyncMaintained', group.running),
            prop('CopyState', Uint16(copy_state)), prop('SyncState', Uint16(sync_state)),
            prop('ProgressStatus', Uint16(progress)), prop('Mode', Uint16(MODE_NUMBERS[group.mode])),
            prop('SyncType', Uint16(v.SYNC_TYPE_MIRROR)),
            prop('CopyType', Uint16(v.COPY_SYNC if group.mode == 'sync' else v.COPY_ASYNC)),
            prop('RoleReversed', group.role in REVERSED_ROLES)]


def group_sync_instance(group, local_path, states):
    """TPD_RemoteGroupSynchronized: natural source -> natural target; it never swaps (M311 p124)."""
    ends = [local_path, peer_rcgroup_path(group)]
    if not natural_source(group):
        ends.reverse()
    path = make_path(v.GROUP_SYNC_CLASS, {'SystemElement': ends[0], 'SyncedElement': ends[1]}, v.NS)
    return make_instance(v.GROUP_SYNC_CLASS, path, [prop('SystemElement', ends[0]), prop('SyncedElement', ends[1]),
                                                    *_sync_properties(group, states)])


def pair_instance(projector, group, pair, states, link_up):
    """The TPD_RemoteStorageSynchronized of one pair; SystemElement is the source, so the ends swap with the roles."""
    undiscovered = not link_up or pair[0] in group.unsynced
    remote = entity_path(group, pair[1]) if undiscovered else remote_volume_path(group, pair[2])
    ends = [projector.volume_path(projector.state.volumes[pair[0]]), remote]
    local_is_source = group.role in SOURCE_ROLES
    if not local_is_source:
        ends.reverse()
    which = None
    if undiscovered:
        which = v.UNDISCOVERED_SYNCED if local_is_source else v.UNDISCOVERED_SYSTEM
    copy_state = states[0]
    resyncing = group.action in ('sync', 'recover')
    periodic = group.mode == 'periodic'
    path = make_path(v.REMOTE_SYNC_CLASS, {'SystemElement': ends[0], 'SyncedElement': ends[1]}, v.NS)
    return make_instance(v.REMOTE_SYNC_CLASS, path, [
        prop('SystemElement', ends[0]), prop('SyncedElement', ends[1]), *_sync_properties(group, states),
        prop('ReplicaType', Uint16(v.FULL_COPY)),
        prop('PercentSynced', Uint16(0) if resyncing else None, 'uint16'),
        prop('RequestedCopyState', Uint16(requested_copy_state(copy_state, group.action))),
        prop('UndiscoveredElement', None if which is None else Uint16(which), 'uint16'),
        prop('SyncInterval', Uint32(round(projector.rcopy.group_period(group)) if periodic else 0)),
        prop('SyncPolicy', list(v.RC_DEFAULT_POLICIES), 'string')])


def remote_end(projector, path):
    """The instance an Associators request returns for the remote end of a pair, or None.

    TPD_ReplicationEntity: the Table 111 instance while a pair has that undiscovered end. A remote
    TPD_StorageVolume: its keys and ElementName (what this array knows of the peer's volume)."""
    host = getattr(path, 'host', None)
    if not host or projector.rcopy is None:
        return None
    classname = path.classname.lower()
    for group in projector.state.rcgroups.values():
        if group.target_system != host:
            continue
        for pair in group.pairs:
            if classname == v.ENTITY_CLASS.lower() and path.keybindings.get('InstanceID') == PREFIX + pair[1]:
                if pair[0] in group.unsynced or not projector.rcopy.link_up(group.target):
                    return replication_entity(path)
            elif classname == v.VOLUME_CLASS.lower() and str(path.keybindings.get('DeviceID')) == pair[2] \
                    and path.keybindings.get('SystemName') == group.target_system:
                return make_instance(v.VOLUME_CLASS, path, [
                    prop('SystemCreationClassName', v.SYSTEM_CLASS), prop('SystemName', group.target_system),
                    prop('CreationClassName', v.VOLUME_CLASS), prop('DeviceID', pair[2]), prop('ElementName', pair[1])])
    return None


def install_remote_ends(conn, projector):
    """Let Associators (and only Associators) return the remote ends of pairs, which are no instances here.

    pywbem_mock's Associators fetches each associated path from the instance store; the remote end of a
    TPD_RemoteStorageSynchronized is not there (EnumerateInstances and GetInstance never return it, M312
    Table 111), so during an Associators call a miss is answered by ``remote_end``."""
    main = conn._mainprovider  # pylint: disable=protected-access
    local = threading.local()
    bare = main._get_bare_instance  # pylint: disable=protected-access
    associators = main.Associators

    def key(path):
        return (path.classname.lower(), tuple(sorted((k.lower(), str(val)) for k, val in path.keybindings.items())))

    def get_bare_instance(instance_name, instance_store, copy=None):
        found = bare(instance_name, instance_store, copy=copy)
        if found is None and getattr(local, 'hosts', None) is not None:
            found = remote_end(projector, instance_name)
            if found is not None:
                local.hosts[key(instance_name)] = instance_name.host
        return found

    def associators_with_remote_ends(*args, **kwargs):
        local.hosts = {}
        try:
            result = associators(*args, **kwargs)
            for inst in result:         # pywbem_mock drops the host of what it returns: the remote ends keep theirs
                path = getattr(inst, 'path', None)
                if path is not None and key(path) in local.hosts:
                    path.host = local.hosts[key(path)]
            return result
        finally:
            local.hosts = None

    main._get_bare_instance = get_bare_instance  # pylint: disable=protected-access
    main.Associators = associators_with_remote_ends
