"""CIM-XML written from templates of each object's shape (threepar_sim/xmlshapes.py): the bytes pywbem writes, never stale."""

import pytest
import pywbem
from pywbem import CIMClassName, CIMDateTime, CIMInstance, CIMInstanceName, CIMProperty, Char16, Real32, Real64, Uint16, Uint64

from conftest import GIB, SEED
from threepar_sim import cimxml, xmlshapes
from threepar_sim.array import Array
from threepar_sim.faults import Faults
from threepar_sim.server import CimServer

# pylint: disable=redefined-outer-name

NS = 'root/tpd'
HOST = '127.0.0.1:5989'


@pytest.fixture(scope='module')
def array(tmp_path_factory):
    arr = Array(str(tmp_path_factory.mktemp('shapes') / 'array'), seed=SEED)
    yield arr
    arr.close()


def request(name, **params):
    return cimxml.CimRequest('imethod', name, '1001', NS, params=params)


def volume_name(array, element_name='base1'):
    path = next(i.path for i in array.conn.EnumerateInstances('TPD_StorageVolume') if i['ElementName'] == element_name)
    path.namespace = None  # as parse_request gives it to pywbem_mock
    return path


def requests(array):
    volume = volume_name(array)
    sync = CIMClassName('TPD_StorageSynchronized')
    return [
        request('EnumerateInstances', ClassName=sync),
        request('EnumerateInstances', ClassName=CIMClassName('TPD_StorageVolume')),
        request('EnumerateInstances', ClassName=sync, PropertyList=['SystemElement', 'SyncedElement', 'CopyType', 'SyncState']),
        request('EnumerateInstances', ClassName=CIMClassName('TPD_ConcreteJob')),  # empty result
        request('EnumerateInstanceNames', ClassName=sync),
        request('GetInstance', InstanceName=volume),
        request('GetInstance', InstanceName=volume, PropertyList=['ElementName']),
        request('Associators', ObjectName=volume),
        request('References', ObjectName=volume),
        request('AssociatorNames', ObjectName=volume),
        request('ReferenceNames', ObjectName=volume),
        request('Associators', ObjectName=CIMClassName('TPD_StorageVolume')),       # class-level: written by pywbem whole
        request('AssociatorNames', ObjectName=CIMClassName('TPD_StorageVolume')),
        request('OpenEnumerateInstances', ClassName=CIMClassName('TPD_StorageVolume'), MaxObjectCount=2),
        request('OpenEnumerateInstancePaths', ClassName=CIMClassName('TPD_StorageVolume'), MaxObjectCount=2),
        request('OpenAssociatorInstances', InstanceName=volume, MaxObjectCount=100),
        request('OpenReferenceInstancePaths', InstanceName=volume, MaxObjectCount=100),
        request('EnumerateClassNames'),
        request('GetClass', ClassName=CIMClassName('TPD_StorageSynchronized')),
    ]


def call(array, req):
    return array.conn._mock_imethodcall(req.name, req.namespace, **req.params)


@pytest.mark.parametrize('index', range(19))
def test_response_is_byte_identical_to_pywbems(array, index):
    req = requests(array)[index]
    result = call(array, req)
    whole = cimxml.intrinsic_response(req, result, HOST, shapes=False)
    assert cimxml.intrinsic_response(req, result, HOST) == whole
    assert cimxml.intrinsic_response(req, result, HOST) == whole  # the second time from the templates made the first
    # the host is the request's, not the one of the request that made the template
    assert cimxml.intrinsic_response(req, result, 'other:5988') == cimxml.intrinsic_response(req, result, 'other:5988', shapes=False)


def test_pulls_are_byte_identical(array):
    result = call(array, request('OpenEnumerateInstances', ClassName=CIMClassName('TPD_StorageVolume'), MaxObjectCount=1))
    pulls = 0
    while True:
        req = request('OpenEnumerateInstances' if pulls == 0 else 'PullInstancesWithPath')
        assert cimxml.intrinsic_response(req, result, HOST) == cimxml.intrinsic_response(req, result, HOST, shapes=False)
        context = dict((name, value) for name, dummy, value in result)['EnumerationContext']
        if not context:
            break
        result = call(array, request('PullInstancesWithPath', EnumerationContext=context, MaxObjectCount=1))
        pulls += 1
    assert pulls == 5  # 6 volumes, one a response


ODD_STRINGS = ['', 'a&b', '<x>', '"quoted"', "it's", ']]>', 'tab\tnew\nline\r', 'caf\u00e9 \u65e5\u672c', ' lead and trail ']


ODD_VALUES = ODD_STRINGS + [None, True, False, Uint16(0), Uint64(2 ** 64 - 1), Real32(-0.0), Real32(1e20), Real64(3.25),
                            Char16('<'), CIMDateTime('20261207170000.000000+000'), CIMDateTime('00000001020304.000000:000'),
                            [Uint16(1), None, Uint16(3)], [], ['a&b', None, ''], [True, False]]


