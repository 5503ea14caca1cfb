"""The simulator's WBEM front end: CIM-XML over HTTP and HTTPS (DSP0200).

``CimServer`` runs two listeners (HTTP and HTTPS) in background threads. Each
``POST /cimom`` is authenticated (HTTP Basic, users and roles from the array),
parsed (``cimxml``), answered by the array's pywbem_mock connection under the
array lock, and recorded in the request log. ``/sim/...`` are the simulator's
control endpoints (faults, status, and verbs passed to ``array.control``).
"""

import base64
import binascii
import hmac
import json
import logging
import os
import socket
import ssl
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import unquote

from pywbem import CIMClassName, CIMError
from pywbem import CIM_ERR_ACCESS_DENIED, CIM_ERR_FAILED, CIM_ERR_INVALID_PARAMETER, CIM_ERR_METHOD_NOT_FOUND, CIM_ERR_NOT_SUPPORTED

from . import cimxml, xmlshapes
from .array.interop import check_conformance_traversal
from .reqlog import RequestLog
from .tls import ensure_certificate

LOG = logging.getLogger(__name__)
REALM = 'threepar-sim'
IDLE_TIMEOUT = 120      # seconds a keep-alive connection may stay idle
HANDSHAKE_TIMEOUT = 10  # seconds for a TLS handshake
POLL_INTERVAL = 0.1     # seconds shutdown() may wait for each listener to notice


