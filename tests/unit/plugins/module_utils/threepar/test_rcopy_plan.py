# -*- coding: utf-8 -*-
# Copyright: smis.threepar contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Table-driven tests of the remote-copy planner and of the Table 107 rows (seed 004)."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import pytest

from ansible_collections.smis.threepar.plugins.module_utils.threepar import rcopy_plan
from ansible_collections.smis.threepar.plugins.module_utils.threepar.errors import InvalidRequest

M = rcopy_plan.MemberPair
PAIRS = (M('vol1', 'vol1_dr'), M('vol2', 'vol2_dr'))

# (role, status, CopyState, SyncState, ProgressStatus) of the states a group goes through.
STATES = {
    'p_synced': ('Primary', 'Synced', 'Synchronized', 'Synchronized', 'Completed'),
    'p_stopped': ('Primary', 'Stopped', 'Inactive', 'Frozen', 'Dormant'),
    's_synced': ('Secondary', 'Synced', 'Synchronized', 'Synchronized', 'Completed'),
    's_stopped': ('Secondary', 'Stopped', 'Inactive', 'Frozen', 'Dormant'),
    's_primary_down': ('Secondary', 'Stopped', 'Broken', 'Broken', 'Completed'),               # row 1
    's_failing_over': ('Primary-Rev', 'Stopped', 'FailedOver', 'Broken', 'Failing over'),     # row 2
    's_failed_over': ('Primary-Rev', 'Stopped', 'FailedOver', 'Broken', 'Completed'),         # row 3 (= row 8)
    's_failed_over_link_up': ('Primary-Rev', 'Stopped', 'Broken', 'Broken', 'Completed'),     # row 3b
    'p_failed_over': ('Secondary-Rev', 'Stopped', 'Broken', 'Broken', 'Completed'),           # row 4
    's_recovering': ('Primary-Rev', 'Syncing', 'Unsynchronized', 'RestoreInProgress', 'Restoring'),    # row 5
    'p_recovering': ('Secondary-Rev', 'Syncing', 'Unsynchronized', 'RestoreInProgress', 'Restoring'),  # row 6
    's_recovered': ('Primary-Rev', 'Synced', 'Synchronized', 'Synchronized', 'Completed'),    # rows 7, 13
    'p_recover_failed': ('Secondary-Rev', 'Stopped', 'FailedOver', 'Broken', 'Completed'),    # row 10
    'p_recovered': ('Secondary-Rev', 'Synced', 'Synchronized', 'Synchronized', 'Completed'),  # rows 9, 16
    's_failing_back': ('Primary-Rev', 'Synced', 'Synchronized', 'Synchronized', 'Failing Back'),    # row 11
    'p_failing_back': ('Secondary-Rev', 'Synced', 'Synchronized', 'Synchronized', 'Failing Back'),  # row 14
}


def group(state='p_synced', exists=True, mode='sync', members=PAIRS, **kw):
    if not exists:
        return rcopy_plan.GroupState('g1', exists=False, **kw)
    role, status, copy_state, sync_state, progress = STATES[state]
    return rcopy_plan.GroupState('g1', True, role, status, copy_state, sync_state, progress, mode, 'dr_array',
                                 tuple(members), **kw)


def want(**kw):
    params = {'name': 'g1', 'target': 'dr_array'}
    params.update(kw)
    return params


def ops(actions):
    return [(a.operation, a.target, a.method, a.code) for a in actions]


MRS = 'ModifyReplicaSynchronization'
STOP = ('stop', 'g1', MRS, 22)
START = ('start', 'g1', MRS, 16)
FAILOVER = ('failover', 'g1', MRS, 10)
RECOVER = ('recover', 'g1', MRS, 14)
RESTORE = ('restore', 'g1', MRS, 11)
REVERSE = ('reverse', 'g1', MRS, 20)
MEMBERS = [{'volume': 'vol1', 'remote_volume': 'vol1_dr'}, {'volume': 'vol2', 'remote_volume': 'vol2_dr'}]

