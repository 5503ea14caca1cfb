"""Initial array contents: built-in defaults or a YAML seed file.

The seed is read only when the data directory holds no saved state. Format
(every key optional; sizes are bytes or strings such as ``512MiB``, ``10GiB``,
``100TiB``)::

    name: 3PAR-A                 # ElementName of TPD_StorageSystem (default: the --name given)
    serial: "1234567"            # digits; the system Name is 2FF70002AC0<serial>
    users:                       # default: 3paradm/3pardata (edit), 3parbrowse/3pardata (browse)
      - {name: 3paradm, password: 3pardata, role: edit}
    cpgs:                        # default: FC_r5 and SSD_r6, 100TiB each
      - {name: FC_r5, size: 100TiB}
    volumes:
      - {name: db01, cpg: FC_r5, size: 10GiB, thin: true, snap_cpg: FC_r5, snap_size: 0, snap_percent: 0}
    copies:                      # ("snapshots" is accepted as an alias)
      - {source: db01, name: db01_snap, type: virtual, read_only: false}
      - {source: db01, name: db01_clone, type: physical, cpg: FC_r5}   # a finished resyncable copy (Frozen)
    generate:                    # bulk form for benchmarks
      volumes: 10000
      prefix: bench              # volumes bench00001..., copies bench00001_vc1...
      virtual_copies_per_volume: 1
      size: 1GiB
      cpg: FC_r5                 # default: the first CPG; snap space comes from it too

A volume with ``snap_cpg`` has SA/SD space (a TPD_DeltaReplicaStoragePool)
and can have virtual copies and resyncable physical copies (whose side-product
snapshot ``<source>.rw`` is created with them); ``generate`` gives every volume
snap space. Sizes are rounded up to 256 MiB like the array does. ``read_only:
true`` models a snapshot made with the CLI (``createsv -ro``): there is no CIM way
to ask for one.
"""

import re
import zlib

from .state import ArrayState, Cpg

UNITS = {'': 1, 'B': 1, 'KIB': 1 << 10, 'MIB': 1 << 20, 'GIB': 1 << 30, 'TIB': 1 << 40,
         'KB': 1000, 'MB': 1000 ** 2, 'GB': 1000 ** 3, 'TB': 1000 ** 4}
DEFAULT_USERS = {'3paradm': {'password': '3pardata', 'role': 'edit'}, '3parbrowse': {'password': '3pardata', 'role': 'browse'}}
DEFAULT_CPGS = (('FC_r5', 100 << 40), ('SSD_r6', 100 << 40))
ROLES = ('edit', 'browse')


def parse_size(value):
    """Bytes from an int or a string like '10GiB'."""
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    match = re.fullmatch(r'\s*(\d+(?:\.\d+)?)\s*([KMGT]?i?B?)\s*', str(value), re.IGNORECASE)
    if not match or match.group(2).upper() not in UNITS:
        raise ValueError('invalid size %r (use bytes or e.g. 512MiB, 10GiB, 2TiB)' % (value,))
    return int(float(match.group(1)) * UNITS[match.group(2).upper()])


def default_serial(name):
    """A stable 7-digit serial per array name, so two unseeded arrays differ."""
    return '%07d' % (zlib.crc32(name.encode()) % 10_000_000)


def _users(seed):
    if 'users' not in seed:
        return {name: dict(info) for name, info in DEFAULT_USERS.items()}
    users = {}
    for user in seed['users']:
        if user.get('role', 'edit') not in ROLES:
            raise ValueError('user %s: role must be edit or browse' % user.get('name'))
        users[str(user['name'])] = {'password': str(user['password']), 'role': user.get('role', 'edit')}
    return users


def new_state(seed, name, clock, copy_rate_mib, take_job_failure):
    """An ArrayState built from a seed dict (None = defaults)."""
    seed = seed or {}
    name = seed.get('name', name)
    serial = str(seed.get('serial', default_serial(name)))
    if not serial.isdigit():
        raise ValueError('serial must be digits, got %r' % serial)
    state = ArrayState(name, serial, _users(seed), clock, copy_rate_mib, take_job_failure)
    state.retention_max_hours = int(seed.get('vv_retention_time_max', state.retention_max_hours))
    state.virtual_lock = bool(seed.get('virtual_lock', state.virtual_lock))
    cpgs = [(c['name'], parse_size(c['size'])) for c in seed['cpgs']] if 'cpgs' in seed else DEFAULT_CPGS
    for cpg_name, size in cpgs:
        state.add_cpg(Cpg(cpg_name, size))
    for spec in seed.get('volumes', ()):
        _seed_volume(state, spec)
    for spec in seed.get('copies', ()) or seed.get('snapshots', ()):
        _seed_copy(state, spec)
    if 'generate' in seed:
        _generate(state, seed['generate'])
    return state


def _cpg(state, name):
    if name not in state.cpgs:
        raise ValueError('unknown CPG %r' % name)
    return name


def _seed_volume(state, spec):
    snap = None
    if spec.get('snap_cpg'):
        snap = (_cpg(state, spec['snap_cpg']), parse_size(spec.get('snap_size', 0)), int(spec.get('snap_percent', 0)))
    state.create_volume(str(spec['name']), _cpg(state, spec['cpg']), parse_size(spec['size']), bool(spec.get('thin', True)), snap)


def _seed_copy(state, spec):
    source = state.volumes.get(spec['source'])
    if source is None:
        raise ValueError('copy %s: unknown source volume %r' % (spec.get('name'), spec['source']))
    kind = spec.get('type', 'virtual')
    if kind == 'virtual':
        state.create_snapshot(source, str(spec['name']), bool(spec.get('read_only', False)))
    elif kind == 'physical':
        _seed_frozen_copy(state, source, str(spec['name']), _cpg(state, spec.get('cpg', source.cpg)))
    else:
        raise ValueError('copy %s: type must be virtual or physical' % spec.get('name'))


def _seed_frozen_copy(state, source, name, cpg_name):
    """A resyncable physical copy whose copy already completed (CopyType 4 Full Copy, Frozen, with its resync snapshot)."""
    target = state.create_volume(name, cpg_name, source.size, source.thin)
    state.add_resyncable_copy(source, target)


def _generate(state, spec):
    count = int(spec.get('volumes', 0))
    per_volume = int(spec.get('virtual_copies_per_volume', 0))
    prefix = str(spec.get('prefix', 'vol'))
    size = parse_size(spec.get('size', '1GiB'))
    cpg_name = _cpg(state, spec.get('cpg', next(iter(state.cpgs))))
    width = max(5, len(str(count)))
    for i in range(1, count + 1):
        vol = state.create_volume('%s%0*d' % (prefix, width, i), cpg_name, size, True, (cpg_name, 0, 0))
        for n in range(1, per_volume + 1):
            state.create_snapshot(vol, '%s_vc%d' % (vol.name, n))
