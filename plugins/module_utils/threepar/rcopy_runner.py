# -*- coding: utf-8 -*-
# Copyright: smis.threepar contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""threepar_rcopy_group from its parameters to its result: read the group (rcopy_inventory), plan the Table 107
path (rcopy_plan), check the provider supports it and perform it (rcopy_exec), wait until the array reports the
desired row, report the group with decoded states, the actions and the diff."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

from ansible_collections.smis.threepar.plugins.module_utils.threepar import rcopy_plan as rp
from ansible_collections.smis.threepar.plugins.module_utils.threepar.cli import HAS_PARAMIKO, CliClient
from ansible_collections.smis.threepar.plugins.module_utils.threepar.client import Client
from ansible_collections.smis.threepar.plugins.module_utils.threepar.errors import ThreeparError
from ansible_collections.smis.threepar.plugins.module_utils.threepar.rcopy_exec import RcopyExecutor, action_result
from ansible_collections.smis.threepar.plugins.module_utils.threepar.rcopy_inventory import (
    RcopyInventory, group_view, parse_showrcopy_pairs)
from ansible_collections.smis.threepar.plugins.module_utils.threepar.waiter import Waiter

PARAMS = ('name', 'state', 'target', 'mode', 'members', 'purge_members', 'replication', 'dr_state', 'role', 'force')
DIFF_KEYS = ('name', 'target', 'mode', 'members', 'role', 'status', 'side', 'dr_state', 'replication')
# What the array the module talks to reports once the group reached (side, dr_state) (Tables 106, 107).
ROLE_OF = {('primary', 'normal'): 'Primary', ('secondary', 'normal'): 'Secondary',
           ('secondary', 'failed_over'): 'Primary-Rev', ('secondary', 'recovered'): 'Primary-Rev',
           ('primary', 'failed_over'): 'Secondary-Rev', ('primary', 'recovered'): 'Secondary-Rev'}


def group_spec(params):
    return rp.GroupSpec.from_params(dict((k, params.get(k)) for k in PARAMS))


def target_state(spec, current, actions):
    """(side, dr_state, replication) the group should report on this array after ``actions``; None when there is
    nothing to check (deleted, or an SLD backup group)."""
    if spec.state == 'absent' or current.status == 'Backup':
        return None
    if not current.exists:
        return 'primary', 'normal', 'stopped' if spec.replication == 'stopped' else 'started'
    side, dr_now = rp.meaning(current.role, current.status, current.progress_status) or (current.side, current.dr_state)
    want_side = spec.role or side
    want_dr = spec.dr_state or dr_now
    if want_dr != 'normal':
        return want_side, want_dr, None
    walked = dr_now != 'normal'
    operations = [a['operation'] for a in actions]
    if walked or 'start' in operations:
        replication = 'started'
    elif 'stop' in operations:
        replication = 'stopped'
    else:
        replication = 'started' if current.running else 'stopped'
    return want_side, 'normal', replication


def diff_view(view):
    return dict((k, view.get(k)) for k in DIFF_KEYS) if view else {}


def predicted(spec, current, actions, target):
    """The group after ``actions`` as check mode predicts it (diff only)."""
    if spec.state == 'absent':
        return {}
    before = diff_view(group_view(current))
    after = dict(before) if before else {'name': spec.name, 'target': spec.target, 'mode': spec.mode or 'sync', 'members': []}
    members = dict((m['volume'], m['remote_volume']) for m in after.get('members') or [])
    for action in actions:
        params = action.get('params') or {}
        if action['operation'] == 'create_replica':
            members = dict((m['volume'], m['remote_volume']) for m in params['members'])
        elif action['operation'] == 'add_member':
            members[params['volume']] = params['remote_volume']
        elif action['operation'] == 'remove_member':
            members.pop(params['volume'], None)
        elif action['operation'] == 'set_mode':
            after['mode'] = params['mode']
    after['members'] = [{'volume': v, 'remote_volume': members[v]} for v in sorted(members)]
    if target is not None:
        side, dr_state, replication = target
        running = replication == 'started' if dr_state == 'normal' else dr_state == 'recovered'
        after.update(side=side, dr_state=dr_state, role=ROLE_OF[(side, dr_state)], replication='started' if running else 'stopped',
                     status='Synced' if running else 'Stopped')
    return after


