"""Serialise CIM-XML responses once per object: a byte-bounded cache of pywbem's fragments.

pywbem stays the serialiser (``tocimxml()`` and ``_cim_xml`` elements); this
module only avoids doing the same work twice. At 10,000 instances pywbem's
minidom-based serialisation costs ~2 ms an instance, the array ~30 us.

* ``FragmentCache`` keeps the serialised ``INSTANCE`` of an instance and the
  ``INSTANCENAME`` of a path, already expanded for sblim-wbemcli
  (``cimxml.expand_empty_elements``) and UTF-8 encoded, keyed by a content
  key of the object (``instance_key`` / ``path_key``): everything pywbem's
  ``tocimxml()`` reads, with Python types, so equal keys give equal bytes and
  a changed object gets a new key (stale bytes are never served; the old
  entry ages out). Least recently used entries go when the byte bound is
  exceeded. Fragments are kept zlib-compressed against a per-class preset
  dictionary (~20x smaller: the array alone takes ~400 MiB at 10,000 + 10,000
  volumes, the memory goal is 500 MiB) and a response's ``Body`` unpacks them
  only as the server writes them.
* ``Template`` is a pywbem element serialised with placeholder text nodes
  where fragments go (the response envelope, ``VALUE.NAMEDINSTANCE``,
  ``INSTANCEPATH`` with this server as host...), split at the placeholders.
  A response is the templates' literal parts and the cached fragments joined:
  every byte was written by pywbem, and the result is byte-identical to
  serialising the whole response in one go (tests/test_frontend_speed_cache.py).
* ``Prewarmer`` fills the cache for the big classes in a background thread
  after the server starts, taking the array lock per pull of 100 instances
  (pywbem_mock's OpenEnumerateInstances does the whole enumeration at once:
  ~0.1-0.3 s under the lock at 10,000 instances) and pausing while requests
  are being served.
"""

import logging
import sys
import threading
import time
import uuid
import zlib
from collections import OrderedDict

from pywbem import CIMClassName, CIMDateTime, CIMError, CIMInstance, CIMInstanceName
from pywbem import _cim_xml

from .array.fastcim import FrozenPath

LOG = logging.getLogger(__name__)

DEFAULT_MAX_BYTES = 32 * 1024 * 1024  # 10,000 copies and their paths take ~20 MiB; the rest goes to volumes
ENTRY_OVERHEAD = 600  # bytes per entry besides fragment and key (LRU node, entry tuple, Packed; measured: RSS grows ~this much more)
_ZDICT_MAX = 32 * 1024  # zlib uses at most a window's worth of preset dictionary


class Uncacheable(Exception):
    """An object whose serialisation the content key cannot capture (embedded objects, qualifiers)."""


# --- content keys ------------------------------------------------------------------------
#
# A key is a flat tuple: a marker, the class name, then for each property (keybinding) a
# fixed number of items ending with the value's kind and value. Flat tuples are several
# times smaller and faster to build than nested ones; the fixed stride keeps them unambiguous.

# Property attributes besides name, type and value that tocimxml() writes; interned:
# nearly every property shares one of a handful of combinations.
_EXTRAS = {}


class SharedKey(tuple):
    """A key part held once and shared by the keys that nest it (a FrozenPath's key, property extras)."""

    __slots__ = ()


# id(FrozenPath) -> (the path, its SharedKey). The path is held, so its id cannot be reused
# while the entry exists; FrozenPaths are never changed after the array builds them
# (array/fastcim.py). Cleared when it grows past _MEMO_LIMIT.
_MEMO = {}
_MEMO_LIMIT = 65536


def _reference_key(path):
    if type(path) is FrozenPath:  # pylint: disable=unidiomatic-typecheck
        entry = _MEMO.get(id(path))
        if entry is not None and entry[0] is path:
            return entry[1]
        key = SharedKey(path_key(path))
        if len(_MEMO) >= _MEMO_LIMIT:
            _MEMO.clear()
        _MEMO[id(path)] = (path, key)
        return key
    return path_key(path)


def _add_value(out, value):
    """Append (kind, value) for a property or keybinding value: how pywbem writes it.

    The Python type is part of the key: Uint16(1), Uint32(1), 1 and True are
    equal (and hash alike) in Python but are written with different TYPE
    attributes or text.
    """
    kind = type(value)
    if kind is str or value is None:
        out += (kind, value)
    elif isinstance(value, CIMInstanceName):
        out += (CIMInstanceName, _reference_key(value))
    elif kind is list:
        items = []
        for item in value:
            _add_value(items, item)
        out += (list, tuple(items))
    elif isinstance(value, float):
        out += (kind, repr(value))  # 0.0 == -0.0, but they are written differently
    elif isinstance(value, CIMDateTime):
        out += (kind, str(value))
    elif isinstance(value, (int, str, bytes)):  # bool, CIMInt subclasses, Char16
        out += (kind, value)
    else:
        raise Uncacheable(kind.__name__)


