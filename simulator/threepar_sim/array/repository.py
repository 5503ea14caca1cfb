"""An instance store for pywbem_mock tuned for 100,000 instances.

pywbem_mock's InMemoryObjectStore deep-copies on every create and read and
finds the references to an object by scanning every instance. The array owns
the instances it stores (the projection builds fresh ones and never changes
them afterwards), so this store

* keeps each projected instance packed: one flat tuple of its shape (class and
  property declarations, interned: an array has a few dozen), its path and its
  values, ~10x smaller than the CIMInstance (at 10,000 volumes + 10,000 copies,
  ~120,000 instances took ~400 MiB as CIMInstances); ``get()`` builds a fresh
  CIMInstance from it (~10-20 us), which pywbem_mock may filter as it likes;
* indexes every reference property value: referenced path -> (referrer, role),
  so that References / Associators of one object cost its neighbours, not the
  array (``use_reference_index``).

Instances that are not the projection's (with qualifiers or class origins, as a
client's CreateInstance gives them) are kept as given.
"""

import sys

from pywbem import CIMClass, CIMInstance
from pywbem_mock import InMemoryObjectStore
from pywbem_mock._providerdispatcher import ProviderDispatcher

from .fastcim import _NO_QUALIFIERS, _nocase_dict, copy_instance, copy_path, is_projected, make_property

_SHAPES = {}   # (class name, property declarations) -> the same tuple, shared by every store


def _shape(inst):
    """The interned shape of a projected instance, or None when it cannot be packed."""
    if inst._qualifiers:
        return None
    props = []
    for key, prop in inst._properties._data.values():
        if (prop._qualifiers is not _NO_QUALIFIERS or prop._class_origin is not None or prop._propagated is not None
                or prop._array_size is not None):
            return None
        props.append((key, prop._type, prop._is_array, prop._embedded_object, prop._reference_class))
    shape = (inst._classname, tuple(props))
    return _SHAPES.setdefault(shape, shape)


def _pack(inst):
    shape = _shape(inst)
    if shape is None:
        return inst
    return (shape, inst._path) + tuple(prop._value for dummy, prop in inst._properties._data.values())


def _unpack(record):
    """A fresh CIMInstance of a record (its properties too: pywbem_mock may change what it is given)."""
    if type(record) is not tuple:  # pylint: disable=unidiomatic-typecheck
        return copy_instance(record)
    (classname, props), path = record[0], record[1]
    data = {}
    for (name, type_, is_array, embedded, reference_class), value in zip(props, record[2:]):
        data[name.casefold()] = (name, make_property(name, value, type_, is_array, embedded, reference_class))
    inst = object.__new__(CIMInstance)
    inst._classname = classname
    properties = _nocase_dict()
    properties._data = data
    inst._properties = properties
    inst._qualifiers = _nocase_dict()
    inst._path = copy_path(path)
    return inst


def _references(record):
    """(property name, referenced path) of each non-NULL reference property of a record."""
    if type(record) is not tuple:  # pylint: disable=unidiomatic-typecheck
        return [(prop.name, prop.value) for prop in record.properties.values()
                if prop.type == 'reference' and prop.value is not None and not prop.is_array]
    return [(decl[0], value) for decl, value in zip(record[0][1], record[2:]) if decl[1] == 'reference' and value is not None]


class _Listed:
    """What iter_values() hands pywbem_mock's scans: the path and class name; the rest is built when read."""

    __slots__ = ('path', '_record')

    def __init__(self, path, record):
        self.path = path
        self._record = record

    @property
    def classname(self):
        return self.path.classname

    @property
    def properties(self):
        return _unpack(self._record).properties


