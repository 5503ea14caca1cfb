"""Simulator at scale: 10,000 volumes with 10,000 virtual copies.

Prints: time to build the array from the seed, a full pull enumeration of
TPD_StorageSynchronized through pywbem over HTTPS, the server's peak memory,
and restart times (clean stop, and kill -9) from SQLite.

    .venv/bin/python bench/simulator_scale.py [--volumes 10000] [--max-object-count 1000]

Goals (issue 2): enumeration <= 2 s, peak memory <= 500 MiB.
"""

import argparse
import os
import tempfile
import time

import pywbem
import yaml

from threepar_sim.control import SimulatorProcess


def peak_rss_mib(pid):
    """VmHWM: the process's peak resident set size."""
    with open('/proc/%d/status' % pid, encoding='ascii') as handle:
        for line in handle:
            if line.startswith('VmHWM:'):
                return int(line.split()[1]) / 1024.0
    return float('nan')


def timed(func):
    start = time.perf_counter()
    result = func()
    return time.perf_counter() - start, result


def enumerate_syncs(sim, max_object_count):
    conn = pywbem.WBEMConnection(sim.https_url, ('3parbrowse', '3pardata'), default_namespace='root/tpd',
                                 ca_certs=sim.cert, timeout=120)
    return list(conn.IterEnumerateInstances('TPD_StorageSynchronized', MaxObjectCount=max_object_count))


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
        build_s, _ = timed(lambda: sim.start(timeout=600))
        print('array built from seed (%d volumes + %d virtual copies), serving after: %.2f s'
              % (args.volumes, args.volumes, build_s))

        for attempt in (1, 2):
            enum_s, syncs = timed(lambda: enumerate_syncs(sim, args.max_object_count))
            print('pull enumeration of TPD_StorageSynchronized #%d: %d instances in %.2f s (MaxObjectCount %d; goal <= 2 s)'
                  % (attempt, len(syncs), enum_s, args.max_object_count))
        print('server peak memory (VmHWM): %.0f MiB (goal <= 500 MiB)' % peak_rss_mib(sim.pid))

        sim.stop()
        restart_s, _ = timed(sim.start)
        print('restart after a clean stop, serving after: %.2f s' % restart_s)
        sim.kill()
        restart_s, _ = timed(sim.start)
        print('restart after kill -9, serving after: %.2f s' % restart_s)
        enum_s, syncs = timed(lambda: enumerate_syncs(sim, args.max_object_count))
        print('after restart: %d copies enumerated in %.2f s' % (len(syncs), enum_s))
        sim.stop()


if __name__ == '__main__':
    main()
