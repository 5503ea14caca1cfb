"""The CLI test matrix: every command of the simulator's 3PAR CLI over SSH (simulator/MODEL.md, "The 3PAR CLI over SSH").

For each command: the documented syntax and its effect, seen at once through ``showrcopy`` on both arrays; wrong
usage, missing groups and volumes, state refusals (status 1, nothing changed on either array); the browse role;
confirmation; unknown commands; commands.log (one JSON line per command, secrets masked, no login password).

One pair of linked arrays serves the module; each test uses its own groups and volumes, and the error tests share
four groups made once (``base``). Effects are read through showrcopy only (not through CIM). The expected usage
lines are read from MODEL.md's command table, so that the documentation and the simulator cannot drift apart.
"""

import json
import os
import re
import socket
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime

import paramiko
import pytest
import pywbem

from cli_ssh import exchange
from rcopy_pair import free_port, wait_for, write_seed
from threepar_sim.control import SimulatorProcess
from threepar_sim.tpdcli import mask_secrets

# pylint: disable=redefined-outer-name

MODEL = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), 'MODEL.md')
PASSWORD = '3pardata'
OPS, OPS_PASSWORD = 'ops', 'Ops-Login-Secret-7Qz'        # an edit user whose password is in no other file
WRONG_PASSWORD = 'Wrong-Login-Secret-3k'
USERS = [{'name': '3paradm', 'password': PASSWORD, 'role': 'edit'}, {'name': '3parbrowse', 'password': PASSWORD, 'role': 'browse'},
         {'name': OPS, 'password': OPS_PASSWORD, 'role': 'edit'}]
VOLUMES = ['v%02d' % n for n in range(1, 41)]
PROMPT = 'select q=quit y=yes n=no: '
NEVER_STARTED = ('Stopped', 'New')        # the SyncStatus of pairs of a group never started
TIME = re.compile(r'\d{4}-\d\d-\d\d \d\d:\d\d:\d\d \S+')


def model_usage():
    """{command: usage text} from the syntax column of MODEL.md's CLI command table."""
    with open(MODEL, encoding='utf-8') as handle:
        text = handle.read()
    section = text.split('## The 3PAR CLI over SSH', 1)[1].split('\n## ', 1)[0]
    usage = {}
    for line in section.splitlines():
        match = re.match(r'\| `([a-z]+)( [^`]*)?`', line)
        if match:
            syntax = (match.group(1) + (match.group(2) or '')).replace('\\|', '|')
            usage[match.group(1)] = usage[match.group(1)] + '\n       ' + syntax if match.group(1) in usage else syntax
    return usage


USAGE = model_usage()


def usage(command):
    return 'Usage: %s\n' % USAGE[command]


# --- the pair and its SSH sessions ---------------------------------------------------------------

class Sessions:
    """One SSH connection per (port, user), each command on a new exec channel (fast: no key exchange per command)."""

    def __init__(self):
        self.clients = {}

    def client(self, port, user, password):
        key = (port, user, password)
        client = self.clients.get(key)
        if client is None or not client.get_transport() or not client.get_transport().is_active():
            client = paramiko.SSHClient()
            client.set_missing_host_key_policy(paramiko.AutoAddPolicy())
            client.connect('127.0.0.1', port=port, username=user, password=password, look_for_keys=False,
                           allow_agent=False, timeout=10)
            client.get_transport().sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            self.clients[key] = client
        return client

    def run(self, port, command, user, password, stdin=None):
        return exchange(self.client(port, user, password), command, stdin)

    def close(self):
        for client in self.clients.values():
            client.close()
        self.clients.clear()


SESSIONS = Sessions()
POOL = ThreadPoolExecutor(2)


@pytest.fixture(scope='module')
def pair(tmp_path_factory):
    """3PAR-A (volumes v01..v40) and 3PAR-B, linked, with SSH; a period of 1 s."""
    tmp = tmp_path_factory.mktemp('cli_commands')
    seeds = {'3PAR-A': {'name': '3PAR-A', 'serial': '1111111', 'users': USERS,
                        'volumes': [{'name': n, 'cpg': 'FC_r5', 'size': '32MiB'} for n in VOLUMES]},
             '3PAR-B': {'name': '3PAR-B', 'serial': '2222222', 'users': USERS,
                        'volumes': [{'name': 'b_free', 'cpg': 'FC_r5', 'size': '32MiB'}]}}
    ports = {name: free_port() for name in seeds}
    sims = []
    for name, peer in (('3PAR-A', '3PAR-B'), ('3PAR-B', '3PAR-A')):
        sims.append(SimulatorProcess(str(tmp / name), name=name, seed=write_seed(tmp / ('%s.yml' % name), seeds[name]),
                                     copy_rate=1024.0, http_port=ports[name],
                                     extra_args=['--peer=%s=http://127.0.0.1:%d' % (peer, ports[peer]), '--rcopy-period=1'],
                                     ssh_port=free_port()))
    for sim in sims:
        sim.start()
    try:
        wait_for(lambda: sims[0].control('/sim/status')['peers']['3PAR-B'] and sims[1].control('/sim/status')['peers']['3PAR-A'],
                 what='the link up')
        yield tuple(sims)
    finally:
        SESSIONS.close()
        for sim in sims:
            sim.stop()


def cli(sim, command, user='3paradm', password=None, stdin=None):
    """(exit status, output) of one command on ``sim``."""
    if password is None:
        password = OPS_PASSWORD if user == OPS else PASSWORD
    return SESSIONS.run(sim.ssh_port, command, user, password, stdin=stdin)


