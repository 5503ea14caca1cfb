"""Start, find and stop simulator processes, and talk to their /sim/ control endpoints.

Used by ``threepar-sim up/down/fault`` and by tests, benchmarks and the demo,
which all run arrays as real subprocesses (one process, ports and data
directory per array).
"""

import base64
import json
import os
import signal
import socket
import ssl
import subprocess
import sys
import time
import urllib.error
import urllib.request

SERVE_INFO = 'serve.json'     # written by `serve` once both listeners are up
PORTS_FILE = 'ports.json'     # the ports `up` chose for an array, kept so that a restart (`up --only`) reuses them
DEFAULT_USER = ('3paradm', '3pardata')


class ControlError(Exception):
    """A simulator process could not be started, reached or stopped."""


def write_serve_info(data_dir, name, http_port, https_port, ssh_port=None):
    """Record where a serving array listens (atomically: readers never see half a file)."""
    info = {'name': name, 'pid': os.getpid(), 'http_port': http_port, 'https_port': https_port}
    if ssh_port:
        info['ssh_port'] = ssh_port
    tmp = os.path.join(data_dir, SERVE_INFO + '.tmp')
    with open(tmp, 'w', encoding='utf-8') as handle:
        json.dump(info, handle)
    os.replace(tmp, os.path.join(data_dir, SERVE_INFO))


def read_serve_info(data_dir):
    try:
        with open(os.path.join(data_dir, SERVE_INFO), encoding='utf-8') as handle:
            return json.load(handle)
    except (OSError, ValueError):
        return None


def _ssl_context(ca_file):
    context = ssl.create_default_context(cafile=ca_file) if ca_file else ssl.create_default_context()
    return context


def request_json(url, path, body=None, user=DEFAULT_USER[0], password=DEFAULT_USER[1], ca_file=None, timeout=10):
    """GET (body None) or POST JSON to a /sim/ endpoint; returns the decoded answer."""
    data = None if body is None else json.dumps(body).encode()
    req = urllib.request.Request(url.rstrip('/') + path, data=data, method='GET' if data is None else 'POST')
    token = base64.b64encode(('%s:%s' % (user, password)).encode()).decode()
    req.add_header('Authorization', 'Basic ' + token)
    if data is not None:
        req.add_header('Content-Type', 'application/json')
    context = _ssl_context(ca_file) if url.startswith('https') else None
    try:
        with urllib.request.urlopen(req, timeout=timeout, context=context) as answer:
            return json.loads(answer.read() or b'{}')
    except urllib.error.HTTPError as exc:
        raise ControlError('%s%s answered HTTP %d: %s' % (url, path, exc.code, exc.read().decode(errors='replace')))
    except (urllib.error.URLError, OSError) as exc:
        raise ControlError('cannot reach %s%s: %s' % (url, path, getattr(exc, 'reason', exc)))


def post_json(url, path, body, user=DEFAULT_USER[0], password=DEFAULT_USER[1], ca_file=None):
    return request_json(url, path, body, user, password, ca_file)