class FastInstanceStore(InMemoryObjectStore):
    """Instance store whose objects are owned by the array's projection: packed, with a reference index."""

    def __init__(self):
        super().__init__(CIMInstance)
        self._referrers = {}   # referenced path -> {(referring instance's path, role in lower case)}

    def put(self, name, cim_object):
        """Store (or replace) an instance as given: the caller does not change it afterwards."""
        old = self._data.get(name)
        if old is not None:
            self._unindex(name, old)
        record = _pack(cim_object)
        self._data[name] = record
        for role, target in _references(record):
            self._referrers.setdefault(target, set()).add((name, role.lower()))

    def discard(self, name):
        old = self._data.pop(name, None)
        if old is not None:
            self._unindex(name, old)

    def _unindex(self, name, record):
        for role, target in _references(record):
            referrers = self._referrers.get(target)
            if referrers is not None:
                referrers.discard((name, role.lower()))
                if not referrers:
                    del self._referrers[target]

    def referrers(self, path):
        """{(path of an instance with a reference property valued ``path``, that property's name in lower case)}."""
        return self._referrers.get(path, ())

    def create(self, name, cim_object):
        if name in self._data:
            raise ValueError('Name "%s" already in the instance store' % name)
        self.put(name, cim_object)

    def update(self, name, cim_object):
        if name not in self._data:
            raise KeyError('Name %s not in the instance store' % name)
        self.put(name, cim_object)

    def delete(self, name):
        if name not in self._data:
            raise KeyError('Name %s not in the instance store' % name)
        self.discard(name)

    def get(self, name, copy=True):
        try:
            record = self._data[name]
        except KeyError:
            raise KeyError('Name %s not in the instance store' % name) from None
        return _unpack(record)

    def iter_values(self, copy=True):
        # MainProvider's scans read class names and paths, and fetch the instances they return through get().
        return iter([_Listed(path, record) for path, record in self._data.items()])


def use_reference_index(conn, namespace):
    """Answer pywbem_mock's search for the references to an object (References, Associators and their
    Names and pull forms) in ``namespace`` from its FastInstanceStore's index, with the MainProvider's own checks."""
    main = conn._mainprovider  # pylint: disable=protected-access
    scan = main._get_reference_instnames  # pylint: disable=protected-access
    namespace = namespace.strip('/')

    def indexed(ns, instname, result_class, role):
        if ns.strip('/') != namespace:
            return scan(ns, instname, result_class, role)
        class_store = main.cimrepository.get_class_store(ns)
        if not class_store.object_exists(instname.classname):
            return scan(ns, instname, result_class, role)   # the MainProvider's own error
        if result_class:
            main._validate_class_exists(ns, result_class, 'ResultClass')  # pylint: disable=protected-access
        result_classes = main._subclasses_lc(result_class, class_store)  # pylint: disable=protected-access
        instname.namespace = ns
        role = role.lower() if role else None
        return {path for path, path_role in main.cimrepository.get_instance_store(ns).referrers(instname)
                if (not result_class or path.classname.lower() in result_classes) and (not role or path_role == role)}

    main._get_reference_instnames = indexed  # pylint: disable=protected-access


class MethodDispatchClassStore(InMemoryObjectStore):
    """Class store that spares pywbem_mock's method dispatcher a deep copy of the target's class on every
    InvokeMethod (it only reads the method's declaration; the copy of TPD_StorageConfigurationService was 3/4 of
    the server's time in a CreateReplica, measured with py-spy). Every other reader still gets a copy: GetClass
    filters the one it is given. The simulator never changes a class once the schema is loaded."""

    _DISPATCH = ProviderDispatcher.InvokeMethod.__code__

    def __init__(self):
        super().__init__(CIMClass)

    def get(self, name, copy=True):
        if copy and sys._getframe(1).f_code is self._DISPATCH:  # pylint: disable=protected-access
            copy = False
        return super().get(name, copy=copy)


def install_class_store(repository, namespace):
    """Replace the (empty) class store of a namespace with a MethodDispatchClassStore, before the schema is loaded."""
    repository._repository[namespace.strip('/')]['classes'] = MethodDispatchClassStore()  # pylint: disable=protected-access


def install(repository, namespace):
    """Replace the (empty) instance store of a namespace with a FastInstanceStore."""
    store = FastInstanceStore()
    repository._repository[namespace.strip('/')]['instances'] = store  # pylint: disable=protected-access
    return store


def skip_cleanup_of_projected_instances(conn):
    """Spare pywbem_mock's per-read removal of qualifiers and class origins on projected instances.

    The MainProvider strips qualifiers and class origins from every instance it
    returns, rebuilding each property's qualifier dict; projected instances
    carry neither, and at 10,000 instances the stripping costs more than the
    rest of an enumeration.
    """
    main = conn._mainprovider  # pylint: disable=protected-access
    strip_qualifiers, strip_class_origin = main._remove_qualifiers, main._remove_classorigin  # pylint: disable=protected-access

    def remove_qualifiers(obj):
        if not (isinstance(obj, CIMInstance) and is_projected(obj)):
            strip_qualifiers(obj)

    def remove_classorigin(obj):
        if not (isinstance(obj, CIMInstance) and is_projected(obj)):
            strip_class_origin(obj)

    main._remove_qualifiers = remove_qualifiers  # pylint: disable=protected-access
    main._remove_classorigin = remove_classorigin  # pylint: disable=protected-access
