"""The HP 3PAR CLI over SSH (paramiko): one command per ``exec`` channel (simulator/MODEL.md, "The 3PAR CLI over SSH").

``SshServer(array, data_dir, port)`` listens on 127.0.0.1. The host key (Ed25519) is made on
first start and kept in ``<data>/ssh_host_key``. Users and roles are the array's (the same as
CIM); a user logs in by password or by a public key listed in ``<data>/authorized_keys/<user>``.
Each command is logged as one JSON line in ``<data>/commands.log``.
"""

import base64
import hashlib
import hmac
import json
import logging
import os
import socket
import threading
import time
from datetime import datetime, timezone

import paramiko
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ed25519

from .tpdcli import Cli, mask_secrets

LOG = logging.getLogger(__name__)
HOST_KEY_FILE = 'ssh_host_key'
AUTHORIZED_KEYS_DIR = 'authorized_keys'
COMMAND_LOG = 'commands.log'
CONFIRM_TIMEOUT = 5.0
# A command runs once paramiko has answered its exec request (_Transport); this bounds the wait should it never see
# the answer go (a paramiko that no longer sends it through _send_user_message).
EXEC_REPLY_TIMEOUT = 5.0


def ensure_host_key(data_dir):
    """The Ed25519 host key of ``data_dir`` (OpenSSH private key file, 0600), generated on first use."""
    path = os.path.join(data_dir, HOST_KEY_FILE)
    if not os.path.exists(path):
        os.makedirs(data_dir, exist_ok=True)
        key = ed25519.Ed25519PrivateKey.generate()
        data = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.OpenSSH, serialization.NoEncryption())
        tmp = path + '.tmp'
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, 'wb') as handle:
            handle.write(data)
        os.replace(tmp, path)
    return paramiko.Ed25519Key(filename=path)


def fingerprint(key):
    """OpenSSH's SHA256 fingerprint of a public key: ``SHA256:<base64, no padding>``."""
    return 'SHA256:' + base64.b64encode(hashlib.sha256(key.asbytes()).digest()).decode().rstrip('=')


class CommandLog:
    """``<data>/commands.log``: time, user, command (secrets masked), status, ms."""

    def __init__(self, path):
        self.path = path
        self._lock = threading.Lock()

    def write(self, user, command, status, ms):
        record = {'time': datetime.now(timezone.utc).isoformat(timespec='milliseconds'), 'user': user,
                  'command': mask_secrets(command), 'status': status, 'ms': round(ms, 1)}
        with self._lock, open(self.path, 'a', encoding='utf-8') as log:
            log.write(json.dumps(record) + '\n')


class _Transport(paramiko.Transport):
    """A server transport that tells when it has answered a channel's exec request.

    paramiko answers an exec request after ServerInterface.check_channel_exec_request returns, from its own thread. A
    command run from that callback can end, and close its channel, before the answer leaves: the client then sees the
    channel closed instead of the command's output ("Channel closed", seen under load). So the command waits for the
    event ``expect_answer`` gives, set when the transport next sends that channel a CHANNEL_SUCCESS."""

    def __init__(self, sock):
        super().__init__(sock)
        self._expected = {}
        self._expected_lock = threading.Lock()

    def expect_answer(self, channel):
        """An event set once ``channel``'s pending request (its exec) has been answered."""
        event = threading.Event()
        with self._expected_lock:
            self._expected[channel.remote_chanid] = event
        return event

    def _send_user_message(self, data):
        super()._send_user_message(data)
        raw = data.asbytes()
        if raw[:1] == bytes([paramiko.common.MSG_CHANNEL_SUCCESS]) and len(raw) >= 5:
            with self._expected_lock:
                event = self._expected.pop(int.from_bytes(raw[1:5], 'big'), None)
            if event is not None:
                event.set()


class _Interface(paramiko.ServerInterface):
    """Authentication and channel requests of one SSH connection."""

    def __init__(self, server):
        self.server = server
        self.user = None

    def get_allowed_auths(self, username):
        return 'password,publickey'

    def check_auth_password(self, username, password):
        account = self.server.array.users.get(username)
        if account is not None and hmac.compare_digest(account['password'].encode(), password.encode()):
            self.user = username
            return paramiko.AUTH_SUCCESSFUL
        return paramiko.AUTH_FAILED

    def check_auth_publickey(self, username, key):
        if username in self.server.array.users and (key.get_name(), key.get_base64()) in self.server.authorized_keys(username):
            self.user = username
            return paramiko.AUTH_SUCCESSFUL
        return paramiko.AUTH_FAILED

    def check_channel_request(self, kind, chanid):
        return paramiko.OPEN_SUCCEEDED if kind == 'session' else paramiko.OPEN_FAILED_ADMINISTRATIVELY_PROHIBITED

    def check_channel_exec_request(self, channel, command):
        answered = channel.get_transport().expect_answer(channel)
        thread = threading.Thread(target=self.server.execute, name='ssh-exec', daemon=True,
                                  args=(channel, self.user, command.decode('utf-8', 'replace'), answered))
        thread.start()
        return True

    def check_channel_pty_request(self, *args):  # pylint: disable=arguments-differ
        return True

    def check_channel_shell_request(self, channel):
        return False


