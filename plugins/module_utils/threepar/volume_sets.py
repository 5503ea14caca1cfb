# -*- coding: utf-8 -*-
# Copyright: smis.threepar contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Volume sets (vvsets): a TPD_ReplicationGroup (InstanceID HP_3PAR:<set>, M312 Table 91 p104) whose members are
joined to it by TPD_MemberOfCollection; changed with CreateGroup, AddMembers, RemoveMembers and DeleteGroup of
TPD_ReplicationService (M312 p105-107, M313 p107-109). Read one set (one Associators), plan, view."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

from dataclasses import dataclass, field

from ansible_collections.smis.threepar.plugins.module_utils.threepar import model
from ansible_collections.smis.threepar.plugins.module_utils.threepar.action import (
    ADD_SET_MEMBERS, CREATE_VOLUME_SET, DELETE_VOLUME_SET, REMOVE_SET_MEMBERS, Action, Plan)
from ansible_collections.smis.threepar.plugins.module_utils.threepar.errors import NotFound

try:
    from pywbem import CIMInstanceName
except ImportError:
    pass    # client.HAS_PYWBEM tells the module; nothing here runs without it

SET_PROPERTIES = ['InstanceID', 'ElementName']
MEMBER_VOLUME_PROPERTIES = ['ElementName']


@dataclass
class VolumeSet:
    """A volume set as read: its members by volume name, in the order the array lists them."""
    name: str
    path: object = None
    members: list = field(default_factory=list)
    member_paths: dict = field(default_factory=dict)    # volume name -> TPD_StorageVolume path


def set_path(name, namespace):
    return CIMInstanceName(model.VOLUME_SET, {'InstanceID': model.VOLUME_SET_ID_PREFIX + name}, namespace=namespace)


def read_volume_set(client, name):
    """The set named ``name``, or None; one Associators when it has members. Its path is the documented InstanceID;
    a set that answers none is looked up: GetInstance (an empty set), then the sets by ElementName (the 3.1.1
    edition prints another prefix for groups, M311 p96)."""
    what = 'volume set %s' % name
    path = set_path(name, client.namespace)
    try:
        volumes = _member_volumes(client, path, what)
    except NotFound:
        volumes = []
    if not volumes:
        path = _find_set(client, path, name, what)
        if path is None:
            return None
        if path != set_path(name, client.namespace):
            volumes = _member_volumes(client, path, what)
    vvset = VolumeSet(name=name, path=path)
    for volume in volumes:
        member = volume.get('ElementName')
        vvset.members.append(member)
        vvset.member_paths[member] = volume.path
    return vvset


def _member_volumes(client, path, what):
    """3PAR providers answer [None] to some Associators with a PropertyList (provider-facts section 5): then ask again
    without one."""
    found = client.associators(path, model.MEMBER_OF, model.VOLUME, MEMBER_VOLUME_PROPERTIES, 'members of ' + what)
    if any(volume is None for volume in found):
        found = client.associators(path, model.MEMBER_OF, model.VOLUME, None, 'members of ' + what)
    return [volume for volume in found if volume is not None]


def all_volume_sets(client, volumes):
    """Every volume set with its members (threepar_info): two enumerations; ``volumes``: device id -> name."""
    sets = {}
    for inst in client.enumerate(model.VOLUME_SET, SET_PROPERTIES, 'volume sets'):
        sets[inst.get('InstanceID')] = VolumeSet(name=inst.get('ElementName'), path=inst.path)
    for inst in client.enumerate(model.MEMBER_OF, ['Collection', 'Member'], 'volume set members'):
        collection, member = inst.get('Collection'), inst.get('Member')
        vvset = sets.get(collection.keybindings.get('InstanceID')) if collection is not None and member is not None else None
        if vvset is not None and collection.classname.lower() == model.VOLUME_SET.lower():
            device_id = member.keybindings.get('DeviceID')
            vvset.members.append(volumes.get(device_id, 'device:%s' % device_id))
    return sorted(sets.values(), key=lambda vvset: vvset.name)


def _find_set(client, path, name, what):
    try:
        return client.get_instance(path, SET_PROPERTIES, what).path or path
    except NotFound:
        found = [i.path for i in client.enumerate(model.VOLUME_SET, SET_PROPERTIES, 'volume sets') if i.get('ElementName') == name]
        return found[0] if found else None


def set_view(vvset):
    """A set as threepar_volume_set returns it (and diffs it); {} when it does not exist."""
    if vvset is None:
        return {}
    return {'name': vvset.name, 'members': sorted(vvset.members)}


def volumes_to_find(want, current):
    """The wanted members the set does not hold yet: their paths must be read (the array's volumes, once)."""
    if want['state'] != 'present' or want['members'] is None:
        return []
    held = set(current.members) if current is not None else set()
    return [m for m in want['members'] if m not in held]


def plan_volume_set(want, current, volume_paths):
    """``want``: {name, state, members (list or None: leave them), purge_members}; ``current``: the VolumeSet or None;
    ``volume_paths``: name -> path of every volume to add. Raises before any change for a member that does not exist."""
    name = want['name']
    before = set_view(current)
    if want['state'] == 'absent':
        if current is None:
            return Plan([], before, {})
        return Plan([Action(DELETE_VOLUME_SET, name, model.RS_DELETE_GROUP, {'set': current.path})], before, {})
    wanted = _unique(want['members'] or [])
    missing = [m for m in volumes_to_find(want, current) if m not in volume_paths]
    if missing:
        raise NotFound('add', 'volumes to volume set %s' % name, 'no volume named %s on the array' % ', '.join(missing),
                       'Create them first (smis.threepar.threepar_volume) or fix members; nothing was changed.')
    if current is None:
        after = {'name': name, 'members': sorted(wanted)}
        return Plan([Action(CREATE_VOLUME_SET, name, model.RS_CREATE_GROUP, {'members': wanted})], before, after)
    actions = []
    members = list(current.members)
    added = [m for m in wanted if m not in current.members]
    if added:
        actions.append(Action(ADD_SET_MEMBERS, name, model.RS_ADD_MEMBERS, {'set': current.path, 'members': added}))
        members += added
    removed = [m for m in current.members if m not in wanted] if want['purge_members'] and want['members'] is not None else []
    if removed:
        actions.append(Action(REMOVE_SET_MEMBERS, name, model.RS_REMOVE_MEMBERS, {'set': current.path, 'members': removed}))
        members = [m for m in members if m not in removed]
    return Plan(actions, before, {'name': name, 'members': sorted(members)})


def _unique(names):
    """The members in the order given, each once (CreateGroup and AddMembers refuse duplicates, M312 p105)."""
    seen = []
    for member in names:
        if member not in seen:
            seen.append(member)
    return seen
