"""The DR drill playbook (playbooks/dr_drill.yml, role smis.threepar.dr_drill) against a pair of simulated arrays
started with ``threepar-sim up --config`` (linked for remote copy): the JSON report checked step by step, the RTO,
the HTML page self-contained; then a drill whose failover fails: the report is still written, the play fails.
Also playbooks/refresh_snapshots.yml. The arrays come from the THREEPAR_* / THREEPAR_DR_* environment variables
(playbooks/vars/arrays.yml), as users run the playbooks."""

import json
import os
import re
import shutil
import subprocess
import sys
import tempfile

import paramiko
import pytest
import yaml

from conftest import BIN, COLLECTIONS, PASSWORD, ROOT, USER, free_port

if COLLECTIONS not in sys.path:
    sys.path.insert(0, COLLECTIONS)
from ansible_collections.smis.threepar.plugins.module_utils.threepar import drill_report  # noqa: E402 pylint: disable=wrong-import-position

GROUP = 'rcg_it'
LAYOUT = {
    'protect_volumes': [{'name': 'it_data', 'cpg': 'FC_r5', 'size': '256MiB', 'snap_cpg': 'FC_r5'},
                        {'name': 'it_logs', 'cpg': 'FC_r5', 'size': '128MiB', 'snap_cpg': 'FC_r5'}],
    'protect_snapshots': {'name_suffix': '.snap', 'max_age': '24h'},
    'protect_rcopy_groups': [{'name': GROUP, 'target': '3PAR-B', 'members': [
        {'volume': 'it_data', 'remote_volume': 'it_data_dr'}, {'volume': 'it_logs', 'remote_volume': 'it_logs_dr'}]}],
}
STEPS = ['pre-checks', 'failover', 'validate', 'recover', 'restore', 'post-checks']
# (role, status, Table 107 row) on 3PAR-A then 3PAR-B after each step.
NORMAL = [('Primary', 'Synced', '106-synced'), ('Secondary', 'Synced', '106-synced')]
FAILED_OVER = [('Secondary-Rev', 'Stopped', {'4'}), ('Primary-Rev', 'Stopped', {'3', '3b'})]
RECOVERED = [('Secondary-Rev', 'Synced', '9'), ('Primary-Rev', 'Synced', '7')]
EXPECTED_STATES = {'pre-checks': NORMAL, 'failover': FAILED_OVER, 'validate': FAILED_OVER, 'recover': RECOVERED,
                   'restore': NORMAL, 'post-checks': NORMAL}
CLI = {'failover': 'setrcopygroup failover %s' % GROUP, 'recover': 'setrcopygroup recover %s' % GROUP,
       'restore': 'setrcopygroup restore %s' % GROUP}
# The outage drill: the primary is taken down before the failover and brought back before the recover.
OUTAGE_STEPS = ['pre-checks', 'primary-down', 'failover', 'validate', 'primary-up', 'recover', 'restore', 'post-checks']


