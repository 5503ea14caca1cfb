"""An instance store for pywbem_mock tuned for 100,000 instances.

pywbem_mock's InMemoryObjectStore deep-copies on every create and read. The
array owns the instances it stores (the projection builds fresh ones and never
changes them afterwards), so this store keeps them as given, hands the
MainProvider's read-only scans the stored objects, and copies cheaply on get.
"""

import sys

from pywbem import CIMClass, CIMInstance
from pywbem_mock import InMemoryObjectStore
from pywbem_mock._providerdispatcher import ProviderDispatcher

from .fastcim import copy_instance, is_projected


class FastInstanceStore(InMemoryObjectStore):
    """Instance store whose objects are owned by the array's projection."""

    def __init__(self):
        super().__init__(CIMInstance)

    @property
    def data(self):
        """The path -> instance dict, for the projection's bulk updates."""
        return self._data

    def create(self, name, cim_object):
        if name in self._data:
            raise ValueError('Name "%s" already in the instance store' % name)
        self._data[name] = cim_object

    def get(self, name, copy=True):
        try:
            stored = self._data[name]
        except KeyError:
            raise KeyError('Name %s not in the instance store' % name) from None
        return copy_instance(stored) if copy else stored

    def iter_values(self, copy=True):
        # MainProvider only reads the values it scans (class names, reference
        # properties) and fetches the ones it returns through get().
        return iter(list(self._data.values()))


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
