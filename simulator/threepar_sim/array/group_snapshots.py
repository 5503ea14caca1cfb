"""Consistent snapshots of several volumes (CLI creategroupsv): TPD_CreateConsistentReplicaList and the local
CreateGroupReplica of a volume set; the promote of a set of snapshots (TPD_ModifyGroupReplicaSynchronization).
simulator/MODEL.md, Consistent snapshots.

All or nothing: every pair is checked before the first snapshot is made. The snapshots of one call share one
instant: one WhenSynced, and the host-write generation each source had then.
"""

from . import values as v, volume_sets
from .state import Refused


def volume_ids(base_id, count):
    """The volume IDs BaseID asks for: BaseID, BaseID + 1, ... one per snapshot (guess), or None."""
    if base_id is None:
        return [None] * count
    if not str(base_id).isdigit() or int(base_id) < 1:
        raise Refused(v.RC_INVALID, 'BaseID must be a volume ID (a positive decimal number)')
    return [int(base_id) + n for n in range(count)]


def create(state, sources, names, ids, timers=None):
    """Snapshots of ``sources`` named ``names`` (IDs ``ids``) at one instant: their copies, in source order.

    ``timers``: a callable(volume, when) applied to each new snapshot volume (array/retention.py), or None."""
    if not sources:
        raise Refused(v.RC_INVALID, 'no source volume')
    if len(set(names)) != len(names):
        raise Refused(v.RC_INVALID, 'a snapshot name is given twice')
    if len({vol.name for vol in sources}) != len(sources):
        raise Refused(v.RC_INVALID, 'a source volume is given twice')
    for source, name, volume_id in zip(sources, names, ids):
        state.require_snapshot_source(source)
        state.require_free_name(name)
        if volume_id is not None and volume_id in state.volumes_by_id:
            raise Refused(v.RC_INVALID, 'volume ID %d is already in use' % volume_id)
    when = state.now()
    copies = [state.create_snapshot(source, name, volume_id=volume_id, when=when)
              for source, name, volume_id in zip(sources, names, ids)]
    if timers is not None:
        for copy in copies:
            timers(state.volumes[copy.target], when)
    return copies


def snapshot_set(state, vvset, relationship, ids, timers=None):
    """CreateGroupReplica of a local set: snapshots <RelationshipName>_<n> (n from 1, member order, M311 Table 91) and
    a new set named RelationshipName holding them (the name is a guess). Returns (the new set, the copies)."""
    if not relationship:
        raise Refused(v.RC_INVALID, 'RelationshipName is mandatory for snapshots of a volume set')
    if not vvset.members:
        raise Refused(v.RC_INVALID, 'volume set %s has no members' % vvset.name)
    volume_sets.require_set_name(state, relationship)
    names = ['%s_%d' % (relationship, n) for n in range(1, len(vvset.members) + 1)]
    copies = create(state, [state.volumes[name] for name in vvset.members], names, ids, timers)
    return volume_sets.new_vvset(state, relationship, names), copies


def promote_set(state, vvset, method):
    """Restore from Replica of every snapshot of a set into its source: one job per volume."""
    if not vvset.members:
        raise Refused(v.RC_INVALID, 'volume set %s has no members' % vvset.name)
    copies = []
    for name in vvset.members:
        copy = state.copies.get(name)
        if copy is None or not copy.is_snapshot:
            raise Refused(v.RC_INVALID, 'volume %s of set %s is not a virtual copy' % (name, vvset.name))
        state.require_restorable(copy)
        copies.append(copy)
    if len({copy.source for copy in copies}) != len(copies):
        raise Refused(v.RC_INVALID, 'volume set %s holds two snapshots of one volume' % vvset.name)
    return [state.restore(copy, method=method) for copy in copies]
