"""A client written from the HP 3PAR CIM API Programming Reference only (OS 3.1.x remote copy).

What the manual says (M311 = QL226-96591, M312 = QL226-97015, MX = QL226-97722):
remote replication over SMI-S is read-only (M311 p96, p114): remote copy is driven with the
3PAR CLI and observed through SMI-S. TPD_RemoteReplicationGroup carries InstanceID, ElementName,
Persistent, DeleteOnEmptyElement, DeleteOnUnassociated (M311 Table 89, M312 Table 112);
TPD_RemoteGroupSynchronized relates the natural source group (SystemElement, it stays so after a
failover) to the natural target group, whose path has the peer's target name as host (M311 p124);
TPD_RemoteStorageSynchronized relates the source volume to the target volume, the ends switch when
the role is reversed, the peer's end has the peer's WWN (system Name) as host, RoleReversed tells a
reversal (M312 p128-131); an undiscovered end is a TPD_ReplicationEntity (M312 Table 111, MX p139);
the states are those of Tables 106 and 107 (M311 p121-122).

Only pywbem, paramiko (the CLI over SSH) and the process launcher are used: no simulator internals.
The tests of the first module fixture share one pair of arrays and run in order.
"""

import os
import time

import paramiko
import pytest
import pywbem
import yaml
from pywbem import CIMError, Uint16

from threepar_sim.control import SimulatorProcess, free_port

for _name in ('REQUESTS_CA_BUNDLE', 'CURL_CA_BUNDLE'):
    os.environ.pop(_name, None)

SEED_A = {'name': '3PAR-A', 'serial': '1111111', 'volumes': [
    {'name': 'db01', 'cpg': 'FC_r5', 'size': '256MiB'}, {'name': 'db02', 'cpg': 'FC_r5', 'size': '256MiB'}]}
SEED_B = {'name': '3PAR-B', 'serial': '2222222', 'volumes': []}
GROUP_PROPERTIES = {'InstanceID', 'ElementName', 'Persistent', 'DeleteOnEmptyElement', 'DeleteOnUnassociated'}
REMOVED_FROM_PAIRS = {'GroupName', 'SystemElementName', 'SystemElementArray', 'SyncedElementName', 'SyncedElementArray',
                      'CopyPriority'}
DEFAULT_POLICIES = ['no_fail_wrt_on_err', 'no_auto_recover', 'over_per_alert']

# (CopyState, SyncState, ProgressStatus) of Tables 106 and 107
NEW = (2, 5, 19)                 # Initialized, ResyncInProgress, Requires Activate
SYNCING = (3, 5, 6)              # Unsynchronized, ResyncInProgress, Synchronizing
SYNCED = (4, 6, 2)               # Synchronized, Synchronized, Completed
STOPPED = (8, 14, 3)             # Inactive, Frozen, Dormant
ROW_1 = ROW_3B = ROW_4 = (5, 12, 2)        # Broken, Broken, Completed
ROW_2 = (10, 12, 11)             # FailedOver, Broken, Failing Over
ROW_3 = ROW_8 = ROW_10 = (10, 12, 2)       # FailedOver, Broken, Completed
ROWS_5_6 = (3, 10, 8)            # Unsynchronized, RestoreInProgress, Restoring
ROWS_7_9 = ROWS_12_15 = SYNCED
ROWS_11_14 = (4, 6, 12)          # Synchronized, Synchronized, Failing Back

# pylint: disable=redefined-outer-name


