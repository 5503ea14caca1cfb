# -*- coding: utf-8 -*-
# Copyright: smis.threepar contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""One pywbem connection per module run, from the shared connection options, and the translation of every
pywbem failure into a typed error from errors.py: no traceback, no password."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import threading
import traceback

from ansible.module_utils.basic import env_fallback

from ansible_collections.smis.threepar.plugins.module_utils.threepar import model
from ansible_collections.smis.threepar.plugins.module_utils.threepar.cli import ssh_argument_spec
from ansible_collections.smis.threepar.plugins.module_utils.threepar.errors import (
    AuthenticationFailed, CertificateUntrusted, ConnectionFailed, InvalidRequest, MethodFailed, NotFound, PermissionDenied,
    RequestTimedOut, ThreeparError, scrub)

try:
    import pywbem
    HAS_PYWBEM = True
    PYWBEM_IMPORT_ERROR = None
except ImportError:
    HAS_PYWBEM = False
    PYWBEM_IMPORT_ERROR = traceback.format_exc()

try:
    from requests.utils import get_environ_proxies
except ImportError:
    get_environ_proxies = None

DEFAULT_TIMEOUT_S = 30          # per request; SMI-S providers are slow (doc_fragments/connection.py says the same)
MESSAGE_EXCERPT_CHARS = 300     # of a library's error text quoted in a message


def connection_argument_spec():
    """The options of doc_fragments/connection.py, with their environment fallbacks (design §6)."""
    return dict(
        host=dict(type='str', required=True, fallback=(env_fallback, ['THREEPAR_HOST'])),
        port=dict(type='int', fallback=(env_fallback, ['THREEPAR_PORT'])),
        protocol=dict(type='str', default='https', choices=['https', 'http'], fallback=(env_fallback, ['THREEPAR_PROTOCOL'])),
        username=dict(type='str', required=True, fallback=(env_fallback, ['THREEPAR_USERNAME'])),
        password=dict(type='str', required=True, no_log=True, fallback=(env_fallback, ['THREEPAR_PASSWORD'])),
        validate_certs=dict(type='bool', default=True, fallback=(env_fallback, ['THREEPAR_VALIDATE_CERTS'])),
        ca_path=dict(type='path', fallback=(env_fallback, ['THREEPAR_CA_PATH'])),
        namespace=dict(type='str', default=model.NAMESPACE),
        timeout=dict(type='int', default=DEFAULT_TIMEOUT_S),
        **ssh_argument_spec()
    )


def check_connection(params):
    """Refuse connection options that cannot work, before any request (InvalidRequest); return the warning a task
    should give for an insecure transport, or None."""
    timeout = params.get('timeout')
    if timeout is not None and timeout <= 0:
        raise InvalidRequest('read', 'the connection options', 'timeout %s is not a positive number of seconds' % timeout,
                             'Set timeout to the seconds one CIM request may take (default %d).' % DEFAULT_TIMEOUT_S)
    risks = []
    if params.get('protocol') == 'http':
        risks.append('protocol http sends the password and every answer in clear text')
    elif params.get('validate_certs') is False:
        risks.append('validate_certs false accepts any certificate, so a machine on the path can pose as the array '
                     'and read the password')
    if not risks:
        return None
    return ('The connection to the array at %s is not secure: %s. Use protocol https with ca_path set to the CA that '
            'signed the array certificate.' % (array_url(params), '; '.join(risks)))


def array_url(params):
    port = params.get('port') or (5989 if params['protocol'] == 'https' else 5988)
    host = params['host']
    if ':' in host and not host.startswith('['):
        host = '[%s]' % host    # IPv6 literal
    return '%s://%s:%d' % (params['protocol'], host, port)


