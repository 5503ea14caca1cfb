"""The EXAMPLES of every module in plugins/modules/, run as written against simulated arrays (issue 5).

For each module the EXAMPLES string is read from the module file (ast, nothing imported) and loaded with
yaml.safe_load; its tasks run unchanged, in order, as one play. The test only wraps each task in a block that tags
its result (the ``example_results`` callback in callback_plugins/) and, for a pair of arrays, gives the connection
(port, ca_path) of the array the task is written for. Everything else an example needs comes from outside it:

* the connection from THREEPAR_* (conftest.Playbooks.env) and the play variables the examples document
  (``vault_3par_password``, ``threepar_host``, ``array_a``...);
* the volumes and copies the examples assume (db01, erp_data, ...) from a seed file (``threepar-sim serve --seed``).

Every task must succeed, and a task run again right after itself must report changed=false. Then the example plays
run a second time and report no change, but for those that end by deleting what they made (STARTS_OVER).
"""

import ast
import copy
import json
import os
import shutil
import subprocess
import tempfile
import time

import pytest
import yaml

from threepar_sim.control import SimulatorProcess, free_port

from conftest import BIN, PASSWORD, ROOT, Playbooks

MODULES_DIR = os.path.join(ROOT, 'plugins', 'modules')
CALLBACKS = os.path.join(os.path.dirname(os.path.abspath(__file__)), 'callback_plugins')
MODULES = sorted(f[:-3] for f in os.listdir(MODULES_DIR) if f.endswith('.py') and not f.startswith('_'))

# What the examples assume exists. The snapshot examples copy db01 and db02 and delete web01's snapshot; volumes
# need snapshot space (snap_cpg) for virtual copies.
SEED = {
    'name': '3PAR-A', 'serial': '1111111',
    'volumes': [{'name': n, 'cpg': 'FC_r5', 'size': '1GiB', 'snap_cpg': 'FC_r5'} for n in ('db01', 'db02', 'web01')],
    'copies': [{'source': 'web01', 'name': 'web01-snap', 'type': 'virtual'},
               {'source': 'db01', 'name': 'db01-before-upgrade', 'type': 'virtual'}],
}
# threepar_rcopy_group: the ERP volumes on the production array; their peers on ARRAY-B are created by the group.
PAIR_SEEDS = {
    'ARRAY-A': {'name': 'ARRAY-A', 'serial': '1111111',
                'volumes': [{'name': n, 'cpg': 'FC_r5', 'size': '1GiB'} for n in ('erp_data', 'erp_logs')]},
    'ARRAY-B': {'name': 'ARRAY-B', 'serial': '2222222'},
}
# The arrays each module's examples run against (a fixture name); the default is the seeded array.
ARRAYS = {'threepar_volume': 'fresh_array', 'threepar_rcopy_group': 'array_pair'}

# The operations (RV(actions)) of each task, in EXAMPLES order, the first time the example play runs on its array.
FIRST = {
    'threepar_info': [[], [], []],
    'threepar_snapshot': [
        ['create_virtual_copy'], ['create_target_volume', 'create_physical_copy'], ['restore_copy'],
        ['create_target_volume', 'create_physical_copy'], ['create_volume_set'],
        ['create_consistent_snapshots', 'set_snapshot_timers', 'set_snapshot_timers'],
        ['create_virtual_copy', 'create_virtual_copy', 'delete_copy', 'recount_snapshot_space']],
    'threepar_volume': [['create_volume'], ['grow_volume'], ['delete_volume']],
    'threepar_volume_set': [['create_volume_set'], ['add_set_members'], ['delete_volume_set']],
    'threepar_rcopy_group': [
        ['create', 'create_replica', 'start'], ['stop', 'set_mode', 'remove_member', 'start'], ['stop', 'failover'],
        ['recover'], ['restore'], ['stop', 'reverse', 'start'], ['stop', 'delete']],
}
# The example plays that end by deleting what they made: each task converges, but the play starts over when run
# again, so they are not run twice. Every other play, run a second time, changes nothing: threepar_info reads;
# threepar_snapshot's nightly snapshot is younger than max_age, the clone exists, the restore guard keeps the promoted
# snapshot from being promoted again, the one-shot copy is an independent volume, web01-snap is gone (the recount of
# snapshot space runs again but changes nothing).
STARTS_OVER = {'threepar_volume', 'threepar_volume_set', 'threepar_rcopy_group'}
# The values of the play variables the examples document (the inventory's, in real life).
VARIABLES = {'vault_3par_password': PASSWORD, 'threepar_host': '127.0.0.1', 'array_a': '127.0.0.1',
             'array_b': '127.0.0.1'}


