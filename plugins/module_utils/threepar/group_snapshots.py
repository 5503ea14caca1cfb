# -*- coding: utf-8 -*-
# Copyright: smis.threepar contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Consistent snapshots of a volume set: one snapshot of every member, all at one point in time.

The provider has no group synchronization for local copies ("GroupSynchronized association is not supported for local
replication", M311 p95, M313 p105): a group snapshot is one TPD_StorageSynchronized per member, made together by
TPD_CreateConsistentReplicaList (the CLI's creategroupsv, M312 p111-112 Table 95), which takes a target name per
member, so the snapshots follow the task's pattern (CreateGroupReplica would name them <RelationshipName>_<n>).
No source documents a resync of a snapshot set (TPD_ModifyGroupReplicaSynchronization resyncs physical-copy sets and
promotes snapshot sets, M312 p113-114), so a refresh deletes the group's snapshots and makes them again, together.
A restore promotes each member's snapshot (the restore guard of a single snapshot, per member): they hold one point
in time, and a restore interrupted half way is finished by the next run, since promoted snapshots move on."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

from ansible_collections.smis.threepar.plugins.module_utils.threepar import model
from ansible_collections.smis.threepar.plugins.module_utils.threepar import planner
from ansible_collections.smis.threepar.plugins.module_utils.threepar.action import (
    CREATE_CONSISTENT_SNAPSHOTS, CREATE_VIRTUAL_COPY, RESYNC_COPY, WAIT_FOR_COPY, Action, Plan)
from ansible_collections.smis.threepar.plugins.module_utils.threepar.errors import InvalidRequest, NotFound

PLACEHOLDER = '{volume}'
GROUP_STATES = ('present', 'absent', 'restored')
# What the per-member plan of a present snapshot says about the group: it must be made again (all together).
REMAKE = (CREATE_VIRTUAL_COPY, RESYNC_COPY)


def snapshot_name(pattern, member):
    return pattern.replace(PLACEHOLDER, member)


def validate_group_want(want):
    """Checks that need no array (the set's name, the pattern, options that do not apply to a group)."""
    what = 'consistent snapshots %s of volume set %s' % (want['name'], want['volume_set'])
    if PLACEHOLDER not in want['name']:
        raise InvalidRequest('converge', what, 'name must hold %s, which becomes the name of each member volume' % PLACEHOLDER,
                             'Set name to a pattern such as "%s.nightly".' % PLACEHOLDER)
    if want['state'] not in GROUP_STATES:
        raise InvalidRequest('converge', what, 'state %s does not apply to the snapshots of a volume set' % want['state'],
                             'Use state present, absent or restored.')
    for option in ('source', 'copies'):
        if want.get(option):
            raise InvalidRequest('converge', what, '%s does not go with volume_set (the members are the sources)' % option,
                                 'Remove %s, or volume_set.' % option)
    if want.get('type') not in (None, 'virtual'):
        raise InvalidRequest('converge', what, 'consistent copies of a set are snapshots (type virtual)', 'Remove type.')
    if want.get('read_only'):
        raise InvalidRequest('converge', what, "the array's SMI-S provider cannot make read-only snapshots", 'Remove read_only.')


def member_wants(want, members):
    """One single-snapshot want per member of the set (sorted by member), as planner.plan_copy takes them."""
    wants = []
    for member in sorted(members):
        entry = dict(want, source=member, name=snapshot_name(want['name'], member), type='virtual')
        for key in ('volume_set', 'copies'):
            entry.pop(key, None)
        wants.append(entry)
    return wants


def plan_group(want, vvset, state, now):
    """The plan for the snapshots of ``vvset`` (a volume_sets.VolumeSet, None when it does not exist); before/after:
    snapshot name -> copy_diff_view, as for copies."""
    if vvset is None:
        raise NotFound('converge', 'consistent snapshots of volume set %s' % want['volume_set'], 'the volume set does not exist',
                       'Create it first (smis.threepar.threepar_volume_set), or check volume_set.')
    wants = member_wants(want, vvset.members)
    if want['state'] != 'present':
        if want['state'] == 'restored':
            _require_every_snapshot(wants, state, want)
        return planner.plan_copies(wants, state, now)
    if not wants:
        raise InvalidRequest('snapshot', 'volume set %s' % vvset.name, 'it has no members',
                             'Add volumes to it (smis.threepar.threepar_volume_set members), then run again.')
    per_member = [planner.plan_copy(w, state, now) for w in wants]   # validates each member and its snapshot
    existing = [state.copy_to(w['name']) for w in wants if state.copy_to(w['name']) is not None]
    points = set(c.when_synced for c in existing)
    remake = any(a.operation in REMAKE for steps in per_member for a in steps) or len(points) > 1
    before = dict((w['name'], planner.copy_diff_view(planner.copy_view(state, w, now))) for w in wants)
    # A snapshot being restored (another run's promote) settles first, whatever comes next.
    actions = [a for steps in per_member for a in steps if a.operation == WAIT_FOR_COPY]
    if not remake:
        return Plan(actions + _recount(wants), before, before)
    actions += [planner.delete_copy(c) for c in existing]
    actions.append(Action(CREATE_CONSISTENT_SNAPSHOTS, vvset.name, model.RS_CREATE_CONSISTENT_LIST,
                          {'sources': [w['source'] for w in wants], 'names': [w['name'] for w in wants],
                           'object': 'consistent snapshots of volume set %s' % vvset.name}))
    after = dict((w['name'], dict(source=w['source'], name=w['name'], type='virtual', sync_state='Idle',
                                  when_synced='(new point in time, one for the set)', read_only=False)) for w in wants)
    return Plan(actions + _recount(wants), before, after)


def _recount(wants):
    names = [w['name'] for w in wants if w.get('update_space')]
    return [Action(planner.RECOUNT, ', '.join(names), planner.UPDATE_SPACE, {'names': names})] if names else []


def _require_every_snapshot(wants, state, want):
    """A restore of a set with a member that has no snapshot would leave the set at two points in time: refused."""
    missing = [w['source'] for w in wants if state.copy_to(w['name']) is None]
    if missing:
        raise NotFound('restore', 'volume set %s from snapshots %s' % (want['volume_set'], want['name']),
                       'member(s) %s have no such snapshot, so the set cannot be brought back to one point in time' % ', '.join(missing),
                       'Nothing was restored. Restore the members that have one with copies:, or remove the others from the set.')


def group_view(vvset, state, wants):
    """What the task reports of the group: the set's members and their one point in time (None unless every member has
    a snapshot and all hold the same point in time)."""
    copies = [state.copy_to(w['name']) for w in wants]
    points = set(c.when_synced for c in copies if c is not None)
    consistent = bool(copies) and None not in copies and len(points) == 1
    when = points.pop() if consistent else None
    return {'name': vvset.name, 'members': sorted(vvset.members), 'consistent': consistent,
            'point_in_time': when.isoformat() if when is not None else None}
