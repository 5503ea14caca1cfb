"""The ``threepar-sim`` command: serve one simulated array, start/stop a set, inject faults."""

import argparse
import json
import os
import signal
import sys
import threading
import time

import yaml

from threepar_sim import control
from threepar_sim.faults import Faults

FAULT_HELP = """\
fault injection (at run time, on a running array):
  threepar-sim fault --url https://127.0.0.1:5989 --ca DATA/cert.pem [options]
    --fail-next-job N        the next N jobs (copies, resyncs, restores, space updates)
                             end in Exception; the copy they act on goes Broken
    --cim-error METHOD:CODE  answer the next call of METHOD with CIM error CODE
                             (e.g. CreateReplica:4); the method does not run
    --drop-after METHOD      run the next call of METHOD, then close the connection
                             without an answer (the change took effect)
    --latency-ms N           sleep N ms in every CIM request from now on
    --link-down / --link-up  the remote copy link acts as if the peer were unreachable (until
                             --link-up): started groups stop (Table 107 row 1 on a secondary)
    --clear                  disarm everything
  The same over HTTP: POST /sim/faults with a JSON body, e.g.
    {"fail_next_job": 1}, {"cim_error": {"method": "CreateReplica", "status": 4}},
    {"drop_after": {"method": "ModifySynchronization"}}, {"latency_ms": 100}, {"link_down": true}, {"clear": true}
  (Basic auth of a user with the edit role). GET /sim/faults shows what is armed,
  GET /sim/status answers once the array serves.

the array's date (snapshot expiration and retention):
  POST /sim/clock {"advance": SECONDS}   moves the date forward (runtime only; jobs keep their pace)

simulated host I/O:
  POST /sim/write {"volume": NAME, "count": N}   N host writes to a volume (WriteGeneration);
  refused (HTTP 400) on the secondary volumes of a remote copy group until a failover

remote copy between two arrays (each its own process):
  threepar-sim serve --name 3PAR-A ... --peer 3PAR-B=http://127.0.0.1:25988
  threepar-sim serve --name 3PAR-B ... --peer 3PAR-A=http://127.0.0.1:15988
  The link is JSON over the peer's POST /sim/peer (its HTTP port; https works, unverified),
  with a heartbeat every 0.2 s. Remote replication over SMI-S is read-only by default, like the
  OS 3.1.x provider: every remote-copy method returns 1 (the CLI over SSH drives remote copy).
  --rcopy-writable: the remote-copy methods work (later providers, other SMI-S arrays).
  --rcopy-read-only: the default, accepted for existing configs.

files in the data directory:
  array.sqlite   the array's state (survives restarts, kill -9 included)
  cert.pem, key.pem   the HTTPS certificate, generated on first start
  requests.log   one JSON line per CIM request (time, user, operation, method, class, status, ms)
  ssh_host_key   the SSH host key (Ed25519), generated on first start with --ssh-port
  authorized_keys/USER   OpenSSH public keys USER may log in with over SSH
  commands.log   one JSON line per 3PAR CLI command over SSH (time, user, command, status, ms)

the 3PAR CLI over SSH (--ssh-port P, 127.0.0.1 only; one command per exec request):
  ssh -p P 3paradm@127.0.0.1 showrcopy      (see simulator/MODEL.md, "The 3PAR CLI over SSH")
"""


def _load_yaml(path):
    with open(path, encoding='utf-8') as handle:
        return yaml.safe_load(handle) or {}


