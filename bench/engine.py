"""Engine benchmarks (issue 3, item 7): request counts, wall times, job completion detection. Prints figures with
their goals; asserts nothing.

    .venv/bin/python bench/engine.py [--copies 1000] [--loop 10] [--trials 3] [--only SECTION]     (or: make bench)

1. CIM requests of one threepar_snapshot task (``copies:``), counted from the simulator's request log: a converged
   re-run of N = 1, 100, 1,000 copies (goal <= 3, flat in N), and k = 1, 10, 100 changes (new virtual copies) among
   1,000 entries (goal <= k methods + 3 reads + job waits). The volumes and their first virtual copy come from a
   seed file (``generate:``), not from CIM. The engine runs in-process (runner.run_snapshot).
2. Wall time of ansible-playbook: 1,000 virtual copies created in one task and the converged re-run (goals <= 20 s
   and <= 3 s), against an Ansible loop of one copy per task for N = --loop (10): per-copy time and ratio; min and
   median of --trials (new copies each time).
3. Job completion detection: a physical copy of a 3 GiB volume at --copy-rate 1024 MiB/s (3 s) with 50 ms latency per
   CIM request, for plain polling (0.1 s growing x1.5 to 2 s), smart polling (PercentComplete predicts the end) and
   job indications. When the simulator finished the job: the bench subscribes its own pywbem WBEMListener to the job
   indications and takes the finished job's TimeOfLastStateChange (set by the simulator when the job ends, wall
   clock of this host, microseconds) from the "completed OK" indication; the arrival time of that indication is
   printed as a cross-check. The figures are time.time() at the point of interest minus that time: the waiter
   returning (completion seen), the engine returning (run_snapshot, after it deleted the job, re-read the copies
   and removed its subscription), and, in a second series through ansible-playbook, the end of the task (the
   time the next task of the play is templated). Goal: engine return <= 0.25 s after the finish.
4. Method calls side by side (``parallel``): 1,000 virtual copies in one task at 100 ms latency per request, for
   parallel 4 (the default, goal <= 30 s) and 8; parallel 1 on 100 of them, extrapolated.
5. Scale-out: one play on 10 arrays x 100 new virtual copies, forks 2, at 0 and 100 ms latency, parallel 1 and 4;
   min and median of --trials.
6. Reads sized to the task, on an array of 10,000 volumes + 10,000 virtual copies (--big-volumes): a converged task on
   one source with 10 copies (goals <= 5 requests, <= 0.5 s in the engine) and the converged re-run of 1,000 copies
   (goals <= 3 requests, <= 3 s), each with the engine's rule (inventory.copies_per_object) and with the bulk read
   forced, min and median of --trials, in-process (run_snapshot at 0 ms latency). Also: what pywbem alone needs to
   parse the volume read such a task cannot avoid (name -> path, docs/local-copies.md).
7. Consistent snapshots of a volume set of --set-size (100) volumes, at 0 and 100 ms latency per request, in-process:
   the create (goal: one method call for the set), the converged re-run (goal <= 3 reads), a refresh (max_age 0s:
   every snapshot deleted, then one call), and the create and converged re-run with expire and retain set
   (ModifyInstance per snapshot after the create; two reads more for the timers). Requests and wall time.
"""

import argparse
import functools
import json
import os
import subprocess
import sys
import tempfile
import threading
import time

import pywbem
import yaml

from threepar_sim.control import SimulatorProcess

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BIN = os.path.join(ROOT, '.venv', 'bin')
COLLECTIONS = os.path.join(ROOT, '.cache', 'collections')
LINK = os.path.join(COLLECTIONS, 'ansible_collections', 'smis', 'threepar')
if not os.path.exists(LINK):
    os.makedirs(os.path.dirname(LINK), exist_ok=True)
    os.symlink(ROOT, LINK)
sys.path.insert(0, COLLECTIONS)

# pylint: disable=wrong-import-position
from ansible_collections.smis.threepar.plugins.module_utils.threepar import inventory as engine_inventory, runner, waiter  # noqa: E402

USER, PASSWORD = '3paradm', '3pardata'
ROWS = []


def row(figure, value, goal, unit=''):
    ROWS.append((figure, value, goal, unit))
    print('  %-68s %12s %s   goal %s' % (figure, _fmt(value), unit, goal), flush=True)


def _fmt(value):
    if isinstance(value, float):
        return '%.3f' % value
    return str(value)


