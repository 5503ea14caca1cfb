"""The HP 3PAR CLI commands of remote copy, on the array's domain (simulator/MODEL.md, "The 3PAR CLI over SSH").

``Cli(array).run(user, role, line, confirm)`` parses one command line, asks for confirmation
(``confirm(prompt)``, outside the lock) where the CLI does, runs it under ``array.lock`` on the
same remote-copy functions the CIM methods call (array/rcopy.py) and ends with
``array.commit()``, so that CIM sees a change at once. It returns ``(output, exit status)``:
0 success, 1 error. The SSH front end is sshd.py.
"""

import shlex
import time

from .array import values as v
from .array.rcopy import MODES, group_view
from .array.state import Refused

USAGE = {        # the syntax column of MODEL.md's command table
    'showrcopy': 'showrcopy [-d] [links|targets|groups [<group>...]]',
    'creatercopygroup': 'creatercopygroup [-domain D] [-usr_cpg C] [-snp_cpg C] <group> <target>:<mode>',
    'admitrcopyvv': 'admitrcopyvv [-nosync] <vv> <group> <target>:<sec_vv>',
    'dismissrcopyvv': 'dismissrcopyvv [-f] [-pat] [-keepsnap] <vv> <group>',
    'removercopygroup': 'removercopygroup [-f] [-pat] [-keepsnap] [-removevv] <group>',
    'startrcopygroup': 'startrcopygroup [-wait] [-nosync] <group>',
    'stoprcopygroup': 'stoprcopygroup [-f] [-nosnap] <group>',
    'setrcopygroup': ('setrcopygroup failover|recover|restore|reverse [-f] [-waittask] [-t <target>] <group>\n'
                      '       setrcopygroup mode <sync|periodic> [<target>] <group>\n'
                      '       setrcopygroup period <n>[s|m|h|d] <target> <group>'),
    'syncrcopy': 'syncrcopy [-w] [-N] [-ovrd] <group>',
}
PROMPT = '%s\nselect q=quit y=yes n=no: '
CLI_MODES = {'sync': 'sync', 'periodic': 'periodic', 'async': 'periodic'}
PERIOD_UNITS = {'s': 1, 'm': 60, 'h': 3600, 'd': 86400}
WAIT_SECONDS = 60.0
SECRET_OPTIONS = ('-password', '-passwd', '-pw', '-p')
SECRET_COMMANDS = ('setpassword', 'createuser')


class CliError(Exception):
    """A command that ends with exit status 1 and this text."""


def _usage(command):
    return CliError('Usage: %s' % USAGE[command])


def parse(command, args, flags=(), valued=()):
    """(set of flags given, {option: value}, positional arguments); options come before the arguments."""
    given, values, rest = set(), {}, list(args)
    while rest and rest[0].startswith('-') and rest[0] != '-':
        opt = rest.pop(0)
        if opt == '--':
            break
        if opt in flags:
            given.add(opt)
        elif opt in valued:
            if not rest:
                raise CliError('Error: option %s requires a value\nUsage: %s' % (opt, USAGE[command]))
            values[opt] = rest.pop(0)
        else:
            raise CliError('Error: Invalid option %s\nUsage: %s' % (opt, USAGE[command]))
    return given, values, rest


def format_table(header, rows, indent=''):
    rows = [[str(c) for c in row] for row in rows]
    widths = [max(len(r[i]) for r in [header] + rows) for i in range(len(header))]
    lines = [indent + ' '.join(c.ljust(w) for c, w in zip(row, widths)).rstrip() for row in [header] + rows]
    return lines


