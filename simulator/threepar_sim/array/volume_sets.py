"""Volume sets (vvsets, TPD_ReplicationGroup): the local sets' CreateGroup, AddMembers, RemoveMembers and DeleteGroup
(simulator/MODEL.md, Volume sets).

A local set holds any volumes (base volumes or snapshots), each at most once, in the order given; a volume may be in
several local sets. The set of a remote-copy group is changed through array/rcopy.py, which keeps its own rules.
"""

from dataclasses import dataclass, field
from typing import Optional

from . import values as v
from .state import Refused, require_valid_name


@dataclass
class VolumeSet:
    """A volume set: the members by name, in order."""
    name: str
    members: list = field(default_factory=list)
    id: Optional[int] = None         # the system-assigned ID of the set (MX p106 Table 93)


def next_id(state):
    return 1 + max((s.id for s in state.vvsets.values() if s.id is not None), default=0)


def new_vvset(state, name, members):
    vvset = VolumeSet(name, list(members), id=next_id(state))
    state.add_vvset(vvset)
    return vvset


def require_set_name(state, name):
    """GroupName is "mandatory" (M312 p105); the rules of volume names (31 characters, guess); one set per name."""
    require_valid_name(name, 'GroupName (volume set name)')
    if name in state.vvsets:
        raise Refused(v.RC_INVALID, 'a volume set named %s exists' % name)


def require_new_members(members, volumes):
    """"Duplicates members are not allowed" (M312 p105, M313 p108): none twice in the list, none already a member."""
    names = [vol.name for vol in volumes]
    if len(set(names)) != len(names):
        raise Refused(v.RC_INVALID, 'Members lists a volume twice')
    present = [n for n in names if n in members]
    if present:
        raise Refused(v.RC_INVALID, 'volume(s) %s already in the volume set' % ', '.join(present))


def create(state, name, volumes):
    require_set_name(state, name)
    require_new_members((), volumes)
    return new_vvset(state, name, [vol.name for vol in volumes])


def add(state, vvset, volumes):
    """Appended "at the end of current members" (M313 p108)."""
    require_new_members(vvset.members, volumes)
    vvset.members.extend(vol.name for vol in volumes)
    state.touch('vvset', vvset.name)


def remove(state, vvset, volumes):
    names = [vol.name for vol in volumes]
    missing = [n for n in names if n not in vvset.members]
    if missing:
        raise Refused(v.RC_INVALID, 'volume(s) %s are not members of %s' % (', '.join(missing), vvset.name))
    vvset.members = [n for n in vvset.members if n not in names]
    state.touch('vvset', vvset.name)


def delete(state, vvset, remove_elements):
    """True deletes a set that has members (never its volumes); False or NULL "ONLY IF it is empty" (M312 p106)."""
    if vvset.members and not remove_elements:
        raise Refused(v.RC_FAILED, 'volume set %s has %d member(s): RemoveElements must be true to delete it'
                      % (vvset.name, len(vvset.members)))
    del state.vvsets[vvset.name]
    state.touch('vvset', vvset.name)


def forget_volume(state, name):
    """A volume the array removed by itself (an expired snapshot) leaves every set it was in."""
    for vvset in state.vvsets.values():
        if name in vvset.members:
            vvset.members = [n for n in vvset.members if n != name]
            state.touch('vvset', vvset.name)