class Array:
    """One array: its process, a pywbem connection and the CLI over SSH."""

    def __init__(self, sim):
        self.sim = sim
        self.name = sim.name
        self.conn = None

    def connect(self):
        self.conn = pywbem.WBEMConnection(self.sim.https_url, ('3paradm', '3pardata'), default_namespace='root/tpd',
                                          ca_certs=self.sim.cert, timeout=20)
        return self

    def cli(self, command):
        client = paramiko.SSHClient()
        client.set_missing_host_key_policy(paramiko.AutoAddPolicy())
        client.connect('127.0.0.1', port=self.sim.ssh_port, username='3paradm', password='3pardata',
                       look_for_keys=False, allow_agent=False, timeout=10)
        try:
            chan_in, chan_out, dummy = client.exec_command(command, timeout=30)
            chan_in.channel.shutdown_write()
            output = chan_out.read().decode()
            status = chan_out.channel.recv_exit_status()
        finally:
            client.close()
        assert status == 0, '%s: %s' % (command, output)
        return output

    @property
    def system_name(self):
        return self.conn.EnumerateInstances('TPD_StorageSystem')[0]['Name']

    def volumes(self):
        return {v['ElementName']: v for v in self.conn.EnumerateInstances('TPD_StorageVolume')}

    def groups(self):
        return self.conn.EnumerateInstances('TPD_RemoteReplicationGroup')

    def group_sync(self):
        found = self.conn.EnumerateInstances('TPD_RemoteGroupSynchronized')
        assert len(found) == 1, found
        return found[0]

    def pairs(self):
        return self.conn.EnumerateInstances('TPD_RemoteStorageSynchronized')

    def states(self, inst):
        return (inst['CopyState'], inst['SyncState'], inst['ProgressStatus'])

    def group_state(self):
        return self.states(self.group_sync())

    def role(self):
        """The role showrcopy prints: natural side (this array's group is the SystemElement) + -Rev when RoleReversed."""
        sync = self.group_sync()
        natural_source = not sync['SystemElement'].host
        return {(True, False): 'Primary', (False, False): 'Secondary',
                (True, True): 'Secondary-Rev', (False, True): 'Primary-Rev'}[(natural_source, bool(sync['RoleReversed']))]

    def service(self):
        return self.conn.EnumerateInstanceNames('TPD_ReplicationService')[0]

    def invoke(self, method, **params):
        rc, out = self.conn.InvokeMethod(method, self.service(), **params)
        return int(rc), out


def wait_for(predicate, timeout=10.0, what='condition'):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.02)
    raise AssertionError('timed out waiting for %s' % what)


def start_arrays(tmp, extra=()):
    ports = [free_port() for dummy in range(4)]
    sims = []
    for index, (name, seed, peer) in enumerate((('3PAR-A', SEED_A, '3PAR-B'), ('3PAR-B', SEED_B, '3PAR-A'))):
        seed_file = tmp / ('%s.yml' % name)
        seed_file.write_text(yaml.safe_dump(seed), encoding='utf-8')
        peer_http = ports[2 * (1 - index)]
        sims.append(SimulatorProcess(str(tmp / name), name=name, seed=str(seed_file), copy_rate=512.0,
                                     http_port=ports[2 * index], https_port=ports[2 * index + 1], ssh_port=free_port(),
                                     extra_args=['--peer=%s=http://127.0.0.1:%d' % (peer, peer_http), *extra]))
    for sim in sims:
        sim.start()
    a, b = Array(sims[0]).connect(), Array(sims[1]).connect()
    wait_for(lambda: a.sim.control('/sim/status')['peers']['3PAR-B'] and b.sim.control('/sim/status')['peers']['3PAR-A'],
             what='the link up')
    return a, b


@pytest.fixture(scope='module')
def arrays(tmp_path_factory):
    a, b = start_arrays(tmp_path_factory.mktemp('manual_rcopy'))      # no option: the OS 3.1.x provider
    yield a, b
    for side in (a, b):
        side.sim.stop()


def states_of_pairs(side):
    return {side.states(p) for p in side.pairs()}


def both_in(a, b, state):
    return a.group_state() == state and b.group_state() == state and states_of_pairs(a) == states_of_pairs(b) == {state}


def local_name(side, path):
    return side.conn.GetInstance(path)['ElementName']


def check_remote_volume_end(side, peer, path, peer_volume):
    """The peer's volume: its TPD_StorageVolume keys, the peer's system Name as host."""
    name = peer.system_name
    assert path.classname == 'TPD_StorageVolume' and path.host == name and path.keybindings['SystemName'] == name
    assert path.keybindings['DeviceID'] == peer.volumes()[peer_volume]['DeviceID']


