"""CIM-XML glue between HTTP bodies and the array's pywbem_mock connection.

Requests are parsed with pywbem's own tuple parser and responses are built
from pywbem's ``_cim_xml`` elements and the CIM objects' ``tocimxml()``:
there is no XML codec of our own here, only the mapping of each operation's
result to the element DSP0201 (and pywbem 1.9.1's client) expects.
"""

import re
from dataclasses import dataclass, field
from typing import Optional, Union

from pywbem import CIMClass, CIMClassName, CIMError, CIMInstance, CIMInstanceName, CIMParameter, cimtype, cimvalue
from pywbem import CIM_ERR_INVALID_PARAMETER
from pywbem import _cim_xml
from pywbem._cim_types import atomic_to_cim_xml
from pywbem._exceptions import CIMXMLParseError, Error as PywbemError, XMLParseError
from pywbem._tupleparse import TupleParser
from pywbem._tupletree import xml_to_tupletree_sax

from . import xmlshapes

# Intrinsic operations served, by the shape of their result.
INSTANCE_LISTS = {'EnumerateInstances'}
SINGLE_INSTANCE = {'GetInstance'}
INSTANCE_NAMES = {'EnumerateInstanceNames', 'CreateInstance'}
OBJECTS_WITH_PATH = {'Associators', 'References'}
OBJECT_PATHS = {'AssociatorNames', 'ReferenceNames'}
PULL_INSTANCES = {'OpenEnumerateInstances', 'OpenAssociatorInstances', 'OpenReferenceInstances', 'PullInstancesWithPath'}
PULL_PATHS = {'OpenEnumerateInstancePaths', 'OpenAssociatorInstancePaths', 'OpenReferenceInstancePaths', 'PullInstancePaths'}
CLASSES = {'GetClass', 'EnumerateClasses'}
CLASS_NAMES = {'EnumerateClassNames'}
QUALIFIERS = {'GetQualifier', 'EnumerateQualifiers'}
VOID = {'ModifyInstance', 'DeleteInstance', 'CloseEnumeration'}
INTRINSIC = (INSTANCE_LISTS | SINGLE_INSTANCE | INSTANCE_NAMES | OBJECTS_WITH_PATH | OBJECT_PATHS
             | PULL_INSTANCES | PULL_PATHS | CLASSES | CLASS_NAMES | QUALIFIERS | VOID)
# Operations that change the array: refused to browse users.
WRITES = {'CreateInstance', 'ModifyInstance', 'DeleteInstance', 'InvokeMethod'}

# IPARAMVALUEs arrive as strings; pywbem_mock wants these as Python bools / ints.
_BOOL_IPARAMS = ('DeepInheritance', 'LocalOnly', 'IncludeQualifiers', 'IncludeClassOrigin', 'ContinueOnError')
_INT_IPARAMS = ('MaxObjectCount', 'OperationTimeout')
# pywbem_mock looks parameters up by exact name; CIM names are case-insensitive.
_IPARAM_NAMES = {name.lower(): name for name in _BOOL_IPARAMS + _INT_IPARAMS + (
    'ClassName', 'InstanceName', 'ObjectName', 'AssocClass', 'ResultClass', 'Role', 'ResultRole', 'PropertyList',
    'NewInstance', 'ModifiedInstance', 'QualifierName', 'EnumerationContext', 'FilterQueryLanguage', 'FilterQuery')}

_SCOPES = ('CLASS', 'ASSOCIATION', 'INDICATION', 'PROPERTY', 'REFERENCE', 'METHOD', 'PARAMETER')
_SELF_CLOSING = re.compile(r'<([A-Za-z][\w.]*)([^<>]*?)\s*/>')
_DECLARATION = re.compile(rb'<!\s*(DOCTYPE|ENTITY)', re.IGNORECASE)


class RequestError(Exception):
    """A request that is not CIM-XML we can serve: HTTP 400 with a DSP0200 ``CIMError`` header."""

    def __init__(self, cim_error_header, message):
        super().__init__(message)
        self.cim_error_header = cim_error_header


