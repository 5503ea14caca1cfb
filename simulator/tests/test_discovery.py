"""SNIA discovery over CIM-XML: pywbem WBEMServer, pywbemcli, cross-namespace CIM_ElementConformsToProfile, volume names."""

import os
import subprocess
import sys

import pytest
import pywbem

INTEROP, TPD = 'root/interop', 'root/tpd'
ECTP = 'CIM_ElementConformsToProfile'
PYWBEMCLI = os.path.join(os.path.dirname(sys.executable), 'pywbemcli')


@pytest.fixture
def conn(served_array):
    return pywbem.WBEMConnection('http://127.0.0.1:%d' % served_array.http_port, ('3parbrowse', '3pardata'), default_namespace=TPD)


@pytest.fixture
def server(conn):
    return pywbem.WBEMServer(conn)


def profile(server, name):
    found = server.get_selected_profiles('SNIA', name)
    assert len(found) == 1, name
    return found[0].path


def local(path):
    """The path without host, for comparing paths from different operations."""
    path = path.copy()
    path.host = None
    return path


def test_server_namespaces_brand_and_profiles(server):
    assert server.interop_ns == INTEROP
    assert set(server.namespaces) == {INTEROP, TPD}
    assert server.brand == 'HP 3PAR SMI-S Provider'
    profiles = {(p['RegisteredOrganization'], p['RegisteredName'], p['RegisteredVersion']) for p in server.profiles}
    expected = {(11, name, '1.4.0') for name in (
        'Server', 'Profile Registration', 'Array', 'Software', 'Block Services', 'Physical Package', 'Masking and Mapping',
        'FC Target Ports', 'FC Initiator Ports', 'Location', 'Multiple Computer System', 'Disk Drive Lite',
        'Block Server Performance', 'Copy Services', 'Job Control', 'Thin Provisioning', 'Replication Services')}
    assert profiles == expected | {(11, 'iSCSI Target Ports', '1.2.0')}
    arrays = server.get_selected_profiles('SNIA', 'Array')
    assert [p['RegisteredVersion'] for p in arrays] == ['1.4.0']


def test_central_instances_of_the_central_profiles(server, conn):
    system = conn.EnumerateInstanceNames('TPD_StorageSystem')[0]
    assert [local(p) for p in server.get_central_instances(profile(server, 'Array'))] == [local(system)]
    manager = server.get_central_instances(profile(server, 'Server'))
    assert [p.classname for p in manager] == ['CIM_ObjectManager']
    assert local(manager[0]) == local(server.cimom_inst.path)
    hosting = conn.AssociatorNames(manager[0], AssocClass='CIM_HostedService')
    assert [local(p) for p in hosting] == [local(system)]
    namespaces = conn.AssociatorNames(manager[0], AssocClass='CIM_NamespaceInManager')
    assert sorted(conn.GetInstance(p)['Name'] for p in namespaces) == [INTEROP, TPD]


@pytest.mark.parametrize('name, central_class, expected', [
    ('Copy Services', 'CIM_StorageConfigurationService', 'TPD_StorageConfigurationService'),
    ('Block Services', 'CIM_StorageConfigurationService', 'TPD_StorageConfigurationService'),
    ('Replication Services', 'CIM_ReplicationService', 'TPD_ReplicationService'),
])
def test_component_profiles_through_the_scoping_class(server, conn, name, central_class, expected):
    path = profile(server, name)
    with pytest.raises(pywbem.CIMError) as exc:
        conn.AssociatorNames(path, AssocClass=ECTP, ResultRole='ManagedElement')
    assert exc.value.status_code == pywbem.CIM_ERR_NOT_SUPPORTED
    scoping = conn.AssociatorNames(path, AssocClass='CIM_ReferencedProfile', ResultRole='Dependent')
    assert [p['InstanceID'] for p in scoping] == ['SNIA+Array+1.4.0']
    central = server.get_central_instances(path, central_class=central_class, scoping_class='CIM_ComputerSystem',
                                           scoping_path=['CIM_HostedService'])
    assert [p.classname for p in central] == [expected]