def test_new_group_created_and_admitted_by_cli(arrays):
    a, b = arrays
    a.cli('creatercopygroup rcg 3PAR-B:sync')
    a.cli('admitrcopyvv db01 rcg 3PAR-B:db01_r')
    a.cli('admitrcopyvv db02 rcg 3PAR-B:db02_r')
    for side, peer in ((a, '3PAR-B'), (b, '3PAR-A')):
        groups = side.groups()
        assert len(groups) == 1                                       # only the local group is enumerable
        group = groups[0]
        assert set(group.keys()) == GROUP_PROPERTIES
        assert (group['InstanceID'], group['ElementName'], group['Persistent'], group['DeleteOnEmptyElement'],
                group['DeleteOnUnassociated']) == ('HP_3PAR:rcg', 'rcg', True, False, False)
        sets = side.conn.EnumerateInstances('TPD_ReplicationGroup')
        assert [(s['InstanceID'], s['ElementName'], s['Persistent']) for s in sets] == [('HP_3PAR:rcg', 'rcg', True)]
        assert isinstance(sets[0]['ID'], int)
        sync = side.group_sync()
        peer_end = sync['SyncedElement'] if side is a else sync['SystemElement']
        assert (peer_end.classname, peer_end.host, peer_end.keybindings['InstanceID']) == ('TPD_RemoteReplicationGroup', peer,
                                                                                           'HP_3PAR:rcg')
        assert side.states(sync) == NEW and sync['SyncMaintained'] is False and sync['RoleReversed'] is False
        assert (sync['SyncType'], sync['Mode'], sync['CopyType']) == (6, 2, 3)
        pairs = side.pairs()
        assert len(pairs) == 2 and {side.states(p) for p in pairs} == {NEW}
        for pair in pairs:                                            # never copied: the remote end is undiscovered
            assert not REMOVED_FROM_PAIRS & set(pair.keys())
            remote_key = 'SyncedElement' if side is a else 'SystemElement'
            remote = pair[remote_key]
            assert remote.classname == 'TPD_ReplicationEntity' and remote.host == (b if side is a else a).system_name
            assert pair['UndiscoveredElement'] == (3 if side is a else 2)
        remotes = sorted(p['SyncedElement' if side is a else 'SystemElement'].keybindings['InstanceID'] for p in pairs)
        assert remotes == (['HP_3PAR:db01_r', 'HP_3PAR:db02_r'] if side is a else ['HP_3PAR:db01', 'HP_3PAR:db02'])
    assert [g.path for g in a.groups()] == [a.group_sync()['SystemElement']]
    assert a.role() == 'Primary' and b.role() == 'Secondary'


def test_entities_and_peer_groups_are_not_instances(arrays):
    a, b = arrays
    assert a.conn.EnumerateInstances('TPD_ReplicationEntity') == []
    assert a.conn.EnumerateInstanceNames('TPD_ReplicationEntity') == []
    pair = a.pairs()[0]
    with pytest.raises(CIMError) as err:
        a.conn.GetInstance(pair['SyncedElement'])
    assert err.value.status_code == pywbem.CIM_ERR_NOT_FOUND
    peer_group = a.group_sync()['SyncedElement']
    got = a.conn.GetInstance(peer_group)      # the request carries class and keys: the answer is this array's group
    assert got['InstanceID'] == 'HP_3PAR:rcg' and got.path.host in (None, '') and len(a.groups()) == 1
    # "it will appear as an instance as a result of an Associators request"
    volume = a.volumes()['db01'].path
    ends = a.conn.Associators(volume, AssocClass='TPD_RemoteStorageSynchronized')
    assert len(ends) == 1
    entity = ends[0]
    assert entity.classname == 'TPD_ReplicationEntity'
    assert (entity['InstanceID'], entity['Type'], entity['Persistent'], entity['EntityID'], entity['OtherTypeDescription']) == \
        ('HP_3PAR:db01_r', 4, False, 'db01_r', None)


def test_read_only_by_default(arrays):
    a, b = arrays
    capabilities = a.conn.EnumerateInstanceNames('TPD_ReplicationServiceCapabilities')[0]
    for replication_type in (4, 5):
        rc, out = a.conn.InvokeMethod('GetSupportedOperations', capabilities, ReplicationType=Uint16(replication_type))
        assert rc == 0 and list(out['SupportedOperations']) == []
    vvset = a.conn.EnumerateInstanceNames('TPD_ReplicationGroup')[0]
    assert a.invoke('CreateGroupReplica', SourceGroup=vvset, TargetSystemName='3PAR-B', TargetElementNames=['x', 'y'])[0] == 1
    for side in (a, b):
        assert side.invoke('ModifyReplicaSynchronization', Operation=Uint16(16), Synchronization=side.groups()[0].path)[0] == 1
        assert side.group_state() == NEW