PLANS = [
    # id, desired, current, expected actions
    ('create', want(members=MEMBERS), group(exists=False),
     [('create', 'g1', 'CreateGroup', None), ('create_replica', 'g1', 'CreateGroupReplica', None), START]),
    ('create stopped', want(members=MEMBERS, replication='stopped', mode='periodic'), group(exists=False),
     [('create', 'g1', 'CreateGroup', None), ('create_replica', 'g1', 'CreateGroupReplica', None), STOP]),
    ('delete running', want(state='absent'), group(), [STOP, ('delete', 'g1', 'DeleteGroup', None)]),
    ('delete stopped', want(state='absent'), group('p_stopped'), [('delete', 'g1', 'DeleteGroup', None)]),
    ('delete absent', want(state='absent'), group(exists=False), []),
    ('start', want(replication='started'), group('p_stopped'), [START]),
    ('stop', want(replication='stopped'), group(), [STOP]),
    ('add member to running group', want(members=MEMBERS + [{'volume': 'vol3', 'remote_volume': 'vol3_dr'}]), group(),
     [STOP, ('add_member', 'vol3', 'AddMembers', None), START]),
    ('add member to stopped group', want(members=MEMBERS + [{'volume': 'vol3', 'remote_volume': 'vol3_dr'}]),
     group('p_stopped'), [('add_member', 'vol3', 'AddMembers', None)]),
    ('unlisted member kept', want(members=MEMBERS[:1]), group(), []),
    ('purge unlisted member', want(members=MEMBERS[:1], purge_members=True), group(),
     [STOP, ('remove_member', 'vol2', 'RemoveMembers', None), START]),
    ('members from the peer point of view', want(members=[{'volume': 'vol1_dr', 'remote_volume': 'vol1'}],
                                                 purge_members=True), group(members=PAIRS[:1]), []),
    ('mode', want(mode='periodic'), group(), [STOP, ('set_mode', 'g1', MRS, 18), START]),
    ('mode sync, stop', want(mode='sync', replication='stopped'), group(mode='periodic'),
     [STOP, ('set_mode', 'g1', MRS, 17)]),
    ('reverse in normal operation', want(role='secondary'), group(), [STOP, REVERSE, START]),
    ('reverse stopped group', want(role='primary'), group('s_stopped'), [REVERSE]),
    # The DR path (Table 107), driven from the DR array (configured secondary).
    ('normal -> failed_over', want(dr_state='failed_over'), group('s_synced'), [STOP, FAILOVER]),
    ('normal -> failed_over, primary down', want(dr_state='failed_over'), group('s_primary_down', peer_reachable=False),
     [FAILOVER]),
    ('failed_over -> recovered', want(dr_state='recovered'), group('s_failed_over'), [RECOVER]),
    ('failed_over (link up) -> recovered', want(dr_state='recovered'), group('s_failed_over_link_up'), [RECOVER]),
    ('recovered -> normal', want(dr_state='normal'), group('s_recovered'), [RESTORE]),
    ('failed_over -> normal', want(dr_state='normal'), group('s_failed_over'), [RECOVER, RESTORE]),
    ('normal -> recovered', want(dr_state='recovered'), group('s_synced'), [STOP, FAILOVER, RECOVER]),
    ('recovered -> normal, roles swapped for good', want(dr_state='normal', role='primary'), group('s_recovered'),
     [REVERSE]),
    ('failed_over -> normal, roles swapped for good', want(dr_state='normal', role='primary'), group('s_failed_over'),
     [RECOVER, REVERSE]),
    ('retry a failed recover with force', want(dr_state='recovered', force=True),
     group('s_failed_over', recover_failed=True), [RECOVER]),
    # Converged: no actions.
    ('idempotent normal primary', want(members=MEMBERS, mode='sync', replication='started', dr_state='normal',
                                       role='primary', purge_members=True), group(), []),
    ('idempotent normal secondary', want(dr_state='normal', role='secondary'), group('s_synced'), []),
    ('idempotent stopped', want(replication='stopped'), group('p_stopped'), []),
    ('idempotent failed_over', want(dr_state='failed_over', role='secondary'), group('s_failed_over'), []),
    ('idempotent failed_over, primary down', want(dr_state='failed_over'),
     group('s_failed_over', peer_reachable=False), []),
    ('idempotent recovered', want(dr_state='recovered', replication='started'), group('s_recovered'), []),
    ('original primary sees failed_over', want(dr_state='failed_over'), group('p_failed_over'), []),
    ('original primary sees recovered', want(dr_state='recovered'), group('p_recovered'), []),
    ('original primary after a failed recover', want(dr_state='failed_over'), group('p_recover_failed'), []),
]


@pytest.mark.parametrize('desired, current, expected', [p[1:] for p in PLANS], ids=[p[0] for p in PLANS])
def test_plan(desired, current, expected):
    assert ops(rcopy_plan.plan_group(desired, current).actions) == expected


