# -*- coding: utf-8 -*-
# Copyright: smis.threepar contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The remote-copy engine against a scripted CIM client: reading groups and pairs (oriented by volume identity),
the supported-operations check, the method parameters, jobs, the Table 107 wait, and the runner's end states."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import pytest
from pywbem import CIMInstance, CIMInstanceName, Uint16, Uint32

from ansible_collections.smis.threepar.plugins.module_utils.threepar.client import Client as CimClient
from ansible_collections.smis.threepar.plugins.module_utils.threepar import rcopy_plan
from ansible_collections.smis.threepar.plugins.module_utils.threepar.errors import (
    InUse, InvalidRequest, JobFailed, MethodFailed, NotFound, Unsupported, WaitTimedOut)
from ansible_collections.smis.threepar.plugins.module_utils.threepar.inventory import JOB_STATE_PROPERTIES
from ansible_collections.smis.threepar.plugins.module_utils.threepar.rcopy_exec import RcopyExecutor
from ansible_collections.smis.threepar.plugins.module_utils.threepar.rcopy_inventory import (
    GROUP_PROPERTIES, GROUP_SYNC_PROPERTIES, MEMBER_VOLUME_PROPERTIES, PAIR_PROPERTIES, RcopyInventory, group_view,
    parse_showrcopy_pairs)
from ansible_collections.smis.threepar.plugins.module_utils.threepar.waiter import Waiter

NS = 'root/tpd'
LOCAL, REMOTE = '2FF70002AC01111111', '2FF70002AC02222222'
SERVICE = CIMInstanceName('TPD_ReplicationService', {'Name': 'ReplicationService'}, namespace=NS)
JOB = CIMInstanceName('TPD_ConcreteJob', {'InstanceID': 'TPD:JOB:1'}, namespace=NS)
GROUP_PATH = CIMInstanceName('TPD_RemoteReplicationGroup', {'InstanceID': 'HP_3PAR:rcg'}, namespace=NS)
# The provider's view (M311 p124, M312 p131): (natural source here, RoleReversed, CopyState, SyncState, ProgressStatus,
# SyncMaintained) as CIM numbers; the comment is what showrcopy prints as Role/Status.
NUMBERS = {'p_synced': (True, False, 4, 6, 2, True),              # Primary/Synced
           'p_stopped': (True, False, 8, 14, 3, False),            # Primary/Stopped
           'p_new': (True, False, 2, 5, 19, False),                # Primary/New (Table 106)
           's_synced': (False, False, 4, 6, 2, True),              # Secondary/Synced
           's_stopped_broken': (False, False, 5, 12, 2, False),    # Secondary/Stopped, row 1
           's_failing_over': (False, True, 10, 12, 11, False),     # Primary-Rev/Stopped, row 2
           's_failed_over': (False, True, 10, 12, 2, False),       # Primary-Rev/Stopped, row 3
           's_failed_over_back': (False, True, 5, 12, 2, False),   # Primary-Rev/Stopped, row 3b
           's_recovered': (False, True, 4, 6, 2, True),            # Primary-Rev/Synced, row 7
           'p_failed_over': (True, True, 5, 12, 2, False),         # Secondary-Rev/Stopped, row 4
           's_recover_failed': (False, True, 10, 12, 2, False)}    # Primary-Rev/Stopped, row 8


def volume(system, device_id, host=None):
    path = CIMInstanceName('TPD_StorageVolume', {'SystemCreationClassName': 'TPD_StorageSystem', 'SystemName': system,
                                                 'CreationClassName': 'TPD_StorageVolume', 'DeviceID': device_id}, namespace=NS)
    path.host = host
    return path


def group_sync(state='p_synced', name='rcg', mode=2):
    natural, reversed_, copy_state, sync_state, progress, maintained = NUMBERS[state]
    local = CIMInstanceName('TPD_RemoteReplicationGroup', {'InstanceID': 'HP_3PAR:' + name}, namespace=NS)
    peer = local.copy()
    peer.host = '3PAR-B'     # the peer's group: its path names the target (M311 p124)
    ends = (local, peer) if natural else (peer, local)
    return CIMInstance('TPD_RemoteGroupSynchronized', properties={
        'SystemElement': ends[0], 'SyncedElement': ends[1], 'Mode': Uint16(mode), 'CopyState': Uint16(copy_state),
        'SyncState': Uint16(sync_state), 'ProgressStatus': Uint16(progress), 'SyncMaintained': maintained,
        'RoleReversed': reversed_})


