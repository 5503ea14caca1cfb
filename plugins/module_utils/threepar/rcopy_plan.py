# -*- coding: utf-8 -*-
# Copyright: smis.threepar contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Remote-copy groups: desired state + current state -> a Plan (actions, before, after). Pure: no I/O, no clock.

The meaning of a group's state comes from the HP 3PAR CIM API reference (InForm OS 3.1.1, Table 106
for normal operation, Table 107 for disaster recovery; seed 004). Two tables below hold all of it:

``STATE_MEANING``  (role, status[, ProgressStatus]) on the array the module talks to
                   -> (side, dr_state): which side of the group this array is configured as
                   ('primary' or 'secondary') and where the group is on the DR path.
``TABLE_107``      the rows of the reference (plus the two rows of Table 106 for a group in normal
                   operation): what an array reports after each DR operation, the failure rows included.
                   ``check_row`` compares what was read after an operation with them (module wait, drill
                   validation).

The DR path (design section 6) is always driven from the DR array, the group's configured secondary:

    normal --failover (10)--> failed_over --recover (14)--> recovered --restore (11)--> normal
    recovered --reverse (20)--> normal with the roles swapped for good (role: primary on the DR array)

Every action is an action.Action: ``operation`` (readable name), ``target`` (group or volume), ``method`` (CIM
method of TPD_ReplicationService), ``cli`` (what an operator would type on the array), ``code``
(ModifyReplicaSynchronization Operation, None for the other methods) and ``args`` (what the executor needs
besides the group).

Members: a pair is ``volume`` (on the array the module talks to) and ``remote_volume`` (on the target
array, None when nobody named it). The inventory orients each TPD_RemoteStorageSynchronized by which end is a
volume of this array's group, never by SystemElement/SyncedElement: those swap when the roles reverse.
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

from dataclasses import dataclass, field

from ansible_collections.smis.threepar.plugins.module_utils.threepar import model
from ansible_collections.smis.threepar.plugins.module_utils.threepar.action import Action, Plan
from ansible_collections.smis.threepar.plugins.module_utils.threepar.errors import (
    RcopyBusy, RcopyPeerUnreachable, RcopyRecoverFailed, RcopyRequestError, RcopyUnknownState, RcopyWrongArray)

# The group operations: readable name -> (method, Operation, CLI template).
OPERATIONS = {
    'create': (model.RS_CREATE_GROUP, None, 'creatercopygroup {group} {target}:{mode}'),
    'create_replica': (model.RS_CREATE_GROUP_REPLICA, None, '{admit}'),
    'delete': (model.RS_DELETE_GROUP, None, 'removercopygroup {group}'),
    'add_member': (model.RS_ADD_MEMBERS, None, 'admitrcopyvv {volume} {group} {target}:{remote_volume}'),
    'remove_member': (model.RS_REMOVE_MEMBERS, None, 'dismissrcopyvv {volume} {group}'),
    'start': (model.RS_MODIFY, model.RS_OP_RESUME, 'startrcopygroup {group}'),
    'stop': (model.RS_MODIFY, model.RS_OP_SUSPEND, 'stoprcopygroup {group}'),
    'set_mode': (model.RS_MODIFY, None, 'setrcopygroup mode {mode} {target} {group}'),
    'failover': (model.RS_MODIFY, model.RS_OP_FAILOVER, 'setrcopygroup failover {group}'),
    'recover': (model.RS_MODIFY, model.RS_OP_RESYNC_REPLICA, 'setrcopygroup recover {group}'),
    'restore': (model.RS_MODIFY, model.RS_OP_FAILBACK, 'setrcopygroup restore {group}'),
    'reverse': (model.RS_MODIFY, model.RS_OP_REVERSE_ROLES, 'setrcopygroup reverse {group}'),
}

# Mode change: periodic is 3PAR's asynchronous mode.
MODE_OPERATIONS = {'sync': model.RS_OP_RESET_TO_SYNC, 'periodic': model.RS_OP_RESET_TO_ASYNC}

# ----------------------------------------------------------------------------- vocabulary

SIDES = ('primary', 'secondary')
DR_STATES = ('normal', 'failed_over', 'recovered')
# dr_state values the array can be in but a user cannot ask for: an operation is under way.
TRANSIENT_DR_STATES = ('failing_over', 'recovering', 'failing_back')
MODES = ('sync', 'periodic')
# Group statuses of a group whose replication runs (Table 106 SyncStatus names). 'New' is a group never started
# (Table 106: Initialized / ResyncInProgress / Requires Activate): it waits for startrcopygroup.
RUNNING_STATUSES = ('Synced', 'Syncing', 'NotSynced', 'Stale')