class Module:
    """What run_snapshot needs of an AnsibleModule."""

    def __init__(self, params):
        self.params = params
        self.check_mode = False
        self._diff = False
        self.warnings = []

    def warn(self, text):
        self.warnings.append(text)


def params(sim, **extra):
    base = dict(host='127.0.0.1', port=sim.info['https_port'], protocol='https', username=USER, password=PASSWORD,
                validate_certs=True, ca_path=sim.cert, namespace='root/tpd', timeout=60,
                source=None, name=None, type='virtual', state='present', max_age=None, target_cpg=None, target_provisioning=None,
                resyncable=None, restore_point=None, read_only=None,
                update_space=False, copies=None, volume_set=None, expire=None, retain=None, wait=True, wait_timeout=600,
                job_indications='never', listener_host=None, parallel=4, copies_view='brief')
    base.update(extra)
    return base


def counted(sim, func):
    before = len(sim.requests())
    result = func()
    requests = sim.requests()[before:]
    return result, requests


def copies_of(volumes, suffix):
    return [{'source': v, 'name': '%s_%s' % (v, suffix)} for v in volumes]


def seed_file(tmp, name, spec):
    path = os.path.join(tmp, name + '.yml')
    with open(path, 'w', encoding='utf-8') as handle:
        yaml.safe_dump(spec, handle)
    return path


def ansible(sim, workdir, playbook, variables):
    vars_file = os.path.join(workdir, 'vars.json')
    with open(vars_file, 'w', encoding='utf-8') as handle:
        json.dump(dict(variables, ansible_python_interpreter=os.path.join(BIN, 'python')), handle)
    env = dict(os.environ, ANSIBLE_COLLECTIONS_PATH=COLLECTIONS, ANSIBLE_NOCOLOR='1', ANSIBLE_LOCALHOST_WARNING='0',
               ANSIBLE_INVENTORY_UNPARSED_WARNING='0', THREEPAR_HOST='127.0.0.1', THREEPAR_PORT=str(sim.info['https_port']),
               THREEPAR_USERNAME=USER, THREEPAR_PASSWORD=PASSWORD, THREEPAR_CA_PATH=sim.cert)
    path = os.path.join(workdir, 'play.yml')
    with open(path, 'w', encoding='utf-8') as handle:
        handle.write(playbook)
    start = time.perf_counter()
    proc = subprocess.run([os.path.join(BIN, 'ansible-playbook'), '-i', 'localhost,', '-c', 'local', '-e', '@' + vars_file, path],
                          env=env, capture_output=True, text=True, check=False)
    elapsed = time.perf_counter() - start
    if proc.returncode != 0:
        print(proc.stdout[-3000:], proc.stderr[-3000:])
    return elapsed, proc


ONE_TASK = '''
- hosts: localhost
  gather_facts: false
  tasks:
    - smis.threepar.threepar_snapshot:
        copies: "{{ copies }}"
'''

ONE_TASK_FULL = '''
- hosts: localhost
  gather_facts: false
  tasks:
    - smis.threepar.threepar_snapshot:
        copies: "{{ copies }}"
        copies_view: full
'''

LOOP = '''
- hosts: localhost
  gather_facts: false
  tasks:
    - smis.threepar.threepar_snapshot:
        source: "{{ item.source }}"
        name: "{{ item.name }}"
      loop: "{{ copies }}"
'''

TIMED_TASK = '''
- hosts: localhost
  gather_facts: false
  tasks:
    - smis.threepar.threepar_snapshot: "{{ module_args }}"
    - ansible.builtin.copy:
        content: "{{ now(utc=true).timestamp() }}"
        dest: "{{ out }}"
        mode: "0600"
'''


# ---------------------------------------------------------------- 1 and 2