@dataclass
class CimRequest:
    """One parsed simple request: an intrinsic (``imethod``) or extrinsic (``method``) call."""

    kind: str
    name: str
    message_id: str
    namespace: str
    target: Optional[Union[CIMInstanceName, CIMClassName]] = None  # extrinsic: the object, with namespace
    params: dict = field(default_factory=dict)   # intrinsic: name -> value
    raw_params: list = field(default_factory=list)  # extrinsic: (name, paramtype, value)

    @property
    def operation(self):
        """The DSP0200 operation name, as in the request log."""
        return 'InvokeMethod' if self.kind == 'method' else self.name

    @property
    def classname(self):
        """The class the request is about, or None (pull operations, qualifiers)."""
        if self.kind == 'method':
            return self.target.classname
        for key in ('ClassName', 'InstanceName', 'ObjectName', 'NewInstance', 'ModifiedInstance'):
            value = self.params.get(key)
            if isinstance(value, (CIMClassName, CIMInstanceName, CIMInstance)):
                return value.classname
        return None


def parse_request(body):
    """Parse a CIM-XML request body (bytes) into a CimRequest; raises RequestError."""
    # CIM-XML is UTF-8 (DSP0200); checking that first makes the DTD check below sound.
    try:
        body.decode('utf-8')
    except UnicodeDecodeError:
        raise RequestError('request-not-well-formed', 'request is not UTF-8') from None
    # Refuse DTDs before any parser sees them: no entity expansion, no external entities.
    if _DECLARATION.search(body):
        raise RequestError('request-not-well-formed', 'DOCTYPE and ENTITY declarations are not allowed')
    parser = TupleParser()
    try:
        tree = xml_to_tupletree_sax(body, 'CIM-XML request')
    except XMLParseError as exc:
        raise RequestError('request-not-well-formed', str(exc)) from None
    try:
        dummy, dummy, message = parser.parse_cim(tree)
        dummy, message_attrs, simplereq = message
        if simplereq[0] != 'SIMPLEREQ':
            raise RequestError('unsupported-operation', 'only simple requests are supported')
        call = simplereq[2]
        if call[0] == 'IMETHODCALL':
            dummy, attrs, namespace, params = call
            return CimRequest('imethod', attrs['NAME'], message_attrs['ID'], namespace,
                              params=_intrinsic_params(params))
        dummy, attrs, target, raw_params = call
        return CimRequest('method', attrs['NAME'], message_attrs['ID'], target.namespace,
                          target=target, raw_params=raw_params)
    except (PywbemError, ValueError, TypeError, KeyError, IndexError, OverflowError) as exc:   # parse and version errors
        raise RequestError('request-not-valid', 'invalid CIM-XML request: %s' % exc) from None


# What each intrinsic parameter is (DSP0200 2.3 / DSP0201): anything else is the client's error, answered
# CIM_ERR_INVALID_PARAMETER before pywbem_mock (which asserts the types) sees it.
_PARAM_TYPES = {
    'ClassName': (CIMClassName,), 'InstanceName': (CIMInstanceName,), 'ObjectName': (CIMInstanceName, CIMClassName),
    'AssocClass': (CIMClassName, str), 'ResultClass': (CIMClassName, str), 'Role': (str,), 'ResultRole': (str,),
    'PropertyList': (list,), 'NewInstance': (CIMInstance,), 'ModifiedInstance': (CIMInstance,), 'QualifierName': (str,),
    'EnumerationContext': (str,), 'FilterQueryLanguage': (str,), 'FilterQuery': (str,),
}
_PARAM_TYPES.update((name, (bool,)) for name in _BOOL_IPARAMS)
_PARAM_TYPES.update((name, (int,)) for name in _INT_IPARAMS)
# Given empty, these leave the operation without its object (the class enumerations take a NULL ClassName: the top).
_NEVER_NULL = ('ClassName', 'InstanceName', 'ObjectName', 'NewInstance', 'ModifiedInstance', 'EnumerationContext')
_PARAM_KINDS = {CIMClassName: 'a class name (CLASSNAME)', CIMInstanceName: 'an instance path (INSTANCENAME)',
                CIMInstance: 'an instance (INSTANCE)', str: 'a string (VALUE)', list: 'a string array (VALUE.ARRAY)',
                bool: 'a boolean (VALUE TRUE or FALSE)', int: 'an integer (VALUE)'}