class Client:
    """Thin wrapper of a WBEMConnection: every call names what it does, so that a failure reads
    "Failed to <verb> <object>: <reason>. <what to do>"."""

    def __init__(self, params, conn=None):
        self.params = params
        self.url = array_url(params)
        self.namespace = params.get('namespace') or model.NAMESPACE
        self.user = params['username']
        self._secret = params.get('password')
        self._own_connection = conn is None
        self.conn = conn if conn is not None else self._connect()
        # A WBEMConnection serves one request at a time: threads that share this client take turns (executor.py
        # gives each of its workers a client of its own, see another()).
        self._lock = threading.Lock()

    def another(self):
        """A client of the same array over a connection of its own (for concurrent method calls), or None when this
        one was handed a connection (tests, a caller that owns it) that cannot be duplicated."""
        return Client(self.params) if self._own_connection else None

    def close(self):
        if self._own_connection:
            self.conn.close()

    def _connect(self):
        ca_path = self.params.get('ca_path')
        verify = self.params.get('validate_certs', True)
        proxies = get_environ_proxies(self.url) if get_environ_proxies else None
        try:
            conn = pywbem.WBEMConnection(self.url, creds=(self.user, self._secret), default_namespace=self.namespace,
                                         ca_certs=ca_path if verify else None, no_verification=not verify,
                                         timeout=self.params.get('timeout') or DEFAULT_TIMEOUT_S, proxies=proxies or None)
        except (OSError, IOError) as exc:
            raise InvalidRequest('connect to', 'the array at %s' % self.url, scrub(exc, self._secret),
                                 'Set ca_path to a readable PEM file with the CA that signed the array certificate.')
        if ca_path or not verify:
            # requests lets REQUESTS_CA_BUNDLE / CURL_CA_BUNDLE override the session's verify setting: the options
            # of the task must win, so the environment is not consulted (its proxies were passed above).
            conn.session.trust_env = False
        return conn

    # ------------------------------------------------------------ operations

    def enumerate(self, classname, properties, what):
        return self.call('read', what, self.conn.EnumerateInstances, classname, namespace=self.namespace,
                         LocalOnly=False, DeepInheritance=True, IncludeQualifiers=False, IncludeClassOrigin=False,
                         PropertyList=properties)

    def enumerate_names(self, classname, what):
        return self.call('read', what, self.conn.EnumerateInstanceNames, classname, namespace=self.namespace)

    def service_path(self, classname, what, profile):
        """The path of the array's one ``classname`` service; MethodFailed naming the SMI-S ``profile`` that
        serves it when the array has none."""
        names = self.enumerate_names(classname, what)
        if not names:
            raise MethodFailed('find', what, 'the array has no %s' % classname,
                               'Check that the SMI-S provider serves the %s profile.' % profile)
        return names[0]

    def get_instance(self, path, properties, what):
        return self.call('read', what, self.conn.GetInstance, path, LocalOnly=False, PropertyList=properties)

    def references(self, path, result_class, properties, what):
        return self.call('read', what, self.conn.References, path, ResultClass=result_class, IncludeQualifiers=False,
                         IncludeClassOrigin=False, PropertyList=properties)

    def associators(self, path, assoc_class, result_class, properties, what):
        return self.call('read', what, self.conn.Associators, path, AssocClass=assoc_class, ResultClass=result_class,
                         IncludeQualifiers=False, IncludeClassOrigin=False, PropertyList=properties)

    def modify_instance(self, instance, properties, what):
        return self.call('set', what, self.conn.ModifyInstance, instance, PropertyList=properties)

    def delete_instance(self, path, what):
        return self.call('delete', what, self.conn.DeleteInstance, path)

    def invoke(self, method, target, params, verb, what):
        return self.call(verb, what, self.conn.InvokeMethod, method, target, Params=params, method=method)

    def call(self, verb, what, func, *args, **kwargs):
        method = kwargs.pop('method', None)
        try:
            with self._lock:
                return func(*args, **kwargs)
        except ThreeparError:
            raise
        except Exception as exc:  # pylint: disable=broad-except
            if HAS_PYWBEM and isinstance(exc, pywbem.Error):
                raise self.translate(exc, verb, what, method)
            raise MethodFailed(verb, what, 'unexpected %s: %s' % (type(exc).__name__, scrub(exc, self._secret)),
                               'Report this with the task and the array model.')

    def translate(self, exc, verb, what, method=None):
        """A pywbem exception -> the typed error that says what is wrong and what to do."""
        text = scrub(getattr(exc, 'status_description', None) or exc, self._secret)
        where = 'the array at %s' % self.url
        if isinstance(exc, pywbem.AuthError):
            return AuthenticationFailed('log in to', where, 'the array refused user %s or its password' % self.user,
                                        'Check username and password (or THREEPAR_USERNAME / THREEPAR_PASSWORD).')
        if isinstance(exc, pywbem.TimeoutError) or (isinstance(exc, pywbem.ConnectionError) and 'timed out' in text.lower()):
            return RequestTimedOut(verb, what, 'the array did not answer within %s s (timeout)' % self.conn.timeout,
                                   'Raise timeout, or check the array and the network.'
                                   + (' The method may still have run: run the task again to converge.' if method else ''))
        if isinstance(exc, pywbem.ConnectionError):
            return self._connection_error(text, verb, what, method)
        if isinstance(exc, pywbem.HTTPError):
            if exc.status == model.HTTP_FORBIDDEN:
                return self._denied(verb, what, method)
            if method and exc.status >= 500:   # e.g. a proxy's 502 Bad Gateway: the request may have reached the array
                return ConnectionFailed(verb, what, '%s answered HTTP %s %s' % (where, exc.status, exc.reason),
                                        'The change may have taken effect: run the task again to converge.')
            return ConnectionFailed(verb, what, '%s answered HTTP %s %s' % (where, exc.status, exc.reason),
                                    'Check that host and port name the SMI-S provider (CIM server) of the array.')
        if isinstance(exc, pywbem.CIMError):
            return self._cim_error(exc, text, verb, what, method)
        return MethodFailed(verb, what, '%s: %s' % (type(exc).__name__, text), 'Check that host and port name an SMI-S provider.')

    def _connection_error(self, text, verb, what, method):
        lower = text.lower()
        if 'certificate verify failed' in lower or 'certificate_verify_failed' in lower or 'hostname mismatch' in lower:
            return CertificateUntrusted('connect to', 'the array at %s' % self.url,
                                        'its TLS certificate is not trusted (%s)' % _short(text),
                                        'Set ca_path to the CA certificate (PEM) that signed it, or validate_certs: false in a lab only.')
        if 'refused' in lower:
            return ConnectionFailed('connect to', 'the array at %s' % self.url, 'connection refused',
                                    'Check host, port and protocol, and that the CIM server runs on the array (startcim).')
        if method and ('aborted' in lower or 'disconnected' in lower or 'reset' in lower):
            return ConnectionFailed(verb, what, 'the array closed the connection without an answer',
                                    'The change may have taken effect: run the task again to converge.')
        return ConnectionFailed('connect to', 'the array at %s' % self.url, _short(text),
                                'Check host, port, protocol and the network path to the array.')

    def _denied(self, verb, what, method):
        if method:
            return PermissionDenied(verb, what, 'user %s may read but not change the array (browse role)' % self.user,
                                    'Use a user with the edit role; nothing was changed.')
        return PermissionDenied(verb, what, 'user %s may not read it' % self.user, 'Use a user with the browse or edit role.')

    def _cim_error(self, exc, text, verb, what, method):
        status = exc.status_code
        name = model.CIM_STATUS.get(status, 'CIM error %s' % status)
        if status == model.CIM_ERR_ACCESS_DENIED:
            return self._denied(verb, what, method)
        if status == model.CIM_ERR_INVALID_NAMESPACE:
            return InvalidRequest(verb, what, 'namespace %s does not exist on the array' % self.namespace, 'Set namespace (root/tpd on 3PAR).')
        if status == model.CIM_ERR_NOT_FOUND:
            return NotFound(verb, what, '%s (%s)' % (text, name), 'Read the current state again (it changed meanwhile) and rerun.')
        if status in model.CIM_ERRS_NO_METHOD and method:
            return MethodFailed(verb, what, 'the array does not offer %s (%s)' % (method, name),
                                'Check the array firmware (InForm OS 3.1.1 or later) and its SMI-S provider.')
        return MethodFailed(verb, what, '%s: %s' % (name, text), 'Nothing else was attempted; fix the cause and run again.')


def _short(text, limit=MESSAGE_EXCERPT_CHARS):
    text = ' '.join(str(text).split())
    return text if len(text) <= limit else text[:limit] + '...'
