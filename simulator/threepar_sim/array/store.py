"""SQLite persistence of the array state (write-through, WAL, one commit per change set).

One table per kind of object, each row the object's fields as JSON. Loading
reads every table in one query each; saving writes only the dirty objects.
Interop instances (indication filters, listener destinations, subscriptions)
are stored as typed property lists so they can be rebuilt exactly.
"""

import json
import os
import sqlite3
from datetime import datetime

from pywbem import CIMDateTime, CIMInstance, CIMInstanceName, CIMProperty

from .rcopy import RcGroup
from .volume_sets import VolumeSet
from .state import Copy, Cpg, Job, Volume, field_names

SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, data TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS cpg (key TEXT PRIMARY KEY, data TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS volume (key TEXT PRIMARY KEY, data TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS copy (key TEXT PRIMARY KEY, data TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS job (key TEXT PRIMARY KEY, data TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS vvset (key TEXT PRIMARY KEY, data TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS rcgroup (key TEXT PRIMARY KEY, data TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS interop (key TEXT PRIMARY KEY, data TEXT NOT NULL);
"""
CLASSES = {'cpg': Cpg, 'volume': Volume, 'copy': Copy, 'job': Job, 'vvset': VolumeSet, 'rcgroup': RcGroup}
DATETIME_FIELDS = frozenset({'when_synced', 'submitted', 'changed', 'started', 'finished', 'expiration_time', 'retention_time'})


def encode(obj):
    data = {}
    for name in field_names(type(obj)):
        value = getattr(obj, name)
        data[name] = value.isoformat() if isinstance(value, datetime) else value
    return json.dumps(data, separators=(',', ':'))


def decode(cls, text):
    data = json.loads(text)
    for name in DATETIME_FIELDS.intersection(data):
        if data[name] is not None:
            data[name] = datetime.fromisoformat(data[name])
    if 'status' in data:
        data['status'] = tuple(data['status'])
    return cls(**data)


def encode_instance(inst):
    """JSON of an interop instance: class, path and typed properties."""
    props = []
    for p in inst.properties.values():
        value = p.value
        if p.type == 'reference' and value is not None:
            value = value.to_wbem_uri()
        elif p.type == 'datetime' and value is not None:
            value = str(value)
        props.append([p.name, p.type, p.is_array, value])
    return json.dumps({'classname': inst.classname, 'path': inst.path.to_wbem_uri(), 'properties': props})


def decode_instance(text):
    data = json.loads(text)
    inst = CIMInstance(data['classname'])
    for name, type_, is_array, value in data['properties']:
        if type_ == 'reference' and value is not None:
            value = CIMInstanceName.from_wbem_uri(value)
        elif type_ == 'datetime' and value is not None:
            value = CIMDateTime(value)
        inst[name] = CIMProperty(name, value, type=type_, is_array=is_array)
    inst.path = CIMInstanceName.from_wbem_uri(data['path'])
    return inst


class Store:
    """The array's SQLite file."""

    def __init__(self, data_dir):
        os.makedirs(data_dir, exist_ok=True)
        self.path = os.path.join(data_dir, 'array.sqlite')
        self.db = sqlite3.connect(self.path, check_same_thread=False)
        self.db.execute('PRAGMA journal_mode=WAL')
        self.db.execute('PRAGMA synchronous=NORMAL')
        self.db.executescript(SCHEMA)

    def is_empty(self):
        return self.db.execute("SELECT COUNT(*) FROM meta WHERE key = 'array'").fetchone()[0] == 0

    def load_meta(self):
        return json.loads(self.db.execute("SELECT data FROM meta WHERE key = 'array'").fetchone()[0])

    def load(self, kind):
        cls = CLASSES[kind]
        return [decode(cls, row[0]) for row in self.db.execute('SELECT data FROM %s' % kind)]

    def load_interop(self):
        return [decode_instance(row[0]) for row in self.db.execute('SELECT data FROM interop')]

    def save(self, state, dirty, meta):
        """Write the dirty objects (and the array's meta data) in one transaction."""
        by_kind = {}
        for kind, key in dirty:
            if kind in CLASSES:
                by_kind.setdefault(kind, []).append(key)
        with self.db:
            self.db.execute("INSERT OR REPLACE INTO meta (key, data) VALUES ('array', ?)", (json.dumps(meta),))
            for kind, keys in by_kind.items():
                table = state.table(kind)
                upserts = [(str(k), encode(table[k])) for k in keys if k in table]
                deletes = [(str(k),) for k in keys if k not in table]
                if upserts:
                    self.db.executemany('INSERT OR REPLACE INTO %s (key, data) VALUES (?, ?)' % kind, upserts)
                if deletes:
                    self.db.executemany('DELETE FROM %s WHERE key = ?' % kind, deletes)

    def save_interop(self, instances):
        """Replace the stored interop instances with the given ones."""
        with self.db:
            self.db.execute('DELETE FROM interop')
            self.db.executemany('INSERT INTO interop (key, data) VALUES (?, ?)',
                                [(inst.path.to_wbem_uri(), encode_instance(inst)) for inst in instances])

    def close(self):
        self.db.close()