# The one table of what a state means. (role, status, ProgressStatus or None for any) -> (side, dr_state).
# side: the group's configured role on this array; dr_state: where the group stands on the DR path.
_ANY = None
STATE_MEANING = {
    ('Primary', 'Synced', _ANY): ('primary', 'normal'),
    ('Primary', 'Syncing', _ANY): ('primary', 'normal'),
    ('Primary', 'New', _ANY): ('primary', 'normal'),
    ('Primary', 'NotSynced', _ANY): ('primary', 'normal'),
    ('Primary', 'Stale', _ANY): ('primary', 'normal'),
    ('Primary', 'Stopped', _ANY): ('primary', 'normal'),
    ('Secondary', 'Synced', _ANY): ('secondary', 'normal'),
    ('Secondary', 'Syncing', _ANY): ('secondary', 'normal'),
    ('Secondary', 'New', _ANY): ('secondary', 'normal'),
    ('Secondary', 'NotSynced', _ANY): ('secondary', 'normal'),
    ('Secondary', 'Stale', _ANY): ('secondary', 'normal'),
    # Table 107 row 1: the primary went down (or the link); the group is not failed over yet.
    ('Secondary', 'Stopped', _ANY): ('secondary', 'normal'),
    # SLD backup link between the two secondaries: inactive until a disaster.
    ('Secondary', 'Backup', _ANY): ('secondary', 'normal'),
    ('Primary-Rev', 'Stopped', 'Failing over'): ('secondary', 'failing_over'),
    ('Primary-Rev', 'Stopped', _ANY): ('secondary', 'failed_over'),
    ('Primary-Rev', 'Syncing', _ANY): ('secondary', 'recovering'),
    ('Primary-Rev', 'Synced', 'Failing back'): ('secondary', 'failing_back'),
    ('Primary-Rev', 'Synced', _ANY): ('secondary', 'recovered'),
    ('Secondary-Rev', 'Stopped', _ANY): ('primary', 'failed_over'),
    ('Secondary-Rev', 'Syncing', _ANY): ('primary', 'recovering'),
    ('Secondary-Rev', 'Synced', 'Failing back'): ('primary', 'failing_back'),
    ('Secondary-Rev', 'Synced', _ANY): ('primary', 'recovered'),
}


# What showrcopy prints as the group's Role, from what SMI-S serves (M311 p124, M312 p131): whether this array's
# group is the natural source (the SystemElement of TPD_RemoteGroupSynchronized, which stays so through a failover)
# and the vendor boolean RoleReversed. (natural source, reversed) -> Role.
ROLE_FROM_CIM = {(True, False): 'Primary', (False, False): 'Secondary',
                 (True, True): 'Secondary-Rev', (False, True): 'Primary-Rev'}


def role_from_cim(natural_source, role_reversed):
    return ROLE_FROM_CIM[(bool(natural_source), bool(role_reversed))]


def status_from_cim(copy_state, sync_state, progress_status, sync_maintained=None):
    """The Status showrcopy prints (Synced, Syncing, Stopped, New), from the decoded CIM states of the group's
    synchronization: the Role/Status column of Tables 106 and 107 against their CopyState/SyncState/ProgressStatus
    columns. Mixed (members differ) follows SyncMaintained, TRUE only while the group is started (M311 Table 110)."""
    copy, sync, progress = norm(copy_state), norm(sync_state), norm(progress_status)
    if copy == 'initialized' and progress == 'requiresactivate':
        return 'New'
    if copy == 'synchronized':
        return 'Synced'
    if copy in ('unsynchronized', 'initialized') or sync in ('resyncinprogress', 'restoreinprogress'):
        return 'Syncing'
    if copy == 'mixed':
        return 'Syncing' if sync_maintained else 'Stopped'
    return 'Stopped'     # Broken, Inactive, Suspended, FailedOver, Skewed


def norm(name):
    """Compare state names loosely: 'FailedOver' == 'Failedover', 'Failing Back' == 'failing back'."""
    if name is None:
        return None
    return ''.join(ch for ch in str(name).lower() if ch.isalnum())


def _meaning_key(role, status, progress):
    return norm(role), norm(status), norm(progress)


_MEANING = dict((_meaning_key(*k), v) for k, v in STATE_MEANING.items())


def meaning(role, status, progress_status=None):
    """(side, dr_state) of a group state read on one array; None when the reference has no such state."""
    return _MEANING.get(_meaning_key(role, status, progress_status)) or _MEANING.get(_meaning_key(role, status, None))


# ----------------------------------------------------------------------------- Table 107

