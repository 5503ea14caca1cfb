"""Remote copy between two real arrays: creation, replication, operations and every Table 107 row of the DR path.

The tests of this module share one pair of processes and run in order (each leaves the group Synced).
"""


import pytest
from pywbem import Uint16

from rcopy_pair import (check, create_group, end_name, pair_names, refused, start_pair, stop_pair, wait_for)

P, S = 'primary', 'secondary'

# pylint: disable=redefined-outer-name


@pytest.fixture(scope='module')
def pair(tmp_path_factory):
    a, b = start_pair(tmp_path_factory.mktemp('rcopy_dr'), writable=True)
    yield a, b
    stop_pair(a, b)


def test_create_group_copies_and_pairs_on_both_arrays(pair):
    a, b = pair
    out = create_group(a, b)
    assert a.state()['status'] == 'Syncing' and b.state()['status'] == 'Syncing'
    job = a.wait_job(out)
    assert job['JobState'] == 7 and job['MethodName'] == 'CreateGroupReplica' and job['PercentComplete'] == 100
    check(a, P, 'normal')
    check(b, S, 'normal')
    group = a.group()
    assert group['InstanceID'] == 'HP_3PAR:rcg' and a.group_sync()['Mode'] == 2 and b.group_sync()['Mode'] == 2
    # the peer's group (the target): a path whose host is the peer's name; the link is up: pairs end in volumes
    assert a.group_sync()['SyncedElement'].host == '3PAR-B' and b.group_sync()['SystemElement'].host == '3PAR-A'
    for side, local in ((a, ('db01', 'db02')), (b, ('db01_r', 'db02_r'))):
        pairs = side.pairs()
        assert pair_names(side) == [('db01', 'db01_r'), ('db02', 'db02_r')]
        assert {(p['CopyType'], p['SyncType'], p['Mode'], p['UndiscoveredElement']) for p in pairs} == {(3, 6, 2, None)}
        assert {end_name(side, p['SystemElement'])[0] for p in pairs} == {'3PAR-A'}
        members = side.conn.Associators(side.group().path, AssocClass='TPD_MemberOfCollection')
        assert sorted(m['ElementName'] for m in members) == sorted(local)
        vvset = side.conn.EnumerateInstances('TPD_ReplicationGroup')
        assert [s['InstanceID'] for s in vvset] == ['HP_3PAR:rcg']
        assert all(side.volume(n)['ReadOnly'] is (side is b) for n in local)
    # db02_r did not exist on 3PAR-B: it was created with the size of db02
    assert b.volume('db02_r')['NumberOfBlocks'] == a.volume('db02')['NumberOfBlocks']
    rc, out = a.conn.InvokeMethod('GetSupportedOperations', a.conn.EnumerateInstanceNames('TPD_ReplicationServiceCapabilities')[0],
                                  ReplicationType=Uint16(5))
    assert rc == 0 and sorted(out['SupportedOperations']) == [10, 11, 14, 16, 17, 18, 20, 22]


def test_host_writes_replicate_and_secondary_is_read_only(pair):
    a, b = pair
    a.write('db01', 3)
    wait_for(lambda: b.generation('db01_r') == a.generation('db01'), what='the write to reach 3PAR-B')
    assert 'read-only' in refused(lambda: b.write('db01_r'))
    assert '400' in refused(lambda: b.write('db01_r'))


def test_suspend_and_resume(pair):
    a, b = pair
    assert a.modify('suspend')[0] == 0
    check(a, P, 'normal', 'stopped')
    check(b, S, 'normal', 'stopped')
    a.write('db02', 2)
    a.wait_heartbeats('3PAR-B')          # the link ran since the write: a stopped group did not carry it
    assert b.generation('db02_r') == 0
    rc, out = b.modify('resume')          # either array may start the group
    assert rc == 4096
    assert b.state()['status'] == 'Syncing'
    assert b.wait_job(out)['JobState'] == 7
    check(a, P, 'normal')
    check(b, S, 'normal')
    assert b.generation('db02_r') == a.generation('db02') == 2
    assert a.modify('resume')[0] == 0     # already started: nothing to do


