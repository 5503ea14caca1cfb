"""Method calls side by side (threepar_snapshot ``parallel``): which steps may go together, that at most ``parallel``
go at once over connections of their own, and that a failure stops new calls and reports every step performed."""

import threading
import time
from datetime import datetime, timezone

import pytest
from pywbem import CIMInstanceName

from ansible_collections.smis.threepar.plugins.module_utils.threepar import model
from ansible_collections.smis.threepar.plugins.module_utils.threepar import planner
from ansible_collections.smis.threepar.plugins.module_utils.threepar.errors import MethodFailed
from ansible_collections.smis.threepar.plugins.module_utils.threepar.executor import Executor, segments
from ansible_collections.smis.threepar.plugins.module_utils.threepar.inventory import Inventory
from ansible_collections.smis.threepar.plugins.module_utils.threepar.waiter import Waiter

SERVICE = CIMInstanceName('TPD_StorageConfigurationService', {'Name': 'StorageConfigurationService'}, namespace='root/tpd')


def create(name, source='vol1'):
    return planner.Action('create_virtual_copy', name, planner.CREATE_REPLICA, {'source': source, 'name': name, 'copy_type': 4})


def delete(name, virtual=True):
    return planner.Action('delete_copy', name, planner.RETURN_TO_POOL, {'name': name, 'virtual': virtual})


def resync(name, virtual=True):
    return planner.Action('resync_copy', name, planner.MODIFY_SYNC, {'source': 'vol1', 'name': name, 'operation': 4, 'virtual': virtual})


def shape(parts):
    return [[[a.operation.split('_')[0] + ':' + a.target for a in chain] for chain in chains] for chains in parts]


def test_refreshes_of_several_copies_go_together_and_the_recount_after_them():
    recount = planner.Action(planner.RECOUNT, 's1, s2', planner.UPDATE_SPACE, {'names': ['s1', 's2']})
    plan = [delete('s1'), create('s1'), delete('s2'), create('s2'), recount]
    assert shape(segments(plan, 4)) == [[['delete:s1', 'create:s1'], ['delete:s2', 'create:s2']], [['recount:s1, s2']]]


def test_refreshed_snapshots_go_together_physical_copies_one_at_a_time():
    plan = [resync('s1'), resync('s2'), resync('c1', virtual=False), delete('s3'), delete('c2', virtual=False)]
    assert shape(segments(plan, 4)) == [[['resync:s1'], ['resync:s2']], [['resync:c1']], [['delete:s3']], [['delete:c2']]]


def test_the_planner_marks_the_refresh_and_delete_of_a_snapshot_virtual():
    snapshot = model.Copy('vol1', 's1', model.COPY_TYPE_VIRTUAL, model.SS_IDLE, replica_type=4,  # After Delta
                          when_synced=datetime(2024, 1, 1, tzinfo=timezone.utc))
    state = model.ArrayState(volumes={'vol1': model.Volume('vol1'), 's1': model.Volume('s1', copy_of='vol1')}, copies=[snapshot], pools={})
    want = {'source': 'vol1', 'name': 's1', 'type': 'virtual', 'state': 'present', 'max_age': 60, 'target_cpg': None,
            'target_provisioning': None, 'resyncable': None, 'read_only': None, 'restore_point': None, 'update_space': False}
    refresh = planner.plan_copies([want], state, datetime(2024, 1, 2, tzinfo=timezone.utc)).actions
    delete_it = planner.plan_copies([dict(want, state='absent')], state, datetime(2024, 1, 2, tzinfo=timezone.utc)).actions
    assert [(a.operation, a.args['virtual']) for a in refresh + delete_it] == [('resync_copy', True), ('delete_copy', True)]


def test_a_snapshot_of_a_snapshot_made_in_the_same_task_waits_for_it():
    plan = [create('s1'), create('s2'), create('s1.child', source='s1')]
    assert shape(segments(plan, 4)) == [[['create:s1']], [['create:s2']], [['create:s1.child']]]


def test_physical_copies_and_parallel_1_go_one_at_a_time():
    attach = planner.Action('create_physical_copy', 'c1', planner.ATTACH_REPLICA, {'source': 'vol1', 'name': 'c1', 'copy_type': 4})
    assert shape(segments([create('s1'), attach, create('s2')], 4)) == [[['create:s1']], [['create:c1']], [['create:s2']]]
    assert shape(segments([create('s1'), create('s2')], 1)) == [[['create:s1']], [['create:s2']]]


class Connection:
    """A client of the array: CreateReplica answers 0 with the new snapshot's path; ``behaviour`` per target name:
    an exception to raise or seconds to take."""

    namespace = 'root/tpd'

    def __init__(self, array):
        self.array = array

    def another(self):
        connection = Connection(self.array)
        self.array.opened.append(connection)
        return connection

    def close(self):
        self.array.closed += 1

    def service_path(self, classname, what, profile):
        return SERVICE

    def invoke(self, method, target, params, verb, what):
        name = dict(params)['ElementName']
        with self.array.lock:
            self.array.active += 1
            self.array.most = max(self.array.most, self.array.active)
            self.array.calls.append((name, self))
        try:
            behaviour = self.array.behaviour.get(name, 0)
            if isinstance(behaviour, Exception):
                raise behaviour
            if callable(behaviour):
                behaviour()
            else:
                time.sleep(behaviour)
            return 0, {'TargetElement': CIMInstanceName('TPD_StorageVolume', {'DeviceID': name}, namespace='root/tpd')}
        finally:
            with self.array.lock:
                self.array.active -= 1


class Array:
    def __init__(self, behaviour=None):
        self.behaviour = behaviour or {}
        self.lock = threading.Lock()
        self.active = self.most = self.closed = 0
        self.calls, self.opened = [], []


def executor(array, parallel):
    client = Connection(array)
    inventory = Inventory(client)
    inventory.state = model.ArrayState(volumes={'vol1': model.Volume('vol1', path=CIMInstanceName('TPD_StorageVolume', {'DeviceID': '1'}))},
                                       copies=[], pools={})
    return Executor(client, inventory, Waiter(), parallel=parallel), client


def test_at_most_parallel_calls_at_once_each_over_its_own_connection():
    barrier = threading.Barrier(3, timeout=10)    # three calls must be in flight together, or this breaks
    names = ['s%d' % i for i in range(1, 9)]
    array = Array(dict((n, barrier.wait) for n in names[1:4]))
    run, client = executor(array, parallel=3)
    done = run.run([create(n) for n in names])
    assert [step['target'] for step in done] == names    # reported in plan order
    assert array.most == 3
    assert array.calls[0] == ('s1', client)    # the first alone, on the task's connection
    assert set(c for dummy, c in array.calls[1:]) <= set(array.opened) and len(array.opened) == 3
    assert array.closed == 3
    assert sorted(run.created) == names


def test_a_failure_stops_new_calls_and_reports_what_was_done():
    refused = MethodFailed('create', 'virtual copy s3', 'the array returned 4 (Failed)', 'See the event log.')
    array = Array({'s2': 0.3, 's3': refused})
    run, dummy = executor(array, parallel=2)
    with pytest.raises(MethodFailed, match='virtual copy s3'):
        run.run([create('s%d' % i) for i in range(1, 7)])
    assert sorted(name for name, dummy in array.calls) == ['s1', 's2', 's3']    # s4..s6 never sent
    assert [step['target'] for step in run.done] == ['s1', 's2']
    assert array.closed == 2
