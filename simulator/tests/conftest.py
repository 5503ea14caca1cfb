"""Fixtures for the array tests: an in-process Array driven by a test clock."""

import pytest
from pywbem import Uint16, Uint64

from threepar_sim.array import Array
from threepar_sim.faults import Faults

GIB = 1 << 30
SEED = {
    'name': 'TEST-A',
    'serial': '1234567',
    'cpgs': [{'name': 'FC_r5', 'size': '10TiB'}, {'name': 'SSD_r6', 'size': '1TiB'}],
    'volumes': [
        {'name': 'base1', 'cpg': 'FC_r5', 'size': '2GiB', 'snap_cpg': 'FC_r5'},
        {'name': 'base2', 'cpg': 'FC_r5', 'size': '2GiB', 'snap_cpg': 'FC_r5'},
        {'name': 'nosnap', 'cpg': 'SSD_r6', 'size': '1GiB'},
    ],
    'copies': [
        {'source': 'base1', 'name': 'snap1', 'type': 'virtual'},
        {'source': 'base1', 'name': 'clone1', 'type': 'physical', 'cpg': 'FC_r5'},
    ],
}


class FakeClock:
    """Monotonic clock that only moves when a test says so."""

    def __init__(self):
        self.now = 1000.0

    def __call__(self):
        return self.now


class Client:
    """Thin helpers over array.conn (a pywbem WBEMConnection) for readable tests."""

    def __init__(self, array, clock):
        self.array = array
        self.conn = array.conn
        self.clock = clock

    def advance(self, seconds):
        self.clock.now += seconds
        self.array.tick()

    @property
    def service(self):
        return self.conn.EnumerateInstanceNames('TPD_StorageConfigurationService')[0]

    def invoke(self, method, **params):
        rc, out = self.conn.InvokeMethod(method, self.service, **params)
        return int(rc), out

    @property
    def replication_service(self):
        return self.conn.EnumerateInstanceNames('TPD_ReplicationService')[0]

    def rs_invoke(self, method, **params):
        """A method of TPD_ReplicationService: (rc, out)."""
        rc, out = self.conn.InvokeMethod(method, self.replication_service, **params)
        return int(rc), out

    def volume(self, name):
        found = [i for i in self.conn.EnumerateInstances('TPD_StorageVolume') if i['ElementName'] == name]
        return found[0] if found else None

    def volume_path(self, name):
        return self.volume(name).path

    def cpg_path(self, name):
        return [p for p in self.conn.EnumerateInstanceNames('TPD_DynamicStoragePool') if p['InstanceID'] == 'TPD:CPG:' + name][0]

    def cpg(self, name):
        return self.conn.GetInstance(self.cpg_path(name))

    def sync(self, target):
        target_path = self.volume_path(target)
        found = [s for s in self.conn.EnumerateInstances('TPD_StorageSynchronized') if s['SyncedElement'] == target_path]
        return found[0] if found else None

    def job(self, out):
        return self.conn.GetInstance(out['Job'])

    def modify(self, operation, target):
        return self.invoke('ModifySynchronization', Operation=Uint16(operation), Synchronization=self.sync(target).path)

    def setting(self, **props):
        """A TPD_StorageSetting from CreateSetting, with props set by ModifyInstance: its path."""
        capabilities = self.conn.EnumerateInstanceNames('TPD_StorageCapabilities')[0]
        rc, out = self.conn.InvokeMethod('CreateSetting', capabilities, SettingType=Uint16(3))
        assert rc == 0
        if props:
            setting = self.conn.GetInstance(out['NewSetting'])
            for key, value in props.items():
                setting[key] = value
            self.conn.ModifyInstance(setting, PropertyList=list(props))
        return out['NewSetting']

    def snapshot(self, source, name, **goal):
        params = {'SourceElement': self.volume_path(source), 'CopyType': Uint16(4), 'ElementName': name}
        if goal:
            params['TargetSettingGoal'] = self.setting(**goal)
        return self.invoke('CreateReplica', **params)

    def attach(self, source, target, copy_type=4, method='AttachReplica'):
        return self.invoke(method, SourceElement=self.volume_path(source), TargetElement=self.volume_path(target),
                           CopyType=Uint16(copy_type))

    def physical_copy(self, source, name, copy_type=4, cpg='FC_r5'):
        """A new volume of the source's size, then AttachReplica into it: (rc, out) of AttachReplica."""
        size = self.volume(source)['NumberOfBlocks'] * 512
        assert self.create_volume(name, size, cpg=cpg)[0] == 0
        return self.attach(source, name, copy_type)

    def create_volume(self, name, size, cpg='FC_r5', **goal):
        params = {'ElementName': name, 'InPool': self.cpg_path(cpg), 'Size': Uint64(size), 'ElementType': Uint16(5)}
        if goal:
            params['Goal'] = self.setting(**goal)
        return self.invoke('CreateOrModifyElementFromStoragePool', **params)

    def state_snapshot(self):
        """Every instance of every TPD_ class, for before/after comparisons."""
        result = {}
        for classname in ('TPD_StorageVolume', 'TPD_StorageSynchronized', 'TPD_ConcreteJob', 'TPD_DynamicStoragePool',
                          'TPD_DeltaReplicaStoragePool', 'TPD_AllocatedFromStoragePool', 'TPD_SystemVolume', 'TPD_AffectedJobElement',
                          'TPD_OwningJobElement'):
            result[classname] = sorted(i.tomof() for i in self.conn.EnumerateInstances(classname))
        return result


@pytest.fixture
def clock():
    return FakeClock()


@pytest.fixture
def faults():
    return Faults()


@pytest.fixture
def array(tmp_path, clock, faults):
    arr = Array(str(tmp_path / 'array'), seed=SEED, copy_rate_mib=1024.0, faults=faults, clock=clock)
    yield arr
    arr.close()


@pytest.fixture
def client(array, clock):
    return Client(array, clock)


@pytest.fixture
def served_array(tmp_path, monkeypatch):
    """A real array (real clock, ticker running) behind a CimServer on free ports: the CimServer."""
    from threepar_sim.server import CimServer   # pylint: disable=import-outside-toplevel
    monkeypatch.delenv('REQUESTS_CA_BUNDLE', raising=False)
    monkeypatch.delenv('CURL_CA_BUNDLE', raising=False)
    arr = Array(str(tmp_path / 'array'), seed=SEED, copy_rate_mib=4096.0)
    cim_server = CimServer(arr, Faults(), str(tmp_path), http_port=0, https_port=0)
    cim_server.start()
    arr.start()
    yield cim_server
    cim_server.shutdown()
    arr.close()