def _plan(spec, group, inventory, executor, module):
    """The plan; a group busy with an operation (failing over, recovering, failing back) is waited for first."""
    try:
        return rp.plan_group(spec, group)
    except rp.RcopyBusy:
        if module.check_mode or not module.params['wait']:
            raise

    def probe():
        inventory.poll_state(group)
        found = rp.meaning(group.role, group.status, group.progress_status)
        return not found or found[1] not in rp.TRANSIENT_DR_STATES, group.as_dict()

    executor.waiter.wait(probe, executor.remaining(), 'remote copy group %s to finish the operation under way' % spec.name,
                         describe=lambda s: '%(role)s/%(status)s, ProgressStatus %(progress_status)s' % s if s else 'unknown')
    return rp.plan_group(spec, group)


def ssh_configured(params):
    """The task set up SSH to the array: a known host key (without one every connection is refused)."""
    return bool(params.get('ssh_known_hosts') or params.get('ssh_host_key_fingerprint'))


def remote_names_reader(cli):
    """group name -> {local volume: remote volume} from ``showrcopy groups <group>`` (a read, in check mode too):
    SMI-S does not name the remote volumes of discovered pairs."""
    def read(name):
        return parse_showrcopy_pairs(cli.run('showrcopy groups %s' % name, 'read', 'remote copy group %s' % name), name)
    return read


def rcopy_inventory(client, params, cli):
    reader = remote_names_reader(cli) if cli is not None and ssh_configured(params) else None
    return RcopyInventory(client, remote_names=reader, host=params.get('host'))


def run_rcopy_group(module, conn=None):
    params = module.params
    spec = group_spec(params)
    client = Client(params, conn)
    transport = params.get('rcopy_transport') or 'auto'
    # auto uses the CLI only where the task set SSH up; cli always (an unknown host key is then an error naming it).
    use_cli = transport == 'cli' or (transport == 'auto' and ssh_configured(params))
    cli = CliClient(params) if use_cli and HAS_PARAMIKO else None
    inventory = rcopy_inventory(client, params, cli)
    executor = RcopyExecutor(client, inventory, Waiter(), spec, wait=params['wait'], wait_timeout=params['wait_timeout'],
                             transport=transport, cli=cli)
    try:
        return _run(module, spec, inventory, executor, client)
    finally:
        if cli is not None:
            cli.close()


def _run(module, spec, inventory, executor, client):
    params = module.params
    group = inventory.group(spec.name)
    actions = _plan(spec, group, inventory, executor, module)
    before = group_view(group, inventory.extra.get(spec.name))
    target = target_state(spec, group, actions)
    result = {'changed': bool(actions), 'jobs': []}
    # The capability gate is a read: check mode asks it too, and reports the refusal a real run would meet.
    executor.check_supported(actions, group.mode if group.exists else None)
    if module.check_mode or not actions:
        result.update(actions=[action_result(a) for a in actions], group=before)
        after = predicted(spec, group, actions, target) if actions else diff_view(before)
    else:
        for action in actions:      # every member volume exists here before anything is invoked
            if action['operation'] in ('create', 'add_member'):
                executor.volumes(action['params']['members'] if action['operation'] == 'create' else [action['params']['volume']])
        try:
            executor.run(actions)
            if executor.wait and not executor.not_started and any(a['operation'] == 'create_replica' for a in actions):
                # Providers differ in whether CreateGroupReplica leaves the group started: converge what it left.
                more = rp.plan_group(spec, inventory.fresh_group(spec.name))
                executor.check_supported(more)
                executor.run(more)
                actions = actions + more
            check = None
            if executor.wait and not executor.not_started and target is not None:
                check = executor.wait_for_rows(group, *target)
        except ThreeparError as exc:
            exc.details.setdefault('actions', executor.done)
            exc.details.setdefault('changed', any(step['method'] for step in executor.done))
            raise
        view = {}
        if spec.state == 'present':
            reread = rcopy_inventory(client, params, executor.cli)
            view = group_view(reread.group(spec.name), reread.extra.get(spec.name))
        result.update(actions=executor.done, group=view, jobs=executor.jobs_left)
        if check is not None:
            result['table_107'] = check.as_dict()
        if executor.not_started:
            result['not_started'] = executor.not_started
            module.warn('wait is false: %d step(s) wait for job(s) %s; run the task again once they finished (%s).' % (
                len(executor.not_started), ', '.join(executor.jobs_left), ', '.join(a['cli'] for a in executor.not_started)))
        for warning in executor.warnings:
            module.warn(warning)
        after = diff_view(view)
    if module._diff:  # pylint: disable=protected-access
        result['diff'] = {'before': diff_view(before), 'after': after}
    return result
