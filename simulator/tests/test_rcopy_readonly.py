"""`threepar-sim up` with a pair whose config names each other; read-only remote copy like the OS 3.1.x provider
(the default; 3PAR-B says so with the alias rcopy_read_only), 3PAR-A with rcopy_writable."""

import json
import os
import subprocess
import sys

import pytest
import yaml
from pywbem import CIMInstanceName, Uint16

from rcopy_pair import SEED_A, SEED_B, Side, wait_for, write_seed
from threepar_sim import control
from threepar_sim.control import SimulatorProcess

# pylint: disable=redefined-outer-name


@pytest.fixture(scope='module')
def pair(tmp_path_factory):
    tmp = tmp_path_factory.mktemp('rcopy_up')
    # no ports: free ones are chosen; peers named by array
    config = {'arrays': [
        {'name': '3PAR-A', 'data': 'a', 'seed': write_seed(tmp / 'a.yml', SEED_A), 'peers': ['3PAR-B'], 'rcopy_writable': True},
        {'name': '3PAR-B', 'data': 'b', 'seed': write_seed(tmp / 'b.yml', SEED_B), 'peers': ['3PAR-A'], 'rcopy_read_only': True}]}
    with open(tmp / 'pair.yml', 'w', encoding='utf-8') as handle:
        yaml.safe_dump(config, handle)
    # the CLI, as users run it: `up` returns once both serve, its children outlive it
    started = up(tmp / 'pair.yml')
    assert [s['name'] for s in started] == ['3PAR-A', '3PAR-B']
    sides = []
    for entry in started:
        sim = SimulatorProcess(entry['data'], name=entry['name'])
        sim.info = control.read_serve_info(sim.data_dir)
        sides.append(Side(sim).connect())
    yield sides
    down = subprocess.run([sys.executable, '-m', 'threepar_sim.cli', 'down', '--config', str(tmp / 'pair.yml')],
                          check=True, timeout=120, capture_output=True, text=True)
    assert down.stdout.split() == ['3PAR-A:', 'stopped', '3PAR-B:', 'stopped']


def up(config, *args):
    out = subprocess.run([sys.executable, '-m', 'threepar_sim.cli', 'up', '--config', str(config), '--json'] + list(args),
                         check=True, timeout=120, capture_output=True, text=True).stdout
    return json.loads(out)


def test_up_starts_a_linked_pair(pair):
    a, b = pair
    wait_for(lambda: a.link_up('3PAR-B') and b.link_up('3PAR-A'), what='the link up')
    assert os.path.exists(os.path.join(a.sim.data_dir, 'serve.json'))
    assert os.path.exists(os.path.join(a.sim.data_dir, 'cert.pem'))


def test_a_restarted_array_comes_back_on_its_ports_and_relinks(pair, tmp_path):
    """A site back after an outage (`down --only`, `up --only`) serves where its peer and the playbooks expect it."""
    a, b = pair
    config = os.path.join(os.path.dirname(b.sim.data_dir), 'pair.yml')
    before = control.read_serve_info(b.sim.data_dir)
    subprocess.run([sys.executable, '-m', 'threepar_sim.cli', 'down', '--config', config, '--only', '3PAR-B'],
                   check=True, timeout=120, capture_output=True)
    wait_for(lambda: not a.link_up('3PAR-B'), what='the link down')
    [again] = up(config, '--only', '3PAR-B')
    assert (again['http_port'], again['https_port']) == (before['http_port'], before['https_port'])
    b.sim.info = control.read_serve_info(b.sim.data_dir)
    b.connect()
    wait_for(lambda: a.link_up('3PAR-B') and b.link_up('3PAR-A'), what='the link up again')


def test_up_reports_normalised_paths(tmp_path):
    (tmp_path / 'config').mkdir()
    config = {'arrays': [{'name': '3PAR-N', 'data': '../data/3par-n'}]}
    [entry] = control.start_set(config, base_dir=str(tmp_path / 'config'))
    try:
        assert entry['data'] == str(tmp_path / 'data' / '3par-n')
    finally:
        control.stop_set(config, base_dir=str(tmp_path / 'config'))


def test_a_peer_that_is_not_in_the_config_is_refused(tmp_path):
    config = {'arrays': [{'name': '3PAR-A', 'data': 'a', 'peers': ['3PAR-Z']}]}
    with pytest.raises(control.ControlError, match='peer 3PAR-Z is not an array of the config; write NAME=URL'):
        control.start_set(config, base_dir=str(tmp_path))


