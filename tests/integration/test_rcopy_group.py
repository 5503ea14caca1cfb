"""threepar_rcopy_group against TWO real simulator processes linked for remote copy (``threepar-sim serve --peer``):
every transition of Table 107 driven through the module, the failover with the primary killed (kill -9), the
read-only provider, members, idempotent re-runs and check mode, counted in each array's request log.

The tests run in file order and share the two processes (one group, rcg, walked through its life)."""

import json
import os
import shutil
import sys
import tempfile
import time

import pytest
import yaml
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.serialization import BestAvailableEncryption, Encoding, PrivateFormat, PublicFormat

from threepar_sim.control import SimulatorProcess, free_port

from conftest import COLLECTIONS, PASSWORD, USER, Playbooks

if COLLECTIONS not in sys.path:
    sys.path.insert(0, COLLECTIONS)
from ansible_collections.smis.threepar.plugins.module_utils.threepar.runner import gather_info  # noqa: E402 pylint: disable=wrong-import-position

GROUP = 'rcg'
MEMBERS = [{'volume': 'db01', 'remote_volume': 'db01_r'}, {'volume': 'db02', 'remote_volume': 'db02_r'}]
DB03 = {'volume': 'db03', 'remote_volume': 'db03_r'}
SEEDS = {
    '3PAR-A': {'name': '3PAR-A', 'serial': '1111111', 'volumes': [
        {'name': n, 'cpg': 'FC_r5', 'size': '128MiB'} for n in ('db01', 'db02', 'db03')]},
    '3PAR-B': {'name': '3PAR-B', 'serial': '2222222', 'volumes': [{'name': 'db01_r', 'cpg': 'FC_r5', 'size': '128MiB'}]},
}
PEER = {'3PAR-A': '3PAR-B', '3PAR-B': '3PAR-A'}


class Array:
    """One simulated array of the pair, shaped like conftest.Simulator for conftest.Playbooks."""

    def __init__(self, base, name, ports, peer_http_port, extra=()):
        self.name = name
        self.ports = ports
        self.ssh_port = free_port()
        self.peer_http_port = peer_http_port
        data = os.path.join(base, name)
        os.makedirs(data)
        seed = os.path.join(base, name + '.yml')
        with open(seed, 'w', encoding='utf-8') as handle:
            yaml.safe_dump(SEEDS[name], handle)
        self.proc = SimulatorProcess(data, name=name, seed=seed, copy_rate=4096.0, http_port=ports[0], https_port=ports[1],
                                     extra_args=self.args(extra))

    def args(self, extra=()):
        # A provider whose remote-copy methods work (later ones), unless the test asks for the OS 3.1.x one.
        writable = [] if '--rcopy-read-only' in extra else ['--rcopy-writable']
        return ['--peer=%s=http://127.0.0.1:%d' % (PEER[self.name], self.peer_http_port), '--rcopy-period=1',
                '--ssh-port=%d' % self.ssh_port] + writable + list(extra)

    def fingerprint(self):
        return self.proc.control('/sim/status')['ssh']['host_key_fingerprint']

    def ssh_params(self):
        """SSH set up as an operator would: the port and the host key checked beforehand."""
        return {'ssh_port': self.ssh_port, 'ssh_host_key_fingerprint': self.fingerprint()}

    https_port = property(lambda self: self.ports[1])
    cert = property(lambda self: self.proc.cert)

    def start(self, extra=()):
        self.proc.extra_args = self.args(extra)
        self.proc.start()
        return self

    def requests(self):
        if not os.path.exists(self.proc.log_path):
            return []
        with open(self.proc.log_path, encoding='utf-8') as handle:
            return [json.loads(line) for line in handle if line.strip()]

    def link_up(self):
        return self.proc.control('/sim/status')['peers'][PEER[self.name]]


