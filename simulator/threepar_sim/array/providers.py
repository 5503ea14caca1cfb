"""pywbem_mock providers: the CIM methods of the services, job deletion, and
subscription providers that persist what clients create in root/interop.

Every provider call works on the Array's domain state and ends with
``array.commit()`` (projection, SQLite, indications). Business refusals come
back as method return codes; malformed calls (missing parameter, unknown
reference) as CIMError, as simulator/MODEL.md specifies.
"""

from pywbem import (CIM_ERR_FAILED, CIM_ERR_INVALID_PARAMETER, CIM_ERR_NOT_FOUND, CIM_ERR_NOT_SUPPORTED, CIMError, CIMInstance,
                    CIMInstanceName, CIMParameter, Uint16, Uint32, Uint64)
from pywbem_mock import (CIMIndicationFilterProvider, CIMIndicationSubscriptionProvider, CIMListenerDestinationProvider,
                         InstanceWriteProvider, MethodProvider)

from . import retention, values as v
from .indications import parse_query
from .state import Refused


def get_param(params, method, name, required=False):
    """Value of an input parameter; None when absent; CIMError when required and absent."""
    param = params.get(name)
    value = None if param is None else param.value
    if value is None and required:
        raise CIMError(CIM_ERR_INVALID_PARAMETER, '%s: missing required parameter %s' % (method, name))
    return value


def ref_param(name, path):
    return CIMParameter(name, 'reference', value=path)


class ArrayMethodProvider(MethodProvider):
    """Common dispatch: method name -> handler(params) -> (rc, out params); ``self.target`` is the object called."""

    provider_classnames = None
    handlers = {}

    def __init__(self, cimrepository, array):
        super().__init__(cimrepository)
        self.array = array
        self.target = None

    @property
    def state(self):
        return self.array.state

    def InvokeMethod(self, methodname, localobject, params):  # pylint: disable=invalid-name
        handler = self.handlers.get(methodname.lower())
        if handler is None:
            return super().InvokeMethod(methodname, localobject, params)
        self.target = localobject
        try:
            rc, out = getattr(self, handler)(params)
        except Refused as refusal:
            self.array.last_refusal = '%s: %s' % (methodname, refusal)
            rc, out = refusal.rc, []
            if refusal.size is not None:
                out = [CIMParameter('Size', 'uint64', value=Uint64(refusal.size))]
        finally:
            self.array.commit()
        return rc, out

    # --- references -> domain objects --------------------------------------------

    def volume(self, path, method, name):
        if not isinstance(path, CIMInstanceName) or path.classname.lower() != v.VOLUME_CLASS.lower() or 'DeviceID' not in path.keybindings:
            raise CIMError(CIM_ERR_INVALID_PARAMETER, '%s: %s must reference a %s' % (method, name, v.VOLUME_CLASS))
        vol = self.state.volumes_by_id.get(int(path['DeviceID'])) if str(path['DeviceID']).isdigit() else None
        if vol is None:
            raise CIMError(CIM_ERR_NOT_FOUND, '%s: %s: no volume with DeviceID %s' % (method, name, path['DeviceID']))
        return vol

    def cpg(self, path, method, name):
        instance_id = str(path.keybindings.get('InstanceID', ''))
        if path.classname.lower() != v.CPG_CLASS.lower() or not instance_id.startswith('TPD:CPG:'):
            raise CIMError(CIM_ERR_INVALID_PARAMETER, '%s: %s must reference a %s' % (method, name, v.CPG_CLASS))
        cpg_name = instance_id[len('TPD:CPG:'):]
        if cpg_name not in self.state.cpgs:
            raise CIMError(CIM_ERR_NOT_FOUND, '%s: %s: no CPG named %s' % (method, name, cpg_name))
        return cpg_name

    def setting(self, path, method, name):
        """The client Setting a Goal / TargetSettingGoal reference names, or None (M312 p32: a REF, not an embedded instance)."""
        if path is None:
            return None
        if not isinstance(path, CIMInstanceName) or path.classname.lower() != v.SETTING_CLASS.lower():
            raise CIMError(CIM_ERR_INVALID_PARAMETER, '%s: %s must reference a %s (from TPD_StorageCapabilities.CreateSetting)'
                           % (method, name, v.SETTING_CLASS))
        setting = self.state.settings.get(str(path.keybindings.get('InstanceID', '')))
        if setting is None:
            raise CIMError(CIM_ERR_NOT_FOUND, '%s: %s: no %s %s' % (method, name, v.SETTING_CLASS, path.keybindings.get('InstanceID')))
        return setting

    def copy(self, path, method, name):
        """The copy a TPD_StorageSynchronized reference names; one that does not exist: 4 (M312 p65 Table 48)."""
        if not isinstance(path, CIMInstanceName) or path.classname.lower() != v.SYNC_CLASS.lower() \
                or 'SystemElement' not in path.keybindings or 'SyncedElement' not in path.keybindings:
            raise CIMError(CIM_ERR_INVALID_PARAMETER, '%s: %s must reference a %s' % (method, name, v.SYNC_CLASS))
        try:
            source = self.volume(path['SystemElement'], method, name + '.SystemElement')
            target = self.volume(path['SyncedElement'], method, name + '.SyncedElement')
        except CIMError as exc:
            if exc.status_code != CIM_ERR_NOT_FOUND:
                raise
            raise Refused(v.RC_FAILED, 'the TPD_StorageSynchronized object does not exist') from None
        copy = self.state.copies.get(target.name)
        if copy is None or copy.source != source.name:
            raise Refused(v.RC_FAILED, 'the TPD_StorageSynchronized object %s -> %s does not exist' % (source.name, target.name))
        return copy

    def job(self, path):
        instance_id = str(path.keybindings.get('InstanceID', '')) if isinstance(path, CIMInstanceName) else ''
        number = instance_id[len('TPD:JOB:'):]
        job = self.state.jobs.get(int(number)) if instance_id.startswith('TPD:JOB:') and number.isdigit() else None
        if job is None:
            raise CIMError(CIM_ERR_NOT_FOUND, 'no job %s' % instance_id)
        return job

    def volume_path(self, vol):
        return self.array.projector.volume_path(vol)

    def job_out(self, job):
        return [ref_param('Job', self.array.projector.job_path(job.id))]


