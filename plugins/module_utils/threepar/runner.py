# -*- coding: utf-8 -*-
# Copyright: smis.threepar contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""What each module does, from its parameters to its result: read (inventory), plan (planner), perform (executor),
report (views, actions, diff). Modules call ``run_*`` and turn a ThreeparError into fail_json; nothing else."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

from datetime import datetime, timezone

try:
    import jmespath
    HAS_JMESPATH = True
except ImportError:
    HAS_JMESPATH = False

from ansible_collections.smis.threepar.plugins.module_utils.threepar import model
from ansible_collections.smis.threepar.plugins.module_utils.threepar import planner
from ansible_collections.smis.threepar.plugins.module_utils.threepar import group_snapshots
from ansible_collections.smis.threepar.plugins.module_utils.threepar import indications
from ansible_collections.smis.threepar.plugins.module_utils.threepar import snapshot_timers
from ansible_collections.smis.threepar.plugins.module_utils.threepar import volume_sets
from ansible_collections.smis.threepar.plugins.module_utils.threepar.action import changes
from ansible_collections.smis.threepar.plugins.module_utils.threepar.cleanup import Cleanup
from ansible_collections.smis.threepar.plugins.module_utils.threepar.client import Client
from ansible_collections.smis.threepar.plugins.module_utils.threepar.errors import InvalidRequest, ThreeparError
from ansible_collections.smis.threepar.plugins.module_utils.threepar.executor import Executor
from ansible_collections.smis.threepar.plugins.module_utils.threepar.inventory import COPY_VOLUME_PROPERTIES, Inventory
from ansible_collections.smis.threepar.plugins.module_utils.threepar.cli import HAS_PARAMIKO, CliClient
from ansible_collections.smis.threepar.plugins.module_utils.threepar.rcopy_inventory import group_view
from ansible_collections.smis.threepar.plugins.module_utils.threepar.rcopy_runner import rcopy_inventory, ssh_configured
from ansible_collections.smis.threepar.plugins.module_utils.threepar.waiter import Waiter

VOLUME_WAIT_TIMEOUT = 600
COPY_KEYS = ('source', 'name', 'type', 'state', 'max_age', 'target_cpg', 'target_provisioning', 'resyncable', 'read_only',
             'restore_point', 'update_space', 'expire', 'retain')


def _parse(parser, value, option, obj):
    if value is None:
        return None
    try:
        return parser(value)
    except ValueError as exc:
        raise InvalidRequest('read', '%s of %s' % (option, obj), str(exc), 'Fix %s in the task.' % option)


def _perform(module, client, inventory, actions, wait=True, wait_timeout=VOLUME_WAIT_TIMEOUT, parallel=1):
    """Check mode: the plan, nothing invoked. Otherwise the executed steps (with job ids); ``parallel``: connections
    for the steps that may go side by side (executor.segments). The last item is the clean-up under way (jobs to
    delete, indications to unsubscribe): join it once the result is read; None when there is none."""
    if module.check_mode or not actions:
        return [a.as_result() for a in actions], [], [], {}, None
    # Job indications (only for a plan that can start a job): the waiter wakes when the job ends.
    events = indications.subscribe_for_plan(module.params, client, actions, inventory.state) if wait else None
    executor = Executor(client, inventory, Waiter(events=events and events.events), wait=wait, wait_timeout=wait_timeout,
                        parallel=parallel)
    try:
        executor.run(actions)
    except BaseException as exc:
        if isinstance(exc, ThreeparError):
            exc.details.setdefault('actions', executor.done)
            exc.details.setdefault('changed', changes(executor.done))
        Cleanup(client, executor.finished_jobs, events).join()
        raise
    cleanup = Cleanup(client, executor.finished_jobs, events)
    return executor.done, executor.jobs_left, executor.warnings, executor.created, cleanup


def _finish(module, result, actions, before, after, warnings=()):
    result['changed'] = changes(actions)
    result['actions'] = actions
    if module._diff:  # pylint: disable=protected-access
        result['diff'] = {'before': before, 'after': after}
    for warning in warnings:
        module.warn(warning)
    return result


