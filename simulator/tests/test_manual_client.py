"""A plain pywbem script written from the HP 3PAR CIM API Programming Reference, run against a simulator.

It uses only pywbem.WBEMConnection (and one simulator-only HTTP call standing in for a host write) and
asserts the manual's states and return codes: M311 p29-33 (CreateSetting, ModifyInstance, sizes), M312 p62
(AttachReplica), seed 000 Table 42 and seed 002 Table 45 (physical copy states), M312 p68 (CreateReplica),
MX p70 Table 57 (promote), M312 p60 / seed 002 Table 44 (UpdateDeltaSnapshotSpace).
"""

import base64
import json
import time
import urllib.request

import pywbem
from pywbem import Uint16, Uint64

MIB = 1 << 20
GIB = 1 << 30
# SyncState (DMTF): 5 ResyncInProgress, 10 RestoreInProgress, 11 Idle, 14 Frozen; JobState 4 Running, 7 Completed
RESTORE_IN_PROGRESS, IDLE, FROZEN = 10, 11, 14
JOB_RUNNING, JOB_COMPLETED = 4, 7
JOB_STARTED = 4096


def wait_for_job(conn, job_path, seconds=20):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        job = conn.GetInstance(job_path)
        if job['JobState'] not in (2, 3, JOB_RUNNING):
            return job
        time.sleep(0.05)
    raise AssertionError('job %s did not finish' % job_path)


def synchronization_into(conn, target_path):
    """The TPD_StorageSynchronized whose SyncedElement is the target volume."""
    for sync in conn.References(target_path, ResultClass='TPD_StorageSynchronized'):
        if sync['SyncedElement']['DeviceID'] == target_path['DeviceID']:
            return sync
    return None


def host_write(port, volume, count):
    """Simulator only: POST /sim/write stands in for a host writing to the volume."""
    request = urllib.request.Request('http://127.0.0.1:%d/sim/write' % port, data=json.dumps({'volume': volume, 'count': count}).encode(),
                                     headers={'Content-Type': 'application/json',
                                              'Authorization': 'Basic ' + base64.b64encode(b'3paradm:3pardata').decode()})
    with urllib.request.urlopen(request, timeout=10) as response:
        assert response.status == 200


def test_a_client_written_from_the_manual(served_array):
    port = served_array.http_port
    conn = pywbem.WBEMConnection('http://127.0.0.1:%d' % port, ('3paradm', '3pardata'), default_namespace='root/tpd')
    service = conn.EnumerateInstanceNames('TPD_StorageConfigurationService')[0]
    pool = [p.path for p in conn.EnumerateInstances('TPD_DynamicStoragePool') if p['ElementName'] == 'FC_r5'][0]

    # A Goal setting: CreateSetting on a TPD_StorageCapabilities, then ModifyInstance (M311 p29-33)
    capabilities = conn.EnumerateInstanceNames('TPD_StorageCapabilities')[0]
    rc, out = conn.InvokeMethod('CreateSetting', capabilities, SettingType=Uint16(3))
    assert rc == 0
    goal = conn.GetInstance(out['NewSetting'])
    goal['DSPName'] = 'FC_r5'
    conn.ModifyInstance(goal, PropertyList=['DSPName'])

    # Source (with snapshot space from the Goal) and target volumes; sizes come back rounded up (M311 p30)
    rc, out = conn.InvokeMethod('CreateOrModifyElementFromStoragePool', service, ElementName='mc_src', ElementType=Uint16(5),
                                Goal=out['NewSetting'], InPool=pool, Size=Uint64(2000 * MIB))
    assert rc == 0 and out['Size'] == 2 * GIB
    source = out['TheElement']
    rc, out = conn.InvokeMethod('CreateOrModifyElementFromStoragePool', service, ElementName='mc_tgt', ElementType=Uint16(5),
                                InPool=pool, Size=Uint64(2 * GIB))
    assert rc == 0
    target = out['TheElement']

    # A physical copy that can be resynchronised: AttachReplica CopyType 4 (M312 p62), a job
    rc, out = conn.InvokeMethod('AttachReplica', service, SourceElement=source, TargetElement=target, CopyType=Uint16(4))
    assert rc == JOB_STARTED
    assert wait_for_job(conn, out['Job'])['JobState'] == JOB_COMPLETED
    clone = synchronization_into(conn, target)
    assert clone['SyncState'] == FROZEN and clone['ReplicaType'] == 2 and clone['CopyType'] == 4
    assert clone['WhenSynced'] is not None

    # A virtual copy: CreateReplica CopyType 4, done at once (M312 p68)
    rc, out = conn.InvokeMethod('CreateReplica', service, ElementName='mc_snap', SourceElement=source, CopyType=Uint16(4))
    assert rc == 0
    snapshot = out['TargetElement']
    created = synchronization_into(conn, snapshot)['WhenSynced']

    # The host writes to the source; promote the snapshot back (Restore 5): a job (MX p70 Table 57)
    host_write(port, 'mc_src', 2)
    sync_path = synchronization_into(conn, snapshot).path
    rc, out = conn.InvokeMethod('ModifySynchronization', service, Operation=Uint16(5), Synchronization=sync_path)
    assert rc == JOB_STARTED
    running = conn.GetInstance(sync_path)
    if conn.GetInstance(out['Job'])['JobState'] == JOB_RUNNING:
        assert running['SyncState'] == RESTORE_IN_PROGRESS and running['WhenSynced'] == created
    assert wait_for_job(conn, out['Job'])['JobState'] == JOB_COMPLETED
    promoted = conn.GetInstance(sync_path)
    assert promoted['SyncState'] == IDLE and promoted['WhenSynced'].datetime > created.datetime

    # updatesnapspace recounts the snapshot's space: the snapshot itself does not move (M312 p60, seed 002)
    rc, out = conn.InvokeMethod('UpdateDeltaSnapshotSpace', service, SnapshotVolume=[snapshot])
    assert rc == JOB_STARTED
    assert wait_for_job(conn, out['Job'])['JobState'] == JOB_COMPLETED
    assert conn.GetInstance(sync_path)['WhenSynced'] == promoted['WhenSynced']