def requests_and_wall_times(tmp, n_copies, n_loop, trials):
    total = n_copies + n_loop
    generate = {'volumes': total, 'prefix': 'bench', 'virtual_copies_per_volume': 1, 'size': '1GiB'}
    seed = seed_file(tmp, 'scale', {'name': 'BENCH', 'generate': generate})
    volumes = ['bench%05d' % i for i in range(1, total + 1)]
    with SimulatorProcess(os.path.join(tmp, 'scale'), name='BENCH', seed=seed) as sim:
        print('\n1. CIM requests of one threepar_snapshot task (request log of the simulator)', flush=True)
        for n in (1, 100, n_copies):
            run = functools.partial(runner.run_snapshot, Module(params(sim, copies=copies_of(volumes[:n], 'vc1'))))
            result, requests = counted(sim, run)
            assert result['changed'] is False
            row('converged re-run, N = %d copies: requests' % n, len(requests), '<= 3, flat in N')
        for k in (1, 10, 100):
            wanted = copies_of(volumes[:n_copies], 'vc1')
            for i in range(k):
                wanted[i] = {'source': volumes[i], 'name': '%s_k%d' % (volumes[i], k)}
            result, requests = counted(sim, functools.partial(runner.run_snapshot, Module(params(sim, copies=wanted))))
            methods = sum(1 for r in requests if r['operation'] == 'InvokeMethod')
            reads = len(requests) - methods
            row('k = %d changes among %d entries: requests (%d methods + %d reads)' % (k, n_copies, methods, reads),
                len(requests), '<= k + 3 = %d' % (k + 3))

        print('\n2. Wall time of ansible-playbook (this machine: %d cores; min / median of %d)' % (os.cpu_count(), trials), flush=True)
        work = tempfile.mkdtemp(dir=tmp)
        times = {'create': [], 'rerun': [], 'full': [], 'loop': []}
        for trial in range(trials):    # new names each time: every create creates
            many = copies_of(volumes[:n_copies], 'w%d' % trial)
            times['create'].append(ansible(sim, work, ONE_TASK, {'copies': many})[0])
            times['rerun'].append(ansible(sim, work, ONE_TASK, {'copies': many})[0])
            times['full'].append(ansible(sim, work, ONE_TASK_FULL, {'copies': many})[0])
            loop_s, proc = ansible(sim, work, LOOP, {'copies': copies_of(volumes[n_copies:n_copies + n_loop], 'w%d' % trial)})
            assert proc.returncode == 0
            times['loop'].append(loop_s)
        timing_row('create %d virtual copies in one task: s' % n_copies, times['create'], '<= 20 s')
        timing_row('converged re-run of it: s', times['rerun'], '<= 3 s')
        timing_row('the same with copies_view: full: s', times['full'], '-')
        for view in ('brief', 'full'):
            result = runner.run_snapshot(Module(params(sim, copies=many, copies_view=view)))
            row('result of the re-run, copies_view: %s: KB' % view, len(json.dumps(result, default=str)) // 1024, '-', 'KB')
        timing_row('Ansible loop, one copy per task, N = %d: s' % n_loop, times['loop'], '-')
        per_task, per_loop = _median(times['create']) / n_copies, _median(times['loop']) / n_loop
        row('per copy (medians): one task (%d) / loop (%d): ms' % (n_copies, n_loop), '%.1f / %.1f' % (per_task * 1000, per_loop * 1000),
            '-', 'ms')
        row('ratio loop / one task, per copy', round(per_loop / per_task, 1), '-', 'x')


def timing_row(figure, values, goal):
    row(figure.replace(': s', ' (min / median): s'), '%.2f / %.2f' % (min(values), _median(values)), goal, 's')


# ---------------------------------------------------------------- 3

class FinishWatch:
    """The bench's own subscription: job id -> (TimeOfLastStateChange as epoch s, arrival time.time())."""

    def __init__(self, sim):
        self.finished = {}
        self.cond = threading.Condition()
        port = _free_port()
        self.listener = pywbem.WBEMListener('127.0.0.1', http_port=port)
        self.listener.add_callback(self.deliver)
        self.listener.start()
        self.conn = pywbem.WBEMConnection(sim.https_url, (USER, PASSWORD), default_namespace='root/tpd', ca_certs=sim.cert)
        keys = ('Name', 'CreationClassName', 'SystemCreationClassName', 'SystemName')
        system = {'SystemCreationClassName': 'CIM_ComputerSystem', 'SystemName': 'bench', 'Name': 'bench-watch'}
        dest = pywbem.CIMInstance('CIM_ListenerDestinationCIMXML', properties=dict(
            system, CreationClassName='CIM_ListenerDestinationCIMXML', Destination='http://127.0.0.1:%d' % port))
        dest.path = pywbem.CIMInstanceName(dest.classname, {k: dest[k] for k in keys})
        flt = pywbem.CIMInstance('CIM_IndicationFilter', properties=dict(
            system, CreationClassName='CIM_IndicationFilter', Query='SELECT * FROM TPD_ConcreteJobInstModification',
            QueryLanguage='DMTF:CQL', SourceNamespaces=['root/tpd']))
        flt.path = pywbem.CIMInstanceName(flt.classname, {k: flt[k] for k in keys})
        dest_path = self.conn.CreateInstance(dest, namespace='root/interop')
        flt_path = self.conn.CreateInstance(flt, namespace='root/interop')
        sub = pywbem.CIMInstance('CIM_IndicationSubscription', properties={'Filter': flt_path, 'Handler': dest_path})
        sub.path = pywbem.CIMInstanceName(sub.classname, {'Filter': flt_path, 'Handler': dest_path})
        self.conn.CreateInstance(sub, namespace='root/interop')

    def deliver(self, indication, host):  # pylint: disable=unused-argument
        source = indication['SourceInstance']
        if int(source['JobState']) in (7, 8, 10):
            with self.cond:
                self.finished[source['InstanceID']] = (source['TimeOfLastStateChange'].datetime.timestamp(), time.time())
                self.cond.notify_all()

    def get(self, job_id, timeout=10):
        with self.cond:
            self.cond.wait_for(lambda: job_id in self.finished, timeout)
            return self.finished.get(job_id)

    def stop(self):
        self.listener.stop()


def _free_port():
    import socket  # pylint: disable=import-outside-toplevel
    with socket.socket() as sock:
        sock.bind(('127.0.0.1', 0))
        return sock.getsockname()[1]


class RecordingWaiter(waiter.Waiter):
    last = None

    def wait(self, *args, **kwargs):
        state = super().wait(*args, **kwargs)
        RecordingWaiter.last = (time.time(), self.probes)
        return state


MODES = [('plain polling (0.1 s x1.5 to 2 s)', 'never', False), ('smart polling (PercentComplete)', 'never', True),
         ('job indications', 'always', True)]


def detection(tmp, trials):
    seed = seed_file(tmp, 'jobs', {'name': 'JOBS', 'volumes': [{'name': 'src', 'cpg': 'FC_r5', 'size': '3GiB', 'snap_cpg': 'FC_r5'}]})
    with SimulatorProcess(os.path.join(tmp, 'jobs'), name='JOBS', seed=seed, latency_ms=50, copy_rate=1024) as sim:
        watch = FinishWatch(sim)
        print('\n3. Job completion detection: physical copy of 3 GiB at 1024 MiB/s (3 s), 50 ms latency per request;'
              ' seconds after the simulator finished the job (median of %d)' % trials, flush=True)
        count = 0
        try:
            for label, mode, predict in MODES:
                seen, returned, arrival, probes, reqs = [], [], [], [], []
                for dummy in range(trials):
                    count += 1
                    module = Module(params(sim, source='src', name='clone%d' % count, type='physical', job_indications=mode))
                    original = runner.Waiter
                    runner.Waiter = functools.partial(RecordingWaiter, predict=predict)
                    try:
                        result, requests = counted(sim, functools.partial(runner.run_snapshot, module))
                    finally:
                        runner.Waiter = original
                    end = time.time()
                    job_id = [a for a in result['actions'] if a.get('job_id')][0]['job_id']
                    finish, arrived = watch.get(job_id)
                    seen.append(RecordingWaiter.last[0] - finish)
                    returned.append(end - finish)
                    arrival.append(arrived - finish)
                    probes.append(RecordingWaiter.last[1])
                    reqs.append(len(requests))
                row('%s: completion seen (waiter returns)' % label, _median(seen), '-', 's')
                row('%s: engine returns' % label, _median(returned), '<= 0.25 s', 's')
                row('%s: probes / CIM requests of the run' % label, '%d / %d' % (_median(probes), _median(reqs)), '-')
            row('(cross-check) arrival of the "completed" indication at the bench listener', _median(arrival), '-', 's')
            work = tempfile.mkdtemp(dir=tmp)
            for label, mode, dummy in MODES[1:]:
                ends = []
                for dummy2 in range(max(1, trials - 1)):
                    count += 1
                    out = os.path.join(work, 'end-%d' % count)
                    args = {'source': 'src', 'name': 'clone%d' % count, 'type': 'physical', 'job_indications': mode}
                    with watch.cond:
                        known = set(watch.finished)
                    ansible(sim, work, TIMED_TASK, {'module_args': args, 'out': out})
                    with open(out, encoding='utf-8') as handle:
                        task_end = float(handle.read())
                    with watch.cond:
                        finish = [f for j, (f, dummy3) in watch.finished.items() if j not in known]
                    ends.append(task_end - finish[0])
                row('%s: ansible task end (next task starts)' % label, _median(ends), '-', 's')
        finally:
            watch.stop()


# ---------------------------------------------------------------- 4

def concurrent_calls(tmp, n_copies, trials):
    """Virtual copies of n_copies volumes in one task at 100 ms latency per request, by ``parallel``. One after another
    (parallel 1) takes minutes: measured on a tenth of them, its method calls (the task minus its converged re-run)
    extrapolated to n_copies."""
    generate = {'volumes': n_copies, 'prefix': 'lat', 'size': '1GiB'}
    seed = seed_file(tmp, 'latency', {'name': 'LATENCY', 'generate': generate})
    volumes = ['lat%05d' % i for i in range(1, n_copies + 1)]
    with SimulatorProcess(os.path.join(tmp, 'latency'), name='LATENCY', seed=seed, latency_ms=100) as sim:
        print('\n4. Method calls side by side: %d virtual copies in one task, 100 ms latency per request (min / median of %d)'
              % (n_copies, trials), flush=True)

        def task(wanted, parallel):
            start = time.perf_counter()
            result = runner.run_snapshot(Module(params(sim, copies=wanted, parallel=parallel)))
            return time.perf_counter() - start, sum(1 for a in result['actions'] if a['method'])

        tenth = copies_of(volumes[:n_copies // 10], 'serial')
        create_s, methods = task(tenth, 1)
        rerun_s, dummy = task(tenth, 1)
        assert methods == len(tenth)
        row('parallel 1: s (%d copies measured, calls extrapolated)' % len(tenth),
            round(create_s + (create_s - rerun_s) * (n_copies - len(tenth)) / len(tenth), 1), '-', 's')
        for parallel in (4, 8):
            times = []
            for trial in range(trials):
                elapsed, methods = task(copies_of(volumes, 'p%d_%d' % (parallel, trial)), parallel)
                assert methods == n_copies
                times.append(elapsed)
            row('parallel %d%s: s' % (parallel, ' (the default)' if parallel == 4 else ''),
                '%.1f / %.1f' % (min(times), _median(times)), '<= 30 s', 's')


# ---------------------------------------------------------------- 5

SCALE_OUT = '''
- hosts: arrays
  gather_facts: false
  tasks:
    - smis.threepar.threepar_snapshot:
        host: 127.0.0.1
        port: "{{ sim_port }}"
        ca_path: "{{ sim_ca }}"
        copies: "{{ copies }}"
        parallel: "{{ parallel }}"
'''


def scale_out(tmp, trials, n_arrays=10, n_copies=100, forks=2):
    """One play on n_arrays arrays (forks 2), n_copies new virtual copies on each, at 0 and 100 ms latency, for
    parallel 1 and 4; new names in each of ``trials`` plays."""
    print('\n5. Scale-out: %d arrays x %d new virtual copies in one play, forks %d' % (n_arrays, n_copies, forks), flush=True)
    volumes = ['out%05d' % i for i in range(1, n_copies + 1)]
    for latency in (0, 100):
        sims = []
        try:
            for index in range(n_arrays):
                seed = seed_file(tmp, 'out%d-%d' % (latency, index), {'name': 'OUT%d' % index,
                                                                      'generate': {'volumes': n_copies, 'prefix': 'out', 'size': '1GiB'}})
                sim = SimulatorProcess(os.path.join(tmp, 'out%d-%d' % (latency, index)), name='OUT%d' % index, seed=seed,
                                       latency_ms=latency)
                sim.start(timeout=120)
                sims.append(sim)
            hosts = dict(('array%d' % i, {'ansible_connection': 'local', 'ansible_python_interpreter': os.path.join(BIN, 'python'),
                                          'sim_port': sim.info['https_port'], 'sim_ca': sim.cert}) for i, sim in enumerate(sims))
            work = tempfile.mkdtemp(dir=tmp)
            inventory = os.path.join(work, 'inventory.yml')
            with open(inventory, 'w', encoding='utf-8') as handle:
                yaml.safe_dump({'arrays': {'hosts': hosts}}, handle)
            for parallel in (1, 4):
                elapsed = [_play(work, inventory, SCALE_OUT, forks, {'copies': copies_of(volumes, 'p%d_%d' % (parallel, trial)),
                                                                     'parallel': parallel}) for trial in range(trials)]
                timing_row('%d ms latency, parallel %d: s' % (latency, parallel), elapsed, '-')
        finally:
            for sim in sims:
                sim.stop()


# ---------------------------------------------------------------- 6

def sized_reads(tmp, n_volumes, trials):
    app = [{'source': 'app1', 'name': 'app1_s%02d' % i} for i in range(1, 11)]
    seed = seed_file(tmp, 'big', {'name': 'BIG', 'cpgs': [{'name': 'FC_r6', 'size': '900TiB'}],
                                  'volumes': [{'name': 'app1', 'cpg': 'FC_r6', 'size': '1GiB', 'snap_cpg': 'FC_r6'}],
                                  'copies': [{'source': c['source'], 'name': c['name']} for c in app],
                                  'generate': {'volumes': n_volumes, 'prefix': 'big', 'virtual_copies_per_volume': 1,
                                               'size': '1GiB', 'cpg': 'FC_r6'}})
    thousand = [{'source': 'big%05d' % i, 'name': 'big%05d_vc1' % i} for i in range(1, 1001)]
    print('\n6. Reads sized to the task: %d volumes + %d virtual copies (and one source with 10)' % (n_volumes + 11, n_volumes + 10),
          flush=True)
    with SimulatorProcess(os.path.join(tmp, 'big'), name='BIG', seed=seed) as sim:
        for label, wanted, goals in (('one source, 10 copies', app, ('<= 5', '<= 0.5 s')),
                                     ('1,000 copies', thousand, ('<= 3', '<= 3 s'))):
            for rule, per_object in (('the rule', engine_inventory.PER_OBJECT_COPIES), ('bulk forced', 10 ** 9)):
                engine_inventory.PER_OBJECT_COPIES = per_object
                walls, requests = [], None
                try:
                    for dummy in range(trials):
                        run = functools.partial(runner.run_snapshot, Module(params(sim, copies=wanted)))
                        start = time.perf_counter()
                        result, requests = counted(sim, run)
                        walls.append(time.perf_counter() - start)
                        assert result['changed'] is False
                finally:
                    engine_inventory.PER_OBJECT_COPIES = 125
                server_s = sum(r['ms'] for r in requests) / 1000.0
                row('%s, converged, %s: requests' % (label, rule), len(requests), goals[0])
                row('%s, converged, %s: s (min / median of %d; server %.2f s)' % (label, rule, trials, server_s),
                    '%.2f / %.2f' % (min(walls), _median(walls)), goals[1], 's')
        floor = parse_floor(sim, 'TPD_StorageVolume', engine_inventory.COPY_VOLUME_PROPERTIES)
        row('parse floor of the volume read (pywbem alone, %.1f MiB): s' % floor[0], round(floor[1], 2), '-', 's')


def group_snapshots(tmp, set_size):
    members = ['cg%05d' % i for i in range(1, set_size + 1)]
    seed = seed_file(tmp, 'cg', {'name': 'CG', 'generate': {'volumes': set_size, 'prefix': 'cg', 'size': '1GiB'}})
    print('\n7. Consistent snapshots of a volume set of %d volumes (in-process)' % set_size, flush=True)
    for latency in (0, 100):
        with SimulatorProcess(os.path.join(tmp, 'cg%d' % latency), name='CG', seed=seed, latency_ms=latency) as sim:
            runner.run_volume_set(Module(params(sim, name='cgset', state='present', members=members, purge_members=False)))
            steps = (('create', {}, '1 method'), ('converged re-run', {}, '<= 3 reads, 0 methods'),
                     ('refresh (max_age 0s)', {'max_age': '0s'}, '%d deletes + 1 method' % set_size),
                     ('create with expire 7d, retain 24h', {'name': '{volume}.t', 'expire': '7d', 'retain': '24h'}, '1 method'),
                     ('converged re-run with them', {'name': '{volume}.t', 'expire': '7d', 'retain': '24h'}, '<= 5 reads'))
            for label, extra, goal in steps:
                wanted = dict(dict(volume_set='cgset', name='{volume}.cg'), **extra)
                run = functools.partial(runner.run_snapshot, Module(params(sim, **wanted)))
                start = time.perf_counter()
                result, requests = counted(sim, run)
                wall = time.perf_counter() - start
                methods = [r['method'] for r in requests if r['operation'] == 'InvokeMethod']
                kinds = '%d methods (%s), %d reads, %d other' % (
                    len(methods), ', '.join(sorted(set(methods))) or '-', sum(1 for r in requests if r['operation'] in READS),
                    sum(1 for r in requests if r['operation'] not in READS and r['operation'] != 'InvokeMethod'))
                assert result['volume_set']['consistent'], result
                row('%d ms: %s: requests: %s' % (latency, label, kinds), len(requests), goal)
                row('%d ms: %s: s' % (latency, label), round(wall, 2), '-', 's')


READS = ('EnumerateInstances', 'EnumerateInstanceNames', 'GetInstance', 'References', 'Associators', 'ReferenceNames',
         'AssociatorNames')


def parse_floor(sim, classname, properties):
    """(MiB, seconds) pywbem needs to parse one captured EnumerateInstances response, the network and server aside."""
    from pywbem._tupleparse import TupleParser  # pylint: disable=import-outside-toplevel
    from pywbem._tupletree import xml_to_tupletree_sax  # pylint: disable=import-outside-toplevel
    conn = pywbem.WBEMConnection(sim.https_url, (USER, PASSWORD), default_namespace='root/tpd', ca_certs=sim.cert, timeout=300)
    conn.debug = True
    conn.EnumerateInstances(classname, PropertyList=properties)
    reply = conn.last_raw_reply
    reply = reply.encode('utf-8') if isinstance(reply, str) else reply
    start = time.perf_counter()
    TupleParser().parse_cim(xml_to_tupletree_sax(reply, 'CIM-XML response'))
    return len(reply) / 2.0 ** 20, time.perf_counter() - start


def _play(work, inventory, playbook, forks, variables):
    path = os.path.join(work, 'play.yml')
    with open(path, 'w', encoding='utf-8') as handle:
        handle.write(playbook)
    vars_file = os.path.join(work, 'vars.json')
    with open(vars_file, 'w', encoding='utf-8') as handle:
        json.dump(variables, handle)
    env = dict(os.environ, ANSIBLE_COLLECTIONS_PATH=COLLECTIONS, ANSIBLE_NOCOLOR='1', THREEPAR_USERNAME=USER, THREEPAR_PASSWORD=PASSWORD)
    start = time.perf_counter()
    proc = subprocess.run([os.path.join(BIN, 'ansible-playbook'), '-i', inventory, '-f', str(forks), '-e', '@' + vars_file, path],
                          env=env, capture_output=True, text=True, check=False)
    elapsed = time.perf_counter() - start
    if proc.returncode != 0:
        print(proc.stdout[-3000:], proc.stderr[-3000:])
        raise SystemExit('the scale-out play failed')
    return elapsed


def _median(values):
    values = sorted(values)
    return values[len(values) // 2]


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--copies', type=int, default=1000)
    parser.add_argument('--loop', type=int, default=10)
    parser.add_argument('--trials', type=int, default=3)
    parser.add_argument('--big-volumes', type=int, default=10000)
    parser.add_argument('--set-size', type=int, default=100)
    parser.add_argument('--only', choices=['requests', 'detection', 'parallel', 'scale-out', 'sized-reads', 'group-snapshots'])
    args = parser.parse_args()
    for var in ('REQUESTS_CA_BUNDLE', 'CURL_CA_BUNDLE'):
        os.environ.pop(var, None)
    with tempfile.TemporaryDirectory() as tmp:
        if args.only in (None, 'requests'):
            requests_and_wall_times(tmp, args.copies, args.loop, args.trials)
        if args.only in (None, 'detection'):
            detection(tmp, args.trials)
        if args.only in (None, 'parallel'):
            concurrent_calls(tmp, args.copies, args.trials)
        if args.only in (None, 'scale-out'):
            scale_out(tmp, args.trials)
        if args.only in (None, 'sized-reads'):
            sized_reads(tmp, args.big_volumes, args.trials)
        if args.only in (None, 'group-snapshots'):
            group_snapshots(tmp, args.set_size)
    print('\n%-70s %12s   %s' % ('figure', 'value', 'goal'))
    for figure, value, goal, unit in ROWS:
        print('%-70s %12s %-2s  %s' % (figure, _fmt(value), unit, goal))


if __name__ == '__main__':
    main()
