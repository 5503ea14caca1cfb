"""Fast construction and copying of pywbem CIM objects.

pywbem validates every value in CIMProperty/CIMInstance constructors and
pywbem_mock deep-copies every instance it reads; at 100,000 instances both
dominate. The array builds instances from already-typed values, so these
helpers fill the objects' slots directly. They rely on pywbem 1.9 internals
(the package pins that release).
"""

from pywbem import CIMInstance, CIMInstanceName, CIMProperty, cimtype
from pywbem._nocasedict import NocaseDict


def _nocase_dict(items=(), allow_unnamed_keys=False):
    """NocaseDict from (name, value) pairs without per-item validation."""
    result = NocaseDict.__new__(NocaseDict)
    result._data = {name.casefold(): (name, value) for name, value in items}
    result.allow_unnamed_keys = allow_unnamed_keys
    return result


class FrozenPath(CIMInstanceName):
    """An instance path the array never changes after building it: its hash is cached.

    Paths are dict keys of the instance store and nested in reference
    properties; pywbem recomputes a path's hash from its keybindings (and
    those of nested paths) on every lookup.
    """

    __slots__ = ['_hash']

    def __hash__(self):
        try:
            return self._hash
        except AttributeError:
            self._hash = super().__hash__()
            return self._hash

    def copy(self):
        return copy_path(self)


_NO_QUALIFIERS = _nocase_dict()


def is_projected(inst):
    """True for an instance built by make_instance (no qualifiers, no class origins)."""
    return all(prop._qualifiers is _NO_QUALIFIERS for dummy, prop in inst._properties._data.values())


def make_property(name, value, type_, is_array=False, embedded_object=None, reference_class=None):
    """CIMProperty with a value that already has the right Python type."""
    prop = object.__new__(CIMProperty)
    prop._name = name
    prop._value = value
    prop._type = type_
    prop._class_origin = None
    prop._array_size = None
    prop._propagated = None
    prop._is_array = is_array
    prop._reference_class = reference_class
    prop._qualifiers = _NO_QUALIFIERS  # shared: the array's properties never carry qualifiers
    prop._embedded_object = embedded_object
    return prop


def make_path(classname, keybindings, namespace):
    """FrozenPath from a dict of already-typed keybindings."""
    path = object.__new__(FrozenPath)
    path._classname = classname
    path._keybindings = _nocase_dict(keybindings.items(), allow_unnamed_keys=True)
    path._host = None
    path._namespace = namespace
    return path


def make_instance(classname, path, properties):
    """CIMInstance from CIMProperty objects (see make_property)."""
    inst = object.__new__(CIMInstance)
    inst._classname = classname
    inst._properties = _nocase_dict((p.name, p) for p in properties)
    inst._qualifiers = _nocase_dict()
    inst._path = path
    return inst


def typed_property(name, value, type_=None, is_array=None):
    """CIMProperty for a value, inferring the CIM type (NULL values need type_)."""
    if type_ is None:
        type_ = cimtype(value[0] if isinstance(value, list) else value)
    if is_array is None:
        is_array = isinstance(value, list)
    reference_class = value.classname if type_ == 'reference' and value is not None else None
    embedded = 'instance' if isinstance(value, CIMInstance) else None
    return make_property(name, value, type_, is_array, embedded, reference_class)


def copy_path(path):
    """Plain (mutable) CIMInstanceName copy of a path; keybinding values are shared."""
    new = object.__new__(CIMInstanceName)
    new._classname = path._classname
    kb = _nocase_dict(allow_unnamed_keys=True)
    kb._data = dict(path._keybindings._data)
    new._keybindings = kb
    new._host = path._host
    new._namespace = path._namespace
    return new


def copy_instance(inst):
    """Copy of an instance for pywbem_mock to filter and hand out.

    The property dict and the path are copied; the CIMProperty objects are
    shared. pywbem_mock only deletes properties from the dict and resets
    (already empty) qualifiers and class origins on them, and the projection
    replaces instances instead of changing them, so sharing is safe.
    """
    new = object.__new__(CIMInstance)
    new._classname = inst._classname
    props = _nocase_dict()
    props._data = dict(inst._properties._data)
    new._properties = props
    new._qualifiers = _nocase_dict()
    new._path = copy_path(inst._path) if inst._path is not None else None
    return new