def examples(module):
    """The module's EXAMPLES, parsed: the string is taken from the source (the module is not imported)."""
    with open(os.path.join(MODULES_DIR, module + '.py'), encoding='utf-8') as handle:
        tree = ast.parse(handle.read())
    for node in tree.body:
        if isinstance(node, ast.Assign) and [getattr(t, 'id', None) for t in node.targets] == ['EXAMPLES']:
            return yaml.safe_load(node.value.value)
    raise AssertionError('%s has no EXAMPLES' % module)


def leaves(tasks):
    """The tasks of the examples (the children of a block, not the block), in order."""
    for task in tasks:
        if 'block' in task:
            yield from leaves(task['block'])
        else:
            yield task


def module_args(task):
    for key, value in task.items():
        if key.startswith('smis.threepar.'):
            return value or {}
    return {}


def target_array(task):
    """The array of a pair that a task is written for: the array_b variable in its host, or else array_a."""
    return 'b' if 'array_b' in str(module_args(task).get('host', '')) else 'a'


class ExamplePlay:
    """Builds the play of a module's examples and runs it; ``run(again)`` returns the recorded results by tag."""

    def __init__(self, module, arrays, workdir, variables=None):
        self.module = module
        self.arrays = arrays
        self.workdir = workdir
        self.variables = variables or {}
        self.tasks = examples(module)
        self.count = 0

    def wrap(self, task, tag):
        block = {'name': 'Example %s' % tag, 'vars': {'example_tag': tag}, 'block': [copy.deepcopy(task)]}
        if len(self.arrays) > 1:
            array = self.arrays[target_array(task)]
            block['module_defaults'] = {'group/smis.threepar.threepar': {'port': array.https_port, 'ca_path': array.cert}}
        return block

    def expand(self, tasks, again, counter):
        out = []
        for task in tasks:
            assert not set(task) & {'rescue', 'always'}, 'an example with rescue/always: extend the test'
            if 'block' in task:
                block = dict(task, block=self.expand(task['block'], again, counter))
                out.append(block)
                continue
            counter.append(task)
            index = len(counter) - 1
            out.append(self.wrap(task, '%d' % index))
            if again:
                out.append(self.wrap(task, '%d again' % index))
        return out

    def playbook(self, again):
        variables = dict(VARIABLES, ansible_python_interpreter=os.path.join(BIN, 'python'),
                         threepar_ca_path=self.arrays['a'].cert, **self.variables)
        return [{'name': 'EXAMPLES of %s' % self.module, 'hosts': 'localhost', 'gather_facts': False,
                 'vars': variables, 'tasks': self.expand(self.tasks, again, [])}]

    def run(self, again):
        self.count += 1
        path = os.path.join(self.workdir, '%s-%d.yml' % (self.module, self.count))
        results = os.path.join(self.workdir, '%s-%d.jsonl' % (self.module, self.count))
        with open(path, 'w', encoding='utf-8') as handle:
            yaml.safe_dump(self.playbook(again), handle, sort_keys=False)
        env = Playbooks(self.arrays['a'], self.workdir).env(
            EXAMPLE_RESULTS=results, ANSIBLE_CALLBACK_PLUGINS=CALLBACKS, ANSIBLE_CALLBACKS_ENABLED='example_results')
        cmd = [os.path.join(BIN, 'ansible-playbook'), '-i', 'localhost,', '-c', 'local', path]
        proc = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=300, check=False)
        records = []
        if os.path.exists(results):
            with open(results, encoding='utf-8') as handle:
                records = [json.loads(line) for line in handle if line.strip()]
        failed = [r for r in records if r['status'] != 'ok']
        assert proc.returncode == 0 and not failed, 'example play of %s failed:\n%s\n%s\n%s' % (
            self.module, json.dumps(failed, indent=1), proc.stdout[-4000:], proc.stderr[-4000:])
        return {r['tag']: r for r in records}


def start(base, name, seed=None, extra_args=()):
    data = os.path.join(base, name)
    os.makedirs(data)
    seed_file = None
    if seed is not None:
        seed_file = os.path.join(base, name + '.yml')
        with open(seed_file, 'w', encoding='utf-8') as handle:
            yaml.safe_dump(seed, handle)
    return SimulatorProcess(data, name=name, seed=seed_file, http_port=free_port(), https_port=free_port(),
                            extra_args=extra_args)


