# -*- coding: utf-8 -*-
# Copyright: smis.threepar contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Read remote-copy groups in bulk into rcopy_plan.GroupState (simulator/MODEL.md, Remote copy).

A group is a ``TPD_RemoteReplicationGroup`` (InstanceID ``HP_3PAR:<group>``), its pairs are
``TPD_RemoteStorageSynchronized`` associations between a local volume and a volume of the peer array.
SystemElement is the source of a pair, so the ends swap when the roles reverse: pairs are oriented by
volume identity (which array holds each end, ``rcopy_plan.orient_pair``), never by side.

A converged run of threepar_rcopy_group costs two requests: the group (GetInstance, PropertyList) and the
pairs (one EnumerateInstances, PropertyList). Volumes are read only when members are added or created,
memberships (``TPD_MemberOfCollection``) only when a provider does not name the group of its pairs.
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

from ansible_collections.smis.threepar.plugins.module_utils.threepar import model as m
from ansible_collections.smis.threepar.plugins.module_utils.threepar import rcopy_plan as rp
from ansible_collections.smis.threepar.plugins.module_utils.threepar.errors import MethodFailed, NotFound, ThreeparError
from ansible_collections.smis.threepar.plugins.module_utils.threepar.inventory import Inventory, _key, _when

try:
    from pywbem import CIMInstanceName
except ImportError:
    pass    # client.HAS_PYWBEM tells the module

GROUP_STATE_PROPERTIES = ['Role', 'Status', 'CopyState', 'SyncState', 'ProgressStatus', 'LinkStatus', 'RecoverFailed']
GROUP_PROPERTIES = ['InstanceID', 'ElementName', 'Mode', 'ModeName', 'TargetName', 'TargetSystemName', 'SyncPeriod',
                    'WhenSynced'] + GROUP_STATE_PROPERTIES
PAIR_PROPERTIES = ['SystemElement', 'SyncedElement', 'GroupName', 'SystemElementName', 'SyncedElementName',
                   'SystemElementArray', 'SyncedElementArray']
MEMBER_PROPERTIES = ['Collection', 'Member']


def group_path(name, namespace):
    return CIMInstanceName(m.RCOPY_GROUP, {'InstanceID': m.RCOPY_GROUP_ID_PREFIX + name}, namespace=namespace)


def vvset_path(name, namespace):
    return CIMInstanceName(m.VOLUME_SET, {'InstanceID': m.VOLUME_SET_ID_PREFIX + name}, namespace=namespace)


def _group_name(inst):
    instance_id = inst.get('InstanceID') or _key(inst.path, 'InstanceID') or ''
    if instance_id.startswith(m.RCOPY_GROUP_ID_PREFIX):
        return instance_id[len(m.RCOPY_GROUP_ID_PREFIX):]
    return inst.get('ElementName')


def _mode_name(inst):
    name = inst.get('ModeName')
    if name in rp.MODES:
        return name
    return m.RCOPY_MODE_NAMES.get(int(inst['Mode'])) if inst.get('Mode') is not None else None


def apply_state(group, inst):
    """The state properties of a group instance -> the GroupState (decoded names)."""
    group.role = inst.get('Role')
    group.status = inst.get('Status')
    group.copy_state = m.decode(m.COPY_STATE, inst.get('CopyState'))
    group.sync_state = m.decode(m.SYNC_STATE, inst.get('SyncState'))
    group.progress_status = m.decode(m.PROGRESS_STATUS, inst.get('ProgressStatus'))
    link = inst.get('LinkStatus')
    group.peer_reachable = link is None or str(link).lower() == 'up'
    group.recover_failed = bool(inst.get('RecoverFailed'))
    return group


def group_from(inst):
    group = rp.GroupState(name=_group_name(inst), exists=True, mode=_mode_name(inst), target=inst.get('TargetName'))
    return apply_state(group, inst)


class Pair:
    """One TPD_RemoteStorageSynchronized: the group it belongs to and its two ends (array/system, volume, path)."""

    def __init__(self, inst):
        self.inst = inst
        self.group = inst.get('GroupName')
        self.ends = []
        for role in ('SystemElement', 'SyncedElement'):
            path = inst.get(role)
            self.ends.append({'system': _key(path, 'SystemName'), 'array': inst.get(role + 'Array'),
                              'name': inst.get(role + 'Name'), 'device_id': _key(path, 'DeviceID'), 'path': path})


