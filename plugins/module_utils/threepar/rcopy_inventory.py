# -*- coding: utf-8 -*-
# Copyright: smis.threepar contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Read remote-copy groups into rcopy_plan.GroupState, in the shape the HP 3PAR provider serves them
(M311 p96, p119-124; M312 p128-133; MX p139; simulator/MODEL.md, Remote copy):

``TPD_RemoteReplicationGroup``      the local group: InstanceID, ElementName and three constant booleans, nothing else.
``TPD_RemoteGroupSynchronized``     the group and its peer group: SystemElement is the *natural* source group (it stays
                                    so through a failover), the peer's end is a path whose host is the target name; the
                                    states (CopyState, SyncState, ProgressStatus, SyncMaintained, Mode, WhenSynced) and
                                    the vendor boolean RoleReversed.
``TPD_RemoteStorageSynchronized``   one per volume pair; SystemElement is the current source, so the ends swap with the
                                    roles. The remote end is a peer TPD_StorageVolume path (host = the peer's WWN, no
                                    name) or, while it is undiscovered, a TPD_ReplicationEntity (InstanceID
                                    HP_3PAR:<remote volume>). SyncInterval is the period of a periodic group.
``TPD_MemberOfCollection``          the group's local volumes.

The Role and Status that showrcopy prints are derived (rcopy_plan.role_from_cim, status_from_cim). SMI-S does not
name a discovered remote volume: the names come from ``showrcopy groups <group>`` over SSH when the task configured
SSH (``remote_names``, a read), else they stay unknown (None) and the planner compares pairs by their local volume.

A converged run of threepar_rcopy_group reads four times: the groups (names only), the group's synchronization
(References), its member volumes (Associators) and the pairs (one EnumerateInstances, PropertyList).
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

from ansible_collections.smis.threepar.plugins.module_utils.threepar import model
from ansible_collections.smis.threepar.plugins.module_utils.threepar import rcopy_plan
from ansible_collections.smis.threepar.plugins.module_utils.threepar.errors import ThreeparError
from ansible_collections.smis.threepar.plugins.module_utils.threepar.inventory import Inventory, _key, _when

try:
    from pywbem import CIMInstanceName
except ImportError:
    pass    # client.HAS_PYWBEM tells the module

GROUP_PROPERTIES = ['InstanceID', 'ElementName']
STATE_PROPERTIES = ['CopyState', 'SyncState', 'ProgressStatus', 'SyncMaintained', 'RoleReversed', 'WhenSynced']
GROUP_SYNC_PROPERTIES = ['SystemElement', 'SyncedElement', 'Mode'] + STATE_PROPERTIES
PAIR_PROPERTIES = ['SystemElement', 'SyncedElement', 'Mode', 'UndiscoveredElement', 'SyncInterval'] + STATE_PROPERTIES
MEMBER_VOLUME_PROPERTIES = ['ElementName', 'DeviceID', 'SystemName']
MEMBER_PROPERTIES = ['Collection', 'Member']


def group_path(name, namespace):
    return CIMInstanceName(model.RCOPY_GROUP, {'InstanceID': model.RCOPY_GROUP_ID_PREFIX + name}, namespace=namespace)


def vvset_path(name, namespace):
    return CIMInstanceName(model.VOLUME_SET, {'InstanceID': model.VOLUME_SET_ID_PREFIX + name}, namespace=namespace)


def _strip_prefix(instance_id):
    for prefix in model.ID_PREFIXES:
        if instance_id and instance_id.startswith(prefix):
            return instance_id[len(prefix):]
    return instance_id


def _group_name(inst):
    return inst.get('ElementName') or _strip_prefix(inst.get('InstanceID') or _key(inst.path, 'InstanceID') or '')


def _int(value):
    return int(value) if value is not None else None


