"""A volume task reads its volume's CPG with one References; a provider that refuses the traversal gets the bulk
read of every allocation instead (the real provider's answer is not verified: the engine takes either)."""

import pytest
from pywbem import CIMInstance, CIMInstanceName, Uint64

from ansible_collections.smis.threepar.plugins.module_utils.threepar import model
from ansible_collections.smis.threepar.plugins.module_utils.threepar.errors import MethodFailed
from ansible_collections.smis.threepar.plugins.module_utils.threepar.inventory import Inventory

VOLUME = CIMInstanceName(model.VOLUME, {'DeviceID': '7'}, namespace='root/tpd')
CPG = CIMInstanceName(model.CPG_POOL, {'InstanceID': model.CPG_ID_PREFIX + 'FC_r5'}, namespace='root/tpd')


def allocation():
    inst = CIMInstance(model.ALLOCATED_FROM, properties={'SpaceConsumed': Uint64(0)})
    inst.path = CIMInstanceName(model.ALLOCATED_FROM, {'Antecedent': CPG, 'Dependent': VOLUME}, namespace='root/tpd')
    return inst


class Client:
    def __init__(self, refuse):
        self.refuse = refuse
        self.calls = []

    def references(self, path, result_class, properties, what):
        self.calls.append(('References', path.keybindings['DeviceID'], result_class))
        if self.refuse:
            raise MethodFailed('read', what, 'CIM_ERR_NOT_SUPPORTED', 'Nothing else was attempted.')
        return [allocation()]

    def enumerate(self, classname, properties, what):
        self.calls.append(('EnumerateInstances', classname))
        return [allocation()]


@pytest.mark.parametrize('refuse,calls', [
    (False, [('References', '7', model.ALLOCATED_FROM)]),
    (True, [('References', '7', model.ALLOCATED_FROM), ('EnumerateInstances', model.ALLOCATED_FROM)]),
])
def test_the_cpg_of_one_volume_whether_or_not_the_provider_traverses(refuse, calls):
    client = Client(refuse)
    inventory = Inventory(client)
    volume = model.Volume('db01', device_id='7', path=VOLUME)
    inventory.state.volumes = {'db01': volume}
    inventory._volume_by_id = {'7': volume}  # pylint: disable=protected-access
    inventory._done.add('volumes')  # pylint: disable=protected-access
    state = inventory.read_allocations_of(['db01', 'not-there'])
    assert state.volumes['db01'].cpg == 'FC_r5'
    assert client.calls == calls
