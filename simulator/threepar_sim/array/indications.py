"""Job indications: TPD_ConcreteJobInstModification exported as CIM-XML to listeners.

Filters: ``SELECT <* | properties> FROM <class> [WHERE <condition>]`` in DMTF:CQL
(also CIM:CQL and WQL, same subset). The FROM class must be the indication class
or one of its superclasses. The condition is ``SourceInstance ISA <class>``
(the class or a superclass of the job) combined with AND, OR, NOT and
parentheses. ``parse_query`` refuses anything else at CreateInstance of the
filter (MODEL.md "Indications").

The array builds the indication and picks its destinations while it holds its
lock; a separate sender thread does the HTTP POSTs (short timeout, errors
dropped), so neither the ticker nor a CIM request ever waits on a listener.
"""

import functools
import http.client
import itertools
import logging
import queue
import re
import threading
import urllib.parse

from pywbem import CIM_ERR_INVALID_QUERY, CIM_ERR_QUERY_LANGUAGE_NOT_SUPPORTED, CIMDateTime, CIMError, CIMInstance, CIMProperty
from pywbem._cim_xml import CIM, EXPMETHODCALL, EXPPARAMVALUE, MESSAGE, SIMPLEEXPREQ

from . import values as v

LOG = logging.getLogger(__name__)
SEND_TIMEOUT = 2.0
QUERY_LANGUAGES = ('dmtf:cql', 'cim:cql', 'wql')
_TOKEN = re.compile(r"\s*(?:(\()|(\))|(\*)|(,)|'([A-Za-z_][A-Za-z0-9_]*)'|\"([A-Za-z_][A-Za-z0-9_]*)\"|([A-Za-z_][A-Za-z0-9_.]*))")
_KEYWORDS = ('select', 'from', 'where', 'and', 'or', 'not', 'isa')
SUBSCRIPTION_ENABLED = 2

_MESSAGE_IDS = itertools.count(1000)
_INDICATION_IDS = itertools.count(1)


def job_indication(job_instance, previous_instance, host):
    """The TPD_ConcreteJobInstModification for one job transition."""
    source = CIMInstance(job_instance.classname, properties=job_instance.properties)
    previous = CIMInstance(previous_instance.classname, properties=previous_instance.properties)
    return CIMInstance(v.JOB_INDICATION_CLASS, properties=[
        CIMProperty('IndicationIdentifier', 'TPD:IND:%d' % next(_INDICATION_IDS)),
        CIMProperty('IndicationTime', CIMDateTime.now()),
        CIMProperty('SourceInstance', source, embedded_object='instance'),
        CIMProperty('PreviousInstance', previous, embedded_object='instance'),
        CIMProperty('SourceInstanceModelPath', job_instance.path.to_wbem_uri()),
        CIMProperty('SourceInstanceHost', host),
    ])


def export_request(indication):
    """CIM-XML ExportIndication request body (DSP0200 SIMPLEEXPREQ)."""
    msg_id = str(next(_MESSAGE_IDS))
    body = CIM(MESSAGE(SIMPLEEXPREQ(EXPMETHODCALL('ExportIndication', [EXPPARAMVALUE('NewIndication', indication.tocimxml())])),
                       msg_id, '1.0'), '2.0', '2.0')
    return '<?xml version="1.0" encoding="utf-8" ?>\n' + body.toxml()


def indication_superclasses(class_store, classname=v.JOB_INDICATION_CLASS):
    """Lower-case names of ``classname`` (default TPD_ConcreteJobInstModification) and its superclasses."""
    names = set()
    while classname:
        names.add(classname.lower())
        classname = class_store.get(classname, copy=False).superclass
    return names


def _tokens(query):
    tokens, pos = [], 0
    query = query.rstrip().rstrip(';')
    while pos < len(query.rstrip()):
        match = _TOKEN.match(query, pos)
        if not match or match.end() == pos:
            raise ValueError('unexpected text at %r' % query[pos:pos + 20])
        lparen, rparen, star, comma, single, double, word = match.groups()
        if word and word.lower() in _KEYWORDS:
            tokens.append(('kw', word.lower()))
        elif word or single or double:
            tokens.append(('name', word or single or double))
        else:
            tokens.append(('sym', lparen or rparen or star or comma))
        pos = match.end()
    return tokens