class SimulatorProcess:
    """One ``threepar-sim serve`` subprocess on free loopback ports (or the given ones).

    ``with SimulatorProcess(data_dir) as sim:`` starts it and waits until it
    serves; ``sim.https_url``, ``sim.cert``, ``sim.log_path`` then tell how to
    reach and observe it. ``kill()`` is a site disaster (SIGKILL), ``stop()`` a
    clean shutdown, ``start()`` again reopens the same data directory.
    """

    def __init__(self, data_dir, name='3PAR-A', seed=None, latency_ms=0, copy_rate=1024.0,
                 http_port=0, https_port=0, extra_args=(), ssh_port=None):
        self.data_dir = os.path.abspath(data_dir)
        self.name = name
        self.seed = seed
        self.latency_ms = latency_ms
        self.copy_rate = copy_rate
        self.ports = (http_port, https_port)
        self.extra_args = list(extra_args)
        self.ssh_port = ssh_port     # serve --ssh-port: None or 0 no SSH (the actual port once started)
        self.proc = None
        self.info = None

    def command(self):
        cmd = [sys.executable, '-m', 'threepar_sim.cli', 'serve', '--name', self.name,
               '--data', self.data_dir, '--http-port', str(self.ports[0]), '--https-port', str(self.ports[1]),
               '--latency-ms', str(self.latency_ms), '--copy-rate', str(self.copy_rate)]
        if self.seed:
            cmd += ['--seed', self.seed]
        if self.ssh_port is not None:
            cmd += ['--ssh-port', str(self.ssh_port)]
        return cmd + self.extra_args

    def start(self, timeout=60.0):
        os.makedirs(self.data_dir, exist_ok=True)
        info_path = os.path.join(self.data_dir, SERVE_INFO)
        if os.path.exists(info_path):
            os.unlink(info_path)
        log = open(os.path.join(self.data_dir, 'serve.log'), 'ab')  # pylint: disable=consider-using-with
        self.proc = subprocess.Popen(self.command(), stdout=log, stderr=subprocess.STDOUT,  # pylint: disable=consider-using-with
                                     stdin=subprocess.DEVNULL, start_new_session=True)
        log.close()
        self.info = wait_until_serving(self.data_dir, timeout, proc=self.proc)
        return self

    @property
    def pid(self):
        return self.proc.pid

    @property
    def http_url(self):
        return 'http://127.0.0.1:%d' % self.info['http_port']

    @property
    def https_url(self):
        return 'https://127.0.0.1:%d' % self.info['https_port']

    @property
    def ssh_port(self):
        return (self.info or {}).get('ssh_port', self._ssh_port)

    @ssh_port.setter
    def ssh_port(self, value):
        self._ssh_port = value

    @property
    def cert(self):
        return os.path.join(self.data_dir, 'cert.pem')

    @property
    def log_path(self):
        return os.path.join(self.data_dir, 'requests.log')

    @property
    def http_port(self):
        return self.info['http_port']

    @property
    def https_port(self):
        return self.info['https_port']

    def requests(self):
        """The CIM requests logged so far (requests.log, one JSON object per request), oldest first."""
        return _json_lines(self.log_path)

    def commands(self):
        """The 3PAR CLI commands run over SSH so far (commands.log), oldest first."""
        return _json_lines(os.path.join(self.data_dir, 'commands.log'))

    def control(self, path, body=None, user=DEFAULT_USER[0], password=DEFAULT_USER[1]):
        return request_json(self.https_url, path, body, user, password, ca_file=self.cert)

    def faults(self, **spec):
        return self.control('/sim/faults', spec)

    def kill(self):
        """SIGKILL: the process gets no chance to clean up."""
        if self.proc and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait(10)

    def stop(self, timeout=15.0):
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout)
            except subprocess.TimeoutExpired:
                self.kill()

    def __enter__(self):
        return self.start() if self.proc is None else self

    def __exit__(self, *exc):
        self.stop()


def _json_lines(path):
    try:
        with open(path, encoding='utf-8') as handle:
            return [json.loads(line) for line in handle if line.strip()]
    except FileNotFoundError:       # written at the first request
        return []


def wait_until_serving(data_dir, timeout, proc=None):
    """Wait for serve.json and a good /sim/status answer; returns serve.json's content."""
    deadline = time.monotonic() + timeout
    last_error = 'no serve.json yet'
    while time.monotonic() < deadline:
        if proc is not None and proc.poll() is not None:
            raise ControlError('simulator exited with %s before serving; see %s' % (
                proc.returncode, os.path.join(data_dir, 'serve.log')))
        info = read_serve_info(data_dir)
        if info:
            try:
                request_json('http://127.0.0.1:%d' % info['http_port'], '/sim/status', timeout=2)
                return info
            except ControlError as exc:
                last_error = str(exc)
        time.sleep(0.05)
    raise ControlError('simulator in %s did not serve within %.0f s (%s)' % (data_dir, timeout, last_error))


def _entry_paths(entry, base_dir):
    """The data directory and seed file of a config entry: absolute, relative ones from the config's directory."""
    seed = entry.get('seed')
    return (os.path.normpath(os.path.join(base_dir, entry.get('data') or entry['name'])),
            os.path.normpath(os.path.join(base_dir, seed)) if seed else None)


def _entries(config, only=None):
    """The arrays of a config, or those named in ``only``; an unknown name is an error."""
    entries = config.get('arrays', [])
    if only:
        unknown = sorted(set(only) - set(e['name'] for e in entries))
        if unknown:
            raise ControlError('no array named %s in the config' % ', '.join(unknown))
        entries = [e for e in entries if e['name'] in only]
    return entries


def start_set(config, base_dir, timeout=30.0, only=None):
    """Start every array of a config ({arrays: [...]}), or those named in ``only``, detached; returns where each serves
    (serve.json plus data, cert, requests_log, commands_log and, with SSH, ssh_host_key_fingerprint)."""
    ports = _ports(config, base_dir)
    started = []
    for entry in _entries(config, only):
        data, seed = _entry_paths(entry, base_dir)
        info = read_serve_info(data)
        if info and _alive(info['pid']):
            raise ControlError('%s already runs (pid %d); run `threepar-sim down` first' % (entry['name'], info['pid']))
        http_port, https_port, ssh_port = ports[entry['name']]
        sim = SimulatorProcess(data, name=entry['name'], seed=seed, latency_ms=entry.get('latency_ms', 0),
                               copy_rate=entry.get('copy_rate', 1024.0), http_port=http_port, https_port=https_port,
                               extra_args=_rcopy_args(entry, ports), ssh_port=ssh_port)
        sim.start(timeout)
        where = dict(sim.info, data=data, cert=sim.cert, requests_log=sim.log_path,
                     commands_log=os.path.join(data, 'commands.log'))
        if ssh_port:
            where['ssh_host_key_fingerprint'] = sim.control('/sim/status')['ssh']['host_key_fingerprint']
        started.append(where)
    return started