class RcopyInventory(Inventory):
    """``group(name)`` -> GroupState; ``groups()`` -> every group; the replication service for the executor."""

    def __init__(self, client):
        super(RcopyInventory, self).__init__(client)
        self.group_paths = {}       # group name -> TPD_RemoteReplicationGroup path
        self.member_paths = {}      # (group name, local volume) -> TPD_StorageVolume path
        self.target_systems = {}    # group name -> the peer's TPD_StorageSystem.Name
        self.extra = {}             # group name -> {when_synced, sync_period, link_status}
        self._pairs = None
        self._system = None
        self._replication_service = None

    # ------------------------------------------------------------ groups

    def group(self, name):
        """The group as the array the module talks to sees it (exists=False when it has none of that name)."""
        path = group_path(name, self.client.namespace)
        try:
            inst = self.client.get_instance(path, GROUP_PROPERTIES, 'remote copy group %s' % name)
        except NotFound:
            return rp.GroupState(name=name, exists=False)
        group = self._remember(inst, path)
        self._attach_members([group])
        return group

    def fresh_group(self, name):
        """Read the group again (after changes)."""
        self._pairs = None
        return self.group(name)

    def groups(self):
        """Every remote-copy group of the array; none on an array without remote copy."""
        try:
            instances = self.client.enumerate(m.RCOPY_GROUP, GROUP_PROPERTIES, 'remote copy groups')
        except ThreeparError as exc:
            if 'CIM_ERR_INVALID_CLASS' in str(exc) or 'CIM_ERR_NOT_FOUND' in str(exc):
                return []
            raise
        groups = [self._remember(inst, inst.path) for inst in instances]
        if groups:
            self._attach_members(groups)
        return sorted(groups, key=lambda g: g.name)

    def _remember(self, inst, path):
        group = group_from(inst)
        self.group_paths[group.name] = path
        self.target_systems[group.name] = inst.get('TargetSystemName')
        self.extra[group.name] = {'when_synced': _when(inst.get('WhenSynced')), 'link_status': inst.get('LinkStatus'),
                                  'sync_period': int(inst['SyncPeriod']) if inst.get('SyncPeriod') is not None else None}
        return group

    def poll_state(self, group):
        """Only the state properties of one group (polled while waiting); updates and returns ``group``."""
        path = self.group_paths.get(group.name) or group_path(group.name, self.client.namespace)
        inst = self.client.get_instance(path, GROUP_STATE_PROPERTIES, 'remote copy group %s' % group.name)
        return apply_state(group, inst)

    # ------------------------------------------------------------ pairs and members

    def pairs(self):
        if self._pairs is None:
            instances = self.client.enumerate(m.RCOPY_SYNCHRONIZED, PAIR_PROPERTIES, 'remote copy pairs')
            self._pairs = [Pair(inst) for inst in instances]
        return self._pairs

    def _attach_members(self, groups):
        pairs = self.pairs()
        by_volume = None
        if any(p.group is None for p in pairs):
            by_volume = self._memberships()
        wanted = dict((g.name, g) for g in groups)
        members = dict((g.name, []) for g in groups)
        for pair in pairs:
            local = self._local_end(pair, wanted, by_volume)
            if local is None:
                continue
            name, end = local
            other = pair.ends[1] if end is pair.ends[0] else pair.ends[0]
            member = rp.orient_pair((end['system'], self._volume_name(end)), (other['system'], self._volume_name(other)),
                                    end['system'])
            members[name].append(member)
            self.member_paths[(name, member.volume)] = end['path']
        for name, group in wanted.items():
            group.members = tuple(sorted(members[name], key=lambda p: p.volume))

    def _local_end(self, pair, groups, by_volume):
        """(group name, the end on this array) of a pair, or None when it belongs to another group."""
        for end in pair.ends:
            group = pair.group
            if group is None and by_volume is not None:
                group = by_volume.get(end['device_id'])
            if group not in groups:
                continue
            target_system, target = self.target_systems.get(group), groups[group].target
            remote = (target_system and end['system'] == target_system) or (end['array'] and end['array'] == target)
            if not remote:
                return group, end
        return None

    def _volume_name(self, end):
        if end['name']:
            return end['name']
        if self.state.volumes is None:
            self.read('volumes')
        found = self._volume_by_id.get(end['device_id'])
        return found.name if found is not None else 'device:%s' % end['device_id']

    def _memberships(self):
        """{local volume DeviceID: group name} from TPD_MemberOfCollection (providers that do not name the group of a pair)."""
        found = {}
        for inst in self.client.enumerate(m.MEMBER_OF, MEMBER_PROPERTIES, 'remote copy group members'):
            collection, member = inst.get('Collection'), inst.get('Member')
            instance_id = _key(collection, 'InstanceID') or ''
            if collection is not None and collection.classname.lower() == m.RCOPY_GROUP.lower() \
                    and instance_id.startswith(m.RCOPY_GROUP_ID_PREFIX):
                found[_key(member, 'DeviceID')] = instance_id[len(m.RCOPY_GROUP_ID_PREFIX):]
        return found

    # ------------------------------------------------------------ for the executor

    def replication_service_path(self):
        if self._replication_service is None:
            names = self.client.enumerate_names(m.REPLICATION_SERVICE, 'the replication service')
            if not names:
                raise MethodFailed('find', 'the replication service', 'the array has no %s' % m.REPLICATION_SERVICE,
                                   'Check that the SMI-S provider serves the Replication Services profile.')
            self._replication_service = names[0]
        return self._replication_service

    def volume_path(self, name):
        """A local volume by name (reads the volumes once, only when members are created or added)."""
        self.read('volumes')
        volume = self.state.volumes.get(name)
        return volume.path if volume is not None else None

    def group_path(self, name):
        return self.group_paths.get(name) or group_path(name, self.client.namespace)


# ---------------------------------------------------------------- the reported view (module result, threepar_info)

def table_107_row(group):
    """The first Table 106/107 row of the group's side that matches what was read, or None."""
    side = group.side
    for row in rp.TABLE_107:
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
            'peer_reachable': group.peer_reachable, 'link_status': extra.get('link_status'),
            'recover_failed': group.recover_failed, 'sync_period': extra.get('sync_period'),
            'when_synced': when.isoformat() if hasattr(when, 'isoformat') else when}
