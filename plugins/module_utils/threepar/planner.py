# -*- coding: utf-8 -*-
# Copyright: smis.threepar contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Desired state + current state (model.ArrayState) -> a Plan: the ordered Actions and the before/after they imply. Pure: no I/O, no clock
(the caller passes ``now``). Every refusal is raised here, before anything is invoked, so that a bad
request changes nothing on the array."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

from ansible_collections.smis.threepar.plugins.module_utils.threepar import model
from ansible_collections.smis.threepar.plugins.module_utils.threepar import snapshot_timers
from ansible_collections.smis.threepar.plugins.module_utils.threepar.action import (
    CREATE_PHYSICAL_COPY, CREATE_TARGET_VOLUME, CREATE_VIRTUAL_COPY, CREATE_VOLUME, DELETE_COPY, DELETE_VOLUME, DETACH_COPY, GROW_VOLUME,
    RECOUNT, RESTORE_COPY, RESYNC_COPY, SET_SNAPSHOT_SPACE, STOP_COPY, WAIT_FOR_COPY, Action, Plan, verb_and_object)
from ansible_collections.smis.threepar.plugins.module_utils.threepar.errors import (
    CopyBroken, InUse, InvalidRequest, NotFound, Unsupported)
from ansible_collections.smis.threepar.plugins.module_utils.threepar.model import (
    ATTACH_REPLICA, CREATE_OR_MODIFY, CREATE_REPLICA, MODIFY_SYNC, RETURN_TO_POOL, UPDATE_SPACE)

# End states that only make sense for one kind of copy (seed 003).
STATE_KINDS = {'restored': 'virtual', 'detached': 'physical', 'halted': 'physical'}


# ---------------------------------------------------------------- volumes

def plan_volume(want, state):
    """want: name, state, cpg, size (bytes, as the array allocates it: model.allocated_size), provisioning, snap_cpg,
    snap_size (bytes), snap_percent, force. The Plan's before/after are volume_diff_view()s."""
    volume = state.volumes.get(want['name'])
    if want['state'] == 'absent':
        actions = [] if volume is None else _delete_volume(volume, want.get('force'), state)
    elif volume is None:
        actions = _create_volume(want, state)
    else:
        actions = _update_volume(want, volume, state)
    before = volume_diff_view(volume, (state.snap_spaces or {}).get(want['name']))
    return Plan(actions, before, _volume_after(want, before) if actions else before)


def volume_diff_view(volume, space):
    """What --diff shows of a volume ({} when it does not exist)."""
    if volume is None:
        return {}
    view = model.volume_view(volume, space or model.SnapSpace(volume.name))
    return dict((k, view.get(k)) for k in ('name', 'size', 'provisioning', 'cpg', 'snap_cpg', 'snap_size', 'snap_percent'))


def _volume_after(want, before):
    if want['state'] == 'absent':
        return {}
    after = dict(before) if before else {'name': want['name'], 'provisioning': want.get('provisioning') or 'thin',
                                         'snap_cpg': None, 'snap_size': None, 'snap_percent': None}
    for key in ('cpg', 'snap_cpg', 'snap_percent'):
        if want.get(key) is not None:
            after[key] = want[key]
    for key in ('size', 'snap_size'):
        if want.get(key) is not None:
            after[key] = model.format_size(want[key])
    return after


def volume_reads(want, state):
    """The extra classes the volume plan needs beyond volumes, allocations and snapshot spaces."""
    volume = state.volumes.get(want['name'])
    if want['state'] == 'absent':
        return {'copies'} if volume is not None else set()
    current_snap_cpg = (state.snap_spaces or {}).get(want['name'], model.SnapSpace(want['name'])).snap_cpg
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


def validate_volume_name(name, kind='volume'):
    """Refuse a name the array would refuse for a new volume or volume set (needs no array: checked before any request)."""
    problem = model.name_problem(name)
    if problem:
        raise InvalidRequest('create', '%s %s' % (kind, name), 'the array would refuse the name: %s' % problem,
                             'Choose a name of at most %d letters, digits, ".", "-" or "_".' % model.NAME_MAX_LENGTH)