class CimServer:
    """One simulated array's WBEM server: an HTTP and an HTTPS listener on ``host``.

    ``array`` offers ``conn`` (pywbem_mock FakedWBEMConnection), ``lock``,
    ``users`` (name -> {"password", "role"}), ``name`` and ``control(verb, body)``;
    ``faults`` is a ``threepar_sim.faults.Faults``. ``data_dir`` receives
    ``cert.pem`` / ``key.pem`` (made on first start) and ``requests.log``.
    Port 0 picks a free port; read the actual ones from ``http_port`` /
    ``https_port`` after ``start()``. Responses are written from templates of
    each object's shape, made by pywbem (``xmlshapes``).
    """

    def __init__(self, array, faults, data_dir, host='127.0.0.1', http_port=5988, https_port=5989,
                 max_request_bytes=4 * 1024 * 1024):
        self.array = array
        self._classes = {}    # (namespace, class name) -> the class, for method declarations
        self.faults = faults
        self.data_dir = data_dir
        self.host = host
        self.max_request_bytes = max_request_bytes
        self.request_log = RequestLog(os.path.join(data_dir, 'requests.log'))
        self._ports = {'http': http_port, 'https': https_port}
        self._listeners = []   # (server, thread) per scheme
        self.ssh = None        # the 3PAR CLI over SSH (sshd.SshServer), when serve --ssh-port is given

    @property
    def http_port(self):
        """The HTTP listener's port (the actual one once started)."""
        return self._ports['http']

    @property
    def https_port(self):
        """The HTTPS listener's port (the actual one once started)."""
        return self._ports['https']

    @property
    def cert_path(self):
        """The self-signed certificate clients can pass as their CA."""
        return os.path.join(self.data_dir, 'cert.pem')

    def start(self):
        """Bind both listeners and serve them in daemon threads; returns at once."""
        cert, key = ensure_certificate(self.data_dir, self.array.name)
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.minimum_version = ssl.TLSVersion.TLSv1_2
        context.load_cert_chain(cert, key)
        for scheme, tls in (('http', None), ('https', context)):
            server = _Listener((self.host, self._ports[scheme]), self, tls)
            self._ports[scheme] = server.server_address[1]
            thread = threading.Thread(target=server.serve_forever, args=(POLL_INTERVAL,), name='cim-%s' % scheme, daemon=True)
            thread.start()
            self._listeners.append((server, thread))
        LOG.info('%s serving CIM-XML on http://%s:%d and https://%s:%d', self.array.name,
                 self.host, self.http_port, self.host, self.https_port)

    def wait(self):
        """Block until ``shutdown()`` (from another thread or a signal handler)."""
        for dummy, thread in self._listeners:
            while thread.is_alive():
                thread.join(0.5)  # a timed join lets KeyboardInterrupt through

    def serve_forever(self):
        """``start()`` then ``wait()``: serve in the foreground."""
        self.start()
        self.wait()

    def shutdown(self):
        """Stop listening and close every open client connection."""
        for server, dummy in self._listeners:
            server.shutdown()
            server.server_close()
            server.close_connections()

    def status(self):
        """The ``GET /sim/status`` answer (also a readiness probe)."""
        answer = {'name': self.array.name, 'pid': os.getpid(), 'ports': dict(self._ports)}
        peer_status = getattr(self.array, 'peer_status', None)     # remote copy: is the link to each peer up
        if peer_status is not None:
            answer['peers'] = peer_status()
            answer['heartbeats'] = dict(self.array.link.answered)     # per peer: how many it answered
        if self.ssh is not None:
            answer['ssh'] = self.ssh.status()
        return answer

    def dispatch(self, request, role, host):
        """Answer a parsed CIM request: ``(CIM status, response body)``; body None = drop the connection."""
        try:
            if request.operation in cimxml.WRITES and role != 'edit':
                raise CIMError(CIM_ERR_ACCESS_DENIED, 'user role %r may not call %s' % (role, request.operation))
            if request.kind == 'imethod':
                return 0, self._intrinsic(request, host)
            return self._extrinsic(request, host)
        except CIMError as exc:
            return exc.status_code, cimxml.error_response(request, exc.status_code, exc.status_description)
        except Exception as exc:  # pylint: disable=broad-exception-caught
            # A bug must not hang the client: answer CIM_ERR_FAILED and keep the trace in our log.
            LOG.exception('%s failed', request.operation)
            return CIM_ERR_FAILED, cimxml.error_response(request, CIM_ERR_FAILED, 'internal error: %s' % type(exc).__name__)

    def _intrinsic(self, request, host):
        if request.name not in cimxml.INTRINSIC:
            raise CIMError(CIM_ERR_NOT_SUPPORTED, 'operation %s is not supported' % request.name)
        cimxml.check_intrinsic_params(request)
        check_conformance_traversal(request.name, request.namespace, request.params)  # component profiles: scoping class methodology
        try:
            with self.array.lock:
                result = self.array.conn._mock_imethodcall(request.name, request.namespace, **request.params)
        except KeyError as exc:  # pywbem_mock looks required parameters up with params[name]
            raise CIMError(CIM_ERR_INVALID_PARAMETER, 'missing parameter %s' % exc) from None
        return cimxml.intrinsic_response(request, result, host, stream=True)

    def _extrinsic(self, request, host):
        injected = self.faults.take_cim_error(request.name)
        if injected:
            raise CIMError(*injected)
        with self.array.lock:
            method = self._method_declaration(request)
            params = cimxml.method_params(request.raw_params, method, request.namespace)
            result = self.array.conn._mock_methodcall(request.name, request.target, Params=params)
        if self.faults.take_drop(request.name):
            return 0, None
        return 0, cimxml.method_response(request, method, result, host)

    def _method_declaration(self, request):
        """The method's declaration from the class (GetClass once per class: the schema does not change)."""
        key = (request.namespace.strip('/').lower(), request.target.classname.lower())
        klass = self._classes.get(key)
        if klass is None:
            result = self.array.conn._mock_imethodcall('GetClass', request.namespace, ClassName=CIMClassName(request.target.classname),
                                                       LocalOnly=False, IncludeQualifiers=True)
            klass = self._classes[key] = result[0][2][0]
        method = klass.methods.get(request.name)
        if method is None:
            raise CIMError(CIM_ERR_METHOD_NOT_FOUND, 'class %s has no method %s' % (request.target.classname, request.name))
        return method


