"""Job indications: TPD_ConcreteJobInstModification exported as CIM-XML to listeners.

The array builds the indication and picks its destinations while it holds its
lock; a separate sender thread does the HTTP POSTs (short timeout, errors
dropped), so neither the ticker nor a CIM request ever waits on a listener.
"""

import http.client
import itertools
import logging
import queue
import re
import threading
import urllib.parse

from pywbem import CIMDateTime, CIMInstance, CIMProperty
from pywbem._cim_xml import CIM, EXPMETHODCALL, EXPPARAMVALUE, MESSAGE, SIMPLEEXPREQ

from . import values as v

LOG = logging.getLogger(__name__)
SEND_TIMEOUT = 2.0
FROM_CLASS = re.compile(r'\bFROM\s+([A-Za-z_][A-Za-z0-9_]*)', re.IGNORECASE)
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


def indication_superclasses(class_store):
    """Lower-case names of TPD_ConcreteJobInstModification and its superclasses."""
    names, classname = set(), v.JOB_INDICATION_CLASS
    while classname:
        names.add(classname.lower())
        classname = class_store.get(classname, copy=False).superclass
    return names


def destinations(interop_store, accepted_classes):
    """Listener URLs of enabled subscriptions whose filter selects a job indication class."""
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
        match = FROM_CLASS.search(flt.get('Query') or '')
        if match and match.group(1).lower() in accepted_classes:
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