def test_failover_recover_restore_follow_table_107(pair):
    a, b = pair
    assert b.modify('failover')[0] == 6   # started: stop first
    assert a.modify('failover')[0] == 5   # issued on the secondary only
    assert a.modify('suspend')[0] == 0
    rc, out = b.modify('failover')
    assert rc == 4096
    assert b.wait_job(out)['JobState'] == 7
    check(b, S, 'failed_over')            # row 3b: Primary-Rev/Stopped Broken (the original primary answers)
    check(a, P, 'failed_over')            # row 4: Secondary-Rev/Stopped
    assert b.volume('db01_r')['ReadOnly'] is False and a.volume('db01')['ReadOnly'] is True
    b.write('db01_r', 5)
    assert 'read-only' in refused(lambda: a.write('db01'))

    b.faults(fail_next_job=1)             # the job runs on the DR array: the fault is armed there
    rc, out = b.modify('recover')
    assert rc == 4096
    job = b.wait_job(out)
    assert job['JobState'] == 10 and 'injected' in job['ErrorDescription']
    wait_for(lambda: a.state()['status'] == 'Stopped', what='3PAR-A to learn the recover failed')
    check(b, S, 'recovered', want='failed')   # row 8: Primary-Rev/Stopped FailedOver/Broken
    check(a, P, 'recovered', want='failed')   # row 10
    assert b.state()['copy_state'] == a.state()['copy_state'] == 'FailedOver'   # the link is up: only a failed recover

    rc, out = b.modify('recover')
    assert rc == 4096
    check(b, S, 'recovered', want='pending')  # row 5: Syncing, RestoreInProgress, Restoring
    check(a, P, 'recovered', want='pending')  # row 6
    assert b.wait_job(out)['JobState'] == 7
    wait_for(lambda: a.state()['status'] == 'Synced', what='3PAR-A to be recovered')
    check(b, S, 'recovered')                  # row 7
    check(a, P, 'recovered')                  # row 9
    assert a.generation('db01') == b.generation('db01_r')
    b.write('db02_r', 4)                      # the DR array replicates back to the original primary
    wait_for(lambda: a.generation('db02') == b.generation('db02_r'), what='writes on the DR array to replicate back')

    b.faults(fail_next_job=1)
    rc, out = b.modify('restore')
    assert b.wait_job(out)['JobState'] == 10
    check(b, S, 'normal', want='failed')      # row 13: still Primary-Rev/Synced
    check(a, P, 'normal', want='failed')      # row 16

    rc, out = b.modify('restore')
    assert rc == 4096
    check(b, S, 'normal', want='pending')     # row 11: Failing back
    check(a, P, 'normal', want='pending')     # row 14
    assert b.wait_job(out)['JobState'] == 7
    wait_for(lambda: a.state()['role'] == 'Primary', what='3PAR-A to be primary again')
    check(b, S, 'normal')                     # row 12
    check(a, P, 'normal')                     # row 15
    assert a.volume('db01')['ReadOnly'] is False and b.volume('db01_r')['ReadOnly'] is True
    a.write('db01')
    wait_for(lambda: b.generation('db01_r') == a.generation('db01'), what='replication from 3PAR-A again')


def test_failover_shows_failing_over_while_it_runs(pair):
    a, b = pair
    a.modify('suspend')
    rc, out = b.modify('failover')
    assert rc == 4096
    state = b.state()
    if b.conn.GetInstance(out['Job'])['JobState'] == 4:
        assert (state['role'], state['progress_status']) == ('Primary-Rev', 'Failing over')   # row 2
    b.wait_job(out)
    assert b.wait_job(b.modify('recover')[1])['JobState'] == 7
    assert b.wait_job(b.modify('restore')[1])['JobState'] == 7
    wait_for(lambda: a.state()['role'] == 'Primary', what='3PAR-A to be primary again')
    check(a, P, 'normal')