class _Parser:
    """Recursive descent over the tokens of one query; the condition becomes nested tuples."""

    def __init__(self, tokens):
        self.tokens, self.pos = tokens, 0

    def peek(self):
        return self.tokens[self.pos] if self.pos < len(self.tokens) else (None, None)

    def take(self, kind, value=None):
        token = self.peek()
        if token[0] != kind or (value is not None and token[1] != value):
            raise ValueError('expected %s at token %d' % (value or kind, self.pos))
        self.pos += 1
        return token[1]

    def query(self):
        self.take('kw', 'select')
        if self.peek() == ('sym', '*'):
            self.pos += 1
        else:
            self.take('name')
            while self.peek() == ('sym', ','):
                self.pos += 1
                self.take('name')
        self.take('kw', 'from')
        from_class = self.take('name')
        condition = None
        if self.peek() == ('kw', 'where'):
            self.pos += 1
            condition = self.disjunction()
        if self.pos != len(self.tokens):
            raise ValueError('unexpected token %d' % self.pos)
        return from_class.lower(), condition

    def disjunction(self):
        terms = [self.conjunction()]
        while self.peek() == ('kw', 'or'):
            self.pos += 1
            terms.append(self.conjunction())
        return terms[0] if len(terms) == 1 else ('or', terms)

    def conjunction(self):
        terms = [self.negation()]
        while self.peek() == ('kw', 'and'):
            self.pos += 1
            terms.append(self.negation())
        return terms[0] if len(terms) == 1 else ('and', terms)

    def negation(self):
        if self.peek() == ('kw', 'not'):
            self.pos += 1
            return ('not', self.negation())
        if self.peek() == ('sym', '('):
            self.pos += 1
            inner = self.disjunction()
            self.take('sym', ')')
            return inner
        if self.take('name').lower() != 'sourceinstance':
            raise ValueError('only SourceInstance ISA <class> conditions are supported')
        self.take('kw', 'isa')
        return ('isa', self.take('name').lower())


@functools.lru_cache(maxsize=256)
def _parse(query):
    return _Parser(_tokens(query)).query()


def parse_query(query, language):
    """(from class, condition) of a filter query (both lower case); CIMError 14 / 15 when refused."""
    if (language or '').strip().lower() not in QUERY_LANGUAGES:
        raise CIMError(CIM_ERR_QUERY_LANGUAGE_NOT_SUPPORTED, 'query language %r is not supported (DMTF:CQL, CIM:CQL, WQL)' % language)
    try:
        return _parse(query or '')
    except ValueError as exc:
        raise CIMError(CIM_ERR_INVALID_QUERY, 'invalid query %r: %s' % (query, exc)) from None


def _holds(condition, source_classes):
    if condition is None:
        return True
    kind, arg = condition
    if kind == 'isa':
        return arg in source_classes
    if kind == 'not':
        return not _holds(arg, source_classes)
    results = (_holds(term, source_classes) for term in arg)
    return all(results) if kind == 'and' else any(results)


def selects(flt, indication_classes, source_classes):
    """True when filter instance ``flt`` selects an indication of those classes about a SourceInstance of those."""
    try:
        from_class, condition = parse_query(flt.get('Query'), flt.get('QueryLanguage'))
    except CIMError:
        return False  # stored before the check existed (a saved root/interop): selects nothing
    return from_class in indication_classes and _holds(condition, source_classes)


def destinations(interop_store, accepted_classes, source_classes=frozenset()):
    """Listener URLs of enabled subscriptions whose filter selects a job indication (classes lower case)."""
    instances = {inst.path: inst for inst in interop_store.iter_values(copy=False)}
    urls = []
    for inst in instances.values():
        if inst.classname.lower() != 'cim_indicationsubscription':
            continue
        if inst.get('SubscriptionState') not in (None, SUBSCRIPTION_ENABLED):
            continue
        flt, handler = _lookup(instances, inst.get('Filter')), _lookup(instances, inst.get('Handler'))
        if flt is None or handler is None or not handler.get('Destination'):
            continue
        if selects(flt, accepted_classes, source_classes):
            urls.append(handler['Destination'])
    return sorted(set(urls))


def _lookup(instances, path):
    if path is None:
        return None
    for candidate, inst in instances.items():
        if candidate.classname.lower() == path.classname.lower() and candidate.keybindings == path.keybindings:
            return inst
    return None


def post(url, body):
    """POST one export request; True when the listener answered 200."""
    parts = urllib.parse.urlsplit(url)
    conn_class = http.client.HTTPSConnection if parts.scheme == 'https' else http.client.HTTPConnection
    conn = conn_class(parts.hostname, parts.port, timeout=SEND_TIMEOUT)
    try:
        conn.request('POST', parts.path or '/', body.encode('utf-8'), {
            'Content-Type': 'application/xml; charset=utf-8',
            'CIMExport': 'MethodRequest',
            'CIMExportMethod': 'ExportIndication',
            'CIMProtocolVersion': '1.0',
            'Accept': 'application/xml',
        })
        response = conn.getresponse()
        response.read()
        return response.status == 200
    finally:
        conn.close()


class IndicationSender:
    """Background thread that delivers queued (urls, body) exports in order."""

    def __init__(self):
        self.queue = queue.Queue()
        self.sent = 0
        self.failed = 0
        self._thread = None

    def start(self):
        if self._thread is None:
            self._thread = threading.Thread(target=self._run, name='indication-sender', daemon=True)
            self._thread.start()

    def enqueue(self, urls, body):
        if urls:
            self.queue.put((urls, body))

    def close(self):
        if self._thread is not None:
            self.queue.put(None)
            self._thread.join(timeout=SEND_TIMEOUT * 2)
            self._thread = None

    def _run(self):
        while True:
            item = self.queue.get()
            if item is None:
                return
            urls, body = item
            for url in urls:
                try:
                    delivered = post(url, body)
                except (OSError, http.client.HTTPException) as exc:
                    LOG.info('indication to %s not delivered: %s', url, exc)
                    delivered = False
                if delivered:
                    self.sent += 1
                else:
                    self.failed += 1
