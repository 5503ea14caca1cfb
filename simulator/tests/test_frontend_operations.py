"""Every CIM operation the front end serves, end to end with pywbem over HTTPS."""

import pytest
import pywbem
from pywbem import CIMClassName, CIMInstance, CIMInstanceName, Uint16, Uint32, Uint64

from frontend_stub import INTEROP, NAMESPACE, VOLUME_COUNT, connect, server  # noqa: F401 pylint: disable=unused-import

# pylint: disable=redefined-outer-name


@pytest.fixture
def conn(server):
    return connect(server)


def pool_path(conn, name='FC_r5'):
    return next(path for path in conn.EnumerateInstanceNames('FE_Pool') if path['InstanceID'].endswith(name))


def test_classes(conn):
    klass = conn.GetClass('FE_Service', LocalOnly=False)
    assert set(klass.methods) == {'CreateVolume', 'Ping'}
    assert klass.methods['CreateVolume'].parameters['Codes'].is_array
    assert {c.classname for c in conn.EnumerateClasses()} >= {'FE_Pool', 'FE_Volume', 'FE_AllocatedFromPool'}
    assert set(conn.EnumerateClassNames()) == {'FE_Pool', 'FE_Volume', 'FE_AllocatedFromPool', 'FE_Setting', 'FE_Service'}


def test_qualifiers(conn):
    assert conn.GetQualifier('Key').type == 'boolean'
    # Scope(any) declarations come back with every scope set
    assert all(conn.GetQualifier('Description').scopes.values())
    assert {q.name for q in conn.EnumerateQualifiers()} >= {'Key', 'Association', 'EmbeddedInstance'}


def test_instances_with_property_list(conn):
    volumes = conn.EnumerateInstances('FE_Volume', PropertyList=['ElementName'])
    assert len(volumes) == VOLUME_COUNT
    assert all(set(v.properties) == {'ElementName'} for v in volumes)
    assert volumes[0].path.namespace == NAMESPACE and volumes[0].path.keybindings['DeviceID'] is not None
    full = conn.GetInstance(volumes[3].path)
    assert full['NumberOfBlocks'] == Uint64(3 * 2048) and full['ReadOnly'] is False
    assert set(conn.GetInstance(volumes[3].path, PropertyList=['ReadOnly']).properties) == {'ReadOnly'}
    names = conn.EnumerateInstanceNames('FE_Volume')
    assert sorted(int(n['DeviceID']) for n in names) == list(range(VOLUME_COUNT))


def test_missing_instance_is_a_cim_error(conn):
    with pytest.raises(pywbem.CIMError) as err:
        conn.GetInstance(CIMInstanceName('FE_Volume', {'DeviceID': 'nope'}))
    assert err.value.status_code == pywbem.CIM_ERR_NOT_FOUND


def test_associations_both_ways(conn):
    pool = pool_path(conn)
    volumes = conn.Associators(pool, AssocClass='FE_AllocatedFromPool', PropertyList=['ElementName'])
    assert len(volumes) == 13 and all(set(v.properties) == {'ElementName'} for v in volumes)
    assert {p.classname for p in conn.AssociatorNames(pool)} == {'FE_Volume'}
    back = conn.AssociatorNames(volumes[0].path, ResultClass='FE_Pool')
    assert [p['InstanceID'] for p in back] == ['TPD:CPG:FC_r5']
    links = conn.References(pool, ResultClass='FE_AllocatedFromPool')
    assert len(links) == 13 and links[0]['Antecedent']['InstanceID'] == 'TPD:CPG:FC_r5'
    assert len(conn.ReferenceNames(volumes[0].path)) == 1
    assert conn.Associators(CIMInstanceName('FE_Volume', {'DeviceID': '0'}), ResultClass='FE_Service') == []


def test_class_level_associators(conn):
    classes = conn.Associators('FE_Pool')
    assert [path.classname for path, dummy in classes] == ['FE_Volume']


def test_pull_enumeration_in_pages(conn):
    first = conn.OpenEnumerateInstances('FE_Volume', MaxObjectCount=10, PropertyList=['DeviceID'])
    instances, context, pulls = list(first.instances), first.context, 0
    while not first.eos:
        first = conn.PullInstancesWithPath(context, MaxObjectCount=10)
        instances += first.instances
        context, pulls = first.context, pulls + 1
    assert pulls == 2 and len(instances) == VOLUME_COUNT
    assert all(set(i.properties) == {'DeviceID'} and i.path.namespace == NAMESPACE for i in instances)

    paths = conn.OpenEnumerateInstancePaths('FE_Volume', MaxObjectCount=20)
    rest = conn.PullInstancePaths(paths.context, MaxObjectCount=20)
    assert len(paths.paths) + len(rest.paths) == VOLUME_COUNT and rest.eos


