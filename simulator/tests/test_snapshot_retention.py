"""Expiration and retention of snapshots (MODEL.md, Snapshot expiration and retention; M311 Table 38 p38,
M312 p108/p111, M313 p115; CLI231 p167/p191/p469, CLI313 p334, ADM231 p146; WSAPI131 p59)."""

from datetime import timedelta

import pytest
import pywbem
import yaml
from pywbem import CIM_ERR_FAILED, CIM_ERR_NOT_SUPPORTED, CIMDateTime, CIMError, CIMProperty, Uint16, Uint32

from conftest import SEED, Client
from threepar_sim.array import Array
from threepar_sim.control import SimulatorProcess

# pylint: disable=redefined-outer-name

HOUR = 3600
SNAPSHOT = Uint16(7)


def make(tmp_path, clock, name='r', seed=None, **licences):
    array = Array(str(tmp_path / name), seed=seed or SEED, clock=clock, rcopy={'read_only': True}, licences=licences)
    return Client(array, clock)


@pytest.fixture
def ro(tmp_path, clock):
    client = make(tmp_path, clock)
    yield client
    client.array.close()


def goal(client, **timers):
    return client.setting(**{k: Uint32(val) for k, val in timers.items()})


def snapshot(client, source, name, **timers):
    params = {'SyncType': SNAPSHOT, 'SourceElement': client.volume_path(source), 'ElementName': name}
    if timers:
        params['TargetSettingGoal'] = goal(client, **timers)
    return client.rs_invoke('CreateElementReplica', **params)


def volume_setting(client, name):
    [setting] = client.conn.Associators(client.volume_path(name), AssocClass='TPD_ElementSettingData')
    return setting


def when_synced(client, name):
    return client.sync(name)['WhenSynced'].datetime


def modify(client, name, **times):
    setting = volume_setting(client, name)
    for key, value in times.items():
        setting[key] = CIMProperty(key, None if value is None else CIMDateTime(value), type='datetime')
    client.conn.ModifyInstance(setting, PropertyList=list(times))


def return_to_pool(client, name):
    return client.invoke('ReturnToStoragePool', TheElement=client.volume_path(name))[0]


def test_every_snapshot_has_a_volume_setting_base_volumes_none(ro):
    assert snapshot(ro, 'base2', 's1')[0] == 0
    setting = volume_setting(ro, 's1')
    assert setting['InstanceID'] == 'HP_3PAR:VolumeSetting:%s' % ro.volume('s1')['DeviceID']
    assert (setting['ExpirationTime'], setting['RetentionTime']) == (None, None)
    assert ro.conn.Associators(ro.volume_path('base2'), AssocClass='TPD_ElementSettingData') == []
    assert len(ro.conn.EnumerateInstances('TPD_VolumeSetting')) == 3       # snap1, base1.rw (seed) and s1


def test_timers_give_absolute_times(ro):
    assert snapshot(ro, 'base2', 's1', ExpirationTimer=48, RetentionTimer=24)[0] == 0
    setting = volume_setting(ro, 's1')
    created = when_synced(ro, 's1')
    assert setting['ExpirationTime'].datetime == created + timedelta(hours=48)
    assert setting['RetentionTime'].datetime == created + timedelta(hours=24)


@pytest.mark.parametrize('timers, rc', [
    ({'RetentionTimer': 0}, 5), ({'RetentionTimer': 337}, 5),          # above VVRetentionTimeMax (336 h default)
    ({'ExpirationTimer': 0}, 5), ({'ExpirationTimer': 43801}, 5),
    ({'ExpirationTimer': 10, 'RetentionTimer': 11}, 5)])                 # retention later than expiration
def test_timer_refusals_create_nothing(ro, timers, rc):
    setting = goal(ro, **timers)
    before = ro.state_snapshot()
    assert ro.rs_invoke('CreateElementReplica', SyncType=SNAPSHOT, SourceElement=ro.volume_path('base2'),
                        ElementName='s1', TargetSettingGoal=setting)[0] == rc
    assert ro.rs_invoke('TPD_CreateConsistentReplicaList', SyncType=SNAPSHOT, TargetSettingGoal=setting,
                        SourceElements=[ro.volume_path('base1'), ro.volume_path('base2')], TargetNames=['a', 'b'])[0] == rc
    assert ro.state_snapshot() == before


