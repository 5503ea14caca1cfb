"""Job indications: which plans subscribe, the subscription's requests and their removal, the auto fallback, and
what the listener's callback makes of an indication (fake client, fake listener)."""

import threading

import pytest
from pywbem import CIMError, CIMInstance, CIMInstanceName, Uint16

from ansible_collections.smis.threepar.plugins.module_utils.threepar import indications as ind
from ansible_collections.smis.threepar.plugins.module_utils.threepar import model
from ansible_collections.smis.threepar.plugins.module_utils.threepar import planner
from ansible_collections.smis.threepar.plugins.module_utils.threepar.errors import InvalidRequest, PermissionDenied, ThreeparError

PHYSICAL = planner.Action('create_physical_copy', 'c1', planner.ATTACH_REPLICA, {'name': 'c1', 'source': 'v1', 'copy_type': 4})
VIRTUAL = planner.Action('create_virtual_copy', 's1', planner.CREATE_REPLICA, {'name': 's1', 'source': 'v1', 'copy_type': 4})
DELETE = planner.Action('delete_copy', 's1', planner.RETURN_TO_POOL, {'name': 's1'})


def resync(target):
    return planner.Action('resync_copy', target, planner.MODIFY_SYNC, {'source': 'v1', 'name': target, 'operation': model.OP_RESYNC})


STATE = model.ArrayState(volumes={}, copies=[model.Copy('v1', 's1', model.COPY_TYPE_VIRTUAL, model.SS_IDLE),
                                             model.Copy('v1', 'c1', model.COPY_TYPE_UNSYNC_ASSOC, model.SS_FROZEN, replica_type=model.REPLICA_TYPE_FULL_COPY)])


@pytest.mark.parametrize('actions, expected', [
    ([], False),
    ([VIRTUAL, DELETE], False),
    ([resync('s1')], False),      # a snapshot resync is instant
    ([resync('c1')], True),
    ([VIRTUAL, PHYSICAL], True),
    ([planner.Action(planner.RECOUNT, 's1', planner.UPDATE_SPACE, {'names': ['s1']})], True),
    ([planner.Action('wait_for_copy', 'c1', None, {})], False),
])
def test_only_plans_with_a_job_starting_method_are_worth_a_subscription(actions, expected):
    assert ind.plan_starts_jobs(actions, STATE) is expected


class FakeConn:
    def __init__(self, refuse=None):
        self.refuse = refuse
        self.calls = []
        self.instances = {}

    def CreateInstance(self, inst, namespace=None):  # pylint: disable=invalid-name
        self.calls.append(('CreateInstance', inst.classname, namespace))
        if self.refuse:
            raise self.refuse
        path = inst.path.copy()
        self.instances[path] = inst
        return path

    def DeleteInstance(self, path):  # pylint: disable=invalid-name
        self.calls.append(('DeleteInstance', path.classname, path.namespace))
        if path.classname == ind.FILTER and any(p.classname == ind.SUBSCRIPTION for p in self.instances):
            raise CIMError(1, 'filter in use')
        del self.instances[path]


class FakeClient:
    url = 'https://127.0.0.1:5989'
    namespace = 'root/tpd'

    def __init__(self, conn):
        self.conn = conn

    def call(self, verb, what, func, *args, **kwargs):
        try:
            return func(*args, **kwargs)
        except CIMError as exc:
            if exc.status_code == 2:
                raise PermissionDenied(verb, what, 'browse role', 'Use an edit user.')
            raise ThreeparError(verb, what, str(exc))


class FakeListener:
    def __init__(self, host, port, fail=False):
        self.host, self.http_port, self.fail = host, port, fail
        self.callbacks, self.started, self.stopped = [], False, False

    def add_callback(self, callback):
        self.callbacks.append(callback)

    def start(self):
        if self.fail:
            raise OSError('cannot bind')
        self.started = True

    def stop(self):
        self.stopped = True


def factory(listeners, fail=False):
    def make(client, host):
        def listener(h, port):
            listeners.append(FakeListener(h, port, fail))
            return listeners[-1]
        return ind.JobIndications(client, host, listener_factory=listener)
    return make


def test_subscription_costs_three_creates_and_three_deletes_and_is_removed():
    conn, listeners = FakeConn(), []
    subscription = ind.subscribe_for_plan({'job_indications': 'auto'}, FakeClient(conn), [PHYSICAL], STATE, factory(listeners))
    assert subscription is not None and listeners[0].started and listeners[0].host == '127.0.0.1'
    assert [c[:2] for c in conn.calls] == [('CreateInstance', ind.DESTINATION), ('CreateInstance', ind.FILTER),
                                           ('CreateInstance', ind.SUBSCRIPTION)]
    assert all(c[2] == 'root/interop' for c in conn.calls)
    flt = [i for i in conn.instances.values() if i.classname == ind.FILTER][0]
    assert flt['Query'] == 'SELECT * FROM TPD_ConcreteJobInstModification' and flt['QueryLanguage'] == 'DMTF:CQL'
    dest = [i for i in conn.instances.values() if i.classname == ind.DESTINATION][0]
    assert dest['Destination'] == 'http://127.0.0.1:%d' % listeners[0].http_port
    assert subscription.close() == []
    assert [c[:2] for c in conn.calls[3:]] == [('DeleteInstance', ind.SUBSCRIPTION), ('DeleteInstance', ind.FILTER),
                                               ('DeleteInstance', ind.DESTINATION)]
    assert conn.instances == {} and listeners[0].stopped and len(conn.calls) == 6


