"""Consistent snapshots: TPD_CreateConsistentReplicaList (creategroupsv), CreateGroupReplica of a local volume set,
TPD_ModifyGroupReplicaSynchronization (MODEL.md, Consistent snapshots; M311 p100-101, M312 p111-114, M313 p114-122)."""

import pytest
import pywbem
from pywbem import Uint16

from conftest import SEED, Client
from threepar_sim.array import Array

# pylint: disable=redefined-outer-name

SNAPSHOT = Uint16(7)


@pytest.fixture
def ro(tmp_path, clock):
    """The default provider: remote replication read-only, local group copies work."""
    array = Array(str(tmp_path / 'ro'), seed=SEED, clock=clock, rcopy={'read_only': True})
    yield Client(array, clock)
    array.close()


def write(client, volume, count=1):
    return client.array.control('write', {'volume': volume, 'count': count})['write_generation']


def replica_list(client, sources, names, **params):
    params.setdefault('SyncType', SNAPSHOT)
    if names:
        params['TargetNames'] = names
    if sources:
        params['SourceElements'] = [client.volume_path(s) for s in sources]
    return client.rs_invoke('TPD_CreateConsistentReplicaList', **params)


def everything(client):
    state = client.state_snapshot()
    state['sets'] = sorted(i.tomof() for i in client.conn.EnumerateInstances('TPD_ReplicationGroup'))
    return state


def test_a_list_of_snapshots_at_one_instant(ro):
    write(ro, 'base1', 3)
    write(ro, 'base2', 5)
    rc, out = replica_list(ro, ['base2', 'base1'], ['b2_cg', 'b1_cg'])
    assert rc == 0 and not out.get('Jobs')
    targets = [ro.conn.GetInstance(p) for p in out['TargetElements']]
    assert [t['ElementName'] for t in targets] == ['b2_cg', 'b1_cg']                    # source order
    assert [t['WriteGeneration'] for t in targets] == [5, 3]
    syncs = [ro.conn.GetInstance(p) for p in out['Synchronizations']]
    assert [ro.conn.GetInstance(s['SystemElement'])['ElementName'] for s in syncs] == ['base2', 'base1']
    assert [s.path for s in syncs] == [ro.sync('b2_cg').path, ro.sync('b1_cg').path]
    assert len({s['WhenSynced'] for s in syncs}) == 1                                    # one point in time
    assert {(s['SyncType'], s['Mode'], s['CopyType'], s['SyncState']) for s in syncs} == {(7, 2, 4, 11)}


def test_base_id_numbers_the_snapshots_from_it(ro):
    rc, out = replica_list(ro, ['base1', 'base2'], ['x1', 'x2'], TargetSettingGoal=ro.setting(BaseID='500'))
    assert rc == 0 and [p['DeviceID'] for p in out['TargetElements']] == ['500', '501']


@pytest.mark.parametrize('sources, names, params, rc', [
    (['base1', 'nosnap'], ['a', 'b'], {}, 4),                  # no snapshot space (as CreateReplica)
    (['base1', 'snap1'], ['a', 'b'], {}, 5),                   # a snapshot as source
    (['base1', 'base2'], ['a', 'snap1'], {}, 5),               # a name in use
    (['base1', 'base2'], ['a', 'a'], {}, 5),                   # a name twice
    (['base1', 'base2'], ['a', 'b c'], {}, 5),                 # an invalid name
    (['base1', 'base1'], ['a', 'b'], {}, 5),                   # a source twice
    (['base1', 'base2'], ['a'], {}, 5),                        # counts differ
    (['base1', 'base2'], None, {}, 5),                         # TargetNames are mandatory for snapshots
    ([], [], {}, 5),
    (['base1'], ['a'], {'SyncType': Uint16(8)}, 1),            # clones: the real provider does them, the simulator not
    (['base1'], ['a'], {'SyncType': Uint16(6)}, 5),
    (['base1'], ['a'], {'Mode': Uint16(3)}, 5),
    (['base1'], ['a'], {'WaitForCopyState': Uint16(8)}, 5),
    (['base1'], ['a'], {'TargetElements': 'base2'}, 5),        # physical copies only
    (['base1', 'base2'], ['a', 'b'], {'BaseID': '1'}, 5),      # volume ID in use
])
def test_list_refusals_create_nothing(ro, sources, names, params, rc):
    if 'TargetElements' in params:
        params['TargetElements'] = [ro.volume_path(params['TargetElements'])]
    if 'BaseID' in params:
        params['TargetSettingGoal'] = ro.setting(BaseID=params.pop('BaseID'))
    before = everything(ro)
    assert replica_list(ro, sources, names, **params)[0] == rc
    assert everything(ro) == before


def group(client, name, *volumes):
    members = {'Members': [client.volume_path(n) for n in volumes]} if volumes else {}
    rc, out = client.rs_invoke('CreateGroup', GroupName=name, **members)
    assert rc == 0
    return out['ReplicationGroup']


def test_snapshots_of_a_local_volume_set(ro):
    vvset = group(ro, 'app', 'base2', 'base1')
    write(ro, 'base1', 2)
    rc, out = ro.rs_invoke('CreateGroupReplica', SourceGroup=vvset, SyncType=SNAPSHOT, RelationshipName='app_0900',
                           Consistency=Uint16(2))
    assert rc == 0 and out.get('Job') is None
    target = ro.conn.GetInstance(out['TargetGroup'])
    assert target['ElementName'] == 'app_0900'
    assert ro.array.state.vvsets['app_0900'].members == ['app_0900_1', 'app_0900_2']      # member order
    assert [ro.volume(n)['CopyOf'] for n in ('app_0900_1', 'app_0900_2')] == ['base2', 'base1']
    assert ro.volume('app_0900_2')['WriteGeneration'] == 2
    syncs = [ro.conn.GetInstance(p) for p in out['Synchronizations']]
    assert out['Synchronization'] == syncs[0].path == ro.sync('app_0900_1').path
    assert len({s['WhenSynced'] for s in syncs}) == 1


