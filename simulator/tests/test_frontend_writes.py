"""Intrinsic writes over CIM-XML: array-owned instances are refused (M312 p48-60, MX p76), except the
system's owner name and contact; TPD_StorageSetting is changed with ModifyInstance (M312 p32)."""

import pytest
import pywbem
from pywbem import CIM_ERR_NOT_SUPPORTED, CIMInstance, CIMInstanceName, Uint16

NS = 'root/tpd'
OWNED = ('TPD_StorageSystem', 'TPD_StorageVolume', 'TPD_StorageSynchronized', 'TPD_DynamicStoragePool', 'TPD_DeltaReplicaStoragePool',
         'TPD_StorageConfigurationService', 'TPD_ReplicationService', 'TPD_SystemVolume', 'TPD_HostedStoragePool', 'TPD_HostedService',
         'TPD_AllocatedFromStoragePool', 'TPD_StorageCapabilities')


@pytest.fixture
def conn(served_array):
    return pywbem.WBEMConnection('http://127.0.0.1:%d' % served_array.http_port, ('3paradm', '3pardata'), default_namespace=NS)


def refused(call):
    with pytest.raises(pywbem.CIMError) as exc:
        call()
    assert exc.value.status_code == CIM_ERR_NOT_SUPPORTED, exc.value


@pytest.mark.parametrize('classname', OWNED)
def test_intrinsic_writes_on_array_owned_instances_are_refused(conn, classname):
    instance = conn.EnumerateInstances(classname)[0]
    before = conn.GetInstance(instance.path)
    refused(lambda: conn.DeleteInstance(instance.path))
    changed = instance.copy()
    if 'ElementName' in changed:
        changed['ElementName'] = 'changed'
    refused(lambda: conn.ModifyInstance(changed))
    new = instance.copy()
    refused(lambda: conn.CreateInstance(new))
    assert conn.GetInstance(instance.path) == before


def test_owner_name_and_contact_can_be_modified(conn, served_array):
    system = conn.EnumerateInstances('TPD_StorageSystem')[0]
    system['PrimaryOwnerName'] = 'Storage team'
    system['PrimaryOwnerContact'] = 'storage@example.com'
    conn.ModifyInstance(system, PropertyList=['PrimaryOwnerName', 'PrimaryOwnerContact'])
    again = conn.GetInstance(system.path)
    assert (again['PrimaryOwnerName'], again['PrimaryOwnerContact']) == ('Storage team', 'storage@example.com')
    assert served_array.array._meta()['owner']['PrimaryOwnerName'] == 'Storage team'   # pylint: disable=protected-access
    again['ElementName'] = 'renamed'
    refused(lambda: conn.ModifyInstance(again))
    assert conn.GetInstance(system.path)['ElementName'] == 'TEST-A'


def test_settings_over_http(conn):
    capabilities = conn.EnumerateInstanceNames('TPD_StorageCapabilities')[0]
    rc, out = conn.InvokeMethod('CreateSetting', capabilities, SettingType=Uint16(2))
    assert rc == 0
    setting = conn.GetInstance(out['NewSetting'])
    setting['DSPName'] = 'FC_r5'
    conn.ModifyInstance(setting, PropertyList=['DSPName'])
    assert conn.GetInstance(out['NewSetting'])['DSPName'] == 'FC_r5'
    refused(lambda: conn.CreateInstance(CIMInstance('TPD_StorageSetting', properties={'InstanceID': 'mine'})))
    conn.DeleteInstance(out['NewSetting'])
    with pytest.raises(pywbem.CIMError) as exc:
        conn.GetInstance(out['NewSetting'])
    assert exc.value.status_code == pywbem.CIM_ERR_NOT_FOUND
    missing = CIMInstanceName('TPD_StorageSetting', {'InstanceID': '3PAR:StorageSetting:Client42'}, namespace=NS)
    with pytest.raises(pywbem.CIMError) as exc:
        conn.DeleteInstance(missing)
    assert exc.value.status_code == pywbem.CIM_ERR_NOT_FOUND