def test_after_the_subscription_the_filter_goes_over_a_connection_of_its_own_beside_the_destination():
    conn, listeners = FakeConn(), []
    subscription = ind.subscribe_for_plan({}, FakeClient(conn), [PHYSICAL], STATE, factory(listeners))
    other, closed = FakeConn(), []
    other.instances = conn.instances    # the same array

    def another():
        client = FakeClient(other)
        client.close = lambda: closed.append(True)
        return client
    assert subscription.close(another) == []
    assert [c[:2] for c in conn.calls[3:]] == [('DeleteInstance', ind.SUBSCRIPTION), ('DeleteInstance', ind.DESTINATION)]
    assert [c[:2] for c in other.calls] == [('DeleteInstance', ind.FILTER)]
    assert conn.instances == {} and closed == [True] and listeners[0].stopped


def test_no_subscription_for_never_or_a_plan_without_jobs():
    conn = FakeConn()
    assert ind.subscribe_for_plan({'job_indications': 'never'}, FakeClient(conn), [PHYSICAL], STATE, factory([])) is None
    assert ind.subscribe_for_plan({}, FakeClient(conn), [VIRTUAL], STATE, factory([])) is None
    assert conn.calls == []


def test_auto_falls_back_silently_when_the_array_refuses_and_leaves_nothing():
    conn, listeners = FakeConn(refuse=CIMError(2, 'browse')), []
    assert ind.subscribe_for_plan({'job_indications': 'auto'}, FakeClient(conn), [PHYSICAL], STATE, factory(listeners)) is None
    assert len(conn.calls) == 1 and listeners[0].stopped


def test_always_fails_with_the_reason():
    conn = FakeConn(refuse=CIMError(2, 'browse'))
    with pytest.raises(PermissionDenied):
        ind.subscribe_for_plan({'job_indications': 'always'}, FakeClient(conn), [PHYSICAL], STATE, factory([]))
    with pytest.raises(InvalidRequest) as caught:
        ind.subscribe_for_plan({'job_indications': 'always'}, FakeClient(FakeConn()), [PHYSICAL], STATE, factory([], fail=True))
    assert 'listener_host' in str(caught.value)


def test_partial_subscription_is_removed_when_a_later_create_fails():
    conn, listeners = FakeConn(), []

    def create(inst, namespace=None):
        if inst.classname == ind.SUBSCRIPTION:
            raise CIMError(7, 'not supported')
        return FakeConn.CreateInstance(conn, inst, namespace)
    conn.CreateInstance = create
    assert ind.subscribe_for_plan({}, FakeClient(conn), [PHYSICAL], STATE, factory(listeners)) is None
    assert conn.instances == {} and listeners[0].stopped


def test_failed_removal_is_a_warning():
    conn = FakeConn()
    subscription = ind.subscribe_for_plan({}, FakeClient(conn), [PHYSICAL], STATE, factory([]))

    def refuse(path):
        raise CIMError(1, 'gone wrong')
    conn.DeleteInstance = refuse
    warnings = subscription.close()
    assert len(warnings) == 3 and 'root/interop' in warnings[0]


def indication(job_id, job_state, status, with_id=True):
    source = CIMInstance('TPD_ConcreteJob', properties=dict({'JobState': Uint16(job_state), 'OperationalStatus': [Uint16(s) for s in status]},
                                                            **({'InstanceID': job_id} if with_id else {})))
    path = CIMInstanceName('TPD_ConcreteJob', {'InstanceID': job_id}, namespace='root/tpd', host='array')
    return CIMInstance('TPD_ConcreteJobInstModification', properties={
        'SourceInstance': source, 'SourceInstanceModelPath': path.to_wbem_uri()})


def test_events_record_started_and_finished_jobs():
    events = ind.JobEvents()
    events.deliver(indication('TPD:JOB:1', 4, [2]))
    assert events.seen('TPD:JOB:1') and not events.finished('TPD:JOB:1') and not events.seen('TPD:JOB:2')
    assert events.wait_finished('TPD:JOB:1', 0.01) is False
    events.deliver(indication('TPD:JOB:1', 10, [6, 17], with_id=False))    # the id from SourceInstanceModelPath
    assert events.finished('TPD:JOB:1') and events.wait_finished('TPD:JOB:1', 5) is True


def test_a_flood_of_forged_job_ids_keeps_the_record_bounded_and_the_awaited_job_found():
    events = ind.JobEvents()
    events.deliver(indication('TPD:JOB:1', 7, [2, 17]))
    for number in range(2, ind.MAX_JOBS + 500):    # anyone may POST to the listener
        events.deliver(indication('TPD:JOB:%d' % number, 7, [2, 17]))
    assert len(events._seen) == ind.MAX_JOBS and len(events._finished) == ind.MAX_JOBS  # pylint: disable=protected-access
    assert not events.finished('TPD:JOB:1')        # the oldest went: its wait falls back to probing the array
    events.deliver(indication('TPD:JOB:1', 7, [2, 17]))
    assert events.finished('TPD:JOB:1')


def test_the_listener_queues_a_bounded_number_of_indications(monkeypatch):
    made = {}
    monkeypatch.setattr(ind, 'WBEMListener', lambda host, http_port, max_ind_queue_size: made.update(size=max_ind_queue_size))
    ind.JobIndications(client=None).listener_factory('127.0.0.1', 5990)
    assert made['size'] == ind.MAX_QUEUED


def test_wait_finished_wakes_on_delivery_from_another_thread():
    events = ind.JobEvents()
    timer = threading.Timer(0.05, events.deliver, [indication('TPD:JOB:3', 7, [2, 17])])
    timer.start()
    assert events.wait_finished('TPD:JOB:3', 5) is True
    timer.join()


def test_local_address_of_loopback():
    assert ind.local_address('127.0.0.1', 5989) == '127.0.0.1'