def snapshot_volume_id(source, pool, setting):
    """Checks of a snapshot's TargetPool and TargetSettingGoal (M312 p68): the volume ID its BaseID asks for, or None."""
    if pool is not None and (pool.classname.lower() != v.DSP_CLASS.lower()
                             or pool.keybindings.get('InstanceID') != 'TPD:DSP:' + source.name):
        raise Refused(v.RC_INVALID, 'TargetPool must be NULL or the TPD_DeltaReplicaStoragePool of %s' % source.name)
    if setting is None or setting.base_id is None:
        return None
    if not str(setting.base_id).isdigit() or int(setting.base_id) < 1:
        raise Refused(v.RC_INVALID, 'BaseID must be a volume ID (a positive decimal number)')
    return int(setting.base_id)


def goal_snap_space(setting):
    """Snapshot space settings of a Goal setting: (DSPName, size, percent) or None (M231 Table 5-28)."""
    if setting is None or all(x is None for x in (setting.dsp_name, setting.snap_size, setting.snap_percent)):
        return None
    return setting.dsp_name, int(setting.snap_size or 0), int(setting.snap_percent or 0)


class StorageConfigurationServiceProvider(ArrayMethodProvider):
    """TPD_StorageConfigurationService methods (simulator/MODEL.md, Methods)."""

    provider_classnames = v.CONFIG_SERVICE_CLASS
    handlers = {
        'createormodifyelementfromstoragepool': 'create_or_modify',
        'returntostoragepool': 'return_to_pool',
        'createreplica': 'create_replica',
        'attachreplica': 'attach_replica',
        'attachormodifyreplica': 'attach_or_modify_replica',
        'modifysynchronization': 'modify_synchronization',
        'updatedeltasnapshotspace': 'update_delta_snapshot_space',
    }

    def create_or_modify(self, params):
        method = 'CreateOrModifyElementFromStoragePool'
        element = get_param(params, method, 'TheElement')
        snap = goal_snap_space(self.setting(get_param(params, method, 'Goal'), method, 'Goal'))
        size = get_param(params, method, 'Size')
        if element is not None:
            vol = self.volume(element, method, 'TheElement')
            if size is not None:
                self.state.grow_volume(vol, int(size))
            if snap is not None:
                self.state.set_snap_space(vol, snap[0] or vol.snap_cpg or vol.cpg, snap[1], snap[2])
        else:
            name = get_param(params, method, 'ElementName', required=True)
            cpg_name = self.cpg(get_param(params, method, 'InPool', required=True), method, 'InPool')
            size = get_param(params, method, 'Size', required=True)
            element_type = get_param(params, method, 'ElementType')
            element_type = v.ELEMENT_FULL if element_type is None else int(element_type)
            if element_type not in (v.ELEMENT_FULL, v.ELEMENT_THIN):
                raise Refused(v.RC_INVALID, 'ElementType must be 2 (StorageVolume) or 5 (ThinlyProvisionedStorageVolume)')
            if snap is not None:
                snap = (snap[0] or cpg_name, snap[1], snap[2])
            vol = self.state.create_volume(name, cpg_name, int(size), element_type == v.ELEMENT_THIN, snap)
        return v.RC_OK, [ref_param('TheElement', self.volume_path(vol)), CIMParameter('Size', 'uint64', value=Uint64(vol.size))]

    def return_to_pool(self, params):
        method = 'ReturnToStoragePool'
        vol = self.volume(get_param(params, method, 'TheElement', required=True), method, 'TheElement')
        self.state.delete_volume(vol)
        return v.RC_OK, []

    def create_replica(self, params):
        """Virtual copies only: "CopyType: Can only be UnsyncAssoc (4)" (M312 p68 Table 55)."""
        method = 'CreateReplica'
        source = self.volume(get_param(params, method, 'SourceElement', required=True), method, 'SourceElement')
        copy_type = int(get_param(params, method, 'CopyType', required=True))
        name = get_param(params, method, 'ElementName')
        setting = self.setting(get_param(params, method, 'TargetSettingGoal'), method, 'TargetSettingGoal')
        if copy_type != v.UNSYNC_ASSOC:
            raise Refused(v.RC_INVALID, 'CreateReplica makes virtual copies only: CopyType must be 4 (UnSyncAssoc)')
        pool = get_param(params, method, 'TargetPool')
        volume_id = snapshot_volume_id(source, pool, setting)
        retention.refuse_timers(setting, method)
        copy = self.state.create_snapshot(source, name, volume_id=volume_id)
        return v.RC_OK, [ref_param('TargetElement', self.volume_path(self.state.volumes[copy.target]))]

    def attach_replica(self, params, method='AttachReplica'):
        """A physical copy into an existing volume: createvvcopy -p (M312 p62, M311 p59, M231 p104-105)."""
        source = self.volume(get_param(params, method, 'SourceElement', required=True), method, 'SourceElement')
        target = self.volume(get_param(params, method, 'TargetElement', required=True), method, 'TargetElement')
        copy_type = int(get_param(params, method, 'CopyType', required=True))
        if method == 'AttachOrModifyReplica' and get_param(params, method, 'ReplicationPipe') is not None:
            raise Refused(v.RC_INVALID, 'ReplicationPipe must be NULL')
        dummy, job = self.state.attach_copy(method, source, target, copy_type)
        return v.RC_JOB_STARTED, self.job_out(job)

    def attach_or_modify_replica(self, params):
        return self.attach_replica(params, 'AttachOrModifyReplica')   # Goal: "can only be NULL, non-NULL ignored"

    def modify_synchronization(self, params):
        method = 'ModifySynchronization'
        operation = int(get_param(params, method, 'Operation', required=True))
        path = get_param(params, method, 'Synchronization', required=True)
        if not v.OP_DETACH <= operation <= v.OP_STOP_COPY:
            raise Refused(v.RC_INVALID, 'Operation %d is outside 2..13' % operation)
        if operation in v.UNSUPPORTED_OPERATIONS:
            raise Refused(v.RC_NOT_SUPPORTED, 'Operation %d is not supported for local copies' % operation)
        copy = self.copy(path, method, 'Synchronization')
        state = self.state
        if operation == v.OP_DETACH:
            state.detach(copy)
            return v.RC_OK, []
        if operation == v.OP_STOP_COPY:
            state.stop_copy(copy)
            return v.RC_OK, []
        action = {v.OP_RESYNC: state.resync, v.OP_RESTORE: state.restore, v.OP_START_COPY: state.start_copy}[operation]
        job = action(copy)
        if job is None:
            return v.RC_OK, []
        return v.RC_JOB_STARTED, self.job_out(job)

    def update_delta_snapshot_space(self, params):
        """updatesnapspace (M312 p60, M231 p100-101; return codes seed 002 Table 44)."""
        method = 'UpdateDeltaSnapshotSpace'
        paths = get_param(params, method, 'SnapshotVolume')
        names = None
        if paths:
            names = []
            for path in paths:
                try:
                    names.append(self.volume(path, method, 'SnapshotVolume').name)
                except CIMError as exc:
                    if exc.status_code != CIM_ERR_NOT_FOUND:
                        raise
                    raise Refused(v.RC_NO_SUCH_SNAPSHOT, 'volume does not exist') from None
        job = self.state.update_snapshot_space(names)
        return v.RC_JOB_STARTED, self.job_out(job)


