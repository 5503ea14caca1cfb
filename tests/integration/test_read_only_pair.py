"""The DR drill playbook (playbooks/dr_drill.yml, role smis.threepar.dr_drill) against a pair of simulated arrays
started with ``threepar-sim up --config`` (linked for remote copy, like InForm OS 3.1.x): a drill whose failover fails
still writes its report (JSON and a self-contained HTML page) and fails the play; and playbooks/refresh_snapshots.yml.
The arrays come from the THREEPAR_* / THREEPAR_DR_* environment variables (playbooks/vars/arrays.yml), as users run the
playbooks. A drill that passes, with the primary array down, is the role's molecule scenario
(roles/dr_drill/molecule/default); the module's DR path is the threepar_rcopy_group target."""

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

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.serialization import BestAvailableEncryption, Encoding, PrivateFormat, PublicFormat
from threepar_sim.control import SimulatorProcess

from conftest import BIN, COLLECTIONS, PASSWORD, PLAYBOOKS, ROOT, USER

if COLLECTIONS not in sys.path:
    sys.path.insert(0, COLLECTIONS)
from ansible_collections.smis.threepar.plugins.plugin_utils import drill_report  # noqa: E402 pylint: disable=wrong-import-position

GROUP = 'rcg_it'
LAYOUT = {
    'protect_volumes': [{'name': 'it_data', 'cpg': 'FC_r5', 'size': '256MiB', 'snap_cpg': 'FC_r5'},
                        {'name': 'it_logs', 'cpg': 'FC_r5', 'size': '128MiB', 'snap_cpg': 'FC_r5'}],
    'protect_snapshots': {'name_suffix': '.snap', 'max_age': '24h'},
    'protect_rcopy_groups': [{'name': GROUP, 'target': '3PAR-B', 'members': [
        {'volume': 'it_data', 'remote_volume': 'it_data_dr'}, {'volume': 'it_logs', 'remote_volume': 'it_logs_dr'}]}],
}


class Pair:
    """Two arrays started and stopped with ``threepar-sim up/down --config`` (what the demo and molecule use), like
    InForm OS 3.1.x arrays: SMI-S remote copy read-only, the 3PAR CLI over SSH (host keys in a known_hosts file)."""

    def __init__(self, base):
        self.base = base
        self.known_hosts = os.path.join(base, 'known_hosts')
        self.arrays = {}        # name: where it serves (threepar-sim up --json)
        config = {'arrays': [{'name': name, 'data': name.lower(), 'ssh': True, 'rcopy_read_only': True, 'peers': [other]}
                             for name, other in (('3PAR-A', '3PAR-B'), ('3PAR-B', '3PAR-A'))]}
        self.config = os.path.join(base, 'arrays.yml')
        with open(self.config, 'w', encoding='utf-8') as handle:
            yaml.safe_dump(config, handle)

    def command(self, verb):
        return [os.path.join(BIN, 'threepar-sim'), verb, '--config', self.config]

    def up(self):
        out = subprocess.run(self.command('up') + ['--json'], check=True, capture_output=True, text=True).stdout
        self.arrays = {array['name']: array for array in json.loads(out)}
        with open(self.known_hosts, 'w', encoding='utf-8') as known:      # as an operator records the checked keys
            for name, array in self.arrays.items():
                key = paramiko.Ed25519Key(filename=os.path.join(array['data'], 'ssh_host_key'))
                known.write('[127.0.0.1]:%d %s %s\n' % (array['ssh_port'], key.get_name(), key.get_base64()))

    def down(self):
        subprocess.run(self.command('down'), check=False, capture_output=True)

    def process(self, name):
        """The array as a SimulatorProcess, to read its logs and arm faults (it runs detached, started by `up`)."""
        sim = SimulatorProcess(self.arrays[name]['data'], name=name)
        sim.info = self.arrays[name]
        return sim

    def env(self):
        env = dict(os.environ)
        for key in ('REQUESTS_CA_BUNDLE', 'CURL_CA_BUNDLE'):
            env.pop(key, None)
        env.update(ANSIBLE_COLLECTIONS_PATH=COLLECTIONS, ANSIBLE_NOCOLOR='1', ANSIBLE_LOCALHOST_WARNING='0',
                   ANSIBLE_INVENTORY_UNPARSED_WARNING='0', ANSIBLE_DEPRECATION_WARNINGS='0')
        for prefix, name in (('THREEPAR_', '3PAR-A'), ('THREEPAR_DR_', '3PAR-B')):
            array = self.arrays[name]
            env.update({prefix + 'NAME': name, prefix + 'HOST': '127.0.0.1', prefix + 'PORT': str(array['https_port']),
                        prefix + 'USERNAME': USER, prefix + 'PASSWORD': PASSWORD, prefix + 'CA_PATH': array['cert'],
                        prefix + 'SSH_PORT': str(array['ssh_port']), prefix + 'SSH_KNOWN_HOSTS': self.known_hosts})
        return env

    def playbook(self, path, extra_vars, verbosity=0):
        vars_file = os.path.join(self.base, 'vars-%s.json' % os.path.basename(path))
        extra = dict(extra_vars, ansible_python_interpreter=os.path.join(BIN, 'python'))
        # In a file, not on the command line: -vvvv echoes the command line, and a test may pass a secret.
        with open(vars_file, 'w', encoding='utf-8') as handle:
            json.dump(extra, handle)
        return subprocess.run([os.path.join(BIN, 'ansible-playbook'), '-i', 'localhost,', '-c', 'local',
                               '-e', '@' + vars_file, path] + (['-' + 'v' * verbosity] if verbosity else []),
                              env=self.env(), capture_output=True, text=True, timeout=600, check=False)


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


