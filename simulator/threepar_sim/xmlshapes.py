"""Fast CIM-XML of instances and paths: pywbem writes each shape once, values are filled in.

pywbem stays the serialiser: ``tocimxml()`` writes every tag and attribute.
What it costs is minidom, ~0.5-2 ms an instance, so a 10,000-instance read took
10-20 s to write. Instances of one class differ in their values, rarely in their
shape, so this module has pywbem serialise a stand-in once per shape and keeps
that as a ``Template``; an instance is then the template's literal parts joined
with its values, each written as pywbem writes it (``atomic_to_cim_xml``, then
minidom's text escaping). Writing an instance costs ~20-40 us, the same on the
first read as on every later one, and nothing is kept per object.

* The shape of an instance: its class and, per property, every attribute pywbem
  writes (name, type, array, array size, reference class, class origin,
  propagated) and where values are NULL. Properties with qualifiers or
  embedded objects have no template: such instances are serialised whole.
* The shape of a path: class, namespace, host and the keybindings' names and
  Python types (string and reference keybindings only; others are written
  whole). Reference values (and reference keybindings) are written by the
  same means, recursively.
* ``tests/test_frontend_speed_cache.py`` checks that every response is
  byte-identical to serialising the same objects with pywbem in one go.
"""

import re
import threading
import uuid
from collections import OrderedDict

from pywbem import CIMInstanceName
from pywbem import _cim_xml
from pywbem._cim_types import atomic_to_cim_xml

from .array.fastcim import make_instance, make_path, make_property

# Placeholder text: letters, digits and '-' pass minidom's escaping unchanged, and the
# random part cannot occur in the array's data.
_TOKEN = 'threepar-sim-slot-%s-' % uuid.uuid4().hex
_MAX_SHAPES = 4096    # templates kept (an array has a few dozen shapes; a bound against odd clients)
_TEXT, _PATH = 0, 1   # what fills a slot: a value's text, or a reference's path


class NoShape(Exception):
    """An object this module cannot template: pywbem writes it whole."""


def serialised(element):
    """pywbem's XML of an element, expanded for sblim-wbemcli, as UTF-8."""
    from .cimxml import expand_empty_elements  # pylint: disable=import-outside-toplevel
    return expand_empty_elements(element.toxml()).encode('utf-8')


# --- templates -------------------------------------------------------------------------------

def slot(index):
    """A pywbem text node standing for fragment ``index`` of a Template."""
    return _cim_xml._text(_token(index))  # pylint: disable=protected-access


def _token(index):
    return '%s%d-' % (_TOKEN, index)  # the trailing '-' keeps slot 1 from matching inside slot 10


class Template:
    """Serialised pywbem XML with slots: ``pieces(fragments)`` gives the bytes pieces to join.

    ``xml`` (str) is the element's XML (expanded) containing ``slot(0)`` ...
    ``slot(n - 1)`` each exactly once, in order.
    """

    def __init__(self, xml, slots):
        data = xml.encode('utf-8')
        parts = []
        for index in range(slots):
            token = _token(index).encode('ascii')
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

    def join(self, fragments):
        return b''.join(self.pieces(fragments))


def template(element, slots):
    """Template of a pywbem element built with ``slot(0..slots-1)`` children."""
    from .cimxml import expand_empty_elements  # pylint: disable=import-outside-toplevel
    return Template(expand_empty_elements(element.toxml()), slots)


class _Templates:
    """Bounded map of key -> Template, made by ``build()`` on first use; safe to share between threads."""

    def __init__(self, limit):
        self.limit = limit
        self._made = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key, build):
        with self._lock:
            found = self._made.get(key)
            if found is not None:
                return found
        made = build()   # outside the lock: two threads may both build it (the results are equal)
        with self._lock:
            self._made[key] = made
            if len(self._made) > self.limit:
                self._made.popitem(last=False)
        return made


_ENVELOPES = _Templates(256)
_SHAPES = _Templates(_MAX_SHAPES)


def cached_template(key, build, slots):
    """Template for ``key`` (hashable) of the element ``build()`` makes, made once."""
    return _ENVELOPES.get(key, lambda: template(build(), slots))


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


class Body:
    """A response body as bytes pieces, written one after another: ``len()``, ``chunks()``, ``tobytes()``."""

    def __init__(self, pieces):
        self.pieces = pieces
        self.length = sum(len(piece) for piece in pieces)

    def __len__(self):
        return self.length

    def chunks(self):
        return iter(self.pieces)

    def tobytes(self):
        return b''.join(self.pieces)


# --- values ----------------------------------------------------------------------------------

def _text(value):
    """A value's text as pywbem writes it in a VALUE or KEYVALUE: atomic_to_cim_xml, then minidom's escaping."""
    text = value if type(value) is str else atomic_to_cim_xml(value)  # pylint: disable=unidiomatic-typecheck
    if '&' in text or '<' in text or '>' in text or '"' in text:
        text = text.replace('&', '&amp;').replace('<', '&lt;').replace('"', '&quot;').replace('>', '&gt;')
    return text.encode('utf-8')


