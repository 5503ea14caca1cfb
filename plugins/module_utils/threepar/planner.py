# -*- coding: utf-8 -*-
# Copyright: smis.threepar contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Desired state + current state (model.ArrayState) -> ordered list of Actions. Pure: no I/O, no clock
(the caller passes ``now``). Every refusal is raised here, before anything is invoked, so that a bad
request changes nothing on the array."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

from dataclasses import dataclass, field

from ansible_collections.smis.threepar.plugins.module_utils.threepar import model as m
from ansible_collections.smis.threepar.plugins.module_utils.threepar.errors import (
    CopyBroken, InUse, InvalidRequest, NotFound)

CREATE_OR_MODIFY = 'CreateOrModifyElementFromStoragePool'
RETURN_TO_POOL = 'ReturnToStoragePool'
CREATE_REPLICA = 'CreateReplica'
MODIFY_SYNC = 'ModifySynchronization'
UPDATE_SPACE = 'UpdateDeltaSnapshotSpace'

VOLUME_STATES = ('present', 'absent')
COPY_STATES = ('present', 'absent', 'restored', 'detached', 'halted')
# End states that only make sense for one kind of copy (seed 003).
STATE_KINDS = {'restored': 'virtual', 'detached': 'physical', 'halted': 'physical'}


@dataclass
class Action:
    """One step of a plan. ``method`` None: a wait for the array, which changes nothing."""
    operation: str
    target: str
    method: object = None
    args: dict = field(default_factory=dict)

    def as_result(self):
        return {'operation': self.operation, 'target': self.target, 'method': self.method}


def changes(actions):
    return any(a.method for a in actions)


# ---------------------------------------------------------------- volumes

def plan_volume(want, state):
    """want: name, state, cpg, size (bytes), provisioning, snap_cpg, snap_size (bytes), snap_percent, force."""
    volume = state.volumes.get(want['name'])
    if want['state'] == 'absent':
        return [] if volume is None else _delete_volume(volume, want.get('force'), state)
    if volume is None:
        return _create_volume(want, state)
    return _update_volume(want, volume, state)


def volume_reads(want, state):
    """The extra classes the volume plan needs beyond volumes, allocations and snapshot spaces."""
    volume = state.volumes.get(want['name'])
    if want['state'] == 'absent':
        return {'copies'} if volume is not None else set()
    current_snap_cpg = (state.snap_spaces or {}).get(want['name'], m.SnapSpace(want['name'])).snap_cpg
    if volume is None or (want.get('snap_cpg') and want['snap_cpg'] != current_snap_cpg):
        return {'pools'}
    return set()


def _snap_goal(want):
    goal = {}
    if want.get('snap_cpg'):
        goal['DSPName'] = want['snap_cpg']
    if want.get('snap_size') is not None:
        goal['SnapVolumeSize'] = want['snap_size']
    if want.get('snap_percent') is not None:
        goal['SnapVolumePercentage'] = want['snap_percent']
    return goal


def _require_pool(name, state, role, volume):
    if name not in state.pools:
        raise NotFound('create' if role == 'cpg' else 'set the snapshot space of', 'volume %s' % volume,
                       'CPG %s (%s) does not exist on the array; it has %s' % (name, role, ', '.join(sorted(state.pools)) or 'none'),
                       'Create the CPG on the array (createcpg) or name an existing one.')


def _create_volume(want, state):
    name = want['name']
    missing = [k for k in ('cpg', 'size') if not want.get(k)]
    if missing:
        raise InvalidRequest('create', 'volume %s' % name, 'it does not exist and %s not given' % ' and '.join(missing)
                             + (' is' if len(missing) == 1 else ' are'), 'Set cpg and size to create it.')
    _require_pool(want['cpg'], state, 'cpg', name)
    if want.get('snap_cpg'):
        _require_pool(want['snap_cpg'], state, 'snap_cpg', name)
    args = {'name': name, 'pool': want['cpg'], 'size': want['size'],
            'element_type': m.ELEMENT_TYPE_BY_PROVISIONING[want.get('provisioning') or 'thin'], 'goal': _snap_goal(want)}
    return [Action('create volume', name, CREATE_OR_MODIFY, args)]


