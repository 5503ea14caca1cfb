"""Fault injection state shared by the front end and the array model.

Faults are armed at run time (``POST /sim/faults`` or ``threepar-sim fault``)
and each one-shot fault is consumed by the first request or job it applies to.
"""

import threading


class Faults:
    """Thread-safe set of armed faults."""

    def __init__(self, latency_ms=0):
        self._lock = threading.Lock()
        self.latency_ms = latency_ms
        self._fail_jobs = 0
        self._cim_errors = {}      # method name (lower case) -> (status, description)
        self._drops = set()        # method names (lower case) whose response is dropped
        self._cli_errors = {}      # CLI command name -> the error text it answers once (exit status 1, nothing done)
        self._link_down = False    # the remote copy link acts as if the peer were unreachable

    def arm(self, spec):
        """Arm faults from a dict (the JSON body of POST /sim/faults).

        Keys: ``latency_ms`` (int), ``fail_next_job`` (int, how many jobs),
        ``cim_error`` ({method, status, description}), ``drop_after`` ({method}),
        ``cli_error`` ({command, message}: the next such CLI command over SSH is refused, nothing done),
        ``link_down`` (bool: the remote copy link is down until set false again),
        ``clear`` (true: disarm everything first). Raises ValueError on bad input.
        """
        if not isinstance(spec, dict):
            raise ValueError('fault spec must be a JSON object')
        known = {'latency_ms', 'fail_next_job', 'cim_error', 'cli_error', 'drop_after', 'link_down', 'clear'}
        unknown = set(spec) - known
        if unknown:
            raise ValueError('unknown fault(s): %s' % ', '.join(sorted(unknown)))
        with self._lock:
            if spec.get('clear'):
                self._fail_jobs = 0
                self._cim_errors.clear()
                self._drops.clear()
                self._cli_errors.clear()
                self._link_down = False
                self.latency_ms = 0
            if 'link_down' in spec:
                if not isinstance(spec['link_down'], bool):
                    raise ValueError('link_down must be true or false')
                self._link_down = spec['link_down']
            if 'latency_ms' in spec:
                self.latency_ms = max(0, int(spec['latency_ms']))
            if 'fail_next_job' in spec:
                self._fail_jobs += max(0, int(spec['fail_next_job']))
            if 'cim_error' in spec:
                err = spec['cim_error']
                if not isinstance(err, dict) or 'method' not in err:
                    raise ValueError('cim_error needs {"method": NAME, "status": CODE}')
                self._cim_errors[err['method'].lower()] = (
                    int(err.get('status', 1)), err.get('description', 'injected fault'))
            if 'cli_error' in spec:
                err = spec['cli_error']
                if not isinstance(err, dict) or 'command' not in err:
                    raise ValueError('cli_error needs {"command": NAME, "message": TEXT}')
                self._cli_errors[err['command']] = err.get('message') or 'Error: injected fault'
            if 'drop_after' in spec:
                drop = spec['drop_after']
                if not isinstance(drop, dict) or 'method' not in drop:
                    raise ValueError('drop_after needs {"method": NAME}')
                self._drops.add(drop['method'].lower())

    @property
    def link_down(self):
        return self._link_down

    def take_job_failure(self):
        """True once per armed ``fail_next_job``: the next job fails."""
        with self._lock:
            if self._fail_jobs:
                self._fail_jobs -= 1
                return True
            return False

    def take_cim_error(self, method):
        """(status, description) once if a CIM error is armed for ``method``."""
        with self._lock:
            return self._cim_errors.pop(method.lower(), None)

    def take_cli_error(self, command):
        """The error text once if a CLI error is armed for ``command``."""
        with self._lock:
            return self._cli_errors.pop(command, None)

    def take_drop(self, method):
        """True once if the response to ``method`` is to be dropped."""
        with self._lock:
            if method.lower() in self._drops:
                self._drops.discard(method.lower())
                return True
            return False

    def snapshot(self):
        """What is armed now, for GET /sim/faults."""
        with self._lock:
            return {
                'latency_ms': self.latency_ms,
                'fail_next_job': self._fail_jobs,
                'cim_error': {m: {'status': s, 'description': d} for m, (s, d) in self._cim_errors.items()},
                'cli_error': dict(self._cli_errors),
                'drop_after': sorted(self._drops),
                'link_down': self._link_down,
            }