class Pair:
    """Two arrays started and stopped with ``threepar-sim up/down --config`` (what the demo and molecule use), like
    InForm OS 3.1.x arrays: SMI-S remote copy read-only, the 3PAR CLI over SSH (host keys in a known_hosts file)."""

    def __init__(self, base):
        self.base = base
        self.ports = {'3PAR-A': (free_port(), free_port(), free_port()), '3PAR-B': (free_port(), free_port(), free_port())}
        self.known_hosts = os.path.join(base, 'known_hosts')
        arrays = []
        for name, other in (('3PAR-A', '3PAR-B'), ('3PAR-B', '3PAR-A')):
            arrays.append({'name': name, 'http_port': self.ports[name][0], 'https_port': self.ports[name][1],
                           'ssh_port': self.ports[name][2], 'rcopy_read_only': True,
                           'data': name.lower(), 'peers': ['%s=http://127.0.0.1:%d' % (other, self.ports[other][0])]})
        self.config = os.path.join(base, 'arrays.yml')
        with open(self.config, 'w', encoding='utf-8') as handle:
            yaml.safe_dump({'arrays': arrays}, handle)

    def cert(self, name):
        return os.path.join(self.base, name.lower(), 'cert.pem')

    def command(self, verb, only=None):
        """The threepar-sim up/down command line (of one array with ``only``)."""
        return [os.path.join(BIN, 'threepar-sim'), verb, '--config', self.config] + (['--only', only] if only else [])

    def up(self):
        subprocess.run(self.command('up'), check=True, capture_output=True)
        with open(self.known_hosts, 'w', encoding='utf-8') as out:      # as an operator records the checked keys
            for name in self.ports:
                key = paramiko.Ed25519Key(filename=os.path.join(self.base, name.lower(), 'ssh_host_key'))
                out.write('[127.0.0.1]:%d %s %s\n' % (self.ports[name][2], key.get_name(), key.get_base64()))

    def down(self):
        subprocess.run(self.command('down'), check=False, capture_output=True)

    def fault(self, name, **spec):
        from threepar_sim.control import request_json  # pylint: disable=import-outside-toplevel
        return request_json('https://127.0.0.1:%d' % self.ports[name][1], '/sim/faults', spec, USER, PASSWORD,
                            ca_file=self.cert(name))

    def env(self):
        env = dict(os.environ)
        for key in ('REQUESTS_CA_BUNDLE', 'CURL_CA_BUNDLE'):
            env.pop(key, None)
        env.update(ANSIBLE_COLLECTIONS_PATH=COLLECTIONS, ANSIBLE_NOCOLOR='1', ANSIBLE_LOCALHOST_WARNING='0',
                   ANSIBLE_INVENTORY_UNPARSED_WARNING='0', ANSIBLE_DEPRECATION_WARNINGS='0')
        for prefix, name in (('THREEPAR_', '3PAR-A'), ('THREEPAR_DR_', '3PAR-B')):
            env.update({prefix + 'NAME': name, prefix + 'HOST': '127.0.0.1', prefix + 'PORT': str(self.ports[name][1]),
                        prefix + 'USERNAME': USER, prefix + 'PASSWORD': PASSWORD, prefix + 'CA_PATH': self.cert(name),
                        prefix + 'SSH_PORT': str(self.ports[name][2]), prefix + 'SSH_KNOWN_HOSTS': self.known_hosts})
        return env

    def playbook(self, path, extra_vars):
        vars_file = os.path.join(self.base, 'vars-%s.json' % os.path.basename(path))
        extra = dict(extra_vars, ansible_python_interpreter=os.path.join(BIN, 'python'))
        with open(vars_file, 'w', encoding='utf-8') as handle:
            json.dump(extra, handle)
        return subprocess.run([os.path.join(BIN, 'ansible-playbook'), '-i', 'localhost,', '-c', 'local',
                               '-e', '@' + vars_file, path], env=self.env(), capture_output=True, text=True,
                              timeout=600, check=False)


@pytest.fixture(scope='module')
def pair():
    base = tempfile.mkdtemp(prefix='threepar-drill-')
    arrays = Pair(base)
    arrays.up()
    try:
        run = arrays.playbook(os.path.join(ROOT, 'tests', 'integration', 'playbooks', 'protect.yml'), LAYOUT)
        assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-2000:]
        yield arrays
    finally:
        arrays.down()
        shutil.rmtree(base, ignore_errors=True)


def drill(pair, name, **extra):
    report_dir = os.path.join(pair.base, 'reports')
    extra_vars = {'dr_drill_groups': [GROUP], 'dr_drill_name': 'integration drill', 'dr_drill_simulated_writes': True,
                  'dr_drill_step_timeout': 120, 'dr_drill_rto_objective_s': 120, 'dr_drill_report_dir': report_dir,
                  'dr_drill_report_name': name}
    extra_vars.update(extra)
    run = pair.playbook(os.path.join(ROOT, 'playbooks', 'dr_drill.yml'), extra_vars)
    json_path, html_path = os.path.join(report_dir, name + '.json'), os.path.join(report_dir, name + '.html')
    assert os.path.exists(json_path) and os.path.exists(html_path), run.stdout[-3000:] + run.stderr[-2000:]
    with open(json_path, encoding='utf-8') as handle:
        report = json.load(handle)
    with open(html_path, encoding='utf-8') as handle:
        page = handle.read()
    return run, report, page


def check_self_contained(page):
    assert page.lstrip().lower().startswith('<!doctype html>') and page.rstrip().endswith('</html>')
    assert '<script' not in page.lower() and '<link' not in page.lower() and '@import' not in page
    assert not re.search(r'''(src|href)\s*=\s*["']?(https?:|//|file:)''', page, re.I)
    assert not re.search(r'url\(\s*["\']?(https?:|//)', page, re.I)
    assert '<svg' in page and '<style' in page