def ok(sim, command, **kwargs):
    status, output = cli(sim, command, **kwargs)
    assert status == 0, (command, output)
    return output


def groups(sim, *names):
    """{group: {target, status, role, mode, options, pairs: [(LocalVV, RemoteVV, SyncStatus, LastSyncTime)]}} of showrcopy groups."""
    lines = ok(sim, ' '.join(('showrcopy', 'groups') + names)).splitlines()
    result, current = {}, None
    for line in lines[lines.index('Group Information') + 1:]:
        fields = line.split()
        if not fields or fields[0] in ('Name', 'LocalVV'):
            continue
        if line.startswith('  '):
            current['pairs'].append((fields[0], fields[2], fields[4], ' '.join(fields[5:])))
        else:
            current = {'target': fields[1], 'status': fields[2], 'role': fields[3], 'mode': fields[4],
                       'options': ' '.join(fields[5:]), 'pairs': []}
            result[fields[0]] = current
    return result


def group(sim, name):
    return groups(sim).get(name)


def row(sim, name):
    """(target, status, role, mode, options) of a group, None when absent."""
    found = group(sim, name)
    return None if found is None else (found['target'], found['status'], found['role'], found['mode'], found['options'])


def pairs(sim, name):
    """[(LocalVV, RemoteVV, SyncStatus)] of a group."""
    return [p[:3] for p in group(sim, name)['pairs']]


def snapshot(a, b):
    """All of showrcopy on both arrays, asked at the same time (times masked: a started periodic group updates them)."""
    return tuple(TIME.sub('<time>', text) for text in POOL.map(lambda sim: ok(sim, 'showrcopy'), (a, b)))


def make(a, name, volumes=(), mode='sync', start=False):
    """A group on a made by the CLI: its volumes admitted (secondaries <vv>_r), started (-wait) when asked."""
    assert ok(a, 'creatercopygroup %s 3PAR-B:%s' % (name, mode)) == ''
    for vol in volumes:
        assert ok(a, 'admitrcopyvv %s %s 3PAR-B:%s_r' % (vol, name, vol)) == ''
    if start:
        assert ok(a, 'startrcopygroup -wait %s' % name) == ''


def wait_row(sim, name, what, **want):
    """Wait until the group row of ``sim`` has the wanted fields (for effects of tasks that end on the other array)."""
    wait_for(lambda: (group(sim, name) or {}).items() >= want.items(), what=what)


@pytest.fixture(scope='module')
def base(pair):
    """Groups for the error, role and confirmation tests: e_stop (sync, stopped: v01), e_run (sync, started: v02),
    e_per (periodic, stopped: v03), e_perrun (periodic, started: v04)."""
    a, dummy = pair
    make(a, 'e_stop', ['v01'])
    make(a, 'e_run', ['v02'], start=True)
    make(a, 'e_per', ['v03'], mode='periodic')
    make(a, 'e_perrun', ['v04'], mode='periodic', start=True)
    return pair


def sides(pair, side):
    a, b = pair
    return a if side == 'A' else b


# --- 1. the documented syntax and its effect on both arrays -----------------------------------------

SHOW_PARTS = {'': ('Remote Copy System Information', 'Target Information', 'Link Information', 'Group Information'),
              'links': ('Link Information',), 'targets': ('Target Information',), 'groups': ('Group Information',)}
HEADINGS = ('Remote Copy System Information', 'Target Information', 'Link Information', 'Group Information')


@pytest.mark.parametrize('user', ['3paradm', '3parbrowse', OPS])
@pytest.mark.parametrize('args', ['', '-d', 'links', 'targets', 'groups', '-d groups', 'groups e_stop', 'groups e_stop e_run'])
@pytest.mark.parametrize('side', ['A', 'B'])
def test_showrcopy_forms(base, side, args, user):
    sim = sides(base, side)
    output = ok(sim, ('showrcopy ' + args).strip(), user=user)
    part = args.replace('-d', '').split()[0] if args.replace('-d', '').split() else ''
    lines = output.splitlines()
    assert [h for h in HEADINGS if h in lines] == list(SHOW_PARTS[part])
    peer = '3PAR-B' if side == 'A' else '3PAR-A'
    if part in ('', 'targets'):
        assert lines[lines.index('Target Information') + 3].split() == [peer, '1', 'IP', 'ready', 'mirror_config']
    if part in ('', 'links'):
        link = lines.index('Link Information')
        assert [lines[link + 3].split()[i] for i in (0, 1, 3)] == [peer, '0:3:1', 'Up']
        assert lines[link + 4].split() == ['receive', '0:3:1', 'receive', 'Up']
    if part in ('', 'groups'):
        names = args.split()[1:] if args.startswith('groups') else []
        shown = [line.split()[0] for line in lines if line and not line.startswith(' ') and line.split()[0].startswith('e_')]
        assert shown == (names or ['e_per', 'e_perrun', 'e_run', 'e_stop'])


@pytest.mark.parametrize('spec, options, mode', [
    ('sync', '', 'Sync'), ('periodic', '', 'Periodic'), ('async', '', 'Periodic'),
    ('sync', '-domain D1 -usr_cpg FC_r5 -snp_cpg FC_r5 ', 'Sync')])
def test_creatercopygroup(pair, spec, options, mode):
    a, b = pair
    name = 'c_%s%s' % (spec, '_opt' if options else '')
    assert cli(a, 'creatercopygroup %s%s 3PAR-B:%s' % (options, name, spec)) == (0, '')
    period = 'Period 1s' if mode == 'Periodic' else ''
    assert row(a, name) == ('3PAR-B', 'Stopped', 'Primary', mode, period)
    assert row(b, name) == ('3PAR-A', 'Stopped', 'Secondary', mode, period)
    assert pairs(a, name) == [] and pairs(b, name) == []


