"""Persistence across kill -9, seeds (defaults, YAML form, generate at scale) and WBEMServer discovery."""

import os
import signal
import subprocess
import sys
import textwrap

import pywbem
import yaml

from threepar_sim.array import Array
from threepar_sim.array.seed import parse_size

HERE = os.path.dirname(os.path.abspath(__file__))

CHILD = textwrap.dedent('''
    import signal, sys
    sys.path.insert(0, %(here)r)
    from pywbem import Uint16
    from conftest import SEED, Client
    from test_array_jobs import subscribe
    from threepar_sim.array import Array
    array = Array(sys.argv[1], seed=SEED, copy_rate_mib=1.0)
    client = Client(array, None)
    with array.lock:
        client.snapshot('base2', 'snap2')
        client.create_volume('fresh', 1 << 30)
        subscribe(array.conn, 9)
        rc, out = client.physical_copy('base2', 'long_copy')
        assert rc == 4096
    array.start()
    print('READY', flush=True)
    signal.pause()     # until the test kills it
''') % {'here': HERE}


def test_restart_after_sigkill_keeps_data_and_fails_the_running_job(tmp_path):
    data = str(tmp_path / 'data')
    child = subprocess.Popen([sys.executable, '-c', CHILD, data], stdout=subprocess.PIPE, text=True)
    try:
        assert child.stdout.readline().strip() == 'READY'     # the copy job runs, the ticker with it
    finally:
        os.kill(child.pid, signal.SIGKILL)
        child.wait()
    array = Array(data)
    try:
        conn = array.conn
        names = {v['ElementName']: v for v in conn.EnumerateInstances('TPD_StorageVolume')}
        assert {'base1', 'base2', 'nosnap', 'snap1', 'clone1', 'base1.rw', 'snap2', 'fresh', 'long_copy', 'base2.rw'} == set(names)
        assert len(conn.EnumerateInstances('TPD_StorageSynchronized')) == 6
        job = conn.EnumerateInstances('TPD_ConcreteJob')[0]
        assert job['JobState'] == 10 and sorted(job['OperationalStatus']) == [6, 17] and 'restarted' in job['ErrorDescription']
        broken = [s for s in conn.EnumerateInstances('TPD_StorageSynchronized') if s['SyncState'] == 12]
        assert len(broken) == 1 and broken[0]['SyncedElement']['DeviceID'] == names['long_copy']['DeviceID']
        assert (broken[0]['CopyType'], broken[0]['ReplicaType'], broken[0]['Mode']) == (4, 2, 3)
        array.state.delete_volume(array.state.volumes['clone1'])     # the copy remembers its resync snapshot
        assert 'base1.rw' not in array.state.volumes
        assert len(conn.EnumerateInstances('CIM_IndicationSubscription', namespace='root/interop')) == 1
        assert array.name == 'TEST-A' and array.users['3paradm']['role'] == 'edit'
        pools = {p['ElementName']: p for p in conn.EnumerateInstances('TPD_DynamicStoragePool')}
        assert pools['FC_r5']['RemainingManagedSpace'] < pools['FC_r5']['TotalManagedSpace']
    finally:
        array.close()


def test_defaults_and_discovery(tmp_path):
    array = Array(str(tmp_path / 'default'), name='3PAR-B')
    try:
        pools = {p['ElementName']: p['TotalManagedSpace'] for p in array.conn.EnumerateInstances('TPD_DynamicStoragePool')}
        assert pools == {'FC_r5': 100 << 40, 'SSD_r6': 100 << 40}
        assert array.users == {'3paradm': {'password': '3pardata', 'role': 'edit'}, '3parbrowse': {'password': '3pardata', 'role': 'browse'}}
        assert array.conn.EnumerateInstances('TPD_StorageSystem')[0]['ElementName'] == '3PAR-B'
        server = pywbem.WBEMServer(array.conn)
        assert server.interop_ns == 'root/interop'
        assert set(server.namespaces) == {'root/tpd', 'root/interop'}
        profiles = {(p['RegisteredOrganization'], p['RegisteredName'], p['RegisteredVersion']) for p in server.profiles}
        assert {(11, 'Array', '1.4.0'), (11, 'Copy Services', '1.4.0'), (11, 'Replication Services', '1.4.0'),
                (11, 'Job Control', '1.4.0'), (11, 'Server', '1.4.0')} <= profiles
    finally:
        array.close()


def test_yaml_seed_and_control(tmp_path):
    seed = yaml.safe_load('''
        name: SEEDED
        serial: "7654321"
        users: [{name: admin, password: secret, role: edit}]
        cpgs: [{name: CPG1, size: 1TiB}]
        volumes: [{name: v1, cpg: CPG1, size: 10GiB, thin: false, snap_cpg: CPG1, snap_percent: 10}]
        snapshots: [{source: v1, name: v1_snap, type: virtual}]
    ''')
    array = Array(str(tmp_path / 'seeded'), seed=seed)
    try:
        assert array.users == {'admin': {'password': 'secret', 'role': 'edit'}}
        assert array.conn.EnumerateInstances('TPD_StorageSystem')[0]['Name'] == '2FF70002AC07654321'
        assert array.control('write', {'volume': 'v1', 'count': 5}) == {'volume': 'v1', 'write_generation': 5}
        status = array.control('status', {})
        assert (status['volumes'], status['snapshots'], status['copies']) == (2, 1, 1)
        for verb, body in (('write', {'volume': 'nope', 'count': 1}), ('write', {'volume': 'v1', 'count': 0})):
            try:
                array.control(verb, body)
            except ValueError:
                continue
            raise AssertionError('expected ValueError')
        try:
            array.control('explode', {})
        except KeyError:
            pass
        else:
            raise AssertionError('expected KeyError')
    finally:
        array.close()
    assert parse_size('512MiB') == 512 << 20 and parse_size(4096) == 4096


def test_generate_seed_at_scale(tmp_path):
    seed = {'generate': {'volumes': 2000, 'prefix': 'bench', 'virtual_copies_per_volume': 1, 'size': '1GiB'}}
    array = Array(str(tmp_path / 'scale'), seed=seed)     # how long it takes: bench/simulator_scale.py
    try:
        syncs = array.conn.EnumerateInstances('TPD_StorageSynchronized', PropertyList=['SyncState'])
        assert len(syncs) == 2000 and {s['SyncState'] for s in syncs} == {11}
        assert len(array.conn.EnumerateInstanceNames('TPD_StorageVolume')) == 4000
    finally:
        array.close()
    reopened = Array(str(tmp_path / 'scale'))
    try:
        assert len(reopened.conn.EnumerateInstanceNames('TPD_StorageSynchronized')) == 2000
    finally:
        reopened.close()
