"""What is naturally Python in the integration tests (the module targets are ansible-test targets in targets/):
a real ``threepar-sim serve`` subprocess (threepar_sim.control.SimulatorProcess, the launcher of every test tree) and
a helper that runs ansible-playbook against it and returns the module result with the CIM requests the run made."""

import json
import os
import shutil
import subprocess
import tempfile

import pytest
from threepar_sim.control import SimulatorProcess

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
BIN = os.path.join(ROOT, '.venv', 'bin')
PLAYBOOKS = os.path.join(os.path.dirname(os.path.abspath(__file__)), 'playbooks')
COLLECTIONS = os.path.join(ROOT, '.cache', 'collections')
USER, PASSWORD = '3paradm', '3pardata'
LINK = os.path.join(COLLECTIONS, 'ansible_collections', 'smis', 'threepar')
if not os.path.exists(LINK):    # `make collection-link` does the same
    os.makedirs(os.path.dirname(LINK), exist_ok=True)
    os.symlink(ROOT, LINK)
BROWSE_USER = '3parbrowse'


class Run:
    """The outcome of one ansible-playbook run: ``result`` (the registered module result), ``requests`` (CIM
    requests logged during the run), ``methods`` (names of the methods invoked), ``stdout``/``stderr``."""

    def __init__(self, result, requests, proc):
        self.result = result
        self.requests = requests
        self.methods = [r.get('method') for r in requests if r.get('operation') == 'InvokeMethod']
        self.stdout, self.stderr, self.rc = proc.stdout, proc.stderr, proc.returncode

    def __repr__(self):
        return 'Run(result=%r, methods=%r)' % (self.result, self.methods)


class Playbooks:
    """``run('volume', {...}, check=False, diff=False, env={}, verbosity=0)`` runs playbooks/volume.yml."""

    def __init__(self, sim, workdir):
        self.sim = sim
        self.workdir = workdir
        self.count = 0

    def env(self, **overrides):
        env = dict(os.environ)
        # requests lets these override pywbem's TLS settings; the tests pass the simulator's certificate as the CA.
        env.pop('REQUESTS_CA_BUNDLE', None)
        env.pop('CURL_CA_BUNDLE', None)
        env.update(ANSIBLE_COLLECTIONS_PATH=COLLECTIONS, ANSIBLE_NOCOLOR='1', ANSIBLE_DEPRECATION_WARNINGS='0',
                   ANSIBLE_LOCALHOST_WARNING='0', ANSIBLE_INVENTORY_UNPARSED_WARNING='0',
                   THREEPAR_HOST='127.0.0.1', THREEPAR_PORT=str(self.sim.https_port), THREEPAR_USERNAME=USER,
                   THREEPAR_PASSWORD=PASSWORD, THREEPAR_CA_PATH=self.sim.cert)
        for key, value in overrides.items():
            if value is None:
                env.pop(key, None)
            else:
                env[key] = value
        return env

    def run(self, playbook, module_args=None, check=False, diff=False, env=None, verbosity=0, extra_vars=None):
        self.count += 1
        result_file = os.path.join(self.workdir, 'result-%d.json' % self.count)
        variables = {'module_args': module_args or {}, 'result_file': result_file,
                     'ansible_python_interpreter': os.path.join(BIN, 'python')}
        variables.update(extra_vars or {})
        # In a file, not on the command line: -vvvv echoes the command line, and a test may pass a password.
        vars_file = os.path.join(self.workdir, 'vars-%d.json' % self.count)
        with open(vars_file, 'w', encoding='utf-8') as handle:
            json.dump(variables, handle)
        cmd = [os.path.join(BIN, 'ansible-playbook'), '-i', 'localhost,', '-c', 'local', '-e', '@' + vars_file,
               os.path.join(PLAYBOOKS, playbook + '.yml')]
        if check:
            cmd.append('--check')
        if diff:
            cmd.append('--diff')
        if verbosity:
            cmd.append('-' + 'v' * verbosity)
        before = len(self.sim.requests())
        proc = subprocess.run(cmd, env=self.env(**(env or {})), capture_output=True, text=True, timeout=600, check=False)
        requests = self.sim.requests()[before:]
        if not os.path.exists(result_file):
            raise AssertionError('ansible-playbook wrote no result (rc %s)\n%s\n%s' % (proc.returncode, proc.stdout, proc.stderr))
        with open(result_file, encoding='utf-8') as handle:
            result = json.load(handle)
        return Run(result, requests, proc)


@pytest.fixture(scope='module')
def sim():
    data_dir = tempfile.mkdtemp(prefix='threepar-it-')
    with SimulatorProcess(data_dir) as simulator:
        yield simulator
    shutil.rmtree(data_dir, ignore_errors=True)


@pytest.fixture(scope='module')
def play(sim, tmp_path_factory):
    return Playbooks(sim, str(tmp_path_factory.mktemp('results')))


@pytest.fixture(autouse=True)
def clear_faults(request):
    """Each test starts with no fault armed."""
    yield
    if 'sim' in request.fixturenames:
        request.getfixturevalue('sim').faults(clear=True)