@dataclass(frozen=True)
class Row:
    """One row of the reference. A None state is not constrained."""
    ref: str
    side: str
    role: str
    status: str
    copy_state: object
    sync_state: object
    progress_status: object
    event: str

    def matches(self, observed):
        for attr in ('role', 'status', 'copy_state', 'sync_state', 'progress_status'):
            want = getattr(self, attr)
            if want is not None and norm(want) != norm(_get(observed, attr)):
                return False
        return True

    def as_dict(self):
        return {'ref': self.ref, 'side': self.side, 'role': self.role, 'status': self.status,
                'copy_state': self.copy_state, 'sync_state': self.sync_state,
                'progress_status': self.progress_status, 'event': self.event}


P, S = 'primary', 'secondary'
# Table 107 (seed 004 and the page before it), columns read in the order the manual prints them:
# ProgressStatus, SyncState, CopyState, Role/Status. Row numbers follow the manual. Rows 106-* are
# Table 106 (normal operation, 'Synced' and 'Stopped'); 3b is the row the manual prints garbled
# after row 3, read with the paragraph above the table (CopyState shows FailedOver only while the role
# is reversed and the link to the original primary is down).
TABLE_107 = (
    Row('106-synced', P, 'Primary', 'Synced', 'Synchronized', 'Synchronized', 'Completed', 'normal operation'),
    Row('106-synced', S, 'Secondary', 'Synced', 'Synchronized', 'Synchronized', 'Completed', 'normal operation'),
    Row('106-stopped', P, 'Primary', 'Stopped', 'Inactive', 'Frozen', 'Dormant', 'replication stopped'),
    Row('106-stopped', S, 'Secondary', 'Stopped', 'Inactive', 'Frozen', 'Dormant', 'replication stopped'),
    Row('106-new', P, 'Primary', 'New', 'Initialized', 'ResyncInProgress', 'Requires Activate', 'made, never started'),
    Row('106-new', S, 'Secondary', 'New', 'Initialized', 'ResyncInProgress', 'Requires Activate', 'made, never started'),
    Row('1', S, 'Secondary', 'Stopped', 'Broken', 'Broken', 'Completed', 'the primary array went down'),
    Row('2', S, 'Primary-Rev', 'Stopped', 'FailedOver', 'Broken', 'Failing over', 'failover issued on the secondary'),
    Row('3', S, 'Primary-Rev', 'Stopped', 'FailedOver', 'Broken', 'Completed', 'failover done'),
    Row('3b', S, 'Primary-Rev', 'Stopped', 'Broken', 'Broken', 'Completed', 'failover done, primary back up'),
    Row('4', P, 'Secondary-Rev', 'Stopped', 'Broken', 'Broken', 'Completed', 'primary brought back up after a failover'),
    Row('5', S, 'Primary-Rev', 'Syncing', 'Unsynchronized', 'RestoreInProgress', 'Restoring', 'recover issued'),
    Row('6', P, 'Secondary-Rev', 'Syncing', 'Unsynchronized', 'RestoreInProgress', 'Restoring', 'recover issued'),
    Row('7', S, 'Primary-Rev', 'Synced', 'Synchronized', 'Synchronized', 'Completed', 'recover done'),
    Row('8', S, 'Primary-Rev', 'Stopped', 'FailedOver', 'Broken', 'Completed', 'recover failed'),
    Row('9', P, 'Secondary-Rev', 'Synced', 'Synchronized', 'Synchronized', 'Completed', 'recover done'),
    Row('10', P, 'Secondary-Rev', 'Stopped', 'FailedOver', 'Broken', 'Completed', 'recover failed'),
    Row('11', S, 'Primary-Rev', 'Synced', 'Synchronized', 'Synchronized', 'Failing back', 'restore issued'),
    Row('12', S, 'Secondary', 'Synced', 'Synchronized', 'Synchronized', 'Completed', 'restore done'),
    Row('13', S, 'Primary-Rev', 'Synced', 'Synchronized', 'Synchronized', 'Completed', 'restore failed'),
    Row('14', P, 'Secondary-Rev', 'Synced', 'Synchronized', 'Synchronized', 'Failing back', 'restore issued'),
    Row('15', P, 'Primary', 'Synced', 'Synchronized', 'Synchronized', 'Completed', 'restore done'),
    Row('16', P, 'Secondary-Rev', 'Synced', 'Synchronized', 'Synchronized', 'Completed', 'restore failed'),
)
ROWS = dict(((r.ref, r.side), r) for r in TABLE_107)

# What each side should report once the group reached a dr_state, and the rows that mean "still
# under way" or "the operation that leads there failed". (side, dr_state, replication) -> refs.
EXPECTED = {
    (P, 'normal', 'started'): {'done': ('106-synced', '15'), 'pending': ('14',), 'failed': ('16',)},
    (S, 'normal', 'started'): {'done': ('106-synced', '12'), 'pending': ('11',), 'failed': ('13',)},
    (P, 'normal', 'stopped'): {'done': ('106-stopped', '106-new'), 'pending': (), 'failed': ()},
    (S, 'normal', 'stopped'): {'done': ('106-stopped', '106-new'), 'pending': (), 'failed': ()},
    (P, 'failed_over', None): {'done': ('4', '10'), 'pending': (), 'failed': ()},
    (S, 'failed_over', None): {'done': ('3', '3b'), 'pending': ('2',), 'failed': ('1',)},
    (P, 'recovered', None): {'done': ('9',), 'pending': ('6',), 'failed': ('10',)},
    (S, 'recovered', None): {'done': ('7',), 'pending': ('5',), 'failed': ('8',)},
}