def test_check_mode_plan_is_the_whole_path():
    """failed_over -> normal returns both steps at once, with the CLI an operator would type."""
    actions = rcopy_plan.plan_group(want(dr_state='normal'), group('s_failed_over')).actions
    assert [a.cli for a in actions] == ['setrcopygroup recover g1', 'setrcopygroup restore g1']
    assert all(set(a.as_result()) >= {'operation', 'target', 'method', 'cli', 'operation_code'} for a in actions)


def test_cli_lines():
    actions = rcopy_plan.plan_group(want(members=MEMBERS, mode='periodic'), group(exists=False)).actions
    assert actions[0].cli == 'creatercopygroup g1 dr_array:periodic'
    assert actions[1].cli == 'admitrcopyvv vol1 g1 dr_array:vol1_dr; admitrcopyvv vol2 g1 dr_array:vol2_dr'
    assert actions[1].args['members'] == MEMBERS
    assert actions[2].cli == 'startrcopygroup g1'
    actions = rcopy_plan.plan_group(want(members=MEMBERS[:1], purge_members=True, mode='periodic'), group('p_stopped')).actions
    assert [a.cli for a in actions] == ['setrcopygroup mode periodic dr_array g1', 'dismissrcopyvv vol2 g1']
    actions = rcopy_plan.plan_group(want(state='absent'), group('p_stopped')).actions
    assert actions[0].cli == 'removercopygroup g1'


def test_backup_group_is_not_started():
    current = group('s_synced')
    current.status = 'Backup'
    assert rcopy_plan.plan_group(want(dr_state='normal'), current).actions == []
    with pytest.raises(rcopy_plan.RcopyRequestError, match='SLD backup link'):
        rcopy_plan.plan_group(want(replication='started'), current)


