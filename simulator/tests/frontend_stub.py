"""A tiny stand-in array for the front-end tests.

It offers the same interface as the real array model (``conn``, ``lock``,
``users``, ``name``, ``control()``) with a few classes of its own: pools,
volumes, an association between them, a service with one method that takes
and returns references and embedded instances, and an interop namespace that
pywbem's WBEMServer can discover.
"""

import json
import os
import threading

import pytest
import pywbem
from pywbem import CIMInstance, CIMInstanceName, CIMParameter, Uint16, Uint32, Uint64
from pywbem_mock import CIMNamespaceProvider, FakedWBEMConnection, MethodProvider

from threepar_sim.faults import Faults
from threepar_sim.server import CimServer

NAMESPACE = 'root/tpd'
INTEROP = 'root/interop'
VOLUME_COUNT = 25

QUALIFIERS_MOF = """
Qualifier Key : boolean = false, Scope(property, reference), Flavor(DisableOverride, ToSubclass);
Qualifier Association : boolean = false, Scope(association), Flavor(DisableOverride, ToSubclass);
Qualifier In : boolean = true, Scope(parameter), Flavor(DisableOverride, ToSubclass);
Qualifier Out : boolean = false, Scope(parameter), Flavor(DisableOverride, ToSubclass);
Qualifier Static : boolean = false, Scope(property, method), Flavor(DisableOverride, ToSubclass);
Qualifier Description : string = null, Scope(any), Flavor(EnableOverride, ToSubclass, Translatable);
Qualifier EmbeddedInstance : string = null, Scope(property, method, parameter);
"""

ARRAY_MOF = """
class FE_Pool {
    [Key] string InstanceID;
    string ElementName;
    uint64 TotalManagedSpace;
};
class FE_Volume {
    [Key] string DeviceID;
    string ElementName;
    uint64 NumberOfBlocks;
    boolean ReadOnly;
};
[Association] class FE_AllocatedFromPool {
    [Key] FE_Pool REF Antecedent;
    [Key] FE_Volume REF Dependent;
};
class FE_Setting {
    [Key] string InstanceID;
    string ElementName;
    uint64 Size;
};
class FE_Service {
    [Key] string Name;
    [Description("Create a volume; returns it, an echo of Goal and some codes")]
    uint32 CreateVolume(
        [In] string ElementName,
        [In] FE_Pool REF InPool,
        [In] uint64 Size,
        [In, EmbeddedInstance("FE_Setting")] string Goal,
        [In(false), Out] FE_Volume REF TheElement,
        [In(false), Out, EmbeddedInstance("FE_Setting")] string Echo,
        [In(false), Out] uint16 Codes[],
        [In(false), Out] boolean Done);
    [Static] uint32 Ping();
};
"""

INTEROP_MOF = """
class CIM_Namespace {
    [Key] string SystemCreationClassName;
    [Key] string SystemName;
    [Key] string ObjectManagerCreationClassName;
    [Key] string ObjectManagerName;
    [Key] string CreationClassName;
    [Key] string Name;
    uint16 ClassInfo;
};
class CIM_RegisteredProfile {
    [Key] string InstanceID;
    uint16 RegisteredOrganization;
    string RegisteredName;
    string RegisteredVersion;
};
"""


