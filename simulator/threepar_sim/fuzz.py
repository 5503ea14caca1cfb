"""Mutated CIM-XML requests: a seeded generator of broken variants of real requests, and a raw POST to send them.

For robustness tests of the server (simulator/tests/test_frontend_fuzz.py, bench/simulator_load.py --fuzz): a
mutation changes one thing (a character, a slice, an attribute or text value, a tag, a repeated part), so that most
variants get past some of the parser and reach the operations.
"""

import base64
import http.client

import pywbem
from pywbem import Uint16, Uint64

NS = 'root/tpd'
TAGS = ['CLASSNAME', 'INSTANCENAME', 'KEYBINDING', 'KEYVALUE', 'VALUE', 'VALUE.ARRAY', 'VALUE.REFERENCE', 'IPARAMVALUE',
        'PARAMVALUE', 'LOCALNAMESPACEPATH', 'NAMESPACE', 'LOCALINSTANCEPATH', 'INSTANCE', 'PROPERTY', 'IMETHODCALL']
ODD_TEXT = ['', '-1', '0', '18446744073709551616', '1e999', 'NaN', 'TRUE', 'x' * 2000, '&amp;', '&#0;', '\u00e9', '..',
            'TPD_StorageVolume', 'CIM_ManagedElement', 'root/interop', '20261207170000.000000+000', '\u0661']


def captured_requests(conn, volume, service):
    """(CIMMethod header, body) of real pywbem requests: reads of every shape, and two methods that change nothing
    the test checks afterwards."""
    calls = [
        lambda: conn.EnumerateInstances('TPD_StorageVolume', PropertyList=['ElementName', 'CopyOf']),
        lambda: conn.EnumerateInstanceNames('TPD_StorageSynchronized'),
        lambda: conn.GetInstance(volume, PropertyList=['ElementName']),
        lambda: conn.References(volume, ResultClass='TPD_StorageSynchronized'),
        lambda: conn.AssociatorNames(volume, AssocClass='TPD_AllocatedFromStoragePool'),
        lambda: conn.OpenEnumerateInstances('TPD_StorageVolume', MaxObjectCount=2),
        lambda: conn.GetClass('TPD_StorageVolume', LocalOnly=False),
        lambda: conn.EnumerateClassNames(ClassName='CIM_ManagedElement'),
        lambda: conn.InvokeMethod('CreateReplica', service, SourceElement=volume, CopyType=Uint16(4), ElementName='fz1'),
        lambda: conn.InvokeMethod('CreateOrModifyElementFromStoragePool', service, ElementName='fz2', ElementType=Uint16(2),
                                  Size=Uint64(256 * 1024 ** 2)),
    ]
    captured = []
    for call in calls:
        try:
            call()
        except pywbem.Error:
            pass     # refused as given (e.g. a name already taken): the body is as good a seed
        body = conn.last_raw_request
        name = body.split('NAME="', 2)[1].split('"', 1)[0] if '<IMETHODCALL' in body else body.split('<METHODCALL NAME="', 1)[1].split('"', 1)[0]
        captured.append((name, body.encode('utf-8')))
    return captured


def mutate(rng, body):
    text = body.decode('utf-8')
    kind = rng.randrange(6)
    if kind == 0 and text:      # one character replaced
        at = rng.randrange(len(text))
        text = text[:at] + rng.choice('<>&"=/ x0\u00e9') + text[at + 1:]
    elif kind == 1:             # a slice removed
        at = rng.randrange(len(text))
        text = text[:at] + text[at + rng.randint(1, 40):]
    elif kind == 2:             # an attribute value replaced
        parts = text.split('NAME="')
        if len(parts) > 1:
            at = rng.randrange(1, len(parts))
            parts[at] = rng.choice(ODD_TEXT).replace('"', '') + parts[at][parts[at].index('"'):]
            text = 'NAME="'.join(parts)
    elif kind == 3:             # a text value replaced
        parts = text.split('</VALUE>')
        if len(parts) > 1:
            at = rng.randrange(len(parts) - 1)
            head, dummy, dummy2 = parts[at].rpartition('>')
            parts[at] = head + '>' + rng.choice(ODD_TEXT)
            text = '</VALUE>'.join(parts)
    elif kind == 4:             # one element's tag renamed (start and end)
        tag = rng.choice(TAGS)
        if '<%s' % tag in text:
            other = rng.choice(TAGS)
            text = text.replace('<%s ' % tag, '<%s ' % other, 1).replace('<%s>' % tag, '<%s>' % other, 1)
            text = text.replace('</%s>' % tag, '</%s>' % other, 1)
    else:                       # a part of the request repeated
        at, end = sorted(rng.randrange(len(text)) for dummy in range(2))
        text = text[:end] + text[at:end] + text[end:]
    return text.encode('utf-8')


def post(port, name, body, user='3paradm', password='3pardata'):
    conn = http.client.HTTPConnection('127.0.0.1', port, timeout=30)
    try:
        conn.request('POST', '/cimom', body=body, headers={
            'Content-Type': 'application/xml; charset="utf-8"', 'CIMOperation': 'MethodCall', 'CIMMethod': name,
            'CIMObject': NS, 'Authorization': 'Basic ' + base64.b64encode(('%s:%s' % (user, password)).encode()).decode()})
        response = conn.getresponse()
        return response.status, response.read()
    finally:
        conn.close()