class CapabilitiesProvider(ArrayMethodProvider):
    """TPD_StorageCapabilities.CreateSetting (M311 p33 Tables 33-34)."""

    provider_classnames = v.CAPABILITIES_CLASS
    handlers = {'createsetting': 'create_setting'}

    def create_setting(self, params):
        setting_type = get_param(params, 'CreateSetting', 'SettingType')
        if setting_type is None or int(setting_type) not in (v.SETTING_DEFAULT, v.SETTING_GOAL):
            raise Refused(v.RC_INVALID, 'SettingType must be 2 (Default) or 3 (Goal)')
        capabilities = str(self.target.keybindings.get('InstanceID', '')).rpartition(':')[2]
        setting = self.state.create_setting(capabilities)
        return v.RC_OK, [ref_param('NewSetting', self.array.projector.setting_path(setting.instance_id))]


def job_error_instance():
    """The CIM_Error GetError returns for a failed job (M312 p72 Table 59)."""
    return CIMInstance('CIM_Error', properties={
        'OwningEntity': 'SNIA', 'MessageID': 'DRM26', 'Message': 'Operation has failed',
        'MessageArguments': ['Operation has failed'], 'PerceivedSeverity': Uint16(2), 'ProbableCause': Uint16(8),
        'CIMStatusCode': Uint32(2), 'CIMStatusCodeDescription': 'CIM_ERR_ACCESS_DENIED'})