class ServiceProvider(MethodProvider):
    """Implements FE_Service methods and records every call it gets."""

    provider_classnames = 'FE_Service'

    def __init__(self, cimrepository):
        super().__init__(cimrepository)
        self.calls = []

    def InvokeMethod(self, methodname, localobject, params):  # pylint: disable=invalid-name
        self.calls.append((methodname, {name: param.value for name, param in params.items()}))
        if methodname.lower() == 'ping':
            return Uint32(0), []
        path = CIMInstanceName('FE_Volume', {'DeviceID': 'new-%d' % len(self.calls)}, namespace=NAMESPACE)
        volume = CIMInstance('FE_Volume', path=path, properties={
            'DeviceID': path['DeviceID'], 'ElementName': params['ElementName'].value,
            'NumberOfBlocks': Uint64(params['Size'].value // 512), 'ReadOnly': False})
        self.cimrepository.get_instance_store(NAMESPACE).create(path, volume)
        goal = params['Goal'].value if 'Goal' in params else None
        echo = goal.copy() if goal is not None else CIMInstance('FE_Setting')
        echo['ElementName'] = 'echo of %s' % (echo.get('ElementName') or 'nothing')
        return Uint32(0), [
            CIMParameter('TheElement', 'reference', value=path),
            CIMParameter('Echo', 'string', value=echo, embedded_object='instance'),
            CIMParameter('Codes', 'uint16', value=[Uint16(1), Uint16(2)], is_array=True),
            CIMParameter('Done', 'boolean', value=True),
        ]


class StubArray:
    """The array interface the front end talks to, with a small fixed model."""

    def __init__(self, name='stub1'):
        self.name = name
        self.lock = threading.RLock()
        self.users = {
            '3paradm': {'password': '3pardata', 'role': 'edit'},
            '3parbrowse': {'password': '3pardata', 'role': 'browse'},
        }
        self.control_calls = []
        self.conn = FakedWBEMConnection(default_namespace=NAMESPACE)
        self._build()

    def _build(self):
        conn = self.conn
        # root/tpd (the default namespace) and root/interop exist before the namespace
        # provider is registered: it then creates their CIM_Namespace instances.
        conn.add_namespace(INTEROP)
        conn.compile_mof_string(QUALIFIERS_MOF + INTEROP_MOF, namespace=INTEROP)
        conn.register_provider(CIMNamespaceProvider(conn.cimrepository), namespaces=INTEROP)
        conn.compile_mof_string(QUALIFIERS_MOF + ARRAY_MOF, namespace=NAMESPACE)
        self.service = ServiceProvider(conn.cimrepository)
        conn.register_provider(self.service, namespaces=NAMESPACE)
        conn.add_cimobjects(self._objects())
        conn.add_cimobjects([CIMInstance('CIM_RegisteredProfile', path=CIMInstanceName(
            'CIM_RegisteredProfile', {'InstanceID': 'SNIA:Array:1.5'}), properties={
            'InstanceID': 'SNIA:Array:1.5', 'RegisteredOrganization': Uint16(11),
            'RegisteredName': 'Array', 'RegisteredVersion': '1.5'})], namespace=INTEROP)

    @staticmethod
    def _objects():
        def instance(classname, **props):
            keys = {k: v for k, v in props.items() if k in ('InstanceID', 'DeviceID', 'Name', 'Antecedent', 'Dependent')}
            return CIMInstance(classname, properties=props, path=CIMInstanceName(classname, keys, namespace=NAMESPACE))
        pools = [instance('FE_Pool', InstanceID='TPD:CPG:%s' % name, ElementName=name, TotalManagedSpace=Uint64(2 ** 40))
                 for name in ('FC_r5', 'SSD_r6')]
        volumes = [instance('FE_Volume', DeviceID=str(n), ElementName='vol%02d' % n, NumberOfBlocks=Uint64(2048 * n), ReadOnly=n % 2 == 0)
                   for n in range(VOLUME_COUNT)]
        links = [instance('FE_AllocatedFromPool', Antecedent=pools[n % 2].path, Dependent=vol.path) for n, vol in enumerate(volumes)]
        return pools + volumes + links + [instance('FE_Service', Name='FE_Service')]

    def control(self, verb, body):
        """Simulator control calls: ``echo`` returns its body; ``bad`` is a ValueError."""
        self.control_calls.append((verb, body))
        if verb == 'echo':
            return {'echo': body}
        if verb == 'bad':
            raise ValueError('bad control call')
        raise KeyError(verb)


# Fixtures and helpers shared by the test_frontend_* modules.

EDIT = ('3paradm', '3pardata')
BROWSE = ('3parbrowse', '3pardata')


@pytest.fixture
def server(tmp_path, monkeypatch):
    """A CimServer on free ports in front of a fresh StubArray; ``server.array`` is the stub."""
    # These variables override pywbem's own certificate settings (tooling.md).
    monkeypatch.delenv('REQUESTS_CA_BUNDLE', raising=False)
    monkeypatch.delenv('CURL_CA_BUNDLE', raising=False)
    cim_server = CimServer(StubArray(), Faults(), str(tmp_path), http_port=0, https_port=0)
    cim_server.start()
    yield cim_server
    cim_server.shutdown()


def connect(cim_server, creds=EDIT, scheme='https', **kwargs):
    """A pywbem connection to ``cim_server`` that verifies its certificate."""
    port = cim_server.https_port if scheme == 'https' else cim_server.http_port
    return pywbem.WBEMConnection('%s://127.0.0.1:%d' % (scheme, port), creds, default_namespace=NAMESPACE,
                                 ca_certs=cim_server.cert_path, **kwargs)


def request_log(cim_server):
    """The request log's records, oldest first."""
    path = os.path.join(cim_server.data_dir, 'requests.log')
    if not os.path.exists(path):
        return []
    with open(path, encoding='utf-8') as log:
        return [json.loads(line) for line in log]