def test_failing_step_still_writes_the_report(pair):
    # The DR array refuses the failover step's setrcopygroup command (the CLI's error, exit status 1).
    dr_array = pair.process('3PAR-B')
    dr_array.faults(cli_error={'command': 'setrcopygroup', 'message': 'Error: Remote Copy is not started'})
    try:
        run, report, page = drill(pair, 'drill-failed')
    finally:
        dr_array.faults(clear=True)
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
    assert 'resync_copy it_data.snap' in run.stdout and 'resync_copy it_logs.snap' in run.stdout


def install_key(array, user):
    """An Ed25519 key pair for ``user``: the public key in the array's authorized_keys, the private key in a file
    encrypted with a passphrase. Returns (private key path, passphrase)."""
    key = Ed25519PrivateKey.generate()
    passphrase = 'Key-Passphrase-%d' % os.getpid()
    keys_dir = os.path.join(array.data_dir, 'authorized_keys')
    os.makedirs(keys_dir, exist_ok=True)
    with open(os.path.join(keys_dir, user), 'w', encoding='utf-8') as handle:
        handle.write(key.public_key().public_bytes(Encoding.OpenSSH, PublicFormat.OpenSSH).decode('ascii') + '\n')
    path = os.path.join(os.path.dirname(array.data_dir), 'id_ed25519_%s' % array.name)
    with open(path, 'wb') as handle:
        handle.write(key.private_bytes(Encoding.PEM, PrivateFormat.OpenSSH, BestAvailableEncryption(passphrase.encode())))
    os.chmod(path, 0o600)
    return path, passphrase


def rcopy_group(pair, module_args, verbosity=0):
    """One threepar_rcopy_group task against 3PAR-A: (the ansible-playbook run, the module result)."""
    result_file = os.path.join(pair.base, 'rcopy-result.json')
    run = pair.playbook(os.path.join(PLAYBOOKS, 'rcopy_group.yml'), {'module_args': module_args, 'result_file': result_file},
                        verbosity=verbosity)
    with open(result_file, encoding='utf-8') as handle:
        return run, json.load(handle)


def test_ssh_secrets_never_leak_at_vvvv(pair):
    """threepar_rcopy_group over the 3PAR CLI (SMI-S read-only) at -vvvv: logged in by a password given as a task
    argument, then by a key with a passphrase; neither appears in the output, the result or the array's logs."""
    primary = pair.process('3PAR-A')
    key_path, passphrase = install_key(primary, USER)
    run, result = rcopy_group(pair, {'name': GROUP, 'replication': 'started'})     # whatever the tests before left
    assert result.get('failed') is not True, result
    seen = len(primary.commands())
    logins = {'stopped': {'ssh_password': PASSWORD},
              'started': {'ssh_private_key': key_path, 'ssh_private_key_passphrase': passphrase}}
    for replication, login in logins.items():
        run, result = rcopy_group(pair, dict(login, name=GROUP, replication=replication), verbosity=4)
        assert result.get('failed') is not True and result['changed'] is True, result
        assert [a['transport'] for a in result['actions']] == ['cli'], result['actions']
        shown = run.stdout + run.stderr + json.dumps(result)
        assert passphrase not in shown and "'%s'" % PASSWORD not in shown and '"%s"' % PASSWORD not in shown, replication
    assert [c['command'] for c in primary.commands()[seen:] if not c['command'].startswith('show')] == [
        'stoprcopygroup -f %s' % GROUP, 'startrcopygroup %s' % GROUP]
    logged = json.dumps(primary.commands()) + json.dumps(primary.requests())
    assert PASSWORD not in logged and passphrase not in logged
