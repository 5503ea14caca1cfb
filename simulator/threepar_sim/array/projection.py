"""Projection of the domain state into pywbem_mock's instance repository.

Each domain object owns the CIM instances built from it (a volume owns its
TPD_StorageVolume, TPD_SystemVolume, TPD_AllocatedFromStoragePool and, with
SA/SD space, its TPD_DeltaReplicaStoragePool and two associations). After a
change only the touched owners are rebuilt, into the array's instance store
(repository.py: packed, with an index of every reference), from which
pywbem_mock's MainProvider serves every read.
"""

import functools
from datetime import timedelta

from pywbem import CIMDateTime, Uint16, Uint32, Uint64

from . import capabilities, values as v
from .fastcim import make_instance, make_path, typed_property as prop
from .rcopy_cim import rcgroup_instances, vvset_instances
from .volume_settings import volume_setting_instances

JOB_STATUS_TEXT = {v.JOB_NEW: 'New', v.JOB_RUNNING: 'Running', v.JOB_COMPLETED: 'Completed',
                   v.JOB_TERMINATED: 'Terminated', v.JOB_EXCEPTION: 'Exception'}
OWNER_ORDER = {'system': 0, 'cpg': 1, 'volume': 2, 'copy': 3, 'job': 4, 'vvset': 5, 'rcgroup': 6, 'setting': 7}
# ChangeableType 1 "Changeable - Transient": client settings live in memory only
CHANGEABLE_TRANSIENT = 1


def cim_time(value):
    return CIMDateTime(value) if value is not None else None


def u16_list(items):
    return [Uint16(i) for i in items]


