"""threepar_snapshot against the simulator: virtual and physical copies (resyncable and one-shot) through their end
states, the restore guard, the space recount, many copies in one task, and the refusals (unknown source, read-only
snapshot, Broken copy, unsupported operation) that change nothing."""

import pytest

SNAP = {'source': 'base', 'name': 'base-snap'}
CLONE = {'source': 'base', 'name': 'base-clone', 'type': 'physical'}
ONESHOT = {'source': 'base', 'name': 'base-once', 'type': 'physical', 'resyncable': False}
CREATE_PHYSICAL = ['CreateOrModifyElementFromStoragePool', 'AttachReplica']


@pytest.fixture(scope='module', autouse=True)
def base_volume(play):
    run = play.run('volume', {'name': 'base', 'cpg': 'FC_r5', 'size': '256MiB', 'snap_cpg': 'FC_r5'})
    assert run.result['changed'] is True, run


def volume_names(play):
    return [v['name'] for v in play.run('info', {'gather': ['volumes']}).result['volumes']]


def same_as_predicted(predicted, read_back):
    """Check mode's diff.after against what the real run read back: equal, except that where the prediction names a
    time to come ('(new point in time)'), the real run shows the time itself."""
    assert set(predicted) == set(read_back), (predicted, read_back)
    for key, value in predicted.items():
        if isinstance(value, str) and value.startswith('('):
            assert read_back[key], key
        else:
            assert read_back[key] == value, (key, predicted, read_back)
    return True


def test_virtual_copy_check_mode_then_create_and_repeat(play):
    check = play.run('snapshot', SNAP, check=True, diff=True)
    assert check.result['actions'] == [{'operation': 'create virtual copy', 'target': 'base-snap', 'method': 'CreateReplica'}]
    assert check.result['diff']['before'] == {} and check.result['diff']['after']['sync_state'] == 'Idle'
    assert check.methods == []
    # The capability gate is a read, made in check mode too: which kinds of local copy the provider makes.
    assert 'TPD_StorageReplicationCapabilities' in [r.get('class') for r in check.requests]
    assert not [w for w in check.result.get('warnings', []) if 'which copies it makes' in w], check.result
    run = play.run('snapshot', SNAP, diff=True)
    assert run.methods == ['CreateReplica']
    same_as_predicted(check.result['diff']['after'], run.result['diff']['after'])
    copy = run.result['copy']
    assert (copy['sync_state'], copy['copy_state'], copy['progress_status'], copy['copy_type'], copy['replica_type'],
            copy['read_only']) == ('Idle', 'Inactive', 'Completed', 'UnSyncAssoc', 'After Delta', False)
    run = play.run('snapshot', SNAP)
    assert run.result['changed'] is False and run.methods == [] and len(run.requests) <= 3


def test_read_only_snapshot_cannot_be_made_over_smis(play):
    """CreateReplica's TargetSettingGoal takes only BaseID (M312 p68): the module says so and changes nothing."""
    run = play.run('snapshot', {'source': 'base', 'name': 'base-ro', 'read_only': True})
    assert run.result['failed'] is True and 'createsv -ro' in run.result['msg'], run.result
    assert run.methods == [] and 'base-ro' not in volume_names(play)
    run = play.run('snapshot', dict(SNAP, read_only=True))
    assert run.result['failed'] is True and 'read-only or read-write from creation' in run.result['msg']


def test_max_age_resyncs_a_stale_snapshot(play):
    before = play.run('snapshot', SNAP).result['copy']['when_synced']
    run = play.run('snapshot', dict(SNAP, max_age='1s'))
    assert [a['operation'] for a in run.result['actions']] == ['resync copy'] and run.methods == ['ModifySynchronization']
    assert run.result['copy']['when_synced'] > before
    run = play.run('snapshot', dict(SNAP, max_age='24h'))
    assert run.result['changed'] is False and run.methods == []


def test_update_space_recounts_and_moves_no_point_in_time(play, sim):
    """updatesnapspace recounts the space snapshots use (M312 p60); it is not a refresh."""
    before = play.run('snapshot', SNAP).result['copy']
    sim.control('/sim/write', {'volume': 'base', 'count': 3})
    run = play.run('snapshot', dict(SNAP, update_space=True), check=True)
    assert [a['operation'] for a in run.result['actions']] == ['recount snapshot space'] and run.methods == []
    assert run.result['changed'] is False
    run = play.run('snapshot', dict(SNAP, update_space=True))
    assert run.methods == ['UpdateDeltaSnapshotSpace'] and run.result['changed'] is False, run
    assert run.result['actions'][0]['job_state'] == 'Completed'
    copy = run.result['copy']
    assert copy['when_synced'] == before['when_synced'] and copy['space_used'] > 0
    assert any(r['operation'] == 'DeleteInstance' for r in run.requests)    # the finished job is deleted