def path_key(path, with_location=True):
    """Content key of a CIMInstanceName: class name, keybindings in order, and namespace and host.

    With ``with_location=False`` the key is for an ``INSTANCENAME`` element,
    which has neither namespace nor host.
    """
    if with_location:
        out = [CIMInstanceName, path._classname, path._namespace, path._host]
    else:
        out = ['INSTANCENAME', path._classname]
    # pywbem 1.9 internals (pinned): NocaseDict keeps (original name, value) in _data, in order.
    for name, value in path._keybindings._data.values():
        out.append(name)
        _add_value(out, value)
    return tuple(out)


def instance_key(inst):
    """Content key of a CIMInstance's ``INSTANCE`` element (its path is not part of it)."""
    if inst._qualifiers:
        raise Uncacheable('instance qualifiers')
    out = [CIMInstance, inst._classname]
    for dummy, prop in inst._properties._data.values():
        if prop._qualifiers:
            raise Uncacheable('property qualifiers')
        extras = (prop._type, prop._is_array, prop._array_size, prop._reference_class, prop._embedded_object,
                  prop._class_origin, prop._propagated)
        shared = _EXTRAS.get(extras)
        if shared is None:
            shared = _EXTRAS.setdefault(extras, SharedKey(extras))
        out += (prop._name, shared)
        _add_value(out, prop._value)
    return tuple(out)


def _key_size(key):
    """Bytes held by a key's own tuples (not shared keys; the strings and numbers are the array's)."""
    size = sys.getsizeof(key)
    for item in key:
        if type(item) is tuple:  # pylint: disable=unidiomatic-typecheck
            size += _key_size(item)
    return size


# --- the cache -----------------------------------------------------------------------------

class Packed:
    """A cached fragment as stored (compressed); ``len()`` is its size, ``unpack()`` its bytes."""

    __slots__ = ('data', 'zdict', 'length')

    def __init__(self, data, zdict, length):
        self.data = data
        self.zdict = zdict
        self.length = length

    def __len__(self):
        return self.length

    def unpack(self):
        decompressor = zlib.decompressobj(zdict=self.zdict) if self.zdict else zlib.decompressobj()
        return decompressor.decompress(self.data) + decompressor.flush()


class Body:
    """A response body of bytes and Packed pieces: its length is known, pieces are unpacked as written.

    A 10,000-instance EnumerateInstances response is ~40 MB; written piece by
    piece it never exists in memory as a whole, nor uncompressed.
    """

    def __init__(self, pieces):
        self.pieces = pieces
        self.length = sum(len(piece) for piece in pieces)

    def __len__(self):
        return self.length

    def chunks(self):
        for piece in self.pieces:
            yield piece.unpack() if type(piece) is Packed else piece  # pylint: disable=unidiomatic-typecheck

    def tobytes(self):
        return b''.join(self.chunks())