class JobMethodProvider(ArrayMethodProvider):
    """TPD_ConcreteJob.RequestStateChange (M312 Table 58) and GetError (Table 59)."""

    provider_classnames = v.JOB_CLASS
    handlers = {'requeststatechange': 'request_state_change', 'geterror': 'get_error'}

    def request_state_change(self, params):
        job = self.job(self.target)
        requested = get_param(params, 'RequestStateChange', 'RequestedState')
        requested = None if requested is None else int(requested)
        if requested not in (v.JOB_REQUEST_START, v.JOB_REQUEST_SUSPEND, v.JOB_REQUEST_TERMINATE, v.JOB_REQUEST_KILL,
                             v.JOB_REQUEST_SERVICE):
            raise Refused(v.RC_INVALID, 'RequestedState %s is not a job state request' % requested)
        if requested != v.JOB_REQUEST_TERMINATE:
            raise Refused(v.RC_NOT_SUPPORTED, 'only 4 (Terminate) is supported')
        if get_param(params, 'RequestStateChange', 'TimeoutPeriod') is not None:
            raise Refused(v.RC_TIMEOUT_NOT_SUPPORTED, 'TimeoutPeriod must be NULL')
        self.state.terminate_job(job)
        return v.RC_JOB_STARTED, []

    def get_error(self, params):
        job = self.job(self.target)
        error = job_error_instance() if job.state == v.JOB_EXCEPTION else None
        param = CIMParameter('Error', 'string', value=error)
        param.embedded_object = 'instance'
        return v.RC_OK, [param]