def cmd_serve(args):
    """Run one array in the foreground until SIGINT/SIGTERM."""
    # Imported here so that `threepar-sim fault/down` stay light.
    from threepar_sim.array import Array
    from threepar_sim.array.peer import parse_peers
    from threepar_sim.server import CimServer

    seed = _load_yaml(args.seed) if args.seed else None
    faults = Faults(latency_ms=args.latency_ms)
    try:
        peers = parse_peers(args.peer)
    except ValueError as exc:
        raise SystemExit('threepar-sim: %s' % exc) from None
    array = Array(args.data, name=args.name, seed=seed, copy_rate_mib=args.copy_rate, faults=faults, peers=peers,
                  rcopy={'read_only': not args.rcopy_writable, 'period': args.rcopy_period},
                  licences={'vv_retention_time_max': args.vv_retention_time_max, 'virtual_lock': args.virtual_lock})
    server = CimServer(array, faults, args.data, host=args.host,
                       http_port=args.http_port, https_port=args.https_port)
    stop = threading.Event()
    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, lambda *dummy: stop.set())
    ssh = None
    if args.ssh_port:
        from threepar_sim.sshd import SshServer   # paramiko is only needed with --ssh-port
        ssh = server.ssh = SshServer(array, args.data, port=args.ssh_port)
    array.start()
    server.start()
    if ssh is not None:
        ssh.start()
    control.write_serve_info(args.data, array.name, server.http_port, server.https_port, ssh.port if ssh else None)
    print('%s serving http://%s:%d and https://%s:%d%s (data %s)' % (
        array.name, args.host, server.http_port, args.host, server.https_port,
        ', 3PAR CLI over ssh on 127.0.0.1:%d' % ssh.port if ssh else '', args.data), flush=True)
    try:
        stop.wait()
    finally:
        # Each step timed in serve.log: `threepar-sim down` kills an array that takes 15 s to stop.
        steps = [('ssh', ssh.shutdown if ssh is not None else None), ('listeners', server.shutdown), ('array', array.close)]
        for step, func in steps:
            if func is not None:
                started = time.monotonic()
                func()
                print('%s: stopped %s in %.2f s' % (array.name, step, time.monotonic() - started), flush=True)
    return 0


def cmd_up(args):
    """Start every array of a config file in the background and wait until they serve."""
    config = _load_yaml(args.config)
    started = control.start_set(config, base_dir=os.path.dirname(os.path.abspath(args.config)),
                                timeout=args.timeout, only=args.only)
    if args.json:
        print(json.dumps(started, indent=2, sort_keys=True))
        return 0
    for entry in started:
        ssh = ', ssh 127.0.0.1:%d' % entry['ssh_port'] if entry.get('ssh_port') else ''
        print('%(name)s: https://127.0.0.1:%(https_port)d' % entry + ssh + ' (pid %(pid)d, data %(data)s)' % entry)
    return 0


def cmd_down(args):
    """Stop every array of a config file."""
    config = _load_yaml(args.config)
    for name, outcome in control.stop_set(config, base_dir=os.path.dirname(os.path.abspath(args.config)), only=args.only):
        print('%s: %s' % (name, outcome))
    return 0


def cmd_fault(args):
    """Arm faults on a running array through POST /sim/faults."""
    spec = {}
    if args.clear:
        spec['clear'] = True
    if args.fail_next_job:
        spec['fail_next_job'] = args.fail_next_job
    if args.latency_ms is not None:
        spec['latency_ms'] = args.latency_ms
    if args.cim_error:
        method, dummy, code = args.cim_error.partition(':')
        if not code.isdigit():
            raise SystemExit('threepar-sim: --cim-error wants METHOD:CODE, e.g. CreateReplica:4')
        spec['cim_error'] = {'method': method, 'status': int(code)}
    if args.drop_after:
        spec['drop_after'] = {'method': args.drop_after}
    if args.link is not None:
        spec['link_down'] = args.link == 'down'
    if not spec:
        raise SystemExit('threepar-sim fault: name at least one fault (see --help)')
    answer = control.post_json(args.url, '/sim/faults', spec, args.user, args.password, ca_file=args.ca)
    print(json.dumps(answer, indent=2, sort_keys=True))
    return 0