@pytest.mark.parametrize('options', ['', '-nosync '])
def test_admitrcopyvv(pair, options):
    a, b = pair
    name, vol = ('adm_nosync', 'v06') if options else ('adm', 'v05')
    make(a, name)
    assert cli(a, 'admitrcopyvv %s%s %s 3PAR-B:%s_r' % (options, vol, name, vol)) == (0, '')
    [(local, remote, status)] = pairs(a, name)
    assert (local, remote) == (vol, vol + '_r') and status in NEVER_STARTED
    [(local, remote, status)] = pairs(b, name)
    assert (local, remote) == (vol + '_r', vol) and status in NEVER_STARTED
    assert row(a, name)[:3] == ('3PAR-B', 'Stopped', 'Primary')


def test_dismissrcopyvv(pair):
    a, b = pair
    make(a, 'dis', ['v07', 'v08', 'v09'])
    before = snapshot(a, b)
    for answer in (None, 'n\n'):
        assert cli(a, 'dismissrcopyvv v07 dis', stdin=answer)[0] == 1
        assert snapshot(a, b) == before
    question = 'Dismissing VV v07 from remote copy group dis. Do you want to continue?\n' + PROMPT + '\n'
    assert cli(a, 'dismissrcopyvv v07 dis', stdin='y\n') == (0, question)
    assert [p[0] for p in pairs(a, 'dis')] == ['v08', 'v09'] and [p[0] for p in pairs(b, 'dis')] == ['v08_r', 'v09_r']
    assert cli(a, 'dismissrcopyvv -f v08 dis') == (0, '')
    assert cli(a, 'dismissrcopyvv -f -pat -keepsnap v09 dis') == (0, '')
    assert pairs(a, 'dis') == [] and pairs(b, 'dis') == []
    assert cli(a, 'admitrcopyvv v07 dis 3PAR-B:v07_r') == (0, '')          # the volume is free again
    assert [p[0] for p in pairs(b, 'dis')] == ['v07_r']


@pytest.mark.parametrize('command, answer', [('removercopygroup rem1', 'y\n'), ('removercopygroup -f rem2', None),
                                             ('removercopygroup -f -pat -keepsnap -removevv rem3', None)])
def test_removercopygroup(pair, command, answer):
    a, b = pair
    name = command.split()[-1]
    vol = {'rem1': 'v10', 'rem2': 'v11', 'rem3': 'v12'}[name]
    make(a, name, [vol])
    if answer:
        before = snapshot(a, b)
        assert cli(a, command)[0] == 1
        assert snapshot(a, b) == before
    status, output = cli(a, command, stdin=answer)
    assert status == 0 and output == ('Removing remote copy group %s. Do you want to continue?\n%s\n' % (name, PROMPT) if answer else '')
    assert row(a, name) is None and row(b, name) is None
    make(a, name + 'x', [vol])                                            # the volume (and the name) are free again
    assert [p[0] for p in pairs(a, name + 'x')] == [vol]


def test_startrcopygroup_stoprcopygroup(pair):
    a, b = pair
    make(a, 'ss', ['v13'])
    assert cli(a, 'startrcopygroup ss') == (0, '')                       # returns once the task is started
    assert row(a, 'ss')[1:3] == ('Started', 'Primary') and row(b, 'ss')[1:3] == ('Started', 'Secondary')
    wait_for(lambda: pairs(a, 'ss')[0][2] == 'Synced' and pairs(b, 'ss')[0][2] == 'Synced', what='synced')
    assert group(a, 'ss')['pairs'][0][3] != 'NA'                         # LastSyncTime
    before = snapshot(a, b)
    for answer in (None, 'n\n', 'q\n'):
        assert cli(a, 'stoprcopygroup ss', stdin=answer)[0] == 1
        assert snapshot(a, b) == before
    assert cli(a, 'stoprcopygroup ss', stdin='yes\n') == (0, 'Stopping remote copy group ss. Do you want to continue?\n%s\n' % PROMPT)
    assert row(a, 'ss')[1] == 'Stopped' and row(b, 'ss')[1] == 'Stopped'
    assert pairs(a, 'ss')[0][2] == 'Stopped' and pairs(b, 'ss')[0][2] == 'Stopped'
    assert cli(a, 'startrcopygroup -wait ss') == (0, '')                 # -wait: synced when it returns
    assert pairs(a, 'ss')[0][2] == 'Synced' and row(b, 'ss')[1] == 'Started'
    assert cli(a, 'stoprcopygroup -f -nosnap ss') == (0, '')
    assert row(a, 'ss')[1] == 'Stopped' and row(b, 'ss')[1] == 'Stopped'
    assert cli(b, 'startrcopygroup -nosync ss') == (0, '')               # either array may start it
    assert row(a, 'ss')[1] == 'Started' and row(b, 'ss')[1] == 'Started'
    wait_for(lambda: pairs(a, 'ss')[0][2] == 'Synced' and pairs(b, 'ss')[0][2] == 'Synced', what='synced')
    assert cli(b, 'stoprcopygroup -f ss') == (0, '')
    assert row(a, 'ss')[1] == 'Stopped' and row(b, 'ss')[1] == 'Stopped'


