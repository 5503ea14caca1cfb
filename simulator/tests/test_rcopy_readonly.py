"""`threepar-sim up` with a pair whose config names each other; read-only remote copy like the OS 3.1.x provider
(the default; 3PAR-B says so with the alias rcopy_read_only), 3PAR-A with rcopy_writable."""

import os
import subprocess
import sys

import pytest
import yaml
from pywbem import Uint16

from rcopy_pair import SEED_A, SEED_B, Side, free_port, wait_for, write_seed
from threepar_sim import control
from threepar_sim.control import SimulatorProcess

# pylint: disable=redefined-outer-name


@pytest.fixture(scope='module')
def pair(tmp_path_factory):
    tmp = tmp_path_factory.mktemp('rcopy_up')
    ports = [free_port() for dummy in range(4)]
    config = {'arrays': [
        {'name': '3PAR-A', 'http_port': ports[0], 'https_port': ports[1], 'data': 'a', 'seed': write_seed(tmp / 'a.yml', SEED_A),
         'peers': ['3PAR-B=http://127.0.0.1:%d' % ports[2]], 'rcopy_writable': True},
        {'name': '3PAR-B', 'http_port': ports[2], 'https_port': ports[3], 'data': 'b', 'seed': write_seed(tmp / 'b.yml', SEED_B),
         'peers': ['3PAR-A=http://127.0.0.1:%d' % ports[0]], 'rcopy_read_only': True}]}
    with open(tmp / 'pair.yml', 'w', encoding='utf-8') as handle:
        yaml.safe_dump(config, handle)
    # the CLI, as users run it: `up` returns once both serve, its children outlive it
    subprocess.run([sys.executable, '-m', 'threepar_sim.cli', 'up', '--config', str(tmp / 'pair.yml')], check=True, timeout=120)
    sides = []
    for entry in config['arrays']:
        sim = SimulatorProcess(str(tmp / entry['data']), name=entry['name'])
        sim.info = control.read_serve_info(sim.data_dir)
        sides.append(Side(sim).connect())
    yield sides
    down = subprocess.run([sys.executable, '-m', 'threepar_sim.cli', 'down', '--config', str(tmp / 'pair.yml')],
                          check=True, timeout=120, capture_output=True, text=True)
    assert down.stdout.split() == ['3PAR-A:', 'stopped', '3PAR-B:', 'stopped']


def test_up_starts_a_linked_pair(pair):
    a, b = pair
    wait_for(lambda: a.link_up('3PAR-B') and b.link_up('3PAR-A'), what='the link up')
    assert os.path.exists(os.path.join(a.sim.data_dir, 'serve.json'))


def test_read_only_provider_refuses_every_method_and_changes_nothing(pair):
    dummy, b = pair
    capabilities = b.conn.EnumerateInstanceNames('TPD_ReplicationServiceCapabilities')[0]
    for replication_type in (4, 5):
        rc, out = b.conn.InvokeMethod('GetSupportedOperations', capabilities, ReplicationType=Uint16(replication_type))
        assert rc == 0 and out['SupportedOperations'] == []
    volume = b.volume('db01_r').path
    before = {c: sorted(i.tomof() for i in b.conn.EnumerateInstances(c)) for c in (
        'TPD_StorageVolume', 'TPD_ReplicationGroup', 'TPD_RemoteReplicationGroup', 'TPD_ConcreteJob')}
    calls = [('CreateGroup', {'GroupName': 'g', 'Members': [volume]}),
             ('AddMembers', {'Members': [volume], 'ReplicationGroup': volume}),
             ('RemoveMembers', {'Members': [volume], 'ReplicationGroup': volume}),
             ('DeleteGroup', {'ReplicationGroup': volume}),
             ('CreateGroupReplica', {'SourceGroup': volume, 'TargetSystemName': '3PAR-A', 'TargetElementNames': ['x']}),
             ('ModifyReplicaSynchronization', {'Operation': Uint16(10), 'Synchronization': volume})]
    for method, params in calls:
        assert b.invoke(method, **params)[0] == 1, method
    after = {c: sorted(i.tomof() for i in b.conn.EnumerateInstances(c)) for c in before}
    assert after == before


def test_the_writable_array_can_still_replicate_to_a_read_only_one(pair):
    a, b = pair
    rc, out = a.invoke('CreateGroup', GroupName='rcg', Members=[a.volume('db01').path])
    rc, out = a.invoke('CreateGroupReplica', SourceGroup=out['ReplicationGroup'], TargetSystemName='3PAR-B',
                       TargetElementNames=['db01_r'])
    assert rc == 4096 and a.wait_job(out)['JobState'] == 7
    wait_for(lambda: b.state()['status'] == 'Synced', what='the secondary synced')
    assert b.modify('suspend')[0] == 1      # but not driven from it