def test_restore_needs_a_restore_point(play):
    run = play.run('snapshot', dict(SNAP, state='restored'))
    assert run.result['failed'] is True and 'needs restore_point' in run.result['msg'] and run.methods == []


def test_restore_promotes_once(play, sim):
    """A promote ends Idle with WhenSynced = its completion time (Table 57): the guard makes every later run a no-op,
    also after new host writes to the source."""
    point = play.run('snapshot', SNAP).result['copy']['when_synced']
    args = dict(SNAP, state='restored', restore_point=point)
    run = play.run('snapshot', args, check=True, diff=True)
    assert [a['operation'] for a in run.result['actions']] == ['restore copy'] and run.methods == []
    assert run.result['diff']['after']['when_synced'] == '(time the promote completes)'
    run = play.run('snapshot', args)
    assert run.methods == ['ModifySynchronization'], run
    copy = run.result['copy']
    assert copy['sync_state'] == 'Idle' and copy['when_synced'] > point
    for dummy in range(2):
        run = play.run('snapshot', args, diff=True)
        assert run.result['changed'] is False and run.methods == []
        assert 'not promoted' in run.result['copy']['restore'] and run.result['diff']['before'] == run.result['diff']['after']
        sim.control('/sim/write', {'volume': 'base', 'count': 1})


def test_resyncable_physical_copy_lifecycle(play):
    check = play.run('snapshot', CLONE, check=True, diff=True)
    assert [a['operation'] for a in check.result['actions']] == ['create target volume', 'create physical copy']
    assert check.methods == []
    run = play.run('snapshot', CLONE, diff=True)
    assert run.methods == CREATE_PHYSICAL, run
    same_as_predicted(check.result['diff']['after'], run.result['diff']['after'])
    copy = run.result['copy']
    assert (copy['sync_state'], copy['copy_state'], copy['sync_type'], copy['type'], copy['copy_type'], copy['replica_type'],
            copy['resyncable']) == ('Frozen', 'Synchronized', 'Clone', 'physical', 'UnSyncAssoc', 'Full Copy', True)
    assert copy['when_synced'] is not None
    assert play.run('snapshot', CLONE).methods == []
    run = play.run('snapshot', dict(CLONE, max_age='1s'))
    assert run.methods == ['ModifySynchronization'] and run.result['copy']['sync_state'] == 'Frozen'


def test_one_shot_copy_is_present_once_copied(play):
    """CopyType UnSyncUnAssoc: the array drops the association when the copy ends; the target stays."""
    check = play.run('snapshot', ONESHOT, check=True, diff=True)
    run = play.run('snapshot', ONESHOT, diff=True)
    assert run.methods == CREATE_PHYSICAL, run
    same_as_predicted(check.result['diff']['after'], run.result['diff']['after'])
    assert run.result['copy']['detached'] is True and run.result['copy']['sync_state'] is None
    run = play.run('snapshot', ONESHOT)
    assert run.result['changed'] is False and run.methods == []
    run = play.run('snapshot', dict(ONESHOT, resyncable=True))
    assert run.result['failed'] is True and 'not as a resyncable copy' in run.result['msg'] and run.methods == []
    run = play.run('snapshot', dict(ONESHOT, state='absent'))
    assert run.result['failed'] is True and 'threepar_volume' in run.result['msg'] and run.methods == []
    assert play.run('volume', {'name': 'base-once', 'state': 'absent'}).methods == ['ReturnToStoragePool']


def test_resync_of_broken_copy_is_refused(play, sim):
    sim.faults(fail_next_job=1)
    run = play.run('snapshot', dict(CLONE, max_age='1s'))
    assert run.result['failed'] is True and 'Broken' in run.result['msg'] and 'job' in run.result['msg'].lower()
    run = play.run('snapshot', dict(CLONE, max_age='1s'))
    assert run.result['failed'] is True
    assert 'Broken' in run.result['msg'] and 'Delete it (state: absent) and create it again' in run.result['msg']
    assert run.methods == []
    run = play.run('snapshot', dict(CLONE, state='absent'))
    assert run.methods == ['ReturnToStoragePool']