class JobProvider(InstanceWriteProvider):
    """TPD_ConcreteJob: clients delete finished jobs; nothing else is writable."""

    provider_classnames = v.JOB_CLASS

    def __init__(self, cimrepository, array):
        super().__init__(cimrepository)
        self.array = array

    def CreateInstance(self, namespace, new_instance):  # pylint: disable=invalid-name
        raise CIMError(CIM_ERR_NOT_SUPPORTED, 'jobs are created by CIM methods only')

    def ModifyInstance(self, modified_instance, IncludeQualifiers=None):  # pylint: disable=invalid-name
        raise CIMError(CIM_ERR_NOT_SUPPORTED, 'jobs cannot be modified')

    def DeleteInstance(self, InstanceName):  # pylint: disable=invalid-name
        instance_id = str(InstanceName.keybindings.get('InstanceID', ''))
        number = instance_id[len('TPD:JOB:'):]
        job = self.array.state.jobs.get(int(number)) if instance_id.startswith('TPD:JOB:') and number.isdigit() else None
        if job is None:
            raise CIMError(CIM_ERR_NOT_FOUND, 'no job %s' % instance_id)
        try:
            self.array.state.delete_job(job)
        except Refused:
            raise CIMError(CIM_ERR_FAILED, 'job still running: %s' % instance_id) from None
        finally:
            self.array.commit()


def changed_properties(store, instance, writable):
    """{name: value} of the writable properties ``instance`` sets; CIM_ERR_NOT_SUPPORTED if it changes another one."""
    current = store.get(instance.path, copy=False)
    changes = {}
    for name, prop in instance.properties.items():
        if name.lower() in (w.lower() for w in writable):
            changes[next(w for w in writable if w.lower() == name.lower())] = prop.value
        elif prop.value != (current.get(name) if name in current else None):
            raise CIMError(CIM_ERR_NOT_SUPPORTED, 'property %s of %s cannot be modified' % (name, instance.classname))
    return changes


class ArrayOwnedProvider(InstanceWriteProvider):
    """Array-owned instances change through the services' methods only (M312 p48-60, MX p76)."""

    provider_classnames = list(v.ARRAY_OWNED_CLASSES)

    def __init__(self, cimrepository, array):
        super().__init__(cimrepository)
        self.array = array

    def CreateInstance(self, namespace, new_instance):  # pylint: disable=invalid-name
        raise CIMError(CIM_ERR_NOT_SUPPORTED, '%s instances are created by the array only' % new_instance.classname)

    def ModifyInstance(self, modified_instance, IncludeQualifiers=None):  # pylint: disable=invalid-name
        if modified_instance.classname.lower() != v.SYSTEM_CLASS.lower():
            raise CIMError(CIM_ERR_NOT_SUPPORTED, '%s instances cannot be modified' % modified_instance.classname)
        store = self.cimrepository.get_instance_store(v.NS)
        changes = changed_properties(store, modified_instance, v.SYSTEM_WRITABLE)
        try:
            self.array.state.owner.update(changes)
            self.array.state.touch('system', None)
        finally:
            self.array.commit()

    def DeleteInstance(self, InstanceName):  # pylint: disable=invalid-name
        raise CIMError(CIM_ERR_NOT_SUPPORTED, '%s instances are deleted by the array only' % InstanceName.classname)


