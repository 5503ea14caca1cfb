"""The volume-set planner: (desired, current) -> the TPD_ReplicationService calls, or a refusal before any."""

import pytest

from ansible_collections.smis.threepar.plugins.module_utils.threepar import planner, volume_sets
from ansible_collections.smis.threepar.plugins.module_utils.threepar.errors import InvalidRequest, NotFound

PATHS = {'db01': 'path-db01', 'db02': 'path-db02', 'web01': 'path-web01'}


def want(state='present', members=None, purge=False):
    return {'name': 'dbset', 'state': state, 'members': members, 'purge_members': purge}


def current(*members):
    return volume_sets.VolumeSet('dbset', path='set-path', members=list(members))


def steps(plan):
    return [(a.operation, a.method, a.args.get('members')) for a in plan.actions]


def test_a_missing_set_is_created_with_its_members_in_the_order_given_each_once():
    plan = volume_sets.plan_volume_set(want(members=['db02', 'db01', 'db02']), None, PATHS)
    assert steps(plan) == [('create_volume_set', 'CreateGroup', ['db02', 'db01'])]
    assert plan.before == {} and plan.after == {'name': 'dbset', 'members': ['db01', 'db02']}


def test_members_already_there_change_nothing_and_others_are_added_in_one_call():
    assert steps(volume_sets.plan_volume_set(want(members=['db01', 'db02']), current('db02', 'db01'), PATHS)) == []
    plan = volume_sets.plan_volume_set(want(members=['db01', 'web01', 'db02']), current('db01'), PATHS)
    assert steps(plan) == [('add_set_members', 'AddMembers', ['web01', 'db02'])]
    assert plan.after['members'] == ['db01', 'db02', 'web01']


def test_extra_members_stay_unless_purged():
    assert steps(volume_sets.plan_volume_set(want(members=['db01']), current('db01', 'web01'), PATHS)) == []
    plan = volume_sets.plan_volume_set(want(members=['db01', 'db02'], purge=True), current('db01', 'web01'), PATHS)
    assert steps(plan) == [('add_set_members', 'AddMembers', ['db02']), ('remove_set_members', 'RemoveMembers', ['web01'])]
    assert plan.after == {'name': 'dbset', 'members': ['db01', 'db02']}
    emptied = volume_sets.plan_volume_set(want(members=[], purge=True), current('db01'), PATHS)
    assert steps(emptied) == [('remove_set_members', 'RemoveMembers', ['db01'])]


def test_members_omitted_leave_an_existing_set_alone_even_with_purge():
    assert steps(volume_sets.plan_volume_set(want(purge=True), current('db01'), PATHS)) == []
    assert steps(volume_sets.plan_volume_set(want(), None, PATHS)) == [('create_volume_set', 'CreateGroup', [])]


def test_an_unknown_volume_is_refused_before_any_change_and_named():
    with pytest.raises(NotFound) as err:
        volume_sets.plan_volume_set(want(members=['db01', 'nosuch']), current('db01'), PATHS)
    assert 'no volume named nosuch' in str(err.value) and 'nothing was changed' in str(err.value)


def test_absent_deletes_the_set_and_a_missing_set_is_converged():
    plan = volume_sets.plan_volume_set(want('absent'), current('db01'), PATHS)
    assert steps(plan) == [('delete_volume_set', 'DeleteGroup', None)] and plan.after == {}
    assert steps(volume_sets.plan_volume_set(want('absent'), None, PATHS)) == []


def test_a_name_the_array_refuses_is_refused_first():
    with pytest.raises(InvalidRequest) as err:
        planner.validate_volume_name('x' * 32, 'volume set')
    assert 'at most 31' in str(err.value) and 'volume set' in str(err.value)