def test_drill_passes_step_by_step(pair):
    run, report, page = drill(pair, 'drill-ok')
    assert run.returncode == 0, run.stdout[-4000:]
    assert drill_report.validate(report) == []
    assert report['drill']['result'] == 'passed' and report['drill']['name'] == 'integration drill'
    assert [s['name'] for s in report['steps']] == STEPS
    assert [s['status'] for s in report['steps']] == ['ok'] * 6
    assert [a['name'] for a in report['arrays']] == ['3PAR-A', '3PAR-B']
    assert report['groups'] == [{'name': GROUP, 'primary': '3PAR-A', 'secondary': '3PAR-B', 'mode': 'sync',
                                 'members': LAYOUT['protect_rcopy_groups'][0]['members'],
                                 'dr_volumes': ['it_data_dr', 'it_logs_dr']}]
    previous_end = report['drill']['started']
    for step in report['steps']:
        assert previous_end <= step['started'] <= step['ended'], step
        assert step['duration_s'] >= 0
        previous_end = step['ended']
        states = step['states'][GROUP]
        assert [s['array'] for s in states] == ['3PAR-A', '3PAR-B']
        for state, (role, status, row) in zip(states, EXPECTED_STATES[step['name']]):
            assert (state['role'], state['status']) == (role, status), (step['name'], state)
            assert state['expected_row'] in (row if isinstance(row, set) else {row}), (step['name'], state)
            assert state['expected_row_ok'] is True, (step['name'], state)
        ops = [(a['array'], a['cli']) for a in step['actions']]
        if step['name'] in CLI:
            assert ('3PAR-B', CLI[step['name']]) in ops, (step['name'], ops)
            # read-only SMI-S (OS 3.1.x): each DR action ran as its CLI command over SSH
            assert all(a['method'] == 'ModifyReplicaSynchronization' and a['transport'] == 'cli' for a in step['actions'])
        else:
            assert ops == []
    steps = dict((s['name'], s) for s in report['steps'])
    assert 'writable' in steps['validate']['message'] and 'it_data_dr' in steps['validate']['message']
    rto = report['drill']['rto_s']
    assert isinstance(rto, (int, float)) and rto > 0
    assert steps['failover']['duration_s'] <= rto <= steps['failover']['duration_s'] + steps['validate']['duration_s'] + 1
    assert rto < report['drill']['duration_s']
    check_self_contained(page)
    assert GROUP in page and 'Primary-Rev' in page and 'setrcopygroup failover' in page


def test_drill_with_the_primary_killed(pair):
    """Issue 10: the primary array's process is stopped before the failover (threepar-sim down --only), the DR array
    fails over alone, then the primary is started again and the drill recovers and restores, each state checked
    against Table 107 through CIM; the DR actions run over SSH."""
    run, report, page = drill(pair, 'drill-outage', dr_drill_primary_down_command=pair.command('down', '3PAR-A'),
                              dr_drill_primary_up_command=pair.command('up', '3PAR-A'))
    assert run.returncode == 0, run.stdout[-4000:]
    assert drill_report.validate(report) == [] and report['drill']['result'] == 'passed'
    steps = dict((s['name'], s) for s in report['steps'])
    assert [s['name'] for s in report['steps']] == OUTAGE_STEPS and all(s['status'] == 'ok' for s in report['steps'])
    for name in ('primary-down', 'failover', 'validate'):
        primary, dr = steps[name]['states'][GROUP]
        assert primary['down'] is True and primary['expected_row_ok'] is True, (name, primary)
    assert steps['primary-down']['states'][GROUP][1]['expected_row'] == '1'         # the primary went down
    assert steps['failover']['states'][GROUP][1]['expected_row'] == '3'             # failed over, primary unreachable
    primary, dr = steps['primary-up']['states'][GROUP]
    assert (primary['role'], primary['expected_row'], dr['expected_row']) == ('Secondary-Rev', '4', '3b')
    assert [a['cli'] for a in steps['failover']['actions']] == [CLI['failover']]
    assert all(a['transport'] == 'cli' for s in report['steps'] for a in s['actions'])
    assert report['drill']['rto_s'] > 0
    assert 'down for the drill' in page


def test_failing_step_still_writes_the_report(pair):
    # The DR array refuses the failover step's setrcopygroup command (the CLI's error, exit status 1).
    pair.fault('3PAR-B', cli_error={'command': 'setrcopygroup', 'message': 'Error: Remote Copy is not started'})
    try:
        run, report, page = drill(pair, 'drill-failed')
    finally:
        pair.fault('3PAR-B', clear=True)
    assert run.returncode != 0 and 'The DR drill failed at step failover' in run.stdout
    assert 'Remote Copy is not started' in run.stdout
    assert drill_report.validate(report) == []
    assert report['drill']['result'] == 'failed' and report['drill']['rto_s'] is None
    assert [(s['name'], s['status']) for s in report['steps']] == [
        ('pre-checks', 'ok'), ('failover', 'failed'), ('validate', 'skipped'), ('recover', 'skipped'),
        ('restore', 'skipped'), ('post-checks', 'skipped')]
    failed = report['steps'][1]
    assert failed['started'] <= failed['ended'] and 'FAILED' in failed['message']
    check_self_contained(page)
    assert 'failed' in page


def test_refresh_snapshots(pair):
    extra = dict(LAYOUT, protect_snapshots=dict(LAYOUT['protect_snapshots'], max_age='1s'))
    run = pair.playbook(os.path.join(ROOT, 'playbooks', 'refresh_snapshots.yml'), extra)
    assert run.returncode == 0, run.stdout[-3000:]
    assert 'resync copy it_data.snap' in run.stdout and 'resync copy it_logs.snap' in run.stdout