def parse_showrcopy_pairs(output, group):
    """{local volume: remote volume} of ``group`` from ``showrcopy groups <group>`` (Remote Copy User's Guide layout:
    the group's line, then a ``LocalVV ID RemoteVV ID SyncStatus LastSyncTime`` header and one line per pair)."""
    pairs, in_group, in_pairs = {}, False, False
    for line in output.splitlines():
        words = line.split()
        if not words:
            continue
        if words[:2] == ['Name', 'Target']:
            in_group, in_pairs = False, False
            continue
        if words[0] == 'LocalVV':
            in_pairs = in_group
            continue
        if not line.startswith(' ') and len(words) >= 2 and not in_pairs:
            in_group = words[0] == group
            continue
        if in_pairs and len(words) >= 4:
            pairs[words[0]] = words[2]
        elif not line.startswith(' '):
            in_group = in_pairs = False
    return pairs


class Pair:
    """One TPD_RemoteStorageSynchronized: its two ends (system, device ID, remote name of a ReplicationEntity, path)."""

    def __init__(self, inst):
        self.inst = inst
        self.ends = []
        for role in ('SystemElement', 'SyncedElement'):
            path = inst.get(role)
            entity = path is not None and path.classname.lower() == model.REPLICATION_ENTITY.lower()
            self.ends.append({'system': _key(path, 'SystemName'), 'device_id': _key(path, 'DeviceID'), 'path': path,
                              'name': _strip_prefix(_key(path, 'InstanceID')) if entity else None})
        self.undiscovered = inst.get('UndiscoveredElement') is not None or any(e['name'] for e in self.ends)