# ---------------------------------------------------------------- threepar_volume

def volume_want(params):
    """The desired volume; size as the array will allocate it (whole 256 MiB units), so that a size that needs rounding
    converges in one run and is unchanged after."""
    name = params['name']
    size = _parse(model.parse_size, params.get('size'), 'size', 'volume %s' % name)
    return {'name': name, 'state': params['state'], 'cpg': params.get('cpg'),
            'size': model.allocated_size(size) if size is not None else None,
            'provisioning': params.get('provisioning'), 'snap_cpg': params.get('snap_cpg'),
            'snap_size': _parse(lambda text: model.parse_size(text, allow_zero=True), params.get('snap_size'), 'snap_size', 'volume %s' % name),
            'snap_percent': params.get('snap_percent'), 'force': params.get('force')}


def run_volume(module, conn=None):
    want = volume_want(module.params)
    if want['snap_percent'] is not None and not 0 <= want['snap_percent'] <= 100:
        raise InvalidRequest('read', 'snap_percent of volume %s' % want['name'], '%s is not a percentage' % want['snap_percent'],
                             'Set snap_percent between 0 and 100.')
    if want['state'] == 'present':
        planner.validate_volume_name(want['name'])     # a volume of that name cannot exist: refused before any request
    client = Client(module.params, conn)
    inventory = Inventory(client)
    state = inventory.read('volumes', 'snap_spaces')
    state = inventory.read_allocations_of([want['name']])    # its CPG: one References, not the array's allocations
    state = inventory.read(*planner.volume_reads(want, state))
    plan = planner.plan_volume(want, state)
    done, dummy, warnings, dummy, cleanup = _perform(module, client, inventory, plan.actions)
    name = want['name']
    if module.check_mode or not plan.actions:
        after = plan.after
        volume = model.volume_view(state.volumes.get(name), state.snap_spaces.get(name)) if not plan.actions or want['state'] == 'present' else {}
    else:
        try:
            inventory.refresh('volumes', 'snap_spaces')
            state = inventory.read_allocations_of([name])
        finally:
            warnings = warnings + cleanup.join()
        volume = model.volume_view(state.volumes.get(name), state.snap_spaces.get(name)) if name in state.volumes else {}
        after = planner.volume_diff_view(state.volumes.get(name), state.snap_spaces.get(name))
    return _finish(module, {'volume': volume}, done, plan.before, after, warnings)


# ---------------------------------------------------------------- threepar_snapshot

def copy_wants(params):
    """One desired copy per entry of ``copies`` (top-level options are the defaults), or the top-level one."""
    entries = params.get('copies') or [{}]
    wants = []
    for entry in entries:
        want = dict((k, entry.get(k) if entry.get(k) is not None else params.get(k)) for k in COPY_KEYS)
        for key in ('source', 'name'):
            if not want[key]:
                raise InvalidRequest('read', 'copy %s' % (want['name'] or '(unnamed)'), '%s is not given' % key,
                                     'Set %s on each entry of copies, or at the top level.' % key)
        for key, parser in (('max_age', model.parse_duration), ('restore_point', model.parse_point_in_time),
                            ('expire', model.parse_duration), ('retain', model.parse_duration)):
            want[key] = _parse(parser, want[key], key, 'copy %s' % want['name'])
        snapshot_timers.validate(want, 'copy %s' % want['name'])
        wants.append(want)
    return wants


def _check_copy_capabilities(inventory, actions, check_mode):
    """Ask the provider which kinds of local copy it makes, only for a plan that creates one, in check mode too (a
    read); refuse the plan before anything is invoked. Warnings (a provider that cannot tell) are returned. A real run
    whose first change is a snapshot and that makes no other kind of copy does not ask: a provider that makes no
    snapshots refuses that first CreateReplica, before anything has changed."""
    creating = [a for a in actions if planner.synchronization_type(a)]
    if not creating:
        return []
    first_change = next(a for a in actions if a.changes)
    if not check_mode and first_change.method == planner.CREATE_REPLICA and all(a.method == planner.CREATE_REPLICA for a in creating):
        return []
    supported = inventory.synchronization_types()
    if supported is None:
        return ['The SMI-S provider does not say which copies it makes (no %s): going ahead.' % model.REPLICATION_CAPABILITIES]
    planner.check_supported(actions, supported)
    return []