def free_port():
    """A TCP port free on 127.0.0.1 now (the kernel's pick; another process could take it before us, rarely)."""
    with socket.socket() as sock:
        sock.bind(('127.0.0.1', 0))
        return sock.getsockname()[1]


def _ports(config, base_dir):
    """(http, https, ssh or None) of every array of a config. A port left out (or 0) is a free one, chosen once and
    kept in the array's data directory (ports.json), so that peers named without a URL can be linked before either
    array starts and a restarted array comes back on the same ports. ``ssh: true`` asks for SSH on a free port."""
    ports = {}
    for entry in config.get('arrays', []):
        data, dummy = _entry_paths(entry, base_dir)
        path = os.path.join(data, PORTS_FILE)
        try:
            with open(path, encoding='utf-8') as handle:
                kept = json.load(handle)
        except (OSError, ValueError):
            kept = {}
        chosen = {}
        for key, wanted in (('http_port', True), ('https_port', True), ('ssh_port', bool(entry.get('ssh')))):
            chosen[key] = entry.get(key) or (kept.get(key) or free_port() if wanted else None)
        if chosen != kept:
            os.makedirs(data, exist_ok=True)
            with open(path, 'w', encoding='utf-8') as handle:
                json.dump(chosen, handle)
        ports[entry['name']] = (chosen['http_port'], chosen['https_port'], chosen['ssh_port'])
    return ports


def _rcopy_args(entry, ports):
    """serve options of the remote copy keys of a config entry: peers, rcopy_writable, rcopy_read_only, rcopy_period.

    A peer is NAME=URL, or the NAME of another array of the config (its HTTP port). Remote copy is read-only unless
    ``rcopy_writable: true``; ``rcopy_read_only: true`` is the default said aloud."""
    args = []
    for peer in entry.get('peers', []):
        if '=' not in peer:
            if peer not in ports:
                raise ControlError('array %s: peer %s is not an array of the config; write NAME=URL' % (entry.get('name'), peer))
            peer = '%s=http://127.0.0.1:%d' % (peer, ports[peer][0])
        args.append('--peer=%s' % peer)
    if entry.get('rcopy_writable') and entry.get('rcopy_read_only'):
        raise ControlError('array %s: rcopy_writable and rcopy_read_only exclude each other' % entry.get('name'))
    if entry.get('rcopy_writable'):
        args.append('--rcopy-writable')
    elif entry.get('rcopy_read_only'):
        args.append('--rcopy-read-only')
    if entry.get('rcopy_period') is not None:
        args.append('--rcopy-period=%s' % entry['rcopy_period'])
    if entry.get('vv_retention_time_max') is not None:     # snapshot retention (simulator/MODEL.md)
        args.append('--vv-retention-time-max=%d' % int(entry['vv_retention_time_max']))
    if entry.get('virtual_lock') is not None:
        args.append('--virtual-lock' if entry['virtual_lock'] else '--no-virtual-lock')
    return args


def stop_set(config, base_dir, timeout=15.0, only=None):
    """Stop every array of a config (or those named in ``only``), as a power-off would: SIGTERM; yields (name, outcome)."""
    for entry in _entries(config, only):
        data, dummy = _entry_paths(entry, base_dir)
        info = read_serve_info(data)
        if not info or not _alive(info['pid']):
            yield entry['name'], 'not running'
            continue
        os.kill(info['pid'], signal.SIGTERM)
        deadline = time.monotonic() + timeout
        while _alive(info['pid']) and time.monotonic() < deadline:
            time.sleep(0.05)
        if _alive(info['pid']):
            os.kill(info['pid'], signal.SIGKILL)
            yield entry['name'], 'killed (did not stop within %.0f s)' % timeout
        else:
            yield entry['name'], 'stopped'
        os.unlink(os.path.join(data, SERVE_INFO))


def _alive(pid):
    try:
        # A child of this process that exited stays a zombie (and answers kill 0) until reaped.
        if os.waitpid(pid, os.WNOHANG)[0] == pid:
            return False
    except ChildProcessError:
        pass    # not our child: `up` and `down` ran as separate commands
    try:
        os.kill(pid, 0)
    except OSError:
        return False
    return True
