"""Local volume sets (TPD_ReplicationGroup) on the default, read-only remote-copy provider (MODEL.md, Volume sets;
M311 p95-97, M312 p105-107, M313 p106-109)."""

import pytest
from pywbem import CIM_ERR_NOT_FOUND, CIMError, CIMInstanceName

from conftest import GIB, SEED, Client
from threepar_sim.array import Array

# pylint: disable=redefined-outer-name


@pytest.fixture
def ro(tmp_path, clock):
    """The provider as `serve` runs it by default: remote replication read-only."""
    array = Array(str(tmp_path / 'ro'), seed=SEED, clock=clock, rcopy={'read_only': True})
    yield Client(array, clock)
    array.close()


def members(client, vvset):
    """The member names of a set, in the order of its TPD_MemberOfCollection instances."""
    refs = client.conn.References(vvset, ResultClass='TPD_MemberOfCollection')
    return sorted(client.conn.GetInstance(r['Member'])['ElementName'] for r in refs)


def sets_snapshot(client):
    return {c: sorted(i.tomof() for i in client.conn.EnumerateInstances(c))
            for c in ('TPD_ReplicationGroup', 'TPD_MemberOfCollection', 'TPD_StorageVolume')}


def create(client, name, *volumes, **params):
    return client.rs_invoke('CreateGroup', GroupName=name, Members=[client.volume_path(n) for n in volumes], **params)


def test_create_a_set_of_base_volumes_and_snapshots(ro):
    rc, out = create(ro, 'set1', 'base2', 'snap1')
    assert rc == 0
    vvset = ro.conn.GetInstance(out['ReplicationGroup'])
    assert (vvset['InstanceID'], vvset['ElementName'], vvset['Persistent'], vvset['DeleteOnEmptyElement'],
            vvset['DeleteOnUnassociated']) == ('HP_3PAR:set1', 'set1', True, False, False)
    assert members(ro, out['ReplicationGroup']) == ['base2', 'snap1']


def test_an_empty_set_and_the_flags_the_manual_allows(ro):
    rc, out = ro.rs_invoke('CreateGroup', GroupName='empty', Persistent=True, DeleteOnEmptyElement=False,
                           DeleteOnUnassociated=False)
    assert rc == 0 and members(ro, out['ReplicationGroup']) == []
    assert ro.rs_invoke('DeleteGroup', ReplicationGroup=out['ReplicationGroup'])[0] == 0     # empty: no RemoveElements needed


@pytest.mark.parametrize('params', [
    {'GroupName': None}, {'GroupName': ''}, {'GroupName': 'x' * 32}, {'GroupName': 'a b'}, {'GroupName': 'taken'},
    {'Persistent': False}, {'DeleteOnEmptyElement': True}, {'DeleteOnUnassociated': True}, {'twice': True}])
def test_create_refusals_change_nothing(ro, params):
    assert create(ro, 'taken', 'base1')[0] == 0
    before = sets_snapshot(ro)
    volumes = ['base2', 'base2'] if params.pop('twice', False) else ['base2']
    name = params.pop('GroupName', 'new')
    call = {'Members': [ro.volume_path(n) for n in volumes], **params}
    if name is not None:
        call['GroupName'] = name
    assert ro.rs_invoke('CreateGroup', **call)[0] == 5
    assert sets_snapshot(ro) == before


def test_create_with_a_service_access_point_is_refused(ro):
    assert create(ro, 's', 'base2', ServiceAccessPoint=ro.volume_path('base1'))[0] == 5
    assert ro.conn.EnumerateInstances('TPD_ReplicationGroup') == []


def test_a_volume_in_several_sets_but_never_twice_in_one(ro):
    assert create(ro, 'a', 'base1', 'base2')[0] == 0
    rc, out = create(ro, 'b', 'base2')
    assert rc == 0
    path = out['ReplicationGroup']
    assert ro.rs_invoke('AddMembers', Members=[ro.volume_path('base2')], ReplicationGroup=path)[0] == 5    # a member
    assert ro.rs_invoke('AddMembers', Members=[ro.volume_path('base1')] * 2, ReplicationGroup=path)[0] == 5
    assert members(ro, path) == ['base2']