def _update_volume(want, volume, state):
    name = want['name']
    if volume.copy_of:
        raise InvalidRequest('manage', 'volume %s' % name, 'it is a copy of %s, not a base volume' % volume.copy_of,
                             'Manage copies with smis.threepar.threepar_snapshot.')
    if want.get('cpg') and volume.cpg and want['cpg'] != volume.cpg:
        raise InvalidRequest('move', 'volume %s' % name, 'it lives in CPG %s and cannot be moved to %s by this module'
                             % (volume.cpg, want['cpg']), 'Set cpg: %s, or move it on the array (tunevv).' % volume.cpg)
    if want.get('provisioning') and want['provisioning'] != volume.provisioning:
        raise InvalidRequest('change', 'provisioning of volume %s' % name, 'it is %s provisioned; provisioning is fixed at creation'
                             % volume.provisioning, 'Set provisioning: %s, or create a new volume.' % volume.provisioning)
    actions = []
    if want.get('size') is not None and want['size'] != volume.size:
        if want['size'] < volume.size:
            raise InvalidRequest('shrink', 'volume %s' % name, 'it has %s and %s is smaller; a volume can only grow'
                                 % (m.format_size(volume.size), m.format_size(want['size'])),
                                 'Set size to %s or more.' % m.format_size(volume.size))
        actions.append(Action('grow volume', name, CREATE_OR_MODIFY, {'name': name, 'size': want['size']}))
    space = (state.snap_spaces or {}).get(name) or m.SnapSpace(name)
    differs = ((want.get('snap_cpg') and want['snap_cpg'] != space.snap_cpg)
               or (want.get('snap_size') is not None and want['snap_size'] != space.snap_size)
               or (want.get('snap_percent') is not None and want['snap_percent'] != space.snap_percent))
    if differs:
        if want.get('snap_cpg') and want['snap_cpg'] != space.snap_cpg:
            _require_pool(want['snap_cpg'], state, 'snap_cpg', name)
        if not want.get('snap_cpg') and not space.snap_cpg:
            raise InvalidRequest('set the snapshot space of', 'volume %s' % name, 'it has no snapshot space yet and snap_cpg is not given',
                                 'Set snap_cpg to the CPG that holds its snapshot data.')
        actions.append(Action('set snapshot space', name, CREATE_OR_MODIFY, {'name': name, 'goal': _snap_goal(want)}))
    return actions


def _dependants(name, state):
    """Copies of ``name``, deepest first (a snapshot of a snapshot goes before its source)."""
    ordered = []
    for copy in state.copies_of(name):
        ordered.extend(_dependants(copy.target, state))
        ordered.append(copy)
    return ordered


def _delete_volume(volume, force, state):
    name = volume.name
    if volume.copy_of:
        raise InvalidRequest('delete', 'volume %s' % name, 'it is a copy of %s' % volume.copy_of,
                             'Delete copies with smis.threepar.threepar_snapshot (state: absent).')
    dependants = _dependants(name, state)
    if dependants and not force:
        raise InUse('delete', 'volume %s' % name, 'it has %d cop%s: %s' % (
            len(dependants), 'y' if len(dependants) == 1 else 'ies', ', '.join(c.target for c in dependants)),
            'Delete the copies first (threepar_snapshot state: absent), or set force: true to delete its snapshots '
            'and detach its physical copies.')
    actions = []
    for copy in dependants:
        if copy.kind == 'physical' and copy.sync_state == m.SS_FROZEN:
            # A complete physical copy holds the data on its own: keep it as an independent volume.
            actions.append(_modify(copy, m.OP_DETACH, 'detach copy'))
            continue
        if copy.kind == 'physical' and copy.sync_state in m.SYNC_STATES_IN_TRANSIT:
            actions.append(_modify(copy, m.OP_STOP_COPY, 'stop copy'))
        actions.append(Action('delete copy', copy.target, RETURN_TO_POOL, {'name': copy.target}))
    actions.append(Action('delete volume', name, RETURN_TO_POOL, {'name': name}))
    return actions


# ---------------------------------------------------------------- copies

def _modify(copy, operation, label):
    return Action(label, copy.target, MODIFY_SYNC, {'source': copy.source, 'name': copy.target, 'operation': operation})


def _wait(copy):
    return Action('wait for copy', copy.target, None, {'source': copy.source, 'name': copy.target})


def _obj(want):
    return '%s copy %s of %s' % (want['type'], want['name'], want['source'])


