"""Executor against a scripted client: return codes -> typed errors, job polling with a PropertyList, job deletion."""

import pytest
from pywbem import CIMInstanceName

from ansible_collections.smis.threepar.plugins.module_utils.threepar import model as m
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


def executor(client, wait=True, timeout=5):
    inventory = Inventory(client)
    vol = CIMInstanceName('TPD_StorageVolume', {'DeviceID': '1'}, namespace='root/tpd')
    snap = CIMInstanceName('TPD_StorageVolume', {'DeviceID': '2'}, namespace='root/tpd')
    inventory.state = m.ArrayState(volumes={'vol1': m.Volume('vol1', path=vol), 'snap1': m.Volume('snap1', copy_of='vol1', path=snap)},
                                   copies=[m.Copy('vol1', 'snap1', 5, m.SS_FROZEN, path=CIMInstanceName('TPD_StorageSynchronized', {}))],
                                   pools={})
    fake_time = [0.0]

    def sleep(seconds):
        fake_time[0] += seconds
    return Executor(client, inventory, Waiter(lambda: fake_time[0], sleep), wait=wait, wait_timeout=timeout)


RESYNC = planner.Action('resync copy', 'snap1', planner.MODIFY_SYNC, {'source': 'vol1', 'name': 'snap1', 'operation': 4})
DELETE = planner.Action('delete copy', 'snap1', planner.RETURN_TO_POOL, {'name': 'snap1'})


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


def test_job_is_polled_with_its_state_properties_then_deleted():
    client = ScriptedClient(4096, [(4, [2]), (4, [2]), (7, [2, 17])])
    done = executor(client).run([RESYNC])
    assert done == [{'operation': 'resync copy', 'target': 'snap1', 'method': 'ModifySynchronization',
                     'job_id': 'TPD:JOB:1', 'job_state': 'Completed'}]
    polls = [c for c in client.calls if c[0] == 'GetInstance']
    assert len(polls) == 3 and all(c[2] == tuple(JOB_STATE_PROPERTIES) for c in polls)
    assert client.calls[-1] == ('DeleteInstance', 'TPD:JOB:1')
    invoke = [c for c in client.calls if c[0] == 'InvokeMethod'][0]
    assert invoke[2]['Operation'] == 4 and invoke[2]['Synchronization'].classname == 'TPD_StorageSynchronized'


def test_failed_job_is_a_clear_error_and_is_deleted():
    client = ScriptedClient(4096, [(10, [6, 17])])
    with pytest.raises(JobFailed, match='TPD:JOB:1.*copy failed.*delete it'):
        executor(client).run([RESYNC])
    assert client.calls[-1] == ('DeleteInstance', 'TPD:JOB:1')


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
    assert [d['operation'] for d in done] == ['resync copy'] and run.jobs_left == ['TPD:JOB:1']
    assert not [c for c in client.calls if c[0] in ('GetInstance', 'DeleteInstance')]