def _create_volume(want, state):
    name = want['name']
    missing = [k for k in ('cpg', 'size') if not want.get(k)]
    if missing:
        raise InvalidRequest('create', 'volume %s' % name, 'it does not exist, and creating it needs %s' % ' and '.join(missing),
                             'Set cpg and size to create it.')
    validate_volume_name(name)
    if want['size'] > model.MAX_VOLUME_SIZE:
        raise InvalidRequest('create', 'volume %s' % name, 'size %s is above the largest volume the array makes (%s)'
                             % (model.format_size(want['size']), model.format_size(model.MAX_VOLUME_SIZE)), 'Set size to 16TiB or less.')
    _require_pool(want['cpg'], state, 'cpg', name)
    if want.get('snap_cpg'):
        _require_pool(want['snap_cpg'], state, 'snap_cpg', name)
    args = {'name': name, 'pool': want['cpg'], 'size': want['size'],
            'element_type': model.ELEMENT_TYPE_BY_PROVISIONING[want.get('provisioning') or 'thin'], 'goal': _snap_goal(want)}
    return [Action(CREATE_VOLUME, name, CREATE_OR_MODIFY, args)]


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
                                 % (model.format_size(volume.size), model.format_size(want['size'])),
                                 'Set size to %s or more.' % model.format_size(volume.size))
        if want['size'] > model.MAX_VOLUME_SIZE:
            raise InvalidRequest('grow', 'volume %s' % name, 'size %s is above the largest volume the array makes (%s)'
                                 % (model.format_size(want['size']), model.format_size(model.MAX_VOLUME_SIZE)), 'Set size to 16TiB or less.')
        actions.append(Action(GROW_VOLUME, name, CREATE_OR_MODIFY, {'name': name, 'size': want['size']}))
    space = (state.snap_spaces or {}).get(name) or model.SnapSpace(name)
    differs = ((want.get('snap_cpg') and want['snap_cpg'] != space.snap_cpg)
               or (want.get('snap_size') is not None and want['snap_size'] != space.snap_size)
               or (want.get('snap_percent') is not None and want['snap_percent'] != space.snap_percent))
    if differs:
        if want.get('snap_cpg') and want['snap_cpg'] != space.snap_cpg:
            _require_pool(want['snap_cpg'], state, 'snap_cpg', name)
        if not want.get('snap_cpg') and not space.snap_cpg:
            raise InvalidRequest('set the snapshot space of', 'volume %s' % name, 'it has no snapshot space yet and snap_cpg is not given',
                                 'Set snap_cpg to the CPG that holds its snapshot data.')
        actions.append(Action(SET_SNAPSHOT_SPACE, name, CREATE_OR_MODIFY, {'name': name, 'goal': _snap_goal(want)}))
    return actions


def _dependants(name, state):
    """What must go before ``name`` can: physical copies first (a detached one keeps its data and its own snapshots;
    with a resyncable one goes the resync snapshot the array keeps for it), then snapshots, deepest first."""
    physical, virtual = [], []
    for copy in state.copies_of(name):
        if copy.kind == 'physical':
            if not (copy.resyncable and copy.sync_state == model.SS_FROZEN):
                virtual.extend(_dependants(copy.target, state))
            physical.append(copy)
        else:
            virtual.extend(_dependants(copy.target, state))
            virtual.append(copy)
    return physical + virtual


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
        if copy.resyncable and copy.sync_state == model.SS_FROZEN:
            # A complete physical copy holds the data on its own: keep it as an independent volume.
            actions.append(_modify(copy, model.OP_DETACH, DETACH_COPY))
            continue
        if copy.kind == 'physical' and copy.sync_state in model.SYNC_STATES_IN_TRANSIT:
            actions.append(_modify(copy, model.OP_STOP_COPY, STOP_COPY))
        actions.append(delete_copy(copy))
    actions.append(Action(DELETE_VOLUME, name, RETURN_TO_POOL, {'name': name}))
    return actions


# ---------------------------------------------------------------- copies

def _modify(copy, code, operation):
    return Action(operation, copy.target, MODIFY_SYNC, {'source': copy.source, 'name': copy.target, 'operation': code,
                                                        'resyncable': copy.resyncable, 'virtual': copy.kind == 'virtual'})


def _wait(copy):
    return Action(WAIT_FOR_COPY, copy.target, None, {'source': copy.source, 'name': copy.target})


def synchronization_type(action):
    """The SupportedSynchronizationType a copy-creating action needs, or None for any other action."""
    if action.method == CREATE_REPLICA:
        return model.SYNC_TYPE_UNSYNC_ASSOC_DELTA
    if action.method == ATTACH_REPLICA:
        return model.SYNC_TYPE_UNSYNC_ASSOC_FULL if action.args['copy_type'] == model.COPY_TYPE_UNSYNC_ASSOC else model.SYNC_TYPE_UNSYNC_UNASSOC
    return None