def _restores_not_due(wants, copies, actions):
    """(want, why) for each state: restored whose snapshot the guard kept from being promoted again."""
    planned = set(a.target for a in actions)
    for want in wants:
        copy = copies.get(want['name'])
        if want['state'] != 'restored' or copy is None or want['name'] in planned:
            continue
        when = copy.when_synced.isoformat() if copy.when_synced is not None else 'none'
        yield want, ('not promoted: its point in time (when_synced %s) is not restore_point %s, so it was promoted (or '
                     'refreshed) after that point' % (when, want['restore_point'][0].isoformat()))


BRIEF_COPY_KEYS = ('name', 'source', 'type', 'sync_state')


def _brief_copy(view, want, done):
    """What a playbook needs of each copy of a many-copies task (copies_view: brief): name, source, type, state and
    whether the task changed it. A copy that does not exist (absent) has sync_state None."""
    brief = dict((key, view.get(key)) for key in BRIEF_COPY_KEYS)
    brief.update(name=want['name'], source=view.get('source') or want['source'], type=view.get('type') or want['type'],
                 changed=changes([step for step in done if step['target'] == want['name']]))
    return brief


def _performed(actions, done):
    """The planned actions that the executor invoked (it skips those after a job left running, wait: false)."""
    invoked = set((step['operation'], step['target']) for step in done if step['method'])
    return [a for a in actions if a.method and (a.operation, a.target) in invoked]


MAX_PARALLEL = 16


def _read_copies_for(inventory, wants):
    """Volumes, then the copies: per named volume on a large array with few of them named, else in bulk."""
    inventory.read('volumes')
    sources = set(w['source'] for w in wants if w.get('source'))
    targets = set(w['name'] for w in wants)
    if inventory.copies_per_object(sources, targets):
        return inventory.read_copies_of(sources, targets)
    return inventory.read('copies')


def _parallel(params):
    parallel = params.get('parallel', 1)
    if parallel is None or not 1 <= parallel <= MAX_PARALLEL:
        raise InvalidRequest('read', 'parallel', '%s is not between 1 and %d' % (parallel, MAX_PARALLEL),
                             'Set parallel to a small number of connections (default 4; 1 sends one call after another).')
    return parallel


def run_snapshot(module, conn=None):
    params = module.params
    if params.get('volume_set'):
        return run_group_snapshot(module, conn)
    parallel = _parallel(params)
    wants = copy_wants(params)
    for want in wants:
        planner.validate_copy(want)
    client = Client(params, conn)
    inventory = Inventory(client, COPY_VOLUME_PROPERTIES)
    run = _converge_copies(module, inventory, wants, parallel, lambda state, now: planner.plan_copies(wants, state, now),
                           details=True)
    views, done, before, after = run['views'], run['done'], run['plan'].before, run['after']
    for want, reason in _restores_not_due(wants, run['before'], run['plan'].actions):
        views[want['name']] = dict(views[want['name']], restore=reason)
    result = {'copies': [views[w['name']] for w in wants], 'jobs': run['jobs_left']}
    if params.get('copies') and params.get('copies_view', 'full') == 'brief':
        result['copies'] = [_brief_copy(views[w['name']], w, done) for w in wants]
    if not params.get('copies'):
        name = wants[0]['name']
        result['copy'] = views[name]
        before, after = before[name], after[name]
    return _finish(module, result, done, before, after, run['warnings'])


