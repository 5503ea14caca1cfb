"""Consistent snapshots of a volume set: one point in time for every member, made, refreshed, restored and deleted
together; a member without its snapshot never gets one of its own."""

from datetime import datetime, timedelta, timezone

import pytest

from ansible_collections.smis.threepar.plugins.module_utils.threepar import model
from ansible_collections.smis.threepar.plugins.module_utils.threepar.group_snapshots import group_view, plan_group, validate_group_want
from ansible_collections.smis.threepar.plugins.module_utils.threepar.errors import InvalidRequest, NotFound
from ansible_collections.smis.threepar.plugins.module_utils.threepar.volume_sets import VolumeSet

NOW = datetime(2024, 5, 1, 12, 0, tzinfo=timezone.utc)
GIB = 1024 ** 3
MEMBERS = ['data', 'logs']


def want(state='present', max_age=None, restore_point=None, name='{volume}.nightly'):
    return {'volume_set': 'dbset', 'name': name, 'state': state, 'type': 'virtual', 'max_age': max_age,
            'restore_point': restore_point, 'source': None, 'copies': None, 'read_only': None, 'update_space': False,
            'target_cpg': None, 'target_provisioning': None, 'resyncable': None}


def array(snapshots):
    """The members (with snapshot space) and ``snapshots``: member -> hours since its snapshot's point in time."""
    volumes = dict((m, model.Volume(m, size=GIB, cpg='FC_r5')) for m in MEMBERS)
    copies = []
    for member, hours in snapshots.items():
        name = member + '.nightly'
        volumes[name] = model.Volume(name, size=GIB, copy_of=member)
        copies.append(model.Copy(source=member, target=name, copy_type=4, replica_type=4, sync_state=model.SS_IDLE,
                                 when_synced=NOW - timedelta(hours=hours)))
    return model.ArrayState(volumes=volumes, copies=copies, pools={},
                            snap_spaces=dict((m, model.SnapSpace(m, snap_cpg='FC_r5')) for m in MEMBERS))


def steps(plan):
    return [(a.operation, a.target) for a in plan.actions]


def test_missing_snapshots_are_made_in_one_call_one_name_per_member():
    plan = plan_group(want(), VolumeSet('dbset', members=MEMBERS), array({}), NOW)
    assert steps(plan) == [('create_consistent_snapshots', 'dbset')]
    assert plan.actions[0].method == 'TPD_CreateConsistentReplicaList'
    assert plan.actions[0].args['sources'] == MEMBERS and plan.actions[0].args['names'] == ['data.nightly', 'logs.nightly']
    assert plan.before == {'data.nightly': {}, 'logs.nightly': {}}


def test_one_point_in_time_within_max_age_is_converged():
    state = array({'data': 2, 'logs': 2})
    plan = plan_group(want(max_age=86400), VolumeSet('dbset', members=MEMBERS), state, NOW)
    assert plan.actions == [] and plan.after == plan.before
    view = group_view(VolumeSet('dbset', members=MEMBERS), state, [{'name': 'data.nightly'}, {'name': 'logs.nightly'}])
    assert view['consistent'] and view['point_in_time'] == (NOW - timedelta(hours=2)).isoformat()


@pytest.mark.parametrize('snapshots, why', [
    ({'data': 30, 'logs': 30}, 'older than max_age'),
    ({'data': 2, 'logs': 3}, 'two points in time'),
    ({'data': 2}, 'a member (added later) without its snapshot'),
])
def test_the_whole_set_is_made_again_together(snapshots, why):
    plan = plan_group(want(max_age=86400), VolumeSet('dbset', members=MEMBERS), array(snapshots), NOW)
    deletes = [('delete_copy', m + '.nightly') for m in MEMBERS if m in snapshots]
    assert steps(plan) == deletes + [('create_consistent_snapshots', 'dbset')], why


def test_restore_promotes_each_snapshot_still_at_the_point_and_refuses_a_set_with_a_member_missing():
    point = ((NOW - timedelta(hours=2)), False)
    plan = plan_group(want('restored', restore_point=point), VolumeSet('dbset', members=MEMBERS), array({'data': 2, 'logs': 2}), NOW)
    assert steps(plan) == [('restore_copy', 'data.nightly'), ('restore_copy', 'logs.nightly')]
    # Half done (data promoted: its point in time moved): the next run promotes logs only.
    half = plan_group(want('restored', restore_point=point), VolumeSet('dbset', members=MEMBERS), array({'data': 0, 'logs': 2}), NOW)
    assert steps(half) == [('restore_copy', 'logs.nightly')]
    with pytest.raises(NotFound) as err:
        plan_group(want('restored', restore_point=point), VolumeSet('dbset', members=MEMBERS), array({'data': 2}), NOW)
    assert 'logs' in str(err.value) and 'Nothing was restored' in str(err.value)


def test_absent_deletes_every_member_snapshot():
    plan = plan_group(want('absent'), VolumeSet('dbset', members=MEMBERS), array({'data': 2, 'logs': 2}), NOW)
    assert steps(plan) == [('delete_copy', 'data.nightly'), ('delete_copy', 'logs.nightly')]
    assert plan_group(want('absent'), VolumeSet('dbset', members=MEMBERS), array({}), NOW).actions == []


def test_refusals_before_any_request():
    with pytest.raises(InvalidRequest) as err:
        validate_group_want(want(name='nightly'))
    assert '{volume}' in str(err.value)
    with pytest.raises(InvalidRequest):
        validate_group_want(dict(want(), source='data'))
    with pytest.raises(InvalidRequest):
        validate_group_want(want(state='detached'))
    with pytest.raises(NotFound) as err:
        plan_group(want(), None, array({}), NOW)
    assert 'threepar_volume_set' in str(err.value)
    with pytest.raises(InvalidRequest) as err:
        plan_group(want(), VolumeSet('dbset', members=[]), array({}), NOW)
    assert 'no members' in str(err.value)