def period_text(seconds):
    seconds = int(round(seconds))
    for unit, size in (('d', 86400), ('h', 3600), ('m', 60)):
        if seconds and seconds % size == 0:
            return '%d%s' % (seconds // size, unit)
    return '%ds' % seconds


class Cli:
    """The 3PAR CLI of one array (remote-copy commands)."""

    def __init__(self, array):
        self.array = array
        self.commands = {
            'showrcopy': self.showrcopy, 'creatercopygroup': self.creatercopygroup, 'admitrcopyvv': self.admitrcopyvv,
            'dismissrcopyvv': self.dismissrcopyvv, 'removercopygroup': self.removercopygroup,
            'startrcopygroup': self.startrcopygroup, 'stoprcopygroup': self.stoprcopygroup,
            'setrcopygroup': self.setrcopygroup, 'syncrcopy': self.syncrcopy,
        }

    @property
    def rcopy(self):
        return self.array.rcopy

    @property
    def state(self):
        return self.array.state

    # --- entry point -----------------------------------------------------------------------

    def run(self, user, role, line, confirm=None):
        """One command line: (output, exit status)."""
        try:
            words = shlex.split(line)
        except ValueError as exc:
            return 'Error: %s\n' % exc, 1
        if not words:
            return '', 0
        name, args = words[0], words[1:]
        handler = self.commands.get(name)
        if handler is None:
            return 'invalid command name "%s"\n' % name, 1
        if role != 'edit' and not name.startswith('show'):
            return 'Error: Permission denied: user %s (role %s) may not run %s\n' % (user, role, name), 1
        injected = self.array.faults.take_cli_error(name)
        if injected is not None:
            return '%s\n' % injected, 1
        try:
            # parses; returns (confirmation question or None, function run under the lock[, its checks])
            action = handler(args)
            question, execute, check = action if len(action) == 3 else action + (None,)
            if question is not None:
                if check is not None:       # a missing group or volume is told before the question
                    with self.array.lock:
                        check()
                if not (confirm is not None and confirm(PROMPT % question)):
                    return '', 1
            with self.array.lock:
                try:
                    output = execute()
                finally:
                    self.array.commit()
            if callable(output):         # a wait outside the lock (startrcopygroup -wait, setrcopygroup -waittask)
                output = output()
            return output, 0
        except CliError as exc:
            return '%s\n' % exc, 1
        except Refused as exc:
            return 'Error: %s\n' % exc, 1

    # --- helpers ---------------------------------------------------------------------------

    def group(self, name):
        group = self.state.rcgroups.get(name)
        if group is None:
            raise CliError('Error: Group %s does not exist' % name)
        return group

    def volume(self, name):
        vol = self.state.volumes.get(name)
        if vol is None:
            raise CliError('Error: VV %s does not exist' % name)
        return vol

    def wait_action(self, name):
        """A function that waits (outside the lock) until the group's action under way ends."""
        def wait():
            deadline = time.monotonic() + WAIT_SECONDS
            while time.monotonic() < deadline:
                with self.array.lock:
                    group = self.state.rcgroups.get(name)
                    if group is None or group.action is None:
                        return ''
                time.sleep(0.05)
            raise CliError('Error: timed out waiting for group %s' % name)
        return wait

    # --- show ------------------------------------------------------------------------------

    def showrcopy(self, args):
        dummy, dummy, rest = parse('showrcopy', args, flags=('-d',))
        part = rest[0] if rest else None
        if part not in (None, 'links', 'targets', 'groups'):
            raise _usage('showrcopy')
        if part != 'groups' and len(rest) > 1:
            raise _usage('showrcopy')
        return None, lambda: self._showrcopy(part, rest[1:])

    def _showrcopy(self, part, names):
        lines = []
        if part is None:
            lines += ['', 'Remote Copy System Information', 'Status: Started, Normal']
        if part in (None, 'targets'):
            lines += ['', 'Target Information', '']
            rows = [[peer, index + 1, 'IP', 'ready' if self.rcopy.link_up(peer) else 'failed', '', 'mirror_config']
                    for index, peer in enumerate(sorted(self.rcopy.link.peers))]
            lines += format_table(['Name', 'ID', 'Type', 'Status', 'Options', 'Policy'], rows)
        if part in (None, 'links'):
            lines += ['', 'Link Information', '']
            rows = []
            for peer in sorted(self.rcopy.link.peers):
                status = 'Up' if self.rcopy.link_up(peer) else 'Down'
                rows.append([peer, '0:3:1', self.rcopy.link.host(peer).rsplit(':', 1)[0], status, ''])
                rows.append(['receive', '0:3:1', 'receive', status, ''])
            lines += format_table(['Target', 'Node', 'Address', 'Status', 'Options'], rows)
        if part in (None, 'groups'):
            groups = sorted(self.state.rcgroups)
            if names:
                missing = [n for n in names if n not in self.state.rcgroups]
                if missing:
                    raise CliError('Error: Group %s does not exist' % missing[0])
                groups = names
            lines += ['', 'Group Information']
            for name in groups:
                lines += [''] + self._group_lines(self.state.rcgroups[name])
        return '\n'.join(lines) + '\n'

    def _group_lines(self, group):
        status, dummy, dummy, dummy = group_view(group, self.rcopy.link_up(group.target))
        options = 'Period %s' % period_text(self.rcopy.group_period(group)) if group.mode == 'periodic' else ''
        lines = format_table(['Name', 'Target', 'Status', 'Role', 'Mode', 'Options'],
                             [[group.name, group.target, 'Started' if group.running else 'Stopped', group.role,
                               group.mode.capitalize(), options]])
        synced = group.when_synced.astimezone().strftime('%Y-%m-%d %H:%M:%S %Z') if group.when_synced else 'NA'
        rows = []
        for local, remote, remote_id in group.pairs:
            vol = self.state.volumes.get(local)
            rows.append([local, vol.id if vol else '-', remote, remote_id, status, synced])
        lines += format_table(['LocalVV', 'ID', 'RemoteVV', 'ID', 'SyncStatus', 'LastSyncTime'], rows, indent='  ')
        return lines

    # --- configuration ---------------------------------------------------------------------

    def creatercopygroup(self, args):
        dummy, dummy, rest = parse('creatercopygroup', args, valued=('-domain', '-usr_cpg', '-snp_cpg'))
        if len(rest) != 2:
            raise _usage('creatercopygroup')
        name, spec = rest
        target, sep, mode = spec.partition(':')
        if not sep or not target or mode not in CLI_MODES:
            raise CliError('Error: Invalid target specification %s: use <target_name>:<mode> (mode sync or periodic)' % spec)
        return None, lambda: self._create(name, target, CLI_MODES[mode])

    def _create(self, name, target, mode):
        self.rcopy.create_empty_group(name, target, mode)
        return ''

    def admitrcopyvv(self, args):
        dummy, dummy, rest = parse('admitrcopyvv', args, flags=('-nosync',))
        if len(rest) != 3:
            raise _usage('admitrcopyvv')
        vv, name, spec = rest
        target, sep, secondary = spec.partition(':')
        if not sep or not target or not secondary:
            raise _usage('admitrcopyvv')

        def execute():
            group = self.group(name)
            if target != group.target:
                raise CliError('Error: Target %s is not a target of group %s' % (target, name))
            vol = self.volume(vv)
            if self.state.rcopy_group_of(vv) is not None:
                raise CliError('Error: VV %s is already in remote copy group %s' % (vv, self.state.rcopy_group_of(vv).name))
            self.rcopy.add_members(name, [vol], [secondary])
            return ''
        return None, execute

    def dismissrcopyvv(self, args):
        flags, dummy, rest = parse('dismissrcopyvv', args, flags=('-f', '-pat', '-keepsnap'))
        if len(rest) != 2:
            raise _usage('dismissrcopyvv')
        vv, name = rest

        def check():
            group = self.group(name)
            vol = self.volume(vv)
            if vv not in [pair[0] for pair in group.pairs]:
                raise CliError('Error: VV %s is not in group %s' % (vv, name))
            return vol

        def execute():
            self.rcopy.remove_members(name, [check()])
            return ''
        return self._ask(flags, 'Dismissing VV %s from remote copy group %s.' % (vv, name)), execute, check

    def removercopygroup(self, args):
        flags, dummy, rest = parse('removercopygroup', args, flags=('-f', '-pat', '-keepsnap', '-removevv'))
        if len(rest) != 1:
            raise _usage('removercopygroup')
        name = rest[0]

        def execute():
            self.group(name)
            self.rcopy.delete_group(name)
            return ''
        return self._ask(flags, 'Removing remote copy group %s.' % name), execute, lambda: self.group(name)

    @staticmethod
    def _ask(flags, what):
        return None if '-f' in flags else '%s Do you want to continue?' % what

    # --- operation -------------------------------------------------------------------------

    def startrcopygroup(self, args):
        flags, dummy, rest = parse('startrcopygroup', args, flags=('-wait', '-nosync'))
        if len(rest) != 1:
            raise _usage('startrcopygroup')
        name = rest[0]

        def execute():
            group = self.group(name)
            if group.running:
                raise CliError('Error: Group %s is already started' % name)
            self.rcopy.modify(group, v.RC_OP_RESUME)
            return self.wait_action(name) if '-wait' in flags else ''
        return None, execute

    def stoprcopygroup(self, args):
        flags, dummy, rest = parse('stoprcopygroup', args, flags=('-f', '-nosnap'))
        if len(rest) != 1:
            raise _usage('stoprcopygroup')
        name = rest[0]

        def check():
            group = self.group(name)
            if not group.running and group.action is None:
                raise CliError('Error: Group %s is already stopped' % name)
            return group

        def execute():
            self.rcopy.modify(check(), v.RC_OP_SUSPEND)
            return ''
        return self._ask(flags, 'Stopping remote copy group %s.' % name), execute, check

    def setrcopygroup(self, args):
        if not args:
            raise _usage('setrcopygroup')
        sub, args = args[0], args[1:]
        operations = {'failover': v.RC_OP_FAILOVER, 'recover': v.RC_OP_RESYNC_REPLICA, 'restore': v.RC_OP_FAILBACK,
                      'reverse': v.RC_OP_REVERSE_ROLES}
        if sub in operations:
            flags, values, rest = parse('setrcopygroup', args, flags=('-f', '-waittask', '-nowaitonsync', '-stopgroups',
                                                                      '-local', '-natural', '-current'), valued=('-t',))
            if len(rest) != 1:
                raise _usage('setrcopygroup')
            name = rest[0]

            def check():
                group = self.group(name)
                if '-t' in values and values['-t'] != group.target:
                    raise CliError('Error: Target %s is not a target of group %s' % (values['-t'], name))
                return group

            def execute():
                self.rcopy.modify(check(), operations[sub])
                return self.wait_action(name) if '-waittask' in flags else ''
            return self._ask(flags, 'Running %s on remote copy group %s.' % (sub, name)), execute, check
        if sub == 'mode':
            dummy, dummy, rest = parse('setrcopygroup', args)
            if len(rest) not in (2, 3) or rest[0] not in CLI_MODES:
                raise _usage('setrcopygroup')
            mode, name = CLI_MODES[rest[0]], rest[-1]
            target = rest[1] if len(rest) == 3 else None

            def execute():
                group = self.group(name)
                if target is not None and target != group.target:
                    raise CliError('Error: Target %s is not a target of group %s' % (target, name))
                self.rcopy.modify(group, v.RC_OP_RESET_TO_SYNC if mode == 'sync' else v.RC_OP_RESET_TO_ASYNC)
                return ''
            return None, execute
        if sub == 'period':
            dummy, dummy, rest = parse('setrcopygroup', args)
            if len(rest) != 3:
                raise _usage('setrcopygroup')
            value, target, name = rest
            seconds = self._period(value)

            def execute():
                group = self.group(name)
                if target != group.target:
                    raise CliError('Error: Target %s is not a target of group %s' % (target, name))
                if group.mode != 'periodic':
                    raise CliError('Error: Group %s is not in periodic mode' % name)
                self.rcopy.set_period(group, seconds)
                return ''
            return None, execute
        raise CliError('Error: Invalid subcommand %s\nUsage: %s' % (sub, USAGE['setrcopygroup']))

    @staticmethod
    def _period(value):
        number, unit = (value[:-1], value[-1]) if value and value[-1] in PERIOD_UNITS else (value, 's')
        if not number.isdigit() or int(number) == 0:
            raise CliError('Error: Invalid period value %s: a positive number with s, m, h or d' % value)
        return float(int(number) * PERIOD_UNITS[unit])

    def syncrcopy(self, args):
        flags, dummy, rest = parse('syncrcopy', args, flags=('-w', '-N', '-ovrd'))
        if len(rest) != 1:
            raise _usage('syncrcopy')
        name = rest[0]

        def execute():
            group = self.group(name)
            if group.mode != 'periodic':
                raise CliError('Error: Group %s is not in periodic mode' % name)
            self.rcopy.sync_now(group)
            return 'Synchronization request issued for group %s\n' % name
        return None, execute


def mask_secrets(line):
    """The command line as logged: the value of any password option masked."""
    try:
        words = shlex.split(line)
    except ValueError:
        return '<unparsable command line>'
    masked, hide = [], False
    secret_command = bool(words) and words[0].lower() in SECRET_COMMANDS
    for index, word in enumerate(words):
        if hide or (secret_command and index > 0 and not word.startswith('-')):
            masked.append('****')
        else:
            masked.append(shlex.quote(word))
        hide = word.lower() in SECRET_OPTIONS
    return ' '.join(masked)


__all__ = ['Cli', 'CliError', 'MODES', 'mask_secrets']