@pytest.fixture(scope='module')
def base():
    path = tempfile.mkdtemp(prefix='threepar-examples-')
    yield path
    shutil.rmtree(path, ignore_errors=True)


@pytest.fixture(scope='module')
def seeded_array(base):
    """One array for the examples of threepar_snapshot, threepar_info (read only) and any other module."""
    sim = start(base, '3PAR-A', SEED).start()
    yield {'a': sim}
    sim.stop()


@pytest.fixture(scope='module')
def fresh_array(base):
    """An array with only its default CPGs: threepar_volume's examples create db01 and delete it."""
    sim = start(base, '3PAR-V').start()
    yield {'a': sim}
    sim.stop()


@pytest.fixture(scope='module')
def array_pair(base):
    """ARRAY-A and ARRAY-B linked for remote copy (the names the threepar_rcopy_group examples use)."""
    a = start(base, 'ARRAY-A', PAIR_SEEDS['ARRAY-A'])
    b = start(base, 'ARRAY-B', PAIR_SEEDS['ARRAY-B'])
    a.extra_args = ['--peer=ARRAY-B=http://127.0.0.1:%d' % b.ports[0], '--rcopy-period=1', '--rcopy-writable']
    b.extra_args = ['--peer=ARRAY-A=http://127.0.0.1:%d' % a.ports[0], '--rcopy-period=1', '--rcopy-writable']
    try:
        a.start()
        b.start()
        deadline = time.monotonic() + 15
        while not all(s.control('/sim/status')['peers'][p] for s, p in ((a, 'ARRAY-B'), (b, 'ARRAY-A'))):
            assert time.monotonic() < deadline, 'the remote copy link did not come up'
            time.sleep(0.1)
        yield {'a': a, 'b': b}
    finally:
        a.stop()
        b.stop()


def test_every_module_has_examples_that_parse():
    assert MODULES
    for module in MODULES:
        tasks = examples(module)
        assert isinstance(tasks, list) and tasks, module
        for task in leaves(tasks):
            assert task.get('name'), (module, task)
        # The connection is the play's (module_defaults, THREEPAR_*) or a variable, never a fixed address.
        for host in hosts(tasks):
            assert '{{' in str(host), (module, host)


def hosts(tasks):
    """Every host an example sets, in a task or in the module_defaults of a block."""
    for task in tasks:
        for defaults in (task.get('module_defaults') or {}).values():
            if 'host' in defaults:
                yield defaults['host']
        if 'block' in task:
            yield from hosts(task['block'])
        elif 'host' in module_args(task):
            yield module_args(task)['host']


def decided_variables(module, arrays, workdir):
    """Variables that stand for a decision recorded before the play (a change ticket): the rollback point of the
    restore example is the seeded snapshot's point in time as it was before any example ran."""
    if module != 'threepar_snapshot':
        return {}
    query = "copies[?name=='db01-before-upgrade'] | [0].when_synced"
    run = Playbooks(arrays['a'], workdir).run('info', {'gather': ['copies'], 'query': query})
    assert run.result['query_result'], run
    return {'db01_rollback_point': run.result['query_result']}


@pytest.mark.parametrize('module', MODULES)
def test_examples_run_as_written(module, request, tmp_path):
    arrays = request.getfixturevalue(ARRAYS.get(module, 'seeded_array'))
    play = ExamplePlay(module, arrays, str(tmp_path), decided_variables(module, arrays, str(tmp_path)))
    count = len(list(leaves(play.tasks)))
    # Each task, then the same task again: it succeeds, and converges (the second run changes nothing).
    results = play.run(again=True)
    first = [results['%d' % i] for i in range(count)]
    again = [results['%d again' % i] for i in range(count)]
    assert [r['name'] for r in first] == [t['name'] for t in leaves(play.tasks)]
    assert all(r['action'].startswith('smis.threepar.') for r in first)
    if module in FIRST:
        assert [[a['operation'] for a in r['actions'] or []] for r in first] == FIRST[module], first
        assert [r['changed'] for r in first] == [bool(ops) for ops in FIRST[module]], first
    assert [r['name'] for r in again if r['changed']] == [], again
    # The whole example play again, as written: nothing changes.
    if module not in STARTS_OVER:
        results = play.run(again=False)
        assert [results['%d' % i]['changed'] for i in range(count)] == [False] * count, results