def test_detached_is_a_one_shot_copy_and_stays_detached(play):
    args = dict(CLONE, name='base-detached', state='detached')
    run = play.run('snapshot', args)
    assert [a['operation'] for a in run.result['actions']] == ['create target volume', 'create physical copy']
    assert run.result['copy']['detached'] is True
    assert play.run('snapshot', args).methods == []


def test_detach_of_a_resyncable_copy(play):
    args = dict(CLONE, name='base-kept')
    assert play.run('snapshot', args).methods == CREATE_PHYSICAL
    run = play.run('snapshot', dict(args, state='detached'))
    assert run.methods == ['ModifySynchronization'] and run.result['copy']['detached'] is True
    assert play.run('snapshot', dict(args, state='detached')).methods == []


def test_halt_stops_a_copy_in_progress(play):
    """Stop Copy: the array drops the association at once; the target stays with incomplete data."""
    assert play.run('volume', {'name': 'big', 'cpg': 'FC_r5', 'size': '40GiB', 'snap_cpg': 'FC_r5'}).result['changed']
    run = play.run('snapshot', {'source': 'big', 'name': 'big-clone', 'type': 'physical', 'wait': False})
    assert run.methods == CREATE_PHYSICAL and len(run.result['jobs']) == 1
    args = {'source': 'big', 'name': 'big-clone', 'type': 'physical', 'state': 'halted'}
    run = play.run('snapshot', args)
    assert run.methods == ['ModifySynchronization'], run
    assert run.result['copy']['detached'] is True
    assert play.run('snapshot', args).methods == []
    run = play.run('snapshot', {'source': 'big', 'name': 'big-clone', 'type': 'physical'})
    assert run.result['failed'] is True and 'incomplete' in run.result['msg'] and run.methods == []


def test_wait_false_leaves_the_job(play):
    run = play.run('snapshot', dict(CLONE, name='base-nowait', wait=False))
    assert run.methods == CREATE_PHYSICAL and len(run.result['jobs']) == 1
    job_id = run.result['jobs'][0]
    info = play.run('info', {'gather': ['jobs'], 'query': "jobs[?job_id=='%s'] | [0]" % job_id}).result
    assert info['query_result']['job_id'] == job_id


def test_unknown_source(play):
    run = play.run('snapshot', {'source': 'nope', 'name': 'nope-snap'})
    assert run.result['failed'] is True and 'source volume nope does not exist' in run.result['msg']
    assert run.methods == []


def test_bad_name_is_refused_before_any_request(play):
    run = play.run('snapshot', {'source': 'base', 'name': 'x' * 32})
    assert run.result['failed'] is True and 'at most 31' in run.result['msg'] and run.requests == []


def test_unsupported_operation(play, sim):
    """An operation the array refuses fails clearly and changes nothing."""
    sim.faults(cim_error={'method': 'ModifySynchronization', 'status': 7})
    run = play.run('snapshot', dict(SNAP, max_age='1s'))
    assert run.result['failed'] is True and 'ModifySynchronization' in run.result['msg'], run.result


def test_many_copies_in_one_task(play):
    copies = [{'name': 'base-m%d' % i} for i in range(5)]
    run = play.run('snapshot', {'source': 'base', 'copies': copies})
    assert run.methods == ['CreateReplica'] * 5
    assert [c['sync_state'] for c in run.result['copies']] == ['Idle'] * 5
    run = play.run('snapshot', {'source': 'base', 'copies': copies, 'max_age': '24h'})
    assert run.result['changed'] is False and run.methods == []
    assert len(run.requests) <= 3, [r['operation'] for r in run.requests]
    run = play.run('snapshot', {'source': 'base', 'state': 'absent', 'copies': copies}, diff=True)
    assert run.methods == ['ReturnToStoragePool'] * 5
    assert all(after == {} for after in run.result['diff']['after'].values())
    run = play.run('snapshot', {'source': 'base', 'state': 'absent', 'copies': copies})
    assert run.result['changed'] is False and run.methods == []


def test_delete_and_repeat_delete(play):
    run = play.run('snapshot', dict(SNAP, state='absent'), check=True)
    assert run.result['changed'] is True and run.methods == []
    assert play.run('snapshot', dict(SNAP, state='absent')).methods == ['ReturnToStoragePool']
    run = play.run('snapshot', dict(SNAP, state='absent'))
    assert run.result['changed'] is False and run.methods == []