def test_create_replica_takes_only_base_id(ro):
    assert ro.snapshot('base2', 's1', ExpirationTimer=Uint32(5))[0] == 5        # M311 p65, M312 p68
    assert ro.volume('s1') is None
    rc, dummy = ro.rs_invoke('CreateElementReplica', SyncType=Uint16(8), Mode=Uint16(3), SourceElement=ro.volume_path('base2'),
                             ElementName='c1', TargetSettingGoal=goal(ro, ExpirationTimer=5))
    assert rc == 5 and ro.volume('c1') is None                                     # clones take no timers


def test_group_snapshots_share_their_times(ro):
    rc, out = ro.rs_invoke('CreateGroup', GroupName='app', Members=[ro.volume_path('base1'), ro.volume_path('base2')])
    rc, out = ro.rs_invoke('CreateGroupReplica', SourceGroup=out['ReplicationGroup'], SyncType=SNAPSHOT,
                           RelationshipName='pit', TargetSettingGoal=goal(ro, ExpirationTimer=2, RetentionTimer=1))
    assert rc == 0
    settings = [volume_setting(ro, n) for n in ('pit_1', 'pit_2')]
    assert len({(s['ExpirationTime'], s['RetentionTime']) for s in settings}) == 1


def test_expiry_removes_the_snapshot_and_its_set_membership(ro):
    rc, out = ro.rs_invoke('TPD_CreateConsistentReplicaList', SyncType=SNAPSHOT, TargetSettingGoal=goal(ro, ExpirationTimer=2),
                           SourceElements=[ro.volume_path('base1'), ro.volume_path('base2')], TargetNames=['e1', 'e2'])
    assert ro.rs_invoke('CreateGroup', GroupName='keep', Members=out['TargetElements'])[0] == 0
    ro.advance(2 * HOUR - 1)
    assert ro.volume('e1') is not None
    ro.advance(1)
    assert ro.volume('e1') is None and ro.volume('e2') is None
    assert len(ro.conn.EnumerateInstances('TPD_StorageSynchronized')) == 3       # the seed's copies only
    assert ro.array.state.vvsets['keep'].members == []
    assert ro.conn.EnumerateInstances('TPD_MemberOfCollection') == []


def test_retention_refuses_every_delete_until_it_ends(ro):
    assert snapshot(ro, 'base2', 's1', ExpirationTimer=10, RetentionTimer=3)[0] == 0
    before = ro.state_snapshot()
    assert return_to_pool(ro, 's1') == 4
    assert ro.array.last_refusal.startswith('ReturnToStoragePool: volume s1 is retained: retention until ')
    assert ro.rs_invoke('ModifyReplicaSynchronization', Operation=Uint16(19), Synchronization=ro.sync('s1').path)[0] == 4
    assert return_to_pool(ro, 'base2') == 6                    # its source: it has copies
    assert ro.state_snapshot() == before
    ro.advance(3 * HOUR)
    assert return_to_pool(ro, 's1') == 0


def test_retention_cannot_be_reduced_or_removed(ro):
    assert snapshot(ro, 'base2', 's1', ExpirationTimer=100, RetentionTimer=10)[0] == 0
    retention = volume_setting(ro, 's1')['RetentionTime'].datetime
    for change in ({'RetentionTime': retention - timedelta(hours=1)}, {'RetentionTime': None},
                   {'RetentionTime': retention + timedelta(hours=1000)},       # above VVRetentionTimeMax
                   {'ExpirationTime': retention - timedelta(hours=1)}):        # expiration before retention
        with pytest.raises(CIMError) as exc:
            modify(ro, 's1', **change)
        assert exc.value.status_code == CIM_ERR_FAILED
        assert volume_setting(ro, 's1')['RetentionTime'].datetime == retention
    modify(ro, 's1', RetentionTime=retention + timedelta(hours=5))            # longer: fine
    assert volume_setting(ro, 's1')['RetentionTime'].datetime == retention + timedelta(hours=5)