def check_intrinsic_params(request):
    """Raise CIM_ERR_INVALID_PARAMETER for a parameter of the wrong type."""
    for name, value in request.params.items():
        expected = _PARAM_TYPES.get(name)
        if value is None and name in _NEVER_NULL and not (name == 'ClassName' and request.name in CLASS_NAMES | {'EnumerateClasses'}):
            raise CIMError(CIM_ERR_INVALID_PARAMETER, '%s of %s must not be NULL' % (name, request.name))
        if value is None or expected is None:
            continue
        if not isinstance(value, expected) or (name == 'PropertyList' and not all(isinstance(p, str) for p in value)):
            raise CIMError(CIM_ERR_INVALID_PARAMETER, '%s of %s must be %s' % (
                name, request.name, ' or '.join(_PARAM_KINDS[kind] for kind in expected)))


def _intrinsic_params(params):
    converted = {}
    for name, value in params:
        name = _IPARAM_NAMES.get(name.lower(), name)
        if name in _BOOL_IPARAMS and isinstance(value, str):
            value = value.strip().lower() == 'true'
        elif name in _INT_IPARAMS and value is not None:
            value = int(value)
        converted[name] = value
    return converted


def method_params(raw_params, method, namespace):
    """CIMParameters for pywbem_mock's InvokeMethod, typed from the method's declaration.

    Clients differ in what they send (pywbem sends PARAMTYPE, wbemcli may not),
    so the declaration decides the type; pywbem_mock also compares type,
    is_array and embedded_object with the declaration and rejects mismatches.
    """
    parser = TupleParser()
    params = []
    for name, paramtype, value in raw_params:
        decl = method.parameters.get(name)
        if decl is None:  # pywbem_mock reports the unknown parameter
            params.append(_cim_parameter(name, paramtype or 'string', value, isinstance(value, list), None))
            continue
        try:
            value = _typed_value(parser, decl, value, namespace)
        except (CIMXMLParseError, XMLParseError, ValueError, TypeError, OverflowError) as exc:   # e.g. 1e999 for a real
            raise CIMError(CIM_ERR_INVALID_PARAMETER, 'parameter %s: %s' % (decl.name, exc)) from None
        params.append(_cim_parameter(decl.name, decl.type, value, decl.is_array, decl.embedded_object))
    return params


def _cim_parameter(name, type_, value, is_array, embedded_object):
    param = CIMParameter(name, type_, value=value, is_array=is_array)
    # CIMParameter infers 'instance' from an instance value, but pywbem_mock compares with
    # the declaration, whose embedded_object stays None for MOF EmbeddedInstance parameters.
    param.embedded_object = embedded_object
    return param


def _typed_value(parser, decl, value, namespace):
    if isinstance(value, list):
        return [_typed_scalar(parser, decl, item, namespace) for item in value]
    return _typed_scalar(parser, decl, value, namespace)


def _typed_scalar(parser, decl, value, namespace):
    if value is None:
        return None
    if decl.type == 'reference':
        if isinstance(value, str):  # a client that sends the reference as a WBEM URI string
            value = CIMInstanceName.from_wbem_uri(value)
        if not isinstance(value, (CIMInstanceName, CIMClassName)):
            raise TypeError('expected a reference')
        # Providers compare paths: make them local to this array's namespace.
        value = value.copy()
        value.host = None
        value.namespace = value.namespace or namespace
        return value
    if isinstance(value, (CIMInstance, CIMClass)):
        return value
    if _embedded_kind(decl) and isinstance(value, str):
        return parser.parse_embeddedObject(value)
    return parser.unpack_single_value(value, decl.type)


def _embedded_kind(decl):
    """'instance' / 'object' for a parameter declared as an embedded instance / object."""
    if decl.embedded_object:
        return decl.embedded_object
    if 'EmbeddedInstance' in decl.qualifiers:
        return 'instance'
    if 'EmbeddedObject' in decl.qualifiers:
        return 'object'
    return None


