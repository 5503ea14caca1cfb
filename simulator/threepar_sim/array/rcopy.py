"""Remote copy: volume sets, remote-copy groups and their Table 107 state machine (seed 004).

Each array keeps its own record of a group (``RcGroup``) with its own role; the two
records move together through the peer link (array/peer.py). The CIM states are not
stored: ``group_view`` derives Status, CopyState, SyncState and ProgressStatus from a few
facts (role, running, broken, the action under way, recover_failed, link up), so that
every row of Tables 106/107 has exactly one source.

Threading: the CIM providers and the peer handlers call in here holding ``array.lock``.
Configuration methods talk to the peer synchronously under that lock (short timeout);
the heartbeat and the end of group jobs run in the link thread, outside the lock
(``hello_payload``/``link_result``, ``take_due``/``finish_due``).
"""

from dataclasses import dataclass, field
from datetime import datetime
from typing import Optional

from ..control import ControlError
from . import values as v, volume_sets
from .state import Refused, utcnow

PRIMARY, SECONDARY, PRIMARY_REV, SECONDARY_REV = 'Primary', 'Secondary', 'Primary-Rev', 'Secondary-Rev'
SOURCE_ROLES = (PRIMARY, PRIMARY_REV)
NORMAL_ROLES = (PRIMARY, SECONDARY)
MODES = {v.MODE_SYNCHRONOUS: 'sync', v.MODE_ASYNCHRONOUS: 'periodic'}
MODE_NUMBERS = {'sync': v.MODE_SYNCHRONOUS, 'periodic': v.MODE_ASYNCHRONOUS}
# Reverse Roles: from normal operation (stopped) or from recovered (Primary-Rev/Secondary-Rev, replicating).
REVERSED_ROLE = {PRIMARY: SECONDARY, SECONDARY: PRIMARY, PRIMARY_REV: PRIMARY, SECONDARY_REV: SECONDARY}
JOB_ACTIONS = {'sync': 'rc_sync', 'failover': 'rc_failover', 'recover': 'rc_recover', 'restore': 'rc_restore'}


@dataclass
class RcGroup:
    """One array's record of a remote-copy group."""
    name: str
    target: str                      # the peer array's name
    target_system: str               # its TPD_StorageSystem.Name (remote references)
    mode: str                        # sync | periodic
    role: str                        # Primary | Secondary | Primary-Rev | Secondary-Rev
    pairs: list = field(default_factory=list)   # [local volume, remote volume, remote DeviceID]
    running: bool = False            # replication runs (status Synced / Syncing)
    broken: bool = False             # stopped by a link loss or a failover, not by Suspend
    recover_failed: bool = False     # the last recover failed (rows 8 and 10)
    action: Optional[str] = None     # sync | failover | recover | restore while one runs
    job: Optional[int] = None        # the job on this array driving the action (None on the other array)
    when_synced: Optional[datetime] = None
    period: Optional[float] = None   # periodic mode: seconds between updates (CLI setrcopygroup period); None: --rcopy-period
    natural: Optional[bool] = None   # this array is the natural source (the group was created here; swapped by reverse)
    was_started: Optional[bool] = None  # the group was started once (False: "New", Table 106); None: saved before this field
    unsynced: list = field(default_factory=list)  # local volumes of pairs that never completed a copy


def natural_source(group):
    """True when this array's group is the natural source (SystemElement of TPD_RemoteGroupSynchronized)."""
    if group.natural is not None:
        return group.natural
    return group.role in (PRIMARY, SECONDARY_REV)


def is_new(group):
    """Created (and admitted) but never started: Table 106 "New"."""
    return group.was_started is False and not group.running and group.action is None


# While an action runs: (Status, CopyState, SyncState, ProgressStatus) on both arrays.
ACTION_VIEW = {
    'failover': ('Stopped', v.CS_FAILEDOVER, v.BROKEN, v.PS_FAILING_OVER),                 # row 2
    'recover': ('Syncing', v.CS_UNSYNCHRONIZED, v.RESTORE_IN_PROGRESS, v.PS_RESTORING),    # rows 5, 6
    'restore': ('Synced', v.CS_SYNCHRONIZED, v.SYNCHRONIZED, v.PS_FAILING_BACK),           # rows 11, 14
    'sync': ('Syncing', v.CS_UNSYNCHRONIZED, v.RESYNC_IN_PROGRESS, v.PS_SYNCHRONIZING),    # initial copy, resync after Resume
}


