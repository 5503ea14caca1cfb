"""Executor against a scripted client: return codes -> typed errors, job polling with a PropertyList, job deletion."""

import pytest
from pywbem import CIMInstanceName

from ansible_collections.smis.threepar.plugins.module_utils.threepar.action import changes
from ansible_collections.smis.threepar.plugins.module_utils.threepar.cleanup import Cleanup
from ansible_collections.smis.threepar.plugins.module_utils.threepar.client import Client as CimClient
from ansible_collections.smis.threepar.plugins.module_utils.threepar import model
from ansible_collections.smis.threepar.plugins.module_utils.threepar import planner
from ansible_collections.smis.threepar.plugins.module_utils.threepar.errors import (
    CopyBroken, InUse, InvalidRequest, JobFailed, MethodFailed, NotFound, Unsupported, WaitTimedOut)
from ansible_collections.smis.threepar.plugins.module_utils.threepar.executor import Executor
from ansible_collections.smis.threepar.plugins.module_utils.threepar.inventory import JOB_STATE_PROPERTIES, Inventory
from ansible_collections.smis.threepar.plugins.module_utils.threepar.waiter import Waiter

JOB = CIMInstanceName('TPD_ConcreteJob', {'InstanceID': 'TPD:JOB:1'}, namespace='root/tpd')
SERVICE = CIMInstanceName('TPD_StorageConfigurationService', {'Name': 'StorageConfigurationService'}, namespace='root/tpd')


class ScriptedClient:
    namespace = 'root/tpd'
    service_path = CimClient.service_path     # the real lookup, over the scripted enumerate_names

    def __init__(self, rc, job_states=()):
        self.rc = rc
        self.job_states = list(job_states)
        self.calls = []

    def enumerate_names(self, classname, what):
        self.calls.append(('EnumerateInstanceNames', classname))
        return [SERVICE]

    def invoke(self, method, target, params, verb, what):
        self.calls.append(('InvokeMethod', method, dict(params)))
        return self.rc, ({'Job': JOB} if self.rc == 4096 else {})

    def get_instance(self, path, properties, what):
        self.calls.append(('GetInstance', path.classname, tuple(properties)))
        state, status = self.job_states.pop(0) if len(self.job_states) > 1 else self.job_states[0]
        return {'JobState': state, 'OperationalStatus': status, 'PercentComplete': 50,
                'ErrorDescription': 'copy failed' if 6 in status else None}

    def delete_instance(self, path, what):
        self.calls.append(('DeleteInstance', path.keybindings['InstanceID']))

    def another(self):
        return None    # one connection: the clean-up takes turns on it


def executor(client, wait=True, timeout=5):
    inventory = Inventory(client)
    vol = CIMInstanceName('TPD_StorageVolume', {'DeviceID': '1'}, namespace='root/tpd')
    snap = CIMInstanceName('TPD_StorageVolume', {'DeviceID': '2'}, namespace='root/tpd')
    inventory.state = model.ArrayState(volumes={'vol1': model.Volume('vol1', path=vol), 'snap1': model.Volume('snap1', copy_of='vol1', path=snap)},
                                       copies=[model.Copy('vol1', 'snap1', 5, model.SS_FROZEN, path=CIMInstanceName('TPD_StorageSynchronized', {}))],
                                       pools={})
    fake_time = [0.0]

    def sleep(seconds):
        fake_time[0] += seconds
    return Executor(client, inventory, Waiter(lambda: fake_time[0], sleep), wait=wait, wait_timeout=timeout)


RESYNC = planner.Action('resync_copy', 'snap1', planner.MODIFY_SYNC, {'source': 'vol1', 'name': 'snap1', 'operation': 4})
DELETE = planner.Action('delete_copy', 'snap1', planner.RETURN_TO_POOL, {'name': 'snap1'})