@dataclass
class RowCheck:
    """The outcome of ``check_row``: ``ok`` (a done row), ``pending`` (still under way), ``failed``
    (a failure row of the operation), else the state is not on the path at all. ``row`` is the row
    that matched (None if none did)."""
    ok: bool
    pending: bool
    failed: bool
    row: object
    expected: list
    message: str

    def as_dict(self):
        return {'ok': self.ok, 'pending': self.pending, 'failed': self.failed,
                'row': self.row.ref if self.row else None, 'event': self.row.event if self.row else None,
                'expected': [r.as_dict() for r in self.expected], 'message': self.message}


def side_of(role):
    """The configured side of a group from its current role on one array (None for an unknown role)."""
    return {'primary': P, 'secondaryrev': P, 'secondary': S, 'primaryrev': S}.get(norm(role))


def _expected(side, dr_state, replication):
    if side not in SIDES or dr_state not in DR_STATES:
        raise ValueError('side must be one of %s and dr_state one of %s' % (SIDES, DR_STATES))
    key = (side, dr_state, (replication or 'started') if dr_state == 'normal' else None)
    return EXPECTED[key]


def check_row(side, dr_state, observed, replication='started'):
    """Does what was read on one array after an operation match Table 107's row for ``dr_state``?

    ``observed``: a GroupState or a dict with role, status, copy_state, sync_state, progress_status
    (decoded names). The failure rows are checked before the done rows: after a restore, the failure
    row is the recovered state itself, so call this once the job has ended."""
    refs = _expected(side, dr_state, replication)
    expected = [ROWS[(ref, side)] for ref in refs['done']]
    seen = '%s/%s, CopyState %s, SyncState %s, ProgressStatus %s' % tuple(
        _get(observed, a) for a in ('role', 'status', 'copy_state', 'sync_state', 'progress_status'))
    for kind in ('done', 'pending', 'failed'):
        for ref in refs[kind]:
            row = ROWS[(ref, side)]
            if row.matches(observed):
                what = {'done': 'matches', 'pending': 'is still under way:', 'failed': 'shows a failure:'}[kind]
                return RowCheck(kind == 'done', kind == 'pending', kind == 'failed', row, expected,
                                '%s %s Table 107 row %s (%s)' % (seen, what, row.ref, row.event))
    return RowCheck(False, False, False, None, expected,
                    '%s is not a Table 107 state of the %s array in %s; expected %s' % (
                        seen, side, dr_state, ' or '.join('%s/%s %s/%s/%s' % (
                            r.role, r.status, r.copy_state, r.sync_state, r.progress_status) for r in expected)))


def _get(obj, attr):
    if isinstance(obj, dict):
        return obj.get(attr)
    return getattr(obj, attr, None)


# ----------------------------------------------------------------------------- state

@dataclass(frozen=True)
class MemberPair:
    """``volume`` on the array the module talks to, ``remote_volume`` on the target array."""
    volume: str
    remote_volume: str


@dataclass
class GroupState:
    """A remote-copy group as read from the array the module talks to (decoded names)."""
    name: str
    exists: bool = False
    role: object = None            # Primary, Secondary, Primary-Rev, Secondary-Rev
    status: object = None          # Synced, Syncing, Stopped, Backup, ...
    copy_state: object = None      # e.g. Synchronized, FailedOver, Broken
    sync_state: object = None      # e.g. Synchronized, Broken, RestoreInProgress
    progress_status: object = None  # e.g. Completed, Failing over, Failing back, Restoring
    mode: object = None            # sync | periodic
    target: object = None          # the peer array's name
    members: tuple = ()            # MemberPair: volume on this array, whatever the direction
    peer_reachable: bool = True
    recover_failed: bool = False   # the last recover (Resync Replica job) on this group ended in error

    @property
    def side(self):
        found = meaning(self.role, self.status, self.progress_status)
        return found[0] if found else side_of(self.role)

    @property
    def dr_state(self):
        found = meaning(self.role, self.status, self.progress_status)
        return found[1] if found else None

    @property
    def running(self):
        return self.status in RUNNING_STATUSES

    def looks_like_failed_recover(self):
        """Table 107 rows 8/10 (recover failed) read exactly like row 3 (failover done): Stopped, CopyState
        FailedOver, SyncState Broken; SMI-S has no property for a failed recover. The manual's note tells them apart
        only by the link: after a plain failover CopyState reads FailedOver while the original primary is unreachable
        and Broken once it is back (rows 3b, 4). So FailedOver with the peer reachable is a failed recover; the
        inventory sets ``recover_failed`` from this."""
        return (self.dr_state == 'failed_over' and self.peer_reachable
                and norm(self.copy_state) == 'failedover' and norm(self.sync_state) == 'broken')

    def as_dict(self):
        return {'name': self.name, 'exists': self.exists, 'role': self.role, 'status': self.status,
                'copy_state': self.copy_state, 'sync_state': self.sync_state,
                'progress_status': self.progress_status, 'mode': self.mode, 'target': self.target,
                'members': [{'volume': member.volume, 'remote_volume': member.remote_volume} for member in self.members],
                'side': self.side if self.exists else None, 'dr_state': self.dr_state if self.exists else None,
                'peer_reachable': self.peer_reachable, 'recover_failed': self.recover_failed}