def group_instance(state='p_synced', name='rcg', mode=2):
    """A group in ``state``: its TPD_RemoteReplicationGroup (five properties) and its TPD_RemoteGroupSynchronized."""
    path = CIMInstanceName('TPD_RemoteReplicationGroup', {'InstanceID': 'HP_3PAR:' + name}, namespace=NS)
    inst = CIMInstance('TPD_RemoteReplicationGroup', path=path, properties={'InstanceID': 'HP_3PAR:' + name, 'ElementName': name})
    return {'group': inst, 'sync': group_sync(state, name, mode), 'mode': mode}


def pair_instance(local_id, local_name, remote_id, remote_name=None, reversed_roles=False, entity=False):
    """(TPD_RemoteStorageSynchronized, the local member volume). The remote end is a peer volume path (host = the
    peer's WWN) or, ``entity``, the TPD_ReplicationEntity of an undiscovered remote volume."""
    if entity:
        remote = CIMInstanceName('TPD_ReplicationEntity', {'InstanceID': 'HP_3PAR:' + remote_name}, namespace=NS)
        remote.host = REMOTE
    else:
        remote = volume(REMOTE, remote_id, host=REMOTE)
    ends = [volume(LOCAL, local_id), remote]
    if reversed_roles:
        ends.reverse()
    props = {'SystemElement': ends[0], 'SyncedElement': ends[1], 'SyncInterval': Uint32(0)}
    if entity:
        props['UndiscoveredElement'] = Uint16(2 if reversed_roles else 3)
    return CIMInstance('TPD_RemoteStorageSynchronized', properties=props), volume_instance(local_name, local_id)


class Client:
    """Answers reads from tables; records every call; scripted InvokeMethod return codes and job / group states."""
    namespace = NS
    service_path = CimClient.service_path     # the real lookup, over the scripted enumerate_names

    def __init__(self, group=None, pairs=(), volumes=(), memberships=(), supported=(10, 11, 14, 16, 17, 18, 20, 22),
                 rc=0, job_states=((7, [2, 17]),), group_states=()):
        self.group = group
        self.pairs = [p for p, dummy in pairs]
        self.members = [v for dummy, v in pairs]
        self.volumes = list(volumes)
        self.memberships = list(memberships)
        self.supported = supported
        self.rc = rc
        self.job_states = list(job_states)
        self.group_states = list(group_states)
        self.calls = []

    def get_instance(self, path, properties, what):
        self.calls.append(('GetInstance', path.classname, tuple(properties)))
        if path.classname == 'TPD_ConcreteJob':
            state, status = self.job_states.pop(0) if len(self.job_states) > 1 else self.job_states[0]
            return {'JobState': state, 'OperationalStatus': status, 'PercentComplete': 100, 'ErrorDescription': 'link down'}
        raise NotFound('read', path.classname, 'no such instance')

    def enumerate(self, classname, properties, what):
        self.calls.append(('EnumerateInstances', classname, tuple(properties or ())))
        return {'TPD_RemoteReplicationGroup': [self.group['group']] if self.group is not None else [],
                'TPD_RemoteGroupSynchronized': [self.group['sync']] if self.group is not None else [],
                'TPD_RemoteStorageSynchronized': self.pairs, 'TPD_StorageVolume': self.volumes + self.members,
                'TPD_MemberOfCollection': self.memberships}[classname]

    def references(self, path, result_class, properties, what):
        self.calls.append(('References', result_class, tuple(properties)))
        if self.group_states and tuple(properties) != tuple(GROUP_SYNC_PROPERTIES):
            state = self.group_states.pop(0) if len(self.group_states) > 1 else self.group_states[0]
            return [group_sync(state, mode=self.group['mode'])]
        return [self.group['sync']]

    def associators(self, path, assoc_class, result_class, properties, what):
        self.calls.append(('Associators', assoc_class, result_class, tuple(properties or ())))
        return self.members

    def enumerate_names(self, classname, what):
        self.calls.append(('EnumerateInstanceNames', classname))
        return [SERVICE]

    def invoke(self, method, target, params, verb, what):
        self.calls.append(('InvokeMethod', method, dict(params)))
        if method == 'GetSupportedOperations':
            return 0, {'SupportedOperations': list(self.supported)}
        return self.rc, ({'Job': JOB} if self.rc == 4096 else {})

    def delete_instance(self, path, what):
        self.calls.append(('DeleteInstance', path.keybindings['InstanceID']))

    def methods(self):
        return [c[1] for c in self.calls if c[0] == 'InvokeMethod']