@pytest.mark.parametrize('value', ODD_VALUES)
def test_values_are_written_as_pywbem_writes_them(value):
    """Every kind of value, escaping and NULLs, in an instance and in the keybindings of its reference."""
    typed = CIMProperty('P', value, type='string' if value is None or value == [] else None)
    key = value if isinstance(value, str) else 'k'
    ref = CIMInstanceName('V', {'DeviceID': key, 'SystemName': 'S&1'}, namespace='root/tpd')
    inst = CIMInstance('C', properties=[typed, CIMProperty('R', ref), CIMProperty('N', None, type='uint32')])
    for dummy in range(2):
        assert xmlshapes.instance_fragment(inst) == xmlshapes.serialised(inst.tocimxml(ignore_path=True))
        assert xmlshapes.path_fragment(ref) == xmlshapes.serialised(ref.tocimxml())


@pytest.mark.parametrize('path', [
    CIMInstanceName('V', {'DeviceID': '1'}),
    CIMInstanceName('V', {'DeviceID': '1'}, namespace='root/tpd'),
    CIMInstanceName('V', {'DeviceID': '1'}, namespace='root/tpd', host='h:5989'),
    CIMInstanceName('A', {'Antecedent': CIMInstanceName('V', {'DeviceID': '2'}, namespace='root/tpd'), 'Id': 'x'}),
    CIMInstanceName('V', {'Number': Uint16(4), 'Flag': True}),     # no template: written whole
])
def test_paths_are_written_as_pywbem_writes_them(path):
    assert xmlshapes.path_fragment(path) == xmlshapes.serialised(path.tocimxml())
    assert xmlshapes.instancename_fragment(path) == xmlshapes.serialised(path.tocimxml(ignore_namespace=True))


def test_instances_without_a_template_are_written_whole():
    embedded = CIMInstance('C', properties=[CIMProperty('E', CIMInstance('X', properties={'a': 'b'}))])
    with_qualifier = CIMInstance('C', properties=[CIMProperty('P', 'v', qualifiers={'Key': True})])
    for inst in (embedded, with_qualifier):
        assert xmlshapes.instance_fragment(inst) == xmlshapes.serialised(inst.tocimxml(ignore_path=True))


def test_same_shape_other_values_are_not_mixed_up():
    """One template per shape: instances that differ in values only get their own values."""
    def inst(name, size):
        return CIMInstance('C', properties=[CIMProperty('ElementName', name), CIMProperty('Size', Uint64(size))])
    first, second = inst('one', 1), inst('two', 2)
    assert xmlshapes.instance_fragment(first) != xmlshapes.instance_fragment(second)
    assert xmlshapes.instance_fragment(second) == xmlshapes.serialised(second.tocimxml(ignore_path=True))


@pytest.fixture
def served(tmp_path, monkeypatch):
    """A real (small) array behind a CimServer."""
    monkeypatch.delenv('REQUESTS_CA_BUNDLE', raising=False)
    monkeypatch.delenv('CURL_CA_BUNDLE', raising=False)
    arr = Array(str(tmp_path / 'array'), seed=SEED)
    cim_server = CimServer(arr, Faults(), str(tmp_path), http_port=0, https_port=0)
    cim_server.start()
    yield cim_server
    cim_server.shutdown()
    arr.close()


def test_changed_instances_are_not_served_stale(served):
    conn = pywbem.WBEMConnection('http://127.0.0.1:%d' % served.http_port, ('3paradm', '3pardata'), default_namespace=NS)
    volumes = {v['ElementName']: v for v in conn.EnumerateInstances('TPD_StorageVolume')}
    synced = {s['SyncedElement']['DeviceID']: s for s in conn.EnumerateInstances('TPD_StorageSynchronized')}
    snap1 = synced[volumes['snap1'].path['DeviceID']]
    assert volumes['nosnap']['NumberOfBlocks'] == GIB // 512
    service = conn.EnumerateInstanceNames('TPD_StorageConfigurationService')[0]

    rc, dummy = conn.InvokeMethod('CreateOrModifyElementFromStoragePool', service, TheElement=volumes['nosnap'].path,
                                  Size=Uint64(3 * GIB))
    assert rc == 0
    rc, dummy = conn.InvokeMethod('ModifySynchronization', service, Operation=Uint16(4), Synchronization=snap1.path)
    assert rc == 0

    volumes = {v['ElementName']: v for v in conn.EnumerateInstances('TPD_StorageVolume')}
    assert volumes['nosnap']['NumberOfBlocks'] == 3 * GIB // 512
    pulled = {v['ElementName']: v for v in conn.IterEnumerateInstances('TPD_StorageVolume', MaxObjectCount=1)}
    assert pulled['nosnap']['NumberOfBlocks'] == 3 * GIB // 512
    assert conn.GetInstance(volumes['nosnap'].path)['NumberOfBlocks'] == 3 * GIB // 512
    synced = {s['SyncedElement']['DeviceID']: s for s in conn.EnumerateInstances('TPD_StorageSynchronized')}
    assert synced[volumes['snap1'].path['DeviceID']]['WhenSynced'].datetime > snap1['WhenSynced'].datetime

    # and what is served is what pywbem writes for the array's current state
    req = request('EnumerateInstances', ClassName=CIMClassName('TPD_StorageVolume'))
    with served.array.lock:
        result = call(served.array, req)
    assert cimxml.intrinsic_response(req, result, HOST) == cimxml.intrinsic_response(req, result, HOST, shapes=False)
