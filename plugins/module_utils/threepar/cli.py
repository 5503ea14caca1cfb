# -*- coding: utf-8 -*-
# Copyright: smis.threepar contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The 3PAR CLI over SSH (paramiko), for what the SMI-S provider only reports (remote copy on OS 3.1.x): one
connection per module run, host-key verification on by default (a known_hosts file or the key's SHA256
fingerprint), every failure a typed error from errors.py that names the command (never a secret)."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import base64
import hashlib
import importlib.util
import socket

from ansible.module_utils.basic import env_fallback

from ansible_collections.smis.threepar.plugins.module_utils.threepar.errors import (
    AuthenticationFailed, CommandFailed, ConnectionFailed, HostKeyUnverified, RequestTimedOut, scrub)

# paramiko is imported when a task first runs a CLI command: importing it costs every module run 0.2 s, and most
# never use the CLI.
HAS_PARAMIKO = importlib.util.find_spec('paramiko') is not None
PARAMIKO_IMPORT_ERROR = None if HAS_PARAMIKO else 'ModuleNotFoundError: No module named paramiko'


def _paramiko():
    return importlib.import_module('paramiko')


def ssh_argument_spec():
    """The options of the SSH transport (doc_fragments/connection.py), with their THREEPAR_SSH_* fallbacks."""
    return dict(
        ssh_port=dict(type='int', default=22, fallback=(env_fallback, ['THREEPAR_SSH_PORT'])),
        ssh_username=dict(type='str', fallback=(env_fallback, ['THREEPAR_SSH_USERNAME'])),
        ssh_password=dict(type='str', no_log=True, fallback=(env_fallback, ['THREEPAR_SSH_PASSWORD'])),
        ssh_private_key=dict(type='path', fallback=(env_fallback, ['THREEPAR_SSH_PRIVATE_KEY'])),
        ssh_private_key_passphrase=dict(type='str', no_log=True, fallback=(env_fallback, ['THREEPAR_SSH_PRIVATE_KEY_PASSPHRASE'])),
        ssh_known_hosts=dict(type='path', fallback=(env_fallback, ['THREEPAR_SSH_KNOWN_HOSTS'])),
        # A public key's fingerprint, not a secret.
        ssh_host_key_fingerprint=dict(type='str', no_log=False, fallback=(env_fallback, ['THREEPAR_SSH_HOST_KEY_FINGERPRINT'])),
    )


def fingerprint(key):
    """A host key's fingerprint as OpenSSH prints it: SHA256:<base64, unpadded>."""
    digest = hashlib.sha256(key.asbytes()).digest()
    return 'SHA256:' + base64.b64encode(digest).decode('ascii').rstrip('=')


class _Verify(object):
    """Missing-host-key policy: accept only the key whose fingerprint the task names; refuse any other with its
    fingerprint, so that the operator can check it on the array and set it."""

    def __init__(self, expected, where):
        self.expected = expected
        self.where = where

    def missing_host_key(self, client, hostname, key):  # pylint: disable=unused-argument
        found = fingerprint(key)
        if self.expected and found == self.expected.strip():
            return
        if self.expected:
            raise HostKeyUnverified('connect to', self.where, 'its SSH host key is %s, not the ssh_host_key_fingerprint %s'
                                    % (found, self.expected), 'Check the key on the array (showsshkey, or the console) before '
                                    'you trust it; nothing was run.', fingerprint=found)
        raise HostKeyUnverified('connect to', self.where, 'its SSH host key %s %s is not known' % (key.get_name(), found),
                                'Check the key on the array, then set ssh_host_key_fingerprint: %s (or add it to '
                                'ssh_known_hosts); nothing was run.' % found, fingerprint=found)