@pytest.mark.parametrize('rc,action,error,text', [
    (1, RESYNC, Unsupported, 'not supported'),
    (4, RESYNC, CopyBroken, 'Broken'),
    (4, DELETE, MethodFailed, 'returned 4'),
    (5, DELETE, InvalidRequest, 'returned 5'),
    (6, DELETE, InUse, 'In Use'),
    (32768, DELETE, NotFound, 'returned 32768'),
    (7, DELETE, MethodFailed, 'vendor specific'),
])
def test_return_codes_become_typed_errors(rc, action, error, text):
    with pytest.raises(error) as caught:
        executor(ScriptedClient(rc)).run([action])
    assert text in str(caught.value) and str(caught.value).startswith('Failed to ')
    assert caught.value.details['return_code'] == rc


def test_job_is_polled_with_its_state_properties_then_left_to_the_cleanup_to_delete():
    client = ScriptedClient(4096, [(4, [2]), (4, [2]), (7, [2, 17])])
    run = executor(client)
    done = run.run([RESYNC])
    assert done == [{'operation': 'resync_copy', 'target': 'snap1', 'method': 'ModifySynchronization',
                     'job_id': 'TPD:JOB:1', 'job_state': 'Completed'}]
    polls = [c for c in client.calls if c[0] == 'GetInstance']
    assert len(polls) == 3 and all(c[2] == tuple(JOB_STATE_PROPERTIES) for c in polls)
    assert client.calls[-1][0] == 'GetInstance' and run.finished_jobs == [JOB]
    assert Cleanup(client, run.finished_jobs).join() == []
    assert client.calls[-1] == ('DeleteInstance', 'TPD:JOB:1')
    invoke = [c for c in client.calls if c[0] == 'InvokeMethod'][0]
    assert invoke[2]['Operation'] == 4 and invoke[2]['Synchronization'].classname == 'TPD_StorageSynchronized'


def test_failed_job_is_a_clear_error_and_is_left_to_the_cleanup_to_delete():
    client = ScriptedClient(4096, [(10, [6, 17])])
    run = executor(client)
    with pytest.raises(JobFailed, match='TPD:JOB:1.*copy failed.*delete it'):
        run.run([RESYNC])
    assert run.finished_jobs == [JOB]


def test_timeout_keeps_the_job_and_reports_it():
    client = ScriptedClient(4096, [(4, [2])])
    with pytest.raises(WaitTimedOut) as caught:
        executor(client, timeout=3).run([RESYNC])
    assert caught.value.details['job_id'] == 'TPD:JOB:1' and 'Running' in caught.value.details['last_state']
    assert not [c for c in client.calls if c[0] == 'DeleteInstance']


def test_wait_false_leaves_the_job_and_holds_later_steps():
    client = ScriptedClient(4096, [(4, [2])])
    run = executor(client, wait=False)
    done = run.run([RESYNC, DELETE])
    assert [d['operation'] for d in done] == ['resync_copy'] and run.jobs_left == ['TPD:JOB:1']
    assert not [c for c in client.calls if c[0] in ('GetInstance', 'DeleteInstance')]


# ---------------------------------------------------------------- settings, physical copies, refusals that must undo

SETTING = CIMInstanceName('TPD_StorageSetting', {'InstanceID': '3PAR:StorageSetting:Client1'}, namespace='root/tpd')
CAPABILITIES = CIMInstanceName('TPD_StorageCapabilities', {'InstanceID': '3PAR:Capabilities:RAID-5'}, namespace='root/tpd')
NEW_VOLUME = CIMInstanceName('TPD_StorageVolume', {'DeviceID': '9'}, namespace='root/tpd')


class ArrayClient(ScriptedClient):
    """Answers per method: ``answers`` {method: (rc, out) or an exception}."""

    def __init__(self, answers):
        super().__init__(0, [(7, [2, 17])])
        self.answers = answers

    def enumerate_names(self, classname, what):
        self.calls.append(('EnumerateInstanceNames', classname))
        return [CAPABILITIES] if classname == 'TPD_StorageCapabilities' else [SERVICE]

    def invoke(self, method, target, params, verb, what):
        self.calls.append(('InvokeMethod', method, dict(params)))
        answer = self.answers.get(method, (0, {}))
        if isinstance(answer, Exception):
            raise answer
        return answer

    def modify_instance(self, instance, properties, what):
        self.calls.append(('ModifyInstance', instance.path, dict(instance.properties.items()), tuple(properties)))


