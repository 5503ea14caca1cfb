"""Simulator at scale: 10,000 volumes with 10,000 virtual copies.

Prints: time to build the array from the seed, a full pull enumeration of
TPD_StorageSynchronized through pywbem over HTTPS (OpenEnumerateInstances and
PullInstancesWithPath, use_pull_operations=True; first and second), the same
with the PropertyList an engine reads, plain EnumerateInstances with and
without that PropertyList, the server's share of each (from its request log;
the rest is pywbem's client-side parse), the server's peak memory, and
restart times (clean stop, and kill -9) from SQLite.

    .venv/bin/python bench/simulator_scale.py [--volumes 10000] [--max-object-count 1000]

Goals (issue 2): enumeration <= 2 s; issue 12: peak memory <= 350 MiB, a pull no dearer than one EnumerateInstances
on the server, a cold first read no dearer than a warm one by more than 2x, References of one object O(its neighbours).
Also: the client's parse floor (pywbem's SAX and TupleParser on a captured response).
"""

import argparse
import json
import os
import tempfile
import time

import pywbem
import yaml
from pywbem._tupleparse import TupleParser  # the client's parse, timed alone (the floor of any bulk read)
from pywbem._tupletree import xml_to_tupletree_sax

from threepar_sim.control import SimulatorProcess


def peak_rss_mib(pid):
    """VmHWM: the process's peak resident set size."""
    with open('/proc/%d/status' % pid, encoding='ascii') as handle:
        for line in handle:
            if line.startswith('VmHWM:'):
                return int(line.split()[1]) / 1024.0
    return float('nan')


# The properties an engine reads from each copy (the collection's inventory reads a superset).
ENGINE_PROPERTIES = ['SystemElement', 'SyncedElement', 'CopyType', 'SyncState', 'CopyState', 'ProgressStatus', 'WhenSynced']


def connection(sim, timeout=300, pull=False):
    """``pull``: IterEnumerateInstances sends OpenEnumerateInstances / PullInstancesWithPath (pywbem's default, None,
    would try pull and fall back; False sends one EnumerateInstances)."""
    return pywbem.WBEMConnection(sim.https_url, ('3parbrowse', '3pardata'), default_namespace='root/tpd',
                                 ca_certs=sim.cert, timeout=timeout, use_pull_operations=pull)


def server_ms(sim, since):
    """Milliseconds the server spent on the CIM requests logged after line ``since`` (and the new line count)."""
    with open(sim.log_path, encoding='utf-8') as handle:
        lines = handle.readlines()
    return sum(json.loads(line)['ms'] for line in lines[since:]), len(lines)


def log_lines(sim):
    return server_ms(sim, 0)[1] if os.path.exists(sim.log_path) else 0


def measured(sim, label, func):
    """Run func, print its wall time and the server's share; returns func's result."""
    since = log_lines(sim)
    elapsed, result = timed(func)
    server_ms_total, lines = server_ms(sim, since)
    server_s = server_ms_total / 1000.0
    print('%s: %d instances in %.2f s, %d requests (server %.2f s, client and transfer %.2f s)'
          % (label, len(result), elapsed, lines - since, server_s, elapsed - server_s))
    return result


def timed(func):
    start = time.perf_counter()
    result = func()
    return time.perf_counter() - start, result


def enumerate_syncs(sim, max_object_count, property_list=None):
    return list(connection(sim, pull=True).IterEnumerateInstances('TPD_StorageSynchronized', MaxObjectCount=max_object_count,
                                                                  PropertyList=property_list))