def test_setrcopygroup_mode(pair):
    a, b = pair
    make(a, 'md', ['v14'])
    for command, mode, options in (('mode periodic md', 'Periodic', 'Period 1s'), ('mode sync 3PAR-B md', 'Sync', ''),
                                   ('mode async md', 'Periodic', 'Period 1s'), ('mode periodic md', 'Periodic', 'Period 1s'),
                                   ('mode sync md', 'Sync', '')):
        assert cli(a, 'setrcopygroup ' + command) == (0, ''), command
        assert row(a, 'md')[3:] == (mode, options) and row(b, 'md')[3:] == (mode, options), command


@pytest.mark.parametrize('value, shown', [('30s', '30s'), ('45', '45s'), ('5m', '5m'), ('120s', '2m'), ('90m', '90m'),
                                          ('2h', '2h'), ('1d', '1d'), ('3600s', '1h')])
def test_setrcopygroup_period(pair, value, shown):
    a, b = pair
    if row(a, 'pd') is None:
        make(a, 'pd', ['v15'], mode='periodic')
    assert cli(a, 'setrcopygroup period %s 3PAR-B pd' % value) == (0, '')
    assert row(a, 'pd')[3:] == ('Periodic', 'Period ' + shown) and row(b, 'pd')[3:] == ('Periodic', 'Period ' + shown)


def test_syncrcopy(pair):
    a, b = pair
    make(a, 'sy', ['v16'], mode='periodic', start=True)
    before = snapshot(a, b)
    for command in ('syncrcopy sy', 'syncrcopy -w -N -ovrd sy'):
        assert cli(a, command) == (0, 'Synchronization request issued for group sy\n')
    assert snapshot(a, b) == before                      # the group stays as it is (started, synced)
    assert row(a, 'sy')[1] == 'Started' and pairs(a, 'sy')[0][2] == 'Synced'


def test_failover_recover_restore_reverse(pair):
    a, b = pair
    make(a, 'fo', ['v17'], start=True)
    ok(a, 'stoprcopygroup -f fo')
    before = snapshot(a, b)
    for answer in (None, 'n\n'):
        assert cli(b, 'setrcopygroup failover -waittask fo', stdin=answer)[0] == 1
        assert snapshot(a, b) == before
    assert cli(b, 'setrcopygroup failover -waittask fo', stdin='y\n') == (
        0, 'Running failover on remote copy group fo. Do you want to continue?\n%s\n' % PROMPT)
    assert row(b, 'fo')[1:3] == ('Stopped', 'Primary-Rev') and row(a, 'fo')[1:3] == ('Stopped', 'Secondary-Rev')
    assert cli(b, 'setrcopygroup recover -f -waittask fo') == (0, '')
    assert row(b, 'fo')[1:3] == ('Started', 'Primary-Rev') and row(a, 'fo')[1:3] == ('Started', 'Secondary-Rev')
    assert pairs(b, 'fo')[0][2] == 'Synced'
    assert cli(b, 'setrcopygroup restore -f -waittask -t 3PAR-A fo') == (0, '')
    assert row(b, 'fo')[1:3] == ('Started', 'Secondary')
    wait_row(a, 'fo', 'restore on 3PAR-A', status='Started', role='Primary')
    ok(a, 'stoprcopygroup -f fo')
    assert cli(a, 'setrcopygroup reverse fo', stdin='y\n')[0] == 0
    assert row(a, 'fo')[1:3] == ('Stopped', 'Secondary') and row(b, 'fo')[1:3] == ('Stopped', 'Primary')
    assert cli(b, 'setrcopygroup reverse -f -t 3PAR-A fo') == (0, '')
    assert row(a, 'fo')[1:3] == ('Stopped', 'Primary') and row(b, 'fo')[1:3] == ('Stopped', 'Secondary')
    assert cli(a, 'startrcopygroup -wait fo') == (0, '')
    assert row(b, 'fo')[1:3] == ('Started', 'Secondary')


def test_reverse_of_a_recovered_group(pair):
    a, b = pair
    make(a, 'rv', ['v18'], start=True)
    ok(a, 'stoprcopygroup -f rv')
    ok(b, 'setrcopygroup failover -f -waittask rv')
    ok(b, 'setrcopygroup recover -f -waittask rv')
    assert cli(b, 'setrcopygroup reverse -f rv') == (0, '')             # Primary-Rev/Synced: the roles swap
    assert row(b, 'rv')[2] == 'Primary' and row(a, 'rv')[2] == 'Secondary'


def test_an_edit_user_may_run_every_command(pair):
    a, b = pair
    for command in ('creatercopygroup ops1 3PAR-B:sync', 'admitrcopyvv v19 ops1 3PAR-B:v19_r', 'admitrcopyvv v20 ops1 3PAR-B:v20_r',
                    'dismissrcopyvv -f v20 ops1', 'setrcopygroup mode periodic ops1', 'setrcopygroup period 2m 3PAR-B ops1',
                    'startrcopygroup -wait ops1', 'syncrcopy ops1', 'stoprcopygroup -f ops1'):
        assert cli(a, command, user=OPS)[0] == 0, command
    assert row(b, 'ops1') == ('3PAR-A', 'Stopped', 'Secondary', 'Periodic', 'Period 2m')
    for command in ('setrcopygroup failover -f -waittask ops1', 'setrcopygroup recover -f -waittask ops1',
                    'setrcopygroup restore -f -waittask ops1'):
        assert cli(b, command, user=OPS)[0] == 0, command
    wait_row(a, 'ops1', 'restore on 3PAR-A', status='Started', role='Primary')
    for command in ('stoprcopygroup -f ops1', 'setrcopygroup reverse -f ops1', 'setrcopygroup reverse -f ops1',
                    'removercopygroup -f ops1'):
        assert cli(a, command, user=OPS)[0] == 0, command
    assert row(a, 'ops1') is None and row(b, 'ops1') is None


