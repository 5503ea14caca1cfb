"""pywbem failures -> typed errors with what to do, never the password."""

import pytest
import pywbem

from ansible_collections.smis.threepar.plugins.module_utils.threepar.client import Client, array_url
from ansible_collections.smis.threepar.plugins.module_utils.threepar.errors import (
    AuthenticationFailed, CertificateUntrusted, ConnectionFailed, MethodFailed, PermissionDenied, RequestTimedOut)

PARAMS = {'host': 'array', 'port': None, 'protocol': 'https', 'username': 'ops', 'password': 'Sekr1t!', 'validate_certs': True,
          'ca_path': None, 'namespace': 'root/tpd', 'timeout': 7}


class Raising:
    timeout = 7

    def __init__(self, exc):
        self.exc = exc

    def EnumerateInstances(self, *args, **kwargs):  # pylint: disable=invalid-name
        raise self.exc

    def InvokeMethod(self, *args, **kwargs):  # pylint: disable=invalid-name
        raise self.exc


@pytest.mark.parametrize('protocol,port,expected', [('https', None, 'https://array:5989'), ('http', None, 'http://array:5988'),
                                                    ('https', 15989, 'https://array:15989')])
def test_url(protocol, port, expected):
    assert array_url(dict(PARAMS, protocol=protocol, port=port)) == expected


@pytest.mark.parametrize('exc,invoke,error,text', [
    (pywbem.AuthError('401 Unauthorized Sekr1t!'), False, AuthenticationFailed, 'Check username and password'),
    (pywbem.CIMError(2, 'denied'), True, PermissionDenied, 'browse role'),
    (pywbem.CIMError(2, 'denied'), False, PermissionDenied, 'may not read'),
    (pywbem.ConnectionError('[SSL: CERTIFICATE_VERIFY_FAILED] certificate verify failed'), False, CertificateUntrusted, 'Set ca_path'),
    (pywbem.ConnectionError('Failed to establish a new connection: [Errno 111] Connection refused'), False, ConnectionFailed,
     'connection refused'),
    (pywbem.ConnectionError('Read timed out. (read timeout=7)'), False, RequestTimedOut, 'within 7 s'),
    (pywbem.TimeoutError('timeout'), True, RequestTimedOut, 'may still have run'),
    (pywbem.ConnectionError('Connection aborted. RemoteDisconnected'), True, ConnectionFailed, 'may have taken effect'),
    (pywbem.CIMError(1, 'boom Sekr1t!'), True, MethodFailed, 'CIM_ERR_FAILED'),
    # a gateway that failed after the method went out: it may have run
    (pywbem.HTTPError(502, 'Bad Gateway'), True, ConnectionFailed, 'HTTP 502 Bad Gateway. The change may have taken effect'),
    (pywbem.HTTPError(502, 'Bad Gateway'), False, ConnectionFailed, 'Check that host and port name the SMI-S provider'),
])
def test_translation(exc, invoke, error, text):
    client = Client(PARAMS, conn=Raising(exc))
    with pytest.raises(error) as caught:
        if invoke:
            client.invoke('CreateReplica', None, [], 'create', 'virtual copy s1')
        else:
            client.enumerate('TPD_StorageVolume', ['Name'], 'volumes')
    message = str(caught.value)
    assert text in message and message.startswith('Failed to ')
    assert 'Sekr1t!' not in message