def test_goal_is_a_setting_made_by_create_setting_then_deleted():
    """M312 p32: CreateSetting, ModifyInstance of its properties, the method with Goal = a reference, then delete it."""
    client = ArrayClient({'CreateSetting': (0, {'NewSetting': SETTING}),
                          planner.CREATE_OR_MODIFY: (0, {'TheElement': NEW_VOLUME})})
    action = planner.Action('create_volume', 'db01', planner.CREATE_OR_MODIFY,
                            {'name': 'db01', 'pool': 'FC_r5', 'size': 1024 ** 3, 'element_type': 5, 'goal': {'DSPName': 'FC_r5'}})
    executor(client).run([action])
    calls = [c[:2] if c[0] != 'ModifyInstance' else c for c in client.calls]
    assert [c[0] for c in calls] == ['EnumerateInstanceNames', 'InvokeMethod', 'ModifyInstance', 'EnumerateInstanceNames',
                                     'InvokeMethod', 'DeleteInstance']
    assert client.calls[2][1] == SETTING and client.calls[2][3] == ('DSPName',)
    create = client.calls[4][2]
    assert create['Goal'] == SETTING and create['Size'] == 1024 ** 3 and create['ElementType'] == 5
    assert client.calls[-1] == ('DeleteInstance', '3PAR:StorageSetting:Client1')


def test_refused_attach_deletes_the_target_volume_it_created():
    client = ArrayClient({planner.CREATE_OR_MODIFY: (0, {'TheElement': NEW_VOLUME}), planner.ATTACH_REPLICA: (4, {})})
    create = planner.Action('create_target_volume', 'clone', planner.CREATE_OR_MODIFY,
                            {'name': 'clone', 'pool': 'FC_r5', 'size': 1024 ** 3, 'element_type': 5, 'goal': {}})
    attach = planner.Action('create_physical_copy', 'clone', planner.ATTACH_REPLICA, {'source': 'vol1', 'name': 'clone', 'copy_type': 4})
    with pytest.raises(MethodFailed, match='not compatible') as caught:
        executor(client).run([create, attach])
    assert client.calls[-1] == ('InvokeMethod', planner.RETURN_TO_POOL, {'TheElement': NEW_VOLUME})
    assert 'deleted again' in caught.value.details['cleanup']
    attach_call = [c for c in client.calls if c[1] == planner.ATTACH_REPLICA][0][2]
    assert attach_call['TargetElement'] == NEW_VOLUME and attach_call['CopyType'] == 4


def test_size_not_supported_names_the_nearest_size():
    client = ArrayClient({planner.CREATE_OR_MODIFY: (4097, {'Size': 16 * 1024 ** 4})})
    action = planner.Action('grow_volume', 'vol1', planner.CREATE_OR_MODIFY, {'name': 'vol1', 'size': 20 * 1024 ** 4})
    with pytest.raises(InvalidRequest, match='cannot make a volume of 20TiB. Set size to 16TiB'):
        executor(client).run([action])


def test_delete_of_a_copy_already_gone_is_done():
    client = ArrayClient({planner.RETURN_TO_POOL: NotFound('delete', 'copy snap1', 'no volume with DeviceID 2')})
    done = executor(client).run([DELETE])
    assert done == [{'operation': 'delete_copy', 'target': 'snap1', 'method': 'ReturnToStoragePool', 'note': 'already gone'}]


def test_recount_passes_every_snapshot_of_the_task():
    client = ArrayClient({planner.UPDATE_SPACE: (4096, {'Job': JOB})})
    recount = planner.Action(planner.RECOUNT, 'snap1, vol1', planner.UPDATE_SPACE, {'names': ['snap1', 'vol1']})
    executor(client).run([recount])
    params = [c for c in client.calls if c[0] == 'InvokeMethod'][0][2]
    assert [p.keybindings['DeviceID'] for p in params['SnapshotVolume']] == ['2', '1']