def check_supported(actions, supported):
    """Refuse a plan whose copies the provider cannot make (``supported``: its SupportedSynchronizationType values)."""
    for action in actions:
        needed = synchronization_type(action)
        if needed is not None and needed not in supported:
            offered = ', '.join(model.decode(model.SYNCHRONIZATION_TYPE, t) for t in sorted(supported))
            raise Unsupported('create', '%s %s' % (verb_and_object(action.operation)[1], action.target),
                              'the SMI-S provider does not make %s copies (its %s lists %s)'
                              % (model.SYNCHRONIZATION_TYPE[needed], model.REPLICATION_CAPABILITIES, offered),
                              'Nothing was changed; make the copy with the 3PAR CLI (createsv, createvvcopy).')


def delete_copy(copy):
    """``virtual``: the target is a snapshot (its delete may go beside others, executor.segments)."""
    return Action(DELETE_COPY, copy.target, RETURN_TO_POOL, {'name': copy.target, 'virtual': copy.kind == 'virtual'})


def _obj(want):
    return '%s copy %s of %s' % (want['type'], want['name'], want['source'])


def _resyncable(want):
    return want['type'] == 'physical' and want.get('resyncable') is not False


def validate_copy(want):
    """Checks that need no array: state/type pairs, options that belong to one kind, names, the restore guard."""
    kind, state = want['type'], want['state']
    if STATE_KINDS.get(state, kind) != kind:
        raise InvalidRequest('converge', _obj(want), 'state %s applies to %s copies only' % (state, STATE_KINDS[state]),
                             'Use type: %s, or another state.' % STATE_KINDS[state])
    problem = model.name_problem(want['name'])
    if problem:
        raise InvalidRequest('converge', _obj(want), 'the name %r cannot be a volume name: %s' % (want['name'], problem),
                             'Choose a name of at most %d letters, digits, ".", "-" or "_".' % model.NAME_MAX_LENGTH)
    if kind == 'virtual':
        for option in ('target_cpg', 'target_provisioning', 'resyncable'):
            if want.get(option) is not None:
                raise InvalidRequest('converge', _obj(want), '%s applies to physical copies only (a snapshot lives in '
                                     "its source's snapshot space)" % option, 'Remove %s.' % option)
    else:
        for option in ('read_only', 'restore_point', 'expire', 'retain'):
            if want.get(option) is not None:
                raise InvalidRequest('converge', _obj(want), '%s applies to virtual copies only' % option, 'Remove %s.' % option)
        if want.get('update_space'):
            raise InvalidRequest('converge', _obj(want), 'update_space recounts the space used by snapshots (virtual copies)',
                                 'Remove update_space.')
        if want.get('max_age') is not None and not _resyncable(want):
            raise InvalidRequest('converge', _obj(want), 'max_age refreshes a copy by Resync, which a one-shot copy '
                                 '(resyncable: false) does not have', 'Remove max_age, or set resyncable: true.')
    if state == 'restored' and want.get('restore_point') is None:
        raise InvalidRequest('converge', _obj(want), 'state restored needs restore_point, the point in time (when_synced) '
                             'of the snapshot to promote; without it every later run would promote the snapshot again',
                             "Set restore_point to the snapshot's when_synced as threepar_snapshot or threepar_info return it.")
    if want.get('restore_point') is not None and state != 'restored':
        raise InvalidRequest('converge', _obj(want), 'restore_point applies to state restored only', 'Remove restore_point.')


def copy_reads(wants, state):
    """Classes to read beyond volumes and copies: only what creating a missing copy needs."""
    reads = set()
    for want in wants:
        if want['state'] not in ('present', 'detached') or state.copy_to(want['name']) or want['name'] in state.volumes:
            continue
        if (want['type'] == 'virtual' or _resyncable(want)) and not _has_snapshots(want['source'], state):
            reads.add('snap_spaces')    # a snapshot, and the resync snapshot of a resyncable clone, need SA/SD space
        if want['type'] == 'physical':
            reads.add('pools')
            if not want.get('target_cpg'):
                reads.add('allocations')
    return reads


def _has_snapshots(source, state):
    """Whether ``source`` has a virtual copy: one lives in its source's snapshot space (seed 000), so the source has
    SA/SD space without reading it."""
    return any(c.kind == 'virtual' for c in state.copies_of(source))