ERRORS = [
    ('failover when already primary', want(dr_state='failed_over'), group(), rcopy_plan.RcopyWrongArray,
     'already Primary on this array.*run the task against dr_array'),
    ('normal from the original primary while failed over', want(dr_state='normal'), group('p_failed_over'),
     rcopy_plan.RcopyWrongArray, 'driven from the DR array'),
    ('recovered from the original primary', want(dr_state='recovered'), group('p_failed_over'), rcopy_plan.RcopyWrongArray,
     'Secondary-Rev/Stopped'),
    ('members changed while failed over', want(members=MEMBERS + [{'volume': 'vol3', 'remote_volume': 'x'}]),
     group('s_failed_over'), rcopy_plan.RcopyRequestError, 'failed over.*add vol3.*finish the DR cycle'),
    ('members changed with a failover', want(dr_state='failed_over', purge_members=True, members=MEMBERS[:1]),
     group('s_synced'), rcopy_plan.RcopyRequestError, 'asked to go to failed over.*remove vol2'),
    ('mode changed while recovered', want(mode='periodic'), group('s_recovered'), rcopy_plan.RcopyRequestError,
     'recovered.*mode periodic'),
    ('members changed on the secondary', want(members=MEMBERS + [{'volume': 'vol3', 'remote_volume': 'x'}]),
     group('s_synced'), rcopy_plan.RcopyWrongArray, 'against the primary array dr_array'),
    ('members changed, peer down', want(members=MEMBERS + [{'volume': 'vol3', 'remote_volume': 'x'}]),
     group(peer_reachable=False), rcopy_plan.RcopyPeerUnreachable, 'cannot be reached'),
    ('re-pair in place', want(members=[{'volume': 'vol1', 'remote_volume': 'other'}]), group(), rcopy_plan.RcopyRequestError,
     'vol1 is paired with vol1_dr'),
    ('duplicate volume', want(members=[{'volume': 'v', 'remote_volume': 'a'}, {'volume': 'v', 'remote_volume': 'b'}]),
     group(), rcopy_plan.RcopyRequestError, 'listed twice'),
    ('recover after a failed recover', want(dr_state='recovered'), group('s_failed_over', recover_failed=True),
     rcopy_plan.RcopyRecoverFailed, 'failed recover.*showrcopy links.*force: true'),
    ('normal after a failed recover', want(dr_state='normal'), group('s_failed_over', recover_failed=True),
     rcopy_plan.RcopyRecoverFailed, 'Table 107 row 8'),
    ('recover with the original primary down', want(dr_state='recovered'),
     group('s_failed_over', peer_reachable=False), rcopy_plan.RcopyPeerUnreachable, 'original primary array dr_array'),
    ('restore with the original primary down', want(dr_state='normal'), group('s_recovered', peer_reachable=False),
     rcopy_plan.RcopyPeerUnreachable, 'restore'),
    ('recovered -> failed_over', want(dr_state='failed_over'), group('s_recovered'), rcopy_plan.RcopyRequestError,
     'not a step of the DR path'),
    ('replication started while failed over', want(replication='started'), group('s_failed_over'),
     rcopy_plan.RcopyRequestError, 'contradicts dr_state failed_over'),
    ('replication stopped with recovered', want(replication='stopped', dr_state='recovered'), group('s_failed_over'),
     rcopy_plan.RcopyRequestError, 'contradicts'),
    ('role change while failing over', want(role='primary', dr_state='failed_over'), group('s_synced'),
     rcopy_plan.RcopyRequestError, 'permanent role change'),
    ('reverse with the peer down', want(role='secondary'), group(peer_reachable=False), rcopy_plan.RcopyPeerUnreachable,
     'Roles are reversed on both arrays'),
    ('start with the peer down', want(replication='started'), group('p_stopped', peer_reachable=False),
     rcopy_plan.RcopyPeerUnreachable, 'Replication needs the peer'),
    ('failing over', want(dr_state='failed_over'), group('s_failing_over'), rcopy_plan.RcopyBusy, 'failing over'),
    ('recovering', want(dr_state='normal'), group('s_recovering'), rcopy_plan.RcopyBusy, 'recovering.*Wait'),
    ('failing back', want(dr_state='normal'), group('s_failing_back'), rcopy_plan.RcopyBusy, 'failing back'),
    ('failing back seen on the primary', want(dr_state='normal'), group('p_failing_back'), rcopy_plan.RcopyBusy, 'failing back'),
    ('recovering seen on the primary', want(), group('p_recovering'), rcopy_plan.RcopyBusy, 'recovering'),
    ('other target', want(target='elsewhere'), group(), rcopy_plan.RcopyRequestError, 'its target is dr_array'),
    ('create as secondary', want(members=MEMBERS, role='secondary'), group(exists=False), rcopy_plan.RcopyRequestError,
     'starts as primary'),
    ('create without members', want(), group(exists=False), rcopy_plan.RcopyRequestError, 'at least one member'),
    ('create with the peer down', want(members=MEMBERS), group(exists=False, peer_reachable=False),
     rcopy_plan.RcopyPeerUnreachable, 'retry when dr_array answers'),
    ('bad choice', want(dr_state='failed-over'), group(), rcopy_plan.RcopyRequestError, 'dr_state must be one of'),
]


@pytest.mark.parametrize('desired, current, error, match', [e[1:] for e in ERRORS], ids=[e[0] for e in ERRORS])
def test_refused(desired, current, error, match):
    with pytest.raises(error, match=match) as info:
        rcopy_plan.plan_group(desired, current).actions
    assert isinstance(info.value, InvalidRequest)
    assert info.value.message.startswith('Failed to ')


def test_unknown_state():
    current = group('s_synced')
    current.role = 'Primary-Rev'
    current.status = 'Backup'
    with pytest.raises(rcopy_plan.RcopyUnknownState, match='role Primary-Rev with status Backup'):
        rcopy_plan.plan_group(want(), current).actions


# ---------------------------------------------------------------- the state table

MEANINGS = [
    ('p_synced', 'primary', 'normal'), ('p_stopped', 'primary', 'normal'), ('s_synced', 'secondary', 'normal'),
    ('s_primary_down', 'secondary', 'normal'), ('s_failing_over', 'secondary', 'failing_over'),
    ('s_failed_over', 'secondary', 'failed_over'), ('s_failed_over_link_up', 'secondary', 'failed_over'),
    ('p_failed_over', 'primary', 'failed_over'), ('s_recovering', 'secondary', 'recovering'),
    ('p_recovering', 'primary', 'recovering'), ('s_recovered', 'secondary', 'recovered'),
    ('p_recover_failed', 'primary', 'failed_over'), ('p_recovered', 'primary', 'recovered'),
    ('s_failing_back', 'secondary', 'failing_back'), ('p_failing_back', 'primary', 'failing_back'),
]


@pytest.mark.parametrize('state, side, dr_state', MEANINGS)
def test_meaning(state, side, dr_state):
    current = group(state)
    assert (current.side, current.dr_state) == (side, dr_state)


