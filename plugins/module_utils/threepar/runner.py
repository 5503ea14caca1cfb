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

from ansible_collections.smis.threepar.plugins.module_utils.threepar import model as m
from ansible_collections.smis.threepar.plugins.module_utils.threepar import planner
from ansible_collections.smis.threepar.plugins.module_utils.threepar import indications
from ansible_collections.smis.threepar.plugins.module_utils.threepar.client import Client
from ansible_collections.smis.threepar.plugins.module_utils.threepar.errors import InvalidRequest, ThreeparError
from ansible_collections.smis.threepar.plugins.module_utils.threepar.executor import Executor
from ansible_collections.smis.threepar.plugins.module_utils.threepar.inventory import COPY_VOLUME_PROPERTIES, Inventory
from ansible_collections.smis.threepar.plugins.module_utils.threepar.rcopy_inventory import RcopyInventory, group_view
from ansible_collections.smis.threepar.plugins.module_utils.threepar.waiter import Waiter

VOLUME_WAIT_TIMEOUT = 600
COPY_KEYS = ('source', 'name', 'type', 'state', 'max_age', 'target_cpg', 'read_only', 'update_space')


def _parse(parser, value, option, obj):
    if value is None:
        return None
    try:
        return parser(value)
    except ValueError as exc:
        raise InvalidRequest('read', '%s of %s' % (option, obj), str(exc), 'Fix %s in the task.' % option)


def _perform(module, client, inventory, actions, wait=True, wait_timeout=VOLUME_WAIT_TIMEOUT):
    """Check mode: the plan, nothing invoked. Otherwise the executed steps (with job ids)."""
    if module.check_mode or not actions:
        return [a.as_result() for a in actions], [], [], {}
    # Job indications (only for a plan that can start a job): the waiter wakes when the job ends.
    events = indications.subscribe_for_plan(module.params, client, actions, inventory.state) if wait else None
    executor = Executor(client, inventory, Waiter(events=events and events.events), wait=wait, wait_timeout=wait_timeout)
    try:
        executor.run(actions)
    except ThreeparError as exc:
        exc.details.setdefault('actions', executor.done)
        exc.details.setdefault('changed', any(step['method'] for step in executor.done))
        raise
    finally:
        if events is not None:
            executor.warnings.extend(events.close())
    return executor.done, executor.jobs_left, executor.warnings, executor.created


def _finish(module, result, actions, before, after, warnings=()):
    result['changed'] = any(step['method'] for step in actions)
    result['actions'] = actions
    if module._diff:  # pylint: disable=protected-access
        result['diff'] = {'before': before, 'after': after}
    for warning in warnings:
        module.warn(warning)
    return result


# ---------------------------------------------------------------- threepar_volume

def volume_want(params):
    name = params['name']
    return {'name': name, 'state': params['state'], 'cpg': params.get('cpg'),
            'size': _parse(m.parse_size, params.get('size'), 'size', 'volume %s' % name),
            'provisioning': params.get('provisioning'), 'snap_cpg': params.get('snap_cpg'),
            'snap_size': _parse(m.parse_size, params.get('snap_size'), 'snap_size', 'volume %s' % name),
            'snap_percent': params.get('snap_percent'), 'force': params.get('force')}


def _volume_diff_view(volume, space):
    if volume is None:
        return {}
    view = m.volume_view(volume, space or m.SnapSpace(volume.name))
    return dict((k, view.get(k)) for k in ('name', 'size', 'provisioning', 'cpg', 'snap_cpg', 'snap_size', 'snap_percent'))


def _predicted_volume(want, before):
    if want['state'] == 'absent':
        return {}
    after = dict(before) if before else {'name': want['name'], 'provisioning': want.get('provisioning') or 'thin',
                                         'snap_cpg': None, 'snap_size': None, 'snap_percent': None}
    for key in ('cpg', 'snap_cpg', 'snap_percent'):
        if want.get(key) is not None:
            after[key] = want[key]
    for key in ('size', 'snap_size'):
        if want.get(key) is not None:
            after[key] = m.format_size(want[key])
    return after


def run_volume(module, conn=None):
    want = volume_want(module.params)
    if want['snap_percent'] is not None and not 0 <= want['snap_percent'] <= 100:
        raise InvalidRequest('read', 'snap_percent of volume %s' % want['name'], '%s is not a percentage' % want['snap_percent'],
                             'Set snap_percent between 0 and 100.')
    client = Client(module.params, conn)
    inventory = Inventory(client)
    state = inventory.read('volumes', 'allocations', 'snap_spaces')
    state = inventory.read(*planner.volume_reads(want, state))
    actions = planner.plan_volume(want, state)
    name = want['name']
    before = _volume_diff_view(state.volumes.get(name), state.snap_spaces.get(name))
    done, dummy, warnings, dummy = _perform(module, client, inventory, actions)
    if module.check_mode or not actions:
        after = _predicted_volume(want, before) if actions else before
        volume = m.volume_view(state.volumes.get(name), state.snap_spaces.get(name)) if not actions or want['state'] == 'present' else {}
    else:
        state = inventory.refresh('volumes', 'allocations', 'snap_spaces')
        volume = m.volume_view(state.volumes.get(name), state.snap_spaces.get(name)) if name in state.volumes else {}
        after = _volume_diff_view(state.volumes.get(name), state.snap_spaces.get(name))
    return _finish(module, {'volume': volume}, done, before, after, warnings)


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
        want['max_age'] = _parse(m.parse_duration, want['max_age'], 'max_age', 'copy %s' % want['name'])
        wants.append(want)
    return wants


