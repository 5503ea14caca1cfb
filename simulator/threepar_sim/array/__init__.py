"""The simulated 3PAR array: domain state, CIM projection, persistence, jobs, indications.

``Array`` is the whole interface the CIM-XML front end uses (see the class).
"""

import functools
import gc
import os
import threading
import time

import pywbem_mock

from ..faults import Faults
from . import retention, values as v
from .indications import IndicationSender, destinations, export_request, indication_superclasses, job_indication
from .interop import install as install_interop
from .jobs import Ticker
from .peer import PeerLink
from .projection import Projector
from .providers import (SUBSCRIPTION_PROVIDERS, ArrayOwnedProvider, CapabilitiesProvider, JobMethodProvider, JobProvider, SettingProvider,
                        StorageConfigurationServiceProvider)
from .rcopy import RemoteCopy
from .capabilities import ReplicationServiceCapabilitiesProvider
from .rcopy_provider import ReplicationServiceProvider
from .rcopy_cim import install_remote_ends
from .repository import install as install_fast_store, install_class_store, skip_cleanup_of_projected_instances, use_reference_index
from .seed import new_state
from .state import ArrayState
from .store import Store
from .volume_settings import VolumeSettingProvider

MOF_DIR = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), 'mof')
NS_MOF = {v.NS: ('qualifiers', 'cim_core', 'cim_storage', 'tpd', 'interop_tpd'), v.INTEROP_NS: ('qualifiers', 'cim_core', 'interop')}
INTEROP_CLASSES = ('cim_indicationfilter', 'cim_listenerdestinationcimxml', 'cim_indicationsubscription')


def mark_embedded_parameters(class_store):
    """Set embedded_object on method parameters qualified EmbeddedInstance/EmbeddedObject.

    pywbem's MOF compiler does this for properties only; pywbem_mock checks
    the parameters of an InvokeMethod against the class declaration.
    """
    for klass in class_store.iter_values(copy=False):
        for method in klass.methods.values():
            for param in method.parameters.values():
                if 'EmbeddedInstance' in param.qualifiers:
                    param.embedded_object = 'instance'
                elif 'EmbeddedObject' in param.qualifiers:
                    param.embedded_object = 'object'


@functools.lru_cache(maxsize=None)
def compiled_schema():
    """{namespace: (qualifier declarations, classes)} as the MOF files compile, once per process.

    Compiling them takes most of an array's start (0.6 s); each array's repository gets its own copies (the object
    store's create copies what it is given), so that arrays in one process (the tests) share nothing."""
    conn = pywbem_mock.FakedWBEMConnection(default_namespace=v.NS)
    conn.add_namespace(v.INTEROP_NS)
    for namespace, files in NS_MOF.items():
        for name in files:
            conn.compile_mof_file(os.path.join(MOF_DIR, name + '.mof'), namespace=namespace)
    repo = conn.cimrepository
    mark_embedded_parameters(repo.get_class_store(v.NS))
    return {namespace: tuple({name: store.get(name, copy=False) for name in store.iter_names()}
                             for store in (repo.get_qualifier_store(namespace), repo.get_class_store(namespace)))
            for namespace in NS_MOF}


