"""Replication Services for local copies: CreateElementReplica and ModifyReplicaSynchronization of a
TPD_StorageSynchronized (MODEL.md, Replication Services: local copies; M312 p108 Table 93, p113 Table 96)."""

import pytest
from pywbem import Uint16

from conftest import SEED, Client
from threepar_sim.array import Array

# pylint: disable=redefined-outer-name

SNAPSHOT, CLONE = 7, 8
SYNC, ASYNC = 2, 3


def replication_service(client):
    return client.conn.EnumerateInstanceNames('TPD_ReplicationService')[0]


def rs_invoke(client, method, **params):
    rc, out = client.conn.InvokeMethod(method, replication_service(client), **params)
    return int(rc), out


def create(client, source, sync_type, mode=None, **params):
    params = dict(params, SyncType=Uint16(sync_type), SourceElement=client.volume_path(source))
    if mode is not None:
        params['Mode'] = Uint16(mode)
    return rs_invoke(client, 'CreateElementReplica', **params)


def modify(client, operation, sync_path):
    return rs_invoke(client, 'ModifyReplicaSynchronization', Operation=Uint16(operation), Synchronization=sync_path)


def finish(client, out):
    client.advance(10)
    return client.conn.GetInstance(out['Job'])


def test_snapshot_in_both_views(client):
    rc, out = create(client, 'base2', SNAPSHOT, SYNC, ElementName='base2_sv')
    assert rc == 0 and out.get('Job') is None
    target = client.conn.GetInstance(out['TargetElement'])
    assert target['ElementName'] == 'base2_sv' and target['CopyOf'] == 'base2'
    sync = client.conn.GetInstance(out['Synchronization'])
    assert sync.path == client.sync('base2_sv').path
    # Copy Services view (seed 001 Table 53) and Replication Services view (seed 000 Tables 41, 42) of one instance
    assert (sync['CopyType'], sync['ReplicaType'], sync['SyncState']) == (4, 4, 11)
    assert (sync['SyncType'], sync['Mode'], sync['CopyState'], sync['ProgressStatus']) == (7, 2, 8, 2)
    # the Copy Services method acts on it too
    assert client.modify(4, 'base2_sv')[0] == 0


def test_snapshot_without_name_and_refusals(client):
    rc, out = create(client, 'base2', SNAPSHOT)
    assert rc == 0 and client.conn.GetInstance(out['TargetElement'])['ElementName'] == 'base2.sv0'
    assert create(client, 'base2', SNAPSHOT)[0] == 0 and client.volume('base2.sv1') is not None
    before = client.state_snapshot()
    assert create(client, 'base2', SNAPSHOT, ASYNC)[0] == 5                      # a snapshot is Synchronous
    assert create(client, 'base2', SNAPSHOT, TargetElement=client.volume_path('base1'))[0] == 5
    assert create(client, 'base2', SNAPSHOT, WaitForCopyState=Uint16(8))[0] == 5
    assert create(client, 'base2', SNAPSHOT, TargetPool=client.cpg_path('FC_r5'))[0] == 5
    assert create(client, 'nosnap', SNAPSHOT, ElementName='x')[0] == 4           # no snapshot space (as CreateReplica)
    assert create(client, 'snap1', SNAPSHOT, ElementName='x')[0] == 5            # snapshot of a snapshot
    assert create(client, 'base2', SNAPSHOT, ElementName='snap1')[0] == 5        # name in use
    assert create(client, 'base2', 6)[0] == 1                                   # Mirror: CreateGroupReplica
    assert create(client, 'base2', 9)[0] == 5
    assert client.state_snapshot() == before


def test_resyncable_clone_made_automatically_followed_to_the_end(client):
    rc, out = create(client, 'base2', CLONE, ASYNC, ElementName='base2_pc')
    assert rc == 4096
    target = client.conn.GetInstance(out['TargetElement'])
    assert target['ElementName'] == 'base2_pc' and target['NumberOfBlocks'] == client.volume('base2')['NumberOfBlocks']
    pools = [a['Antecedent'] for a in client.conn.References(target.path, ResultClass='TPD_AllocatedFromStoragePool')]
    assert client.cpg_path('FC_r5') in pools
    sync = client.conn.GetInstance(out['Synchronization'])
    assert (sync['CopyType'], sync['ReplicaType'], sync['SyncType'], sync['Mode']) == (4, 2, 8, 3)
    job = client.conn.GetInstance(out['Job'])
    assert job['MethodName'] == 'CreateElementReplica' and job['JobState'] in (2, 4)
    owner = client.conn.AssociatorNames(job.path, AssocClass='TPD_OwningJobElement')
    assert [(o.classname, o['Name']) for o in owner] == [('TPD_ReplicationService', 'ReplicationService')]
    assert finish(client, out)['JobState'] == 7
    sync = client.conn.GetInstance(out['Synchronization'])
    assert (sync['SyncState'], sync['CopyState'], sync['ProgressStatus']) == (14, 4, 2)     # Frozen (seed 000 Table 42)
    assert client.volume('base2.rw') is not None                                           # its resync snapshot
    # Resync Replica (14): a job, then Frozen again
    rc, resync = modify(client, 14, sync.path)
    assert rc == 4096 and client.conn.GetInstance(resync['Job'])['MethodName'] == 'ModifyReplicaSynchronization'
    assert client.sync('base2_pc')['SyncState'] == 15
    assert finish(client, resync)['JobState'] == 7 and client.sync('base2_pc')['SyncState'] == 14
    # Dissolve (9): promote, the target is an independent volume, the resync snapshot goes
    assert modify(client, 9, sync.path) == (0, {})
    assert client.sync('base2_pc') is None and client.volume('base2.rw') is None
    assert client.volume('base2_pc')['CopyOf'] is None