def intrinsic_response(request, result, host, stream=False, shapes=True):
    """The IMETHODRESPONSE body (bytes) for ``result`` of ``conn._mock_imethodcall()``.

    The result items are written from templates of their shapes (``xmlshapes``)
    and joined into the envelope; ``shapes=False`` has pywbem write the whole
    response instead (the bytes are the same: the tests compare them). With
    ``stream`` the body is an ``xmlshapes.Body`` (``len()``, ``chunks()``) instead of bytes.
    """
    children = []
    fragments = None
    if request.name not in VOID:
        objects, out_params = _unpack_result(result)
        if not shapes:
            children.append(_cim_xml.IRETURNVALUE(_return_items(request.name, objects, request.namespace, host)))
        else:
            fragments = _item_fragments(request.name, objects, request.namespace, host)
            children.append(_cim_xml.IRETURNVALUE([xmlshapes.slot(0)]))
        if request.name in PULL_INSTANCES | PULL_PATHS:
            context = out_params.get('EnumerationContext')
            children.append(_cim_xml.PARAMVALUE('EnumerationContext', None if context is None else _cim_xml.VALUE(context), 'string'))
            # pywbem_mock gives EndOfSequence as the string 'TRUE' / 'FALSE'
            end = str(out_params.get('EndOfSequence')).strip().lower() == 'true'
            children.append(_cim_xml.PARAMVALUE('EndOfSequence', _cim_xml.VALUE(atomic_to_cim_xml(end)), 'boolean'))
    if fragments is None:
        return _message(request.message_id, _cim_xml.IMETHODRESPONSE(request.name, children))
    # The envelope with one slot where the items go (IRETURNVALUE's content).
    head, tail = xmlshapes.Template(_message(request.message_id, _cim_xml.IMETHODRESPONSE(request.name, children)).decode('utf-8'), 1).parts
    fragments.insert(0, head)
    fragments.append(tail)
    body = xmlshapes.Body(fragments)
    return body if stream else body.tobytes()


def _unpack_result(result):
    """(objects, {out param: value}) from pywbem_mock's imethodcall tuples."""
    objects, out_params = [], {}
    for name, dummy, value in result or []:
        if name == 'IRETURNVALUE':
            objects = value or []
        else:
            out_params[name] = value
    return objects, out_params


# Reference values inside instances (SystemElement/SyncedElement, Antecedent/Dependent, and
# the references in association keybindings) are written as pywbem writes the array's paths:
# with namespace, without host, i.e. LOCALINSTANCEPATH; only the item's own path in pull and
# association results is a full INSTANCEPATH with this server as host (DSP0200 requires it
# there). LOCALINSTANCEPATH is what OpenPegasus sends for reference properties (pywbem gives
# them back with namespace set, host None), and pywbem, pywbemcli and wbemcli all read it.
# INSTANCENAME would be smaller, but measured on 1,000 TPD_StorageSynchronized it saves only
# ~300 of ~4,270 bytes an instance and ~5% of pywbem's client-side parse, while clients would
# get namespace None on the references, so they no longer compare equal to the paths the same
# clients get from EnumerateInstances (namespace set). Not worth the loss of fidelity.
def _return_items(operation, objects, namespace, host):
    if operation in OBJECTS_WITH_PATH | OBJECT_PATHS:
        # pywbem_mock wraps each association result as ('OBJECTPATH', {}, obj).
        objects = [obj[2] for obj in objects]
    if operation in INSTANCE_LISTS:
        return [_cim_xml.VALUE_NAMEDINSTANCE(inst.path.tocimxml(ignore_namespace=True), inst.tocimxml(ignore_path=True))
                for inst in objects]
    if operation in SINGLE_INSTANCE:
        return [inst.tocimxml(ignore_path=True) for inst in objects]
    if operation in INSTANCE_NAMES:
        return [path.tocimxml(ignore_namespace=True) for path in objects]
    if operation in OBJECTS_WITH_PATH:
        return [_object_with_path(obj, namespace, host) for obj in objects]
    if operation in OBJECT_PATHS:
        return [_cim_xml.OBJECTPATH(_full_path(path, namespace, host).tocimxml()) for path in objects]
    if operation in PULL_INSTANCES:
        return [_cim_xml.VALUE_INSTANCEWITHPATH(_full_path(inst.path, namespace, host).tocimxml(), inst.tocimxml(ignore_path=True))
                for inst in objects]
    if operation in PULL_PATHS:
        return [_full_path(path, namespace, host).tocimxml() for path in objects]
    if operation in CLASS_NAMES:
        return [_cim_xml.CLASSNAME(name.classname) for name in objects]
    if operation in QUALIFIERS:
        return [_without_any_scope(qualifier).tocimxml() for qualifier in objects]
    return [klass.tocimxml() for klass in objects]