def wait_link(*arrays, timeout=15.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if all(a.proc.proc.poll() is None and a.link_up() for a in arrays):
            return
        time.sleep(0.1)
    raise AssertionError('the remote copy link did not come up')


@pytest.fixture(scope='module')
def arrays():
    base = tempfile.mkdtemp(prefix='threepar-rcopy-it-')
    ports = [free_port() for dummy in range(4)]
    a = Array(base, '3PAR-A', ports[0:2], ports[2])
    b = Array(base, '3PAR-B', ports[2:4], ports[0])
    try:
        a.start()
        b.start()
        wait_link(a, b)
        yield a, b
    finally:
        for array in (a, b):
            array.proc.stop()
        shutil.rmtree(base, ignore_errors=True)


class RcopyPlaybooks(Playbooks):
    """Playbook runs with SSH set up through THREEPAR_SSH_* (the modules read the remote volume names with showrcopy)."""

    def env(self, **overrides):
        ssh = {'THREEPAR_SSH_PORT': str(self.sim.ssh_port), 'THREEPAR_SSH_HOST_KEY_FINGERPRINT': self.sim.fingerprint()}
        ssh.update(overrides)
        return super().env(**ssh)


@pytest.fixture(scope='module')
def play_a(arrays, tmp_path_factory):
    return RcopyPlaybooks(arrays[0], str(tmp_path_factory.mktemp('rcopy-a')))


@pytest.fixture(scope='module')
def play_b(arrays, tmp_path_factory):
    return RcopyPlaybooks(arrays[1], str(tmp_path_factory.mktemp('rcopy-b')))


def states(group):
    return tuple(group[k] for k in ('role', 'status', 'copy_state', 'sync_state', 'progress_status'))


def operations(result):
    return [a['operation'] for a in result['actions']]


def info_group(play):
    """The group as the threepar_info module reports it (a playbook run)."""
    run = play.run('info', {'gather': ['rcopy_groups']})
    assert run.methods == [], run
    found = [g for g in run.result['rcopy_groups'] if g['name'] == GROUP]
    return found[0] if found else None


def peer_group(array):
    """The same report, in-process (gather_info is what threepar_info runs): cheaper than a playbook."""
    params = {'host': '127.0.0.1', 'port': array.https_port, 'protocol': 'https', 'username': USER, 'password': PASSWORD,
              'validate_certs': True, 'ca_path': array.cert, 'namespace': 'root/tpd', 'timeout': 20,
              'gather': ['rcopy_groups'], **array.ssh_params()}
    found = [g for g in gather_info(params)['rcopy_groups'] if g['name'] == GROUP]
    return found[0] if found else None


# The capability gate: GetSupportedOperations(ReplicationType) on TPD_ReplicationServiceCapabilities, a read that
# check mode makes too; nothing else is invoked in check mode.
GATE = ['GetSupportedOperations']


def converged(play, args, max_requests=4):
    """A second identical run: unchanged, no method invoked, a fixed small number of reads."""
    run = play.run('rcopy_group', args)
    assert run.result.get('failed') is not True, run
    assert run.result['changed'] is False and run.result['actions'] == [] and run.methods == [], run
    assert len(run.requests) <= max_requests, run.requests
    return run


def apply(play, args, expected):
    """The task twice in one playbook: the first takes the ``expected`` steps, the second finds the group converged
    (the methods logged are exactly those of the first run). Returns the first result and the methods."""
    run = play.run('rcopy_group_twice', args, diff=True)
    first, second = run.result['first'], run.result['second']
    assert first.get('failed') is not True and operations(first) == expected, first
    assert first['changed'] is True
    assert second.get('failed') is not True and second['changed'] is False and second['actions'] == [], second
    assert len(run.methods) == len([a for a in first['actions'] if a['method']]) + 1     # + GetSupportedOperations
    assert run.methods[0] == 'GetSupportedOperations'
    return first, run.methods


# ---------------------------------------------------------------- creation, replication, members

CREATE = {'name': GROUP, 'target': '3PAR-B', 'mode': 'sync', 'members': MEMBERS}


def test_a_refused_create_leaves_nothing(play_a):
    """A mistyped target: CreateGroupReplica is refused after CreateGroup made the volume set, which the module removes
    again, so that db03 can join another group later (test_members_add_and_purge) and a re-run fails the same way."""
    args = {'name': 'rcg_bad', 'target': '3PAR-X', 'members': [DB03]}
    for dummy in range(2):
        run = play_a.run('rcopy_group', args)
        assert run.result['failed'] is True and 'removed again' in run.result['cleanup'], run.result
        assert run.methods == ['GetSupportedOperations', 'CreateGroup', 'CreateGroupReplica', 'DeleteGroup']


def test_create_check_mode_then_create_then_converged(play_a, play_b):
    check = play_a.run('rcopy_group', CREATE, check=True, diff=True)
    assert operations(check.result) == ['create', 'create_replica', 'start'] and check.result['changed'] is True
    assert check.result['actions'][1]['cli'] == 'admitrcopyvv db01 rcg 3PAR-B:db01_r; admitrcopyvv db02 rcg 3PAR-B:db02_r'
    assert check.methods == GATE and check.result['diff']['before'] == {}
    run = play_a.run('rcopy_group', CREATE, diff=True)
    assert run.result.get('failed') is not True, run
    # What check mode predicted is what the real run reads back.
    assert check.result['diff']['after'] == run.result['diff']['after']
    assert run.result['diff']['after']['members'] == MEMBERS and run.result['diff']['after']['role'] == 'Primary'
    assert run.methods == ['GetSupportedOperations', 'CreateGroup', 'CreateGroupReplica', 'ModifyReplicaSynchronization']
    group = run.result['group']
    assert states(group) == ('Primary', 'Synced', 'Synchronized', 'Synchronized', 'Completed')
    assert group['members'] == MEMBERS and group['matches_table_107'] and group['table_107_row'] == '106-synced'
    assert run.result['diff']['after']['dr_state'] == 'normal'
    assert any(r['operation'] == 'DeleteInstance' for r in run.requests)     # the initial copy's job is deleted
    run = converged(play_a, CREATE)
    assert [r['operation'] for r in run.requests] == ['EnumerateInstances', 'References', 'Associators', 'EnumerateInstances']
    # threepar_info on the secondary reports the same decoded states, its pairs oriented from its side.
    remote = info_group(play_b)
    assert states(remote) == ('Secondary', 'Synced', 'Synchronized', 'Synchronized', 'Completed')
    assert remote['members'] == [{'volume': 'db01_r', 'remote_volume': 'db01'}, {'volume': 'db02_r', 'remote_volume': 'db02'}]
    assert remote['dr_state'] == 'normal' and remote['table_107_row'] == '106-synced' and remote['mode'] == 'sync'
    # The same task from the peer's point of view (pairs written from the other side) is converged too.
    converged(play_b, {'name': GROUP, 'target': '3PAR-A', 'members': MEMBERS})


def test_stop_and_start(play_a):
    first, methods = apply(play_a, {'name': GROUP, 'replication': 'stopped'}, ['stop'])
    assert methods == ['GetSupportedOperations', 'ModifyReplicaSynchronization']
    assert states(first['group']) == ('Primary', 'Stopped', 'Inactive', 'Frozen', 'Dormant')
    assert first['actions'][0]['cli'] == 'stoprcopygroup rcg' and first['actions'][0]['operation_name'] == 'Suspend'
    first, methods = apply(play_a, {'name': GROUP, 'replication': 'started'}, ['start'])
    assert first['group']['table_107_row'] == '106-synced'


def test_members_add_and_purge(play_a, arrays):
    args = dict(CREATE, members=MEMBERS + [DB03])
    run = play_a.run('rcopy_group', args, check=True)
    assert operations(run.result) == ['stop', 'add_member', 'start'] and run.methods == GATE
    first, methods = apply(play_a, args, ['stop', 'add_member', 'start'])
    assert 'AddMembers' in methods
    assert first['group']['members'] == MEMBERS + [DB03] and first['group']['status'] == 'Synced'
    assert len(peer_group(arrays[1])['members']) == 3
    args = dict(CREATE, members=MEMBERS, purge_members=True)
    run = play_a.run('rcopy_group', args, diff=True)
    assert operations(run.result) == ['stop', 'remove_member', 'start'] and run.result['actions'][1]['target'] == 'db03'
    assert 'RemoveMembers' in run.methods
    assert run.result['diff']['before']['members'] == MEMBERS + [DB03] and run.result['diff']['after']['members'] == MEMBERS
    assert len(peer_group(arrays[1])['members']) == 2


def test_configuration_is_refused_on_the_secondary(play_b):
    run = play_b.run('rcopy_group', {'name': GROUP, 'mode': 'periodic'})
    assert run.result['failed'] is True and 'Run the task against the primary array 3PAR-A' in run.result['msg'], run
    assert run.methods == []


# ---------------------------------------------------------------- Table 107, link up (a DR drill)

def test_failover_is_driven_from_the_dr_array(play_a):
    run = play_a.run('rcopy_group', {'name': GROUP, 'dr_state': 'failed_over'})
    assert run.result['failed'] is True and 'run the task against 3PAR-B' in run.result['msg'] and run.methods == []


def test_failover_on_the_secondary(play_a, play_b):
    args = {'name': GROUP, 'dr_state': 'failed_over'}
    run = play_b.run('rcopy_group', args, check=True, diff=True)
    assert operations(run.result) == ['stop', 'failover'] and run.methods == GATE
    first, methods = apply(play_b, args, ['stop', 'failover'])
    assert run.result['diff']['after'] == first['diff']['after'] and first['diff']['after']['role'] == 'Primary-Rev'
    assert first['actions'][1]['job_state'] == 'Completed' and first['actions'][1]['cli'] == 'setrcopygroup failover rcg'
    group = first['group']
    assert states(group) == ('Primary-Rev', 'Stopped', 'Broken', 'Broken', 'Completed') and group['table_107_row'] == '3b'
    assert first['table_107']['ok'] is True
    primary = info_group(play_a)        # threepar_info on the original primary
    assert states(primary) == ('Secondary-Rev', 'Stopped', 'Broken', 'Broken', 'Completed')
    assert primary['table_107_row'] == '4' and primary['dr_state'] == 'failed_over'


def test_recover_on_the_dr_array(play_b, arrays):
    first, methods = apply(play_b, {'name': GROUP, 'dr_state': 'recovered'}, ['recover'])
    assert first['actions'][0]['operation_name'] == 'Resync Replica'
    assert states(first['group']) == ('Primary-Rev', 'Synced', 'Synchronized', 'Synchronized', 'Completed')
    assert first['group']['table_107_row'] == '7'
    assert peer_group(arrays[0])['table_107_row'] == '9'


def test_restore_back_to_normal(play_b, arrays):
    first, methods = apply(play_b, {'name': GROUP, 'dr_state': 'normal'}, ['restore'])
    assert first['actions'][0]['cli'] == 'setrcopygroup restore rcg'
    assert states(first['group']) == ('Secondary', 'Synced', 'Synchronized', 'Synchronized', 'Completed')
    assert states(peer_group(arrays[0])) == ('Primary', 'Synced', 'Synchronized', 'Synchronized', 'Completed')


def test_failed_over_to_normal_in_one_task_and_a_failed_recover(play_b, arrays):
    apply(play_b, {'name': GROUP, 'dr_state': 'failed_over'}, ['stop', 'failover'])
    args = {'name': GROUP, 'dr_state': 'normal'}
    run = play_b.run('rcopy_group', args, check=True)
    assert operations(run.result) == ['recover', 'restore'] and run.methods == GATE
    # The recover fails (rows 8 and 10): the task says so, and the next run wants force.
    arrays[1].proc.faults(fail_next_job=1)
    run = play_b.run('rcopy_group', args)
    assert run.result['failed'] is True and 'force: true' in run.result['msg'], run
    assert run.methods == ['GetSupportedOperations', 'ModifyReplicaSynchronization']
    assert [a['operation'] for a in run.result['actions']] == ['recover']
    group = peer_group(arrays[1])
    assert group['recover_failed'] is True and states(group) == ('Primary-Rev', 'Stopped', 'Failedover', 'Broken', 'Completed')
    run = play_b.run('rcopy_group', args)
    assert run.result['failed'] is True and 'reads as a failed recover' in run.result['msg'] and run.methods == [], run
    first, methods = apply(play_b, dict(args, force=True), ['recover', 'restore'])
    assert methods.count('ModifyReplicaSynchronization') == 2
    assert first['group']['role'] == 'Secondary' and first['group']['dr_state'] == 'normal'
    assert first['group']['recover_failed'] is False
    assert peer_group(arrays[0])['role'] == 'Primary'


def test_reverse_roles(play_a, play_b, arrays):
    first, methods = apply(play_b, {'name': GROUP, 'role': 'primary'}, ['stop', 'reverse', 'start'])
    assert first['actions'][1]['operation_code'] == 20
    group = first['group']
    assert (group['role'], group['status'], group['side']) == ('Primary', 'Synced', 'primary')
    assert group['members'] == [{'volume': 'db01_r', 'remote_volume': 'db01'}, {'volume': 'db02_r', 'remote_volume': 'db02'}]
    assert peer_group(arrays[0])['role'] == 'Secondary'
    # and back: 3PAR-A primary again
    run = play_a.run('rcopy_group', {'name': GROUP, 'role': 'primary'})
    assert operations(run.result) == ['stop', 'reverse', 'start'] and run.result['group']['role'] == 'Primary'


# ---------------------------------------------------------------- site disaster: the primary is killed

def test_failover_with_the_primary_down(arrays, play_b):
    a, b = arrays
    a.proc.kill()                                   # SIGKILL: a site disaster
    deadline = time.monotonic() + 10
    while b.link_up() and time.monotonic() < deadline:
        time.sleep(0.1)
    assert peer_group(b)['table_107_row'] == '1'    # Secondary/Stopped, Broken: not failed over yet
    args = {'name': GROUP, 'dr_state': 'failed_over'}
    first, methods = apply(play_b, args, ['failover'])
    group = first['group']
    assert states(group) == ('Primary-Rev', 'Stopped', 'Failedover', 'Broken', 'Completed')
    assert group['table_107_row'] == '3' and group['peer_reachable'] is False
    # recover needs the original primary: refused, nothing invoked
    run = play_b.run('rcopy_group', {'name': GROUP, 'dr_state': 'normal'})
    assert run.result['failed'] is True and 'cannot be reached' in run.result['msg'] and run.methods == []


def test_recover_and_restore_after_the_primary_restarts(arrays, play_b):
    a, b = arrays
    a.start()
    wait_link(a, b)
    primary = peer_group(a)
    assert (primary['role'], primary['table_107_row']) == ('Secondary-Rev', '4')
    first, methods = apply(play_b, {'name': GROUP, 'dr_state': 'recovered'}, ['recover'])
    assert first['group']['table_107_row'] == '7'
    first, methods = apply(play_b, {'name': GROUP, 'dr_state': 'normal'}, ['restore'])
    assert first['group']['role'] == 'Secondary'
    assert states(peer_group(a)) == ('Primary', 'Synced', 'Synchronized', 'Synchronized', 'Completed')


# ---------------------------------------------------------------- a read-only provider (OS 3.1.x)

def install_key(array, user):
    """An Ed25519 key pair for ``user``: the public key in the array's authorized_keys, the private key in a file
    encrypted with a passphrase. Returns (private key path, passphrase)."""
    key = Ed25519PrivateKey.generate()
    passphrase = 'Key-Passphrase-%d' % os.getpid()
    keys_dir = os.path.join(array.proc.data_dir, 'authorized_keys')
    os.makedirs(keys_dir, exist_ok=True)
    with open(os.path.join(keys_dir, user), 'w', encoding='utf-8') as handle:
        handle.write(key.public_key().public_bytes(Encoding.OpenSSH, PublicFormat.OpenSSH).decode('ascii') + '\n')
    path = os.path.join(array.proc.data_dir, '..', 'id_ed25519_%s' % array.name)
    with open(path, 'wb') as handle:
        handle.write(key.private_bytes(Encoding.PEM, PrivateFormat.OpenSSH, BestAvailableEncryption(passphrase.encode())))
    os.chmod(path, 0o600)
    return os.path.abspath(path), passphrase


def commands(array):
    """The 3PAR CLI commands the array ran over SSH (its commands.log)."""
    path = os.path.join(array.proc.data_dir, 'commands.log')
    if not os.path.exists(path):
        return []
    with open(path, encoding='utf-8') as handle:
        return [json.loads(line) for line in handle if line.strip()]


def test_read_only_provider(arrays, play_a, play_b):
    """The OS 3.1.x provider: SMI-S remote copy is read-only. rcopy_transport: cim refuses with the commands to run;
    auto runs them over SSH (host key verified), and the result is verified through CIM against Table 107."""
    a, b = arrays
    b.proc.stop()
    b.start(extra=['--rcopy-read-only'])
    wait_link(a, b)
    ssh = b.proc.control('/sim/status')['ssh']
    over_ssh = b.ssh_params()
    failover = {'name': GROUP, 'dr_state': 'failed_over'}
    try:
        run = play_b.run('rcopy_group', dict(failover, rcopy_transport='cim'), check=True)
        # rcopy_transport: cim reads and runs nothing over SSH
        assert [c['command'] for c in commands(b)] == [c['command'] for c in commands(b) if c['command'].startswith('show')]
        seen = len(commands(b))
        assert run.result['failed'] is True and 'read-only' in run.result['msg'] and run.methods == GATE, run
        run = play_b.run('rcopy_group', dict(failover, rcopy_transport='cim'))
        assert run.result['failed'] is True, run
        msg = run.result['msg']
        assert 'Failover' in msg and 'read-only' in msg and 'setrcopygroup failover rcg' in msg, msg
        assert run.result['changed'] is False and run.result['cli'] == ['setrcopygroup failover rcg']
        assert run.methods == ['GetSupportedOperations']       # asked; nothing invoked that changes anything
        # auto without SSH set up: refused with the commands and how to set SSH up, nothing runs
        no_ssh = {'THREEPAR_SSH_HOST_KEY_FINGERPRINT': None}
        run = play_b.run('rcopy_group', failover, env=no_ssh)
        assert run.result['failed'] is True and 'ssh_host_key_fingerprint' in run.result['msg'], run.result
        # the CLI with an unknown host key: refused with its fingerprint; with a changed one: both; nothing runs
        run = play_b.run('rcopy_group', dict(failover, rcopy_transport='cli'), env=no_ssh)
        assert run.result['failed'] is True and ssh['host_key_fingerprint'] in run.result['msg'], run.result
        assert 'is not known' in run.result['msg']
        known_hosts = os.path.join(b.proc.data_dir, '..', 'impostor_known_hosts')
        impostor = Ed25519PrivateKey.generate().public_key().public_bytes(Encoding.OpenSSH, PublicFormat.OpenSSH)
        with open(known_hosts, 'w', encoding='utf-8') as handle:
            handle.write('[127.0.0.1]:%d %s\n' % (b.ssh_port, impostor.decode('ascii')))
        run = play_b.run('rcopy_group', dict(failover, ssh_known_hosts=known_hosts), env=no_ssh)
        assert run.result['failed'] is True and 'changed' in run.result['msg'], run.result
        assert ssh['host_key_fingerprint'] in run.result['msg'] and len(commands(b)) == seen
        assert peer_group(b)['role'] == 'Secondary'
        # check mode: the plan by the CLI; over SSH only the read of the remote volume names, no other command
        seen = len(commands(b))
        run = play_b.run('rcopy_group', dict(failover, **over_ssh), check=True)
        assert [(x['operation'], x['transport']) for x in run.result['actions']] == [('failover', 'cli')], run.result
        assert run.methods == GATE and [c['command'] for c in commands(b)[seen:]] == ['showrcopy groups rcg']
        # the DR path over SSH, each step verified through CIM (Table 107 rows on this array)
        # at -vvvv: by password (given as a task argument), then by a key with a passphrase (no password at all)
        key_path, passphrase = install_key(b, USER)
        login = {'failed_over': {'ssh_password': PASSWORD},
                 'recovered': {'ssh_private_key': key_path, 'ssh_private_key_passphrase': passphrase}}
        leaks = []
        for dr_state, row, cli in (('failed_over', {'3', '3b'}, 'setrcopygroup failover -f -waittask rcg'),
                                   ('recovered', {'7'}, 'setrcopygroup recover -f -waittask rcg'),
                                   ('normal', {'106-synced'}, 'setrcopygroup restore -f -waittask rcg')):
            before = len(commands(b))
            run = play_b.run('rcopy_group', {'name': GROUP, 'dr_state': dr_state, **over_ssh, **login.get(dr_state, {})},
                             verbosity=4 if dr_state in login else 0, diff=True)
            assert run.result.get('failed') is not True and run.result['table_107']['ok'] is True, run.result
            leaks += [where for where, text in (('output', run.stdout + run.stderr), ('result', json.dumps(run.result)))
                      if passphrase in text or "'%s'" % PASSWORD in text or '"%s"' % PASSWORD in text]
            assert run.result['group']['table_107_row'] in row and all(x['transport'] == 'cli' for x in run.result['actions'])
            assert run.methods == ['GetSupportedOperations'] and cli in [c['command'] for c in commands(b)[before:]]
        run = play_b.run('rcopy_group', {'name': GROUP, 'dr_state': 'normal', **over_ssh})
        assert run.result['changed'] is False and run.methods == [], run.result
        logged = json.dumps(commands(b)) + json.dumps(b.requests())
        assert PASSWORD not in logged and passphrase not in logged and all(c['status'] == 0 for c in commands(b)[-3:])
        assert leaks == []
        assert peer_group(b)['role'] == 'Secondary' and peer_group(a)['role'] == 'Primary'
    finally:
        b.proc.stop()
        b.start()
        wait_link(a, b)
    # The restart stopped the group on both arrays (a link loss; Resume restarts it): Table 107 row 1 on the secondary.
    assert peer_group(b)['table_107_row'] == '1'


# ---------------------------------------------------------------- deletion

def test_delete(play_a, arrays):
    args = {'name': GROUP, 'state': 'absent'}
    run = play_a.run('rcopy_group', {'name': GROUP, 'replication': 'started'}, check=True)
    assert operations(run.result) == ['start'] and run.methods == GATE
    run = play_a.run('rcopy_group', args, check=True)
    assert operations(run.result) == ['delete'] and run.methods == GATE       # stopped: no Suspend needed
    first, methods = apply(play_a, args, ['delete'])
    assert first['group'] == {} and methods == ['GetSupportedOperations', 'DeleteGroup']
    assert peer_group(arrays[1]) is None