def group_view(group, link_up):
    """(Status, CopyState, SyncState, ProgressStatus) of a group as Tables 106 and 107 print them."""
    if group.action is not None:
        return ACTION_VIEW[group.action]
    if is_new(group):                                                # 106-new (provider-facts section 4)
        return 'New', v.CS_INITIALIZED, v.RESYNC_IN_PROGRESS, v.PS_REQUIRES_ACTIVATE
    if group.running:                                                # 106-synced, rows 7, 9, 12, 13, 15, 16
        return 'Synced', v.CS_SYNCHRONIZED, v.SYNCHRONIZED, v.PS_COMPLETED
    if not group.broken and group.role in NORMAL_ROLES:              # 106-stopped
        return 'Stopped', v.CS_INACTIVE, v.FROZEN, v.PS_DORMANT
    # Rows 1, 3, 3b, 4, 8, 10: CopyState reads FailedOver on the DR array while the original primary is
    # unreachable, and on both arrays after a failed recover; Broken otherwise.
    failed_over = group.recover_failed or (group.role == PRIMARY_REV and not link_up)
    return 'Stopped', v.CS_FAILEDOVER if failed_over else v.CS_BROKEN, v.BROKEN, v.PS_COMPLETED


def refuse(rc, reason, *args):
    raise Refused(rc, reason % args if args else reason)