class RcopyInventory(Inventory):
    """``group(name)`` -> GroupState; ``groups()`` -> every group; the replication service for the executor.

    ``remote_names``: None, or a function (group name) -> {local volume: remote volume} (showrcopy over SSH), asked
    only for a group whose remote volumes SMI-S did not name."""

    def __init__(self, client, remote_names=None, host=None):
        super(RcopyInventory, self).__init__(client)
        self.remote_names = remote_names
        self.host = (host or '').lower()
        self.group_paths = {}       # group name -> TPD_RemoteReplicationGroup path
        self.sync_paths = {}        # group name -> the group path its TPD_RemoteGroupSynchronized is read from
        self.member_paths = {}      # (group name, local volume) -> TPD_StorageVolume path
        self.extra = {}             # group name -> {when_synced, sync_period, remote_names}
        self.unnamed = {}           # group name -> local volumes whose remote volume nobody named
        self._pairs = None

    # ------------------------------------------------------------ groups

    def _group_instances(self):
        try:
            return self.client.enumerate(model.RCOPY_GROUP, GROUP_PROPERTIES, 'remote copy groups')
        except ThreeparError as exc:
            if 'CIM_ERR_INVALID_CLASS' in str(exc) or 'CIM_ERR_NOT_FOUND' in str(exc):
                return []
            raise

    def group(self, name):
        """The group as the array the module talks to sees it (exists=False when it has none of that name)."""
        for inst in self._group_instances():
            if _group_name(inst) == name:
                syncs = self.client.references(inst.path, model.RCOPY_GROUP_SYNCHRONIZED, GROUP_SYNC_PROPERTIES,
                                               'the synchronization of remote copy group %s' % name)
                return self._build(name, inst.path, syncs[0] if syncs else None, self._member_volumes(inst.path, name))
        return rcopy_plan.GroupState(name=name, exists=False)

    def groups(self):
        """Every remote-copy group of the array (bulk reads: groups, their synchronizations, memberships, volumes)."""
        instances = self._group_instances()
        if not instances:
            return []
        syncs = self.client.enumerate(model.RCOPY_GROUP_SYNCHRONIZED, GROUP_SYNC_PROPERTIES, 'remote copy group synchronizations')
        members = self._memberships()
        result = []
        for inst in instances:
            name = _group_name(inst)
            sync = next((s for s in syncs if self._local_end(s, inst.path) is not None), None)
            result.append(self._build(name, inst.path, sync, members.get(_key(inst.path, 'InstanceID'), [])))
        return sorted(result, key=lambda g: g.name)

    def _member_volumes(self, path, name):
        """(name, DeviceID, SystemName, path) of the group's local volumes. 3PAR providers answer [None] to some
        Associators calls with a PropertyList (provider-facts §5): then ask again without one."""
        what = 'the volumes of remote copy group %s' % name
        found = self.client.associators(path, model.MEMBER_OF, model.VOLUME, MEMBER_VOLUME_PROPERTIES, what)
        if any(v is None for v in found):
            found = self.client.associators(path, model.MEMBER_OF, model.VOLUME, None, what)
        return [(v.get('ElementName'), _key(v.path, 'DeviceID'), _key(v.path, 'SystemName'), v.path) for v in found if v is not None]

    def _memberships(self):
        """{group InstanceID: member volumes} for every group, from TPD_MemberOfCollection and one volume read."""
        self.read('volumes')
        found = {}
        for inst in self.client.enumerate(model.MEMBER_OF, MEMBER_PROPERTIES, 'remote copy group members'):
            collection, member = inst.get('Collection'), inst.get('Member')
            if collection is None or member is None or collection.classname.lower() != model.RCOPY_GROUP.lower():
                continue
            volume = self._volume_by_id.get(_key(member, 'DeviceID'))
            name = volume.name if volume is not None else 'device:%s' % _key(member, 'DeviceID')
            found.setdefault(_key(collection, 'InstanceID'), []).append(
                (name, _key(member, 'DeviceID'), _key(member, 'SystemName'), member))
        return found

    # ------------------------------------------------------------ one group from what was read

    def _is_peer(self, path):
        """The peer's end of a group synchronization: a path naming another host (the target name, M311 p124)."""
        host = (getattr(path, 'host', None) or '').lower()
        return bool(host) and host != self.host and host.split(':')[0] != self.host

    def _local_end(self, sync, path):
        """'SystemElement' or 'SyncedElement': the end of ``sync`` that is this array's group ``path``; None if neither."""
        ends = [role for role in ('SystemElement', 'SyncedElement') if sync.get(role) is not None
                and _key(sync.get(role), 'InstanceID') == _key(path, 'InstanceID')]
        local = [role for role in ends if not self._is_peer(sync.get(role))]
        return (local or ends or [None])[0]

    def _build(self, name, path, sync, volumes):
        self.group_paths[name] = path
        group = rcopy_plan.GroupState(name=name, exists=True)
        local = self._local_end(sync, path) if sync is not None else None
        if sync is not None and local is not None:
            peer = sync.get('SyncedElement' if local == 'SystemElement' else 'SystemElement')
            group.target = getattr(peer, 'host', None) or None
            group.mode = model.RCOPY_MODE_NAMES.get(_int(sync.get('Mode')))
            apply_state(group, sync, natural_source=local == 'SystemElement')
        self.sync_paths[name] = path
        pairs = self._pairs_of(volumes)
        self._attach_members(group, volumes, pairs)
        if pairs and group.status != 'New' and any(p.undiscovered for p in pairs):
            group.peer_reachable = False    # the provider no longer discovers the remote volumes (MX p139)
        group.recover_failed = group.looks_like_failed_recover()
        periods = [_int(p.inst.get('SyncInterval')) for p in pairs if p.inst.get('SyncInterval') is not None]
        self.extra[name] = {'when_synced': _when(sync.get('WhenSynced')) if sync is not None else None,
                            'sync_period': periods[0] if periods and group.mode == 'periodic' else None}
        return group

    def poll_state(self, group):
        """Only the state properties of one group (polled while waiting); updates and returns ``group``."""
        path = self.sync_paths.get(group.name) or group_path(group.name, self.client.namespace)
        syncs = self.client.references(path, model.RCOPY_GROUP_SYNCHRONIZED, ['SystemElement', 'SyncedElement'] + STATE_PROPERTIES,
                                       'the synchronization of remote copy group %s' % group.name)
        if syncs:
            apply_state(group, syncs[0], natural_source=self._local_end(syncs[0], path) == 'SystemElement')
        return group

    # ------------------------------------------------------------ pairs and members

    def pairs(self):
        if self._pairs is None:
            instances = self.client.enumerate(model.RCOPY_SYNCHRONIZED, PAIR_PROPERTIES, 'remote copy pairs')
            self._pairs = [Pair(inst) for inst in instances]
        return self._pairs

    def _pairs_of(self, volumes):
        if not volumes:
            return []
        local = set((system, device) for dummy, device, system, dummy in volumes)
        return [p for p in self.pairs() if any((e['system'], e['device_id']) in local for e in p.ends)]

    def _attach_members(self, group, volumes, pairs):
        by_device = dict(((system, device), name) for name, device, system, dummy in volumes)
        paths = dict((name, path) for name, dummy, dummy, path in volumes)
        members, unnamed = [], []
        for pair in pairs:
            local = next(e for e in pair.ends if (e['system'], e['device_id']) in by_device)
            remote = pair.ends[1] if local is pair.ends[0] else pair.ends[0]
            volume = by_device[(local['system'], local['device_id'])]
            members.append(rcopy_plan.MemberPair(volume, remote['name']))
            if remote['name'] is None:
                unnamed.append(volume)
            self.member_paths[(group.name, volume)] = paths[volume]
        if unnamed and self.remote_names is not None:
            named = self.remote_names(group.name)
            members = [rcopy_plan.MemberPair(p.volume, p.remote_volume or named.get(p.volume)) for p in members]
            unnamed = [p.volume for p in members if p.remote_volume is None]
        self.unnamed[group.name] = sorted(unnamed)
        group.members = tuple(sorted(members, key=lambda p: p.volume))

    # ------------------------------------------------------------ for the executor

    def volume_path(self, name):
        """A local volume by name (reads the volumes once, only when members are created or added)."""
        self.read('volumes')
        volume = self.state.volumes.get(name)
        return volume.path if volume is not None else None

    def group_path(self, name):
        return self.group_paths.get(name) or group_path(name, self.client.namespace)