# --- 2. wrong usage, missing objects, refusals: status 1 and nothing changed -------------------------

USAGE_CASES = [
    ('showrcopy', 'showrcopy bogus'), ('showrcopy', 'showrcopy links e_stop'), ('showrcopy', 'showrcopy targets x'),
    ('creatercopygroup', 'creatercopygroup'), ('creatercopygroup', 'creatercopygroup nw'),
    ('creatercopygroup', 'creatercopygroup nw 3PAR-B:sync extra'),
    ('admitrcopyvv', 'admitrcopyvv'), ('admitrcopyvv', 'admitrcopyvv v05'), ('admitrcopyvv', 'admitrcopyvv v05 e_stop'),
    ('admitrcopyvv', 'admitrcopyvv v05 e_stop 3PAR-B'), ('admitrcopyvv', 'admitrcopyvv v05 e_stop 3PAR-B:'),
    ('admitrcopyvv', 'admitrcopyvv v05 e_stop :v05_r'), ('admitrcopyvv', 'admitrcopyvv v05 e_stop 3PAR-B:v05_r x'),
    ('dismissrcopyvv', 'dismissrcopyvv'), ('dismissrcopyvv', 'dismissrcopyvv -f v01'), ('dismissrcopyvv', 'dismissrcopyvv v01 e_stop x'),
    ('removercopygroup', 'removercopygroup'), ('removercopygroup', 'removercopygroup -f'), ('removercopygroup', 'removercopygroup e_stop e_per'),
    ('startrcopygroup', 'startrcopygroup'), ('startrcopygroup', 'startrcopygroup -wait'), ('startrcopygroup', 'startrcopygroup e_stop e_per'),
    ('stoprcopygroup', 'stoprcopygroup'), ('stoprcopygroup', 'stoprcopygroup -f'), ('stoprcopygroup', 'stoprcopygroup e_run e_perrun'),
    ('setrcopygroup', 'setrcopygroup'), ('setrcopygroup', 'setrcopygroup failover'), ('setrcopygroup', 'setrcopygroup recover -f'),
    ('setrcopygroup', 'setrcopygroup restore -f e_stop e_per'), ('setrcopygroup', 'setrcopygroup reverse'),
    ('setrcopygroup', 'setrcopygroup mode'), ('setrcopygroup', 'setrcopygroup mode sync'), ('setrcopygroup', 'setrcopygroup mode fast e_stop'),
    ('setrcopygroup', 'setrcopygroup mode sync 3PAR-B e_stop x'), ('setrcopygroup', 'setrcopygroup period'),
    ('setrcopygroup', 'setrcopygroup period 5m e_per'), ('setrcopygroup', 'setrcopygroup period 5m 3PAR-B e_per x'),
    ('syncrcopy', 'syncrcopy'), ('syncrcopy', 'syncrcopy -w'), ('syncrcopy', 'syncrcopy e_per e_perrun'),
]
OPTION_CASES = [
    ('showrcopy', 'showrcopy -x'), ('showrcopy', 'showrcopy -x groups'),
    ('creatercopygroup', 'creatercopygroup -x nw 3PAR-B:sync'), ('creatercopygroup', 'creatercopygroup -domain D1 -f nw 3PAR-B:sync'),
    ('admitrcopyvv', 'admitrcopyvv -x v05 e_stop 3PAR-B:v05_r'), ('dismissrcopyvv', 'dismissrcopyvv -x v01 e_stop'),
    ('removercopygroup', 'removercopygroup -x e_stop'), ('startrcopygroup', 'startrcopygroup -x e_stop'),
    ('stoprcopygroup', 'stoprcopygroup -x e_run'), ('setrcopygroup', 'setrcopygroup failover -x e_stop'),
    ('setrcopygroup', 'setrcopygroup recover -f -x e_stop'), ('setrcopygroup', 'setrcopygroup mode -x sync e_stop'),
    ('setrcopygroup', 'setrcopygroup period -x 5m 3PAR-B e_per'), ('syncrcopy', 'syncrcopy -x e_perrun'),
]
VALUE_CASES = [('creatercopygroup', 'creatercopygroup -domain', '-domain'), ('creatercopygroup', 'creatercopygroup -usr_cpg', '-usr_cpg'),
               ('setrcopygroup', 'setrcopygroup reverse -f -t', '-t')]