def build_parser():
    parser = argparse.ArgumentParser(
        prog='threepar-sim', formatter_class=argparse.RawDescriptionHelpFormatter,
        description='A simulated HP 3PAR SMI-S provider: a CIM-XML server (HTTP and HTTPS) '
                    'for testing smis.threepar and other CIM clients without an array.',
        epilog=FAULT_HELP)
    sub = parser.add_subparsers(dest='command', required=True)

    serve = sub.add_parser('serve', help='run one array in the foreground',
                           formatter_class=argparse.RawDescriptionHelpFormatter, epilog=FAULT_HELP)
    serve.add_argument('--name', default='3PAR-A', help='array name (TPD_StorageSystem.ElementName)')
    serve.add_argument('--host', default='127.0.0.1', help='address to bind (default 127.0.0.1)')
    serve.add_argument('--http-port', type=int, default=5988, help='HTTP port (0: any free port)')
    serve.add_argument('--https-port', type=int, default=5989, help='HTTPS port (0: any free port)')
    serve.add_argument('--data', required=True, help='data directory (state, certificate, request log)')
    serve.add_argument('--seed', help='YAML seed file, used when the data directory has no state yet')
    serve.add_argument('--latency-ms', type=int, default=0, help='added latency per CIM request')
    serve.add_argument('--copy-rate', type=float, default=1024.0, help='physical copy speed in MiB/s')
    serve.add_argument('--peer', action='append', default=[], metavar='NAME=URL',
                       help='a remote copy peer array and its URL (repeatable), e.g. 3PAR-B=http://127.0.0.1:25988')
    access = serve.add_mutually_exclusive_group()
    access.add_argument('--rcopy-writable', action='store_true',
                        help='the remote-copy methods of TPD_ReplicationService work (a later provider); default: read-only')
    access.add_argument('--rcopy-read-only', action='store_true',
                        help='remote replication read-only, like the OS 3.1.x provider: every remote-copy method returns 1 '
                             '(the default; kept for existing configs)')
    serve.add_argument('--rcopy-period', type=float, default=5.0, metavar='SECONDS',
                       help='periodic-mode remote copy: seconds between updates (default 5)')
    serve.add_argument('--vv-retention-time-max', type=int, metavar='HOURS',
                       help="the system's maximum snapshot retention (VVRetentionTimeMax; default: the seed's or 336)")
    serve.add_argument('--virtual-lock', action=argparse.BooleanOptionalAction, default=None,
                       help='the Virtual Lock licence (snapshot retention); --no-virtual-lock refuses every retention')
    serve.add_argument('--ssh-port', type=int, default=0, metavar='PORT',
                       help='serve the HP 3PAR CLI over SSH on 127.0.0.1:PORT (default 0: no SSH)')
    serve.set_defaults(func=cmd_serve)

    for name, func, text in (('up', cmd_up, 'start the arrays of a config file in the background'),
                             ('down', cmd_down, 'stop the arrays of a config file')):
        cmd = sub.add_parser(name, help=text, description=text + (
            '. The config is YAML: {arrays: [{name, http_port, https_port, data, seed, latency_ms, copy_rate, peers}]}'
            ' (peers: ["NAME=URL" or the NAME of another array of the config, ...], rcopy_writable, rcopy_read_only,'
            ' rcopy_period, ssh_port: the serve options; remote copy is read-only unless rcopy_writable: true;'
            ' a port left out is a free one, kept in the data directory for restarts; ssh: true = SSH on a free port);'
            ' relative paths are relative to the config file.'))
        cmd.add_argument('--config', required=True, help='YAML file listing the arrays')
        cmd.add_argument('--timeout', type=float, default=30.0, help='seconds to wait for each array to serve')
        cmd.add_argument('--only', action='append', metavar='NAME',
                         help='only this array of the config (repeatable), e.g. to take one site down and back for a drill')
        if name == 'up':
            cmd.add_argument('--json', action='store_true',
                             help='print where each array serves as JSON (ports, pid, data, cert, logs, SSH host key)')
        cmd.set_defaults(func=func)

    fault = sub.add_parser('fault', help='inject faults into a running array',
                           formatter_class=argparse.RawDescriptionHelpFormatter, epilog=FAULT_HELP)
    fault.add_argument('--url', default='https://127.0.0.1:5989', help='the array (http or https base URL)')
    fault.add_argument('--user', default='3paradm', help='a user with the edit role')
    fault.add_argument('--password', default=os.environ.get('THREEPAR_PASSWORD', '3pardata'),
                       help='its password (default: $THREEPAR_PASSWORD or 3pardata)')
    fault.add_argument('--ca', help="CA file to verify the array's certificate (its DATA/cert.pem)")
    fault.add_argument('--fail-next-job', type=int, default=0, metavar='N')
    fault.add_argument('--cim-error', metavar='METHOD:CODE')
    fault.add_argument('--drop-after', metavar='METHOD')
    fault.add_argument('--latency-ms', type=int, metavar='N')
    fault.add_argument('--link-down', dest='link', action='store_const', const='down', help='take the remote copy link down')
    fault.add_argument('--link-up', dest='link', action='store_const', const='up', help='bring the remote copy link back')
    fault.add_argument('--clear', action='store_true')
    fault.set_defaults(func=cmd_fault)
    return parser


def main(argv=None):
    args = build_parser().parse_args(argv)
    try:
        return args.func(args)
    except control.ControlError as exc:
        print('threepar-sim: %s' % exc, file=sys.stderr)
        return 1


if __name__ == '__main__':
    sys.exit(main())
