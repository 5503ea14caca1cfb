# -*- coding: utf-8 -*-
# Copyright: smis.threepar contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Planned actions -> InvokeMethod on TPD_StorageConfigurationService. Maps every return code to a typed error,
waits (bounded) for the jobs it starts by polling only their state properties, and deletes the jobs it waited on."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timedelta, timezone

from ansible_collections.smis.threepar.plugins.module_utils.threepar import model
from ansible_collections.smis.threepar.plugins.module_utils.threepar import snapshot_timers
from ansible_collections.smis.threepar.plugins.module_utils.threepar.action import (
    ALREADY_GONE, ALREADY_GROWN, CREATE_PHYSICAL_COPY, CREATE_VIRTUAL_COPY, DELETE_COPY, DELETE_VOLUME, GROW_VOLUME, RECOUNT, RESTORE_COPY,
    RESYNC_COPY, SET_SNAPSHOT_TIMERS, verb_and_object)
from ansible_collections.smis.threepar.plugins.module_utils.threepar.errors import (
    CopyBroken, InUse, InvalidRequest, JobFailed, MethodFailed, NotFound, ThreeparError, Unsupported)

try:
    from pywbem import CIMDateTime, CIMInstance, CIMInstanceName, Uint16, Uint64
except ImportError:
    pass    # client.HAS_PYWBEM tells the module; nothing here runs without it

# What a failed job leaves behind, and what to do about it.
JOB_FAILURE_HINTS = {
    CREATE_PHYSICAL_COPY: 'The copy is Broken: delete it (state: absent) and create it again.',
    RESYNC_COPY: 'The copy is Broken: delete it (state: absent) and create it again.',
    RESTORE_COPY: 'The snapshot is Broken: delete it (state: absent); the source keeps its data.',
    RECOUNT: 'The space figures stay as last counted; nothing else changed. Run the task again.',
}
# What the array means by a return code of one method, where it says more than the code's name.
RETURN_CODE_REASONS = {
    (model.ATTACH_REPLICA, model.RC_FAILED): 'the target volume is not compatible with the source (size, copies, volume set) or the '
    'source has no snapshot space for the resync snapshot',
    (model.ATTACH_REPLICA, model.RC_IN_USE): 'the target volume is already a copy of another volume',
    (model.MODIFY_SYNC, model.RC_FAILED): 'the copy no longer exists (a one-shot copy that finished, or one halted or detached '
    'meanwhile) or is Broken',
}
STORAGE_CAPABILITIES = 'TPD_StorageCapabilities'
# Steps that may go to the array side by side (``parallel``): one method on one snapshot, answered at once (no job):
# its creation, and its delete, resync (a refresh) or timers when the planner marks the target ``virtual``.
SNAPSHOT_OPERATIONS = frozenset([DELETE_COPY, RESYNC_COPY, SET_SNAPSHOT_TIMERS])
# Methods of TPD_ReplicationService (volume sets and their consistent snapshots); the others are of
# TPD_StorageConfigurationService.
REPLICATION_SERVICE_METHODS = frozenset([model.RS_CREATE_GROUP, model.RS_ADD_MEMBERS, model.RS_REMOVE_MEMBERS, model.RS_DELETE_GROUP,
                                         model.RS_CREATE_CONSISTENT_LIST])