class CliClient(object):
    """``run(command, verb, what)`` runs one CLI command on the array and returns its output; a non-zero exit
    status is a CommandFailed with the CLI's message."""

    def __init__(self, params):
        self.host = params['host']
        self.port = params.get('ssh_port') or 22
        self.user = params.get('ssh_username') or params['username']
        self.key_path = params.get('ssh_private_key')
        self._passphrase = params.get('ssh_private_key_passphrase')
        # The CIM password is the default, as the array's users are the same for both (design section 6).
        self._secret = params.get('ssh_password') or (None if self.key_path else params.get('password'))
        self.known_hosts = params.get('ssh_known_hosts')
        self.expected = params.get('ssh_host_key_fingerprint')
        self.timeout = params.get('timeout') or 30
        self.where = 'the 3PAR CLI at %s port %s' % (self.host, self.port)
        self._ssh = None

    def _connect(self):
        paramiko = _paramiko()
        ssh = paramiko.SSHClient()
        try:
            if self.known_hosts:
                ssh.load_host_keys(self.known_hosts)
        except (IOError, OSError) as exc:
            raise ConnectionFailed('read', 'ssh_known_hosts %s' % self.known_hosts, str(exc), 'Set ssh_known_hosts to a readable file.')
        ssh.set_missing_host_key_policy(_Verify(self.expected, self.where))
        try:
            ssh.connect(self.host, port=self.port, username=self.user, password=self._secret, key_filename=self.key_path,
                        passphrase=self._passphrase, timeout=self.timeout, banner_timeout=self.timeout,
                        auth_timeout=self.timeout, look_for_keys=False, allow_agent=False)
        except HostKeyUnverified:
            raise
        except paramiko.BadHostKeyException as exc:
            raise HostKeyUnverified('connect to', self.where, 'its SSH host key changed: it is %s, ssh_known_hosts has %s'
                                    % (fingerprint(exc.key), fingerprint(exc.expected_key)),
                                    'Someone may be impersonating the array, or its key was regenerated: check it on the array '
                                    'before you replace the entry; nothing was run.', fingerprint=fingerprint(exc.key))
        except paramiko.AuthenticationException:
            raise AuthenticationFailed('log in to', self.where, 'the array refused user %s and its password or key' % self.user,
                                       'Check ssh_username and ssh_password or ssh_private_key (default: the CIM credentials).')
        except (socket.timeout, TimeoutError):
            raise RequestTimedOut('connect to', self.where, 'no answer within %s s' % self.timeout, 'Check ssh_port and the network.')
        except (paramiko.SSHException, socket.error, OSError) as exc:
            raise ConnectionFailed('connect to', self.where, scrub(exc, self._secret),
                                   'Check host and ssh_port, and that SSH is enabled on the array.')
        return ssh

    def run(self, command, verb, what):
        if self._ssh is None:
            self._ssh = self._connect()
        try:
            dummy, stdout, stderr = self._ssh.exec_command(command, timeout=self.timeout)
            output = stdout.read().decode('utf-8', 'replace')
            errors = stderr.read().decode('utf-8', 'replace')
            status = stdout.channel.recv_exit_status()
        except (socket.timeout, TimeoutError):
            raise RequestTimedOut(verb, what, 'the CLI did not answer `%s` within %s s' % (command, self.timeout),
                                  'The command may still have run: run the task again to converge.', command=command)
        except (_paramiko().SSHException, socket.error, OSError) as exc:
            raise ConnectionFailed(verb, what, 'the SSH session failed during `%s`: %s' % (command, scrub(exc, self._secret)),
                                   'The command may have run: run the task again to converge.', command=command)
        if status != 0:
            message = ' '.join((errors.strip() or output.strip() or 'exit status %d' % status).split())
            raise CommandFailed(verb, what, 'the array refused `%s`: %s' % (command, scrub(message, self._secret)),
                                'Nothing else was attempted; fix the cause and run the task again.', command=command,
                                exit_status=status)
        return output

    def close(self):
        if self._ssh is not None:
            self._ssh.close()
            self._ssh = None
