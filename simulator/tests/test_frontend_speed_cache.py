"""The CIM-XML fragment cache (threepar_sim/xmlcache.py): same bytes, never stale, bounded."""

import pytest
import pywbem
from pywbem import CIMClassName, CIMInstance, CIMInstanceName, CIMProperty, Real32, Uint16, Uint32, Uint64

from conftest import GIB, SEED
from threepar_sim import cimxml, xmlcache
from threepar_sim.array import Array
from threepar_sim.faults import Faults
from threepar_sim.server import CimServer

# pylint: disable=redefined-outer-name

NS = 'root/tpd'
HOST = '127.0.0.1:5989'


@pytest.fixture(scope='module')
def array(tmp_path_factory):
    arr = Array(str(tmp_path_factory.mktemp('cache') / 'array'), seed=SEED)
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
        request('Associators', ObjectName=CIMClassName('TPD_StorageVolume')),       # class-level: not cached
        request('AssociatorNames', ObjectName=CIMClassName('TPD_StorageVolume')),
        request('OpenEnumerateInstances', ClassName=CIMClassName('TPD_StorageVolume'), MaxObjectCount=2),
        request('OpenEnumerateInstancePaths', ClassName=CIMClassName('TPD_StorageVolume'), MaxObjectCount=2),
        request('OpenAssociatorInstances', InstanceName=volume, MaxObjectCount=100),
        request('OpenReferenceInstancePaths', InstanceName=volume, MaxObjectCount=100),
        request('EnumerateClassNames'),                                             # not cached
        request('GetClass', ClassName=CIMClassName('TPD_StorageSynchronized')),
    ]


def call(array, req):
    return array.conn._mock_imethodcall(req.name, req.namespace, **req.params)


@pytest.mark.parametrize('index', range(19))
def test_cached_response_is_byte_identical(array, index):
    req = requests(array)[index]
    cache = xmlcache.FragmentCache()
    result = call(array, req)
    plain = cimxml.intrinsic_response(req, result, HOST)
    cold = cimxml.intrinsic_response(req, result, HOST, cache)
    warm = cimxml.intrinsic_response(req, result, HOST, cache)
    assert cold == plain and warm == plain
    # the host is the request's, not the cached one's
    assert cimxml.intrinsic_response(req, result, 'other:5988', cache) == cimxml.intrinsic_response(req, result, 'other:5988')


def test_pulls_are_byte_identical_and_hit_the_cache(array):
    cache = xmlcache.FragmentCache()
    for dummy in range(2):
        result = call(array, request('OpenEnumerateInstances', ClassName=CIMClassName('TPD_StorageVolume'), MaxObjectCount=1))
        pulls = 0
        while True:
            req = request('OpenEnumerateInstances' if pulls == 0 else 'PullInstancesWithPath')
            assert cimxml.intrinsic_response(req, result, HOST, cache) == cimxml.intrinsic_response(req, result, HOST)
            context = dict((name, value) for name, dummy, value in result)['EnumerationContext']
            if not context:
                break
            result = call(array, request('PullInstancesWithPath', EnumerationContext=context, MaxObjectCount=1))
            pulls += 1
        assert pulls == 5  # 6 volumes, one a response
    assert cache.hits == cache.misses == 2 * 6  # INSTANCE and INSTANCENAME of each volume, made once


def test_content_key_tells_apart_what_pywbem_writes_differently():
    def inst(value, ns='root/tpd'):
        ref = CIMInstanceName('V', {'DeviceID': '1'}, namespace=ns)
        return CIMInstance('C', properties=[CIMProperty('P', value), CIMProperty('R', ref)])
    assert xmlcache.instance_key(inst(Uint16(1))) != xmlcache.instance_key(inst(Uint32(1)))
    assert xmlcache.instance_key(inst(True)) != xmlcache.instance_key(inst(Uint16(1)))
    assert xmlcache.instance_key(inst(Real32(0.0))) != xmlcache.instance_key(inst(Real32(-0.0)))
    assert xmlcache.instance_key(inst('a')) != xmlcache.instance_key(inst('A'))
    assert xmlcache.instance_key(inst('a', ns=None)) != xmlcache.instance_key(inst('a'))
    assert xmlcache.instance_key(inst([Uint16(1)])) != xmlcache.instance_key(inst(Uint16(1)))
    assert xmlcache.instance_key(inst(Uint16(7))) == xmlcache.instance_key(inst(Uint16(7)))
    embedded = CIMInstance('C', properties=[CIMProperty('E', CIMInstance('X', properties={'a': 'b'}))])
    with pytest.raises(xmlcache.Uncacheable):
        xmlcache.instance_key(embedded)


def test_cache_stays_within_its_byte_bound(array):
    req = request('EnumerateInstances', ClassName=CIMClassName('TPD_StorageVolume'))
    result = call(array, req)
    plain = cimxml.intrinsic_response(req, result, HOST)
    bound = 6000  # a few volumes' worth
    cache = xmlcache.FragmentCache(bound)
    for dummy in range(3):
        assert cimxml.intrinsic_response(req, result, HOST, cache) == plain
        assert 0 < cache.bytes <= bound
    stats = cache.stats()
    assert stats['entries'] < 2 * len(result[0][2])  # evicted: not every INSTANCE and INSTANCENAME fits
    # pylint: disable=protected-access
    accounted = sum(cost for dummy, cost in cache._entries.values())
    accounted += sum(len(d) + xmlcache.ENTRY_OVERHEAD for d in cache._dictionaries.values())
    assert stats['bytes'] == accounted
    # a fragment larger than the whole bound is served, not kept
    tiny = xmlcache.FragmentCache(100)
    assert cimxml.intrinsic_response(req, result, HOST, tiny) == plain and tiny.bytes == 0 and len(tiny) == 0


@pytest.fixture
def served(tmp_path, monkeypatch):
    """A real (small) array behind a CimServer, with the cache and its pre-warmer."""
    monkeypatch.delenv('REQUESTS_CA_BUNDLE', raising=False)
    monkeypatch.delenv('CURL_CA_BUNDLE', raising=False)
    arr = Array(str(tmp_path / 'array'), seed=SEED)
    cim_server = CimServer(arr, Faults(), str(tmp_path), http_port=0, https_port=0)
    cim_server.start()
    cim_server.prewarmer.join(30)
    yield cim_server
    cim_server.shutdown()
    arr.close()


def test_prewarmed_server_answers_from_the_cache(served):
    assert served.prewarmer.finished and served.prewarmer.done > 0
    stats = served.cache_status()
    assert stats['entries'] > 0 and stats['prewarmed'] == served.prewarmer.done
    conn = pywbem.WBEMConnection('http://127.0.0.1:%d' % served.http_port, ('3paradm', '3pardata'), default_namespace=NS)
    misses = served.xml_cache.misses
    assert len(conn.EnumerateInstances("TPD_StorageVolume")) == 6
    assert served.xml_cache.misses == misses


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
    assert cimxml.intrinsic_response(req, result, HOST, served.xml_cache) == cimxml.intrinsic_response(req, result, HOST)