def run_group_snapshot(module, conn=None):
    """threepar_snapshot with volume_set: the consistent snapshots of a set (group_snapshots)."""
    params = module.params
    parallel = _parallel(params)
    want = dict((k, params.get(k)) for k in COPY_KEYS + ('volume_set', 'copies'))
    group_snapshots.validate_group_want(want)
    what = 'the snapshots of volume set %s' % want['volume_set']
    for key, parser in (('max_age', model.parse_duration), ('restore_point', model.parse_point_in_time),
                        ('expire', model.parse_duration), ('retain', model.parse_duration)):
        want[key] = _parse(parser, want[key], key, what)
    snapshot_timers.validate(want, what)
    client = Client(params, conn)
    vvset = volume_sets.read_volume_set(client, want['volume_set'])
    wants = group_snapshots.member_wants(want, vvset.members if vvset is not None else [])
    for member in wants:
        planner.validate_copy(member)
    inventory = Inventory(client, COPY_VOLUME_PROPERTIES)
    run = _converge_copies(module, inventory, wants, parallel, lambda state, now: group_snapshots.plan_group(want, vvset, state, now))
    views, done = run['views'], run['done']
    copies = [views[w['name']] for w in wants]
    if params.get('copies_view', 'full') == 'brief':
        copies = [_brief_copy(views[w['name']], w, done) for w in wants]
    result = {'volume_set': group_snapshots.group_view(vvset, run['state'], wants), 'copies': copies, 'jobs': run['jobs_left']}
    return _finish(module, result, done, run['plan'].before, run['after'], run['warnings'])


def _remade(actions):
    """The snapshots a plan makes or refreshes: their timers count from the new point in time."""
    names = set(a.target for a in actions if a.operation in (planner.CREATE_VIRTUAL_COPY, planner.RESYNC_COPY))
    for action in actions:
        names.update(action.args.get('names', ()) if action.operation == group_snapshots.CREATE_CONSISTENT_SNAPSHOTS else ())
    return names


def _converge_copies(module, inventory, wants, parallel, plan_for, details=False):
    """Read, plan (``plan_for(state, now)``), add the timer steps and the retention guard, gate, perform, read what
    changed. Returns the plan, the steps done, the views of the copies after, the diff's after, the copies as they were
    before (``before``), the jobs left, the warnings and the state."""
    params = module.params
    state = _read_copies_for(inventory, wants)
    state = inventory.read(*planner.copy_reads(wants, state))
    if details:
        state = inventory.read_details(planner.copy_detail_reads(wants, state))
    now = datetime.now(timezone.utc)
    plan = plan_for(state, now)
    if snapshot_timers.needs_read(wants, plan.actions, planner.DELETE_COPY):
        state = inventory.read('timers')
        snapshot_timers.refuse_retained_deletes(plan.actions, state.timers, now, planner.DELETE_COPY)
        plan = snapshot_timers.add_to_plan(plan, wants, state, now, _remade(plan.actions), planner.RECOUNT)
    warnings = _check_copy_capabilities(inventory, plan.actions, module.check_mode)
    copies_before = dict((w['name'], state.copy_to(w['name'])) for w in wants)
    views = dict((w['name'], planner.copy_view(state, w, now)) for w in wants)
    done, jobs_left, run_warnings, created, cleanup = _perform(module, inventory.client, inventory, plan.actions, params['wait'],
                                                               params['wait_timeout'], parallel)
    warnings += list(run_warnings)
    after = plan.after
    if not module.check_mode and plan.actions:
        try:
            # One read for all the changes where the methods' answers tell the rest (inventory.after_copy_changes).
            state = inventory.after_copy_changes(_performed(plan.actions, done), created)
            if any(step['operation'] == planner.RECOUNT for step in done):
                state = inventory.refresh('allocations')    # the space the recount found (SpaceConsumed)
            if state.timers is not None:
                state = inventory.refresh('timers')
        finally:
            warnings += cleanup.join()
        now = datetime.now(timezone.utc)
        views = dict((w['name'], planner.copy_view(state, w, now)) for w in wants)
        after = dict((n, planner.copy_diff_view(v)) for n, v in views.items())
    return {'plan': plan, 'done': done, 'views': views, 'after': after, 'before': copies_before, 'jobs_left': jobs_left,
            'warnings': warnings, 'state': state}