class Executor:
    """``run(actions)`` performs a plan in order; ``done`` lists what was performed, for the result."""

    def __init__(self, client, inventory, waiter, wait=True, wait_timeout=600, parallel=1):
        self.client = client
        self.parallel = parallel
        self._local = threading.local()    # .client: the connection of a worker thread (_run_concurrently)
        self.inventory = inventory
        self.waiter = waiter
        self.wait = wait
        self.wait_timeout = wait_timeout
        self.done = []
        self.jobs_left = []
        self.finished_jobs = []    # paths of the jobs waited on, for the runner to delete (cleanup.py)
        self.warnings = []
        self._created = {}    # target name -> path of a volume created by this run
        self._capabilities = None
        self._settings = []   # TPD_StorageSetting paths this run made (CreateSetting): deleted at the end

    def run(self, actions):
        held = set()    # targets whose next step must wait for a job left running (wait: false)
        try:
            for chains in segments(actions, self.parallel):
                if len(chains) > 1:
                    self._run_concurrently(chains, held)
                else:
                    for action in chains[0]:
                        self._run_one(action, held)
        finally:
            self._delete_settings()
        return self.done

    def _run_one(self, action, held, done=None):
        if action.target in held:
            return
        record = action.as_result()
        job = self._perform(action, record)
        if job is not None:
            record['job_id'] = job.job_id
            record['job_state'] = model.decode(model.JOB_STATE, job.job_state)
            if not job.finished:
                held.add(action.target)
        (self.done if done is None else done).append(record)

    def _run_concurrently(self, chains, held):
        """Independent chains (the steps of one copy each) over up to ``parallel`` connections. The first chain runs
        alone, so that a refusal that would hit them all (permissions, the service path) is met once. After a failure
        no chain starts; the ones under way finish; the result lists every step performed, in plan order, and the
        first failure (in plan order) is raised."""
        first, rest = chains[0], chains[1:]
        for action in first:
            self._run_one(action, held)
        clients = [self.client.another() for dummy in range(min(self.parallel, len(rest)))]
        if None in clients:
            for chain in rest:
                for action in chain:
                    self._run_one(action, held)
            return
        idle, stop, results = list(clients), threading.Event(), [None] * len(rest)
        lock = threading.Lock()

        def work(index):
            if stop.is_set():
                return
            with lock:
                client = idle.pop()
            self._local.client = client
            done = []
            try:
                for action in rest[index]:
                    self._run_one(action, held, done)
                results[index] = (done, None)
            except ThreeparError as exc:
                stop.set()
                results[index] = (done, exc)
            finally:
                self._local.client = None
                with lock:
                    idle.append(client)

        try:
            with ThreadPoolExecutor(max_workers=len(clients)) as pool:
                list(pool.map(work, range(len(rest))))
        finally:
            for client in clients:
                client.close()
        failure = None
        for result in results:
            if result is not None:
                self.done.extend(result[0])
                failure = failure or result[1]
        if failure is not None:
            raise failure

    # ------------------------------------------------------------ one action

    def _perform(self, action, record):
        if action.method is None:
            return self._wait_for_copy(action)
        if action.operation == SET_SNAPSHOT_TIMERS:
            return self._set_timers(action)
        params = getattr(self, '_params_' + action.method)(action)
        verb, thing = verb_and_object(action.operation)
        what = action.args.get('object') or '%s %s' % (thing, action.target)
        try:
            rc, out = self._invoke(action.method, params, verb, what)
        except NotFound:
            if action.operation not in (DELETE_COPY, DELETE_VOLUME):
                raise
            # Gone already: taken with a copy that went before it (the resync snapshot of a detached clone), or
            # deleted by someone else (another run) since the read. The end state is reached.
            record['note'] = ALREADY_GONE
            return None
        rc = int(rc)
        if rc == model.RC_JOB_STARTED:
            job_path = out.get('Job')
            self._remember_target(action, out)
            return self._follow_job(action, job_path, verb, what)
        if rc != model.RC_OK:
            if action.operation == GROW_VOLUME and rc == model.RC_INVALID_PARAMETER and self._grown_meanwhile(action):
                record['note'] = ALREADY_GROWN
                return None
            error = self._return_code_error(rc, action, verb, what, out)
            self._undo_target_volume(action, error)
            raise error
        self._remember_target(action, out)
        return None

    def _set_timers(self, action):
        """ExpirationTime / RetentionTime of a snapshot's TPD_VolumeSetting (absolute times, M311 Table 38): from its
        point in time, or, for a snapshot this run made, from now."""
        args = action.args
        change = args.get('change')
        if change is None:
            now = datetime.now(timezone.utc)
            change = dict((key, now + timedelta(seconds=args[key])) for key in ('expire', 'retain') if args[key] is not None)
        what = 'the expiration and retention of snapshot %s' % action.target
        path = self.inventory.timer_setting_path(action.target, self._created)
        if path is None:
            raise NotFound('set', what, 'the array shows no %s for it' % snapshot_timers.VOLUME_SETTING,
                           'The snapshot exists without them; set them with the 3PAR CLI (setvv -exp / -retain).')
        props = dict((name, CIMDateTime(change[key])) for key, name in (('expire', 'ExpirationTime'), ('retain', 'RetentionTime'))
                     if key in change)
        client = getattr(self._local, 'client', None) or self.client
        client.modify_instance(CIMInstance(snapshot_timers.VOLUME_SETTING, properties=props, path=path), sorted(props), what)
        return None

    def _grown_meanwhile(self, action):
        """A grow refused as an invalid size: when the volume is already that large (another run grew it since the
        read, and a volume cannot shrink), the end state is reached. One GetInstance."""
        volume = (self.inventory.state.volumes or {}).get(action.target)
        if volume is None or volume.path is None:
            return False
        try:
            current = self.inventory.read_details([action.target]).volumes[action.target].size
        except ThreeparError:
            return False
        return current >= action.args['size']

    def _undo_target_volume(self, action, error):
        """AttachReplica refused: delete the empty target volume this run created for it, so that the refusal leaves
        the array as it was (a re-run would otherwise find an independent volume of that name)."""
        if action.method != model.ATTACH_REPLICA or action.target not in self._created:
            return
        try:
            self._invoke(model.RETURN_TO_POOL, [('TheElement', self._created.pop(action.target))], 'delete', 'volume %s' % action.target)
        except ThreeparError as exc:
            error.details['cleanup'] = 'the empty target volume %s could not be deleted: %s' % (action.target, exc)
        else:
            error.details['cleanup'] = 'the empty target volume %s created for the copy was deleted again' % action.target

    def _invoke(self, method, params, verb, what):
        client = getattr(self._local, 'client', None) or self.client
        if method in REPLICATION_SERVICE_METHODS:
            return client.invoke(method, self.inventory.replication_service_path(), params, verb, what)
        try:
            return client.invoke(method, self.inventory.service_path(), params, verb, what)
        except NotFound:
            # A service path derived from the system name that this provider does not know (CIM_ERR_NOT_FOUND: nothing
            # ran): look the service up and try once more. When the lookup gives the same path, the service was
            # right and what is not found is the element the method names (deleted meanwhile): no second call.
            if not getattr(self.inventory, 'service_was_derived', lambda: False)():
                raise
            derived, service = self.inventory.service_path(), self.inventory.lookup_service_path()
            if _same_path(service, derived):
                raise
            return client.invoke(method, service, params, verb, what)

    @property
    def created(self):
        """Target name -> path of each volume this run created (the method's TargetElement / TheElement)."""
        return dict(self._created)

    def _remember_target(self, action, out):
        """The path of a volume this run created, for the steps after it (detach, ...): no re-read needed."""
        if action.method == model.RS_CREATE_CONSISTENT_LIST:
            # The snapshots, in the order of their sources (M312 Table 95).
            self._created.update(zip(action.args['names'], out.get('TargetElements') or []))
            return
        out_name = {model.CREATE_REPLICA: 'TargetElement', model.CREATE_OR_MODIFY: 'TheElement'}.get(action.method)
        if out_name and out.get(out_name) is not None:
            self._created[action.target] = out[out_name]

    def _return_code_error(self, rc, action, verb, what, out=None):
        reason = 'the array returned %d (%s)' % (rc, model.RETURN_CODES.get(rc, 'vendor specific'))
        if (action.method, rc) in RETURN_CODE_REASONS:
            reason += ': ' + RETURN_CODE_REASONS[(action.method, rc)]
        if rc == model.RC_SIZE_NOT_SUPPORTED:
            nearest = (out or {}).get('Size')
            return InvalidRequest(verb, what, '%s: the array cannot make a volume of %s' % (reason, model.format_size(action.args.get('size'))),
                                  'Set size to %s (the nearest size it can make).' % model.format_size(int(nearest))
                                  if nearest else 'Set a size between 256MiB and 16TiB.', return_code=rc)
        if rc == model.RC_NOT_SUPPORTED:
            return Unsupported(verb, what, '%s is not supported by this array for %s' % (action.method, action.operation),
                               'Nothing was changed; use the 3PAR CLI for this operation.', return_code=rc)
        if rc == model.RC_IN_USE:
            if action.method == model.ATTACH_REPLICA:
                return InUse(verb, what, reason, 'Choose another name for the copy.', return_code=rc)
            return InUse(verb, what, '%s: it has copies or a copy is in progress' % reason,
                         'Delete its copies first, or wait for the copy to finish, then run again.', return_code=rc)
        if rc == model.RC_INVALID_PARAMETER:
            if action.operation == GROW_VOLUME:
                hint = 'Check size: a volume can grow, not shrink; run the task again to read its size now.'
            elif action.method in (model.CREATE_OR_MODIFY, model.CREATE_REPLICA):
                hint = 'Check the name (it may be taken) and the values of the task.'
            else:
                hint = 'Check the values of the task.'
            return InvalidRequest(verb, what, reason, hint, return_code=rc)
        if rc == model.RC_NO_SUCH_VOLUME:
            return NotFound(verb, what, '%s' % reason, 'Check that it exists and is a virtual copy.', return_code=rc)
        if rc == model.RC_FAILED and action.method == model.MODIFY_SYNC:
            return CopyBroken(verb, what, reason, 'Run the task again to converge on what the array shows now; a Broken copy must '
                              'be deleted (state: absent) and created again.', return_code=rc)
        if rc == model.RC_FAILED and action.method == model.CREATE_OR_MODIFY:
            return MethodFailed(verb, what, '%s: not enough free space in the CPG, or the array refused the change' % reason,
                                'Check the free space of the CPG (showcpg) and the event log (showeventlog).', return_code=rc)
        return MethodFailed(verb, what, reason, "See the array's event log (showeventlog).", return_code=rc)

    # ------------------------------------------------------------ jobs and waiting

    def _follow_job(self, action, job_path, verb, what):
        return follow_job(self, job_path, verb, what, self.wait_timeout,
                          JOB_FAILURE_HINTS.get(action.operation, "See the array's event log (showeventlog)."))

    def _wait_for_copy(self, action):
        """A copy the array is already moving (Initialized, ...InProgress): wait until it settles, never restart it."""
        if not self.wait:
            return model.Job(job_id=None, job_state=model.JOB_RUNNING)
        path = self._sync_path(action)
        what = 'copy %s of %s' % (action.target, action.args['source'])

        def probe():
            try:
                state, percent = self.inventory.sync_state(path, what)
            except NotFound:
                return True, None    # the association is gone: a one-shot copy finished, or a halt completed
            return state not in model.SYNC_STATES_IN_TRANSIT, (state, percent)

        settled = self.waiter.wait(probe, self.wait_timeout, what,
                                   describe=lambda s: '%s %s%%' % (model.decode(model.SYNC_STATE, s[0]), s[1]) if s else 'unknown',
                                   percent=lambda s: s[1])
        if settled and settled[0] == model.SS_BROKEN:
            raise CopyBroken('wait for', what, 'it ended Broken (the copy, resync or restore failed)',
                             'Delete it (state: absent) and create it again.', sync_state='Broken')
        return None

    # ------------------------------------------------------------ parameters of each method

    def _volume_path(self, name):
        if name in self._created:
            return self._created[name]
        volume = (self.inventory.state.volumes or {}).get(name)
        if volume is None:
            raise NotFound('find', 'volume %s' % name, 'it does not exist on the array', 'Check the name.')
        return volume.path

    def _pool_path(self, name):
        pool = (self.inventory.state.pools or {}).get(name)
        if pool is not None and pool.path is not None:
            return pool.path
        return CIMInstanceName(model.CPG_POOL, {'InstanceID': model.CPG_ID_PREFIX + name}, namespace=self.client.namespace)

    def _sync_path(self, action):
        copy = self.inventory.state.copy_to(action.target) if action.target not in self._created else None
        if copy is not None and copy.path is not None:
            return copy.path
        # A copy created by this run: its association is keyed by the two volume references.
        return CIMInstanceName(model.SYNCHRONIZED, {'SystemElement': self._volume_path(action.args['source']),
                                                    'SyncedElement': self._volume_path(action.target)},
                               namespace=self.client.namespace)

    # ------------------------------------------------------------ settings (Goal)

    def _setting(self, goal):
        """A TPD_StorageSetting holding ``goal``: made by TPD_StorageCapabilities.CreateSetting, its properties set with
        ModifyInstance (M312 p32), passed to the method by reference, deleted when the run ends."""
        if self._capabilities is None:
            names = self.client.enumerate_names(STORAGE_CAPABILITIES, 'the storage capabilities')
            if not names:
                raise MethodFailed('find', 'the storage capabilities', 'the array has no %s' % STORAGE_CAPABILITIES,
                                   'Check that the SMI-S provider serves the Block Services profile.')
            self._capabilities = names[0]
        rc, out = self.client.invoke('CreateSetting', self._capabilities, [('SettingType', Uint16(model.SETTING_TYPE_GOAL))],
                                     'prepare', 'a storage setting')
        path = out.get('NewSetting')
        if int(rc) != model.RC_OK or path is None:
            raise MethodFailed('prepare', 'a storage setting', 'CreateSetting returned %s (%s)' % (int(rc), model.RETURN_CODES.get(int(rc), '?')),
                               'Nothing was changed; see the event log of the array (showeventlog).', return_code=int(rc))
        self._settings.append(path)
        props = {}
        for key, value in goal.items():
            props[key] = Uint64(value) if key == 'SnapVolumeSize' else Uint16(value) if key == 'SnapVolumePercentage' else value
        self.client.modify_instance(CIMInstance(model.STORAGE_SETTING, properties=props, path=path), sorted(props), 'the storage setting')
        return path

    def _delete_settings(self):
        while self._settings:
            path = self._settings.pop()
            try:
                self.client.delete_instance(path, 'storage setting %s' % path.keybindings.get('InstanceID'))
            except ThreeparError as exc:
                self.warnings.append(str(exc))

    # ------------------------------------------------------------ parameters of each method

    def _params_CreateOrModifyElementFromStoragePool(self, action):  # pylint: disable=invalid-name
        args = action.args
        params = []
        if 'pool' in args:    # CREATE_VOLUME, CREATE_TARGET_VOLUME
            params += [('ElementName', args['name']), ('ElementType', Uint16(args['element_type'])), ('InPool', self._pool_path(args['pool'])),
                       ('Size', Uint64(args['size']))]
        else:
            params.append(('TheElement', self._volume_path(args['name'])))
            if 'size' in args:
                params.append(('Size', Uint64(args['size'])))
        if args.get('goal'):
            params.append(('Goal', self._setting(args['goal'])))
        return params

    def _params_ReturnToStoragePool(self, action):  # pylint: disable=invalid-name
        return [('TheElement', self._volume_path(action.args['name']))]

    def _params_CreateReplica(self, action):  # pylint: disable=invalid-name
        args = action.args
        return [('ElementName', args['name']), ('SourceElement', self._volume_path(args['source'])),
                ('CopyType', Uint16(args['copy_type']))]

    def _params_AttachReplica(self, action):  # pylint: disable=invalid-name
        args = action.args
        return [('SourceElement', self._volume_path(args['source'])), ('TargetElement', self._volume_path(args['name'])),
                ('CopyType', Uint16(args['copy_type']))]

    def _params_ModifySynchronization(self, action):  # pylint: disable=invalid-name
        return [('Operation', Uint16(action.args['operation'])), ('Synchronization', self._sync_path(action))]

    def _params_UpdateDeltaSnapshotSpace(self, action):  # pylint: disable=invalid-name
        return [('SnapshotVolume', [self._volume_path(name) for name in action.args['names']])]

    def _params_TPD_CreateConsistentReplicaList(self, action):  # pylint: disable=invalid-name
        # Snapshots (SyncType Snapshot, Mode Synchronous), one target name per source: creategroupsv (M312 Table 95).
        return [('SyncType', Uint16(model.SYNC_TYPE_SNAPSHOT)), ('Mode', Uint16(model.MODE_SYNCHRONOUS)),
                ('SourceElements', [self._volume_path(n) for n in action.args['sources']]), ('TargetNames', list(action.args['names']))]

    # Volume sets (M312 p105-107): the persistence flags are the only values the provider takes (it refuses others).
    def _params_CreateGroup(self, action):  # pylint: disable=invalid-name
        return [('GroupName', action.target), ('Members', [self._volume_path(n) for n in action.args['members']]),
                ('Persistent', True), ('DeleteOnEmptyElement', False), ('DeleteOnUnassociated', False)]

    def _params_AddMembers(self, action):  # pylint: disable=invalid-name
        return [('Members', [self._volume_path(n) for n in action.args['members']]), ('ReplicationGroup', action.args['set'])]

    def _params_RemoveMembers(self, action):  # pylint: disable=invalid-name
        return [('Members', [self._volume_path(n) for n in action.args['members']]), ('DeleteOnEmptyElement', False),
                ('ReplicationGroup', action.args['set'])]

    def _params_DeleteGroup(self, action):  # pylint: disable=invalid-name
        # RemoveElements true: a set with members goes too (its volumes stay; only the set is deleted).
        return [('ReplicationGroup', action.args['set']), ('RemoveElements', True)]