def volume_instance(name, device_id):
    return CIMInstance('TPD_StorageVolume', path=volume(LOCAL, device_id), properties={
        'DeviceID': device_id, 'ElementName': name, 'BlockSize': Uint32(512), 'NumberOfBlocks': Uint32(2048)})


def clock():
    now = [0.0]

    def sleep(seconds):
        now[0] += seconds
    return (lambda: now[0]), sleep


def executor(client, spec=None, wait=True, timeout=30, group=True):
    inventory = RcopyInventory(client)
    if group:
        inventory.group('rcg')
    now, sleep = clock()
    spec = spec or rcopy_plan.GroupSpec('rcg')
    return RcopyExecutor(client, inventory, Waiter(now, sleep, predict=False), spec, wait=wait, wait_timeout=timeout, clock=now)


def plan(spec_params, client):
    spec = rcopy_plan.GroupSpec.from_params(dict({'name': 'rcg'}, **spec_params))
    ex = executor(client, spec)
    return ex, rcopy_plan.plan_group(spec, ex.inventory.group('rcg')).actions


# ---------------------------------------------------------------- inventory: the provider's shape

def test_group_read_with_four_requests_and_derived_role_and_status():
    client = Client(group_instance(), [pair_instance('1', 'db01', '7'), pair_instance('2', 'db02', '8')])
    client.pairs.append(pair_instance('3', 'other', '9')[0])      # a pair of another group
    group = RcopyInventory(client).group('rcg')
    assert client.calls == [('EnumerateInstances', 'TPD_RemoteReplicationGroup', tuple(GROUP_PROPERTIES)),
                            ('References', 'TPD_RemoteGroupSynchronized', tuple(GROUP_SYNC_PROPERTIES)),
                            ('Associators', 'TPD_MemberOfCollection', 'TPD_StorageVolume', tuple(MEMBER_VOLUME_PROPERTIES)),
                            ('EnumerateInstances', 'TPD_RemoteStorageSynchronized', tuple(PAIR_PROPERTIES))]
    assert (group.exists, group.role, group.status, group.copy_state, group.sync_state, group.progress_status, group.mode,
            group.target) == (True, 'Primary', 'Synced', 'Synchronized', 'Synchronized', 'Completed', 'sync', '3PAR-B')
    # SMI-S does not name a discovered remote volume: unknown without an SSH read.
    assert group.members == (rcopy_plan.MemberPair('db01', None), rcopy_plan.MemberPair('db02', None))


@pytest.mark.parametrize('state,role,status', [
    ('p_synced', 'Primary', 'Synced'), ('p_new', 'Primary', 'New'), ('s_stopped_broken', 'Secondary', 'Stopped'),
    ('s_failing_over', 'Primary-Rev', 'Stopped'), ('s_recovered', 'Primary-Rev', 'Synced'),
    ('p_failed_over', 'Secondary-Rev', 'Stopped')])
def test_role_from_natural_direction_and_role_reversed(state, role, status):
    """The natural source group stays SystemElement through a failover; RoleReversed adds -Rev (M311 p124, M312 p131)."""
    group = RcopyInventory(Client(group_instance(state), [pair_instance('1', 'db01', '7')])).group('rcg')
    assert (group.role, group.status) == (role, status)