def test_failed_recover_hint():
    assert group('s_failed_over').looks_like_failed_recover()
    assert not group('s_failed_over', peer_reachable=False).looks_like_failed_recover()
    assert not group('s_failed_over_link_up').looks_like_failed_recover()


def test_as_dict():
    data = group('s_recovered').as_dict()
    assert data['dr_state'] == 'recovered' and data['side'] == 'secondary'
    assert data['members'][0] == {'volume': 'vol1', 'remote_volume': 'vol1_dr'}


# ---------------------------------------------------------------- Table 107 rows

def observed(state):
    role, status, copy_state, sync_state, progress = STATES[state]
    return {'role': role, 'status': status, 'copy_state': copy_state, 'sync_state': sync_state,
            'progress_status': progress}


# side, target dr_state, replication, observed state, outcome (ok / pending / failed / off), row
ROW_CHECKS = [
    ('primary', 'normal', 'started', 'p_synced', 'ok', '106-synced'),
    ('secondary', 'normal', 'started', 's_synced', 'ok', '106-synced'),
    ('primary', 'normal', 'stopped', 'p_stopped', 'ok', '106-stopped'),
    ('secondary', 'normal', 'stopped', 's_stopped', 'ok', '106-stopped'),
    ('secondary', 'failed_over', None, 's_primary_down', 'failed', '1'),
    ('secondary', 'failed_over', None, 's_failing_over', 'pending', '2'),
    ('secondary', 'failed_over', None, 's_failed_over', 'ok', '3'),
    ('secondary', 'failed_over', None, 's_failed_over_link_up', 'ok', '3b'),
    ('primary', 'failed_over', None, 'p_failed_over', 'ok', '4'),
    ('primary', 'failed_over', None, 'p_recover_failed', 'ok', '10'),
    ('secondary', 'recovered', None, 's_recovering', 'pending', '5'),
    ('primary', 'recovered', None, 'p_recovering', 'pending', '6'),
    ('secondary', 'recovered', None, 's_recovered', 'ok', '7'),
    ('secondary', 'recovered', None, 's_failed_over', 'failed', '8'),
    ('primary', 'recovered', None, 'p_recovered', 'ok', '9'),
    ('primary', 'recovered', None, 'p_recover_failed', 'failed', '10'),
    ('secondary', 'normal', 'started', 's_failing_back', 'pending', '11'),
    ('secondary', 'normal', None, 's_synced', 'ok', '106-synced'),
    ('secondary', 'normal', 'started', 's_recovered', 'failed', '13'),
    ('primary', 'normal', 'started', 'p_failing_back', 'pending', '14'),
    ('primary', 'normal', 'started', 'p_recovered', 'failed', '16'),
    ('primary', 'normal', 'started', 's_synced', 'off', None),
    ('secondary', 'recovered', None, 's_synced', 'off', None),
    ('secondary', 'normal', 'stopped', 's_synced', 'off', None),
]


@pytest.mark.parametrize('side, dr_state, replication, state, outcome, ref', ROW_CHECKS)
def test_check_row(side, dr_state, replication, state, outcome, ref):
    check = rcopy_plan.check_row(side, dr_state, observed(state), replication=replication)
    got = 'ok' if check.ok else 'pending' if check.pending else 'failed' if check.failed else 'off'
    assert (got, check.row.ref if check.row else None) == (outcome, ref)
    assert check.expected and check.message
    if outcome == 'off':
        assert 'expected' in check.message
    assert check.as_dict()['ok'] is check.ok


def test_check_row_accepts_a_group_state_and_loose_names():
    current = group('s_failed_over')
    current.copy_state = 'Failedover'   # the design brief's spelling of DMTF CopyState 10
    assert rcopy_plan.check_row('secondary', 'failed_over', current).ok
    current.progress_status = 'Failing over'
    assert rcopy_plan.check_row('secondary', 'failed_over', current).pending


def test_every_row_of_table_107_is_expected_somewhere():
    used = set()
    for refs in rcopy_plan.EXPECTED.values():
        for kind in ('done', 'pending', 'failed'):
            used.update(refs[kind])
    assert used >= set(r.ref for r in rcopy_plan.TABLE_107)
    assert len([r for r in rcopy_plan.TABLE_107 if not r.ref.startswith('106')]) == 17  # rows 1-16 and 3b