def copy_detail_reads(wants, state):
    """Volumes whose size, provisioning and OperationalStatus the plan needs (one GetInstance each, only for the
    copies that need it): the sources of physical copies to create, and named targets with no association."""
    names = set()
    for want in wants:
        if want['type'] != 'physical' or state.copy_to(want['name']) is not None:
            continue
        if want['name'] in state.volumes:
            names.add(want['name'])
        elif want['state'] in ('present', 'detached') and want['source'] in state.volumes:
            names.add(want['source'])
    return names


def plan_copies(wants, state, now):
    """The actions for all the copies of a task; before/after: copy name -> copy_diff_view."""
    names = [w['name'] for w in wants]
    duplicates = sorted(set(n for n in names if names.count(n) > 1))
    if duplicates:
        raise InvalidRequest('converge', 'copies', '%s named more than once' % ', '.join(duplicates), 'Name each copy once.')
    actions = []
    for want in wants:
        actions.extend(plan_copy(want, state, now))
    recount = [w['name'] for w in wants if w.get('update_space') and w['state'] != 'absent']
    if recount:
        # After everything else: the recount sees the snapshots this task created or refreshed.
        actions.append(Action(RECOUNT, ', '.join(recount), UPDATE_SPACE, {'names': recount}))
    before = dict((w['name'], copy_diff_view(copy_view(state, w, now))) for w in wants)
    after = dict((w['name'], _copy_after(w, before[w['name']], actions)) for w in wants)
    return Plan(actions, before, after)


def copy_view(state, want, now=None):
    """The copy a task names, as the module reports it ({} when there is none)."""
    copy = state.copy_to(want['name'])
    volume = state.volumes.get(want['name'])
    if copy is not None:
        view = model.copy_view(copy, volume)
    elif volume is not None:
        # No association: an independent volume now (a finished one-shot copy, a detached or a halted copy).
        view = {'source': want['source'], 'name': volume.name, 'type': want['type'], 'detached': True, 'copy_of': volume.copy_of,
                'sync_state': None}
    else:
        return {}
    if want['state'] == 'restored' and copy is not None:
        view['restore_point'] = want['restore_point'][0].isoformat()
    if state.timers is not None and copy is not None and copy.kind == 'virtual':
        view.update(snapshot_timers.view(state.timers.get(want['name']), now))
    return view


def copy_diff_view(view):
    """What --diff shows of a copy_view."""
    keys = ('source', 'name', 'type', 'resyncable', 'sync_state', 'when_synced', 'read_only', 'detached', 'expires', 'retained_until')
    return dict((k, view[k]) for k in keys if k in view)


# What a copy shows once the steps planned for it are done, by the last step that changes it. Absent: no key.
AFTER_STEP = {
    CREATE_VIRTUAL_COPY: {'sync_state': 'Idle', 'when_synced': '(new point in time)', 'read_only': False},
    RESYNC_COPY: {'when_synced': '(new point in time)'},
    RESTORE_COPY: {'sync_state': 'Idle', 'when_synced': '(time the promote completes)'},
    DETACH_COPY: {'sync_state': None, 'detached': True},
    STOP_COPY: {'sync_state': None, 'detached': True},
}


def _copy_after(want, before, actions):
    """The copy once the planned steps are done, from the steps themselves."""
    mine = [a for a in actions if a.target == want['name'] and a.method]
    if not mine and not any(a.target == want['name'] for a in actions):
        return before
    if want['state'] == 'absent':
        return {} if mine else before
    after = dict(before) if before else {'source': want['source'], 'name': want['name'], 'type': want['type']}
    for action in mine:
        if action.operation == CREATE_PHYSICAL_COPY and action.args['copy_type'] == model.COPY_TYPE_UNSYNC_ASSOC:
            after.update(resyncable=True, when_synced='(time the copy completes)', sync_state='Frozen', read_only=False)
        elif action.operation == CREATE_PHYSICAL_COPY:
            after.update(sync_state=None, detached=True)   # one-shot: the association goes when the copy ends
        else:
            after.update(AFTER_STEP.get(action.operation, {}))
    if want['state'] == 'halted' and any(a.operation == WAIT_FOR_COPY for a in actions if a.target == want['name']):
        after.update(AFTER_STEP[STOP_COPY])
    return dict((k, v) for k, v in after.items() if v is not None or k == 'sync_state')