def test_remote_names_from_the_replication_entity_and_from_showrcopy():
    asked = []

    def showrcopy(name):
        asked.append(name)
        return {'db01': 'db01_r', 'db02': 'db02_r'}
    pairs = [pair_instance('1', 'db01', '7', 'db01_r', entity=True), pair_instance('2', 'db02', '8', reversed_roles=True)]
    client = Client(group_instance('s_failed_over'), pairs)
    group = RcopyInventory(client, remote_names=showrcopy).group('rcg')
    assert group.members == (rcopy_plan.MemberPair('db01', 'db01_r'), rcopy_plan.MemberPair('db02', 'db02_r')) and asked == ['rcg']
    # Every remote volume named by SMI-S: no SSH read.
    client = Client(group_instance('s_failed_over'), [pair_instance('1', 'db01', '7', 'db01_r', entity=True)])
    RcopyInventory(client, remote_names=showrcopy).group('rcg')
    assert asked == ['rcg']


def test_pairs_are_oriented_by_volume_identity_not_by_side():
    """After a role reversal this array holds the SyncedElement: the pair stays (local volume, remote volume)."""
    client = Client(group_instance('s_recovered'), [pair_instance('1', 'db01_r', '7', 'db01', entity=True),
                                                    pair_instance('2', 'db02_r', '8', 'db02', reversed_roles=True, entity=True)])
    group = RcopyInventory(client).group('rcg')
    assert group.members == (rcopy_plan.MemberPair('db01_r', 'db01'), rcopy_plan.MemberPair('db02_r', 'db02'))


def test_missing_group_and_link_state():
    assert RcopyInventory(Client()).group('rcg').exists is False
    down = Client(group_instance('s_failed_over'), [pair_instance('1', 'db01', '7', 'db01_r', entity=True)])
    group = RcopyInventory(down).group('rcg')
    assert group.peer_reachable is False and group.dr_state == 'failed_over' and not group.recover_failed
    # FailedOver while the original primary answers reads as a failed recover (row 8).
    up = RcopyInventory(Client(group_instance('s_recover_failed'), [pair_instance('1', 'db01', '7')])).group('rcg')
    assert up.peer_reachable and up.recover_failed
    # The pairs of a group never started are undiscovered until their first copy: not a sign of a link down.
    new = RcopyInventory(Client(group_instance('p_new'), [pair_instance('1', 'db01', '7', 'db01_r', entity=True)])).group('rcg')
    assert new.peer_reachable and new.status == 'New' and not new.running


def test_showrcopy_pairs_of_one_group():
    output = '\n'.join(['', 'Group Information', '', 'Name   Target Status  Role    Mode Options',
                        'rcg    3PAR-B Started Primary Sync', '  LocalVV ID RemoteVV ID SyncStatus LastSyncTime',
                        '  db01    11 db01_r   21 Synced     NA', '  db02    12 db02_r   22 Synced     NA', '',
                        'Name   Target Status  Role    Mode Options', 'other  3PAR-B Started Primary Sync',
                        '  LocalVV ID RemoteVV ID SyncStatus LastSyncTime', '  x       13 x_r      23 Synced     NA'])
    assert parse_showrcopy_pairs(output, 'rcg') == {'db01': 'db01_r', 'db02': 'db02_r'}
    assert parse_showrcopy_pairs(output, 'other') == {'x': 'x_r'}
    assert parse_showrcopy_pairs(output, 'none') == {}


@pytest.mark.parametrize('state,row,dr_state', [('p_synced', '106-synced', 'normal'), ('p_stopped', '106-stopped', 'normal'),
                                                ('s_stopped_broken', '1', 'normal'), ('s_failing_over', '2', 'failing_over'),
                                                ('s_failed_over', '3', 'failed_over'), ('s_failed_over_back', '3b', 'failed_over'),
                                                ('p_failed_over', '4', 'failed_over'), ('s_recovered', '7', 'recovered')])
def test_group_view_decodes_and_matches_table_107(state, row, dr_state):
    client = Client(group_instance(state), [pair_instance('1', 'db01', '7', 'db01_r', entity=True)])
    view = group_view(RcopyInventory(client).group('rcg'))
    assert (view['table_107_row'], view['matches_table_107'], view['dr_state']) == (row, True, dr_state)
    assert view['members'] == [{'volume': 'db01', 'remote_volume': 'db01_r'}]
    assert group_view(rcopy_plan.GroupState('rcg')) == {}


