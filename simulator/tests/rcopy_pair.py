"""Two real simulator processes linked for remote copy, driven with pywbem over HTTPS, and Table 107 checks."""

import os
import sys
import time

import pytest
import pywbem
from pywbem import Uint16

from threepar_sim.control import ControlError, SimulatorProcess, free_port

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
COLLECTIONS = os.path.join(ROOT, '.cache', 'collections')
LINK = os.path.join(COLLECTIONS, 'ansible_collections', 'smis', 'threepar')
if not os.path.exists(LINK):
    os.makedirs(os.path.dirname(LINK), exist_ok=True)
    os.symlink(ROOT, LINK)
if COLLECTIONS not in sys.path:
    sys.path.insert(0, COLLECTIONS)
from ansible_collections.smis.threepar.plugins.module_utils.threepar import rcopy_plan  # noqa: E402 pylint: disable=wrong-import-position,wrong-import-order

# pywbem verifies with the server certificate: these would override it.
for _name in ('REQUESTS_CA_BUNDLE', 'CURL_CA_BUNDLE'):
    os.environ.pop(_name, None)

MIB = 1 << 20
SEED_A = {'name': '3PAR-A', 'serial': '1111111', 'volumes': [
    {'name': 'db01', 'cpg': 'FC_r5', 'size': '256MiB'}, {'name': 'db02', 'cpg': 'FC_r5', 'size': '256MiB'}]}
SEED_B = {'name': '3PAR-B', 'serial': '2222222', 'volumes': [{'name': 'db01_r', 'cpg': 'FC_r5', 'size': '256MiB'}]}
COPY_STATE = {2: 'Initialized', 3: 'Unsynchronized', 4: 'Synchronized', 5: 'Broken', 8: 'Inactive', 10: 'FailedOver', 14: 'Mixed'}
SYNC_STATE = {5: 'ResyncInProgress', 6: 'Synchronized', 10: 'RestoreInProgress', 12: 'Broken', 14: 'Frozen'}
PROGRESS = {2: 'Completed', 3: 'Dormant', 6: 'Synchronizing', 8: 'Restoring', 11: 'Failing over', 12: 'Failing back',
            19: 'Requires activate'}
OP = {'failover': 10, 'restore': 11, 'recover': 14, 'resume': 16, 'sync': 17, 'periodic': 18, 'reverse': 20, 'suspend': 22}


def write_seed(path, seed):
    import yaml  # pylint: disable=import-outside-toplevel
    with open(path, 'w', encoding='utf-8') as handle:
        yaml.safe_dump(seed, handle)
    return str(path)


class Side:
    """One array of the pair: its process and a pywbem connection."""

    def __init__(self, sim):
        self.sim = sim
        self.name = sim.name
        self.conn = None
        self.peer = None

    def connect(self):
        self.conn = pywbem.WBEMConnection(self.sim.https_url, ('3paradm', '3pardata'), default_namespace='root/tpd',
                                          ca_certs=self.sim.cert, timeout=20)
        return self

    @property
    def service(self):
        return self.conn.EnumerateInstanceNames('TPD_ReplicationService')[0]

    def invoke(self, method, **params):
        rc, out = self.conn.InvokeMethod(method, self.service, **params)
        return int(rc), out

    def volume(self, name):
        return next((i for i in self.conn.EnumerateInstances('TPD_StorageVolume') if i['ElementName'] == name), None)

    def group(self, name='rcg'):
        found = [g for g in self.conn.EnumerateInstances('TPD_RemoteReplicationGroup') if g['ElementName'] == name]
        return found[0] if found else None

    def group_sync(self, name='rcg'):
        """The TPD_RemoteGroupSynchronized of a group (one end is this array's group, a path without host)."""
        for sync in self.conn.EnumerateInstances('TPD_RemoteGroupSynchronized'):
            for key in ('SystemElement', 'SyncedElement'):
                end = sync[key]
                if not end.host and end.keybindings['InstanceID'] == 'HP_3PAR:' + name:
                    return sync
        return None

    def role(self, name='rcg'):
        """What showrcopy prints as Role, from the CIM view: natural side + "-Rev" when RoleReversed."""
        return role_of(self.group_sync(name))

    def state(self, name='rcg'):
        """The group as rcopy_plan reads it: decoded names; role and status derived from TPD_RemoteGroupSynchronized."""
        g = self.group_sync(name)
        return {'role': role_of(g), 'status': status_of(g), 'copy_state': COPY_STATE.get(g['CopyState'], g['CopyState']),
                'sync_state': SYNC_STATE.get(g['SyncState'], g['SyncState']),
                'progress_status': PROGRESS.get(g['ProgressStatus'], g['ProgressStatus'])}

    def pairs(self):
        return self.conn.EnumerateInstances('TPD_RemoteStorageSynchronized')

    def modify(self, operation, name='rcg'):
        return self.invoke('ModifyReplicaSynchronization', Operation=Uint16(OP[operation]), Synchronization=self.group(name).path)

    def wait_job(self, out, timeout=20.0):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            job = self.conn.GetInstance(out['Job'])
            if job['JobState'] not in (2, 3, 4):
                return job
            time.sleep(0.05)
        raise AssertionError('job %s did not end' % out['Job'])

    def faults(self, **spec):
        return self.sim.faults(**spec)

    def write(self, volume, count=1):
        return self.sim.control('/sim/write', {'volume': volume, 'count': count})

    def generation(self, volume):
        return int(self.volume(volume)['WriteGeneration'])

    def link_up(self, peer):
        return self.sim.control('/sim/status')['peers'][peer]

    def heartbeats(self, peer):
        """How many heartbeats (which carry the host writes to replicate) ``peer`` has answered."""
        return self.sim.control('/sim/status')['heartbeats'].get(peer, 0)

    def wait_heartbeats(self, peer, count=2):
        """Wait until ``peer`` has answered ``count`` more heartbeats: one made after now has reached it."""
        seen = self.heartbeats(peer)
        wait_for(lambda: self.heartbeats(peer) >= seen + count, what='%d heartbeats answered by %s' % (count, peer))


