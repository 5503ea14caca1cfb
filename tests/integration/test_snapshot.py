"""threepar_snapshot against the simulator: virtual and physical copies through their end states, many copies
in one task, and the refusals (unknown source, Broken copy, unsupported operation)."""

import pytest

SNAP = {'source': 'base', 'name': 'base-snap', 'read_only': True}
CLONE = {'source': 'base', 'name': 'base-clone', 'type': 'physical'}


@pytest.fixture(scope='module', autouse=True)
def base_volume(play):
    run = play.run('volume', {'name': 'base', 'cpg': 'FC_r5', 'size': '256MiB', 'snap_cpg': 'FC_r5'})
    assert run.result['changed'] is True, run


def test_virtual_copy_check_mode(play):
    run = play.run('snapshot', SNAP, check=True, diff=True)
    assert run.result['actions'] == [{'operation': 'create virtual copy', 'target': 'base-snap', 'method': 'CreateReplica'}]
    assert run.result['diff']['before'] == {} and run.result['diff']['after']['read_only'] is True
    assert run.methods == []


def test_virtual_copy_create_and_repeat(play):
    run = play.run('snapshot', SNAP, diff=True)
    assert run.methods == ['CreateReplica']
    copy = run.result['copy']
    assert (copy['sync_state'], copy['copy_state'], copy['progress_status'], copy['copy_type'], copy['read_only']) == \
        ('Idle', 'Inactive', 'Completed', 'UnSyncAssoc', True)
    run = play.run('snapshot', SNAP)
    assert run.result['changed'] is False and run.methods == [] and len(run.requests) <= 3


def test_read_only_cannot_change(play):
    run = play.run('snapshot', dict(SNAP, read_only=False))
    assert run.result['failed'] is True and 'read-only or read-write from creation' in run.result['msg']
    assert run.methods == []


def test_max_age_resyncs_a_stale_snapshot(play):
    before = play.run('snapshot', SNAP).result['copy']['when_synced']
    run = play.run('snapshot', dict(SNAP, max_age='1s'))
    assert [a['operation'] for a in run.result['actions']] == ['resync copy'] and run.methods == ['ModifySynchronization']
    assert run.result['copy']['when_synced'] > before
    run = play.run('snapshot', dict(SNAP, max_age='24h'))
    assert run.result['changed'] is False and run.methods == []


def test_update_space_refreshes_by_job(play):
    run = play.run('snapshot', dict(SNAP, max_age='1s', update_space=True))
    assert run.methods == ['UpdateDeltaSnapshotSpace'], run
    assert run.result['actions'][0]['job_state'] == 'Completed'
    assert any(r['operation'] == 'DeleteInstance' for r in run.requests)    # the finished job is deleted


def test_restore_into_source(play):
    run = play.run('snapshot', dict(SNAP, state='restored'), check=True)
    assert [a['operation'] for a in run.result['actions']] == ['restore copy'] and run.methods == []
    run = play.run('snapshot', dict(SNAP, state='restored'))
    assert run.methods == ['ModifySynchronization'] and run.result['copy']['sync_state'] == 'Synchronized'
    run = play.run('snapshot', dict(SNAP, state='restored'))
    assert run.result['changed'] is False and run.methods == []


def test_physical_copy_lifecycle(play):
    run = play.run('snapshot', CLONE, check=True)
    assert run.result['actions'][0]['operation'] == 'create physical copy' and run.methods == []
    run = play.run('snapshot', CLONE)
    assert run.methods == ['CreateReplica']
    copy = run.result['copy']
    assert (copy['sync_state'], copy['copy_state'], copy['sync_type'], copy['type']) == ('Frozen', 'Synchronized', 'Clone', 'physical')
    assert copy['when_synced'] is not None
    assert play.run('snapshot', CLONE).methods == []
    run = play.run('snapshot', dict(CLONE, max_age='1s'))
    assert run.methods == ['ModifySynchronization'] and run.result['copy']['sync_state'] == 'Frozen'


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


def test_detach_creates_then_promotes(play):
    args = dict(CLONE, name='base-detached', state='detached')
    run = play.run('snapshot', args)
    assert [a['operation'] for a in run.result['actions']] == ['create physical copy', 'detach copy']
    assert run.result['copy']['detached'] is True
    assert play.run('snapshot', args).methods == []


def test_wait_false_leaves_the_job(play):
    run = play.run('snapshot', dict(CLONE, name='base-nowait', wait=False))
    assert run.methods == ['CreateReplica'] and len(run.result['jobs']) == 1
    job_id = run.result['jobs'][0]
    info = play.run('info', {'gather': ['jobs'], 'query': "jobs[?job_id=='%s'] | [0]" % job_id}).result
    assert info['query_result']['job_id'] == job_id


def test_unknown_source(play):
    run = play.run('snapshot', {'source': 'nope', 'name': 'nope-snap'})
    assert run.result['failed'] is True and 'source volume nope does not exist' in run.result['msg']
    assert run.methods == []


def test_unsupported_operation(play, sim):
    """An operation the array answers with 1 (Not Supported) fails clearly and changes nothing."""
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