def follow_job(executor, job_path, verb, what, timeout, failure_hint, **error_details):
    """A job the array started for a method: with wait, poll it until it ends, delete it (or leave it to the runner:
    an executor with ``finished_jobs``), and raise JobFailed (with ``failure_hint`` and ``error_details``) if it
    failed; with wait false, leave it and return it as New. ``executor`` gives client, inventory, waiter, wait,
    jobs_left and warnings."""
    if job_path is None:
        raise MethodFailed(verb, what, 'the array started a job but returned no reference to it',
                           'See the jobs with smis.threepar.threepar_info (gather: jobs).')
    job_id = job_path.keybindings.get('InstanceID')
    if not executor.wait:
        executor.jobs_left.append(job_id)
        return model.Job(job_id=job_id, job_state=model.JOB_NEW, path=job_path)

    def probe():
        job = executor.inventory.job_state(job_path, 'job %s' % job_id)
        return job.finished, job

    job = executor.waiter.wait(probe, timeout, 'job %s (%s %s)' % (job_id, verb, what), job_id=job_id,
                               describe=lambda j: j.describe() if j is not None else 'unknown')
    deferred = getattr(executor, 'finished_jobs', None)
    if deferred is not None:
        deferred.append(job_path)    # deleted side by side with the reads of the result (cleanup.py)
    else:
        try:
            executor.client.delete_instance(job_path, 'finished job %s' % job_id)
        except ThreeparError as exc:
            executor.warnings.append(str(exc))
    if not job.succeeded:
        raise JobFailed(verb, what, 'job %s ended %s: %s' % (job_id, job.describe(), job.error_description or 'no description'),
                        failure_hint, job_id=job_id, last_state=job.describe(), **error_details)
    return job