# ---------------------------------------------------------------- supported operations

def test_read_only_provider_refuses_the_plan_before_any_change():
    client = Client(group_instance('s_stopped_broken'), supported=())
    ex, actions = plan({'dr_state': 'failed_over'}, client)
    with pytest.raises(Unsupported) as caught:
        ex.check_supported(actions)
    msg = str(caught.value)
    assert 'Failover (ModifyReplicaSynchronization Operation 10)' in msg and 'read-only' in msg
    assert 'setrcopygroup failover rcg' in msg and 'Nothing was changed' in msg
    assert caught.value.details['changed'] is False and caught.value.details['cli'] == ['setrcopygroup failover rcg']
    assert caught.value.details['actions'] == [] and caught.value.details['planned_actions'][0]['operation'] == 'failover'
    assert client.methods() == ['GetSupportedOperations']


def test_an_operation_missing_from_the_supported_list_is_refused():
    client = Client(group_instance('s_failed_over_back'), supported=(10, 16, 22))
    ex, actions = plan({'dr_state': 'normal'}, client)
    with pytest.raises(Unsupported, match='does not support Resync Replica.*setrcopygroup recover rcg'):
        ex.check_supported(actions)


@pytest.mark.parametrize('supported,transport,kept', [
    ((10, 11, 14, 16, 17, 18, 20, 22), 'cim', ['create', 'create_replica', 'stop']),
    ((), 'cli', ['create', 'create_replica']),
])
def test_a_stopped_create_stops_only_what_the_create_started(supported, transport, kept):
    """CreateGroupReplica starts the initial copy; creatercopygroup + admitrcopyvv leave the group stopped."""
    client = Client(None, supported=supported)
    ex, actions = plan({'target': '3PAR-B', 'members': [{'volume': 'db01'}], 'replication': 'stopped'}, client)
    ex.cli = object()       # SSH set up: auto falls back to the CLI for what the provider cannot do
    assert [a.operation for a in ex.check_supported(actions)] == kept
    assert set(a.transport for a in actions) == {transport}


def test_supported_operations_let_the_plan_run():
    client = Client(group_instance('p_synced'))
    ex, actions = plan({'replication': 'stopped'}, client)
    ex.check_supported(actions)
    ex.run(actions)
    assert client.methods() == ['GetSupportedOperations', 'ModifyReplicaSynchronization']
    invoke = [c for c in client.calls if c[0] == 'InvokeMethod'][1][2]
    assert invoke['Operation'] == 22 and invoke['Synchronization'] == GROUP_PATH


# ---------------------------------------------------------------- method parameters

def test_create_parameters():
    client = Client(None, volumes=[volume_instance('db01', '1'), volume_instance('db02', '2')], rc=0)
    members = [{'volume': 'db01', 'remote_volume': 'db01_r'}, {'volume': 'db02', 'remote_volume': 'db02_r'}]
    ex, actions = plan({'target': '3PAR-B', 'members': members, 'mode': 'periodic'}, client)
    ex.run(actions)
    calls = [c for c in client.calls if c[0] == 'InvokeMethod']
    assert [c[1] for c in calls] == ['CreateGroup', 'CreateGroupReplica', 'ModifyReplicaSynchronization']
    create, replica = calls[0][2], calls[1][2]
    assert create['GroupName'] == 'rcg' and [p.keybindings['DeviceID'] for p in create['Members']] == ['1', '2']
    assert replica['SourceGroup'].keybindings['InstanceID'] == 'HP_3PAR:rcg' and replica['TargetSystemName'] == '3PAR-B'
    assert replica['TargetElementNames'] == ['db01_r', 'db02_r'] and replica['SourceElementNames'] == ['db01', 'db02']
    assert (replica['Mode'], replica['SyncType']) == (3, 6)


