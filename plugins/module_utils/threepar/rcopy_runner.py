# -*- coding: utf-8 -*-
# Copyright: smis.threepar contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""threepar_rcopy_group from its parameters to its result: read the group (rcopy_inventory), plan the Table 107
path and its before/after (rcopy_plan), check the provider supports it and perform it (rcopy_exec), wait until the
array reports the desired row, report the group with decoded states, the actions and the diff."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

from ansible_collections.smis.threepar.plugins.module_utils.threepar import rcopy_plan
from ansible_collections.smis.threepar.plugins.module_utils.threepar.cli import HAS_PARAMIKO, CliClient
from ansible_collections.smis.threepar.plugins.module_utils.threepar.client import Client
from ansible_collections.smis.threepar.plugins.module_utils.threepar.errors import RcopyBusy, ThreeparError
from ansible_collections.smis.threepar.plugins.module_utils.threepar.rcopy_exec import RcopyExecutor, action_result
from ansible_collections.smis.threepar.plugins.module_utils.threepar.rcopy_inventory import (
    RcopyInventory, group_view, parse_showrcopy_pairs)
from ansible_collections.smis.threepar.plugins.module_utils.threepar.waiter import Waiter

PARAMS = ('name', 'state', 'target', 'mode', 'members', 'purge_members', 'replication', 'dr_state', 'role', 'force')


def group_spec(params):
    return rcopy_plan.GroupSpec.from_params(dict((k, params.get(k)) for k in PARAMS))


def _plan(spec, group, inventory, executor, module):
    """The plan; a group busy with an operation (failing over, recovering, failing back) is waited for first."""
    try:
        return rcopy_plan.plan_group(spec, group)
    except RcopyBusy:
        if module.check_mode or not module.params['wait']:
            raise

    def probe():
        inventory.poll_state(group)
        found = rcopy_plan.meaning(group.role, group.status, group.progress_status)
        return not found or found[1] not in rcopy_plan.TRANSIENT_DR_STATES, group.as_dict()

    executor.waiter.wait(probe, executor.remaining(), 'remote copy group %s to finish the operation under way' % spec.name,
                         describe=lambda s: '%(role)s/%(status)s, ProgressStatus %(progress_status)s' % s if s else 'unknown')
    return rcopy_plan.plan_group(spec, group)


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
    plan = _plan(spec, group, inventory, executor, module)
    # The capability gate is a read: check mode asks it too, and reports the refusal a real run would meet.
    actions = executor.check_supported(plan.actions, group.mode if group.exists else None)
    result = {'changed': bool(actions), 'jobs': []}
    if module.check_mode or not actions:
        result.update(actions=[action_result(a) for a in actions], group=group_view(group, inventory.extra.get(spec.name)))
        after = plan.after
    else:
        for action in actions:      # every member volume exists here before anything is invoked
            if action.operation in ('create', 'add_member'):
                executor.volumes(action.args['members'] if action.operation == 'create' else [action.args['volume']])
        try:
            executor.run(actions)
            check = None
            if executor.wait and not executor.not_started and plan.expect is not None:
                check = executor.wait_for_rows(group, *plan.expect)
        except ThreeparError as exc:
            exc.details.setdefault('actions', executor.done)
            exc.details.setdefault('changed', any(step['method'] for step in executor.done))
            raise
        view, after = {}, {}
        if spec.state == 'present':
            reread = rcopy_inventory(client, params, executor.cli)
            group = reread.group(spec.name)
            view, after = group_view(group, reread.extra.get(spec.name)), rcopy_plan.group_diff_view(group)
        result.update(actions=executor.done, group=view, jobs=executor.jobs_left)
        if check is not None:
            result['table_107'] = check.as_dict()
        if executor.not_started:
            result['not_started'] = executor.not_started
            module.warn('wait is false: %d step(s) wait for job(s) %s; run the task again once they finished (%s).' % (
                len(executor.not_started), ', '.join(executor.jobs_left), ', '.join(a['cli'] for a in executor.not_started)))
        for warning in executor.warnings:
            module.warn(warning)
    if module._diff:  # pylint: disable=protected-access
        result['diff'] = {'before': plan.before, 'after': after}
    return result