def test_reverse_roles_from_normal_and_from_recovered(pair):
    a, b = pair
    assert a.modify('reverse')[0] == 6        # started: stop first
    a.modify('suspend')
    assert a.modify('reverse')[0] == 0
    assert (a.state()['role'], b.state()['role']) == ('Secondary', 'Primary')
    assert a.group_sync()['SystemElement'].host == '3PAR-B'      # reversed for good: the natural direction too
    b.wait_job(b.modify('resume')[1])
    check(b, P, 'normal')
    check(a, S, 'normal')
    pairs = a.pairs()
    assert {(end_name(a, p['SystemElement'])[0], end_name(a, p['SyncedElement'])[0]) for p in pairs} == {('3PAR-B', '3PAR-A')}   # the ends swapped
    b.write('db01_r')
    wait_for(lambda: a.generation('db01') == b.generation('db01_r'), what='replication from 3PAR-B')
    # back, through the DR path: failover on 3PAR-A, recover, then reverse for good
    b.modify('suspend')
    a.wait_job(a.modify('failover')[1])
    a.wait_job(a.modify('recover')[1])
    assert a.modify('reverse')[0] == 0
    wait_for(lambda: b.state()['role'] == 'Secondary', what='3PAR-B to be secondary')
    check(a, P, 'normal')
    check(b, S, 'normal')


def test_mode_change_and_periodic_replication(pair):
    a, b = pair
    assert a.modify('periodic')[0] == 6       # only while stopped
    a.modify('suspend')
    assert a.modify('periodic')[0] == 0
    assert a.group_sync()['Mode'] == b.group_sync()['Mode'] == 3     # Asynchronous: periodic
    assert {p['CopyType'] for p in b.conn.EnumerateInstances('TPD_RemoteStorageSynchronized')} == {2}
    a.wait_job(a.modify('resume')[1])
    a.write('db02', 3)
    wait_for(lambda: b.generation('db02_r') == a.generation('db02'), timeout=5, what='the periodic update')
    a.modify('suspend')
    assert a.modify('sync')[0] == 0
    a.wait_job(a.modify('resume')[1])
    assert a.group_sync()['Mode'] == 2


def test_refusals_change_nothing(pair):
    a, b = pair
    before = (a.state(), b.state())
    assert a.modify('recover')[0] == 5        # not failed over
    assert a.modify('restore')[0] == 5
    assert b.modify('failover')[0] == 6
    rc, dummy = a.invoke('ModifyReplicaSynchronization', Operation=Uint16(12), Synchronization=a.group().path)
    assert rc == 1                            # a DMTF operation remote copy does not support
    rc, dummy = a.invoke('ModifyReplicaSynchronization', Operation=Uint16(1), Synchronization=a.group().path)
    assert rc == 5
    assert a.invoke('DeleteGroup', ReplicationGroup=a.group().path)[0] == 6     # started
    vvset = a.conn.EnumerateInstanceNames('TPD_ReplicationGroup')[0]
    assert a.invoke('DeleteGroup', ReplicationGroup=vvset)[0] == 6              # belongs to the group
    assert (a.state(), b.state()) == before


def test_members_added_and_removed_on_both_arrays(pair):
    a, b = pair
    group = a.group().path
    assert a.invoke('RemoveMembers', Members=[a.volume('db02').path], ReplicationGroup=group)[0] == 6   # started
    a.modify('suspend')
    assert a.invoke('RemoveMembers', Members=[a.volume('db02').path], ReplicationGroup=group)[0] == 0
    assert {target for dummy, target in pair_names(b)} == {'db01_r'}
    assert b.volume('db02_r')['ReadOnly'] is False
    rc, dummy = a.invoke('AddMembers', Members=[a.volume('db02').path], ReplicationGroup=group, TargetElementNames=['db02_r'])
    assert rc == 0
    assert len(b.conn.EnumerateInstances('TPD_RemoteStorageSynchronized')) == 2
    a.wait_job(a.modify('resume')[1])
    check(b, S, 'normal')


def test_delete_group_on_both_arrays(pair):
    a, b = pair
    a.modify('suspend')
    assert a.invoke('DeleteGroup', ReplicationGroup=a.group().path)[0] == 0
    for side in (a, b):
        assert side.group() is None
        assert side.conn.EnumerateInstances('TPD_RemoteStorageSynchronized') == []
        assert side.conn.EnumerateInstances('TPD_ReplicationGroup') == []
    assert b.volume('db01_r')['ReadOnly'] is False
    out = create_group(a, b)              # and again, as the module's create would after an absent
    a.wait_job(out)
    check(b, S, 'normal')
