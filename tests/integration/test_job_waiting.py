"""Job waiting through job indications (a listener on the controller, a subscription in root/interop made and removed
by the module) and the polling fallback (issue 3, item 2)."""

import pytest

SUBSCRIPTION_CLASSES = ['CIM_ListenerDestinationCIMXML', 'CIM_IndicationFilter', 'CIM_IndicationSubscription']


@pytest.fixture(scope='module', autouse=True)
def source_volume(play):
    run = play.run('volume', {'name': 'jw-src', 'cpg': 'FC_r5', 'size': '512MiB', 'snap_cpg': 'FC_r5'})
    assert run.result['changed'] is True, run


def _writes(run):
    return [(r['operation'], r.get('method') or r.get('class'), r['status']) for r in run.requests
            if r['operation'] in ('CreateInstance', 'DeleteInstance', 'InvokeMethod')]


def test_physical_copy_with_indications_subscribes_and_unsubscribes(play):
    run = play.run('snapshot', {'source': 'jw-src', 'name': 'jw-clone', 'type': 'physical', 'job_indications': 'always'})
    assert run.result.get('failed') is not True, run
    assert run.result['copy']['sync_state'] == 'Frozen' and run.result['actions'][1]['job_state'] == 'Completed'
    writes = _writes(run)
    creates = [w for w in writes if w[0] == 'CreateInstance']
    deletes = [w for w in writes if w[0] == 'DeleteInstance']
    invoke = writes.index(('InvokeMethod', 'AttachReplica', 0))
    # The subscription before the methods (the target volume, then the copy into it), all of it removed after (job
    # deletion is the other DeleteInstance).
    assert writes[:3] == creates and len(creates) == 3 and invoke == 4, writes
    assert writes[3] == ('InvokeMethod', 'CreateOrModifyElementFromStoragePool', 0)
    assert all(status == 0 for dummy, dummy2, status in writes), writes
    assert len(deletes) == 4 and writes.index(deletes[0]) > invoke
    assert sorted(c[1] for c in creates) == sorted(SUBSCRIPTION_CLASSES)
    # Converged: no method, no subscription.
    run = play.run('snapshot', {'source': 'jw-src', 'name': 'jw-clone', 'type': 'physical', 'job_indications': 'always'})
    assert run.result['changed'] is False and _writes(run) == [] and len(run.requests) <= 3


def test_auto_falls_back_to_polling_when_the_listener_cannot_start(play):
    # 192.0.2.1 (TEST-NET-1) is no address of this host: the listener cannot bind, auto polls and the copy completes.
    args = {'source': 'jw-src', 'name': 'jw-clone2', 'type': 'physical', 'listener_host': '192.0.2.1'}
    run = play.run('snapshot', args)
    assert run.result.get('failed') is not True, run
    assert run.result['copy']['sync_state'] == 'Frozen'
    assert [w[0] for w in _writes(run)] == ['InvokeMethod', 'InvokeMethod', 'DeleteInstance']
    run = play.run('snapshot', dict(args, name='jw-clone3', job_indications='always'))
    assert run.result['failed'] is True and 'job indication listener' in run.result['msg'] and run.methods == []


def test_browse_user_with_auto_is_refused_for_the_method_not_the_subscription(play):
    run = play.run('snapshot', {'source': 'jw-src', 'name': 'jw-clone4', 'type': 'physical'},
                   env={'THREEPAR_USERNAME': '3parbrowse'})
    assert run.result['failed'] is True
    assert 'browse role' in run.result['msg'] and 'indication' not in run.result['msg'], run.result['msg']
    # The refused subscription (auto: silent) left nothing to delete; the method was refused as before.
    writes = _writes(run)
    assert [w[0] for w in writes] == ['CreateInstance', 'InvokeMethod'] and all(w[2] != 0 for w in writes), writes


def test_browse_user_waits_for_a_copy_in_progress_by_polling(play, sim):
    # 16 GiB at the simulator's 1 GiB/s (16 s): the copy is still running when the next task starts.
    assert play.run('volume', {'name': 'jw-big', 'cpg': 'FC_r5', 'size': '16GiB', 'snap_cpg': 'FC_r5'}).result['changed'] is True
    run = play.run('snapshot', {'source': 'jw-big', 'name': 'jw-clone5', 'type': 'physical', 'wait': False})
    assert run.result['jobs'], run
    run = play.run('snapshot', {'source': 'jw-big', 'name': 'jw-clone5', 'type': 'physical'},
                   env={'THREEPAR_USERNAME': '3parbrowse'})
    assert run.result.get('failed') is not True, run
    assert run.result['actions'][0]['operation'] == 'wait_for_copy' and run.result['copy']['sync_state'] == 'Frozen'
    assert _writes(run) == []