class RemoteCopy:
    """The remote-copy side of one array. ``link`` is the PeerLink (calls to the peer)."""

    def __init__(self, state, link, faults, system_name, read_only=False, period=5.0):
        self.state = state
        self.link = link
        self.faults = faults
        self.system_name = system_name
        self.read_only = read_only
        self.period = period
        self.link_state = {}          # peer name -> True/False once a heartbeat answered (runtime)
        self.due = set()              # ids of group jobs whose time is up, waiting for the link thread
        self.in_flight = set()
        self.last_replicated = {}     # group name -> clock of the last periodic replication
        self.periodic_sent = {}       # peer -> groups whose periodic update the last heartbeat to it carried
        state.rcopy_job_due = self.job_due
        for vvset in state.vvsets.values():      # saved before volume sets had an ID
            if vvset.id is None:
                vvset.id = volume_sets.next_id(state)
                state.touch('vvset', vvset.name)

    # --- link state ------------------------------------------------------------------

    def link_up(self, peer):
        return self.link_state.get(peer) is True and not self.faults.link_down

    def touch(self, group):
        self.state.touch('rcgroup', group.name)
        for pair in group.pairs:          # ReadOnly of the member volumes follows the role
            if pair[0] in self.state.volumes:
                self.state.touch('volume', pair[0])

    def after_restart(self):
        """A restarted array lost its link: started groups stop (broken); actions under way failed."""
        for group in self.state.rcgroups.values():
            if group.action is not None and group.action != 'failover':
                self._failed(group, 'the array restarted')
            if group.action == 'failover':
                group.action, group.job = None, None
            if group.running:
                group.running, group.broken = False, True
            self.touch(group)

    # --- the volume set of a remote-copy group (AddMembers, RemoveMembers; local sets: array/volume_sets.py) -------

    def _require_free_members(self, volumes):
        """A remote-copy group replicates base volumes, each in at most one remote-copy group."""
        for vol in volumes:
            if vol.kind != 'base':
                refuse(v.RC_INVALID, 'volume %s is a %s, only base volumes can be replicated', vol.name, vol.kind)
            if self.state.rcopy_group_of(vol.name):
                refuse(v.RC_INVALID, 'volume %s is already in remote copy group %s', vol.name, self.state.rcopy_group_of(vol.name).name)

    def add_members(self, name, volumes, remote_names):
        group = self.state.rcgroups[name]
        self._require_reconfigurable(group, 'AddMembers')
        if remote_names is None or len(remote_names) != len(volumes):
            refuse(v.RC_INVALID, 'AddMembers on remote copy group %s needs TargetElementNames, one per member', name)
        volume_sets.require_new_members(self.state.vvsets[name].members, volumes)
        self._require_free_members(volumes)
        pairs = self._peer(group.target, 'admit', group=name, pairs=self._pair_specs(volumes, remote_names))['ids']
        self.state.vvsets[name].members.extend(vol.name for vol in volumes)
        group.pairs.extend([vol.name, remote, pairs[remote]] for vol, remote in zip(volumes, remote_names))
        group.unsynced.extend(vol.name for vol in volumes)
        self.state.touch('vvset', name)
        self.touch(group)

    def remove_members(self, name, volumes):
        names = [vol.name for vol in volumes]
        missing = [n for n in names if n not in self.state.vvsets[name].members]
        if missing:
            refuse(v.RC_INVALID, 'volume(s) %s are not members of %s', ', '.join(missing), name)
        group = self.state.rcgroups[name]
        self._require_reconfigurable(group, 'RemoveMembers')
        remote = [pair[1] for pair in group.pairs if pair[0] in names]
        self._peer(group.target, 'dismiss', group=name, volumes=remote)
        group.pairs = [pair for pair in group.pairs if pair[0] not in names]
        group.unsynced = [n for n in group.unsynced if n not in names]
        self.touch(group)
        for vol_name in names:
            self.state.touch('volume', vol_name)
        volume_sets.remove(self.state, self.state.vvsets[name], volumes)

    def delete_group(self, name):
        """Remove a remote-copy group and its volume sets on both arrays (the peer's only when it answers)."""
        group = self.state.rcgroups[name]
        if group.running or group.action:
            refuse(v.RC_IN_USE, 'remote copy group %s is %s: stop it first (Suspend)', name,
                   'busy (%s)' % group.action if group.action else 'started')
        if self.link_up(group.target):
            self._peer(group.target, 'delete', group=name)
        self._drop(group)

    def _drop(self, group):
        del self.state.rcgroups[group.name]
        self.touch(group)
        if group.name in self.state.vvsets:
            del self.state.vvsets[group.name]
            self.state.touch('vvset', group.name)

    def _require_reconfigurable(self, group, what):
        if group.role != PRIMARY:
            refuse(v.RC_INVALID, '%s: remote copy group %s is %s here; change it on its primary array %s',
                   what, group.name, group.role, group.target)
        if group.running or group.action:
            refuse(v.RC_IN_USE, '%s: remote copy group %s is started: stop it first (Suspend)', what, group.name)

    def _pair_specs(self, volumes, remote_names):
        """What the peer needs to admit our volumes: [its volume, ours, our DeviceID, size, CPG, thin]."""
        return [[remote, vol.name, str(vol.id), vol.size, vol.cpg, vol.thin] for vol, remote in zip(volumes, remote_names)]

    # --- CreateGroupReplica ------------------------------------------------------------

    def create_group(self, name, target, remote_names, mode, local_names=None):
        """The remote-copy group on both arrays, this one Primary; the initial copy is a job."""
        state = self.state
        if name in state.rcgroups:
            refuse(v.RC_INVALID, 'remote copy group %s exists', name)
        if target not in self.link.peers:
            refuse(v.RC_INVALID, 'no remote copy link to an array named %s (peers: %s)', target, ', '.join(self.link.peers) or 'none')
        members = list(state.vvsets[name].members)
        if not members:
            refuse(v.RC_INVALID, 'volume set %s has no members', name)
        if local_names is not None:
            if sorted(local_names) != sorted(members) or len(local_names) != len(remote_names):
                refuse(v.RC_INVALID, 'SourceElementNames must list the members of %s once each, in the order of TargetElementNames', name)
            members = list(local_names)
        if len(remote_names) != len(members) or len(set(remote_names)) != len(remote_names):
            refuse(v.RC_INVALID, 'TargetElementNames must name one distinct remote volume per member of %s (%d)', name, len(members))
        for member in members:
            if state.rcopy_group_of(member):
                refuse(v.RC_INVALID, 'volume %s is already replicated by group %s', member, state.rcopy_group_of(member).name)
        volumes = [state.volumes[n] for n in members]
        self._require_free_members(volumes)
        answer = self._peer(target, 'create', group=name, mode=mode, system=self.system_name,
                            pairs=self._pair_specs(volumes, remote_names))
        group = RcGroup(name=name, target=target, target_system=answer['system'], mode=mode, role=PRIMARY,
                        pairs=[[vol.name, remote, answer['ids'][remote]] for vol, remote in zip(volumes, remote_names)],
                        running=True, natural=True, was_started=True, unsynced=list(members))
        state.add_rcgroup(group)
        self.touch(group)
        return group, self._start_action(group, 'sync', 'CreateGroupReplica')

    def create_empty_group(self, name, target, mode):
        """CLI creatercopygroup: an empty, stopped group on both arrays (this one Primary), its volume set too."""
        state = self.state
        if name in state.rcgroups or name in state.vvsets:
            refuse(v.RC_INVALID, 'remote copy group %s exists', name)
        if target not in self.link.peers:
            refuse(v.RC_INVALID, 'no remote copy target named %s', target)
        answer = self._peer(target, 'create', group=name, mode=mode, system=self.system_name, pairs=[], start=False)
        volume_sets.new_vvset(self.state, name, [])
        group = RcGroup(name=name, target=target, target_system=answer['system'], mode=mode, role=PRIMARY,
                        natural=True, was_started=False)
        state.add_rcgroup(group)
        self.touch(group)
        return group

    def group_period(self, group):
        return self.period if group.period is None else group.period

    def set_period(self, group, seconds):
        """CLI setrcopygroup period: the periodic-mode interval of a group, on both arrays."""
        if group.role not in NORMAL_ROLES:
            refuse(v.RC_INVALID, 'the period of remote copy group %s is set in normal operation (it is %s)', group.name, group.role)
        self._peer(group.target, 'period', group=group.name, period=seconds)
        group.period = seconds
        self.touch(group)

    def sync_now(self, group):
        """CLI syncrcopy: replicate a started periodic group at the next heartbeat."""
        if group.role not in SOURCE_ROLES:
            refuse(v.RC_INVALID, 'syncrcopy is issued on the primary array; remote copy group %s is %s here', group.name, group.role)
        if not group.running or group.action is not None:
            refuse(v.RC_IN_USE, 'remote copy group %s is not started', group.name)
        self.last_replicated[group.name] = float('-inf')

    # --- ModifyReplicaSynchronization --------------------------------------------------

    def modify(self, group, operation):
        """One operation of design section 3; returns the job started or None (done at once)."""
        handler = {v.RC_OP_RESUME: self._resume, v.RC_OP_SUSPEND: self._suspend, v.RC_OP_FAILOVER: self._failover,
                   v.RC_OP_RESYNC_REPLICA: self._recover, v.RC_OP_FAILBACK: self._restore,
                   v.RC_OP_REVERSE_ROLES: self._reverse, v.RC_OP_RESET_TO_SYNC: lambda g: self._set_mode(g, 'sync'),
                   v.RC_OP_RESET_TO_ASYNC: lambda g: self._set_mode(g, 'periodic')}[operation]
        if group.action is not None:
            refuse(v.RC_IN_USE, 'remote copy group %s is busy (%s under way)', group.name, group.action)
        return handler(group)

    def _resume(self, group):
        if group.role not in NORMAL_ROLES:
            refuse(v.RC_INVALID, 'remote copy group %s is %s (failed over): recover it (Resync Replica, 14)', group.name, group.role)
        if group.running:
            return None
        self._peer(group.target, 'start', group=group.name)
        group.running, group.broken, group.was_started = True, False, True
        return self._start_action(group, 'sync', 'ModifyReplicaSynchronization')

    def _suspend(self, group):
        if not group.running:
            return None
        broken = group.role not in NORMAL_ROLES
        if self.link_up(group.target):
            self._peer(group.target, 'stop', group=group.name, broken=broken)
        group.running, group.broken = False, broken
        self.touch(group)
        return None

    def _failover(self, group):
        if group.role != SECONDARY:
            refuse(v.RC_INVALID, 'Failover is issued on the secondary array; remote copy group %s is %s here', group.name, group.role)
        if group.running:
            refuse(v.RC_IN_USE, 'remote copy group %s is started: stop it first (Suspend), or fail over once the link is down', group.name)
        if self.link_up(group.target):
            try:
                self._peer(group.target, 'failover', group=group.name)
            except Refused:
                pass        # a failover works without the other array; it learns its role when the link is back
        group.role, group.broken, group.recover_failed, group.was_started = PRIMARY_REV, True, False, True
        return self._start_action(group, 'failover', 'ModifyReplicaSynchronization')

    def _recover(self, group):
        if group.role != PRIMARY_REV or group.running:
            refuse(v.RC_INVALID, 'Resync Replica (recover) needs the group failed over on this array (Primary-Rev/Stopped), '
                   'not %s/%s', group.role, group_view(group, True)[0])
        self._peer(group.target, 'recover-start', group=group.name)
        group.running, group.recover_failed = True, False
        return self._start_action(group, 'recover', 'ModifyReplicaSynchronization')

    def _restore(self, group):
        if group.role != PRIMARY_REV or not group.running:
            refuse(v.RC_INVALID, 'Failback (restore) needs the group recovered on this array (Primary-Rev/Synced), not %s/%s',
                   group.role, group_view(group, True)[0])
        self._peer(group.target, 'restore-start', group=group.name)
        return self._start_action(group, 'restore', 'ModifyReplicaSynchronization')

    def _reverse(self, group):
        recovered = group.role == PRIMARY_REV and group.running
        if not recovered and (group.role not in NORMAL_ROLES or group.running):
            refuse(v.RC_INVALID if group.role not in NORMAL_ROLES else v.RC_IN_USE,
                   'Reverse Roles needs the group recovered (Primary-Rev/Synced) or stopped in normal operation; it is %s/%s',
                   group.role, group_view(group, True)[0])
        self._peer(group.target, 'reverse', group=group.name)
        group.role = REVERSED_ROLE[group.role]
        group.natural = group.role == PRIMARY       # roles swapped for good: the natural direction follows (a guess)
        self.touch(group)

    def _set_mode(self, group, mode):
        if group.mode == mode:
            return None
        if group.role not in NORMAL_ROLES or group.running:
            refuse(v.RC_IN_USE, 'the mode of remote copy group %s changes only while it is stopped in normal operation', group.name)
        self._peer(group.target, 'mode', group=group.name, mode=mode)
        group.mode = mode
        self.touch(group)
        return None

    # --- group jobs ----------------------------------------------------------------------

    def _start_action(self, group, action, method):
        size = sum(self.state.volumes[pair[0]].size for pair in group.pairs) if action != 'failover' else 0
        job = self.state.new_group_job(method, JOB_ACTIONS[action], group.name, size)
        group.action, group.job = action, job.id
        self.touch(group)
        return job

    def job_due(self, job):
        """ArrayState.tick: a group job's time is up. A failover ends here; the others need the peer."""
        group = self.state.rcgroups.get(job.target)
        if group is None or group.job != job.id:
            self.state.finish_job(job, False, 'the remote copy group is gone')
            return
        if group.action == 'failover':
            group.action, group.job = None, None
            self.state.finish_job(job, True)
            self.touch(group)
        elif job.id not in self.in_flight:
            self.due.add(job.id)

    def take_due(self):
        """Link thread, under the lock: [(job id, peer, verb body)] to deliver outside the lock."""
        messages = []
        for job_id in sorted(self.due):
            job = self.state.jobs.get(job_id)
            group = self.state.rcgroups.get(job.target) if job else None
            if group is None or group.job != job_id or not job.active:
                continue
            outcome = 'failed' if job.fail else 'done'
            body = {'op': '%s-%s' % (group.action, outcome), 'group': group.name}
            if outcome == 'done':
                body['generations'] = self._generations_for_peer(group)
            messages.append((job_id, group.target, body))
            self.in_flight.add(job_id)
        self.due.clear()
        return messages

    def finish_due(self, job_id, answer, error=None):
        """Link thread, under the lock: end a group job with the peer's answer (None: unreachable)."""
        self.in_flight.discard(job_id)
        job = self.state.jobs.get(job_id)
        group = self.state.rcgroups.get(job.target) if job else None
        if group is None or group.job != job_id or not job.active:
            return
        if job.fail:
            self._failed(group, 'injected fault')
        elif answer is None or not answer.get('ok'):
            self._failed(group, error or (answer or {}).get('error') or 'the peer refused')
        else:
            if group.action == 'restore':
                group.role = SECONDARY      # rows 12 and 15: back to normal operation
            self._succeeded(group)
            self._absorb_generations(group, answer.get('generations'))
            self.state.finish_job(job, True)

    def _succeeded(self, group):
        group.running, group.broken, group.action, group.job = True, False, None, None
        group.when_synced = utcnow()
        group.unsynced = []
        self.touch(group)

    def _failed(self, group, reason):
        """The action under way failed: the Table 107 failure rows (8/10 recover, 13/16 restore)."""
        job = self.state.jobs.get(group.job) if group.job is not None else None
        if group.action == 'recover':
            group.running, group.broken, group.recover_failed = False, True, True
        elif group.action == 'sync':
            group.running, group.broken = False, True
        group.action, group.job = None, None
        if job is not None:
            self.state.finish_job(job, False, reason)
            self.due.discard(job.id)
        self.touch(group)

    # --- replication of host writes ------------------------------------------------------

    def _generations_for_peer(self, group):
        """{peer volume: WriteGeneration} when this array is the source of the group, else None."""
        if group.role not in SOURCE_ROLES:
            return None
        return {pair[1]: self.state.volumes[pair[0]].write_generation for pair in group.pairs if pair[0] in self.state.volumes}

    def _absorb_generations(self, group, generations):
        if not generations or group.role in SOURCE_ROLES:
            return
        if group.mode == 'periodic':
            group.when_synced = utcnow()
            self.touch(group)
        for pair in group.pairs:
            vol = self.state.volumes.get(pair[0])
            if vol is not None and pair[0] in generations and vol.write_generation != generations[pair[0]]:
                vol.write_generation = generations[pair[0]]
                self.state.touch('volume', vol.name)

    def _replication_due(self, group):
        if group.role not in SOURCE_ROLES or not group.running or group.action is not None:
            return False
        if group.mode == 'sync':
            return True
        now = self.state.clock()
        if now - self.last_replicated.get(group.name, float('-inf')) >= self.group_period(group):
            self.last_replicated[group.name] = now
            return True
        return False

    # --- the heartbeat --------------------------------------------------------------------

    def hello_payload(self, peer):
        """What this array tells its peer each heartbeat: its roles, and the writes to replicate."""
        groups = [g for g in self.state.rcgroups.values() if g.target == peer]
        due = [g for g in groups if self._replication_due(g)]
        # The periodic updates in this payload: a new sync point (WhenSynced) once the peer has them.
        self.periodic_sent[peer] = [g.name for g in due if g.mode == 'periodic']
        return {'op': 'hello', 'from': self.state.name, 'system': self.system_name,
                'roles': {g.name: g.role for g in groups},
                'generations': {g.name: self._generations_for_peer(g) for g in due}}

    def _periodic_synced(self, names):
        """A periodic update reached the peer: WhenSynced moves to now (M311 Table 110: the end of the last copy)."""
        for name in names:
            group = self.state.rcgroups.get(name)
            if group is not None and group.running and group.action is None:
                group.when_synced = utcnow()
                self.touch(group)

    def link_result(self, peer, answer):
        """Link thread, under the lock: the outcome of a heartbeat (answer None: the peer did not answer)."""
        was = self.link_state.get(peer)
        self.link_state[peer] = answer is not None
        sent = self.periodic_sent.pop(peer, [])
        if answer is not None:
            self._periodic_synced(sent)
        groups = [g for g in self.state.rcgroups.values() if g.target == peer]
        if answer is None:
            if was is not False:
                for group in groups:
                    self._link_lost(group, peer)
            return
        if was is not True:
            for group in groups:
                self.touch(group)       # CopyState FailedOver -> Broken once the original primary is back (row 3b)
        self._absorb_hello(answer, reconnected=was is not True)

    def _link_lost(self, group, peer):
        if group.action in ('sync', 'recover', 'restore'):
            self._failed(group, 'the remote copy link to %s went down' % peer)
        if group.running:
            group.running, group.broken = False, True
        self.touch(group)

    def _absorb_hello(self, hello, reconnected):
        """Take in the peer's heartbeat. ``reconnected``: the first exchange since this array started or the link came back."""
        for name, peer_role in (hello.get('roles') or {}).items():
            group = self.state.rcgroups.get(name)
            if group is None:
                continue
            # Only right after a reconnection: while the link is up, roles change through peer messages, and a
            # heartbeat that crossed a restore on the wire carries the peer's old role (Primary-Rev).
            if reconnected and group.role == PRIMARY and peer_role == PRIMARY_REV:
                # Row 4: the original primary, back after a failover, learns it is now the secondary.
                if group.action is not None:
                    self._failed(group, 'the group was failed over on %s' % group.target)
                group.role, group.running, group.broken, group.was_started = SECONDARY_REV, False, True, True
                self.touch(group)
        for name, generations in (hello.get('generations') or {}).items():
            group = self.state.rcgroups.get(name)
            if group is not None and group.running and group.action is None:
                self._absorb_generations(group, generations)

    # --- the peer's side of the link (POST /sim/peer) ---------------------------------------------

    def handle_peer(self, body):
        """Answer a message from the peer array (under the lock)."""
        if self.faults.link_down:
            raise ValueError('the remote copy link is down (injected fault)')
        if not isinstance(body, dict) or 'op' not in body:
            raise ValueError('a peer message needs "op"')
        if body['op'] == 'hello':
            self._absorb_hello(body, reconnected=self.link_state.get(body.get('from')) is not True)
            answer = dict(self.hello_payload(body.get('from')), ok=True)
            self._periodic_synced(self.periodic_sent.pop(body.get('from'), []))     # it travels back in this answer
            return answer
        handler = getattr(self, '_on_' + body['op'].replace('-', '_'), None)
        if handler is None:
            raise ValueError('unknown peer operation %s' % body['op'])
        group = None
        if body['op'] not in ('create',):
            group = self.state.rcgroups.get(body.get('group'))
            if group is None:
                return {'ok': False, 'rc': int(v.RC_INVALID), 'error': 'no remote copy group %s on %s' % (body.get('group'), self.state.name)}
        try:
            answer = handler(group, body) or {}
        except Refused as refusal:
            return {'ok': False, 'rc': int(refusal.rc), 'error': '%s: %s' % (self.state.name, refusal)}
        if group is not None:
            self.touch(group)
        return dict(answer, ok=True)

    def _peer(self, peer, op, **body):
        """Call the peer under the lock (configuration and DR operations); Refused 4 when it cannot be reached."""
        if not self.link_up(peer):
            refuse(v.RC_FAILED, 'the remote copy link to %s is down', peer)
        try:
            answer = self.link.call(peer, dict(body, op=op, **{'from': self.state.name}))
        except ControlError as exc:
            refuse(v.RC_FAILED, 'the remote copy link to %s failed: %s', peer, exc)
        if not answer.get('ok'):
            refuse(answer.get('rc', v.RC_FAILED), answer.get('error', 'refused by %s' % peer))
        return answer

    def _admit(self, pairs):
        """Find or create our volumes of new pairs; {our volume: DeviceID}."""
        state = self.state
        ids = {}
        for name, dummy, dummy, size, cpg, thin in pairs:
            vol = state.volumes.get(name)
            if vol is None:
                cpg = cpg if cpg in state.cpgs else next(iter(state.cpgs))
                vol = state.create_volume(name, cpg, size, thin)
            elif vol.kind != 'base' or vol.size < size:
                refuse(v.RC_INVALID, 'volume %s cannot be a remote copy target (a %s of %d bytes, need a base volume of %d)',
                       name, vol.kind, vol.size, size)
            elif state.rcopy_group_of(name):
                refuse(v.RC_INVALID, 'volume %s is already in remote copy group %s', name, state.rcopy_group_of(name).name)
            ids[name] = str(vol.id)
        return ids

    def _on_create(self, _group, body):
        name = body['group']
        if name in self.state.rcgroups or name in self.state.vvsets:
            refuse(v.RC_INVALID, 'a remote copy group or volume set named %s exists', name)
        ids = self._admit(body['pairs'])
        volume_sets.new_vvset(self.state, name, [p[0] for p in body['pairs']])
        start = body.get('start', True)
        group = RcGroup(name=name, target=body['from'], target_system=body['system'], mode=body['mode'], role=SECONDARY,
                        pairs=[[p[0], p[1], p[2]] for p in body['pairs']], running=start,
                        action='sync' if start else None, natural=False, was_started=start,
                        unsynced=[p[0] for p in body['pairs']])
        self.state.add_rcgroup(group)
        self.touch(group)
        return {'system': self.system_name, 'ids': ids}

    def _on_admit(self, group, body):
        ids = self._admit(body['pairs'])
        self.state.vvsets[group.name].members.extend(p[0] for p in body['pairs'])
        self.state.touch('vvset', group.name)
        group.pairs.extend([p[0], p[1], p[2]] for p in body['pairs'])
        group.unsynced.extend(p[0] for p in body['pairs'])
        return {'ids': ids}

    def _on_dismiss(self, group, body):
        gone = set(body['volumes'])
        for name in gone:
            self.state.touch('volume', name)
        group.pairs = [pair for pair in group.pairs if pair[0] not in gone]
        group.unsynced = [n for n in group.unsynced if n not in gone]
        vvset = self.state.vvsets[group.name]
        vvset.members = [n for n in vvset.members if n not in gone]
        self.state.touch('vvset', group.name)

    def _on_delete(self, group, _body):
        self._drop(group)

    def _on_start(self, group, _body):
        group.running, group.broken, group.action, group.recover_failed, group.was_started = True, False, 'sync', False, True

    def _on_stop(self, group, body):
        group.running, group.broken, group.action = False, bool(body.get('broken')), None

    def _on_failover(self, group, _body):
        group.role, group.running, group.broken, group.action, group.was_started = SECONDARY_REV, False, True, None, True

    def _on_recover_start(self, group, _body):
        group.role, group.running, group.action, group.recover_failed = SECONDARY_REV, True, 'recover', False

    def _on_restore_start(self, group, _body):
        group.action = 'restore'

    def _on_sync_done(self, group, body):
        self._absorb_generations(group, body.get('generations'))
        self._succeeded(group)
        return {'generations': self._generations_for_peer(group)}

    def _on_recover_done(self, group, body):
        self._absorb_generations(group, body.get('generations'))
        self._succeeded(group)

    def _on_restore_done(self, group, body):
        self._absorb_generations(group, body.get('generations'))
        group.role = PRIMARY
        self._succeeded(group)

    def _on_sync_failed(self, group, _body):
        group.running, group.broken, group.action = False, True, None

    def _on_recover_failed(self, group, _body):
        group.running, group.broken, group.recover_failed, group.action = False, True, True, None

    def _on_restore_failed(self, group, _body):
        group.action = None

    def _on_reverse(self, group, _body):
        group.role = REVERSED_ROLE[group.role]
        group.natural = group.role == PRIMARY

    def _on_mode(self, group, body):
        group.mode = body['mode']

    def _on_period(self, group, body):
        group.period = body['period']