class SettingProvider(InstanceWriteProvider):
    """TPD_StorageSetting: made by CreateSetting, changed with ModifyInstance, removed with DeleteInstance (M312 p32)."""

    provider_classnames = v.SETTING_CLASS
    FIELDS = {'ElementName': 'element_name', 'DSPName': 'dsp_name', 'SnapVolumeSize': 'snap_size',
              'SnapVolumePercentage': 'snap_percent', 'ThinlyProvisioned': 'thin', 'BaseID': 'base_id',
              'ExpirationTimer': 'expiration_timer', 'RetentionTimer': 'retention_timer'}
    NUMBERS = ('SnapVolumeSize', 'SnapVolumePercentage', 'ExpirationTimer', 'RetentionTimer')

    def __init__(self, cimrepository, array):
        super().__init__(cimrepository)
        self.array = array

    def CreateInstance(self, namespace, new_instance):  # pylint: disable=invalid-name
        raise CIMError(CIM_ERR_NOT_SUPPORTED, 'use TPD_StorageCapabilities.CreateSetting to make a TPD_StorageSetting')

    def _setting(self, path):
        setting = self.array.state.settings.get(str(path.keybindings.get('InstanceID', '')))
        if setting is None:
            raise CIMError(CIM_ERR_NOT_FOUND, 'no %s %s' % (v.SETTING_CLASS, path.keybindings.get('InstanceID')))
        return setting

    def ModifyInstance(self, modified_instance, IncludeQualifiers=None):  # pylint: disable=invalid-name
        setting = self._setting(modified_instance.path)
        changes = changed_properties(self.cimrepository.get_instance_store(v.NS), modified_instance, v.SETTING_WRITABLE)
        percent = changes.get('SnapVolumePercentage')
        if percent is not None and not 0 <= int(percent) <= 100:
            raise CIMError(CIM_ERR_INVALID_PARAMETER, 'SnapVolumePercentage must be 0..100')
        try:
            for name, value in changes.items():
                if value is not None and name in self.NUMBERS:
                    value = int(value)
                setattr(setting, self.FIELDS[name], value)
            self.array.state.touch('setting', setting.instance_id)
        finally:
            self.array.commit()

    def DeleteInstance(self, InstanceName):  # pylint: disable=invalid-name
        try:
            self.array.state.delete_setting(self._setting(InstanceName))
        finally:
            self.array.commit()


def persisting(base):
    """A subclass of a pywbem_mock subscription provider that saves root/interop after each change."""

    class Persisting(base):
        def __init__(self, cimrepository, array):
            super().__init__(cimrepository)
            self.array = array

        def CreateInstance(self, namespace, new_instance):  # pylint: disable=invalid-name
            result = super().CreateInstance(namespace, new_instance)
            self.array.save_interop()
            return result

        def ModifyInstance(self, modified_instance, IncludeQualifiers=None):  # pylint: disable=invalid-name
            super().ModifyInstance(modified_instance, IncludeQualifiers=IncludeQualifiers)
            self.array.save_interop()

        def DeleteInstance(self, InstanceName):  # pylint: disable=invalid-name
            super().DeleteInstance(InstanceName)
            self.array.save_interop()

    Persisting.__name__ = 'Persisting' + base.__name__
    return Persisting


class CheckedIndicationFilterProvider(persisting(CIMIndicationFilterProvider)):
    """CIM_IndicationFilter: a query the simulator cannot evaluate is refused (MODEL.md "Indications")."""

    def CreateInstance(self, namespace, new_instance):  # pylint: disable=invalid-name
        parse_query(new_instance.get('Query'), new_instance.get('QueryLanguage'))  # CIMError 14 / 15, nothing stored
        return super().CreateInstance(namespace, new_instance)


SUBSCRIPTION_PROVIDERS = [persisting(CIMListenerDestinationProvider), CheckedIndicationFilterProvider,
                          persisting(CIMIndicationSubscriptionProvider)]