class FragmentCache:
    """LRU map of content key -> serialised fragment, bounded by ``max_bytes``.

    Fragments are kept zlib-compressed against a preset dictionary per family
    (element and class: the first fragment of the family), since the fragments
    of one class differ in a few values only: a 2,000-byte TPD_StorageSynchronized
    INSTANCE keeps ~90 bytes and decompresses in a few us. An entry costs its
    compressed fragment, its key's own tuples and ENTRY_OVERHEAD; the family
    dictionaries count too. Safe to share between threads; a miss is serialised
    outside the lock (two threads may both serialise the same object; the
    bytes are equal).
    """

    def __init__(self, max_bytes=DEFAULT_MAX_BYTES):
        self.max_bytes = max_bytes
        self.bytes = 0
        self.hits = 0
        self.misses = 0
        self.uncacheable = 0
        self._entries = OrderedDict()  # key -> (Packed fragment, cost)
        self._dictionaries = {}        # family -> preset dictionary
        self._lock = threading.Lock()

    def __len__(self):
        return len(self._entries)

    def __contains__(self, key):
        with self._lock:
            return key in self._entries

    def fragment(self, key, serialise, family=None):
        """The fragment for ``key``: a Packed one from the cache, or ``serialise()``'s bytes (then cached)."""
        with self._lock:
            entry = self._entries.get(key)
            if entry is not None:
                self._entries.move_to_end(key)
                self.hits += 1
                return entry[0]
            self.misses += 1
        data = serialise()
        with self._lock:
            dictionary = self._dictionaries.get(family)
            if dictionary is None:
                dictionary = data[-_ZDICT_MAX:]
                if self.bytes + len(dictionary) + ENTRY_OVERHEAD <= self.max_bytes:
                    self._dictionaries[family] = dictionary
                    self.bytes += len(dictionary) + ENTRY_OVERHEAD
                else:  # no room (dictionaries are not evicted): compress on its own
                    dictionary = b''
        compressor = zlib.compressobj(1, zdict=dictionary) if dictionary else zlib.compressobj(1)
        compressed = compressor.compress(data) + compressor.flush()
        cost = len(compressed) + _key_size(key) + ENTRY_OVERHEAD
        if cost > self.max_bytes:
            return data
        with self._lock:
            old = self._entries.pop(key, None)
            if old is not None:
                self.bytes -= old[1]
            self._entries[key] = (Packed(compressed, dictionary, len(data)), cost)
            self.bytes += cost
            while self.bytes > self.max_bytes and self._entries:
                dummy, (dummy, evicted) = self._entries.popitem(last=False)
                self.bytes -= evicted
        return data

    def stats(self):
        with self._lock:
            return {'entries': len(self._entries), 'bytes': self.bytes, 'max_bytes': self.max_bytes,
                    'hits': self.hits, 'misses': self.misses, 'uncacheable': self.uncacheable}


def serialised(element):
    """pywbem's XML of an element, expanded for sblim-wbemcli, as UTF-8."""
    from .cimxml import expand_empty_elements  # pylint: disable=import-outside-toplevel
    return expand_empty_elements(element.toxml()).encode('utf-8')


def instance_fragment(cache, inst):
    """``INSTANCE`` of ``inst`` (bytes or Packed), through the cache when its content has a key."""
    try:
        key = instance_key(inst)
    except Uncacheable:
        cache.uncacheable += 1
        return serialised(inst.tocimxml(ignore_path=True))
    return cache.fragment(key, lambda: serialised(inst.tocimxml(ignore_path=True)), ('INSTANCE', inst._classname))


def instancename_fragment(cache, path):
    """``INSTANCENAME`` of ``path`` (bytes or Packed), through the cache when its content has a key."""
    try:
        key = path_key(path, with_location=False)
    except Uncacheable:
        cache.uncacheable += 1
        return serialised(path.tocimxml(ignore_namespace=True))
    return cache.fragment(key, lambda: serialised(path.tocimxml(ignore_namespace=True)), ('INSTANCENAME', path._classname))


# --- templates -------------------------------------------------------------------------------

# Placeholder text: letters, digits and '-' pass minidom's escaping unchanged, and the
# random part cannot occur in the array's data.
_TOKEN = 'threepar-sim-slot-%s-' % uuid.uuid4().hex


def slot(index):
    """A pywbem text node standing for fragment ``index`` of a Template."""
    return _cim_xml._text('%s%d' % (_TOKEN, index))  # pylint: disable=protected-access


class Template:
    """Serialised pywbem XML with slots: ``fill(fragments)`` gives the bytes pieces to join.

    ``xml`` (str) is the element's XML (expanded) containing ``slot(0)`` ...
    ``slot(n - 1)`` each exactly once, in order.
    """

    def __init__(self, xml, slots):
        data = xml.encode('utf-8')
        parts = []
        for index in range(slots):
            token = ('%s%d' % (_TOKEN, index)).encode('ascii')
            if data.count(token) != 1:
                raise ValueError('template slot %d appears %d times' % (index, data.count(token)))
            head, data = data.split(token)
            parts.append(head)
        parts.append(data)
        self.parts = parts

    def pieces(self, fragments):
        """The literal parts interleaved with ``fragments``: a list to extend a response with."""
        parts = self.parts
        out = [parts[0]]
        for index, fragment in enumerate(fragments):
            out.append(fragment)
            out.append(parts[index + 1])
        return out


def template(element, slots):
    """Template of a pywbem element built with ``slot(0..slots-1)`` children."""
    from .cimxml import expand_empty_elements  # pylint: disable=import-outside-toplevel
    return Template(expand_empty_elements(element.toxml()), slots)


_PATH_TEMPLATES = OrderedDict()
_PATH_TEMPLATES_LOCK = threading.Lock()


