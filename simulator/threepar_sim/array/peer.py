"""The replication link between two simulated arrays (a simulator-internal channel).

Each array knows its peers by name and URL (``threepar-sim serve --peer NAME=URL``) and
talks to them with JSON over the peer's ``POST /sim/peer`` control endpoint, as the
default edit user. The URL is normally the peer's HTTP port: the link is loopback and
internal, and the peer's certificate may not exist yet when this array starts. An https
URL works too, with certificate verification off for the link only.

The link thread sends a heartbeat to every peer every HEARTBEAT_SECONDS (short timeout),
which also carries the host writes to replicate, and delivers the end of group jobs. It
never holds ``array.lock`` while it waits for the network.
"""

import base64
import json
import ssl
import threading
import time
import urllib.error
import urllib.request

from ..control import DEFAULT_USER, ControlError

HEARTBEAT_SECONDS = 0.2
HEARTBEAT_TIMEOUT = 1.0
CALL_TIMEOUT = 3.0
TIMEOUTS_BEFORE_DOWN = 3
LOOP_SECONDS = 0.05


def parse_peers(specs):
    """{name: url} from ["NAME=URL", ...] (the --peer options)."""
    peers = {}
    for spec in specs or ():
        name, sep, url = spec.partition('=')
        if not sep or not name or not url.startswith(('http://', 'https://')):
            raise ValueError('--peer wants NAME=URL with an http:// or https:// URL, got %r' % spec)
        peers[name] = url.rstrip('/')
    return peers


def _unverified_context():
    context = ssl.create_default_context()
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE
    return context


class PeerLink:
    """Calls to the peers, and the link thread (heartbeat, end of group jobs) of one array."""

    def __init__(self, peers, user=DEFAULT_USER):
        self.peers = dict(peers)
        self.token = base64.b64encode(('%s:%s' % user).encode()).decode()
        self.array = None
        self._stop = threading.Event()
        self._thread = None
        self._next_hello = {}
        self._slow = {}        # peer -> heartbeats in a row that timed out
        self.answered = {}     # peer -> heartbeats it answered (for tests: a write made before is at the peer)

    def host(self, peer):
        """host:port of a peer (the host of remote references), None when unknown."""
        url = self.peers.get(peer)
        return url.split('://', 1)[1] if url else None

    def call(self, peer, body, timeout=CALL_TIMEOUT):
        """POST a message to a peer; its JSON answer. ControlError when it does not answer (the link is down)."""
        url = self.peers[peer] + '/sim/peer'
        request = urllib.request.Request(url, data=json.dumps(body).encode(), method='POST')
        request.add_header('Authorization', 'Basic ' + self.token)
        request.add_header('Content-Type', 'application/json')
        context = _unverified_context() if url.startswith('https') else None
        try:
            with urllib.request.urlopen(request, timeout=timeout, context=context) as answer:
                return json.loads(answer.read() or b'{}')
        except urllib.error.HTTPError as exc:
            raise ControlError('%s answered HTTP %d: %s' % (url, exc.code, exc.read().decode(errors='replace'))) from None
        except (urllib.error.URLError, OSError, ValueError) as exc:
            reason = getattr(exc, 'reason', exc)
            error = ControlError('cannot reach %s: %s' % (url, reason))
            error.timed_out = isinstance(reason, TimeoutError)
            raise error from None

    # --- the link thread --------------------------------------------------------------------

    def start(self, array):
        self.array = array
        if self._thread is None and self.peers:
            self._stop.clear()
            self._thread = threading.Thread(target=self._run, name='peer-link-%s' % array.name, daemon=True)
            self._thread.start()

    def stop(self):
        if self._thread is not None:
            self._stop.set()
            self._thread.join()
            self._thread = None

    def _run(self):
        while not self._stop.wait(LOOP_SECONDS):
            now = time.monotonic()
            for peer in self.peers:
                if self._stop.is_set():
                    return      # stopping: one call in flight at most (HEARTBEAT_TIMEOUT or CALL_TIMEOUT), not one per peer
                if now >= self._next_hello.get(peer, 0.0):
                    self._next_hello[peer] = now + HEARTBEAT_SECONDS
                    self._heartbeat(peer)
            self._deliver_due()

    def _heartbeat(self, peer):
        array = self.array
        with array.lock:
            down = array.faults.link_down
            payload = None if down else array.rcopy.hello_payload(peer)
        answer = None
        if payload is not None:
            try:
                answer = self.call(peer, payload, timeout=HEARTBEAT_TIMEOUT)
                self._slow[peer] = 0
                self.answered[peer] = self.answered.get(peer, 0) + 1
            except ControlError as exc:
                # A peer that is slow to answer (a loaded machine) is not a lost link until it happens
                # TIMEOUTS_BEFORE_DOWN times in a row; a refused connection (the peer is gone) is at once.
                self._slow[peer] = self._slow.get(peer, 0) + 1 if getattr(exc, 'timed_out', False) else 0
                if 0 < self._slow[peer] < TIMEOUTS_BEFORE_DOWN:
                    return
        with array.lock:
            array.rcopy.link_result(peer, answer if answer and answer.get('ok') else None)
            array.commit()

    def _deliver_due(self):
        array = self.array
        with array.lock:
            messages = array.rcopy.take_due()
        for job_id, peer, body in messages:
            answer, error = None, None
            if self._stop.is_set():
                error = 'the array stopped before it reached %s' % peer   # the job fails now rather than the stop waiting
            elif array.faults.link_down:
                error = 'the remote copy link to %s is down' % peer
            else:
                try:
                    answer = self.call(peer, dict(body, **{'from': array.name}))
                except ControlError as exc:
                    error = 'the remote copy link to %s failed: %s' % (peer, exc)
            with array.lock:
                array.rcopy.finish_due(job_id, answer, error)
                array.commit()
