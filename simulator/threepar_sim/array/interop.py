"""root/interop: the SNIA profile registration (Server and Profile Registration profiles).

What a generic SMI-S client (pywbem ``WBEMServer``, libstoragemgmt smispy) reads
first: CIM_ObjectManager, CIM_Namespace, the CIM_RegisteredProfile instances and
how they reference each other, and CIM_ElementConformsToProfile from the two
central profiles to their central instances. Sources: MODEL.md "root/interop".

CIM_ElementConformsToProfile of the Array profile crosses namespaces (profile in
root/interop, TPD_StorageSystem in root/tpd). pywbem_mock follows a reference
into the namespace the path names, so the association is stored in both
namespaces, with the same two references: an association request from either
end finds it in the end's own namespace (DSP0200 allows that; OpenPegasus
does the same for cross-namespace associations).
"""

import pywbem

from . import values as v

# M311 p16 Table 11 (the 3.1.1 / SMI-S 1.4.0 column); iSCSI Target Ports registers 1.2.0
# (provider-facts section 3, libstoragemgmt smis_cap.py). Table 11 lists no "SMI-S" profile.
SERVER, PROFILE_REGISTRATION, ARRAY = 'Server', 'Profile Registration', 'Array'
ARRAY_COMPONENTS = (
    ('Software', '1.4.0'), ('Block Services', '1.4.0'), ('Physical Package', '1.4.0'),
    ('Masking and Mapping', '1.4.0'), ('FC Target Ports', '1.4.0'), ('FC Initiator Ports', '1.4.0'),
    ('Location', '1.4.0'), ('Multiple Computer System', '1.4.0'), ('Disk Drive Lite', '1.4.0'),
    ('iSCSI Target Ports', '1.2.0'), ('Block Server Performance', '1.4.0'), ('Copy Services', '1.4.0'),
    ('Job Control', '1.4.0'), ('Thin Provisioning', '1.4.0'), ('Replication Services', '1.4.0'),
)
PROFILES = ((SERVER, '1.4.0'), (PROFILE_REGISTRATION, '1.4.0'), (ARRAY, '1.4.0')) + ARRAY_COMPONENTS
# CIM_ReferencedProfile: (referencing = autonomous profile, referenced = component profile)
REFERENCES = [(SERVER, PROFILE_REGISTRATION)] + [(ARRAY, name) for name, dummy in ARRAY_COMPONENTS]

OBJECT_MANAGER_CLASS = 'CIM_ObjectManager'
OBJECT_MANAGER_NAME = 'HP3PAR:CIMServer'           # guess
OBJECT_MANAGER_ELEMENT_NAME = 'HP 3PAR SMI-S Provider'  # guess (pywbem WBEMServer.brand shows it)
OBJECT_MANAGER_DESCRIPTION = 'HP 3PAR SMI-S Provider (simulated by threepar-sim), SMI-S 1.4.0'
NAMESPACES = (v.INTEROP_NS, v.NS)


def profile_instance_id(name, version):
    """SNIA-style InstanceID (guess, in the OpenPegasus ``ORG+Name+Version`` form)."""
    return 'SNIA+%s+%s' % (name, version)


def _path(classname, keys, namespace=v.INTEROP_NS):
    return pywbem.CIMInstanceName(classname, keybindings=keys, namespace=namespace)


def _instance(classname, keys, others=None, namespace=v.INTEROP_NS):
    return pywbem.CIMInstance(classname, properties={**keys, **(others or {})}, path=_path(classname, keys, namespace))


def _association(classname, left_name, left, right_name, right, namespace=v.INTEROP_NS):
    return _instance(classname, {left_name: left, right_name: right}, namespace=namespace)


