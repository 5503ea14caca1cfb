"""On an array with many copies, a threepar_snapshot task on one source reads that source's copies (References)
instead of every copy of the array, and creates, converges, refuses and deletes as with the bulk read (issue 12)."""

import os
import shutil
import tempfile

import pytest
import yaml
from threepar_sim.control import SimulatorProcess

# pylint: disable=redefined-outer-name

COPIES_ON_THE_ARRAY = 300   # > 2 x 125 (inventory.PER_OBJECT_COPIES): a task on one source and its copies goes per object


@pytest.fixture(scope='module')
def sim():
    data_dir = tempfile.mkdtemp(prefix='threepar-sized-')
    seed = os.path.join(data_dir, 'seed.yml')
    with open(seed, 'w', encoding='utf-8') as handle:
        yaml.safe_dump({'name': 'SIZED', 'cpgs': [{'name': 'FC_r5', 'size': '100TiB'}],
                        'volumes': [{'name': 'app', 'cpg': 'FC_r5', 'size': '1GiB', 'snap_cpg': 'FC_r5'}],
                        'generate': {'volumes': COPIES_ON_THE_ARRAY, 'prefix': 'bulk', 'virtual_copies_per_volume': 1,
                                     'size': '1GiB', 'cpg': 'FC_r5'}}, handle)
    with SimulatorProcess(os.path.join(data_dir, 'array'), seed=seed) as simulator:
        yield simulator
    shutil.rmtree(data_dir, ignore_errors=True)


def reads(run):
    return [(r['operation'], r['class']) for r in run.requests if r['operation'] != 'InvokeMethod']


def test_one_source_reads_its_own_copies_only(play):
    copies = [{'source': 'app', 'name': 'app.s%d' % i} for i in (1, 2)]
    run = play.run('snapshot', {'copies': copies})
    assert run.result['changed'] is True and run.methods == ['CreateReplica', 'CreateReplica'], run
    assert ('EnumerateInstances', 'TPD_StorageSynchronized') not in reads(run)
    run = play.run('snapshot', {'copies': copies})
    assert run.result['changed'] is False and run.methods == [], run
    assert reads(run) == [('EnumerateInstances', 'TPD_StorageVolume'), ('References', 'TPD_StorageVolume')]
    assert [(c['name'], c['sync_state'], c['changed']) for c in run.result['copies']] == [('app.s1', 'Idle', False), ('app.s2', 'Idle', False)]


def test_a_target_that_is_a_copy_of_another_volume_is_refused(play):
    run = play.run('snapshot', {'copies': [{'source': 'app', 'name': 'bulk00007_vc1'}]})
    assert run.result.get('failed') is True and run.methods == [], run
    assert 'bulk00007' in run.result['msg']
    assert ('EnumerateInstances', 'TPD_StorageSynchronized') not in reads(run)


def test_deleting_a_copy_then_nothing_to_do(play):
    run = play.run('snapshot', {'copies': [{'source': 'app', 'name': 'app.d1'}]})
    assert run.result['changed'] is True, run
    gone = [{'source': 'app', 'name': 'app.d1', 'state': 'absent'}]
    run = play.run('snapshot', {'copies': gone})
    assert run.result['changed'] is True and run.methods == ['ReturnToStoragePool'], run
    assert ('EnumerateInstances', 'TPD_StorageSynchronized') not in reads(run)
    run = play.run('snapshot', {'copies': gone})
    assert run.result['changed'] is False and run.methods == [], run