MISSING_GROUP = [
    'showrcopy groups nogroup', 'showrcopy groups e_stop nogroup', 'admitrcopyvv v05 nogroup 3PAR-B:v05_r',
    'dismissrcopyvv -f v01 nogroup', 'dismissrcopyvv v01 nogroup', 'removercopygroup -f nogroup', 'removercopygroup nogroup',
    'startrcopygroup nogroup', 'startrcopygroup -wait nogroup', 'stoprcopygroup -f nogroup', 'stoprcopygroup nogroup',
    'setrcopygroup failover -f nogroup', 'setrcopygroup recover nogroup', 'setrcopygroup restore -f nogroup',
    'setrcopygroup reverse nogroup', 'setrcopygroup mode sync nogroup', 'setrcopygroup mode periodic 3PAR-B nogroup',
    'setrcopygroup period 5m 3PAR-B nogroup', 'syncrcopy nogroup',
]
# (array, command, the exact answer or, ending with '...', its start)
REFUSALS = [
    ('A', 'admitrcopyvv nosuchvv e_stop 3PAR-B:x_r', 'Error: VV nosuchvv does not exist\n'),
    ('A', 'dismissrcopyvv -f nosuchvv e_stop', 'Error: VV nosuchvv does not exist\n'),
    ('A', 'dismissrcopyvv nosuchvv e_stop', 'Error: VV nosuchvv does not exist\n'),
    ('A', 'dismissrcopyvv -f v05 e_stop', 'Error: VV v05 is not in group e_stop\n'),
    ('A', 'dismissrcopyvv -f v02 e_stop', 'Error: VV v02 is not in group e_stop\n'),
    ('A', 'startrcopygroup e_run', 'Error: Group e_run is already started\n'),
    ('B', 'startrcopygroup -wait e_run', 'Error: Group e_run is already started\n'),
    ('A', 'stoprcopygroup -f e_stop', 'Error: Group e_stop is already stopped\n'),
    ('A', 'stoprcopygroup e_stop', 'Error: Group e_stop is already stopped\n'),
    ('A', 'creatercopygroup nw 3PAR-B:fast', 'Error: Invalid target specification 3PAR-B:fast: use <target_name>:<mode> (mode sync or periodic)\n'),
    ('A', 'creatercopygroup nw 3PAR-B', 'Error: Invalid target specification 3PAR-B: use <target_name>:<mode> (mode sync or periodic)\n'),
    ('A', 'creatercopygroup nw 3PAR-X:sync', 'Error: no remote copy target named 3PAR-X\n'),
    ('A', 'creatercopygroup e_stop 3PAR-B:sync', 'Error: remote copy group e_stop exists\n'),
    ('A', 'admitrcopyvv v05 e_stop 3PAR-X:v05_r', 'Error: Target 3PAR-X is not a target of group e_stop\n'),
    ('A', 'admitrcopyvv v01 e_per 3PAR-B:v01_x', 'Error: VV v01 is already in remote copy group e_stop\n'),
    ('A', 'setrcopygroup mode sync 3PAR-X e_per', 'Error: Target 3PAR-X is not a target of group e_per\n'),
    ('A', 'setrcopygroup period 5m 3PAR-X e_per', 'Error: Target 3PAR-X is not a target of group e_per\n'),
    ('B', 'setrcopygroup failover -f -t 3PAR-X e_stop', 'Error: Target 3PAR-X is not a target of group e_stop\n'),
    ('A', 'setrcopygroup period 0 3PAR-B e_per', 'Error: Invalid period value 0: a positive number with s, m, h or d\n'),
    ('A', 'setrcopygroup period 5x 3PAR-B e_per', 'Error: Invalid period value 5x: a positive number with s, m, h or d\n'),
    ('A', 'setrcopygroup period m 3PAR-B e_per', 'Error: Invalid period value m: a positive number with s, m, h or d\n'),
    ('A', 'setrcopygroup period 5m 3PAR-B e_stop', 'Error: Group e_stop is not in periodic mode\n'),
    ('A', 'syncrcopy e_stop', 'Error: Group e_stop is not in periodic mode\n'),
    ('A', 'syncrcopy e_run', 'Error: Group e_run is not in periodic mode\n'),
    ('A', 'setrcopygroup explode e_stop', 'Error: Invalid subcommand explode\n' + usage('setrcopygroup')),
    ('A', 'showrcopy groups "unbalanced', 'Error: No closing quotation\n'),
    # refusals of the domain (its reason follows "Error: ")
    ('A', 'setrcopygroup failover -f e_stop', 'Error: Failover is issued on the secondary array...'),
    ('B', 'setrcopygroup failover -f e_run', 'Error: remote copy group e_run is started...'),
    ('A', 'setrcopygroup recover -f e_stop', 'Error: Resync Replica (recover) needs the group failed over...'),
    ('B', 'setrcopygroup recover -f e_stop', 'Error: Resync Replica (recover) needs the group failed over...'),
    ('A', 'setrcopygroup restore -f e_stop', 'Error: Failback (restore) needs the group recovered...'),
    ('A', 'setrcopygroup reverse -f e_run', 'Error: Reverse Roles needs the group recovered...'),
    ('A', 'dismissrcopyvv -f v02 e_run', 'Error: RemoveMembers: remote copy group e_run is started...'),
    ('A', 'admitrcopyvv v40 e_run 3PAR-B:v40_r', 'Error: AddMembers: remote copy group e_run is started...'),
    ('B', 'admitrcopyvv b_free e_stop 3PAR-A:b_free_p', 'Error: AddMembers: remote copy group e_stop is Secondary here...'),
    ('B', 'admitrcopyvv v40_r e_stop 3PAR-A:v40', 'Error: VV v40_r does not exist\n'),
    ('B', 'admitrcopyvv v01_r e_per 3PAR-A:v01', 'Error: VV v01_r is already in remote copy group e_stop\n'),
    ('B', 'dismissrcopyvv -f v01_r e_stop', 'Error: RemoveMembers: remote copy group e_stop is Secondary here...'),
    ('A', 'removercopygroup -f e_run', 'Error: remote copy group e_run is started: stop it first...'),
    ('A', 'setrcopygroup mode periodic e_run', 'Error: the mode of remote copy group e_run changes only while it is stopped...'),
    ('A', 'syncrcopy e_per', 'Error: remote copy group e_per is not started\n'),
    ('B', 'syncrcopy e_perrun', 'Error: syncrcopy is issued on the primary array...'),
]


def expect(output, expected):
    if expected.endswith('...'):
        assert output.startswith(expected[:-3]) and output.endswith('\n') and output.count('\n') == 1, output
    else:
        assert output == expected