class _Listener(ThreadingHTTPServer):
    """One listener; with ``tls`` set, connections are wrapped (and handshaken) in their own thread."""

    daemon_threads = True
    # The listen backlog (socketserver's default is 5): dozens of clients connecting at once (an AWX job with many
    # forks, a monitoring poller beside it) must not see their connections dropped or their SYNs retransmitted.
    request_queue_size = 128

    def __init__(self, address, app, tls):
        self.app = app
        self.tls = tls
        self._connections = set()
        self._connections_lock = threading.Lock()
        super().__init__(address, _Handler)

    def finish_request(self, request, client_address):
        if self.tls is not None:
            request.settimeout(HANDSHAKE_TIMEOUT)
            try:
                request = self.tls.wrap_socket(request, server_side=True)
            except (ssl.SSLError, OSError):
                return  # a failed handshake is the client's problem, not ours
        with self._connections_lock:
            self._connections.add(request)
        try:
            super().finish_request(request, client_address)
        finally:
            with self._connections_lock:
                self._connections.discard(request)
            request.close()

    def close_connections(self):
        """Cut every open connection (keep-alive clients would otherwise be served on)."""
        with self._connections_lock:
            for connection in self._connections:
                try:
                    connection.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass

    def handle_error(self, request, client_address):
        LOG.debug('connection from %s ended with an error', client_address, exc_info=True)


class _HttpError(Exception):
    def __init__(self, status, cim_error=None, message=''):
        super().__init__(message)
        self.status = status
        self.cim_error = cim_error