def _item_fragments(operation, objects, namespace, host):
    """The serialised result items of ``operation`` as a list of bytes pieces.

    Each item is what ``_return_items`` makes of it: the same pywbem element,
    written as a template (the item's own tags, with this server's host and
    the namespace) filled with the ``INSTANCENAME`` / ``INSTANCE`` fragments of
    their shapes. Items of other operations (classes, qualifiers) are written
    by pywbem one by one.
    """
    if operation in OBJECTS_WITH_PATH | OBJECT_PATHS:
        objects = [obj[2] for obj in objects]
    pieces = []
    if operation in INSTANCE_LISTS:
        item = xmlshapes.cached_template('VALUE.NAMEDINSTANCE', lambda: _cim_xml.VALUE_NAMEDINSTANCE(
            xmlshapes.slot(0), xmlshapes.slot(1)), 2)
        for inst in objects:
            pieces += item.pieces((xmlshapes.instancename_fragment(inst.path), xmlshapes.instance_fragment(inst)))
    elif operation in SINGLE_INSTANCE:
        pieces += [xmlshapes.instance_fragment(inst) for inst in objects]
    elif operation in INSTANCE_NAMES:
        pieces += [xmlshapes.instancename_fragment(path) for path in objects]
    elif operation in PULL_INSTANCES | OBJECTS_WITH_PATH:
        wrapper = _cim_xml.VALUE_INSTANCEWITHPATH if operation in PULL_INSTANCES else _cim_xml.VALUE_OBJECTWITHPATH
        for obj in objects:
            if isinstance(obj, tuple):  # class-level association call
                pieces.append(xmlshapes.serialised(_object_with_path(obj, namespace, host)))
                continue
            # an object of another system (the remote end of a remote-copy pair) keeps its own host
            item = _path_template(wrapper, obj.path.namespace or namespace, obj.path.host or host, with_instance=True)
            pieces += item.pieces((xmlshapes.instancename_fragment(obj.path), xmlshapes.instance_fragment(obj)))
    elif operation in PULL_PATHS | OBJECT_PATHS:
        wrapper = _cim_xml.OBJECTPATH if operation in OBJECT_PATHS else None
        for path in objects:
            if not isinstance(path, CIMInstanceName):  # a class path (class-level AssociatorNames/ReferenceNames)
                element = _full_path(path, namespace, host).tocimxml()
                pieces.append(xmlshapes.serialised(_cim_xml.OBJECTPATH(element) if wrapper else element))
                continue
            item = _path_template(wrapper, path.namespace or namespace, host, with_instance=False)
            pieces += item.pieces((xmlshapes.instancename_fragment(path),))
    else:
        pieces += [xmlshapes.serialised(element) for element in _return_items(operation, objects, namespace, host)]
    return pieces


def _path_template(wrapper, namespace, host, with_instance):
    """Template of ``wrapper(INSTANCEPATH[, INSTANCE])`` (no wrapper: the INSTANCEPATH) for ``namespace`` on ``host``."""
    def build():
        path = xmlshapes.instancepath_element(namespace, host, xmlshapes.slot(0))
        if wrapper is None:
            return path
        return wrapper(path, xmlshapes.slot(1)) if with_instance else wrapper(path)
    return xmlshapes.cached_template((wrapper and wrapper.__name__, namespace, host, with_instance), build,
                                     2 if with_instance else 1)