class Array:
    """One simulated array.

    ``conn`` is a pywbem_mock FakedWBEMConnection (root/tpd default, root/interop)
    whose providers act on the domain state; ``lock`` must be held around every
    call into ``conn`` once ``start()`` runs the ticker. ``clock`` (monotonic
    seconds) can be replaced by tests to drive job progress deterministically.
    Remote copy: ``peers`` ({name: URL}) are the arrays this one replicates with
    (array/peer.py); ``rcopy`` options: ``read_only`` (the OS 3.1.x provider: every
    remote-copy method returns 1) and ``period`` (seconds between periodic-mode updates).
    """

    def __init__(self, data_dir, name='3PAR-A', seed=None, copy_rate_mib=1024.0, faults=None, clock=time.monotonic,
                 peers=None, rcopy=None, licences=None):
        gc.disable()  # building 100,000 long-lived objects: collections would only rescan them
        try:
            self._open(data_dir, name, seed, copy_rate_mib, faults, clock)
            self._set_licences(licences or {})
            self._open_rcopy(peers or {}, rcopy or {})
        finally:
            gc.freeze()  # keep them out of every later collection too
            gc.enable()

    def _set_licences(self, options):
        """serve --vv-retention-time-max / --[no-]virtual-lock: over the seed's or the saved values (persisted)."""
        state = self.state
        if options.get('vv_retention_time_max') is not None:
            state.retention_max_hours = int(options['vv_retention_time_max'])
        if options.get('virtual_lock') is not None:
            state.virtual_lock = bool(options['virtual_lock'])
        self.store.save(state, set(), self._meta())

    def _open_rcopy(self, peers, options):
        self.link = PeerLink(peers)
        self.rcopy = RemoteCopy(self.state, self.link, self.faults, self.projector.system_name,
                                read_only=bool(options.get('read_only')), period=float(options.get('period', 5.0)))
        self.projector.rcopy = self.rcopy
        if self.restored:
            self.rcopy.after_restart()
        self.projector.project_all()
        self.commit()

    def _open(self, data_dir, name, seed, copy_rate_mib, faults, clock):
        self.lock = threading.RLock()
        self.faults = faults or Faults()
        self.last_refusal = None
        self.store = Store(data_dir)
        restored = self.restored = not self.store.is_empty()
        if restored:
            self.state = self._load_state(clock, copy_rate_mib)
        else:
            self.state = new_state(seed, name, clock, copy_rate_mib, self.faults.take_job_failure)
        self.name = self.state.name
        self.conn = self._build_connection()
        self.projector = Projector(self.state, install_fast_store(self.conn.cimrepository, v.NS))
        install_remote_ends(self.conn, self.projector)     # Associators of a remote-copy pair: its remote end
        self._register_providers()
        self._create_interop_instances(restored)
        self.state.dirty.clear()
        self.indication_classes = indication_superclasses(self.conn.cimrepository.get_class_store(v.NS))
        self.job_classes = indication_superclasses(self.conn.cimrepository.get_class_store(v.NS), v.JOB_CLASS)
        self.sender = IndicationSender()
        self.ticker = Ticker(self)
        if restored:
            self.state.fail_interrupted_jobs()
        else:
            self.store.save(self.state, self._all_owners(), self._meta())
        self.commit()

    # --- construction ------------------------------------------------------------

    def _load_state(self, clock, copy_rate_mib):
        meta = self.store.load_meta()
        state = ArrayState(meta['name'], meta['serial'], meta['users'], clock, copy_rate_mib, self.faults.take_job_failure)
        state.owner = dict(meta.get('owner') or {})
        state.retention_max_hours = int(meta.get('vv_retention_time_max', state.retention_max_hours))
        state.virtual_lock = bool(meta.get('virtual_lock', state.virtual_lock))
        for cpg in self.store.load('cpg'):
            state.add_cpg(cpg)
        for vol in self.store.load('volume'):
            state.add_volume(vol)
        for copy in self.store.load('copy'):
            state.add_copy(copy)
        for job in self.store.load('job'):
            state.add_job(job)
        for vvset in self.store.load('vvset'):
            state.add_vvset(vvset)
        for group in self.store.load('rcgroup'):
            state.add_rcgroup(group)
        state.next_volume_id = max(state.next_volume_id, meta['next_volume_id'])
        state.next_job_id = max(state.next_job_id, meta['next_job_id'])
        state.recount()
        return state

    def _build_connection(self):
        conn = pywbem_mock.FakedWBEMConnection(default_namespace=v.NS)
        conn.add_namespace(v.INTEROP_NS)
        repo = conn.cimrepository
        for namespace, (qualifiers, classes) in compiled_schema().items():
            for name, qualifier in qualifiers.items():
                repo.get_qualifier_store(namespace).create(name, qualifier)
            install_class_store(repo, namespace)
            for name, klass in classes.items():
                repo.get_class_store(namespace).create(name, klass)
        conn.install_namespace_provider(v.INTEROP_NS)
        skip_cleanup_of_projected_instances(conn)
        use_reference_index(conn, v.NS)
        return conn

    def _register_providers(self):
        repo = self.conn.cimrepository
        for provider in (StorageConfigurationServiceProvider(repo, self), ReplicationServiceProvider(repo, self), JobProvider(repo, self),
                         CapabilitiesProvider(repo, self), JobMethodProvider(repo, self), ArrayOwnedProvider(repo, self),
                         SettingProvider(repo, self), ReplicationServiceCapabilitiesProvider(repo, self), VolumeSettingProvider(repo, self)):
            self.conn.register_provider(provider, namespaces=v.NS)
        for provider_class in SUBSCRIPTION_PROVIDERS:
            self.conn.register_provider(provider_class(repo, self), namespaces=v.INTEROP_NS)

    def _create_interop_instances(self, restored):
        """The object manager and the profile registration (array/interop.py); saved subscriptions after a restart."""
        install_interop(self.conn, self.projector.system_path)
        if restored:
            store = self.conn.cimrepository.get_instance_store(v.INTEROP_NS)
            for inst in self.store.load_interop():
                store.create(inst.path, inst)

    def _all_owners(self):
        state = self.state
        owners = {('system', None)}
        owners.update(('cpg', k) for k in state.cpgs)
        owners.update(('volume', k) for k in state.volumes)
        owners.update(('copy', k) for k in state.copies)
        owners.update(('job', k) for k in state.jobs)
        owners.update(('vvset', k) for k in state.vvsets)
        owners.update(('rcgroup', k) for k in state.rcgroups)
        return owners

    # --- the interface used by the front end -------------------------------------------

    @property
    def users(self):
        return self.state.users

    def start(self):
        """Start the ticker and the indication sender (idempotent)."""
        self.sender.start()
        self.ticker.start()
        self.link.start(self)

    def close(self):
        self.link.stop()
        self.ticker.stop()
        self.sender.close()
        with self.lock:
            self.store.close()

    def tick(self):
        """Advance jobs by the clock (the ticker calls this; tests may too)."""
        with self.lock:
            self.state.tick()
            retention.expire(self.state)
            self.commit()

    def control(self, verb, body):
        """Simulator-only operations: ``status``, ``write`` {volume, count}, ``clock`` {advance}, ``peer`` (the remote copy link)."""
        with self.lock:
            if verb == 'peer':
                try:
                    return self.rcopy.handle_peer(body)
                finally:
                    self.commit()
            if verb == 'clock':
                return self._move_clock(body)
            if verb == 'status':
                return dict(self.state.counts(), peers=self.peer_status(), indications_sent=self.sender.sent, indications_failed=self.sender.failed)
            if verb == 'write':
                if not isinstance(body, dict) or 'volume' not in body:
                    raise ValueError('write needs {"volume": NAME, "count": N}')
                self.state.write(body['volume'], body.get('count', 1))
                self.commit()
                vol = self.state.volumes[body['volume']]
                return {'volume': vol.name, 'write_generation': vol.write_generation}
        raise KeyError(verb)

    def _move_clock(self, body):
        """``clock`` {advance: seconds}: move the array's date forward (expiry, retention; jobs are not hurried)."""
        seconds = body.get('advance') if isinstance(body, dict) else None
        if not isinstance(seconds, (int, float)) or isinstance(seconds, bool) or seconds < 0:
            raise ValueError('clock needs {"advance": SECONDS} (a number >= 0)')
        self.state.clock_offset += seconds
        retention.expire(self.state)
        self.commit()
        return {'now': self.state.now().isoformat()}

    def peer_status(self):
        """{peer name: link up} (the last heartbeat answered and no link_down fault)."""
        with self.lock:
            return {peer: self.rcopy.link_up(peer) for peer in self.link.peers}

    # --- change propagation ----------------------------------------------------------------

    def commit(self):
        """Project, persist and announce everything the state recorded since the last commit."""
        with self.lock:
            state = self.state
            dirty, events = state.dirty, state.events
            state.dirty, state.events = set(), []
            if dirty:
                self.projector.apply(dirty)
                self.store.save(state, dirty, self._meta())
            for previous, current in events:
                self._announce(previous, current)

    def _meta(self):
        state = self.state
        return {'name': state.name, 'serial': state.serial, 'users': state.users, 'owner': state.owner,
                'next_volume_id': state.next_volume_id, 'next_job_id': state.next_job_id,
                'vv_retention_time_max': state.retention_max_hours, 'virtual_lock': state.virtual_lock}

    def _announce(self, previous, current):
        urls = destinations(self.conn.cimrepository.get_instance_store(v.INTEROP_NS), self.indication_classes, self.job_classes)
        if urls:
            indication = job_indication(self.projector.job_instance(current), self.projector.job_instance(previous), self.name)
            self.sender.enqueue(urls, export_request(indication))

    def save_interop(self):
        """Persist the client-created root/interop instances (filters, destinations, subscriptions)."""
        with self.lock:
            store = self.conn.cimrepository.get_instance_store(v.INTEROP_NS)
            self.store.save_interop([inst for inst in store.iter_values(copy=False) if inst.classname.lower() in INTEROP_CLASSES])
