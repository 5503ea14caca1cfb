"""The array goes away (kill -9) while a module waits for a physical copy: the task says which job was running and
what the next run does; once the array is back, the next runs say what it kept and converge (issue 13)."""

import os
import shutil
import tempfile
import threading
import time

import pytest
from threepar_sim.control import SimulatorProcess

# pylint: disable=redefined-outer-name


@pytest.fixture(scope='module')
def sim():
    data_dir = tempfile.mkdtemp(prefix='threepar-kill-')
    simulator = SimulatorProcess(os.path.join(data_dir, 'array'), copy_rate=256.0)   # 4 GiB: a 16 s copy
    simulator.start()
    yield simulator
    simulator.stop()
    shutil.rmtree(data_dir, ignore_errors=True)


def polled_the_job(requests):
    """Whether the module has polled the copy job: it got AttachReplica's answer (a request is logged before the
    server flushes its answer, so the AttachReplica line alone does not say the module has it)."""
    methods = [i for i, r in enumerate(requests) if r.get('method') == 'AttachReplica']
    return bool(methods) and any(r['operation'] == 'GetInstance' and r['class'] == 'TPD_ConcreteJob' for r in requests[methods[-1] + 1:])


def test_the_array_killed_during_a_copy_then_the_next_run(play, sim):
    assert play.run('volume', {'name': 'kill-src', 'cpg': 'FC_r5', 'size': '4GiB', 'snap_cpg': 'FC_r5'}).result['changed'] is True
    copy = {'source': 'kill-src', 'name': 'kill-clone', 'type': 'physical', 'job_indications': 'never'}
    outcome = {}
    runner = threading.Thread(target=lambda: outcome.update(run=play.run('snapshot', copy)))
    runner.start()
    deadline = time.monotonic() + 60
    while not polled_the_job(sim.requests()) and time.monotonic() < deadline:
        time.sleep(0.1)
    sim.kill()        # kill -9: the job is under way, the module is polling it
    runner.join(120)
    sim.start()
    run = outcome['run']
    assert run.result['failed'] is True, run
    message = run.result['msg']
    assert 'connection refused' in message and 'probes of job' in message and 'failed in a row' in message, message
    assert 'runs on: see it with smis.threepar.threepar_info (gather: jobs)' in message, message
    assert run.result['job_id'] and run.result['job_id'] in message
    # The array is back and failed the job it was running when killed (simulator/MODEL.md, Jobs): the copy is Broken,
    # and the next run says so and what to do; doing it converges.
    jobs = play.run('info', {'gather': ['jobs']}).result['jobs']
    job, = [j for j in jobs if j['job_id'] == run.result['job_id']]      # threepar_info reports the job the run left
    assert job['job_state'] == 'Exception' and 'restarted' in job['error_description'], job
    again = play.run('snapshot', copy)
    assert again.result['failed'] is True and again.methods == [], again
    assert 'is Broken' in again.result['msg'] and 'Delete it (state: absent) and create it again' in again.result['msg']
    gone = play.run('snapshot', dict(copy, state='absent'))
    assert gone.result['changed'] is True and gone.methods == ['ReturnToStoragePool'], gone
    assert play.run('snapshot', dict(copy, state='absent')).result['changed'] is False