class Projector:
    """Keeps the root/tpd instance store equal to the projection of an ArrayState."""

    def __init__(self, state, instance_store):
        self.state = state
        self.store = instance_store
        self.owned = {}
        self.volume_paths = {}          # volume id -> path (ids never change; shared by all references)
        self.rcopy = None               # array/rcopy.RemoteCopy, set by the Array (link state for CopyState)
        self.system_name = '2FF70002AC0' + state.serial
        self.system_path = make_path(v.SYSTEM_CLASS, {'CreationClassName': v.SYSTEM_CLASS, 'Name': self.system_name}, v.NS)

    # --- paths -----------------------------------------------------------------

    def service_path(self, classname, name):
        return make_path(classname, {'SystemCreationClassName': v.SYSTEM_CLASS, 'SystemName': self.system_name,
                                     'CreationClassName': classname, 'Name': name}, v.NS)

    def volume_path(self, vol):
        path = self.volume_paths.get(vol.id)
        if path is None:
            path = make_path(v.VOLUME_CLASS, {'SystemCreationClassName': v.SYSTEM_CLASS, 'SystemName': self.system_name,
                                              'CreationClassName': v.VOLUME_CLASS, 'DeviceID': str(vol.id)}, v.NS)
            self.volume_paths[vol.id] = path
        return path

    @staticmethod
    @functools.lru_cache(maxsize=1024)   # shared: thousands of references to a few pools (hashed once each)
    def cpg_path(name):
        return make_path(v.CPG_CLASS, {'InstanceID': 'TPD:CPG:' + name}, v.NS)

    @staticmethod
    @functools.lru_cache(maxsize=65536)
    def dsp_path(volume_name):
        return make_path(v.DSP_CLASS, {'InstanceID': 'TPD:DSP:' + volume_name}, v.NS)

    @staticmethod
    def capabilities_path(name):
        return make_path(v.CAPABILITIES_CLASS, {'InstanceID': '3PAR:Capabilities:' + name}, v.NS)

    @staticmethod
    def setting_path(instance_id):
        return make_path(v.SETTING_CLASS, {'InstanceID': instance_id}, v.NS)

    @staticmethod
    def job_path(job_id):
        return make_path(v.JOB_CLASS, {'InstanceID': 'TPD:JOB:%d' % job_id}, v.NS)

    def copy_path(self, copy):
        source, target = self.state.volumes[copy.source], self.state.volumes[copy.target]
        return make_path(v.SYNC_CLASS, {'SystemElement': self.volume_path(source), 'SyncedElement': self.volume_path(target)}, v.NS)

    @staticmethod
    def association(classname, left_name, left, right_name, right, extra=()):
        path = make_path(classname, {left_name: left, right_name: right}, v.NS)
        return make_instance(classname, path, [prop(left_name, left), prop(right_name, right), *extra])

    # --- instances per owner -------------------------------------------------------

    def system_instances(self):
        state = self.state
        system = make_instance(v.SYSTEM_CLASS, self.system_path, [
            prop('CreationClassName', v.SYSTEM_CLASS), prop('Name', self.system_name), prop('ElementName', state.name),
            prop('OperationalStatus', u16_list([v.OS_OK])), prop('Dedicated', u16_list([v.DEDICATED_STORAGE])),
            prop('SerialNumber', state.serial),
            *[prop(name, state.owner.get(name), 'string') for name in v.SYSTEM_WRITABLE]])
        result = [system]
        for name in v.CAPABILITIES:
            result.append(make_instance(v.CAPABILITIES_CLASS, self.capabilities_path(name), [
                prop('InstanceID', '3PAR:Capabilities:' + name), prop('ElementName', name)]))
        for classname, name in ((v.CONFIG_SERVICE_CLASS, 'StorageConfigurationService'), (v.REPLICATION_SERVICE_CLASS, 'ReplicationService')):
            path = self.service_path(classname, name)
            result.append(make_instance(classname, path, [
                prop('SystemCreationClassName', v.SYSTEM_CLASS), prop('SystemName', self.system_name),
                prop('CreationClassName', classname), prop('Name', name), prop('ElementName', name),
                prop('OperationalStatus', u16_list([v.OS_OK]))]))
            result.append(self.association('TPD_HostedService', 'Antecedent', self.system_path, 'Dependent', path))
        result.extend(capabilities.system_instances(self))
        return result

    def cpg_instances(self, cpg):
        path = self.cpg_path(cpg.name)
        pool = make_instance(v.CPG_CLASS, path, [
            prop('InstanceID', 'TPD:CPG:' + cpg.name), prop('ElementName', cpg.name), prop('PoolID', cpg.name),
            prop('Primordial', False), prop('TotalManagedSpace', Uint64(cpg.size)),
            prop('RemainingManagedSpace', Uint64(max(0, cpg.size - cpg.used))), prop('OperationalStatus', u16_list([v.OS_OK]))])
        return [pool, self.association('TPD_HostedStoragePool', 'GroupComponent', self.system_path, 'PartComponent', path),
                *capabilities.cpg_instances(self, cpg)]

    def volume_instances(self, vol):
        path = self.volume_path(vol)
        copy_in = self.state.copies.get(vol.name)
        broken = vol.incomplete or (copy_in is not None and copy_in.sync_state == v.BROKEN)
        blocks = vol.size // v.BLOCK_SIZE
        volume = make_instance(v.VOLUME_CLASS, path, [
            prop('SystemCreationClassName', v.SYSTEM_CLASS), prop('SystemName', self.system_name),
            prop('CreationClassName', v.VOLUME_CLASS), prop('DeviceID', str(vol.id)), prop('ElementName', vol.name),
            prop('Name', vol.wwn), prop('NameFormat', Uint16(v.NAME_FORMAT_NAA)),
            prop('NameNamespace', Uint16(v.NAME_NAMESPACE_VPD83_TYPE3)), prop('BlockSize', Uint64(v.BLOCK_SIZE)),
            prop('NumberOfBlocks', Uint64(blocks)), prop('ConsumableBlocks', Uint64(blocks)),
            prop('ThinlyProvisioned', vol.thin), prop('OperationalStatus', u16_list([v.OS_ERROR if broken else v.OS_OK])),
            prop('ReadOnly', vol.read_only or self.state.replication_target(vol.name)), prop('WriteGeneration', Uint64(vol.write_generation)),
            prop('CopyOf', vol.copy_of, 'string')])
        pool = self.dsp_path(vol.copy_of) if vol.kind == 'snapshot' else self.cpg_path(vol.cpg)
        consumed = vol.space_used if vol.kind == 'snapshot' else vol.size
        result = [volume,
                  self.association('TPD_SystemVolume', 'GroupComponent', self.system_path, 'PartComponent', path),
                  self.association('TPD_AllocatedFromStoragePool', 'Antecedent', pool, 'Dependent', path,
                                   [prop('SpaceConsumed', Uint64(consumed))])]
        if vol.snap_cpg:
            result.extend(self.dsp_instances(vol))
        if vol.kind == 'snapshot':
            result.extend(volume_setting_instances(path, vol))
        return result

    def dsp_instances(self, vol):
        path = self.dsp_path(vol.name)
        total = vol.reserved_snap_space or vol.size
        volumes = self.state.volumes
        used = sum(volumes[c.target].space_used for c in self.state.copies_of(vol.name) if c.is_snapshot)
        dsp = make_instance(v.DSP_CLASS, path, [
            prop('InstanceID', 'TPD:DSP:' + vol.name), prop('ElementName', vol.name), prop('PoolID', 'DSP:' + vol.name),
            prop('Primordial', False), prop('TotalManagedSpace', Uint64(total)),
            prop('RemainingManagedSpace', Uint64(max(0, total - used))),
            prop('SnapVolumeSize', Uint64(vol.snap_size)), prop('SnapVolumePercentage', Uint16(vol.snap_percent)),
            prop('DSPName', vol.snap_cpg), prop('OperationalStatus', u16_list([v.OS_OK]))])
        return [dsp,
                self.association('TPD_HostedStoragePool', 'GroupComponent', self.system_path, 'PartComponent', path),
                self.association('TPD_AllocatedFromStoragePool', 'Antecedent', self.cpg_path(vol.snap_cpg), 'Dependent', path,
                                 [prop('SpaceConsumed', Uint64(vol.reserved_snap_space))]),
                *capabilities.dsp_instances(self, vol)]

    def copy_instances(self, copy):
        path = self.copy_path(copy)
        virtual = copy.is_snapshot
        copy_state, progress = v.COPY_VIEW[copy.sync_state]
        # seed 001 Table 53 (virtual), seed 002 Table 45 (physical); SyncType/Mode: seed 000 Table 41,
        # a resyncable clone is "Asynchronous Clone Local" (M312 p61-63, M313 p127-128)
        if virtual:
            sync_type, mode = v.SYNC_TYPE_SNAPSHOT, v.MODE_SYNCHRONOUS
        else:
            sync_type = v.SYNC_TYPE_CLONE
            mode = v.MODE_ASYNCHRONOUS if copy.copy_type == v.UNSYNC_ASSOC else v.MODE_SYNCHRONOUS
        return [make_instance(v.SYNC_CLASS, path, [
            prop('SystemElement', path['SystemElement']), prop('SyncedElement', path['SyncedElement']),
            prop('CopyType', Uint16(copy.copy_type)), prop('ReplicaType', Uint16(copy.replica_type)),
            prop('SyncState', Uint16(copy.sync_state)), prop('SyncMaintained', not virtual),
            prop('WhenSynced', cim_time(copy.when_synced), 'datetime'), prop('CopyState', Uint16(copy_state)),
            prop('ProgressStatus', Uint16(progress)), prop('SyncType', Uint16(sync_type)),
            prop('Mode', Uint16(mode)), prop('CopyPriority', Uint16(0)), prop('PercentSynced', Uint16(copy.percent))])]

    def job_instance(self, job):
        elapsed = None
        if job.started is not None:
            end = job.finished or job.changed
            elapsed = CIMDateTime(max(timedelta(0), end - job.started))
        return make_instance(v.JOB_CLASS, self.job_path(job.id), [
            prop('InstanceID', 'TPD:JOB:%d' % job.id), prop('Name', job.method), prop('Description', job.description),
            prop('ElementName', job.description), prop('JobState', Uint16(job.state)),
            prop('OperationalStatus', u16_list(job.status)), prop('PercentComplete', Uint16(job.percent)),
            prop('TimeSubmitted', cim_time(job.submitted)), prop('StartTime', cim_time(job.started), 'datetime'),
            prop('TimeOfLastStateChange', cim_time(job.changed)), prop('ElapsedTime', elapsed, 'datetime'),
            prop('DeleteOnCompletion', False), prop('ErrorCode', job.error_code, 'string'),
            prop('ErrorDescription', job.error_description, 'string'), prop('JobStatus', JOB_STATUS_TEXT[job.state]),
            prop('MethodName', job.method), prop('TargetName', job.target)])

    def job_instances(self, job):
        instance = self.job_instance(job)
        group_job = job.source.startswith('rcopy-group:')
        replication = group_job or job.method in v.REPLICATION_SERVICE_JOB_METHODS
        service = self.service_path(*((v.REPLICATION_SERVICE_CLASS, 'ReplicationService') if replication
                                      else (v.CONFIG_SERVICE_CLASS, 'StorageConfigurationService')))
        result = [instance, self.association('TPD_OwningJobElement', 'OwningElement', service, 'OwnedElement', instance.path)]
        if group_job:
            return result
        # M312 p71-73: a copy job affects its source and its target; updatesnapspace the snapshots
        affected = [(name, v.EFFECT_UNKNOWN) for name in job.elements]
        if not job.elements and job.action != 'update':
            affected = [(job.source, v.EFFECT_UNKNOWN), (job.target, job.effect)]
        volumes = self.state.volumes
        for name, effect in affected:
            if name in volumes:
                result.append(self.association('TPD_AffectedJobElement', 'AffectedElement', self.volume_path(volumes[name]),
                                               'AffectingElement', instance.path, [prop('ElementEffects', u16_list([effect]))]))
        return result

    def setting_instances(self, setting):
        return [make_instance(v.SETTING_CLASS, self.setting_path(setting.instance_id), [
            prop('InstanceID', setting.instance_id), prop('ElementName', setting.element_name, 'string'),
            prop('ChangeableType', Uint16(CHANGEABLE_TRANSIENT)), prop('DSPName', setting.dsp_name, 'string'),
            prop('SnapVolumeSize', None if setting.snap_size is None else Uint64(setting.snap_size), 'uint64'),
            prop('SnapVolumePercentage', None if setting.snap_percent is None else Uint16(setting.snap_percent), 'uint16'),
            prop('ThinlyProvisioned', setting.thin, 'boolean'), prop('BaseID', setting.base_id, 'string'),
            *[prop(name, None if value is None else Uint32(value), 'uint32') for name, value in
              (('ExpirationTimer', setting.expiration_timer), ('RetentionTimer', setting.retention_timer))]])]

    def vvset_instances(self, vvset):
        return vvset_instances(self, vvset)

    def rcgroup_instances(self, group):
        return rcgroup_instances(self, group)

    # --- applying ----------------------------------------------------------------------

    def build(self, kind, key):
        """Instances owned by (kind, key); empty when the object no longer exists."""
        state = self.state
        if kind == 'system':
            return self.system_instances()
        obj = state.table(kind).get(key)
        if obj is None:
            return []
        return getattr(self, kind + '_instances')(obj)

    def apply(self, owners):
        """Rebuild the instances of the given (kind, key) owners."""
        for owner in sorted(owners, key=lambda o: (OWNER_ORDER[o[0]], str(o[1]))):
            self._replace(owner, self.build(*owner))

    def project_all(self):
        owners = [('system', None)]
        owners += [('cpg', name) for name in self.state.cpgs]
        owners += [('volume', name) for name in self.state.volumes]
        owners += [('copy', target) for target in self.state.copies]
        owners += [('job', job_id) for job_id in self.state.jobs]
        owners += [('vvset', name) for name in self.state.vvsets]
        owners += [('rcgroup', name) for name in self.state.rcgroups]
        for owner in owners:
            self._replace(owner, self.build(*owner))

    def _replace(self, owner, instances):
        store = self.store
        old = self.owned.pop(owner, ())
        new_paths = [inst.path for inst in instances]
        if old:
            keep = set(new_paths)
            for path in old:
                if path not in keep:
                    store.discard(path)
        for inst in instances:
            store.put(inst.path, inst)
        if new_paths:
            self.owned[owner] = new_paths