def test_member_parameters_use_the_pair_paths():
    client = Client(group_instance('p_stopped'), [pair_instance('1', 'db01', '7'), pair_instance('2', 'db02', '8')],
                    volumes=[volume_instance('db03', '3')])
    ex, actions = plan({'members': [{'volume': 'db01', 'remote_volume': 'db01_r'}, {'volume': 'db03', 'remote_volume': 'db03_r'}],
                        'purge_members': True}, client)
    ex.run(actions)
    calls = dict((c[1], c[2]) for c in client.calls if c[0] == 'InvokeMethod')
    assert calls['RemoveMembers']['Members'][0].keybindings['DeviceID'] == '2'
    assert calls['AddMembers']['Members'][0].keybindings['DeviceID'] == '3' and calls['AddMembers']['TargetElementNames'] == ['db03_r']
    assert calls['AddMembers']['ReplicationGroup'] == GROUP_PATH


def test_unknown_member_volume_is_not_found_before_invoking():
    client = Client(group_instance('p_stopped'), volumes=[])
    ex, actions = plan({'members': [{'volume': 'nope', 'remote_volume': 'x'}]}, client)
    with pytest.raises(NotFound, match='volume nope'):
        ex.volumes(['nope'])
    assert client.methods() == []


def test_recover_with_force_passes_force():
    client = Client(group_instance('s_recover_failed'), rc=0)
    ex, actions = plan({'dr_state': 'recovered', 'force': True}, client)
    ex.spec.force = True
    ex.run(actions)
    call = [c for c in client.calls if c[0] == 'InvokeMethod'][0][2]
    assert call['Operation'] == 14 and call['Force'] is True


@pytest.mark.parametrize('rc,error,text', [(1, Unsupported, 'does not support'), (4, MethodFailed, 'returned 4'),
                                           (5, InvalidRequest, 'returned 5'), (6, InUse, 'In Use')])
def test_return_codes_become_typed_errors_with_the_cli(rc, error, text):
    client = Client(group_instance('p_synced'), rc=rc)
    ex, actions = plan({'replication': 'stopped'}, client)
    with pytest.raises(error) as caught:
        ex.run(actions)
    assert text in str(caught.value) and 'stoprcopygroup rcg' in str(caught.value)
    assert caught.value.details['return_code'] == rc and str(caught.value).startswith('Failed to stop remote copy group rcg')


# ---------------------------------------------------------------- jobs and the Table 107 wait

def test_jobs_are_polled_then_deleted_and_the_plan_continues():
    client = Client(group_instance('s_failed_over_back'), rc=4096, job_states=[(4, [2]), (7, [2, 17])])
    ex, actions = plan({'dr_state': 'normal'}, client)
    done = ex.run(actions)
    assert [(d['operation'], d['job_state']) for d in done] == [('recover', 'Completed'), ('restore', 'Completed')]
    polls = [c for c in client.calls if c[0] == 'GetInstance' and c[1] == 'TPD_ConcreteJob']
    assert all(c[2] == tuple(JOB_STATE_PROPERTIES) for c in polls)
    assert [c for c in client.calls if c[0] == 'DeleteInstance'] == [('DeleteInstance', 'TPD:JOB:1')] * 2


def test_failed_recover_job_says_what_to_do():
    client = Client(group_instance('s_failed_over_back'), rc=4096, job_states=[(10, [6, 17])])
    ex, actions = plan({'dr_state': 'recovered'}, client)
    with pytest.raises(JobFailed, match='link down.*force: true'):
        ex.run(actions)
    assert ex.done == [dict(ex.done[0], operation='recover', job_id='TPD:JOB:1', failed=True)]


def test_wait_false_stops_after_the_first_job():
    client = Client(group_instance('s_failed_over_back'), rc=4096)
    spec = rcopy_plan.GroupSpec('rcg', dr_state='normal')
    ex = executor(client, spec, wait=False)
    done = ex.run(rcopy_plan.plan_group(spec, ex.inventory.group('rcg')).actions)
    assert [d['operation'] for d in done] == ['recover'] and ex.jobs_left == ['TPD:JOB:1']
    assert [a['operation'] for a in ex.not_started] == ['restore']


