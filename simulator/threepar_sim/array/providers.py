"""pywbem_mock providers: the CIM methods of the services, job deletion, and
subscription providers that persist what clients create in root/interop.

Every provider call works on the Array's domain state and ends with
``array.commit()`` (projection, SQLite, indications). Business refusals come
back as method return codes; malformed calls (missing parameter, unknown
reference) as CIMError, as simulator/MODEL.md specifies.
"""

from pywbem import (CIM_ERR_FAILED, CIM_ERR_INVALID_PARAMETER, CIM_ERR_NOT_FOUND, CIM_ERR_NOT_SUPPORTED, CIMError, CIMInstance,
                    CIMParameter, Uint64)
from pywbem_mock import (CIMIndicationFilterProvider, CIMIndicationSubscriptionProvider, CIMListenerDestinationProvider,
                         InstanceWriteProvider, MethodProvider)

from . import values as v
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
    """Common dispatch: method name -> handler(params) -> (rc, out params)."""

    provider_classnames = None
    handlers = {}

    def __init__(self, cimrepository, array):
        super().__init__(cimrepository)
        self.array = array

    @property
    def state(self):
        return self.array.state

    def InvokeMethod(self, methodname, localobject, params):  # pylint: disable=invalid-name
        handler = self.handlers.get(methodname.lower())
        if handler is None:
            return super().InvokeMethod(methodname, localobject, params)
        try:
            rc, out = getattr(self, handler)(params)
        except Refused as refusal:
            self.array.last_refusal = '%s: %s' % (methodname, refusal)
            rc, out = refusal.rc, []
        finally:
            self.array.commit()
        return rc, out

    # --- references -> domain objects --------------------------------------------

    def volume(self, path, method, name):
        if path.classname.lower() != v.VOLUME_CLASS.lower() or 'DeviceID' not in path.keybindings:
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

    def copy(self, path, method, name):
        if path.classname.lower() != v.SYNC_CLASS.lower():
            raise CIMError(CIM_ERR_INVALID_PARAMETER, '%s: %s must reference a %s' % (method, name, v.SYNC_CLASS))
        source = self.volume(path['SystemElement'], method, name + '.SystemElement')
        target = self.volume(path['SyncedElement'], method, name + '.SyncedElement')
        copy = self.state.copies.get(target.name)
        if copy is None or copy.source != source.name:
            raise CIMError(CIM_ERR_NOT_FOUND, '%s: %s: no copy of %s to %s' % (method, name, source.name, target.name))
        return copy

    def volume_path(self, vol):
        return self.array.projector.volume_path(vol)

    def job_out(self, job):
        return [ref_param('Job', self.array.projector.job_path(job.id))]


def goal_settings(goal, method, name):
    """Snapshot space settings from an embedded TPD_StorageSetting: (DSPName, size, percent) or None."""
    if goal is None:
        return None
    if not isinstance(goal, CIMInstance):
        raise CIMError(CIM_ERR_INVALID_PARAMETER, '%s: %s must be an embedded TPD_StorageSetting instance' % (method, name))
    keys = ('DSPName', 'SnapVolumeSize', 'SnapVolumePercentage')
    if all(goal.get(k) is None for k in keys):
        return None
    return goal.get('DSPName'), int(goal.get('SnapVolumeSize') or 0), int(goal.get('SnapVolumePercentage') or 0)


class StorageConfigurationServiceProvider(ArrayMethodProvider):
    """TPD_StorageConfigurationService methods (simulator/MODEL.md, Methods)."""

    provider_classnames = v.CONFIG_SERVICE_CLASS
    handlers = {
        'createormodifyelementfromstoragepool': 'create_or_modify',
        'returntostoragepool': 'return_to_pool',
        'createreplica': 'create_replica',
        'modifysynchronization': 'modify_synchronization',
        'updatedeltasnapshotspace': 'update_delta_snapshot_space',
    }

    def create_or_modify(self, params):
        method = 'CreateOrModifyElementFromStoragePool'
        element = get_param(params, method, 'TheElement')
        snap = goal_settings(get_param(params, method, 'Goal'), method, 'Goal')
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
        method = 'CreateReplica'
        source = self.volume(get_param(params, method, 'SourceElement', required=True), method, 'SourceElement')
        copy_type = int(get_param(params, method, 'CopyType', required=True))
        name = get_param(params, method, 'ElementName')
        if copy_type in (v.COPY_ASYNC, v.COPY_SYNC):
            raise Refused(v.RC_NOT_SUPPORTED, 'local mirrors (CopyType 2, 3) are not supported')
        if copy_type == v.VIRTUAL:
            goal = get_param(params, method, 'TargetSettingGoal')
            read_only = bool(goal.get('ReadOnly')) if isinstance(goal, CIMInstance) else False
            copy = self.state.create_snapshot(source, name, read_only)
            return v.RC_OK, [ref_param('TargetElement', self.volume_path(self.state.volumes[copy.target]))]
        if copy_type != v.PHYSICAL:
            raise Refused(v.RC_INVALID, 'CopyType must be 4 (UnSyncAssoc) or 5 (UnSyncUnAssoc)')
        target_path = get_param(params, method, 'TargetElement')
        if target_path is not None:
            target = self.volume(target_path, method, 'TargetElement')
            copy, job = self.state.create_physical_copy(source, target=target)
        else:
            pool = get_param(params, method, 'TargetPool')
            if pool is None:
                raise CIMError(CIM_ERR_INVALID_PARAMETER, '%s: a physical copy needs TargetPool or TargetElement' % method)
            copy, job = self.state.create_physical_copy(source, name, self.cpg(pool, method, 'TargetPool'))
        target_ref = ref_param('TargetElement', self.volume_path(self.state.volumes[copy.target]))
        return v.RC_JOB_STARTED, [target_ref, *self.job_out(job)]

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
        method = 'UpdateDeltaSnapshotSpace'
        path = get_param(params, method, 'TheElement', required=True)
        try:
            vol = self.volume(path, method, 'TheElement')
        except CIMError as exc:
            if exc.status_code != CIM_ERR_NOT_FOUND:
                raise
            raise Refused(v.RC_NO_SUCH_SNAPSHOT, 'volume does not exist') from None
        job = self.state.update_snapshot(vol)
        return v.RC_JOB_STARTED, self.job_out(job)


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


SUBSCRIPTION_PROVIDERS = [persisting(base) for base in (
    CIMListenerDestinationProvider, CIMIndicationFilterProvider, CIMIndicationSubscriptionProvider)]