def validate_copy(want):
    """Checks that need no array: state/type pairs and options that belong to one kind."""
    kind, state = want['type'], want['state']
    if STATE_KINDS.get(state, kind) != kind:
        raise InvalidRequest('converge', _obj(want), 'state %s applies to %s copies only' % (state, STATE_KINDS[state]),
                             'Use type: %s, or another state.' % STATE_KINDS[state])
    if kind == 'virtual' and want.get('target_cpg'):
        raise InvalidRequest('converge', _obj(want), 'target_cpg applies to physical copies only (a snapshot lives in '
                             "its source's snapshot space)", 'Remove target_cpg, or set snap_cpg on the source volume.')
    if kind == 'physical' and want.get('read_only') is not None:
        raise InvalidRequest('converge', _obj(want), 'read_only applies to virtual copies only', 'Remove read_only.')
    if want.get('update_space') and (kind != 'virtual' or want.get('max_age') is None):
        raise InvalidRequest('converge', _obj(want), 'update_space chooses how a stale virtual copy is refreshed '
                             '(UpdateDeltaSnapshotSpace instead of Resync) and needs max_age',
                             'Set type: virtual and max_age, or remove update_space.')


def copy_reads(wants, state):
    """Classes to read beyond volumes and copies: only what creating a missing copy needs."""
    reads = set()
    for want in wants:
        if want['state'] not in ('present', 'detached') or state.copy_to(want['name']) or want['name'] in state.volumes:
            continue
        if want['type'] == 'virtual':
            reads.add('snap_spaces')
        else:
            reads.add('pools')
            if not want.get('target_cpg'):
                reads.add('allocations')
    return reads


def plan_copies(wants, state, now):
    names = [w['name'] for w in wants]
    duplicates = sorted(set(n for n in names if names.count(n) > 1))
    if duplicates:
        raise InvalidRequest('converge', 'copies', '%s named more than once' % ', '.join(duplicates), 'Name each copy once.')
    actions = []
    for want in wants:
        actions.extend(plan_copy(want, state, now))
    return actions


def plan_copy(want, state, now):
    """want: source, name, type, state, max_age (seconds), target_cpg, read_only, update_space."""
    validate_copy(want)
    copy = state.copy_to(want['name'])
    if copy is not None and copy.source != want['source']:
        raise InvalidRequest('converge', _obj(want), '%s is a copy of %s, not of %s' % (want['name'], copy.source, want['source']),
                             'Check source and name.')
    if copy is None:
        return _plan_without_association(want, state)
    if copy.kind != want['type']:
        raise InvalidRequest('converge', _obj(want), 'it exists as a %s copy; the type of a copy cannot change' % copy.kind,
                             'Set type: %s, or delete it (state: absent) and create it again.' % copy.kind)
    volume = state.volumes.get(want['name'])
    if want.get('read_only') is not None and volume is not None and volume.read_only != want['read_only'] \
            and want['state'] != 'absent':
        raise InvalidRequest('change', 'read_only of %s' % _obj(want), 'it is %s; a snapshot is read-only or read-write from creation'
                             % ('read-only' if volume.read_only else 'read-write'),
                             'Set read_only: %s, or delete it (state: absent) and create it again.' % str(volume.read_only).lower())
    if copy.sync_state == m.SS_BROKEN:
        return _plan_broken(want, copy)
    if copy.sync_state in m.SYNC_STATES_IN_TRANSIT:
        return _plan_in_transit(want, copy)
    return _plan_settled(want, copy, now)