def instancepath_element(namespace, host, instancename):
    """The ``INSTANCEPATH`` pywbem writes for a path in ``namespace`` on ``host``, with ``instancename`` inside.

    Built by pywbem's own ``CIMInstanceName.tocimxml()`` for a stand-in path,
    whose ``INSTANCENAME`` (the last child) is then replaced.
    """
    stand_in = CIMInstanceName('X', keybindings={'K': 'V'}, namespace=namespace, host=host).tocimxml()
    if stand_in.tagName == 'INSTANCENAME':  # no namespace: pywbem writes the INSTANCENAME alone
        return instancename
    stand_in.replaceChild(instancename, stand_in.lastChild)
    return stand_in


def cached_template(key, build, slots):
    """Template for ``key`` (hashable), made by ``build()`` once; keeps the last 256."""
    with _PATH_TEMPLATES_LOCK:
        found = _PATH_TEMPLATES.get(key)
        if found is not None:
            _PATH_TEMPLATES.move_to_end(key)
            return found
    made = template(build(), slots)
    with _PATH_TEMPLATES_LOCK:
        _PATH_TEMPLATES[key] = made
        while len(_PATH_TEMPLATES) > 256:
            _PATH_TEMPLATES.popitem(last=False)
    return made


# --- pre-warming -------------------------------------------------------------------------------

class Prewarmer:
    """Fills the cache for ``classes`` (most wanted first) in ``namespace`` in a daemon thread.

    Instances are read through the array's pywbem_mock connection with a pull
    enumeration of ``batch`` instances, each call under the array lock (the
    open does the whole enumeration, each pull is a few ms), and serialised
    outside it. While ``busy()`` is true (the server is
    answering a request) the thread waits, so it only uses idle time; it
    never serialises a PropertyList-filtered instance, only whole ones, which
    is what EnumerateInstances/pulls without a PropertyList and GetInstance ask for.
    """

    FULL = 0.9  # stop once the cache is this full: classes come in priority order

    def __init__(self, array, cache, namespace, classes, busy=lambda: False, batch=100):
        self.array = array
        self.cache = cache
        self.namespace = namespace
        self.classes = list(classes)
        self.busy = busy
        self.batch = batch
        self.done = 0
        self.full = False     # stopped early: the cache reached FULL
        self.seconds = None   # wall time once finished (or full)
        self._stop = threading.Event()
        self._thread = None

    def start(self):
        self._thread = threading.Thread(target=self._run, name='xml-prewarm', daemon=True)
        self._thread.start()

    def stop(self):
        self._stop.set()

    def join(self, timeout=None):
        if self._thread is not None:
            self._thread.join(timeout)

    @property
    def finished(self):
        return self.seconds is not None

    def _run(self):
        started = time.monotonic()
        try:
            for classname in self.classes:
                try:
                    self._warm(classname)
                except CIMError as exc:  # e.g. an array without that class
                    LOG.debug('not pre-warming %s: %s', classname, exc)
                if self._stop.is_set():
                    return
                if self.full:
                    break
            self.seconds = time.monotonic() - started
            LOG.info('pre-warmed %d instances in %.1f s%s', self.done, self.seconds, ' (cache full)' if self.full else '')
        except Exception:  # pylint: disable=broad-exception-caught
            LOG.exception('pre-warming the CIM-XML cache failed')  # only a missed speed-up

    def _call(self, operation, **params):
        with self.array.lock:
            return dict((name, value) for name, dummy, value in self.array.conn._mock_imethodcall(
                operation, self.namespace, **params) or [])

    def _warm(self, classname):
        result = self._call('OpenEnumerateInstances', ClassName=CIMClassName(classname), MaxObjectCount=self.batch)
        while True:
            for inst in result.get('IRETURNVALUE') or []:
                while self.busy() and not self._stop.is_set():
                    time.sleep(0.01)
                if self.cache.bytes >= self.FULL * self.cache.max_bytes:
                    self.full = True  # pre-warming on would only evict what it warmed first
                if self._stop.is_set() or self.full:
                    break
                instance_fragment(self.cache, inst)
                instancename_fragment(self.cache, inst.path)
                self.done += 1
                time.sleep(0)  # let request threads have the interpreter
            context = result.get('EnumerationContext')
            if str(result.get('EndOfSequence')).strip().lower() == 'true' or not context:
                return
            if self._stop.is_set() or self.full:
                self._call('CloseEnumeration', EnumerationContext=context)
                return
            result = self._call('PullInstancesWithPath', EnumerationContext=context, MaxObjectCount=self.batch)