def _copy_view(state, want):
    copy = state.copy_to(want['name'])
    volume = state.volumes.get(want['name'])
    if copy is not None:
        return m.copy_view(copy, volume)
    if volume is not None:
        # No association: a promoted (detached) physical copy, now an independent volume.
        return {'source': want['source'], 'name': volume.name, 'type': 'physical', 'detached': True, 'copy_of': volume.copy_of,
                'sync_state': None}
    return {}


def _copy_diff_view(view):
    keys = ('source', 'name', 'type', 'sync_state', 'when_synced', 'read_only', 'detached')
    return dict((k, view[k]) for k in keys if k in view)


END_SYNC_STATE = {('virtual', 'present'): 'Idle', ('virtual', 'restored'): 'Synchronized', ('physical', 'present'): 'Frozen',
                  ('physical', 'halted'): 'Broken'}


def _predicted_copy(want, before, actions):
    mine = [a for a in actions if a.target == want['name']]
    if not mine:
        return before
    if want['state'] == 'absent':
        return {}
    after = dict(before) if before else {'source': want['source'], 'name': want['name'], 'type': want['type']}
    if want['type'] == 'virtual' and not before:
        after['read_only'] = bool(want.get('read_only'))
    if want['state'] == 'detached':
        after.update(detached=True, sync_state=None)
    elif any(a.operation != 'stop copy' or want['state'] == 'halted' for a in mine):
        after['sync_state'] = END_SYNC_STATE.get((want['type'], want['state']), after.get('sync_state'))
    if any(a.operation in ('resync copy', 'update snapshot space') or a.operation.startswith('create') for a in mine):
        after['when_synced'] = '(new point in time)'
    return after


def _performed(actions, done):
    """The planned actions that the executor invoked (it skips those after a job left running, wait: false)."""
    invoked = set((step['operation'], step['target']) for step in done if step['method'])
    return [a for a in actions if a.method and (a.operation, a.target) in invoked]


def run_snapshot(module, conn=None):
    params = module.params
    wants = copy_wants(params)
    for want in wants:
        planner.validate_copy(want)
    client = Client(params, conn)
    inventory = Inventory(client, COPY_VOLUME_PROPERTIES)
    state = inventory.read('volumes', 'copies')
    state = inventory.read(*planner.copy_reads(wants, state))
    actions = planner.plan_copies(wants, state, datetime.now(timezone.utc))
    before = dict((w['name'], _copy_view(state, w)) for w in wants)
    done, jobs_left, warnings, created = _perform(module, client, inventory, actions, params['wait'], params['wait_timeout'])
    if module.check_mode or not actions:
        views = before
        after = dict((w['name'], _predicted_copy(w, _copy_diff_view(before[w['name']]), actions)) for w in wants)
    else:
        # One read for all the changes where the methods' answers tell the rest (inventory.after_copy_changes).
        state = inventory.after_copy_changes(_performed(actions, done), created)
        views = dict((w['name'], _copy_view(state, w)) for w in wants)
        after = dict((n, _copy_diff_view(v)) for n, v in views.items())
    before = dict((n, _copy_diff_view(v)) for n, v in before.items())
    result = {'copies': [views[w['name']] for w in wants], 'jobs': jobs_left}
    if not params.get('copies'):
        name = wants[0]['name']
        result['copy'] = views[name]
        before, after = before[name], after[name]
    return _finish(module, result, done, before, after, warnings)


# ---------------------------------------------------------------- threepar_info

GATHER = ('volumes', 'copies', 'rcopy_groups', 'jobs', 'system')


def gather_info(params, conn=None):
    gather = params.get('gather') or list(GATHER)
    client = Client(params, conn)
    inventory = Inventory(client)
    facts = {}
    if 'volumes' in gather:
        state = inventory.read('volumes', 'allocations', 'snap_spaces')
        facts['volumes'] = [m.volume_view(v, state.snap_spaces.get(v.name)) for v in sorted(state.volumes.values(), key=lambda v: v.name)]
    if 'copies' in gather:
        state = inventory.read('volumes', 'copies')
        facts['copies'] = [m.copy_view(c, state.volumes.get(c.target)) for c in state.copies]
    if 'jobs' in gather:
        facts['jobs'] = [m.job_view(j) for j in inventory.jobs()]
    if 'system' in gather:
        systems = inventory.system()
        facts['system'] = systems[0] if systems else {}
    if 'rcopy_groups' in gather:
        groups = RcopyInventory(client)
        facts['rcopy_groups'] = [group_view(g, groups.extra.get(g.name)) for g in groups.groups()]
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
