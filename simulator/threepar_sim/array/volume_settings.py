"""TPD_VolumeSetting of a snapshot (its ExpirationTime and RetentionTime) and the TPD_ElementSettingData joining them
(M312 p51; M311 Table 38 p38): projection and ModifyInstance (simulator/MODEL.md, Snapshot expiration and retention).
Only snapshot volumes have one, so that bulk reads of base volumes stay as they were."""

from pywbem import CIM_ERR_FAILED, CIM_ERR_INVALID_PARAMETER, CIM_ERR_NOT_FOUND, CIM_ERR_NOT_SUPPORTED, CIMDateTime, CIMError, Uint16
from pywbem_mock import InstanceWriteProvider

from . import retention, values as v
from .fastcim import make_instance, make_path, typed_property as prop
from .providers import changed_properties

PREFIX = 'HP_3PAR:VolumeSetting:'
CHANGEABLE_PERSISTENT = 2


def volume_setting_path(vol):
    return make_path(v.VOLUME_SETTING_CLASS, {'InstanceID': PREFIX + str(vol.id)}, v.NS)


def cim_time(value):
    return None if value is None else CIMDateTime(value)


def volume_setting_instances(volume_path, vol):
    path = volume_setting_path(vol)
    setting = make_instance(v.VOLUME_SETTING_CLASS, path, [
        prop('InstanceID', PREFIX + str(vol.id)), prop('ElementName', vol.name),
        prop('ChangeableType', Uint16(CHANGEABLE_PERSISTENT)),
        prop('ExpirationTime', cim_time(vol.expiration_time), 'datetime'),
        prop('RetentionTime', cim_time(vol.retention_time), 'datetime')])
    link_path = make_path(v.ELEMENT_SETTING_CLASS, {'ManagedElement': volume_path, 'SettingData': path}, v.NS)
    link = make_instance(v.ELEMENT_SETTING_CLASS, link_path, [prop('ManagedElement', volume_path), prop('SettingData', path)])
    return [setting, link]


def point_in_time(name, value):
    if value is None:
        return None
    if not isinstance(value, CIMDateTime) or value.is_interval:
        raise CIMError(CIM_ERR_INVALID_PARAMETER, '%s must be a point in time (not an interval)' % name)
    return value.datetime


class VolumeSettingProvider(InstanceWriteProvider):
    """ModifyInstance of ExpirationTime / RetentionTime (PropertyList honoured); no CreateInstance, no DeleteInstance."""

    provider_classnames = v.VOLUME_SETTING_CLASS

    def __init__(self, cimrepository, array):
        super().__init__(cimrepository)
        self.array = array

    def CreateInstance(self, namespace, new_instance):  # pylint: disable=invalid-name
        raise CIMError(CIM_ERR_NOT_SUPPORTED, 'a TPD_VolumeSetting comes with its snapshot')

    def DeleteInstance(self, InstanceName):  # pylint: disable=invalid-name
        raise CIMError(CIM_ERR_NOT_SUPPORTED, 'a TPD_VolumeSetting goes with its snapshot')

    def ModifyInstance(self, modified_instance, IncludeQualifiers=None):  # pylint: disable=invalid-name
        state = self.array.state
        instance_id = str(modified_instance.path.keybindings.get('InstanceID', ''))
        number = instance_id[len(PREFIX):]
        vol = state.volumes_by_id.get(int(number)) if instance_id.startswith(PREFIX) and number.isdigit() else None
        if vol is None or vol.kind != 'snapshot':
            raise CIMError(CIM_ERR_NOT_FOUND, 'no %s %s' % (v.VOLUME_SETTING_CLASS, instance_id))
        store = self.cimrepository.get_instance_store(v.NS)
        changes = {name: point_in_time(name, value)
                   for name, value in changed_properties(store, modified_instance, v.VOLUME_SETTING_WRITABLE).items()}
        try:
            retention.modify(state, vol, changes)
        except retention.RuleBroken as exc:
            self.array.last_refusal = 'ModifyInstance %s: %s' % (instance_id, exc)
            raise CIMError(CIM_ERR_FAILED, str(exc)) from None
        finally:
            self.array.commit()