def parse_floor(sim, classname, property_list):
    """One EnumerateInstances captured (debug keeps the raw reply), then pywbem's two parse steps timed alone: the
    client's cost of that read whatever the server and the network do."""
    conn = connection(sim)
    conn.debug = True
    conn.EnumerateInstances(classname, PropertyList=property_list)
    reply = conn.last_raw_reply
    reply = reply.encode('utf-8') if isinstance(reply, str) else reply
    sax_s, tree = timed(lambda: xml_to_tupletree_sax(reply, 'CIM-XML response'))
    tuple_s, dummy = timed(lambda: TupleParser().parse_cim(tree))
    print('client parse floor, EnumerateInstances %s (%s): %.1f MiB, SAX %.2f s + TupleParser %.2f s = %.2f s'
          % (classname, 'PropertyList %s' % ','.join(property_list) if property_list else 'all properties',
             len(reply) / 2.0 ** 20, sax_s, tuple_s, sax_s + tuple_s))


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--volumes', type=int, default=10000)
    parser.add_argument('--max-object-count', type=int, default=1000)
    args = parser.parse_args()
    # The environment's CA bundle variables would override pywbem's ca_certs.
    for var in ('REQUESTS_CA_BUNDLE', 'CURL_CA_BUNDLE'):
        os.environ.pop(var, None)

    with tempfile.TemporaryDirectory() as tmp:
        seed = os.path.join(tmp, 'seed.yml')
        with open(seed, 'w', encoding='utf-8') as handle:
            yaml.safe_dump({'name': 'BENCH', 'generate': {
                'volumes': args.volumes, 'prefix': 'bench', 'virtual_copies_per_volume': 1, 'size': '1GiB'}}, handle)
        sim = SimulatorProcess(os.path.join(tmp, 'data'), name='BENCH', seed=seed)
        build_s, dummy = timed(lambda: sim.start(timeout=600))
        print('array built from seed (%d volumes + %d virtual copies), serving after: %.2f s'
              % (args.volumes, args.volumes, build_s))

        for attempt in (1, 2):
            since = log_lines(sim)
            enum_s, syncs = timed(lambda: enumerate_syncs(sim, args.max_object_count))
            print('pull enumeration of TPD_StorageSynchronized #%d: %d instances in %.2f s (MaxObjectCount %d; goal <= 2 s)'
                  % (attempt, len(syncs), enum_s, args.max_object_count))
            server_ms_total, lines = server_ms(sim, since)
            server_s = server_ms_total / 1000.0
            print('    %d requests, server %.2f s, client and transfer %.2f s' % (lines - since, server_s, enum_s - server_s))
        source = syncs[-1]['SystemElement']
        for attempt in (1, 2):
            measured(sim, 'References of one volume #%d (ResultClass TPD_StorageSynchronized; goal: its neighbours, not the array)'
                     % attempt, lambda: connection(sim).References(source, ResultClass='TPD_StorageSynchronized'))
        measured(sim, 'Associators of one volume (all its neighbours)', lambda: connection(sim).Associators(source))
        measured(sim, 'pull enumeration with the engine PropertyList', lambda: enumerate_syncs(
            sim, args.max_object_count, ENGINE_PROPERTIES))
        measured(sim, 'EnumerateInstances TPD_StorageSynchronized', lambda: connection(sim).EnumerateInstances(
            'TPD_StorageSynchronized'))
        measured(sim, 'EnumerateInstances TPD_StorageSynchronized with the engine PropertyList',
                 lambda: connection(sim).EnumerateInstances('TPD_StorageSynchronized', PropertyList=ENGINE_PROPERTIES))
        parse_floor(sim, 'TPD_StorageVolume', ['ElementName', 'ReadOnly', 'CopyOf'])
        parse_floor(sim, 'TPD_StorageSynchronized', None)
        print('server peak memory (VmHWM): %.0f MiB (goal <= 350 MiB)' % peak_rss_mib(sim.pid))
        sim.stop()
        restart_s, dummy = timed(sim.start)
        print('restart after a clean stop, serving after: %.2f s' % restart_s)
        sim.kill()
        restart_s, dummy = timed(sim.start)
        print('restart after kill -9, serving after: %.2f s' % restart_s)
        enum_s, syncs = timed(lambda: enumerate_syncs(sim, args.max_object_count))
        print('after restart: %d copies enumerated in %.2f s' % (len(syncs), enum_s))
        sim.stop()


if __name__ == '__main__':
    main()