# ----------------------------------------------------------------------------- planning

@dataclass
class GroupSpec:
    """The threepar_rcopy_group parameters (design section 6). None: leave as it is."""
    name: str
    state: str = 'present'
    target: object = None
    mode: object = None
    members: object = None         # list of MemberPair or of {volume, remote_volume}
    purge_members: bool = False
    replication: object = None     # started | stopped
    dr_state: object = None        # normal | failed_over | recovered
    role: object = None            # primary | secondary
    force: bool = False            # retry a recover that failed before

    @classmethod
    def from_params(cls, params):
        members = params.get('members')
        if members is not None:
            members = [member if isinstance(member, MemberPair) else MemberPair(member['volume'], member.get('remote_volume') or member['volume'])
                       for member in members]
        return cls(name=params['name'], state=params.get('state') or 'present', target=params.get('target'),
                   mode=params.get('mode'), members=members, purge_members=bool(params.get('purge_members')),
                   replication=params.get('replication'), dr_state=params.get('dr_state'),
                   role=params.get('role'), force=bool(params.get('force')))


@dataclass
class _Plan:
    spec: GroupSpec
    current: GroupState
    actions: list = field(default_factory=list)

    def add(self, operation, target=None, **params):
        method, code, cli = OPERATIONS[operation]
        if operation == 'set_mode':
            code = MODE_OPERATIONS[params['mode']]
        fields = dict(group=self.spec.name, target=self.spec.target or self.current.target or '<target>',
                      mode=self.spec.mode or self.current.mode or 'sync')
        fields.update(params)
        if operation == 'create_replica':
            fields['admit'] = '; '.join(OPERATIONS['add_member'][2].format(**dict(fields, **member))
                                        for member in params['members'])
        self.actions.append(Action(operation, target or self.spec.name, method, params, cli=cli.format(**fields), code=code))


def plan_group(spec, current):
    """The Plan that takes the group from ``current`` (GroupState) to ``spec`` (GroupSpec or the module's params
    dict): its actions, the group before and after them (group_diff_view) and, as ``expect``, the (side, dr_state,
    replication) whose Table 107 row the run then waits for (None: nothing to check). Raises an RcopyRequestError,
    before anything is invoked, when that cannot be done from this array."""
    if isinstance(spec, dict):
        spec = GroupSpec.from_params(spec)
    actions = _actions(spec, current)
    expect = expected_state(spec, current, actions)
    before = group_diff_view(current)
    return Plan(actions, before, _group_after(spec, current, actions, expect) if actions else before, expect)


# What the array the module talks to reports once the group reached (side, dr_state) (Tables 106, 107).
ROLE_OF = {('primary', 'normal'): 'Primary', ('secondary', 'normal'): 'Secondary',
           ('secondary', 'failed_over'): 'Primary-Rev', ('secondary', 'recovered'): 'Primary-Rev',
           ('primary', 'failed_over'): 'Secondary-Rev', ('primary', 'recovered'): 'Secondary-Rev'}


def group_diff_view(group):
    """What --diff shows of a group ({} when it does not exist)."""
    if group is None or not group.exists:
        return {}
    return {'name': group.name, 'target': group.target, 'mode': group.mode,
            'members': [{'volume': p.volume, 'remote_volume': p.remote_volume} for p in group.members],
            'role': group.role, 'status': group.status, 'side': group.side, 'dr_state': group.dr_state,
            'replication': 'started' if group.running else 'stopped'}