def test_wait_for_rows_polls_state_properties_until_the_row():
    client = Client(group_instance('s_stopped_broken'), group_states=['s_failing_over', 's_failing_over', 's_failed_over'])
    ex = executor(client)
    check = ex.wait_for_rows(ex.inventory.group('rcg'), 'secondary', 'failed_over', None)
    assert check.ok and check.row.ref == '3'
    polls = [c for c in client.calls if c[0] == 'References' and c[2] != tuple(GROUP_SYNC_PROPERTIES)]
    assert len(polls) >= 3


def test_wait_for_rows_failure_row_and_timeout():
    client = Client(group_instance('s_recovered'), group_states=['s_recover_failed'])
    ex = executor(client)
    with pytest.raises(JobFailed, match='row 8'):
        ex.wait_for_rows(ex.inventory.group('rcg'), 'secondary', 'recovered', None)
    client = Client(group_instance('p_synced'), group_states=['p_synced'])
    ex = executor(client, timeout=3)
    with pytest.raises(WaitTimedOut, match='106-stopped|Frozen'):
        ex.wait_for_rows(ex.inventory.group('rcg'), 'primary', 'normal', 'stopped')


# ---------------------------------------------------------------- runner: end states and check-mode prediction

def state_of(name, **kw):
    role, status, copy_state, sync_state, progress = {
        'p_synced': ('Primary', 'Synced', 'Synchronized', 'Synchronized', 'Completed'),
        'p_stopped': ('Primary', 'Stopped', 'Inactive', 'Frozen', 'Dormant'),
        's_synced': ('Secondary', 'Synced', 'Synchronized', 'Synchronized', 'Completed'),
        's_failed_over': ('Primary-Rev', 'Stopped', 'FailedOver', 'Broken', 'Completed'),
        's_recovered': ('Primary-Rev', 'Synced', 'Synchronized', 'Synchronized', 'Completed')}[name]
    return rcopy_plan.GroupState('rcg', True, role, status, copy_state, sync_state, progress, 'sync', '3PAR-B',
                                 (rcopy_plan.MemberPair('db01', 'db01_r'),), **kw)


@pytest.mark.parametrize('params,current,expected', [
    ({'target': '3PAR-B', 'members': [{'volume': 'db01', 'remote_volume': 'db01_r'}]}, rcopy_plan.GroupState('rcg'),
     ('primary', 'normal', 'started')),
    ({'target': '3PAR-B', 'members': [{'volume': 'db01'}], 'replication': 'stopped'}, rcopy_plan.GroupState('rcg'),
     ('primary', 'normal', 'stopped')),
    ({'replication': 'stopped'}, state_of('p_synced'), ('primary', 'normal', 'stopped')),
    ({}, state_of('p_stopped'), ('primary', 'normal', 'stopped')),
    ({'dr_state': 'failed_over'}, state_of('s_synced'), ('secondary', 'failed_over', None)),
    ({'dr_state': 'normal'}, state_of('s_failed_over'), ('secondary', 'normal', 'started')),
    ({'role': 'primary'}, state_of('s_synced'), ('primary', 'normal', 'started')),
    ({'dr_state': 'normal', 'role': 'primary'}, state_of('s_recovered'), ('primary', 'normal', 'started')),
    ({'state': 'absent'}, state_of('p_synced'), None),
])
def test_expected_state(params, current, expected):
    spec = rcopy_plan.GroupSpec.from_params(dict({'name': 'rcg'}, **params))
    assert rcopy_plan.plan_group(spec, current).expect == expected


def test_check_mode_prediction():
    spec = rcopy_plan.GroupSpec.from_params({'name': 'rcg', 'dr_state': 'failed_over'})
    current = state_of('s_synced')
    after = rcopy_plan.plan_group(spec, current).after
    assert (after['role'], after['status'], after['dr_state'], after['replication']) == ('Primary-Rev', 'Stopped', 'failed_over', 'stopped')
    spec = rcopy_plan.GroupSpec.from_params({'name': 'rcg', 'target': '3PAR-B', 'members': [{'volume': 'db02', 'remote_volume': 'db02_r'}]})
    plan = rcopy_plan.plan_group(spec, rcopy_plan.GroupState('rcg'))
    assert plan.before == {} and plan.after['members'] == [{'volume': 'db02', 'remote_volume': 'db02_r'}]
    assert plan.after['role'] == 'Primary'
    assert rcopy_plan.plan_group(rcopy_plan.GroupSpec('rcg', state='absent'), current).after == {}
    converged = rcopy_plan.plan_group(rcopy_plan.GroupSpec('rcg'), current)
    assert converged.actions == [] and converged.after == converged.before == rcopy_plan.group_diff_view(current)