class SshServer:
    """The 3PAR CLI of one array over SSH on 127.0.0.1:``port`` (0: any free port; read ``port`` after start)."""

    def __init__(self, array, data_dir, port=0, host='127.0.0.1'):
        self.array = array
        self.data_dir = data_dir
        self.host = host
        self.port = port
        self.cli = Cli(array)
        self.log = CommandLog(os.path.join(data_dir, COMMAND_LOG))
        self.host_key = None
        self._sock = None
        self._thread = None
        self._transports = set()
        self._lock = threading.Lock()
        self._stopping = False

    @property
    def fingerprint(self):
        return fingerprint(self.host_key)

    def status(self):
        return {'port': self.port, 'host_key_fingerprint': self.fingerprint, 'host_key_type': self.host_key.get_name()}

    def authorized_keys(self, user):
        """{(key type, base64)} of ``<data>/authorized_keys/<user>`` (OpenSSH public key lines)."""
        if '/' in user or user.startswith('.'):
            return set()
        try:
            with open(os.path.join(self.data_dir, AUTHORIZED_KEYS_DIR, user), encoding='utf-8') as handle:
                lines = handle.read().splitlines()
        except OSError:
            return set()
        keys = set()
        for line in lines:
            fields = line.split()
            if len(fields) >= 2 and not line.lstrip().startswith('#'):
                keys.add((fields[0], fields[1]))
        return keys

    def start(self):
        self.host_key = ensure_host_key(self.data_dir)
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((self.host, self.port))
        sock.listen(16)
        sock.settimeout(0.2)
        self._sock = sock
        self.port = sock.getsockname()[1]
        self._thread = threading.Thread(target=self._accept, name='ssh-accept', daemon=True)
        self._thread.start()
        LOG.info('%s serving the 3PAR CLI over SSH on %s:%d (%s)', self.array.name, self.host, self.port, self.fingerprint)

    def _accept(self):
        while not self._stopping:
            try:
                conn, dummy = self._sock.accept()
            except socket.timeout:
                continue
            except OSError:
                return
            threading.Thread(target=self._serve, args=(conn,), name='ssh-conn', daemon=True).start()

    def _serve(self, conn):
        # small packets (output, exit status, EOF, close) leave at once, not after the peer's delayed ACK
        conn.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        transport = _Transport(conn)
        transport.add_server_key(self.host_key)
        with self._lock:
            self._transports.add(transport)
        try:
            transport.start_server(server=_Interface(self))
            # paramiko holds channels by weak reference: one nobody holds is closed when collected, and a client whose
            # exec request comes late (a loaded machine) sees "Channel closed". So the open ones are kept here.
            channels = []
            while transport.is_active() and not self._stopping:
                channel = transport.accept(0.5)   # exec requests are answered in check_channel_exec_request
                channels = [c for c in channels if not c.closed] + ([channel] if channel is not None else [])
        except (paramiko.SSHException, EOFError, OSError):
            LOG.debug('SSH connection ended with an error', exc_info=True)
        finally:
            with self._lock:
                self._transports.discard(transport)
            transport.close()

    def execute(self, channel, user, command, answered):
        """Run one command on an exec channel, once its request is ``answered``: output, exit status, close."""
        started = time.monotonic()
        status = 1
        if not answered.wait(EXEC_REPLY_TIMEOUT):
            LOG.warning('the exec request of %r was not seen answered: running it anyway', mask_secrets(command))
        try:
            role = self.array.users.get(user, {}).get('role')
            output, status = self.cli.run(user, role, command, confirm=lambda prompt: self._confirm(channel, prompt))
            if output:
                channel.sendall(output.encode())
        except Exception:  # pylint: disable=broad-exception-caught
            LOG.exception('CLI command %r failed', mask_secrets(command))
            try:
                channel.sendall(b'Error: internal error\n')
            except (OSError, EOFError, paramiko.SSHException):
                pass
        finally:
            self.log.write(user, command, status, (time.monotonic() - started) * 1000.0)
            try:
                channel.send_exit_status(status)
                channel.shutdown_write()
                channel.close()
            except (OSError, EOFError, paramiko.SSHException):
                pass

    @staticmethod
    def _confirm(channel, prompt):
        """Ask on the channel; a line starting with y within CONFIRM_TIMEOUT is yes. EOF or nothing: no."""
        channel.sendall(prompt.encode())
        channel.settimeout(CONFIRM_TIMEOUT)
        answer = b''
        try:
            while b'\n' not in answer:
                data = channel.recv(64)
                if not data:
                    break
                answer += data
        except (socket.timeout, OSError, EOFError):
            pass
        channel.sendall(b'\n')
        return answer.strip().lower() in (b'y', b'yes')

    def shutdown(self):
        self._stopping = True
        if self._sock is not None:
            self._sock.close()
        with self._lock:
            transports = list(self._transports)
        for transport in transports:
            transport.close()
