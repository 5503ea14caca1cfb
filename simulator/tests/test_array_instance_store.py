"""The array's instance store (threepar_sim/array/repository.py): packed instances read back whole, and the
reference index answering References / Associators as pywbem_mock's scan of every instance would."""

import pytest
from pywbem import CIMError, Uint16

from threepar_sim.array import values as v

# pylint: disable=protected-access


def store_of(array):
    return array.conn.cimrepository.get_instance_store(v.NS)


def scanned_references(array, target, result_class=None, role=None):
    """What pywbem_mock's own search finds: every stored instance with a reference property valued ``target``."""
    store = store_of(array)
    found = set()
    for path in list(store.iter_names()):
        inst = store.get(path)
        if result_class and inst.classname.lower() != result_class.lower():
            continue
        for prop in inst.properties.values():
            if prop.type == 'reference' and prop.value == target and (not role or prop.name.lower() == role.lower()):
                found.add(path)
    return found


def located(paths):
    """Paths as the store keeps them: pywbem_mock's answers carry its own host."""
    found = set()
    for path in paths:
        path = path.copy()
        path.host = None
        found.add(path)
    return found


def test_every_instance_reads_back_as_the_projection_built_it(array):
    store = store_of(array)
    built = {}
    for owner in array.projector.owned:
        for inst in array.projector.build(*owner):
            built[inst.path] = inst
    assert set(store.iter_names()) >= set(built) and len(built) > 20
    for path, inst in built.items():
        read = store.get(path)
        assert read == inst and read.path == inst.path
        read['ElementName'] = 'changed by a reader'   # a reader's changes stay its own
        assert store.get(path) == inst


def test_references_and_associators_match_a_scan_of_every_instance(client):
    array = client.array
    targets = [client.volume_path(name) for name in ('base1', 'snap1', 'clone1', 'nosnap')] + [client.cpg_path('FC_r5')]
    for target in targets:
        target.namespace = v.NS
        expected = scanned_references(array, target)
        assert expected, target
        assert located(inst.path for inst in array.conn.References(target)) == expected
        assert located(array.conn.ReferenceNames(target)) == expected
        syncs = scanned_references(array, target, result_class='TPD_StorageSynchronized', role='SystemElement')
        assert syncs or target is not targets[0]   # base1 is the source of copies
        assert located(array.conn.ReferenceNames(target, ResultClass='TPD_StorageSynchronized', Role='SystemElement')) == syncs
        neighbours = set()
        for path in expected:
            for prop in store_of(array).get(path).properties.values():
                if prop.type == 'reference' and prop.value != target:
                    neighbours.add(prop.value)
        assert located(array.conn.AssociatorNames(target)) == neighbours
    with pytest.raises(CIMError):   # the MainProvider's own checks still answer
        array.conn.References(targets[0], ResultClass='NoSuchClass')


def test_references_follow_changes_and_never_scan_the_array(client, monkeypatch):
    array = client.array
    base1, snap1, clone1 = (client.volume_path(name) for name in ('base1', 'snap1', 'clone1'))

    def synced_by_base1():
        with monkeypatch.context() as patch:   # the scan the index replaced is never made: the cost is the neighbours'
            patch.setattr(store_of(array), 'iter_values', lambda copy=True: pytest.fail('References scanned the array'))
            return {path['SyncedElement']['DeviceID']
                    for path in array.conn.ReferenceNames(base1, ResultClass='TPD_StorageSynchronized', Role='SystemElement')}

    assert {snap1['DeviceID'], clone1['DeviceID']} <= synced_by_base1()
    rc, dummy = client.invoke('ReturnToStoragePool', TheElement=snap1)
    assert rc == 0
    assert snap1['DeviceID'] not in synced_by_base1() and clone1['DeviceID'] in synced_by_base1()
    rc, dummy = client.invoke('CreateReplica', SourceElement=base1, CopyType=Uint16(4), ElementName='snap2')
    assert rc == 0
    assert client.volume_path('snap2')['DeviceID'] in synced_by_base1()