def derived_service_executor(client):
    """An executor whose service path is derived from the system keys of the volume paths (no lookup first)."""
    keys = {'SystemCreationClassName': 'TPD_StorageSystem', 'SystemName': 'S1', 'CreationClassName': 'TPD_StorageVolume'}
    run = executor(client)
    run.inventory.state.volumes['vol1'].path = CIMInstanceName('TPD_StorageVolume', dict(keys, DeviceID='1'), namespace='root/tpd')
    return run


DERIVED_SERVICE = CIMInstanceName('TPD_StorageConfigurationService', {
    'SystemCreationClassName': 'TPD_StorageSystem', 'SystemName': 'S1', 'CreationClassName': 'TPD_StorageConfigurationService',
    'Name': 'StorageConfigurationService'}, namespace='root/tpd')


def test_a_volume_deleted_meanwhile_is_not_deleted_twice_and_changes_nothing():
    """Two runs delete one volume: the loser's ReturnToStoragePool answers CIM_ERR_NOT_FOUND. The service path it
    derived is the one the array has, so the element is what is gone: no second call; the end state is reached."""
    client = ArrayClient({planner.RETURN_TO_POOL: NotFound('delete', 'volume vol1', 'CIM_ERR_NOT_FOUND')})
    client.enumerate_names = lambda classname, what: client.calls.append(('EnumerateInstanceNames', classname)) or [DERIVED_SERVICE]
    delete = planner.Action('delete_volume', 'vol1', planner.RETURN_TO_POOL, {'name': 'vol1'})
    done = derived_service_executor(client).run([delete])
    assert [c[:2] for c in client.calls] == [('InvokeMethod', planner.RETURN_TO_POOL), ('EnumerateInstanceNames', model.CONFIG_SERVICE)]
    assert done[0]['note'] == 'already gone' and changes(done) is False


def test_a_derived_service_path_the_array_does_not_know_is_looked_up_and_the_call_made_once_more():
    answers = [NotFound('create', 'virtual copy s2', 'CIM_ERR_NOT_FOUND'), (0, {'TargetElement': NEW_VOLUME})]
    client = ArrayClient({})
    client.invoke = lambda method, target, params, verb, what: (client.calls.append(('InvokeMethod', method, target)),
                                                                _answer(answers.pop(0)))[1]
    create = planner.Action('create_virtual_copy', 's2', planner.CREATE_REPLICA, {'source': 'vol1', 'name': 's2', 'copy_type': 4})
    derived_service_executor(client).run([create])
    invokes = [c for c in client.calls if c[0] == 'InvokeMethod']
    assert len(invokes) == 2 and invokes[0][2]['SystemName'] == 'S1' and invokes[1][2] == SERVICE


def _answer(answer):
    if isinstance(answer, Exception):
        raise answer
    return answer


@pytest.mark.parametrize('size_now,grown', [(3 * 1024 ** 3, True), (2 * 1024 ** 3, False)])
def test_a_grow_refused_because_another_run_grew_the_volume_is_done(size_now, grown):
    client = ArrayClient({planner.CREATE_OR_MODIFY: (5, {})})
    client.get_instance = lambda path, properties, what: {'BlockSize': 512, 'NumberOfBlocks': size_now // 512,
                                                          'ThinlyProvisioned': True, 'OperationalStatus': [2]}
    grow = planner.Action('grow_volume', 'vol1', planner.CREATE_OR_MODIFY, {'name': 'vol1', 'size': 3 * 1024 ** 3})
    if grown:
        done = executor(client).run([grow])
        assert done[0]['note'] == 'already grown' and changes(done) is False
    else:
        with pytest.raises(InvalidRequest, match='a volume can grow, not shrink') as caught:
            executor(client).run([grow])
        assert 'may be taken' not in str(caught.value)