CAPABILITIES = CIMInstanceName('TPD_ReplicationServiceCapabilities', {'InstanceID': 'caps'}, namespace=NS)


class CapabilitiesClient(Client):
    """A provider with (or, ``capabilities=False``, an older one without) TPD_ReplicationServiceCapabilities."""

    def __init__(self, *args, capabilities=True, **kwargs):
        super().__init__(*args, **kwargs)
        self.capabilities = capabilities

    def enumerate_names(self, classname, what):
        self.calls.append(('EnumerateInstanceNames', classname))
        if classname == 'TPD_ReplicationServiceCapabilities':
            if not self.capabilities:
                raise MethodFailed('read', what, 'CIM_ERR_INVALID_CLASS')
            return [CAPABILITIES]
        return [SERVICE]

    def invoke(self, method, target, params, verb, what):
        self.calls.append(('InvokeMethod', method, dict(params), target.classname))
        if method == 'GetSupportedOperations':
            return 0, {'SupportedOperations': list(self.supported)}
        return self.rc, ({'Job': JOB} if self.rc == 4096 else {})


@pytest.mark.parametrize('mode,replication_type', [(2, 4), (3, 5)])
def test_supported_operations_are_asked_of_the_capabilities_for_the_group_mode(mode, replication_type):
    """M311 p114: GetSupportedOperations(ReplicationType) is a method of ReplicationServiceCapabilities."""
    client = CapabilitiesClient(group_instance('p_synced', mode=mode))
    ex, actions = plan({'replication': 'stopped'}, client)
    ex.check_supported(actions, 'sync' if mode == 2 else 'periodic')
    ask = [c for c in client.calls if c[0] == 'InvokeMethod'][0]
    assert ask[1:] == ('GetSupportedOperations', {'ReplicationType': replication_type}, 'TPD_ReplicationServiceCapabilities')
    assert ex.warnings == []


def test_an_older_provider_without_capabilities_is_asked_on_the_service_with_one_warning():
    client = CapabilitiesClient(group_instance('p_synced'), capabilities=False)
    ex, actions = plan({'replication': 'stopped'}, client)
    ex.check_supported(actions)
    ask = [c for c in client.calls if c[0] == 'InvokeMethod'][0]
    assert ask[1:] == ('GetSupportedOperations', {}, SERVICE.classname)
    assert len(ex.warnings) == 1 and 'older provider' in ex.warnings[0]


class RefusingReplicaClient(Client):
    """CreateGroup succeeds, CreateGroupReplica is refused (say, a mistyped target): rc 5."""

    def invoke(self, method, target, params, verb, what):
        self.calls.append(('InvokeMethod', method, dict(params)))
        return (5 if method == 'CreateGroupReplica' else 0), {}


def test_a_refused_create_removes_the_volume_set_it_made():
    """Issue 10 item 4: a failed create leaves nothing that holds the member volumes."""
    client = RefusingReplicaClient(None, volumes=[volume_instance('db01', '1')])
    ex, actions = plan({'target': '3PAR-X', 'members': [{'volume': 'db01', 'remote_volume': 'db01_r'}]}, client)
    with pytest.raises(InvalidRequest) as caught:
        ex.run(actions)
    assert client.methods() == ['CreateGroup', 'CreateGroupReplica', 'DeleteGroup']
    delete = [c for c in client.calls if c[0] == 'InvokeMethod'][-1][2]
    assert delete['ReplicationGroup'].keybindings['InstanceID'] == 'HP_3PAR:rcg'
    assert 'removed again' in caught.value.details['cleanup']
    # The message names the real cause's candidates: the target and each pair with its size.
    assert 'with target 3PAR-X (pairs: db01 (1 MiB) -> db01_r)' in str(caught.value)