def interop_instances(system_path):
    """{namespace: [instances]}: the object manager, namespaces, profiles and their associations."""
    system_path = pywbem.CIMInstanceName(system_path.classname, keybindings=dict(system_path.keybindings), namespace=v.NS)
    system_keys = {'SystemCreationClassName': system_path.classname, 'SystemName': system_path['Name']}
    manager = _instance(OBJECT_MANAGER_CLASS, dict(system_keys, CreationClassName=OBJECT_MANAGER_CLASS, Name=OBJECT_MANAGER_NAME), {
        'ElementName': OBJECT_MANAGER_ELEMENT_NAME, 'Description': OBJECT_MANAGER_DESCRIPTION,
        'OperationalStatus': [v.u16(2)]})
    interop = [manager, _association('CIM_HostedService', 'Antecedent', system_path, 'Dependent', manager.path)]
    for namespace in NAMESPACES:
        ns = _instance('CIM_Namespace', dict(system_keys, ObjectManagerCreationClassName=OBJECT_MANAGER_CLASS,
                                             ObjectManagerName=OBJECT_MANAGER_NAME, CreationClassName='CIM_Namespace', Name=namespace),
                       {'ClassInfo': v.u16(0), 'ElementName': namespace})
        interop += [ns, _association('CIM_NamespaceInManager', 'Antecedent', manager.path, 'Dependent', ns.path)]
    profiles = {}
    for name, version in PROFILES:
        profile = _instance('CIM_RegisteredProfile', {'InstanceID': profile_instance_id(name, version)}, {
            'RegisteredOrganization': v.u16(v.ORG_SNIA), 'RegisteredName': name, 'RegisteredVersion': version,
            'AdvertiseTypes': [v.u16(v.ADVERTISE_SLP)]})
        profiles[name] = profile.path
        interop.append(profile)
    for referencing, referenced in REFERENCES:
        interop.append(_association('CIM_ReferencedProfile', 'Antecedent', profiles[referenced], 'Dependent', profiles[referencing]))
    interop.append(_association('CIM_ElementConformsToProfile', 'ConformantStandard', profiles[SERVER], 'ManagedElement', manager.path))
    interop.append(_association('CIM_ElementConformsToProfile', 'ConformantStandard', profiles[ARRAY], 'ManagedElement', system_path))
    tpd = [_association('CIM_ElementConformsToProfile', 'ConformantStandard', profiles[ARRAY], 'ManagedElement', system_path,
                        namespace=v.NS)]
    return {v.INTEROP_NS: interop, v.NS: tpd}


def install(conn, system_path):
    """Replace pywbem_mock's placeholder CIM_Namespace instances and add the registration."""
    repo = conn.cimrepository
    interop_store = repo.get_instance_store(v.INTEROP_NS)
    for path in [p for p in interop_store.iter_names() if p.classname.lower() == 'cim_namespace']:
        interop_store.delete(path)
    for namespace, instances in interop_instances(system_path).items():
        store = repo.get_instance_store(namespace)
        for inst in instances:
            store.create(inst.path, inst)


CONFORMANCE_TRAVERSALS = ('associatornames', 'associators', 'openassociatorinstancepaths', 'openassociatorinstances')
CENTRAL_PROFILES = (SERVER, ARRAY)


def check_conformance_traversal(operation, namespace, params):
    """CIM_ERR_NOT_SUPPORTED for an ElementConformsToProfile traversal from a component profile.

    Component profiles have no central instance of their own (SMI-S 1.4: the
    scoping class methodology through the Array profile); pywbem's
    ``WBEMServer.get_central_instances`` moves on to that methodology exactly
    when the central class traversal answers CIM_ERR_NOT_SUPPORTED.
    """
    if operation.lower() not in CONFORMANCE_TRAVERSALS or (namespace or '').strip('/').lower() != v.INTEROP_NS:
        return
    name = params.get('ObjectName', params.get('InstanceName'))
    if not isinstance(name, pywbem.CIMInstanceName) or name.classname.lower() != 'cim_registeredprofile':
        return
    assoc_class = params.get('AssocClass')
    if str(getattr(assoc_class, 'classname', assoc_class) or '').lower() != 'cim_elementconformstoprofile':
        return
    central = {profile_instance_id(name_, version) for name_, version in PROFILES if name_ in CENTRAL_PROFILES}
    instance_id = name.keybindings.get('InstanceID')
    if instance_id in central or instance_id not in {profile_instance_id(*p) for p in PROFILES}:
        return
    raise pywbem.CIMError(pywbem.CIM_ERR_NOT_SUPPORTED, 'profile %s has no central instances of its own: use the scoping class '
                          'methodology through the Array profile' % instance_id)
