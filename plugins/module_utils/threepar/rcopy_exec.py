# -*- coding: utf-8 -*-
# Copyright: smis.threepar contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Remote-copy actions (rcopy_plan) -> TPD_ReplicationService methods.

Before the first method, and in check mode too (it is a read), the replication service's capabilities are asked
which operations they support for the group's replication type (TPD_ReplicationServiceCapabilities
.GetSupportedOperations(ReplicationType), M311 p114): a provider that reports remote replication read-only (the
OS 3.1.x provider) makes the task fail before anything changes, naming the operation and the 3PAR CLI command to
use instead. A provider without the capabilities class (an older one) is asked on the service, with a warning. Jobs (CreateGroupReplica, Resume, Failover,
Resync Replica, Failback) are polled with a PropertyList and deleted once finished; the whole task shares one
deadline (wait_timeout). ``wait_for_rows`` then polls the group's state properties until the array the module
talks to reports the Table 107 row of the desired state (rcopy_plan.check_row).
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import time

from ansible_collections.smis.threepar.plugins.module_utils.threepar import model
from ansible_collections.smis.threepar.plugins.module_utils.threepar import rcopy_plan
from ansible_collections.smis.threepar.plugins.module_utils.threepar.action import Action
from ansible_collections.smis.threepar.plugins.module_utils.threepar.errors import (
    InUse, InvalidRequest, JobFailed, MethodFailed, NotFound, ThreeparError, Unsupported)
from ansible_collections.smis.threepar.plugins.module_utils.threepar.executor import follow_job
from ansible_collections.smis.threepar.plugins.module_utils.threepar.rcopy_inventory import vvset_path

try:
    from pywbem import Uint16
except ImportError:
    pass    # client.HAS_PYWBEM tells the module

# operation -> (verb, object template) for "Failed to <verb> <object>: ..."
WORDING = {
    'create': ('create', 'the volume set of remote copy group {group}'),
    'create_replica': ('create', 'remote copy group {group}'),
    'delete': ('delete', 'remote copy group {group}'),
    'add_member': ('add', 'volume {target} to remote copy group {group}'),
    'remove_member': ('remove', 'volume {target} from remote copy group {group}'),
    'start': ('start', 'remote copy group {group}'),
    'stop': ('stop', 'remote copy group {group}'),
    'set_mode': ('set the mode of', 'remote copy group {group}'),
    'failover': ('fail over', 'remote copy group {group}'),
    'recover': ('recover', 'remote copy group {group}'),
    'restore': ('restore', 'remote copy group {group}'),
    'reverse': ('reverse the roles of', 'remote copy group {group}'),
}

JOB_FAILURE_HINTS = {
    'create_replica': 'The initial copy did not complete: check the remote-copy links (showrcopy links), then run the task '
                      'again (replication: started resumes it).',
    'start': 'Check the remote-copy links (showrcopy links) and the target array, then run the task again.',
    'failover': 'See showrcopy on this array and the event log (showeventlog).',
    'recover': 'The recover failed (Table 107 rows 8 and 10): nothing was resynchronised. Check the remote-copy links and '
               'the group on the original primary, then retry with force: true.',
    'restore': 'The restore failed (Table 107 rows 13 and 16): the group stays recovered (Primary-Rev). Check the links, '
               'then run the task again.',
}


# The commands run for an action over SSH: what an operator types (rcopy_plan's ``cli``), with -f where the CLI would
# ask for confirmation and -waittask where it would return before the task ends (CLI Reference, setrcopygroup).
CONFIRMED = {
    'stop': 'stoprcopygroup -f {group}',
    'delete': 'removercopygroup -f {group}',
    'remove_member': 'dismissrcopyvv -f {volume} {group}',
    'failover': 'setrcopygroup failover -f -waittask {group}',
    'recover': 'setrcopygroup recover -f -waittask {group}',
    'restore': 'setrcopygroup restore -f -waittask {group}',
    'reverse': 'setrcopygroup reverse -f -waittask {group}',
}


def cli_commands(action, group):
    """The CLI commands that carry out ``action`` without a prompt (create_replica: one admitrcopyvv per member)."""
    template = CONFIRMED.get(action.operation)
    if template is None:
        return [c.strip() for c in action.cli.split(';') if c.strip()]
    return [template.format(group=group, **action.args)]


def _size_text(size):
    if not size:
        return 'size unknown'
    for unit, factor in (('TiB', 1 << 40), ('GiB', 1 << 30), ('MiB', 1 << 20)):
        if size >= factor:
            return '%g %s' % (round(size / float(factor), 2), unit)
    return '%d bytes' % size