def test_add_members_appends_in_order(ro):
    rc, out = create(ro, 's', 'base2')
    path = out['ReplicationGroup']
    assert ro.rs_invoke('AddMembers', Members=[ro.volume_path('snap1'), ro.volume_path('base1')], ReplicationGroup=path)[0] == 0
    assert ro.array.state.vvsets['s'].members == ['base2', 'snap1', 'base1']
    assert ro.rs_invoke('AddMembers', Members=[ro.volume_path('nosnap')], ReplicationGroup=path,
                        TargetElementNames=['x'])[0] == 5          # remote-copy pairing on a local set


def test_remove_members(ro):
    rc, out = create(ro, 's', 'base1', 'base2')
    path = out['ReplicationGroup']
    assert ro.rs_invoke('RemoveMembers', Members=[ro.volume_path('nosnap')], ReplicationGroup=path)[0] == 5   # not a member
    assert ro.rs_invoke('RemoveMembers', Members=[ro.volume_path('base1')], ReplicationGroup=path,
                        DeleteOnEmptyElement=True)[0] == 5
    assert members(ro, path) == ['base1', 'base2']
    assert ro.rs_invoke('RemoveMembers', Members=[ro.volume_path('base1'), ro.volume_path('base2')], ReplicationGroup=path)[0] == 0
    assert members(ro, path) == [] and ro.conn.GetInstance(path)['ElementName'] == 's'   # an empty set stays


def test_delete_group_needs_remove_elements_when_not_empty(ro):
    rc, out = create(ro, 's', 'base1', 'base2')
    path = out['ReplicationGroup']
    assert ro.rs_invoke('DeleteGroup', ReplicationGroup=path)[0] == 4
    assert ro.rs_invoke('DeleteGroup', ReplicationGroup=path, RemoveElements=False)[0] == 4
    assert members(ro, path) == ['base1', 'base2']
    assert ro.rs_invoke('DeleteGroup', ReplicationGroup=path, RemoveElements=True)[0] == 0
    assert ro.conn.EnumerateInstances('TPD_ReplicationGroup') == []
    assert ro.conn.EnumerateInstances('TPD_MemberOfCollection') == []
    assert ro.volume('base1') is not None and ro.volume('base2') is not None      # never its volumes


def test_a_member_volume_cannot_be_deleted(ro):
    assert create(ro, 'a', 'snap1')[0] == 0
    assert create(ro, 'b', 'snap1')[0] == 0
    assert ro.invoke('ReturnToStoragePool', TheElement=ro.volume_path('snap1'))[0] == 6
    path = CIMInstanceName('TPD_ReplicationGroup', {'InstanceID': 'HP_3PAR:a'}, namespace='root/tpd')
    assert ro.rs_invoke('RemoveMembers', Members=[ro.volume_path('snap1')], ReplicationGroup=path)[0] == 0
    assert ro.invoke('ReturnToStoragePool', TheElement=ro.volume_path('snap1'))[0] == 6      # still in set b
    assert ro.create_volume('t1', 2 * GIB)[0] == 0
    assert create(ro, 'c', 't1')[0] == 0
    assert ro.attach('base2', 't1', 5)[0] == 4               # the target of a copy is in a set


def test_unknown_set_is_not_found(ro):
    ghost = CIMInstanceName('TPD_ReplicationGroup', {'InstanceID': 'HP_3PAR:ghost'}, namespace='root/tpd')
    for method, params in [('AddMembers', {'Members': [ro.volume_path('base1')]}),
                           ('RemoveMembers', {'Members': [ro.volume_path('base1')]}), ('DeleteGroup', {})]:
        with pytest.raises(CIMError) as exc:
            ro.rs_invoke(method, ReplicationGroup=ghost, **params)
        assert exc.value.status_code == CIM_ERR_NOT_FOUND


def test_sets_survive_a_restart(tmp_path, clock):
    array = Array(str(tmp_path / 'p'), seed=SEED, clock=clock, rcopy={'read_only': True})
    client = Client(array, clock)
    assert create(client, 'a', 'base2', 'snap1')[0] == 0
    assert create(client, 'b', 'snap1')[0] == 0
    array.close()
    again = Array(str(tmp_path / 'p'), clock=clock, rcopy={'read_only': True})
    try:
        assert again.state.vvsets['a'].members == ['base2', 'snap1'] and again.state.vvsets['b'].members == ['snap1']
        assert [g['ID'] for g in sorted(again.conn.EnumerateInstances('TPD_ReplicationGroup'), key=lambda g: g['ElementName'])] == [1, 2]
    finally:
        again.close()