def test_one_shot_clone_into_an_existing_volume(client):
    size = client.volume('base2')['NumberOfBlocks'] * 512
    assert client.create_volume('t1', size)[0] == 0
    rc, out = create(client, 'base2', CLONE, SYNC, TargetElement=client.volume_path('t1'), WaitForCopyState=Uint16(4))
    assert rc == 4096 and out['TargetElement'] == client.volume_path('t1')
    sync = client.conn.GetInstance(out['Synchronization'])
    assert (sync['CopyType'], sync['SyncType'], sync['Mode']) == (5, 8, 2)                  # seed 000 Table 41
    assert finish(client, out)['JobState'] == 7
    assert client.sync('t1') is None and client.volume('t1')['CopyOf'] is None              # relinquished (seed 002)


def test_clone_refusals_change_nothing(client):
    before = client.state_snapshot()
    assert create(client, 'base2', CLONE, ASYNC, WaitForCopyState=Uint16(4))[0] == 5         # only Inactive (8)
    assert create(client, 'base2', CLONE, SYNC, WaitForCopyState=Uint16(8))[0] == 5          # only Synchronized (4)
    assert create(client, 'nosnap', CLONE, ASYNC, ElementName='c1')[0] == 4                  # no snapshot space: nothing created
    assert create(client, 'base2', CLONE, SYNC, TargetElement=client.volume_path('base1'))[0] == 4   # incompatible target
    assert create(client, 'base2', CLONE, SYNC, TargetElement=client.volume_path('clone1'))[0] == 6  # already a copy target
    assert create(client, 'base2', CLONE, 4)[0] == 5
    assert create(client, 'base2', CLONE, ElementName='bad name')[0] == 5
    assert client.state_snapshot() == before


def test_clone_in_another_pool(client):
    rc, out = create(client, 'base2', CLONE, TargetPool=client.cpg_path('SSD_r6'))
    assert rc == 4096
    target = client.conn.GetInstance(out['TargetElement'])
    assert target['ElementName'] == 'base2.pc0'
    pools = [a['Antecedent'] for a in client.conn.References(target.path, ResultClass='TPD_AllocatedFromStoragePool')]
    assert client.cpg_path('SSD_r6') in pools


def test_local_operations_on_a_snapshot(client):
    path = client.sync('snap1').path
    assert modify(client, 9, path)[0] == 5          # Dissolve of a snapshot: as Copy Services Detach (seed 003)
    assert modify(client, 2, path)[0] == 5          # Abort: for a physical copy
    assert modify(client, 16, path)[0] == 1         # a DMTF operation not supported locally
    assert modify(client, 99, path)[0] == 5
    rc, out = modify(client, 15, path)              # Restore From Replica: promote, a job
    assert rc == 4096 and finish(client, out)['JobState'] == 7
    assert client.sync('snap1')['SyncState'] == 11
    assert modify(client, 19, path) == (0, {})      # Return To Resource Pool: the snapshot is deleted
    assert client.volume('snap1') is None
    assert modify(client, 19, path)[0] == 4         # it no longer exists (as ModifySynchronization, Table 48)


def test_abort_and_return_to_pool_of_physical_copies(client):
    rc, out = create(client, 'base2', CLONE, ASYNC, ElementName='pc2')
    sync = out['Synchronization']
    assert modify(client, 19, sync)[0] == 6         # the copy is running
    assert modify(client, 2, sync) == (0, {})       # Abort: halt (M312 Table 96), the association goes
    assert client.conn.GetInstance(out['Job'])['JobState'] == 8
    assert client.sync('pc2') is None and client.volume('pc2')['OperationalStatus'] == [6]
    assert modify(client, 19, client.sync('clone1').path) == (0, {})   # a finished clone: deleted with its resync snapshot
    assert client.volume('clone1') is None and client.volume('base1.rw') is None


@pytest.fixture
def read_only(tmp_path, clock):
    array = Array(str(tmp_path / 'ro'), seed=SEED, clock=clock, rcopy={'read_only': True})
    yield Client(array, clock)
    array.close()


def test_local_replication_works_on_a_read_only_remote_copy_provider(read_only):
    client = read_only
    rc, out = create(client, 'base2', SNAPSHOT, ElementName='ro_sv')
    assert rc == 0
    assert modify(client, 19, out['Synchronization']) == (0, {})
    rc, out = create(client, 'base2', CLONE, ASYNC, ElementName='ro_pc')
    assert rc == 4096 and finish(client, out)['JobState'] == 7
    # remote copy stays read-only: a remote operation is refused with 1; a local volume set is not remote (M311 p95-97)
    assert rs_invoke(client, 'ModifyReplicaSynchronization', Operation=Uint16(10),
                     Synchronization=client.volume_path('base2'))[0] == 1
    assert rs_invoke(client, 'CreateGroup', GroupName='g', Members=[client.volume_path('base2')])[0] == 0