def describe(operation, target, group):
    verb, obj = WORDING.get(operation, (operation, 'remote copy group {group}'))
    return verb, obj.format(group=group, target=target)


def action_result(action):
    """What the module reports of one planned action."""
    return action.as_result(model.RS_OPERATION)


class RcopyExecutor:
    """``check_supported(actions)`` then ``run(actions)``; ``done`` lists what was performed."""

    def __init__(self, client, inventory, waiter, spec, wait=True, wait_timeout=600, clock=time.monotonic,
                 transport='auto', cli=None):
        self.client = client
        self.transport = transport
        self.cli = cli          # a cli.CliClient (connects at its first command), or None: no SSH transport
        self.inventory = inventory
        self.waiter = waiter
        self.spec = spec
        self.wait = wait
        self.clock = clock
        self.deadline = clock() + wait_timeout
        self.wait_timeout = wait_timeout
        self.done = []
        self.jobs_left = []
        self.not_started = []
        self.warnings = []
        self._vvset = None
        self._asked = False
        self.supported = None

    # ------------------------------------------------------------ support

    def check_supported(self, actions, mode=None):
        """Ask which ModifyReplicaSynchronization operations the provider supports for the group's mode and set each
        action's transport; refuse the plan, before any change, when one of its actions is not among them (an empty
        list: remote replication is read-only) and the CLI cannot run it. Returns the actions to run: the stop after a
        create is dropped when the create runs over the CLI, which leaves the group stopped (admitrcopyvv)."""
        if not actions:
            return actions
        if not self._asked:
            self._asked = True
            self._ask_supported(mode or self.spec.mode or 'sync')
        for action in actions:
            by_cim = self.supported is None or bool(self.supported and (action.code is None or action.code in self.supported))
            if self.transport == 'cli' or (not by_cim and self.transport == 'auto' and self.cli is not None):
                action.transport = 'cli'
            elif by_cim:
                action.transport = 'cim'
            else:
                raise self._unsupported(action, actions)
        created_by_cli = any(a.operation == 'create_replica' and a.transport == 'cli' for a in actions)
        return [a for a in actions if not (created_by_cli and a.args.get('after_create'))]

    def _capabilities_path(self):
        """The replication service's capabilities, or None when the provider has no such class (an older one)."""
        try:
            names = self.client.enumerate_names(model.REPLICATION_SERVICE_CAPABILITIES, 'the replication service capabilities')
        except ThreeparError:
            return None
        return names[0] if names else None

    def _ask_supported(self, mode):
        """GetSupportedOperations, once per run; ``supported`` stays None when the provider cannot tell."""
        capabilities = self._capabilities_path()
        if capabilities is not None:
            target, params = capabilities, [('ReplicationType', Uint16(model.REPLICATION_TYPE_BY_MODE.get(mode, 4)))]
        else:
            self.warnings.append('The SMI-S provider has no %s (an older provider): asking the replication service itself '
                                 'which operations it supports.' % model.REPLICATION_SERVICE_CAPABILITIES)
            target, params = self.inventory.replication_service_path(), []
        try:
            rc, out = self.client.invoke(model.RS_GET_SUPPORTED, target, params, 'ask', 'the replication service which operations it supports')
        except ThreeparError as exc:
            self.warnings.append('The replication service could not tell which operations it supports (%s); '
                                 'going ahead.' % exc)
            return
        if int(rc) != model.RC_OK:
            self.warnings.append('GetSupportedOperations returned %s; going ahead without knowing which operations '
                                 'the replication service supports.' % rc)
            return
        self.supported = set(int(op) for op in (out.get('SupportedOperations') or []))

    def _unsupported(self, action, actions):
        verb, obj = describe(action.operation, action.target, self.spec.name)
        code = action.code
        what = '%s (ModifyReplicaSynchronization Operation %d)' % (model.RS_OPERATION.get(code, code), code) \
            if code is not None else action.method
        reason = ('the SMI-S provider reports remote replication as read-only (GetSupportedOperations lists no operation)'
                  if not self.supported else 'the SMI-S provider does not support %s' % what)
        if not self.supported:
            reason += ', so it cannot run %s' % what
        if self.transport == 'cim':
            reason += ' (rcopy_transport: cim)'
        commands = '; '.join(a.cli for a in actions)
        return Unsupported(verb, obj, reason,
                           'Nothing was changed. Run the step on the array CLI instead: %s (whole plan: %s), or let the '
                           'module run it over SSH: rcopy_transport auto (or cli) with SSH set up (ssh_port, and '
                           'ssh_known_hosts or ssh_host_key_fingerprint).' % (action.cli, commands),
                           cli=[a.cli for a in actions], unsupported_operation=action.operation,
                           planned_actions=[action_result(a) for a in actions], actions=[], changed=False)

    # ------------------------------------------------------------ running the plan

    def run(self, actions):
        for index, action in enumerate(actions):
            record = action_result(action)
            try:
                job = self._perform(action)
            except JobFailed as exc:
                # The method ran and its job failed: the step is part of what the task did.
                record.update(job_id=exc.details.get('job_id'), job_state=exc.details.get('last_state'), failed=True)
                self.done.append(record)
                raise       # the group exists (its initial copy failed): the next run adopts it and resumes
            except ThreeparError as exc:
                self._undo_create(action, exc)
                raise
            if job is not None:
                record['job_id'] = job.job_id
                record['job_state'] = model.decode(model.JOB_STATE, job.job_state)
            self.done.append(record)
            if job is not None and not job.finished:
                self.not_started = [action_result(a) for a in actions[index + 1:]]
                break
        return self.done

    def _perform(self, action):
        verb, what = describe(action.operation, action.target, self.spec.name)
        if action.transport == 'cli':
            for command in cli_commands(action, self.spec.name):
                self.cli.run(command, verb, what)
            return None
        if action.operation == 'create' and self._volume_set_exists():
            return None     # left by a run that stopped after CreateGroup: reuse it
        params = getattr(self, '_params_' + action.operation)(action)
        rc, out = self.client.invoke(action.method, self.inventory.replication_service_path(), params, verb, what)
        rc = int(rc)
        if action.operation == 'create' and out.get('ReplicationGroup') is not None:
            self._vvset = out['ReplicationGroup']
        if rc == model.RC_JOB_STARTED:
            return self._follow_job(action, out.get('Job'), verb, what)
        if rc != model.RC_OK:
            raise self._return_code_error(rc, action, verb, what)
        return None

    def _return_code_error(self, rc, action, verb, what):
        reason = 'the array returned %d (%s)' % (rc, model.RETURN_CODES.get(rc, 'vendor specific'))
        cli = 'On the array: %s.' % action.cli
        details = {'return_code': rc, 'cli': action.cli}
        if rc == model.RC_NOT_SUPPORTED:
            return Unsupported(verb, what, '%s: the SMI-S provider does not support %s here' % (reason, action.method),
                               'Use the 3PAR CLI for this step. ' + cli, **details)
        if rc == model.RC_IN_USE:
            return InUse(verb, what, '%s: the group is started or an operation on it is under way' % reason,
                         'Stop it first or wait for the operation, then run again. ' + cli, **details)
        pairs = self._pairs_text(action)
        if pairs:
            details['pairs'] = pairs
            pairs = ' (pairs: %s)' % pairs
        if rc == model.RC_INVALID_PARAMETER:
            if pairs:
                target = action.args.get('remote_system') or self.spec.target
                return InvalidRequest(verb, what, '%s: the array refused to pair the volumes with target %s%s' % (
                                      reason, target, pairs),
                                      'Check that the target name is a remote-copy target of this array (showrcopy targets) '
                                      'and that each remote volume is missing (it is created) or a base volume at least as '
                                      'large as its source, in no other group. ' + cli, **details)
            return InvalidRequest(verb, what, '%s: the array refused the request in the group\'s current state' % reason,
                                  'Check the group with showrcopy on both arrays, and the names of the task. ' + cli, **details)
        return MethodFailed(verb, what, '%s: the remote-copy link may be down or the target array refused it%s' % (reason, pairs),
                            'Check showrcopy links and the event log (showeventlog). ' + cli, **details)

    def _pairs_text(self, action):
        """'db01 (10 GiB) -> db01_r, ...' for the actions that pair volumes; '' for the others."""
        members = action.args.get('members') if action.operation == 'create_replica' else (
            [action.args] if action.operation == 'add_member' else None)
        if not members:
            return ''
        volumes = self.inventory.state.volumes or {}
        return ', '.join('%s (%s) -> %s' % (p['volume'], _size_text(getattr(volumes.get(p['volume']), 'size', None)),
                                            p.get('remote_volume')) for p in members)

    def _undo_create(self, action, error):
        """The group's first replica was refused right after this run created its volume set (or, by the CLI, the empty group):
        remove it again, so that a failed create leaves nothing that holds the volumes (no other group could take them,
        and they could not be deleted)."""
        if action.operation != 'create_replica' or not any(d['operation'] == 'create' for d in self.done):
            return
        verb, what = describe('delete', self.spec.name, self.spec.name)
        delete = Action('delete', self.spec.name, model.RS_DELETE_GROUP, cli=CONFIRMED['delete'].format(group=self.spec.name))
        try:
            if action.transport == 'cli':
                self.cli.run(delete.cli, verb, what)
            else:
                path = self._vvset or vvset_path(self.spec.name, self.client.namespace)
                rc, dummy = self.client.invoke(delete.method, self.inventory.replication_service_path(),
                                               [('ReplicationGroup', path), ('RemoveElements', True)], verb, what)
                if int(rc) != model.RC_OK:
                    raise self._return_code_error(int(rc), delete, verb, what)
        except ThreeparError as exc:
            error.details['cleanup'] = 'the group %s this run began could not be removed: %s' % (self.spec.name, exc)
        else:
            error.details['cleanup'] = 'what this run had made of group %s was removed again' % self.spec.name

    def _volume_set_exists(self):
        path = vvset_path(self.spec.name, self.client.namespace)
        try:
            self.client.get_instance(path, ['InstanceID'], 'volume set %s' % self.spec.name)
        except NotFound:
            return False
        self._vvset = path
        return True

    # ------------------------------------------------------------ jobs and waiting

    def remaining(self):
        return max(0.0, self.deadline - self.clock())

    def _follow_job(self, action, job_path, verb, what):
        return follow_job(self, job_path, verb, what, self.remaining(),
                          JOB_FAILURE_HINTS.get(action.operation, "See the array's event log (showeventlog)."),
                          cli=action.cli)

    def wait_for_rows(self, group, side, dr_state, replication):
        """Poll the group's state (PropertyList) until it matches a done row of Table 107 for ``dr_state``; a failure
        row ends the wait with an error. Returns the rcopy_plan.RowCheck."""
        what = 'remote copy group %s' % group.name

        def probe():
            self.inventory.poll_state(group)
            check = rcopy_plan.check_row(side, dr_state, group, replication)
            return check.ok or check.failed, check

        check = self.waiter.wait(probe, self.remaining(), '%s to reach %s' % (what, dr_state.replace('_', ' ')),
                                 describe=lambda c: c.message if c is not None else 'unknown')
        if check.failed:
            raise JobFailed('reach', '%s %s' % (dr_state.replace('_', ' '), what), check.message,
                            'See showrcopy on both arrays; the step can be retried (recover: with force: true).',
                            table_107=check.as_dict())
        return check

    # ------------------------------------------------------------ parameters of each method

    def _group(self):
        return self.inventory.group_path(self.spec.name)

    def volumes(self, names):
        paths = []
        for name in names:
            path = self.inventory.member_paths.get((self.spec.name, name)) or self.inventory.volume_path(name)
            if path is None:
                raise NotFound('find', 'volume %s' % name, 'it does not exist on this array',
                               'Create it first (smis.threepar.threepar_volume); the remote volume is created on the '
                               'target array when missing.')
            paths.append(path)
        return paths

    def _params_create(self, action):
        return [('GroupName', self.spec.name), ('Members', self.volumes(action.args['members']))]

    def _params_create_replica(self, action):
        params = action.args
        members = params['members']
        return [('SourceGroup', self._vvset or vvset_path(self.spec.name, self.client.namespace)),
                ('TargetSystemName', params['remote_system']),
                ('TargetElementNames', [p['remote_volume'] for p in members]),
                ('SourceElementNames', [p['volume'] for p in members]),
                ('Mode', Uint16(model.RCOPY_MODE_NUMBERS[params.get('mode') or 'sync'])),
                ('SyncType', Uint16(model.SYNC_TYPE_MIRROR))]

    def _params_delete(self, action):
        # RemoveElements: a group with members goes too; false deletes it "ONLY IF it is empty" (M312 p106).
        return [('ReplicationGroup', self._group()), ('RemoveElements', True)]

    def _params_add_member(self, action):
        params = action.args
        return [('Members', self.volumes([params['volume']])), ('ReplicationGroup', self._group()),
                ('TargetElementNames', [params['remote_volume']])]

    def _params_remove_member(self, action):
        return [('Members', self.volumes([action.args['volume']])), ('ReplicationGroup', self._group())]

    def _modify(self, action):
        params = [('Operation', Uint16(action.code)), ('Synchronization', self._group())]
        if action.operation == 'recover' and self.spec.force:
            params.append(('Force', True))
        return params

    _params_start = _params_stop = _params_set_mode = _params_failover = _modify
    _params_recover = _params_restore = _params_reverse = _modify