@pytest.mark.parametrize('params, rc', [
    ({'RelationshipName': None}, 5), ({'RelationshipName': 'taken'}, 5), ({'RelationshipName': 'a b'}, 5),
    ({'RelationshipName': 'busy'}, 5),                                   # busy_2 is in use: no busy_1 either
    ({'RelationshipName': 'x' * 30}, 5),                                 # x..x_1 is longer than 31 characters
    ({'Consistency': Uint16(3)}, 5), ({'SyncType': Uint16(8)}, 1), ({'SyncType': Uint16(6)}, 5),
    ({'Mode': Uint16(3)}, 5), ({'TargetGroup': 'taken'}, 5), ({'SourceGroup': 'empty'}, 5)])
def test_local_group_replica_refusals_create_nothing(ro, params, rc):
    paths = {'app': group(ro, 'app', 'base1', 'base2'), 'taken': group(ro, 'taken'), 'empty': group(ro, 'empty')}
    ro.array.state.create_snapshot(ro.array.state.volumes['base2'], 'busy_2')
    ro.array.commit()
    call = {'SourceGroup': paths['app'], 'SyncType': SNAPSHOT, 'RelationshipName': 'rel'}
    call.update(params)
    for key in ('TargetGroup', 'SourceGroup'):
        if isinstance(call.get(key), str):
            call[key] = paths[call[key]]
    call = {k: val for k, val in call.items() if val is not None}
    before = everything(ro)
    assert ro.rs_invoke('CreateGroupReplica', **call)[0] == rc
    assert everything(ro) == before


def test_promote_a_set_of_snapshots(ro):
    vvset = group(ro, 'app', 'base1', 'base2')
    rc, out = ro.rs_invoke('CreateGroupReplica', SourceGroup=vvset, SyncType=SNAPSHOT, RelationshipName='pit')
    snaps = out['TargetGroup']
    write(ro, 'base1', 4)
    write(ro, 'base2', 7)
    assert ro.rs_invoke('TPD_ModifyGroupReplicaSynchronization', Operation=Uint16(14), TargetGroup=snaps)[0] == 1
    assert ro.rs_invoke('TPD_ModifyGroupReplicaSynchronization', Operation=Uint16(15), TargetGroup=vvset)[0] == 5  # base volumes
    rc, out = ro.rs_invoke('TPD_ModifyGroupReplicaSynchronization', Operation=Uint16(15), TargetGroup=snaps)
    assert rc == 4096 and len(out['Jobs']) == 2
    jobs = [ro.conn.GetInstance(p) for p in out['Jobs']]
    assert {j['MethodName'] for j in jobs} == {'TPD_ModifyGroupReplicaSynchronization'}
    assert sorted(j['TargetName'] for j in jobs) == ['pit_1', 'pit_2']
    assert ro.rs_invoke('TPD_ModifyGroupReplicaSynchronization', Operation=Uint16(15), TargetGroup=snaps)[0] == 6  # running
    ro.advance(10)
    assert [ro.conn.GetInstance(p)['JobState'] for p in out['Jobs']] == [7, 7]
    assert (ro.volume('base1')['WriteGeneration'], ro.volume('base2')['WriteGeneration']) == (0, 0)
    owner = ro.conn.References(out['Jobs'][0], ResultClass='TPD_OwningJobElement')[0]
    assert owner['OwningElement']['CreationClassName'] == 'TPD_ReplicationService'


def test_over_cim_xml(served_array):
    """The arrays of references (Synchronizations[], TargetElements[], Jobs[]) travel through the CIM-XML server."""
    conn = pywbem.WBEMConnection('http://127.0.0.1:%d' % served_array.http_port, ('3paradm', '3pardata'),
                                 default_namespace='root/tpd')
    service = conn.EnumerateInstanceNames('TPD_ReplicationService')[0]
    volumes = {v['ElementName']: v.path for v in conn.EnumerateInstances('TPD_StorageVolume')}
    rc, out = conn.InvokeMethod('TPD_CreateConsistentReplicaList', service, SyncType=SNAPSHOT,
                                SourceElements=[volumes['base1'], volumes['base2']], TargetNames=['w1', 'w2'])
    assert rc == 0 and [conn.GetInstance(p)['ElementName'] for p in out['TargetElements']] == ['w1', 'w2']
    assert len({conn.GetInstance(p)['WhenSynced'] for p in out['Synchronizations']}) == 1
    rc, out = conn.InvokeMethod('CreateGroup', service, GroupName='ws', Members=[volumes['base1'], volumes['base2']])
    rc, out = conn.InvokeMethod('CreateGroupReplica', service, SourceGroup=out['ReplicationGroup'], SyncType=SNAPSHOT,
                                RelationshipName='ws_pit')
    assert rc == 0 and conn.GetInstance(out['TargetGroup'])['ElementName'] == 'ws_pit'
    rc, out = conn.InvokeMethod('TPD_ModifyGroupReplicaSynchronization', service, Operation=Uint16(15),
                                TargetGroup=out['TargetGroup'])
    assert rc == 4096 and len(out['Jobs']) == 2
