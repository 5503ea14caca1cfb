"""Simulator under load (issue 13): N clients connecting at once, each sending M CIM requests over its own connection;
and, with --fuzz, a longer run of mutated requests than the test suite's.

Prints, per run: errors (connection resets, timeouts, HTTP or CIM errors), latency p50 / p99 of a request (the
first one of each client includes its TCP and TLS set-up), and requests per second over the whole run.

    .venv/bin/python bench/simulator_load.py [--clients 50] [--requests 20] [--fuzz 20000]

Goal: 50 clients connecting at once get 0 errors; the fuzz run finds no internal error.
"""

import argparse
import os
import random
import tempfile
import threading
import time

import pywbem
import yaml

from threepar_sim.control import SimulatorProcess
from threepar_sim.fuzz import captured_requests, mutate, post


def percentile(values, fraction):
    values = sorted(values)
    return values[min(len(values) - 1, int(round(fraction * (len(values) - 1))))] if values else float('nan')


def client_run(sim, url, barrier, n_requests, latencies, errors, lock):
    conn = pywbem.WBEMConnection(url, ('3parbrowse', '3pardata'), default_namespace='root/tpd', ca_certs=sim.cert, timeout=30)
    barrier.wait()
    for dummy in range(n_requests):
        start = time.perf_counter()
        try:
            conn.EnumerateInstanceNames('TPD_StorageSystem')
        except Exception as exc:  # pylint: disable=broad-except
            with lock:
                errors.append('%s: %s' % (type(exc).__name__, exc))
            continue
        with lock:
            latencies.append(time.perf_counter() - start)


def load(sim, url, n_clients, n_requests):
    latencies, errors, lock = [], [], threading.Lock()
    barrier = threading.Barrier(n_clients + 1)
    threads = [threading.Thread(target=client_run, args=(sim, url, barrier, n_requests, latencies, errors, lock))
               for dummy in range(n_clients)]
    for thread in threads:
        thread.start()
    barrier.wait()
    start = time.perf_counter()
    for thread in threads:
        thread.join()
    wall = time.perf_counter() - start
    print('%s, %d clients x %d requests (connecting at once): %d errors, p50 %.1f ms, p99 %.1f ms, %.0f requests/s (goal: 0 errors)'
          % (url.split(':')[0], n_clients, n_requests, len(errors), percentile(latencies, 0.5) * 1000, percentile(latencies, 0.99) * 1000,
             len(latencies) / wall))
    for error in sorted(set(errors))[:5]:
        print('    e.g. %s' % error[:160])


def fuzz(sim, count, seed=1):
    conn = pywbem.WBEMConnection('http://127.0.0.1:%d' % sim.info['http_port'], ('3paradm', '3pardata'), default_namespace='root/tpd')
    conn.debug = True
    volume = conn.EnumerateInstanceNames('TPD_StorageVolume')[0]
    service = conn.EnumerateInstanceNames('TPD_StorageConfigurationService')[0]
    requests = captured_requests(conn, volume, service)
    rng = random.Random(seed)
    statuses, internal = {}, 0
    start = time.perf_counter()
    for dummy in range(count):
        name, body = rng.choice(requests)
        status, reply = post(sim.info['http_port'], name, mutate(rng, body))
        statuses[status] = statuses.get(status, 0) + 1
        internal += b'internal error' in reply or status >= 500
    print('fuzz: %d mutated requests in %.1f s: HTTP statuses %s, internal errors %d (goal: 0)'
          % (count, time.perf_counter() - start, dict(sorted(statuses.items())), internal))


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--clients', type=int, default=50)
    parser.add_argument('--requests', type=int, default=20)
    parser.add_argument('--fuzz', type=int, default=20000)
    args = parser.parse_args()
    for var in ('REQUESTS_CA_BUNDLE', 'CURL_CA_BUNDLE'):
        os.environ.pop(var, None)
    with tempfile.TemporaryDirectory() as tmp:
        seed = os.path.join(tmp, 'seed.yml')
        with open(seed, 'w', encoding='utf-8') as handle:
            yaml.safe_dump({'name': 'LOAD', 'cpgs': [{'name': 'FC_r5', 'size': '10TiB'}],
                            'volumes': [{'name': 'load1', 'cpg': 'FC_r5', 'size': '1GiB', 'snap_cpg': 'FC_r5'}]}, handle)
        with SimulatorProcess(os.path.join(tmp, 'load'), seed=seed) as sim:
            for url in (sim.http_url, sim.https_url):
                for clients in (10, args.clients):
                    load(sim, url, clients, args.requests)
            if args.fuzz:
                fuzz(sim, args.fuzz)


if __name__ == '__main__':
    main()
