"""Expiration and retention: converged within the array's hour, a shorter retention and a delete of a retained snapshot
refused before any change, timers of a new or refreshed snapshot counted from its new point in time."""

from datetime import datetime, timedelta, timezone

import pytest

from ansible_collections.smis.threepar.plugins.module_utils.threepar import model
from ansible_collections.smis.threepar.plugins.module_utils.threepar import snapshot_timers as st
from ansible_collections.smis.threepar.plugins.module_utils.threepar.action import Action, Plan
from ansible_collections.smis.threepar.plugins.module_utils.threepar.errors import InvalidRequest

NOW = datetime(2024, 5, 1, 12, 0, tzinfo=timezone.utc)
POINT = NOW - timedelta(hours=2)
HOUR = 3600


def want(expire=None, retain=None, max_age=None, state='present'):
    entry = {'name': 'snap', 'state': state, 'expire': expire, 'retain': retain, 'max_age': max_age}
    st.validate(entry, 'copy snap')
    return entry


def snapshot(point=POINT):
    return model.Copy(source='vol', target='snap', copy_type=4, replica_type=4, sync_state=model.SS_IDLE, when_synced=point)


def test_durations_are_whole_hours_and_the_cli_rules_hold_before_any_request():
    assert want(expire=90 * 60)['expire'] == 2 * HOUR
    for bad, text in ((dict(retain=0), 'at least one hour'), (dict(retain=43801 * HOUR), '43,800'),
                      (dict(expire=24 * HOUR, retain=48 * HOUR), 'longer than expire'),
                      (dict(retain=48 * HOUR, max_age=24 * HOUR), 'longer than max_age')):
        with pytest.raises(InvalidRequest) as err:
            want(**bad)
        assert text in str(err.value)


def test_set_when_missing_or_off_by_an_hour_and_converged_within_it():
    steps = st.plan_one(want(expire=7 * 24 * HOUR), snapshot(), None, NOW, 'copy snap')
    assert [s.operation for s in steps] == ['set_snapshot_timers'] and steps[0].method == 'ModifyInstance'
    assert steps[0].args['change'] == {'expire': POINT + timedelta(days=7)}
    close = st.Timers(expires=POINT + timedelta(days=7, minutes=20))
    assert st.plan_one(want(expire=7 * 24 * HOUR), snapshot(), close, NOW, 'copy snap') == []
    far = st.Timers(expires=POINT + timedelta(days=6))
    assert st.plan_one(want(expire=7 * 24 * HOUR), snapshot(), far, NOW, 'copy snap')[0].args['change'] == {'expire': POINT + timedelta(days=7)}


def test_retention_grows_but_never_shrinks():
    held = st.Timers(retained_until=POINT + timedelta(hours=24))
    longer = st.plan_one(want(retain=36 * HOUR), snapshot(), held, NOW, 'copy snap')
    assert longer[0].args['change'] == {'retain': POINT + timedelta(hours=36)}
    assert st.plan_one(want(retain=24 * HOUR), snapshot(), held, NOW, 'copy snap') == []
    with pytest.raises(InvalidRequest) as err:
        st.plan_one(want(retain=12 * HOUR), snapshot(), held, NOW, 'copy snap')
    assert 'cannot remove or reduce' in str(err.value) and 'at least 24h' in str(err.value)


def test_a_new_snapshot_counts_from_when_it_is_made_and_an_expiry_in_the_past_is_refused():
    step = st.plan_one(want(expire=2 * HOUR, retain=HOUR), None, None, NOW, 'copy snap')[0]
    assert step.args['point'] is None and step.args['expire'] == 2 * HOUR and step.args['retain'] == HOUR
    with pytest.raises(InvalidRequest) as err:
        st.plan_one(want(expire=HOUR), snapshot(NOW - timedelta(hours=5)), None, NOW, 'copy snap')
    assert 'expire at once' in str(err.value)


def test_a_retained_snapshot_is_not_deleted_and_the_plan_is_refused_whole():
    actions = [Action('delete_copy', 'other', 'ReturnToStoragePool'), Action('delete_copy', 'snap', 'ReturnToStoragePool')]
    timers = {'snap': st.Timers(retained_until=NOW + timedelta(hours=3))}
    with pytest.raises(InvalidRequest) as err:
        st.refuse_retained_deletes(actions, timers, NOW, 'delete_copy')
    assert 'retained until' in str(err.value) and 'Nothing was changed' in str(err.value)
    st.refuse_retained_deletes(actions, {'snap': st.Timers(retained_until=NOW - timedelta(hours=1))}, NOW, 'delete_copy')


def test_timer_steps_go_before_the_recount_and_show_in_the_diff():
    state = model.ArrayState(volumes={}, copies=[snapshot()], timers={})
    plan = Plan([Action('recount_snapshot_space', 'snap', 'UpdateDeltaSnapshotSpace')], {'snap': {}}, {'snap': {'name': 'snap'}})
    out = st.add_to_plan(plan, [want(expire=7 * 24 * HOUR)], state, NOW, set(), 'recount_snapshot_space')
    assert [a.operation for a in out.actions] == ['set_snapshot_timers', 'recount_snapshot_space']
    assert out.after['snap']['expires'] == (POINT + timedelta(days=7)).isoformat()
    remade = st.add_to_plan(plan, [want(expire=7 * 24 * HOUR)], state, NOW, {'snap'}, 'recount_snapshot_space')
    assert remade.after['snap']['expires'] == '(168h after its point in time)'


def test_the_view_gives_the_time_left():
    view = st.view(st.Timers(expires=NOW + timedelta(hours=1), retained_until=None), NOW)
    assert view == {'expires': (NOW + timedelta(hours=1)).isoformat(), 'expires_in': 3600, 'retained_until': None, 'retention_left': None}