class _Handler(BaseHTTPRequestHandler):
    """HTTP/1.1 keep-alive handler for ``/cimom`` and ``/sim/...``."""

    protocol_version = 'HTTP/1.1'
    server_version = 'threepar-sim'
    timeout = IDLE_TIMEOUT
    # Headers and body leave in one write (flushed after each request): separate small
    # writes meet the client's delayed ACK and cost 40 ms a request.
    wbufsize = 64 * 1024

    def setup(self):
        super().setup()
        self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

    @property
    def app(self):
        return self.server.app

    def log_message(self, format, *args):  # pylint: disable=redefined-builtin
        LOG.debug('%s %s', self.address_string(), format % args)

    def do_POST(self):  # pylint: disable=invalid-name
        if self.path == '/cimom':
            try:
                self._cim()
            except Exception:  # pylint: disable=broad-exception-caught
                # dispatch() answers errors in CIM terms; this is for bugs before or after it.
                LOG.exception('CIM request failed')
                self._reply_empty(500, {'CIMError': 'request-not-valid'})
        elif self.path.startswith('/sim/'):
            self._control()
        else:
            self._reply_empty(404)

    def do_GET(self):  # pylint: disable=invalid-name
        if self.path.startswith('/sim/'):
            self._control()
        else:
            self._reply_empty(404)

    # CIM operations

    def _cim(self):
        started = time.monotonic()
        operation, method = _operation_from_headers(self.headers.get('CIMMethod'))
        user, role = self._authenticate()
        if role is None:
            self._log(user, operation, method, None, CIM_ERR_ACCESS_DENIED, 401, started)
            self._reply_unauthorized()
            return
        try:
            request = self._read_cim_request()
        except _HttpError as exc:
            self._log(user, operation, method, None, CIM_ERR_FAILED, exc.status, started)
            self._reply_empty(exc.status, {'CIMError': exc.cim_error} if exc.cim_error else None)
            return
        if self.app.faults.latency_ms:
            time.sleep(self.app.faults.latency_ms / 1000.0)
        status, body = self.app.dispatch(request, role, self.headers.get('Host') or self.app.host)
        method = request.name if request.kind == 'method' else None
        if body is None:  # injected drop: the method ran, the client never hears of it
            self._log(user, request.operation, method, request.classname, status, None, started)
            self.close_connection = True
            return
        self._reply(200, body, 'application/xml; charset="utf-8"', {'CIMOperation': 'MethodResponse'})
        self._log(user, request.operation, method, request.classname, status, 200, started)

    def _read_cim_request(self):
        if (self.headers.get('CIMOperation') or '').strip().lower() != 'methodcall':
            raise _HttpError(400, 'unsupported-operation', 'CIMOperation must be MethodCall')
        try:
            request = cimxml.parse_request(self._read_body())
        except cimxml.RequestError as exc:
            raise _HttpError(400, exc.cim_error_header, str(exc)) from None
        header_method = unquote(self.headers.get('CIMMethod') or '').strip()
        if header_method.lower() != request.name.lower():
            raise _HttpError(400, 'header-mismatch', 'CIMMethod header does not match the request')
        header_object = unquote(self.headers.get('CIMObject') or '').strip()
        if header_object.split(':', 1)[0].strip('/').lower() != request.namespace.strip('/').lower():
            raise _HttpError(400, 'header-mismatch', 'CIMObject header does not match the request')
        return request

    def _read_body(self):
        length = self.headers.get('Content-Length')
        if length is None or not length.strip().isdigit():
            raise _HttpError(411, message='Content-Length required')
        length = int(length)
        if length > self.app.max_request_bytes:
            raise _HttpError(413, message='request too large')
        return self.rfile.read(length)

    def _log(self, user, operation, method, classname, status, http_status, started):
        self.app.request_log.write(user, operation, method, classname, status, http_status,
                                   (time.monotonic() - started) * 1000.0, self.client_address[1])

    # Control endpoints

    def _control(self):
        user, role = self._authenticate()
        if role is None:
            self._reply_unauthorized()
            return
        if role != 'edit':
            self._reply_json(403, {'error': 'user %s may not control the simulator' % user})
            return
        verb = self.path[len('/sim/'):].strip('/')
        try:
            body = self._read_json() if self.command == 'POST' else None
            self._reply_json(200, self._control_answer(verb, body))
        except _HttpError as exc:
            self._reply_json(exc.status, {'error': str(exc)})
        except ValueError as exc:
            self._reply_json(400, {'error': str(exc)})
        except KeyError as exc:
            self._reply_json(404, {'error': 'unknown control call %s' % exc})

    def _control_answer(self, verb, body):
        faults, app = self.app.faults, self.app
        if verb == 'faults':
            if body is not None:
                faults.arm(body)
            return faults.snapshot()
        if verb == 'status':
            return app.status()
        if self.command != 'POST':
            raise _HttpError(405, message='%s needs POST' % verb)
        return app.array.control(verb, body)

    def _read_json(self):
        raw = self._read_body()
        if not raw.strip():
            return {}
        try:
            return json.loads(raw)
        except ValueError as exc:
            raise ValueError('body is not JSON: %s' % exc) from None

    # Authentication and replies

    def _authenticate(self):
        """(user, role) for valid Basic credentials; (user as given or None, None) otherwise."""
        scheme, dummy, encoded = (self.headers.get('Authorization') or '').partition(' ')
        if scheme.lower() != 'basic':
            return None, None
        try:
            user, dummy, password = base64.b64decode(encoded.strip(), validate=True).decode('utf-8').partition(':')
        except (binascii.Error, UnicodeDecodeError):
            return None, None
        account = self.app.array.users.get(user)
        if account is None or not hmac.compare_digest(account['password'].encode(), password.encode()):
            return user, None
        return user, account['role']

    def _reply_unauthorized(self):
        self._reply_empty(401, {'WWW-Authenticate': 'Basic realm="%s"' % REALM})

    def _reply_json(self, status, data):
        self._reply(status, json.dumps(data).encode(), 'application/json')

    def _reply_empty(self, status, headers=None):
        # The request body may be unread: this connection cannot carry another request.
        self.close_connection = True
        self._reply(status, b'', None, dict(headers or {}, Connection='close'))

    def _reply(self, status, body, content_type, headers=None):
        self.send_response(status)
        if content_type:
            self.send_header('Content-Type', content_type)
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.send_header('Content-Length', str(len(body)))
        self.end_headers()
        if isinstance(body, xmlshapes.Body):  # written piece by piece (cimxml.intrinsic_response)
            for chunk in body.chunks():
                self.wfile.write(chunk)
        else:
            self.wfile.write(body)


def _operation_from_headers(cim_method):
    """(operation, method) for the log before the body is parsed: the header names one or the other."""
    name = unquote(cim_method or '').strip() or None
    if name is None or name in cimxml.INTRINSIC:
        return name, None
    return 'InvokeMethod', name