def segments(actions, parallel):
    """The plan cut into the parts the executor runs one after another: a single step (a list of one chain of one
    action), or, with ``parallel`` > 1, a run of consecutive steps that may go side by side, grouped into chains (the
    steps of one target, in plan order). A step may go side by side when it creates, refreshes or deletes a snapshot
    (SNAPSHOT_OPERATIONS) and touches no volume another step of the plan creates or deletes (a snapshot of a snapshot
    made in the same task waits)."""
    targets = set(a.target for a in actions)
    sources = set(a.args.get('source') for a in actions)
    result, run = [], []

    def flush():
        chains = {}
        for action in run:
            chains.setdefault(action.target, []).append(action)
        if len(chains) > 1:
            result.append(list(chains.values()))
        else:
            result.extend([[[action]] for action in run])
        del run[:]

    for action in actions:
        source = action.args.get('source')
        on_a_snapshot = action.operation == CREATE_VIRTUAL_COPY or (action.operation in SNAPSHOT_OPERATIONS and action.args.get('virtual'))
        independent = parallel > 1 and action.method and on_a_snapshot and source not in targets and action.target not in sources
        if independent:
            run.append(action)
            continue
        flush()
        result.append([[action]])
    flush()
    return result


def _same_path(one, other):
    """Whether two instance paths name the same object (keys compared; namespace and host may differ in form)."""
    if one is None or other is None:
        return False
    return one.classname.lower() == other.classname.lower() and _keys(one) == _keys(other)


def _keys(path):
    return sorted((name.lower(), str(value)) for name, value in path.keybindings.items())
