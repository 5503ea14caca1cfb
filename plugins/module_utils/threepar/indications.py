# -*- coding: utf-8 -*-
# Copyright: smis.threepar contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Job indications for the waiter: a pywbem WBEMListener on the host that runs the module, and a subscription to
TPD_ConcreteJobInstModification (DMTF:CQL) in the array's root/interop, for one module run.

Cost: 3 CreateInstance (listener destination, filter, subscription) before the first method, 3 DeleteInstance after
the last wait (also on failure), and nothing per job. It is only paid when the plan holds a method that can start a
job and the module waits for jobs (``subscribe_for_plan``); a converged run or a plan of instant methods pays nothing.

``job_indications``: ``never`` polls; ``always`` subscribes or fails the task; ``auto`` (default) subscribes and falls
back to polling, silently, when the array refuses (browse-only user, provider without indications) or the listener
cannot start. A subscription whose indications never arrive (a firewall between the array and the controller) costs
nothing more: the waiter polls on its own pace until the first indication for a job has arrived."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import os
import socket
import threading
import uuid
from collections import OrderedDict

from ansible_collections.smis.threepar.plugins.module_utils.threepar import model
from ansible_collections.smis.threepar.plugins.module_utils.threepar.errors import InvalidRequest, ThreeparError

try:
    from pywbem import CIMInstance, CIMInstanceName, WBEMListener, Uint16
    from pywbem import Error as PywbemError
    HAS_PYWBEM = True
except ImportError:
    HAS_PYWBEM = False
    PywbemError = Exception

INTEROP_NAMESPACE = 'root/interop'
JOB_INDICATION_QUERY = 'SELECT * FROM TPD_ConcreteJobInstModification'
QUERY_LANGUAGE = 'DMTF:CQL'
FILTER = 'CIM_IndicationFilter'
DESTINATION = 'CIM_ListenerDestinationCIMXML'
SUBSCRIPTION = 'CIM_IndicationSubscription'
MODES = ('auto', 'always', 'never')
BIND_ATTEMPTS = 3             # the free port may be taken between the probe and the bind
QUEUE_POLL_S = 0.02           # pywbem's callback thread polls its queue every 2 s by default: stop() would wait that long
STOP_WAIT_S = 5               # for the listener thread at close()
MAX_QUEUED = 64               # indications the listener holds before it answers CIM_ERR_FAILED (a flood costs no memory)
MAX_JOBS = 1000               # job ids JobEvents remembers (forged ids cannot grow it)
WAKE_DELAY_S = 0.01           # the listener's HTTP server checks for shutdown every 0.5 s; a connection wakes it
WAKE_CONNECT_TIMEOUT_S = 0.2
# Remote-copy methods of TPD_ReplicationService that start jobs.
JOB_METHODS_BY_NAME = frozenset(['CreateGroupReplica', 'ModifyReplicaSynchronization'])


def job_indication_argument_spec():
    """The options of doc_fragments/job_indications.py."""
    return dict(job_indications=dict(type='str', default='auto', choices=list(MODES)),
                listener_host=dict(type='str'))


# ---------------------------------------------------------------- which plans are worth a subscription

def may_start_job(action, state=None):
    """Whether ``action`` can start a job on the array (return code 4096)."""
    args = action.args or {}
    if action.method in (model.ATTACH_REPLICA, model.UPDATE_SPACE):
        return True
    if action.method == model.MODIFY_SYNC:
        operation = args.get('operation')
        if operation in (model.OP_RESTORE, model.OP_START_COPY):
            return True
        if operation == model.OP_RESYNC:
            copy = state.copy_to(action.target) if state is not None else None
            return copy is None or copy.kind != 'virtual'    # a snapshot resync is instant
        return False
    return action.method in JOB_METHODS_BY_NAME


def plan_starts_jobs(actions, state=None):
    return any(may_start_job(a, state) for a in actions)


# ---------------------------------------------------------------- what the listener received

def _job_id(indication):
    source = indication.get('SourceInstance')
    job_id = source.get('InstanceID') if source is not None else None
    if job_id is None and source is not None and source.path is not None:
        job_id = source.path.keybindings.get('InstanceID')
    if job_id is None and indication.get('SourceInstanceModelPath'):
        try:
            job_id = CIMInstanceName.from_wbem_uri(indication['SourceInstanceModelPath']).keybindings.get('InstanceID')
        except ValueError:
            job_id = None
    return job_id