def expected_state(spec, current, actions):
    """(side, dr_state, replication) the group should report on this array after ``actions``; None when there is
    nothing to check (deleted, or an SLD backup group)."""
    if spec.state == 'absent' or current.status == 'Backup':
        return None
    if not current.exists:
        return 'primary', 'normal', 'stopped' if spec.replication == 'stopped' else 'started'
    side, dr_now = meaning(current.role, current.status, current.progress_status) or (current.side, current.dr_state)
    want_dr = spec.dr_state or dr_now
    if want_dr != 'normal':
        return spec.role or side, want_dr, None
    operations = [a.operation for a in actions]
    if dr_now != 'normal' or 'start' in operations:
        replication = 'started'
    elif 'stop' in operations:
        replication = 'stopped'
    else:
        replication = 'started' if current.running else 'stopped'
    return spec.role or side, 'normal', replication


def _group_after(spec, current, actions, expect):
    if spec.state == 'absent':
        return {}
    before = group_diff_view(current)
    after = dict(before) if before else {'name': spec.name, 'target': spec.target, 'mode': spec.mode or 'sync'}
    members = dict((p['volume'], p['remote_volume']) for p in after.get('members') or [])
    for action in actions:
        if action.operation == 'create_replica':
            members = dict((p['volume'], p['remote_volume']) for p in action.args['members'])
        elif action.operation == 'add_member':
            members[action.args['volume']] = action.args['remote_volume']
        elif action.operation == 'remove_member':
            members.pop(action.args['volume'], None)
        elif action.operation == 'set_mode':
            after['mode'] = action.args['mode']
    after['members'] = [{'volume': v, 'remote_volume': members[v]} for v in sorted(members)]
    if expect is not None:
        side, dr_state, replication = expect
        running = replication == 'started' if dr_state == 'normal' else dr_state == 'recovered'
        after.update(side=side, dr_state=dr_state, role=ROLE_OF[(side, dr_state)], replication='started' if running else 'stopped',
                     status='Synced' if running else 'Stopped')
    return after


def _actions(spec, current):
    _validate(spec)
    plan = _Plan(spec, current)
    if spec.state == 'absent':
        if current.exists:
            if current.running:
                plan.add('stop')
            plan.add('delete')
        return plan.actions
    if not current.exists:
        _create(plan)
        return plan.actions
    found = meaning(current.role, current.status, current.progress_status)
    if found is None:
        raise RcopyUnknownState(
            'converge', 'remote copy group %s' % spec.name,
            'the array reports role %s with status %s (ProgressStatus %s), a state the HP CIM reference '
            '(Tables 106, 107) does not describe' % (current.role, current.status, current.progress_status),
            'Check the group with showrcopy on both arrays and bring it to a known state by hand.')
    side, dr_now = found
    if dr_now in TRANSIENT_DR_STATES:
        raise RcopyBusy('converge', 'remote copy group %s' % spec.name,
                        'the group is %s (%s/%s, ProgressStatus %s)' % (
                            dr_now.replace('_', ' '), current.role, current.status, current.progress_status),
                        'Wait for the operation to finish (threepar_info shows its job), then run the task again.')
    _check_target(spec, current)
    want_side = spec.role or side
    want_dr = spec.dr_state or dr_now
    _check_dr_request(spec, current, side, dr_now, want_dr, want_side)
    if dr_now == 'normal' and want_dr == 'normal':
        _converge_normal(plan, side, want_side)
    else:
        _walk_dr_path(plan, side, dr_now, want_dr, want_side)
    return plan.actions


def _validate(spec):
    checks = (('state', spec.state, ('present', 'absent')), ('mode', spec.mode, MODES),
              ('replication', spec.replication, ('started', 'stopped')), ('dr_state', spec.dr_state, DR_STATES),
              ('role', spec.role, SIDES))
    for name, value, allowed in checks:
        if value is not None and value not in allowed:
            raise RcopyRequestError('plan', 'remote copy group %s' % spec.name,
                                    '%s must be one of %s, not %r' % (name, ', '.join(allowed), value))
    if spec.members is None:
        return
    for attr in ('volume', 'remote_volume'):
        seen = set()
        for member in spec.members:
            value = getattr(member, attr)
            if value in seen:
                raise RcopyRequestError('plan', 'remote copy group %s' % spec.name,
                                        '%s %s is listed twice in members' % (attr.replace('_', ' '), value),
                                        'A volume can be paired once in a group.')
            seen.add(value)


def _what(spec):
    return 'remote copy group %s' % spec.name