def role_of(group_sync):
    """Role from a TPD_RemoteGroupSynchronized read on this array: the natural source is this array's group when the
    SystemElement has no host (the peer's group carries the peer's name as host)."""
    natural = not group_sync['SystemElement'].host
    if group_sync['RoleReversed']:
        return 'Secondary-Rev' if natural else 'Primary-Rev'
    return 'Primary' if natural else 'Secondary'


def status_of(sync):
    """The Status showrcopy prints, from the CopyState of Tables 106/107 (Synced 4, Syncing 3, New 2, else Stopped)."""
    return {4: 'Synced', 3: 'Syncing', 2: 'New'}.get(int(sync['CopyState']), 'Stopped')


def end_name(side, end):
    """(array name, volume name) of one end of a TPD_RemoteStorageSynchronized read on ``side``: a local volume by
    GetInstance, a remote one by asking the peer whose system Name is the path's host."""
    if not end.host:
        return side.name, side.conn.GetInstance(end)['ElementName']
    peer = side.peer
    if end.classname == 'TPD_ReplicationEntity':
        return peer.name, end.keybindings['InstanceID'][len('HP_3PAR:'):]
    local = end.copy()
    local.host = None
    return peer.name, peer.conn.GetInstance(local)['ElementName']


def pair_names(side):
    """[(source volume, target volume)] of every pair served by ``side``, sorted."""
    return sorted((end_name(side, p['SystemElement'])[1], end_name(side, p['SyncedElement'])[1]) for p in side.pairs())


def wait_for(predicate, timeout=10.0, what='condition'):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.05)
    raise AssertionError('timed out waiting for %s' % what)


def check(side, array_side, dr_state, replication='started', want='ok'):
    """Assert what ``array_side`` serves is the Table 107 row ``want`` (ok / pending / failed) of dr_state."""
    observed = side.state()
    result = rcopy_plan.check_row(array_side, dr_state, observed, replication)
    assert getattr(result, want), '%s: %s' % (side.name, result.message)
    return result


def start_pair(tmp, period=1.0, copy_rate=512.0, ssh=False, writable=False):
    """3PAR-A (with db01, db02) and 3PAR-B, each naming the other as its peer over HTTP (``ssh``: with the CLI over SSH).
    ``writable``: --rcopy-writable (the remote-copy CIM methods work; the default is read-only like OS 3.1.x)."""
    ports = [free_port() for dummy in range(4)]
    sims = []
    for index, (name, seed, peer, peer_port) in enumerate((('3PAR-A', SEED_A, '3PAR-B', ports[2]), ('3PAR-B', SEED_B, '3PAR-A', ports[0]))):
        seed_file = write_seed(tmp / ('%s.yml' % name), seed)
        sims.append(SimulatorProcess(str(tmp / name), name=name, seed=seed_file, copy_rate=copy_rate,
                                     http_port=ports[2 * index], https_port=ports[2 * index + 1],
                                     extra_args=['--peer=%s=http://127.0.0.1:%d' % (peer, peer_port), '--rcopy-period=%s' % period]
                                     + (['--rcopy-writable'] if writable else []),
                                     ssh_port=free_port() if ssh else None))
    for sim in sims:
        sim.start()
    a, b = Side(sims[0]).connect(), Side(sims[1]).connect()
    a.peer, b.peer = b, a
    wait_for(lambda: a.link_up('3PAR-B') and b.link_up('3PAR-A'), what='the link up')
    return a, b


def stop_pair(*sides):
    for side in sides:
        side.sim.stop()


def create_group(a, b, mode=2, members=('db01', 'db02'), remote=('db01_r', 'db02_r')):
    """CreateGroup + CreateGroupReplica on A; waits for the initial copy."""
    rc, out = a.invoke('CreateGroup', GroupName='rcg', Members=[a.volume(m).path for m in members])
    assert rc == 0, a.sim.control('/sim/status')
    rc, out = a.invoke('CreateGroupReplica', SourceGroup=out['ReplicationGroup'], TargetSystemName=b.name,
                       TargetElementNames=list(remote), Mode=Uint16(mode), SyncType=Uint16(6))
    assert rc == 4096
    return out


def refused(call):
    """The HTTP status of a /sim/ call that must be refused."""
    with pytest.raises(ControlError) as err:
        call()
    return str(err.value)