def test_start_syncs_then_synced(arrays):
    a, b = arrays
    a.cli('startrcopygroup rcg')
    wait_for(lambda: a.group_state() == SYNCING, what='Syncing on 3PAR-A')
    assert b.group_state() in (SYNCING, SYNCED)
    wait_for(lambda: both_in(a, b, SYNCED), what='Synced on both')
    for side, peer in ((a, b), (b, a)):
        sync = side.group_sync()
        assert sync['SyncMaintained'] is True and sync['WhenSynced'] is None and sync['RoleReversed'] is False
        for pair in side.pairs():
            assert pair['WhenSynced'] is None and pair['SyncMaintained'] is True and pair['RoleReversed'] is False
            assert (pair['SyncType'], pair['CopyType'], pair['ReplicaType'], pair['Mode']) == (6, 3, 2, 2)
            assert pair['UndiscoveredElement'] is None and pair['RequestedCopyState'] == 15
            assert pair['SyncInterval'] == 0 and list(pair['SyncPolicy']) == DEFAULT_POLICIES
        names = {}
        for pair in side.pairs():                        # A holds the sources
            local_key, remote_key = ('SystemElement', 'SyncedElement') if side is a else ('SyncedElement', 'SystemElement')
            assert pair[local_key].host in (None, '')
            local = local_name(side, pair[local_key])
            names[local] = pair[remote_key]
        expected = {'db01': 'db01_r', 'db02': 'db02_r'} if side is a else {'db01_r': 'db01', 'db02_r': 'db02'}
        for local, remote in names.items():
            check_remote_volume_end(side, peer, remote, expected[local])
    assert a.role() == 'Primary' and b.role() == 'Secondary'
    volume = a.volumes()['db01'].path
    ends = a.conn.Associators(volume, AssocClass='TPD_RemoteStorageSynchronized')
    assert [(e.classname, e.path.host) for e in ends] == [('TPD_StorageVolume', b.system_name)]


def test_pairs_cannot_be_modified(arrays):
    a, dummy = arrays
    pair = a.pairs()[0]
    pair['SyncInterval'] = pywbem.Uint32(60)
    with pytest.raises(CIMError):
        a.conn.ModifyInstance(pair, PropertyList=['SyncInterval'])
    pair = a.pairs()[0]
    pair['SyncPolicy'] = ['auto_recover']
    with pytest.raises(CIMError):
        a.conn.ModifyInstance(pair, PropertyList=['SyncPolicy'])
    assert a.pairs()[0]['SyncInterval'] == 0


def test_stop_then_periodic_mode(arrays):
    a, b = arrays
    a.cli('stoprcopygroup -f rcg')
    assert both_in(a, b, STOPPED)
    assert a.group_sync()['SyncMaintained'] is False and b.group_sync()['SyncMaintained'] is False
    a.cli('setrcopygroup mode periodic rcg')
    a.cli('setrcopygroup period 30m 3PAR-B rcg')
    for side in (a, b):
        assert side.group_sync()['Mode'] == 3 and side.group_sync()['CopyType'] == 2
        assert side.group_sync()['WhenSynced'] is not None          # periodic: when the last copy ended
        for pair in side.pairs():
            assert (pair['SyncInterval'], list(pair['SyncPolicy']), pair['Mode'], pair['CopyType']) == (1800, DEFAULT_POLICIES, 3, 2)
    # each periodic update is a new sync point on both arrays
    a.cli('setrcopygroup period 1s 3PAR-B rcg')
    a.cli('startrcopygroup -wait rcg')
    wait_for(lambda: both_in(a, b, SYNCED), what='Synced in periodic mode')
    first = [side.group_sync()['WhenSynced'].datetime for side in (a, b)]
    wait_for(lambda: all(side.group_sync()['WhenSynced'].datetime > when for side, when in zip((a, b), first)),
             what='WhenSynced moved by a periodic update on both arrays')
    a.cli('stoprcopygroup -f rcg')
    a.cli('setrcopygroup mode sync 3PAR-B rcg')
    a.cli('startrcopygroup -wait rcg')
    wait_for(lambda: both_in(a, b, SYNCED), what='Synced again')
    assert {p['SyncInterval'] for p in a.pairs()} == {0}


def test_primary_killed_then_failover(arrays):
    a, b = arrays
    natural = b.group_sync()['SystemElement']
    a.sim.kill()
    wait_for(lambda: b.group_state() == ROW_1, what='row 1 on 3PAR-B')
    assert b.role() == 'Secondary'
    for pair in b.pairs():                                 # the link is down: the source end is undiscovered
        assert pair['SystemElement'].classname == 'TPD_ReplicationEntity' and pair['UndiscoveredElement'] == 2
        assert pair['SystemElement'].keybindings['InstanceID'] in ('HP_3PAR:db01', 'HP_3PAR:db02')
        assert b.states(pair) == ROW_1 and pair['RequestedCopyState'] == 4         # Broken: requested Synchronized
    b.cli('setrcopygroup failover -f rcg')
    seen = set()
    wait_for(lambda: seen.add(b.group_state()) or b.group_state() == ROW_3, what='row 3 on 3PAR-B')
    assert ROW_2 in seen                                   # row 2 while the failover job runs
    sync = b.group_sync()
    assert sync['RoleReversed'] is True and sync['SystemElement'] == natural        # the natural direction stays
    assert b.role() == 'Primary-Rev'
    for pair in b.pairs():                                 # the ends swapped: 3PAR-B holds the sources now
        assert pair['SystemElement'].host in (None, '') and pair['RoleReversed'] is True
        assert pair['SyncedElement'].classname == 'TPD_ReplicationEntity' and pair['UndiscoveredElement'] == 3
        assert b.states(pair) == ROW_3