def _without_any_scope(qualifier):
    """The MOF compiler keeps Scope(any) as an ANY scope, which DSP0201's SCOPE has no attribute for."""
    qualifier = qualifier.copy()
    scopes = dict(qualifier.scopes or {})
    if scopes.pop('ANY', False):
        scopes = dict.fromkeys(_SCOPES, True)
    qualifier.scopes = scopes
    return qualifier


def _object_with_path(obj, namespace, host):
    if isinstance(obj, tuple):  # class-level call: (CIMClassName, CIMClass)
        classpath, klass = obj
        return _cim_xml.VALUE_OBJECTWITHPATH(_full_path(classpath, namespace, host).tocimxml(), klass.tocimxml())
    # an object of another system (the remote end of a remote-copy pair) keeps its own host
    return _cim_xml.VALUE_OBJECTWITHPATH(_full_path(obj.path, namespace, obj.path.host or host).tocimxml(),
                                         obj.tocimxml(ignore_path=True))


def _full_path(path, namespace, host):
    """A copy of ``path`` with this server as host: INSTANCEPATH / CLASSPATH need both."""
    path = path.copy()
    path.namespace = path.namespace or namespace
    path.host = host
    return path


def method_response(request, method, result, host):
    """The METHODRESPONSE body (bytes) for ``(return value, out params)`` of ``conn._mock_methodcall()``."""
    return_value, out_params = result
    children = [_cim_xml.RETURNVALUE(_value_element(cimvalue(return_value, method.return_type), method.return_type, host),
                                     param_type=method.return_type)]
    for name, value in out_params.items():
        decl = method.parameters.get(name)
        type_ = decl.type if decl is not None else cimtype(value)
        embedded = _embedded_kind(decl) if decl is not None else _inferred_embedding(value)
        if embedded is None and type_ != 'reference':
            value = cimvalue(value, type_)
        children.append(_cim_xml.PARAMVALUE(decl.name if decl is not None else name,
                                            _value_element(value, type_, host, request.namespace),
                                            type_, embedded_object=embedded))
    return _message(request.message_id, _cim_xml.METHODRESPONSE(request.name, children))


def _inferred_embedding(value):
    sample = value[0] if isinstance(value, list) and value else value
    if isinstance(sample, CIMInstance):
        return 'instance'
    return 'object' if isinstance(sample, CIMClass) else None


def _value_element(value, type_, host, namespace=None):
    if value is None:
        return None
    if isinstance(value, list):
        if type_ == 'reference':
            return _cim_xml.VALUE_REFARRAY([_value_element(item, type_, host, namespace) for item in value])
        return _cim_xml.VALUE_ARRAY([_cim_xml.VALUE_NULL() if item is None else _value_element(item, type_, host, namespace)
                                     for item in value])
    if isinstance(value, (CIMInstanceName, CIMClassName)):
        return _cim_xml.VALUE_REFERENCE(_full_path(value, namespace, host).tocimxml())
    if isinstance(value, CIMInstance):
        return _cim_xml.VALUE(value.tocimxml(ignore_path=True).toxml())
    if isinstance(value, CIMClass):
        return _cim_xml.VALUE(value.tocimxml().toxml())
    return _cim_xml.VALUE(atomic_to_cim_xml(value))


def error_response(request, code, description):
    """An ERROR inside the (I)METHODRESPONSE of ``request``."""
    response = _cim_xml.METHODRESPONSE if request.kind == 'method' else _cim_xml.IMETHODRESPONSE
    return _message(request.message_id, response(request.name, _cim_xml.ERROR(str(int(code)), description)))


def _message(message_id, response):
    document = _cim_xml.CIM(_cim_xml.MESSAGE(_cim_xml.SIMPLERSP(response), message_id, '1.0'), '2.0', '2.0')
    return ('<?xml version="1.0" encoding="utf-8" ?>\n' + expand_empty_elements(document.toxml())).encode('utf-8')


def expand_empty_elements(xml):
    """``<X a="1"/>`` -> ``<X a="1"></X>``: sblim-wbemcli does not accept self-closing elements.

    minidom escapes '<' and '>' in text and attribute values, so every '<' in
    its output starts a tag and the pattern cannot match inside a value.
    """
    return _SELF_CLOSING.sub(r'<\1\2></\1>', xml)