def _fill(fillers, values):
    return [_text(value) if kind == _TEXT else path_fragment(value) for kind, value in zip(fillers, values)]


def _reference_stand_in(index):
    """A path pywbem writes as one INSTANCENAME whose CLASSNAME is slot ``index``'s token."""
    return CIMInstanceName(_token(index), keybindings={'K': 'V'})


def _slots_for_references(xml, count):
    """Replace each reference stand-in's whole INSTANCENAME by its token."""
    for index in range(count):
        token = _token(index)
        xml = re.sub(r'<INSTANCENAME CLASSNAME="%s">.*?</INSTANCENAME>' % re.escape(token), token, xml, count=1)
    return xml


# --- paths -----------------------------------------------------------------------------------

def _path_shape(path, location):
    """(shape key, values to fill) of a path; ``location``: pywbem's tocimxml() writes namespace and host."""
    key = [path._classname, path._namespace if location else None, path._host if location else None]
    values = []
    for name, value in path._keybindings._data.values():
        kind = type(value)
        if kind is str:
            key += (name, _TEXT)
        elif isinstance(value, CIMInstanceName):
            key += (name, _PATH)
        else:
            raise NoShape('keybinding of type %s' % kind.__name__)
        values.append(value)
    return tuple(key), values


def _path_template(key):
    classname, namespace, host = key[:3]
    names, fillers, keybindings = key[3::2], key[4::2], {}
    for index, (name, kind) in enumerate(zip(names, fillers)):
        keybindings[name] = _token(index) if kind == _TEXT else _reference_stand_in(index)
    stand_in = make_path(classname, keybindings, namespace)
    stand_in._host = host
    xml = _slots_for_references(serialised(stand_in.tocimxml()).decode('utf-8'), len(names))
    return Template(xml, len(names)), fillers


def _path_bytes(path, location):
    try:
        key, values = _path_shape(path, location)
    except NoShape:
        return serialised(path.tocimxml(ignore_namespace=not location))
    made, fillers = _SHAPES.get(('path',) + key, lambda: _path_template(key))
    return made.join(_fill(fillers, values))


def path_fragment(path):
    """What ``path.tocimxml()`` writes (INSTANCENAME, LOCALINSTANCEPATH or INSTANCEPATH), as bytes."""
    return _path_bytes(path, True)


def instancename_fragment(path):
    """What ``path.tocimxml(ignore_namespace=True)`` writes: the ``INSTANCENAME``, as bytes."""
    return _path_bytes(path, False)


# --- instances -------------------------------------------------------------------------------

_ATTRIBUTES = {}   # the attributes pywbem writes for a property, besides its value (interned)


def _instance_shape(inst):
    """(shape key, fillers, values to fill) of an instance."""
    if inst._qualifiers:
        raise NoShape('instance qualifiers')
    key = [inst._classname]
    fillers, values = [], []
    for dummy, prop in inst._properties._data.values():
        if prop._qualifiers or prop._embedded_object:
            raise NoShape('qualifiers or embedded object')
        attributes = (prop._name, prop._type, prop._is_array, prop._array_size, prop._reference_class,
                      prop._class_origin, prop._propagated)
        attributes = _ATTRIBUTES.setdefault(attributes, attributes)   # one tuple per combination, shared
        value = prop._value
        kind = _PATH if prop._type == 'reference' else _TEXT
        if value is None:
            key += (attributes, None)
        elif prop._is_array:
            if kind == _PATH:
                raise NoShape('reference array')
            key += (attributes, tuple(item is None for item in value))
            for item in value:
                if item is not None:
                    fillers.append(kind)
                    values.append(item)
        else:
            key += (attributes, True)
            fillers.append(kind)
            values.append(value)
    return tuple(key), fillers, values


def _instance_template(inst, fillers):
    """Template of the instance's shape: a stand-in with the same attributes and a token for each value."""
    index = 0
    props = []
    for dummy, prop in inst._properties._data.values():
        value = prop._value
        if value is None:
            stand_value = None
        elif prop._is_array:
            stand_value = []
            for item in value:
                stand_value.append(None if item is None else _token(index))
                index += item is not None
        else:
            stand_value = _reference_stand_in(index) if fillers[index] == _PATH else _token(index)
            index += 1
        stand_in = make_property(prop._name, stand_value, prop._type, prop._is_array, None, prop._reference_class)
        stand_in._array_size = prop._array_size
        stand_in._class_origin = prop._class_origin
        stand_in._propagated = prop._propagated
        props.append(stand_in)
    xml = serialised(make_instance(inst._classname, None, props).tocimxml(ignore_path=True)).decode('utf-8')
    return Template(_slots_for_references(xml, index), index)


def instance_fragment(inst):
    """What ``inst.tocimxml(ignore_path=True)`` writes: the ``INSTANCE``, as bytes."""
    try:
        key, fillers, values = _instance_shape(inst)
    except NoShape:
        return serialised(inst.tocimxml(ignore_path=True))
    made = _SHAPES.get(('instance',) + key, lambda: _instance_template(inst, fillers))
    return made.join(_fill(fillers, values))