def test_close_enumeration(conn):
    opened = conn.OpenEnumerateInstances('FE_Volume', MaxObjectCount=1)
    assert not opened.eos
    conn.CloseEnumeration(opened.context)
    with pytest.raises(pywbem.CIMError):
        conn.PullInstancesWithPath(opened.context, MaxObjectCount=1)


def test_pull_associations(conn):
    pool = pool_path(conn)
    assoc = conn.OpenAssociatorInstances(pool, MaxObjectCount=100)
    assert assoc.eos and len(assoc.instances) == 13
    assert len(conn.OpenAssociatorInstancePaths(pool, MaxObjectCount=100).paths) == 13
    refs = conn.OpenReferenceInstances(pool, MaxObjectCount=5)
    assert len(refs.instances) == 5 and not refs.eos
    assert len(conn.OpenReferenceInstancePaths(pool, MaxObjectCount=100).paths) == 13
    # pywbem's Iter* operations use Open/Pull under the hood
    assert len(list(conn.IterReferenceInstances(pool, MaxObjectCount=4))) == 13


def test_create_modify_delete_instance(conn):
    new = CIMInstance('FE_Pool', properties={'InstanceID': 'TPD:CPG:NL_r6', 'ElementName': 'NL_r6', 'TotalManagedSpace': Uint64(7)})
    path = conn.CreateInstance(new)
    assert path['InstanceID'] == 'TPD:CPG:NL_r6'
    changed = conn.GetInstance(path)
    changed['ElementName'] = 'renamed'
    conn.ModifyInstance(changed, PropertyList=['ElementName'])
    assert conn.GetInstance(path)['ElementName'] == 'renamed'
    conn.DeleteInstance(path)
    assert len(conn.EnumerateInstanceNames('FE_Pool')) == 2


def test_invoke_method_with_references_and_embedded_instances(server, conn):
    service = conn.EnumerateInstanceNames('FE_Service')[0]
    goal = CIMInstance('FE_Setting', properties={'ElementName': 'gold', 'Size': Uint64(5)})
    ret, out = conn.InvokeMethod('CreateVolume', service, ElementName='v1', InPool=pool_path(conn), Size=Uint64(1 << 20), Goal=goal)
    assert ret == Uint32(0)
    assert isinstance(out['TheElement'], CIMInstanceName) and out['TheElement'].classname == 'FE_Volume'
    assert isinstance(out['Echo'], CIMInstance) and out['Echo']['ElementName'] == 'echo of gold'
    assert out['Codes'] == [Uint16(1), Uint16(2)]
    assert conn.GetInstance(out['TheElement'])['ElementName'] == 'v1'
    # the provider got typed values: a namespaced reference without host and the instance itself
    dummy, params = server.array.service.calls[-1]
    assert params['InPool'].host is None and params['InPool'].namespace == NAMESPACE
    assert params['Goal']['ElementName'] == 'gold' and params['Size'] == Uint64(1 << 20)


def test_invoke_static_method_and_errors(conn):
    assert conn.InvokeMethod('Ping', CIMClassName('FE_Service')) == (0, pywbem.NocaseDict())
    with pytest.raises(pywbem.CIMError) as err:
        conn.InvokeMethod('NoSuchMethod', CIMClassName('FE_Service'))
    assert err.value.status_code == pywbem.CIM_ERR_METHOD_NOT_FOUND
    with pytest.raises(pywbem.CIMError) as err:
        conn.InvokeMethod('CreateVolume', conn.EnumerateInstanceNames('FE_Service')[0], Size='not a number')
    assert err.value.status_code == pywbem.CIM_ERR_INVALID_PARAMETER


def test_wbemserver_discovery(server):
    wbem_server = pywbem.WBEMServer(connect(server))
    assert wbem_server.interop_ns == INTEROP
    assert set(wbem_server.namespaces) == {NAMESPACE, INTEROP}
    assert [p['RegisteredName'] for p in wbem_server.profiles] == ['Array']


def test_plain_http(server):
    assert len(connect(server, scheme='http').EnumerateInstanceNames('FE_Pool')) == 2