def _create(plan):
    spec, current = plan.spec, plan.current
    if spec.dr_state not in (None, 'normal') or spec.role == 'secondary':
        raise RcopyRequestError('create', _what(spec),
                                'a new group starts as primary on this array in normal operation; dr_state %s, '
                                'role %s cannot be reached by creating it' % (spec.dr_state, spec.role),
                                'Create the group from its primary array with dr_state normal (or unset).')
    if not spec.target or not spec.members:
        raise RcopyRequestError('create', _what(spec), 'target and at least one member are needed to create a group',
                                'Give target (the peer array) and members ({volume, remote_volume}).')
    if not current.peer_reachable:
        raise RcopyPeerUnreachable('create', _what(spec), 'the target array %s cannot be reached' % spec.target,
                                   'Creating a group pairs volumes on both arrays; retry when %s answers.' % spec.target)
    members = [{'volume': member.volume, 'remote_volume': member.remote_volume} for member in spec.members]
    plan.add('create', mode=spec.mode or 'sync', members=[member['volume'] for member in members])
    plan.add('create_replica', members=members, remote_system=spec.target, mode=spec.mode or 'sync')
    if spec.replication != 'stopped':
        plan.add('start')
    else:
        # CreateGroupReplica starts the initial copy (MODEL.md); the CLI's admitrcopyvv leaves the group stopped, so
        # the executor drops this step when the create runs over the CLI.
        plan.add('stop', after_create=True)


def _check_target(spec, current):
    if spec.target and current.target and spec.target != current.target:
        raise RcopyRequestError('change', _what(spec), 'its target is %s, not %s; a group cannot move to another array'
                                % (current.target, spec.target),
                                'Delete the group (state: absent) and create it again towards %s.' % spec.target)


def _member_changes(spec, current):
    """(to add, to remove) as lists of MemberPair; a volume paired with another remote volume is refused."""
    if spec.members is None:
        return [], []
    have = dict((member.volume, member) for member in current.members)
    # A pair written from the peer's point of view (the same vars for both arrays) is the same pair. A remote volume
    # nobody named (None: SMI-S does not name discovered remote volumes, and no SSH read told it) matches any name.
    want = {}
    for member in spec.members:
        mine = have.get(member.volume)
        mirror = have.get(member.remote_volume)
        if not (mine and _same_remote(mine, member.remote_volume)) and mirror and _same_remote(mirror, member.volume):
            member = MemberPair(member.remote_volume, member.volume)
        want[member.volume] = member
    for volume, pair in want.items():
        if volume in have and not _same_remote(have[volume], pair.remote_volume):
            raise RcopyRequestError('change', _what(spec),
                                    'volume %s is paired with %s on %s, not %s' % (
                                        volume, have[volume].remote_volume, current.target, pair.remote_volume),
                                    'A pair cannot be changed in place: remove the member (purge_members or '
                                    'leave it out), then add the new pair in a second run.')
    add = [member for v, member in want.items() if v not in have]
    remove = [member for v, member in have.items() if v not in want] if spec.purge_members else []
    add.sort(key=lambda member: member.volume)
    remove.sort(key=lambda member: member.volume)
    return add, remove


def _same_remote(pair, remote_volume):
    return pair.remote_volume is None or pair.remote_volume == remote_volume


