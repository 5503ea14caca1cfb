"""Two runs on the same objects at once (two AWX jobs, a retried job beside the first): whichever comes second finds
the desired state reached, by the array's answer or by its read, and neither fails (issue 13)."""

import threading

import pytest


def together(play, *module_args):
    """Run the volume playbook once per argument set, all at once; the runs, in the order given."""
    runs = [None] * len(module_args)
    barrier = threading.Barrier(len(module_args))

    def run(index):
        barrier.wait()
        runs[index] = play.run('volume', module_args[index])

    threads = [threading.Thread(target=run, args=(i,)) for i in range(len(module_args))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(300)
    return runs


@pytest.mark.parametrize('attempt', range(3))    # the two runs meet at different points each time
def test_two_runs_deleting_one_volume_both_succeed(play, sim, attempt):
    name = 'race-del-%d' % attempt
    assert play.run('volume', {'name': name, 'cpg': 'FC_r5', 'size': '256MiB'}).result['changed'] is True
    before = len(sim.requests())
    runs = together(play, {'name': name, 'state': 'absent'}, {'name': name, 'state': 'absent'})
    for run in runs:
        assert run.result.get('failed') is not True, run
    # the request log of both runs together (each run's own window holds the other's requests too)
    deletes = [r for r in sim.requests()[before:] if r.get('method') == 'ReturnToStoragePool']
    assert 1 <= len(deletes) <= 2     # each run calls it at most once
    assert [run.result['changed'] for run in runs].count(True) == 1   # one of them deleted it
    assert play.run('info', {'gather': ['volumes'], 'query': "volumes[?name=='%s']" % name}).result['query_result'] == []


def test_two_runs_growing_one_volume_both_succeed(play):
    assert play.run('volume', {'name': 'race-grow', 'cpg': 'FC_r5', 'size': '256MiB'}).result['changed'] is True
    runs = together(play, {'name': 'race-grow', 'size': '512MiB'}, {'name': 'race-grow', 'size': '512MiB'})
    for run in runs:
        assert run.result.get('failed') is not True, run
        assert run.result['volume']['size'] == '512MiB'
    assert any(run.result['changed'] for run in runs)