def _finished(source):
    if source is None:
        return False
    state = source.get('JobState')
    status = [int(s) for s in source.get('OperationalStatus') or []]
    return (state is not None and int(state) in model.JOB_STATES_FINISHED) or model.OS_COMPLETED in status


class JobEvents:
    """Thread-safe record of the job indications received: ``deliver`` is the listener's callback; the waiter asks
    ``seen(job_id)`` (an indication for it arrived: they flow) and blocks in ``wait_finished(job_id, seconds)``.

    The listener takes any POST (the array does not authenticate its indications), so an indication is never
    trusted alone: it only wakes the wait, and a probe of the array confirms the job's end. What it can cost is
    bounded: the listener queues at most MAX_QUEUED indications (more are answered CIM_ERR_FAILED), and this
    record keeps the last MAX_JOBS job ids only."""

    def __init__(self):
        self._cond = threading.Condition()
        self._seen = OrderedDict()       # job id -> None, oldest first (a bounded ordered set)
        self._finished = OrderedDict()

    def deliver(self, indication, host=None):  # pylint: disable=unused-argument
        job_id = _job_id(indication)
        if job_id is None:
            return
        with self._cond:
            _remember(self._seen, job_id, None)
            if _finished(indication.get('SourceInstance')):
                _remember(self._finished, job_id, indication)
            self._cond.notify_all()

    def seen(self, job_id):
        with self._cond:
            return job_id in self._seen

    def finished(self, job_id):
        with self._cond:
            return job_id in self._finished

    def wait_finished(self, job_id, seconds):
        """Block until the indication that ``job_id`` finished arrived (True) or ``seconds`` passed (False)."""
        with self._cond:
            return self._cond.wait_for(lambda: job_id in self._finished, timeout=max(0.0, seconds))


def _remember(record, key, value):
    record[key] = value
    record.move_to_end(key)
    while len(record) > MAX_JOBS:
        record.popitem(last=False)


# ---------------------------------------------------------------- listener and subscription

def local_address(host, port):
    """The address of this host on the route to the array: what the array can send indications to. A UDP
    'connection' sends nothing; it only asks the kernel for the route."""
    infos = socket.getaddrinfo(host, port, 0, socket.SOCK_DGRAM)
    family, dummy, dummy2, dummy3, address = infos[0]
    sock = socket.socket(family, socket.SOCK_DGRAM)
    try:
        sock.connect(address)
        return sock.getsockname()[0]
    finally:
        sock.close()


def _free_port(host):
    family = socket.AF_INET6 if ':' in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    try:
        sock.bind((host, 0))
        return sock.getsockname()[1]
    finally:
        sock.close()


def _url_host(host):
    return '[%s]' % host if ':' in host else host


