# -*- coding: utf-8 -*-
# Copyright: smis.threepar contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Typed exceptions of the engine. Each reads "Failed to <verb> <object>: <reason>. <what to do>";
modules turn them into fail_json at the top of main() and nowhere else."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type


class ThreeparError(Exception):
    """Base class; ``details`` go into the module result next to ``msg`` (job id, last state...)."""

    def __init__(self, verb, obj, reason, hint='', **details):
        self.verb = verb
        self.obj = obj
        self.reason = reason.rstrip('.')
        self.hint = hint
        self.details = details
        super(ThreeparError, self).__init__(self.message)

    @property
    def message(self):
        text = 'Failed to %s %s: %s.' % (self.verb, self.obj, self.reason)
        return text + (' ' + self.hint if self.hint else '')


# The array could not be reached or would not talk to us.
class ConnectionFailed(ThreeparError):
    """Refused, unreachable, or the TLS handshake failed for another reason."""


class CertificateUntrusted(ConnectionFailed):
    """The array's certificate does not verify against the CA bundle."""


class HostKeyUnverified(ConnectionFailed):
    """The array's SSH host key is unknown or not the one expected (``details`` carry its fingerprint)."""


class AuthenticationFailed(ThreeparError):
    """The array refused the user name or password."""


class PermissionDenied(ThreeparError):
    """The user may read but not change (3PAR browse role)."""


class RequestTimedOut(ThreeparError):
    """The array did not answer one request within ``timeout``."""


# The request is wrong: nothing was changed.
class InvalidRequest(ThreeparError):
    """The desired state cannot be reached as asked (shrink, change of a fixed property, bad parameter)."""


class NotFound(InvalidRequest):
    """A named object (source volume, CPG, copy) does not exist on the array."""


class InUse(InvalidRequest):
    """The object has dependants (copies) or is busy."""


class CopyBroken(ThreeparError):
    """A copy is Broken; the array refuses to resync it."""


class Unsupported(ThreeparError):
    """The array does not support the operation (return code 1)."""


# The array tried and failed.
class MethodFailed(ThreeparError):
    """A method returned a failure code or a CIM error."""


class CommandFailed(MethodFailed):
    """A 3PAR CLI command exited non-zero; ``details`` carry the command (no secret) and its exit status."""


class JobFailed(ThreeparError):
    """A job ended in error."""


class WaitTimedOut(ThreeparError):
    """wait_timeout passed before a job or copy settled; ``details`` carry the job id and its last state."""


# Remote copy: the desired state of a group cannot be reached from here as asked; nothing changed.

class RcopyRequestError(InvalidRequest):
    """The desired state of a remote-copy group cannot be reached from here as asked; nothing changed."""


class RcopyWrongArray(RcopyRequestError):
    """The operation must be driven from the other array of the group."""


class RcopyBusy(RcopyRequestError):
    """An operation on the group is under way (failing over, recovering, failing back)."""


class RcopyPeerUnreachable(RcopyRequestError):
    """The operation needs the other array, which cannot be reached."""


class RcopyRecoverFailed(RcopyRequestError):
    """A previous recover failed; retrying needs the cause fixed and ``force``."""


class RcopyUnknownState(RcopyRequestError):
    """The array reports a role/status that neither Table 106 nor Table 107 describes."""


def scrub(text, secret):
    """Remove a secret from text that may reach a result, a warning or a log."""
    text = '%s' % (text,)
    if secret:
        text = text.replace(secret, '********')
    return text