def _plan_without_association(want, state):
    name, source, kind = want['name'], want['source'], want['type']
    volume = state.volumes.get(name)
    if volume is not None:
        if want['state'] == 'detached' or (want['state'] == 'present' and kind == 'physical' and volume.copy_of == source):
            return []    # a promoted physical copy, or one the array no longer associates (UnSyncUnAssoc after the copy)
        if want['state'] == 'absent' and volume.copy_of == source:
            return [Action('delete copy', name, RETURN_TO_POOL, {'name': name})]
        raise InvalidRequest('converge', _obj(want), 'a volume named %s exists and is not a copy of %s' % (name, source),
                             'Choose another name, or manage %s with smis.threepar.threepar_volume.' % name)
    if want['state'] == 'absent':
        return []
    if want['state'] in ('restored', 'halted'):
        raise NotFound('converge', _obj(want), 'the copy does not exist, so it cannot be %s' % want['state'],
                       'Create it first with state: present.')
    source_volume = state.volumes.get(source)
    if source_volume is None:
        raise NotFound('create', _obj(want), 'source volume %s does not exist' % source, 'Check source, or create the volume first.')
    if kind == 'virtual':
        space = (state.snap_spaces or {}).get(source)
        if space is None or not space.snap_cpg:
            raise InvalidRequest('create', _obj(want), 'volume %s has no snapshot space (SA/SD)' % source,
                                 'Set snap_cpg on it with smis.threepar.threepar_volume first.')
        args = {'source': source, 'name': name, 'copy_type': m.COPY_TYPE_VIRTUAL, 'read_only': bool(want.get('read_only'))}
        return [Action('create virtual copy', name, CREATE_REPLICA, args)]
    pool = want.get('target_cpg') or source_volume.cpg
    if not pool or pool not in (state.pools or {}):
        raise NotFound('create', _obj(want), 'target CPG %s does not exist on the array' % pool,
                       'Set target_cpg to an existing CPG (%s).' % ', '.join(sorted(state.pools or {})))
    actions = [Action('create physical copy', name, CREATE_REPLICA,
                      {'source': source, 'name': name, 'copy_type': m.COPY_TYPE_PHYSICAL, 'pool': pool})]
    if want['state'] == 'detached':
        actions.append(Action('detach copy', name, MODIFY_SYNC, {'source': source, 'name': name, 'operation': m.OP_DETACH}))
    return actions


def _plan_broken(want, copy):
    if want['state'] == 'absent':
        return [Action('delete copy', copy.target, RETURN_TO_POOL, {'name': copy.target})]
    if want['state'] == 'halted':
        return []    # a halted physical copy is Broken: that is the end state asked for
    raise CopyBroken('converge', _obj(want), 'it is Broken (a create, resync, copy or restore failed) and the array refuses to resync it',
                     'Delete it (state: absent) and create it again.', sync_state='Broken')


def _plan_in_transit(want, copy):
    """Initialized, ResyncInProgress, CopyInProgress, RestoreInProgress: the array is already on its way."""
    state = want['state']
    if state == 'halted':
        if copy.sync_state == m.SS_RESTORE_IN_PROGRESS:
            return [_wait(copy)]
        return [_modify(copy, m.OP_STOP_COPY, 'stop copy')]
    if state == 'absent':
        if copy.kind == 'physical' and copy.sync_state != m.SS_RESTORE_IN_PROGRESS:
            return [_modify(copy, m.OP_STOP_COPY, 'stop copy'), Action('delete copy', copy.target, RETURN_TO_POOL, {'name': copy.target})]
        return [_wait(copy), Action('delete copy', copy.target, RETURN_TO_POOL, {'name': copy.target})]
    if state == 'restored' and copy.sync_state != m.SS_RESTORE_IN_PROGRESS:
        return [_wait(copy), _modify(copy, m.OP_RESTORE, 'restore copy')]
    if state == 'detached':
        return [_wait(copy), _modify(copy, m.OP_DETACH, 'detach copy')]
    return [_wait(copy)]


def is_stale(copy, max_age, now):
    if max_age is None:
        return False
    return copy.when_synced is None or (now - copy.when_synced).total_seconds() > max_age


def _plan_settled(want, copy, now):
    """Idle (snapshot), Frozen (physical copy), Synchronized (snapshot right after a restore)."""
    state = want['state']
    if state == 'absent':
        return [Action('delete copy', copy.target, RETURN_TO_POOL, {'name': copy.target})]
    if state == 'restored':
        return [] if copy.sync_state == m.SS_SYNCHRONIZED else [_modify(copy, m.OP_RESTORE, 'restore copy')]
    if state == 'detached':
        return [_modify(copy, m.OP_DETACH, 'detach copy')]
    if state == 'halted':
        return []    # not copying: nothing to halt
    if not is_stale(copy, want.get('max_age'), now):
        return []
    if want.get('update_space'):
        return [Action('update snapshot space', copy.target, UPDATE_SPACE, {'name': copy.target})]
    return [_modify(copy, m.OP_RESYNC, 'resync copy')]