def refused(pair, side, command, expected, **kwargs):
    """The command answers status 1 and ``expected``; showrcopy reads the same on both arrays before and after."""
    a, b = pair
    before = snapshot(a, b)
    status, output = cli(sides(pair, side), command, **kwargs)
    assert status == 1, output
    expect(output, expected)
    assert snapshot(a, b) == before


@pytest.mark.parametrize('command, line', USAGE_CASES, ids=[c[1] for c in USAGE_CASES])
def test_usage(base, command, line):
    refused(base, 'A', line, usage(command))


@pytest.mark.parametrize('command, line', OPTION_CASES, ids=[c[1] for c in OPTION_CASES])
def test_invalid_option(base, command, line):
    option = [w for w in line.split()[1:] if w.startswith('-') and w not in ('-domain', 'D1')][-1]
    refused(base, 'A', line, 'Error: Invalid option %s\n%s' % (option, usage(command)))


@pytest.mark.parametrize('command, line, option', VALUE_CASES, ids=[c[1] for c in VALUE_CASES])
def test_option_without_value(base, command, line, option):
    refused(base, 'A', line, 'Error: option %s requires a value\n%s' % (option, usage(command)))


@pytest.mark.parametrize('side', ['A', 'B'])
@pytest.mark.parametrize('line', MISSING_GROUP)
def test_missing_group(base, line, side):
    refused(base, side, line, 'Error: Group nogroup does not exist\n')


@pytest.mark.parametrize('side, line, expected', REFUSALS, ids=['%s: %s' % (c[0], c[1]) for c in REFUSALS])
def test_refusal(base, side, line, expected):
    refused(base, side, line, expected)


def test_usage_lines_are_those_of_model_md():
    from threepar_sim.tpdcli import USAGE as CLI_USAGE    # pylint: disable=import-outside-toplevel
    assert CLI_USAGE == USAGE


# --- 3. roles -------------------------------------------------------------------------------------

CHANGING = [
    ('A', 'creatercopygroup b_new 3PAR-B:sync'), ('A', 'creatercopygroup'), ('A', 'admitrcopyvv v05 e_stop 3PAR-B:v05_r'),
    ('A', 'dismissrcopyvv -f v01 e_stop'), ('A', 'dismissrcopyvv v01 e_stop'), ('A', 'removercopygroup -f e_stop'),
    ('A', 'removercopygroup e_stop'), ('A', 'startrcopygroup e_stop'), ('B', 'startrcopygroup -wait e_per'),
    ('A', 'stoprcopygroup -f e_run'), ('A', 'stoprcopygroup e_run'), ('B', 'setrcopygroup failover -f e_stop'),
    ('B', 'setrcopygroup failover e_stop'), ('B', 'setrcopygroup recover -f e_stop'), ('B', 'setrcopygroup restore -f e_stop'),
    ('A', 'setrcopygroup reverse -f e_stop'), ('A', 'setrcopygroup mode periodic e_stop'),
    ('A', 'setrcopygroup period 5m 3PAR-B e_per'), ('A', 'syncrcopy e_perrun'), ('A', 'setrcopygroup'),
]


@pytest.mark.parametrize('side, line', CHANGING, ids=['%s: %s' % c for c in CHANGING])
def test_browse_user_may_not_change(base, side, line):
    refused(base, side, line, 'Error: Permission denied: user 3parbrowse (role browse) may not run %s\n' % line.split()[0],
            user='3parbrowse', stdin='y\n')


# --- 4. confirmation ------------------------------------------------------------------------------

CONFIRM = [
    ('A', 'dismissrcopyvv v01 e_stop', 'Dismissing VV v01 from remote copy group e_stop.'),
    ('A', 'removercopygroup e_stop', 'Removing remote copy group e_stop.'),
    ('A', 'stoprcopygroup e_run', 'Stopping remote copy group e_run.'),
    ('B', 'setrcopygroup failover e_stop', 'Running failover on remote copy group e_stop.'),
    ('B', 'setrcopygroup recover -waittask e_stop', 'Running recover on remote copy group e_stop.'),
    ('B', 'setrcopygroup restore e_stop', 'Running restore on remote copy group e_stop.'),
    ('A', 'setrcopygroup reverse -t 3PAR-B e_stop', 'Running reverse on remote copy group e_stop.'),
]


@pytest.mark.parametrize('answer', [None, 'n\n', 'q\n', 'maybe\n'])
@pytest.mark.parametrize('side, line, what', CONFIRM, ids=[c[1] for c in CONFIRM])
def test_confirmation_refused(base, side, line, what, answer):
    refused(base, side, line, '%s Do you want to continue?\n%s\n' % (what, PROMPT), stdin=answer)


def test_confirmation_asked_after_checks(base):
    """A missing group or a wrong target is told at once, without a question."""
    refused(base, 'A', 'setrcopygroup reverse -t 3PAR-X e_stop', 'Error: Target 3PAR-X is not a target of group e_stop\n')
    refused(base, 'A', 'dismissrcopyvv v05 e_stop', 'Error: VV v05 is not in group e_stop\n')


# --- 5. unknown commands --------------------------------------------------------------------------

UNKNOWN = ['frobnicate', 'frobnicate -x y', 'showvv', 'createvv -tpvv FC_r5 x 1g', 'SHOWRCOPY', 'showrcopygroups', 'setpassword -password s3cr3t',
           'removevv -f v01']


@pytest.mark.parametrize('user', ['3paradm', '3parbrowse'])
@pytest.mark.parametrize('line', UNKNOWN)
def test_unknown_command(base, line, user):
    a, dummy = base
    assert cli(a, line, user=user) == (1, 'invalid command name "%s"\n' % line.split()[0])