def plan_copy(want, state, now):
    """want: source, name, type, state, max_age (seconds), target_cpg, target_provisioning, resyncable, read_only,
    restore_point ((datetime, has fraction)), update_space."""
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
    if copy.kind == 'physical' and want['state'] == 'present' and copy.resyncable != _resyncable(want):
        kind = 'a resyncable' if copy.resyncable else 'a one-shot'
        raise InvalidRequest('converge', _obj(want), 'it exists as %s physical copy; that cannot change' % kind,
                             'Set resyncable: %s, or delete it (state: absent) and create it again.' % str(copy.resyncable).lower())
    volume = state.volumes.get(want['name'])
    if want.get('read_only') is not None and volume is not None and volume.read_only != want['read_only'] \
            and want['state'] != 'absent':
        raise InvalidRequest('change', 'read_only of %s' % _obj(want), 'it is %s; a snapshot is read-only or read-write from creation'
                             % ('read-only' if volume.read_only else 'read-write'),
                             'Set read_only: %s, or delete it (state: absent) and create it again.' % str(volume.read_only).lower())
    if copy.sync_state == model.SS_BROKEN:
        return _plan_broken(want, copy)
    if copy.sync_state in model.SYNC_STATES_IN_TRANSIT:
        return _plan_in_transit(want, copy)
    return _plan_settled(want, copy, now)


def _independent_volume(want, volume):
    """A volume named like the copy, with no association to the source: what the array shows after a one-shot copy
    finished, a Detach or a Stop Copy (and after an interrupted earlier run). The array keeps no mark of which."""
    name, state = want['name'], want['state']
    if volume.copy_of and volume.copy_of != want['source']:
        raise InvalidRequest('converge', _obj(want), 'a volume named %s exists and is a copy of %s' % (name, volume.copy_of),
                             'Choose another name, or check source.')
    if want['type'] == 'virtual':
        raise InvalidRequest('converge', _obj(want), 'a volume named %s exists and is not a snapshot of %s' % (name, want['source']),
                             'Choose another name, or manage %s with smis.threepar.threepar_volume.' % name)
    if state in ('detached', 'halted'):
        return []
    if state == 'absent':
        raise InvalidRequest('delete', _obj(want), '%s is an independent volume now (a finished one-shot copy, a detached or a '
                             'halted copy, or another volume): the array no longer shows it as a copy of %s' % (name, want['source']),
                             'Delete it with smis.threepar.threepar_volume (state: absent) if it is no longer needed.')
    if model.OS_ERROR in volume.operational_status:
        raise InvalidRequest('converge', _obj(want), '%s exists but its data is incomplete (the copy into it was halted or failed)'
                             % name, 'Delete it with smis.threepar.threepar_volume (state: absent) and run the task again.')
    if _resyncable(want):
        raise InvalidRequest('converge', _obj(want), '%s exists as an independent volume, not as a resyncable copy of %s (a '
                             'detached or one-shot copy, or an earlier run interrupted before the copy started)' % (name, want['source']),
                             'Set resyncable: false to keep it as it is, or delete it with smis.threepar.threepar_volume and run again.')
    return []    # a finished one-shot copy: present