def apply_state(group, inst, natural_source):
    """The states of a group synchronization -> the GroupState: decoded names, and the Role/Status showrcopy prints."""
    group.copy_state = model.decode(model.COPY_STATE, inst.get('CopyState'))
    group.sync_state = model.decode(model.SYNC_STATE, inst.get('SyncState'))
    group.progress_status = model.decode(model.PROGRESS_STATUS, inst.get('ProgressStatus'))
    group.role = rcopy_plan.role_from_cim(natural_source, inst.get('RoleReversed'))
    group.status = rcopy_plan.status_from_cim(group.copy_state, group.sync_state, group.progress_status, inst.get('SyncMaintained'))
    return group


# ---------------------------------------------------------------- the reported view (module result, threepar_info)

def table_107_row(group):
    """The first Table 106/107 row of the group's side that matches what was read, or None."""
    side = group.side
    for row in rcopy_plan.TABLE_107:
        if row.side == side and row.matches(group):
            return row
    return None


def group_view(group, extra=None):
    """A group with decoded states, as threepar_rcopy_group and threepar_info report it; {} when it does not exist."""
    if group is None or not group.exists:
        return {}
    row = table_107_row(group)
    extra = extra or {}
    when = extra.get('when_synced')
    return {'name': group.name, 'role': group.role, 'status': group.status, 'copy_state': group.copy_state,
            'sync_state': group.sync_state, 'progress_status': group.progress_status, 'mode': group.mode,
            'target': group.target, 'members': [{'volume': p.volume, 'remote_volume': p.remote_volume} for p in group.members],
            'side': group.side, 'dr_state': group.dr_state, 'replication': 'started' if group.running else 'stopped',
            'matches_table_107': row is not None, 'table_107_row': row.ref if row is not None else None,
            'table_107_event': row.event if row is not None else None,
            'peer_reachable': group.peer_reachable, 'recover_failed': group.recover_failed,
            'incomplete': not group.members or group.status == 'New',
            'sync_period': extra.get('sync_period'),
            'when_synced': when.isoformat() if hasattr(when, 'isoformat') else when}