GROUP_CLASSES = ('TPD_StorageVolume', 'TPD_ReplicationGroup', 'TPD_RemoteReplicationGroup', 'TPD_MemberOfCollection', 'TPD_ConcreteJob')


def everything(side):
    return {c: sorted(i.tomof() for i in side.conn.EnumerateInstances(c)) for c in GROUP_CLASSES}


def group_path(classname, name):
    return CIMInstanceName(classname, {'InstanceID': 'HP_3PAR:' + name}, namespace='root/tpd')


def test_read_only_provider_refuses_every_remote_method_and_changes_nothing(pair):
    """Remote replication is read-only (M311 p96, p114): the methods on remote-copy groups answer 1."""
    dummy, b = pair
    capabilities = b.conn.EnumerateInstanceNames('TPD_ReplicationServiceCapabilities')[0]
    for replication_type in (4, 5):
        rc, out = b.conn.InvokeMethod('GetSupportedOperations', capabilities, ReplicationType=Uint16(replication_type))
        assert rc == 0 and out['SupportedOperations'] == []
    volume = b.volume('db01_r').path
    group = group_path('TPD_RemoteReplicationGroup', 'g')
    before = everything(b)
    calls = [('AddMembers', {'Members': [volume], 'ReplicationGroup': group}),
             ('RemoveMembers', {'Members': [volume], 'ReplicationGroup': group}),
             ('DeleteGroup', {'ReplicationGroup': group}),
             ('CreateGroupReplica', {'SourceGroup': volume, 'TargetSystemName': '3PAR-A', 'TargetElementNames': ['x']}),
             ('ModifyReplicaSynchronization', {'Operation': Uint16(10), 'Synchronization': volume})]
    for method, params in calls:
        assert b.invoke(method, **params)[0] == 1, method
    assert everything(b) == before


def test_a_local_volume_set_works_on_the_read_only_provider(pair):
    """TPD_ReplicationGroup "is a volume set that can be used for local clones or snapshots" (M311 p95-97): local,
    so not affected by the read-only remote replication (M311 p96, p114)."""
    dummy, b = pair
    volume = b.volume('db01_r').path
    rc, out = b.invoke('CreateGroup', GroupName='local_set', Members=[volume])
    assert rc == 0
    vvset = out['ReplicationGroup']
    assert b.invoke('RemoveMembers', Members=[volume], ReplicationGroup=vvset)[0] == 0
    assert b.invoke('AddMembers', Members=[volume], ReplicationGroup=vvset)[0] == 0
    assert b.invoke('DeleteGroup', ReplicationGroup=vvset, RemoveElements=True)[0] == 0
    assert b.volume('db01_r') is not None


def test_the_writable_array_can_still_replicate_to_a_read_only_one(pair):
    a, b = pair
    rc, out = a.invoke('CreateGroup', GroupName='rcg', Members=[a.volume('db01').path])
    rc, out = a.invoke('CreateGroupReplica', SourceGroup=out['ReplicationGroup'], TargetSystemName='3PAR-B',
                       TargetElementNames=['db01_r'])
    assert rc == 4096 and a.wait_job(out)['JobState'] == 7
    wait_for(lambda: b.state()['status'] == 'Synced', what='the secondary synced')
    assert b.modify('suspend')[0] == 1      # but not driven from it


def test_the_set_of_a_remote_copy_group_stays_read_only(pair):
    """The volume set of a remote-copy group is remote replication: 1 on the read-only provider, nothing changes."""
    dummy, b = pair
    vvset = group_path('TPD_ReplicationGroup', 'rcg')
    assert b.conn.GetInstance(vvset)['ElementName'] == 'rcg'
    volume = b.volume('db01_r').path
    before = everything(b)
    for method, params in [('AddMembers', {'Members': [volume], 'ReplicationGroup': vvset}),
                           ('RemoveMembers', {'Members': [volume], 'ReplicationGroup': vvset}),
                           ('DeleteGroup', {'ReplicationGroup': vvset, 'RemoveElements': True}),
                           ('DeleteGroup', {'ReplicationGroup': group_path('TPD_RemoteReplicationGroup', 'rcg')})]:
        assert b.invoke(method, **params)[0] == 1, method
    assert everything(b) == before