def test_unknown_command_changes_nothing(base):
    refused(base, 'B', 'removercopygroup_all -f e_stop', 'invalid command name "removercopygroup_all"\n')


# --- 6. commands.log ------------------------------------------------------------------------------

def log_records(sim):
    with open(os.path.join(sim.data_dir, 'commands.log'), encoding='utf-8') as handle:
        return [json.loads(line) for line in handle.read().splitlines()]


def test_commands_log_one_line_per_command(base):
    a, dummy = base
    count = len(log_records(a))
    commands = [('3paradm', 'showrcopy groups e_stop', 0), ('3parbrowse', 'showrcopy links', 0),
                ('3parbrowse', 'startrcopygroup e_stop', 1), ('3paradm', 'startrcopygroup nogroup', 1),
                (OPS, 'setrcopygroup mode sync e_stop', 0), ('3paradm', 'frobnicate', 1), ('3paradm', 'stoprcopygroup e_run', 1),
                ('3paradm', 'showrcopy -x', 1)]
    for user, line, status in commands:
        assert cli(a, line, user=user)[0] == status
    records = log_records(a)[count:]
    assert [(r['user'], r['command'], r['status']) for r in records] == commands
    for record in records:
        assert set(record) == {'time', 'user', 'command', 'status', 'ms'}
        assert datetime.fromisoformat(record['time']).tzinfo is not None
        assert isinstance(record['ms'], (int, float)) and record['ms'] >= 0


SECRETS = [
    ('setpassword -password s3cr3t-1', 'setpassword -password ****', 's3cr3t-1'),
    ('setpassword -PASSWORD s3cr3t-2', 'setpassword -PASSWORD ****', 's3cr3t-2'),
    ('frob -pw s3cr3t-3 -x', 'frob -pw **** -x', 's3cr3t-3'),
    ('frob -passwd "s3cr3t 4"', 'frob -passwd ****', 's3cr3t 4'),
    ('frob -p s3cr3t-5 more', 'frob -p **** more', 's3cr3t-5'),
    ('createuser -c s3cr3t-6 joe all edit', 'createuser -c **** **** **** ****', 's3cr3t-6'),
    ('setpassword s3cr3t-7', 'setpassword ****', 's3cr3t-7'),
    ('setpassword -password "s3cr3t-8', '<unparsable command line>', 's3cr3t-8'),
    ('showrcopy groups -password s3cr3t-9', 'showrcopy groups -password ****', 's3cr3t-9'),
    ("showrcopy groups 'a b'", "showrcopy groups 'a b'", None),
]


@pytest.mark.parametrize('line, masked, secret', SECRETS, ids=[s[1] for s in SECRETS])
def test_mask_secrets(line, masked, secret):
    assert mask_secrets(line) == masked
    assert secret is None or secret not in mask_secrets(line)


def test_commands_log_masks_secrets(base):
    a, dummy = base
    for line, masked, dummy_secret in SECRETS:
        cli(a, line)
        assert log_records(a)[-1]['command'] == masked
    with open(os.path.join(a.data_dir, 'commands.log'), encoding='utf-8') as handle:
        text = handle.read()
    for dummy_line, dummy_masked, secret in SECRETS:
        assert secret is None or secret not in text


def test_login_password_is_in_no_log(base):
    a, b = base
    for sim in (a, b):
        assert cli(sim, 'showrcopy groups', user=OPS)[0] == 0
        assert cli(sim, 'creatercopygroup -domain %s pw_%s 3PAR-X:sync' % (OPS, sim.name[-1]), user=OPS)[0] == 1
        with pytest.raises(paramiko.AuthenticationException):
            cli(sim, 'showrcopy', user=OPS, password=WRONG_PASSWORD)
        with pytest.raises(paramiko.AuthenticationException):
            cli(sim, 'showrcopy', user='nobody', password=OPS_PASSWORD)
        assert any(r['user'] == OPS for r in log_records(sim))
        for password in (OPS_PASSWORD, WRONG_PASSWORD):       # CIM logins too (requests.log)
            conn = pywbem.WBEMConnection(sim.https_url, (OPS, password), default_namespace='root/tpd', ca_certs=sim.cert, timeout=20)
            try:
                conn.EnumerateInstanceNames('TPD_StorageVolume')
            except pywbem.Error:
                assert password == WRONG_PASSWORD
        found = {}
        for root, dummy, files in os.walk(sim.data_dir):
            for name in files:
                with open(os.path.join(root, name), 'rb') as handle:
                    data = handle.read()
                found[os.path.relpath(os.path.join(root, name), sim.data_dir)] = (OPS_PASSWORD.encode() in data,
                                                                                  WRONG_PASSWORD.encode() in data)
        assert {'commands.log', 'serve.log', 'requests.log'} <= set(found)
        assert not any(wrong for dummy, wrong in found.values())
        # the account store keeps the password (as the seed gave it); no log does
        assert [name for name, (password, dummy) in found.items() if password and name.endswith('.log')] == []


def test_injected_cli_error_refuses_once_and_changes_nothing():
    """The cli_error fault (MODEL.md): the next command of that name is refused with the message, nothing done."""
    from threepar_sim.faults import Faults
    faults = Faults()
    faults.arm({'cli_error': {'command': 'setrcopygroup', 'message': 'Error: injected'}})
    assert faults.snapshot()['cli_error'] == {'setrcopygroup': 'Error: injected'}
    assert faults.take_cli_error('stoprcopygroup') is None
    assert faults.take_cli_error('setrcopygroup') == 'Error: injected'
    assert faults.take_cli_error('setrcopygroup') is None