# ---------------------------------------------------------------- threepar_volume_set

def run_volume_set(module, conn=None):
    params = module.params
    name = params['name']
    want = {'name': name, 'state': params['state'], 'members': params.get('members'), 'purge_members': params['purge_members']}
    if want['state'] == 'present':
        planner.validate_volume_name(name, 'volume set')
    client = Client(params, conn)
    inventory = Inventory(client, ['ElementName'])
    current = volume_sets.read_volume_set(client, name)
    # Paths of the volumes to add: the set's own members came with the set; the others need the volumes read once.
    state = inventory.read('volumes') if volume_sets.volumes_to_find(want, current) else inventory.state
    paths = dict((n, v.path) for n, v in (state.volumes or {}).items())
    plan = volume_sets.plan_volume_set(want, current, paths)
    if current is not None:
        state.volumes = dict(state.volumes or {})
        for member, path in current.member_paths.items():
            state.volumes.setdefault(member, model.Volume(name=member, path=path))
    done, dummy, warnings, dummy, cleanup = _perform(module, client, inventory, plan.actions)
    if module.check_mode or not plan.actions:
        after, view = plan.after, volume_sets.set_view(current)
    else:
        try:
            view = after = volume_sets.set_view(volume_sets.read_volume_set(client, name))
        finally:
            warnings = warnings + cleanup.join()
    return _finish(module, {'volume_set': view}, done, plan.before, after, warnings)


# ---------------------------------------------------------------- threepar_info

GATHER = ('volumes', 'copies', 'volume_sets', 'rcopy_groups', 'jobs', 'system')


def gather_info(params, conn=None):
    gather = params.get('gather') or list(GATHER)
    client = Client(params, conn)
    inventory = Inventory(client)
    facts = {}
    if 'volumes' in gather:
        state = inventory.read('volumes', 'allocations', 'snap_spaces')
        facts['volumes'] = [model.volume_view(v, state.snap_spaces.get(v.name)) for v in sorted(state.volumes.values(), key=lambda v: v.name)]
    if 'copies' in gather:
        state = inventory.read('volumes', 'copies', 'timers')
        now = datetime.now(timezone.utc)
        facts['copies'] = [dict(model.copy_view(c, state.volumes.get(c.target)),
                                **(snapshot_timers.view(state.timers.get(c.target), now) if c.kind == 'virtual' else {}))
                           for c in state.copies]
    if 'volume_sets' in gather:
        state = inventory.read('volumes')
        names = dict((v.device_id, v.name) for v in state.volumes.values())
        facts['volume_sets'] = [volume_sets.set_view(s) for s in volume_sets.all_volume_sets(client, names)]
    if 'jobs' in gather:
        facts['jobs'] = [model.job_view(j) for j in inventory.jobs()]
    if 'system' in gather:
        systems = inventory.system()
        facts['system'] = systems[0] if systems else {}
    if 'rcopy_groups' in gather:
        # With SSH set up, showrcopy names the remote volumes SMI-S does not name (a read).
        cli = CliClient(params) if HAS_PARAMIKO and ssh_configured(params) else None
        try:
            groups = rcopy_inventory(client, params, cli)
            facts['rcopy_groups'] = [group_view(g, groups.extra.get(g.name)) for g in groups.groups()]
        finally:
            if cli is not None:
                cli.close()
    return facts


def run_info(module, conn=None):
    facts = gather_info(module.params, conn)
    result = dict(facts, changed=False)
    if module.params.get('query'):
        if not HAS_JMESPATH:
            raise InvalidRequest('apply', 'query', 'the jmespath library is not installed on the host that runs the module',
                                 'Install it (pip install jmespath), or remove query.')
        try:
            result['query_result'] = jmespath.search(module.params['query'], facts)
        except jmespath.exceptions.JMESPathError as exc:
            raise InvalidRequest('apply', 'query %r' % module.params['query'], str(exc).replace('\n', ' '),
                                 'Fix the JMESPath expression (https://jmespath.org).')
    return result