def test_expiration_can_be_set_changed_and_removed(ro):
    assert snapshot(ro, 'base2', 's1')[0] == 0
    now = when_synced(ro, 's1')
    modify(ro, 's1', ExpirationTime=now + timedelta(hours=1))
    assert volume_setting(ro, 's1')['ExpirationTime'].datetime == now + timedelta(hours=1)
    modify(ro, 's1', ExpirationTime=None)
    ro.advance(2 * HOUR)
    assert ro.volume('s1') is not None
    with pytest.raises(CIMError) as exc:
        modify(ro, 's1', ExpirationTime=now)                      # in the past
    assert exc.value.status_code == CIM_ERR_FAILED
    setting = volume_setting(ro, 's1')
    setting['ElementName'] = 'other'
    with pytest.raises(CIMError) as exc:
        ro.conn.ModifyInstance(setting, PropertyList=['ElementName'])
    assert exc.value.status_code == CIM_ERR_NOT_SUPPORTED
    modify(ro, 's1', ExpirationTime=ro.array.state.now() + timedelta(minutes=30))
    ro.advance(HOUR)
    assert ro.volume('s1') is None


def test_without_virtual_lock_retention_is_refused_expiration_works(tmp_path, clock):
    client = make(tmp_path, clock, virtual_lock=False)
    try:
        assert snapshot(client, 'base2', 's1', RetentionTimer=1)[0] == 4
        assert client.volume('s1') is None
        assert snapshot(client, 'base2', 's1', ExpirationTimer=1)[0] == 0
        with pytest.raises(CIMError) as exc:
            modify(client, 's1', RetentionTime=client.array.state.now() + timedelta(minutes=10))
        assert exc.value.status_code == CIM_ERR_FAILED and 'Virtual Lock' in exc.value.status_description
    finally:
        client.array.close()


def test_the_system_maximum_comes_from_the_seed_or_the_option(tmp_path, clock):
    client = make(tmp_path, clock, seed=dict(SEED, vv_retention_time_max=1000))
    try:
        assert snapshot(client, 'base2', 's1', ExpirationTimer=2000, RetentionTimer=1000)[0] == 0
    finally:
        client.array.close()
    client = make(tmp_path, clock, vv_retention_time_max=24)                  # the serve option, over the saved value
    try:
        assert snapshot(client, 'base2', 's2', RetentionTimer=25)[0] == 5
    finally:
        client.array.close()


def test_times_and_options_survive_a_restart(tmp_path, clock):
    client = make(tmp_path, clock, virtual_lock=False)
    assert snapshot(client, 'base2', 's1', ExpirationTimer=5)[0] == 0
    expiration = volume_setting(client, 's1')['ExpirationTime']
    client.array.close()
    client = make(tmp_path, clock)                 # no option: the saved licence stays (off)
    try:
        assert volume_setting(client, 's1')['ExpirationTime'] == expiration
        assert snapshot(client, 'base2', 's2', RetentionTimer=1)[0] == 4
        client.advance(5 * HOUR)
        assert client.volume('s1') is None         # the ticker's expiry after a restart
    finally:
        client.array.close()


def test_served_array_clock_and_options(tmp_path):
    """serve --no-virtual-lock --vv-retention-time-max; POST /sim/clock moves the date on to an expiry."""
    seed = tmp_path / 'seed.yml'
    seed.write_text(yaml.safe_dump({'volumes': [{'name': 'v1', 'cpg': 'FC_r5', 'size': '1GiB', 'snap_cpg': 'FC_r5'}],
                                    'cpgs': [{'name': 'FC_r5', 'size': '1TiB'}]}))
    sim = SimulatorProcess(str(tmp_path / 'served'), seed=str(seed),
                           extra_args=['--no-virtual-lock', '--vv-retention-time-max', '48'])
    with sim:
        conn = pywbem.WBEMConnection(sim.http_url, ('3paradm', '3pardata'), default_namespace='root/tpd')
        client = Client.__new__(Client)
        client.conn = conn
        assert snapshot(client, 'v1', 's1', RetentionTimer=1)[0] == 4
        assert snapshot(client, 'v1', 's1', ExpirationTimer=1)[0] == 0
        assert sim.control('/sim/clock', {'advance': HOUR})['now']
        assert client.volume('s1') is None