def test_conformance_is_answered_from_both_ends(conn):
    array = [p for p in conn.EnumerateInstanceNames('CIM_RegisteredProfile', namespace=INTEROP) if p['InstanceID'] == 'SNIA+Array+1.4.0'][0]
    system = conn.EnumerateInstanceNames('TPD_StorageSystem')[0]
    # from the profile (root/interop) to the system (root/tpd)
    assert [local(i.path) for i in conn.Associators(array, AssocClass=ECTP)] == [local(system)]
    assert [local(p) for p in conn.AssociatorNames(array, AssocClass=ECTP)] == [local(system)]
    refs = conn.References(array, ResultClass=ECTP)
    assert [local(r['ManagedElement']) for r in refs] == [local(system)]
    assert [p.namespace for p in conn.ReferenceNames(array, ResultClass=ECTP)] == [INTEROP]
    pulled = conn.OpenAssociatorInstances(array, AssocClass=ECTP)
    assert [local(i.path) for i in pulled.instances] == [local(system)] and pulled.eos
    assert [local(p) for p in conn.OpenAssociatorInstancePaths(array, AssocClass=ECTP).paths] == [local(system)]
    assert [local(i['ManagedElement']) for i in conn.OpenReferenceInstances(array, ResultClass=ECTP).instances] == [local(system)]
    assert len(conn.OpenReferenceInstancePaths(array, ResultClass=ECTP).paths) == 1
    # from the system (root/tpd) back to the profile (root/interop)
    assert [local(i.path) for i in conn.Associators(system, AssocClass=ECTP)] == [local(array)]
    assert conn.Associators(system, AssocClass=ECTP)[0]['RegisteredName'] == 'Array'
    assert [local(p) for p in conn.AssociatorNames(system, AssocClass=ECTP)] == [local(array)]
    refs = conn.References(system, ResultClass=ECTP)
    assert [local(r['ConformantStandard']) for r in refs] == [local(array)]
    assert [p.namespace for p in conn.ReferenceNames(system, ResultClass=ECTP)] == [TPD]
    assert [local(i.path) for i in conn.OpenAssociatorInstances(system, AssocClass=ECTP).instances] == [local(array)]
    assert [local(p) for p in conn.OpenAssociatorInstancePaths(system, AssocClass=ECTP).paths] == [local(array)]
    assert [local(i['ConformantStandard']) for i in conn.OpenReferenceInstances(system, ResultClass=ECTP).instances] == [local(array)]
    assert len(conn.OpenReferenceInstancePaths(system, ResultClass=ECTP).paths) == 1


def test_registered_profile_only_in_interop(conn):
    with pytest.raises(pywbem.CIMError) as exc:
        conn.EnumerateInstances('CIM_RegisteredProfile', namespace=TPD)
    assert exc.value.status_code == pywbem.CIM_ERR_INVALID_CLASS


def test_volumes_are_named_by_naa_wwn(conn):
    for vol in conn.EnumerateInstances('TPD_StorageVolume'):
        assert vol['Name'].startswith('60002AC') and len(vol['Name']) == 32
        assert (vol['NameFormat'], vol['NameNamespace']) == (9, 2)


def pywbemcli(served_array, *args):
    env = {k: val for k, val in os.environ.items() if k not in ('REQUESTS_CA_BUNDLE', 'CURL_CA_BUNDLE')}
    env['PYWBEMCLI_TERMWIDTH'] = '300'
    cmd = [PYWBEMCLI, '--server', 'http://127.0.0.1:%d' % served_array.http_port, '--user', '3parbrowse', '--password', '3pardata',
           '--default-namespace', TPD, '--output-format', 'plain'] + list(args)
    result = subprocess.run(cmd, capture_output=True, text=True, env=env, timeout=60, check=False)
    assert result.returncode == 0, result.stderr
    return result.stdout


def test_pywbemcli_profile_list_and_centralinsts(served_array):
    listing = pywbemcli(served_array, 'profile', 'list')
    assert 'Array' in listing and 'iSCSI Target Ports' in listing and '1.4.0' in listing and 'SNIA' in listing
    central = pywbemcli(served_array, 'profile', 'centralinsts', '--organization', 'SNIA', '--profile', 'Array')
    assert 'TPD_StorageSystem' in central and '2FF70002AC01234567' in central
    server = pywbemcli(served_array, 'profile', 'centralinsts', '--organization', 'SNIA', '--profile', 'Server')
    assert 'CIM_ObjectManager' in server


def test_array_profile_to_computer_system_as_libstoragemgmt_asks(conn):
    array = [p for p in conn.EnumerateInstanceNames('CIM_RegisteredProfile', namespace=INTEROP) if p['InstanceID'] == 'SNIA+Array+1.4.0'][0]
    systems = conn.Associators(array, ResultClass='CIM_ComputerSystem', AssocClass=ECTP, PropertyList=['Name', 'ElementName'])
    assert [(s.classname, s['Name'], s['ElementName']) for s in systems] == [('TPD_StorageSystem', '2FF70002AC01234567', 'TEST-A')]
    assert conn.Associators(array, ResultClass='CIM_ObjectManager', AssocClass=ECTP) == []