class JobIndications:
    """``start()`` the listener and subscribe (3 requests); ``close()`` unsubscribe (3 requests) and stop the listener;
    ``events`` for the waiter."""

    def __init__(self, client, listener_host=None, listener_factory=None):
        self.client = client
        self.listener_host = listener_host
        self.listener_factory = listener_factory or (lambda host, port: WBEMListener(host, http_port=port,
                                                                                     max_ind_queue_size=MAX_QUEUED))
        self.events = JobEvents()
        self.listener = None
        self.destination_url = None
        self._created = []    # paths to delete, in the order to delete them

    def _host(self):
        if self.listener_host:
            return self.listener_host
        parts = self.client.url.split('://', 1)[-1].rsplit(':', 1)
        host = parts[0].strip('[]')
        port = int(parts[1]) if len(parts) > 1 and parts[1].isdigit() else 5989
        return local_address(host, port)

    def start(self):
        host = self._host()
        last = None
        for dummy in range(BIND_ATTEMPTS):
            try:
                listener = self.listener_factory(host, _free_port(host))
                listener.queue_get_timeout = QUEUE_POLL_S
                listener.add_callback(self.events.deliver)
                listener.start()
            except Exception as exc:  # pylint: disable=broad-except
                last = exc
                continue
            self.listener = listener
            break
        if self.listener is None:
            raise InvalidRequest('start', 'the job indication listener on %s' % host, str(last),
                                 'Set listener_host to an address of this host that the array can reach, or job_indications: never.')
        self.destination_url = 'http://%s:%d' % (_url_host(host), self.listener.http_port)
        try:
            self._subscribe()
        except Exception:
            self.close()
            raise
        return self

    def _create(self, classname, properties, keys):
        inst = CIMInstance(classname, properties=properties)
        inst.path = CIMInstanceName(classname, dict((k, properties[k]) for k in keys), namespace=INTEROP_NAMESPACE)
        path = self.client.call('subscribe to', 'job indications (%s in %s)' % (classname, INTEROP_NAMESPACE),
                                self.client.conn.CreateInstance, inst, namespace=INTEROP_NAMESPACE)
        if path.namespace is None:
            path.namespace = INTEROP_NAMESPACE
        self._created.insert(0, path)
        return path

    def _subscribe(self):
        name = 'smis.threepar:%s:%d:%s' % (socket.gethostname(), os.getpid(), uuid.uuid4().hex[:8])
        system = {'SystemCreationClassName': 'CIM_ComputerSystem', 'SystemName': socket.gethostname()}
        keys = ('Name', 'CreationClassName', 'SystemCreationClassName', 'SystemName')
        handler = self._create(DESTINATION, dict(system, Name=name, CreationClassName=DESTINATION, Destination=self.destination_url,
                                                 PersistenceType=Uint16(model.PERSISTENCE_TRANSIENT)), keys)
        flt = self._create(FILTER, dict(system, Name=name, CreationClassName=FILTER, Query=JOB_INDICATION_QUERY,
                                        QueryLanguage=QUERY_LANGUAGE, SourceNamespaces=[self.client.namespace]), keys)
        self._create(SUBSCRIPTION, {'Filter': flt, 'Handler': handler}, ('Filter', 'Handler'))

    def close(self, another=None):
        """Unsubscribe and stop the listener; returns warnings for what could not be removed. The subscription goes
        first (the array refuses to delete a filter or destination in use), then the filter and the destination side
        by side, the filter over ``another()`` (a connection of its own) when it gives one."""
        warnings = []
        stopping = None
        if self.listener is not None:
            stopping = threading.Thread(target=self._stop_listener, args=(self.listener, warnings), name='stop-listener')
            stopping.daemon = True
            stopping.start()
            self.listener = None
        created, self._created = self._created, []
        if created:
            self._delete(self.client, created.pop(0), warnings)
        beside = None
        if len(created) > 1 and another is not None:
            client = another()
            if client is not None:
                beside = threading.Thread(target=self._delete_over, args=(client, created.pop(0), warnings), name='unsubscribe')
                beside.daemon = True
                beside.start()
        for path in created:
            self._delete(self.client, path, warnings)
        for thread in (beside, stopping):
            if thread is not None:
                thread.join(STOP_WAIT_S)
        return warnings

    @staticmethod
    def _delete(client, path, warnings):
        try:
            client.call('unsubscribe from', 'job indications (%s %s)' % (path.classname, path.keybindings.get('Name', '')),
                        client.conn.DeleteInstance, path)
        except ThreeparError as exc:
            warnings.append('%s It stays in %s of the array: delete it there.' % (exc, INTEROP_NAMESPACE))

    def _delete_over(self, client, path, warnings):
        try:
            self._delete(client, path, warnings)
        finally:
            client.close()

    @staticmethod
    def _stop_listener(listener, warnings):
        """Stop the listener, in parallel with the unsubscribe requests. Its HTTP server checks for shutdown every
        0.5 s: a connection to its port wakes it at once."""
        waker = threading.Timer(WAKE_DELAY_S, _wake, [listener])
        waker.daemon = True
        waker.start()
        try:
            listener.stop()
        except Exception as exc:  # pylint: disable=broad-except
            warnings.append('Failed to stop the job indication listener: %s' % exc)
        waker.cancel()


def _wake(listener):
    try:
        socket.create_connection((listener.host, listener.http_port), timeout=WAKE_CONNECT_TIMEOUT_S).close()
    except (OSError, AttributeError, TypeError):
        pass


def subscribe_for_plan(params, client, actions, state=None, factory=JobIndications):
    """A started JobIndications when the plan is worth it and the option allows it, else None (poll).
    ``always``: a failure to subscribe fails the task; ``auto``: it means polling."""
    mode = params.get('job_indications') or 'auto'
    if mode == 'never' or not HAS_PYWBEM or not plan_starts_jobs(actions, state):
        return None
    indications = factory(client, params.get('listener_host'))
    try:
        return indications.start()
    except (ThreeparError, PywbemError, OSError) as exc:
        if mode == 'always':
            if isinstance(exc, ThreeparError):
                raise
            raise InvalidRequest('subscribe to', 'job indications', str(exc),
                                 'Set listener_host to an address of this host that the array can reach, or job_indications: auto.')
        return None
