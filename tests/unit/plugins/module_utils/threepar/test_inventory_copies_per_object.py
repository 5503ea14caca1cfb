"""A copies task on a few named volumes of a large array reads their copies per object (References of each), not
every copy of the array; what it reads is what the bulk read would have given the plan about those volumes."""

import pytest
from pywbem import CIMInstance, CIMInstanceName, Uint16

from ansible_collections.smis.threepar.plugins.module_utils.threepar import inventory as inventory_module, model
from ansible_collections.smis.threepar.plugins.module_utils.threepar.errors import MethodFailed
from ansible_collections.smis.threepar.plugins.module_utils.threepar.inventory import Inventory

# pylint: disable=protected-access

# name -> (DeviceID, copy of)
VOLUMES = {'db': ('1', None), 's1': ('2', 'db'), 's2': ('3', 'db'), 's1a': ('4', 's1'), 'other': ('5', None), 'stray': ('6', 'other')}


def path_of(name):
    return CIMInstanceName(model.VOLUME, {'DeviceID': VOLUMES[name][0]}, namespace='root/tpd')


def sync(source, target):
    inst = CIMInstance(model.SYNCHRONIZED, properties={'CopyType': Uint16(4), 'SyncState': Uint16(6)})
    inst.path = CIMInstanceName(model.SYNCHRONIZED, {'SystemElement': path_of(source), 'SyncedElement': path_of(target)},
                                namespace='root/tpd')
    return inst


SYNCS = [sync(copy_of, name) for name, (dummy, copy_of) in VOLUMES.items() if copy_of]


class Client:
    """References answer the copies a volume is an end of; ``none_with_properties``: [None] when a PropertyList is
    given (seen on 3PAR providers for Associators); ``refuse``: the provider does not traverse."""

    def __init__(self, none_with_properties=False, refuse=False):
        self.none_with_properties = none_with_properties
        self.refuse = refuse
        self.calls = []

    def references(self, path, result_class, properties, what):
        name = next(n for n in VOLUMES if VOLUMES[n][0] == path.keybindings['DeviceID'])
        self.calls.append(('References', name, properties is not None))
        if self.refuse:
            raise MethodFailed('read', what, 'CIM_ERR_NOT_SUPPORTED', 'Nothing else was attempted.')
        if self.none_with_properties and properties is not None:
            return [None]
        return [s for s in SYNCS if path in (s.path.keybindings['SystemElement'], s.path.keybindings['SyncedElement'])]

    def enumerate(self, classname, properties, what):
        self.calls.append(('EnumerateInstances', classname))
        return list(SYNCS)


def inventory_of(client):
    inventory = Inventory(client)
    volumes = [model.Volume(name, device_id=dev, copy_of=copy_of, path=path_of(name)) for name, (dev, copy_of) in VOLUMES.items()]
    inventory.state.volumes = dict((v.name, v) for v in volumes)
    inventory._volume_by_id = dict((v.device_id, v) for v in volumes)
    inventory._done.add('volumes')
    return inventory


def pairs(state):
    return sorted((c.source, c.target) for c in state.copies)


def test_copies_of_the_sources_and_of_the_targets_that_are_not_theirs():
    client = Client()
    state = inventory_of(client).read_copies_of({'db'}, {'s1', 's2', 'stray', 'new'})
    # s1 and s2 come with db's copies; stray is a copy of another volume (the plan refuses it): read on its own
    assert client.calls == [('References', 'db', True), ('References', 'stray', True)]
    assert pairs(state) == [('db', 's1'), ('db', 's2'), ('other', 'stray')]
    assert state.copy_to('stray').source == 'other' and state.copy_to('new') is None


def test_later_reads_keep_to_the_same_volumes():
    client = Client()
    inventory = inventory_of(client)
    inventory.read_copies_of({'db'}, {'s1'})
    client.calls = []
    inventory.refresh('copies')
    assert client.calls == [('References', 'db', True)]


def test_a_provider_answering_none_is_asked_again_without_a_property_list():
    client = Client(none_with_properties=True)
    state = inventory_of(client).read_copies_of({'db'}, {'s1'})
    assert client.calls == [('References', 'db', True), ('References', 'db', False)]
    assert pairs(state) == [('db', 's1'), ('db', 's2')]


def test_a_provider_that_refuses_the_traversal_gets_the_bulk_read():
    client = Client(refuse=True)
    state = inventory_of(client).read_copies_of({'db'}, {'s1'})
    assert client.calls == [('References', 'db', True), ('EnumerateInstances', model.SYNCHRONIZED)]
    assert len(state.copies) == len(SYNCS)


@pytest.mark.parametrize('copies,sources,targets,per_object', [
    (300, ['v1', 'v2'], [], True),                  # 2 round trips against parsing 300 copies
    (300, ['v1', 'v2', 'v3'], [], False),           # 3 x 125 > 300: the bulk read costs less
    (300, ['base'], ['v1', 'v2', 'new'], True),     # the targets are copies of the source: read with it; new: none
    (300, ['base', 'v7'], ['v301', 'v302'], False),  # plain volumes as targets: read each, 4 reads
    (10, ['v1'], [], False),                        # a small array: one bulk read
    (300, ['missing'], ['new'], False),             # nothing to read per object
])
def test_the_rule(copies, sources, targets, per_object):
    inventory = Inventory(Client())
    inventory.state.volumes = dict(('v%d' % i, model.Volume('v%d' % i, copy_of='base' if i < copies else None))
                                   for i in range(copies + 5))
    inventory.state.volumes['base'] = model.Volume('base')
    assert inventory.copies_per_object(sources, targets) is per_object
    assert inventory_module.PER_OBJECT_COPIES == 125