def _check_dr_request(spec, current, side, dr_now, want_dr, want_side):
    """Refuse what cannot be done from this array, in the current state, before planning anything."""
    what = _what(spec)
    other = current.target or 'the target array'
    add, remove = _member_changes(spec, current)
    mode_change = spec.mode is not None and current.mode is not None and spec.mode != current.mode
    if add or remove or mode_change:
        changes = ', '.join(filter(None, ['add %s' % ', '.join(member.volume for member in add) if add else '',
                                          'remove %s' % ', '.join(member.volume for member in remove) if remove else '',
                                          'mode %s' % spec.mode if mode_change else '']))
        if dr_now != 'normal' or want_dr != 'normal':
            raise RcopyRequestError('change', what, 'the group is %s and the request also changes its configuration '
                                    '(%s)' % (dr_now.replace('_', ' ') if dr_now != 'normal' else
                                              'asked to go to ' + want_dr.replace('_', ' '), changes),
                                    'Members and mode change only in normal operation: finish the DR cycle '
                                    '(dr_state: normal), then change them in a separate task.')
        if side != 'primary':
            raise RcopyWrongArray('change', what, 'this array is the secondary of the group and the request changes its '
                                  'configuration (%s)' % changes,
                                  'Run the task against the primary array %s.' % other)
        if not current.peer_reachable:
            raise RcopyPeerUnreachable('change', what, 'the target array %s cannot be reached' % other,
                                       'Members and mode are changed on both arrays: retry when %s answers.' % other)
    if spec.replication is not None:
        implied = {'failed_over': 'stopped', 'recovered': 'started'}.get(want_dr)
        if implied and spec.replication != implied:
            raise RcopyRequestError('change', what, 'replication %s contradicts dr_state %s (replication is %s there)'
                                    % (spec.replication, want_dr, implied),
                                    'Leave replication unset while the group is off normal operation.')
        if want_dr == 'normal' and current.status == 'Backup' and dr_now == 'normal':
            raise RcopyRequestError('change', what, 'the group is an SLD backup link (status Backup), '
                                    'which the arrays activate only during disaster recovery',
                                    'Leave replication unset for the backup group.')
    if want_side != side and want_dr != 'normal':
        raise RcopyRequestError('change', what, 'a permanent role change (role %s) needs the group in normal operation, '
                                'not %s' % (want_side, want_dr.replace('_', ' ')),
                                'Use dr_state: normal with role %s: the DR array recovers, then the roles are '
                                'reversed.' % want_side)
    if dr_now == want_dr and want_side == side:
        return
    if dr_now == want_dr == 'normal':
        if not current.peer_reachable:
            raise RcopyPeerUnreachable('reverse the roles of', what, 'the target array %s cannot be reached' % other,
                                       'Roles are reversed on both arrays: retry when %s answers.' % other)
        return
    # From here the request walks the DR path, which only the DR array (configured secondary) drives.
    if side == 'primary':
        if dr_now == 'normal':
            raise RcopyWrongArray('fail over', what, 'the group is already Primary on this array',
                                  'Fail over from the DR array: run the task against %s (the secondary).' % other)
        asked = 'dr_state ' + want_dr if want_side == side else 'role ' + want_side
        raise RcopyWrongArray('move', what, 'the group is %s (%s/%s on this array, the original primary); %s is '
                              'driven from the DR array' % (dr_now.replace('_', ' '), current.role, current.status, asked),
                              'Run the task against %s, where the group is Primary-Rev.' % other)
    order = {'normal': 0, 'failed_over': 1, 'recovered': 2}
    if dr_now == 'recovered' and want_dr == 'failed_over':
        raise RcopyRequestError('fail over', what, 'the group is recovered (replicating from this array back to %s); '
                                'going back to failed over is not a step of the DR path (Table 107)' % other,
                                'Restore (dr_state: normal) first, then fail over again.')
    needs_recover = order[dr_now] < 2 and (want_dr in ('recovered', 'normal'))
    if needs_recover and dr_now == 'failed_over' and current.recover_failed and not spec.force:
        raise RcopyRecoverFailed('recover', what, 'the group reads as a failed recover: %s/%s with SyncState %s and '
                                 'CopyState %s while the original primary answers (Table 107 row 8)' % (
                                     current.role, current.status, current.sync_state, current.copy_state),
                                 'Nothing was resynchronised. Check the remote-copy links (showrcopy links) and the '
                                 'volumes of the group on %s, then retry with force: true (or setrcopygroup recover '
                                 '%s on this array).' % (other, spec.name))
    if (needs_recover or dr_now == 'recovered') and not current.peer_reachable:
        raise RcopyPeerUnreachable('recover' if needs_recover else 'restore', what,
                                   'the original primary array %s cannot be reached' % other,
                                   'Recover and restore copy data back to %s: bring it and the remote-copy links up, '
                                   'then run again. Failing over works without it.' % other)


def _converge_normal(plan, side, want_side):
    spec, current = plan.spec, plan.current
    add, remove = _member_changes(spec, current)
    mode_change = spec.mode is not None and current.mode is not None and spec.mode != current.mode
    reverse = want_side != side
    reconfigure = bool(add or remove or mode_change or reverse)
    running = current.running
    if reconfigure and running:
        plan.add('stop')
    if mode_change:
        plan.add('set_mode', mode=spec.mode)
    for member in remove:
        plan.add('remove_member', target=member.volume, volume=member.volume, remote_volume=member.remote_volume)
    for member in add:
        plan.add('add_member', target=member.volume, volume=member.volume, remote_volume=member.remote_volume)
    if reverse:
        plan.add('reverse')
    # A New group (made, never started: a create interrupted before its start) is started unless the task says stopped.
    want_running = (running or current.status == 'New') if spec.replication is None else spec.replication == 'started'
    if current.status == 'Backup':
        return
    if want_running and (reconfigure or not running):
        if not current.peer_reachable:
            raise RcopyPeerUnreachable('start', _what(spec), 'the target array %s cannot be reached'
                                       % (current.target or 'of the group'),
                                       'Replication needs the peer: retry when it answers.')
        plan.add('start')
    elif not want_running and running and not reconfigure:
        plan.add('stop')


def _walk_dr_path(plan, side, dr_now, want_dr, want_side):
    """Failover, recover, restore (or reverse): the Table 107 path from dr_now to want_dr, on the DR array."""
    current = plan.current
    step = dr_now
    if step == 'normal':
        if current.running:
            plan.add('stop')
        plan.add('failover')
        step = 'failed_over'
    if step == 'failed_over' and want_dr in ('recovered', 'normal'):
        plan.add('recover')
        step = 'recovered'
    if step == 'recovered' and want_dr == 'normal':
        plan.add('reverse' if want_side != side else 'restore')