def test_primary_back_rows_3b_and_4(arrays):
    a, b = arrays
    a.sim.start()
    a.connect()
    wait_for(lambda: a.group_state() == ROW_4 and a.role() == 'Secondary-Rev', what='row 4 on 3PAR-A')
    wait_for(lambda: b.group_state() == ROW_3B, what='row 3b on 3PAR-B')
    sync = a.group_sync()
    assert sync['SystemElement'].host in (None, '') and sync['RoleReversed'] is True          # still the natural source
    for pair in a.pairs():
        assert pair['SyncedElement'].host in (None, '') and pair['RoleReversed'] is True     # but the target now
        assert pair['SystemElement'].host == b.system_name and pair['UndiscoveredElement'] is None


def test_recover_fails_then_rows_5_to_9(arrays):
    a, b = arrays
    b.sim.faults(fail_next_job=1)
    b.cli('setrcopygroup recover -f rcg')
    wait_for(lambda: b.group_state() == ROW_8 and a.group_state() == ROW_10, what='rows 8 and 10')
    b.cli('setrcopygroup recover -f rcg')
    seen_b, seen_a = set(), set()

    def recovered():
        seen_b.add(b.group_state())
        seen_a.add(a.group_state())
        return both_in(a, b, ROWS_7_9)
    wait_for(recovered, what='rows 7 and 9')
    assert ROWS_5_6 in seen_b and ROWS_5_6 in seen_a                # rows 5 and 6
    assert b.role() == 'Primary-Rev' and a.role() == 'Secondary-Rev'
    for side in (a, b):
        assert side.group_sync()['RoleReversed'] is True and {p['RoleReversed'] for p in side.pairs()} == {True}
    assert b.group_sync()['SystemElement'].host == '3PAR-A'


def test_restore_rows_11_to_15(arrays):
    a, b = arrays
    b.cli('setrcopygroup restore -f rcg')
    seen_b, seen_a = set(), set()

    def restored():
        seen_b.add(b.group_state())
        seen_a.add(a.group_state())
        return a.role() == 'Primary' and b.role() == 'Secondary' and both_in(a, b, ROWS_12_15)
    wait_for(restored, what='rows 12 and 15')
    assert ROWS_11_14 in seen_b and ROWS_11_14 in seen_a            # rows 11 and 14
    for side in (a, b):
        assert side.group_sync()['RoleReversed'] is False and {p['RoleReversed'] for p in side.pairs()} == {False}
    assert {local_name(a, p['SystemElement']) for p in a.pairs()} == {'db01', 'db02'}
    assert {p['SystemElement'].host for p in b.pairs()} == {a.system_name}


def test_writable_provider_runs_the_methods(tmp_path):
    a, b = start_arrays(tmp_path, extra=['--rcopy-writable'])
    try:
        volumes = a.volumes()
        rc, out = a.invoke('CreateGroup', GroupName='rcg', Members=[volumes['db01'].path])
        assert rc == 0 and out['ReplicationGroup'].keybindings['InstanceID'] == 'HP_3PAR:rcg'
        rc, out = a.invoke('CreateGroupReplica', SourceGroup=out['ReplicationGroup'], TargetSystemName='3PAR-B',
                           TargetElementNames=['db01_r'], Mode=Uint16(2), SyncType=Uint16(6))
        assert rc == 4096                                      # the initial copy starts at once
        wait_for(lambda: both_in(a, b, SYNCED), what='Synced')
        assert a.invoke('ModifyReplicaSynchronization', Operation=Uint16(22), Synchronization=a.groups()[0].path)[0] == 0
        assert both_in(a, b, STOPPED)
        rc, out = a.invoke('ModifyReplicaSynchronization', Operation=Uint16(16), Synchronization=a.group_sync().path)
        assert rc == 4096
        wait_for(lambda: both_in(a, b, SYNCED), what='Synced again')
    finally:
        for side in (a, b):
            side.sim.stop()