def _plan_without_association(want, state):
    name, source, kind = want['name'], want['source'], want['type']
    volume = state.volumes.get(name)
    if volume is not None:
        return _independent_volume(want, volume)
    if want['state'] == 'absent':
        return []
    if want['state'] in ('restored', 'halted'):
        raise NotFound('converge', _obj(want), 'the copy does not exist, so it cannot be %s' % want['state'],
                       'Create it first with state: present.')
    source_volume = state.volumes.get(source)
    if source_volume is None:
        raise NotFound('create', _obj(want), 'source volume %s does not exist' % source, 'Check source, or create the volume first.')
    if source_volume.copy_of:
        raise InvalidRequest('create', _obj(want), '%s is itself a copy of %s; copies are made of base volumes'
                             % (source, source_volume.copy_of), 'Set source to a base volume.')
    one_shot = want['state'] == 'detached' or not _resyncable(want)
    if kind == 'virtual' or not one_shot:
        space = (state.snap_spaces or {}).get(source)
        if (space is None or not space.snap_cpg) and not _has_snapshots(source, state):
            needs = 'a snapshot' if kind == 'virtual' else 'the resync snapshot a resyncable physical copy keeps'
            raise InvalidRequest('create', _obj(want), 'volume %s has no snapshot space (SA/SD) for %s' % (source, needs),
                                 'Set snap_cpg on it with smis.threepar.threepar_volume first'
                                 + ('.' if kind == 'virtual' else ', or set resyncable: false for a one-shot copy.'))
    if kind == 'virtual':
        if want.get('read_only'):
            raise Unsupported('create', _obj(want), "the array's SMI-S provider cannot make a read-only snapshot (CreateReplica's "
                              'TargetSettingGoal takes only BaseID); nothing was changed',
                              'Create it with the 3PAR CLI (createsv -ro %s %s), or remove read_only.' % (name, source))
        args = {'source': source, 'name': name, 'copy_type': model.COPY_TYPE_VIRTUAL}
        return [Action(CREATE_VIRTUAL_COPY, name, CREATE_REPLICA, args)]
    pool = want.get('target_cpg') or source_volume.cpg
    if not pool or pool not in (state.pools or {}):
        raise NotFound('create', _obj(want), 'target CPG %s does not exist on the array' % pool,
                       'Set target_cpg to an existing CPG (%s).' % ', '.join(sorted(state.pools or {})))
    provisioning = want.get('target_provisioning') or source_volume.provisioning
    copy_type = model.COPY_TYPE_UNSYNC_UNASSOC if one_shot else model.COPY_TYPE_UNSYNC_ASSOC
    # The array copies into an existing volume of the source's size (AttachReplica): create it first.
    target = {'name': name, 'pool': pool, 'size': source_volume.size, 'element_type': model.ELEMENT_TYPE_BY_PROVISIONING[provisioning],
              'goal': {}, 'copy_target': True}
    return [Action(CREATE_TARGET_VOLUME, name, CREATE_OR_MODIFY, target),
            Action(CREATE_PHYSICAL_COPY, name, ATTACH_REPLICA, {'source': source, 'name': name, 'copy_type': copy_type})]


def _plan_broken(want, copy):
    if want['state'] == 'absent':
        return [delete_copy(copy)]
    if want['state'] == 'halted':
        return []    # a copy that failed is not copying: nothing to halt
    raise CopyBroken('converge', _obj(want), 'it is Broken (a create, resync, copy or restore failed) and the array refuses to resync it',
                     'Delete it (state: absent) and create it again.', sync_state='Broken')


def _plan_in_transit(want, copy):
    """Initialized, ResyncInProgress, CopyInProgress, RestoreInProgress: the array is already on its way."""
    state = want['state']
    restoring = copy.sync_state == model.SS_RESTORE_IN_PROGRESS
    if state == 'halted':
        return [_wait(copy)] if restoring else [_modify(copy, model.OP_STOP_COPY, STOP_COPY)]
    if state == 'absent':
        if copy.kind == 'physical' and not restoring:
            return [_modify(copy, model.OP_STOP_COPY, STOP_COPY), delete_copy(copy)]
        return [_wait(copy), delete_copy(copy)]
    if state == 'restored':
        # A promote under way is the one asked for, or another run's: never promote twice.
        return [_wait(copy)]
    if state == 'detached' and copy.resyncable:
        return [_wait(copy), _modify(copy, model.OP_DETACH, DETACH_COPY)]
    return [_wait(copy)]    # a one-shot copy is independent by itself once copied


def is_stale(copy, max_age, now):
    if max_age is None:
        return False
    return copy.when_synced is None or (now - copy.when_synced).total_seconds() > max_age


def restore_is_due(want, copy):
    """The restore guard: promote only while the snapshot still holds the point in time the task names. A promote
    moves WhenSynced to its completion time (Table 57), as does a Resync: after either, a re-run promotes nothing."""
    return model.same_point_in_time(copy.when_synced, want['restore_point'])


def _plan_settled(want, copy, now):
    """Idle (snapshot), Frozen (physical copy), Synchronized (accepted as settled)."""
    state = want['state']
    if state == 'absent':
        return [delete_copy(copy)]
    if state == 'restored':
        return [_modify(copy, model.OP_RESTORE, RESTORE_COPY)] if restore_is_due(want, copy) else []
    if state == 'detached':
        return [_modify(copy, model.OP_DETACH, DETACH_COPY)]
    if state == 'halted':
        return []    # not copying: nothing to halt
    if not is_stale(copy, want.get('max_age'), now):
        return []
    return [_modify(copy, model.OP_RESYNC, RESYNC_COPY)]
