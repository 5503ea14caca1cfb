#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: smis.threepar contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function
__metaclass__ = type

DOCUMENTATION = r'''
module: threepar_snapshot
short_description: Manage HP 3PAR virtual copies (snapshots) and physical copies (clones) over SMI-S
version_added: 0.1.0
description:
  - Converges local copies of a volume, as C(TPD_StorageSynchronized) associations of the array's SMI-S provider,
    to an end state; creates, refreshes, restores, detaches, halts and deletes them with only the methods needed.
  - A copy the array is already creating, copying or restoring is waited for, never started again.
    A Broken copy is never resynchronised; the module says to delete and create it again.
  - O(copies) converges many copies in one task with the array read once.
  - O(volume_set) converges consistent snapshots of a volume set, one snapshot per member, all at one point in time.
author:
  - smis.threepar contributors (@smis-threepar)
options:
  source:
    description: The volume the copy is taken from. Required unless every entry of O(copies) names it, or O(volume_set) is given.
    type: str
  name:
    description:
      - Name of the copy (its target volume). Required unless O(copies) is given.
      - With O(volume_set), a pattern holding C({volume}), which becomes each member's name, such as V({volume}.nightly).
    type: str
  volume_set:
    description:
      - A volume set (M(smis.threepar.threepar_volume_set)) whose members get one snapshot each, named by O(name), all at one
        point in time (C(TPD_CreateConsistentReplicaList), the CLI's C(creategroupsv)), a consistent image of an application
        whose data and logs are on several volumes. Not with O(source) or O(copies); snapshots only.
      - V(state=present) makes them when a member has none, and makes them all again, together, when one is older than
        O(max_age), or when they do not share one point in time. The array offers no resync of a set of snapshots, so a
        refresh deletes the set's snapshots and makes new ones in one call. A member added to the set gets its snapshot
        with the next run, when the whole set is made again (never one of its own at another time).
      - V(state=restored) promotes every member's snapshot while it still holds O(restore_point) (the one point in time of the
        set); it is refused, with nothing changed, when a member has no snapshot. A run after a restore that stopped half way
        promotes the rest.
      - V(state=absent) deletes the snapshots of every member.
      - The snapshots of a volume removed from the set are left alone; delete them with O(name) and O(source).
    type: str
  type:
    description:
      - V(virtual), a snapshot in the source's snapshot space (C(CreateReplica), CopyType UnSyncAssoc, ReplicaType After Delta).
      - V(physical), a full copy made by a job into a target volume the module creates first (source's size, in
        O(target_cpg)), with C(AttachReplica). See O(resyncable) for the two kinds.
    type: str
    choices: [virtual, physical]
    default: virtual
  state:
    description:
      - V(present), the copy exists (refreshed when older than O(max_age)).
      - V(absent), the copy does not exist.
      - V(restored) (virtual), the snapshot is promoted into its source (C(ModifySynchronization) Restore), once,
        only while the snapshot still holds O(restore_point), which O(state=restored) requires. The array keeps no
        mark of a finished promote; a promote moves the snapshot's C(when_synced) to the time it completed, so a
        second run, or a run after new host writes, promotes nothing.
      - V(detached) (physical), the copy is an independent volume (Detach of a resyncable copy); a missing copy is
        created as a one-shot copy, which the array makes independent when the copy completes.
      - V(halted) (physical), the background copy is stopped (Stop Copy). The array then drops the association, and the
        target stays as an independent volume with incomplete data.
    type: str
    choices: [present, absent, restored, detached, halted]
    default: present
  max_age:
    description:
      - With O(state=present), refresh the copy (Resync) when its point in time (C(WhenSynced)) is older than this,
        such as V(30m), V(24h), V(7d). A physical copy must be resyncable.
    type: str
  expire:
    description:
      - Snapshots only. How long after its point in time (C(when_synced)) the array removes the snapshot by itself, such as
        V(7d) or V(36h), as its C(ExpirationTime), set with C(ModifyInstance) once the snapshot exists. A refreshed snapshot
        counts from its new point in time.
      - The array counts whole hours (V(90m) is V(2h)); a snapshot is converged when its expiration is within half an hour of
        the asked one. Omitted, the expiration is left as it is.
    type: str
  retain:
    description:
      - Snapshots only. How long after its point in time the array refuses to delete the snapshot (its C(RetentionTime),
        the CLI's C(-retain)), 1 hour to 43,800 hours. It needs the HP 3PAR Virtual Lock licence; an array without it refuses.
      - The array cannot remove or reduce a retention once set. So a shorter O(retain) than the snapshot's is an error,
        and so is a delete (O(state=absent), or the refresh of O(max_age)) of a snapshot still retained; both change nothing.
        With O(max_age), O(retain) must not be longer than O(max_age), and with O(expire) not longer than O(expire).
      - Not above the array's maximum (C(VVRetentionTimeMax), 14 days unless set otherwise with C(setsys)); the array refuses more.
    type: str
  target_cpg:
    description: CPG of the target volume of a physical copy. Defaults to the CPG of the source.
    type: str
  target_provisioning:
    description: Thin or full provisioning of the target volume of a physical copy. Defaults to the source's.
    type: str
    choices: [thin, full]
  resyncable:
    description:
      - Physical copies only; defaults to V(true).
      - V(true), a copy the array keeps associated to its source (C(AttachReplica) CopyType UnSyncAssoc, ReplicaType
        Full Copy; C(createvvcopy -s)), which can be refreshed (O(max_age)) and detached. The array keeps a resync snapshot
        of the source for it, so the source needs snapshot space (O(smis.threepar.threepar_volume#module:snap_cpg)).
      - V(false), a one-shot copy (CopyType UnSyncUnAssoc); once copied, the array drops the association and the target
        is an independent volume. The module then sees only a volume of that name, so a re-run changes nothing, but it
        cannot tell a finished copy from a volume left by a run interrupted before its copy started, and it will not
        delete that volume for O(state=absent) (use M(smis.threepar.threepar_volume)).
    type: bool
  restore_point:
    description:
      - With O(state=restored), the point in time of the snapshot to promote, its C(when_synced) as this module or
        M(smis.threepar.threepar_info) return it, in ISO 8601 (no time zone means UTC). Compared to the second, or
        exactly when it has a fraction of a second.
      - The snapshot is promoted only while its C(when_synced) is this point in time; after the promote (or a
        refresh) it is not, and the module reports why it did nothing in RV(copy.restore).
    type: str
  read_only:
    description:
      - Whether the snapshot is read-only. The array's SMI-S provider cannot create a read-only snapshot
        (C(CreateReplica) takes no such setting), so V(true) for a snapshot that does not exist yet fails and changes
        nothing; create it with the 3PAR CLI (C(createsv -ro)). For an existing snapshot, a mismatch is an error.
    type: bool
  update_space:
    description:
      - Recount the space the virtual copies of the task use in their source's snapshot space (C(UpdateDeltaSnapshotSpace),
        the CLI's C(updatesnapspace)), after the other steps, and return it as RV(copy.space_used).
      - This changes no data and no point in time, so it does not make the task C(changed); the recount runs on every
        run that sets it (not in check mode).
    type: bool
    default: false
  copies:
    description:
      - Several copies converged in one task, the array read once. Each entry takes the keys above; the top-level
        values are the defaults of the entries.
    type: list
    elements: dict
    suboptions:
      source:
        description: See O(source).
        type: str
      name:
        description: See O(name).
        type: str
        required: true
      type:
        description: See O(type).
        type: str
        choices: [virtual, physical]
      state:
        description: See O(state).
        type: str
        choices: [present, absent, restored, detached, halted]
      max_age:
        description: See O(max_age).
        type: str
      target_cpg:
        description: See O(target_cpg).
        type: str
      target_provisioning:
        description: See O(target_provisioning).
        type: str
        choices: [thin, full]
      resyncable:
        description: See O(resyncable).
        type: bool
      restore_point:
        description: See O(restore_point).
        type: str
      expire:
        description: See O(expire).
        type: str
      retain:
        description: See O(retain).
        type: str
      read_only:
        description: See O(read_only).
        type: bool
      update_space:
        description: See O(update_space).
        type: bool
  wait:
    description:
      - Wait for the jobs the module starts (physical copies, resyncs, restores) to finish, then delete them.
      - V(false) returns the job ids in RV(jobs) and leaves the jobs for M(smis.threepar.threepar_info).
    type: bool
    default: true
  wait_timeout:
    description: Seconds to wait for all the jobs and copies of the task; on timeout the task fails with the job id and its last state.
    type: int
    default: 600
  copies_view:
    description:
      - What RV(copies) holds of each copy of a task with O(copies) or O(volume_set).
      - V(brief) gives what a playbook needs to go on (C(name), C(source), C(type), C(sync_state), C(changed)); the result of a
        1,000-copy task stays small and quick to handle on the controller.
      - V(full) gives every copy as described for RV(copy) (its states, point in time, space).
      - A task with neither always returns the full view, in RV(copy) and RV(copies).
    type: str
    choices: [brief, full]
    default: brief
  parallel:
    description:
      - How many method calls go to the array at once, each over a connection of its own, when a task creates, refreshes
        or deletes virtual copies of several volumes (with O(copies)). V(1) sends them one after another.
      - The steps of one copy keep their order, and so do copies that depend on each other (a snapshot of a snapshot
        made in the same task); physical copies, restores and resyncs always go one at a time.
      - After a failure no new call starts; the calls already sent finish and the task reports every step performed.
      - The CIM API Programming Reference sets no limit on concurrent requests; a small number keeps the load on the
        array's SMI-S provider (which also serves other clients) low. Between 1 and 16.
    type: int
    default: 4
extends_documentation_fragment:
  - smis.threepar.connection
  - smis.threepar.job_indications
  - smis.threepar.attributes
  - smis.threepar.attributes.CHANGES
seealso:
  - module: smis.threepar.threepar_volume
  - module: smis.threepar.threepar_info
'''

EXAMPLES = r'''
- name: A nightly snapshot, refreshed (Resync) when older than a day
  smis.threepar.threepar_snapshot:
    source: db01
    name: db01-nightly
    max_age: 24h

- name: A resyncable physical copy into another CPG, waiting for the copy (the module creates the target volume)
  smis.threepar.threepar_snapshot:
    source: db01
    name: db01-clone
    type: physical
    target_cpg: SSD_r6
    wait_timeout: 1800

# WARNING: state restored overwrites the source with the snapshot. restore_point is what makes a re-run safe: the
# snapshot is promoted only while its when_synced is that point in time, and a promote moves when_synced to the time
# it completed. So take restore_point from when the decision was made (the change ticket, a vars file), never from a
# read of the same snapshot earlier in the play: that read would return the new point in time after the first
# promote, and every later run would promote again, over newer data.
- name: Roll db01 back to the snapshot taken before the upgrade, once
  smis.threepar.threepar_snapshot:
    source: db01
    name: db01-before-upgrade
    state: restored
    restore_point: "{{ db01_rollback_point }}"    # its when_synced then, such as 2024-05-01T02:00:03+00:00

- name: A copy of db01 for the test environment, an independent volume once copied (one-shot copy)
  smis.threepar.threepar_snapshot:
    source: db01
    name: db01-test
    type: physical
    state: detached

- name: The volumes of the database in one set
  smis.threepar.threepar_volume_set:
    name: db_vols
    members: [db01, db02]

- name: Consistent nightly snapshots of them (one point in time for both), made again together when older than a day,
    removed by the array after a week, not deletable for 12 hours (needs the Virtual Lock licence)
  smis.threepar.threepar_snapshot:
    volume_set: db_vols
    name: "{volume}.nightly"
    max_age: 24h
    expire: 7d
    retain: 12h

- name: Many copies in one task, the array read once, and the space the snapshots use recounted
  smis.threepar.threepar_snapshot:
    max_age: 12h
    update_space: true
    copies:
      - {source: db01, name: db01-snap}
      - {source: db02, name: db02-snap}
      - {source: web01, name: web01-snap, state: absent}
'''

RETURN = r'''
changed:
  description: Whether a method that changes the array was invoked (or, in check mode, would be); the recount of O(update_space) does not count.
  returned: always
  type: bool
actions:
  description:
    - The ordered steps taken (in check mode, the plan). Each C(operation) is one of V(create_virtual_copy), V(create_target_volume),
      V(create_physical_copy), V(resync_copy), V(restore_copy), V(detach_copy), V(stop_copy), V(wait_for_copy), V(delete_copy),
      V(create_consistent_snapshots) (O(volume_set)), V(set_snapshot_timers) (O(expire), O(retain); method C(ModifyInstance)) or
      V(recount_snapshot_space). A V(wait_for_copy) step has no method.
    - Steps that started a job also carry C(job_id) and C(job_state).
  returned: always
  type: list
  elements: dict
  sample: [{"operation": "create_target_volume", "target": "db01-clone", "method": "CreateOrModifyElementFromStoragePool"},
           {"operation": "create_physical_copy", "target": "db01-clone", "method": "AttachReplica", "job_id": "TPD:JOB:3",
            "job_state": "Completed"}]
copy:
  description: The copy after the run (in check mode, as it is now); empty when it does not exist.
  returned: when O(copies) is not given
  type: dict
  contains:
    source:
      description: Source volume.
      type: str
    name:
      description: Target volume.
      type: str
    type:
      description: V(virtual) or V(physical).
      type: str
    copy_type:
      description: Decoded C(CopyType).
      type: str
      sample: UnSyncAssoc
    replica_type:
      description: Decoded C(ReplicaType).
      type: str
      sample: After Delta
    sync_state:
      description: Decoded C(SyncState) (Idle, Frozen, CopyInProgress, Broken, ...); null for a detached copy.
      type: str
      sample: Frozen
    copy_state:
      description: Decoded C(CopyState).
      type: str
      sample: Synchronized
    progress_status:
      description: Decoded C(ProgressStatus).
      type: str
      sample: Completed
    sync_type:
      description: Decoded C(SyncType).
      type: str
      sample: Clone
    mode:
      description: Decoded C(Mode).
      type: str
      sample: Synchronous
    sync_maintained:
      description: C(SyncMaintained).
      type: bool
    when_synced:
      description: Point in time of the copy (ISO 8601), null until a physical copy completes.
      type: str
    percent_synced:
      description: Progress of a copy in progress.
      type: int
    read_only:
      description: Whether the target is read-only.
      type: bool
    resyncable:
      description: For a physical copy, whether the array keeps it associated (CopyType UnSyncAssoc, ReplicaType Full Copy).
      type: bool
    detached:
      description:
        - True when the target is an independent volume with no association to the source any more (a detached copy,
          a one-shot copy that finished, or a halted copy whose data is incomplete).
      type: bool
    space_used:
      description: Bytes the snapshot uses in its source's snapshot space, as recounted by O(update_space).
      type: int
    expires:
      description: A snapshot's expiration (ISO 8601), null when it has none. Returned when the task reads the timers (O(expire), O(retain), or a delete).
      type: str
    expires_in:
      description: Seconds until then.
      type: int
    retained_until:
      description: The end of a snapshot's retention (ISO 8601), null when it has none; it cannot be deleted before.
      type: str
    retention_left:
      description: Seconds until then.
      type: int
    restore_point:
      description: With O(state=restored), the restore point of the task.
      type: str
    restore:
      description: With O(state=restored), why the snapshot was not promoted (its point in time is no longer O(restore_point)).
      type: str
copies:
  description:
    - Every copy of the task, in the order given (with O(volume_set), sorted by member).
    - With O(copies) or O(volume_set), and O(copies_view=brief) (the default), each has C(name), C(source), C(type), C(sync_state) (null
      when the copy does not exist) and C(changed) (whether this task changed it); otherwise each is as described for RV(copy).
  returned: always
  type: list
  elements: dict
volume_set:
  description: With O(volume_set), the set and the point in time its snapshots share.
  returned: when O(volume_set) is given
  type: dict
  contains:
    name:
      description: The volume set.
      type: str
    members:
      description: Its members, sorted.
      type: list
      elements: str
    consistent:
      description: Whether every member has its snapshot and all hold one point in time.
      type: bool
    point_in_time:
      description: That point in time (the snapshots' C(when_synced), ISO 8601); null when not consistent.
      type: str
jobs:
  description: Ids of the jobs left running with O(wait=false).
  returned: always
  type: list
  elements: str
  sample: ["TPD:JOB:12"]
diff:
  description: The copy (or, with O(copies), every copy by name) before and after.
  returned: when diff mode is on
  type: dict
  contains:
    before:
      description: Before the run.
      type: dict
    after:
      description: After the run (predicted in check mode).
      type: dict
'''

from ansible_collections.smis.threepar.plugins.module_utils.threepar.module import run_module
from ansible_collections.smis.threepar.plugins.module_utils.threepar.indications import job_indication_argument_spec
from ansible_collections.smis.threepar.plugins.module_utils.threepar.runner import run_snapshot

STATES = ['present', 'absent', 'restored', 'detached', 'halted']


def main():
    argument_spec = dict(
        source=dict(type='str'),
        name=dict(type='str'),
        volume_set=dict(type='str'),
        type=dict(type='str', default='virtual', choices=['virtual', 'physical']),
        state=dict(type='str', default='present', choices=STATES),
        max_age=dict(type='str'),
        target_cpg=dict(type='str'),
        target_provisioning=dict(type='str', choices=['thin', 'full']),
        resyncable=dict(type='bool'),
        restore_point=dict(type='str'),
        read_only=dict(type='bool'),
        update_space=dict(type='bool', default=False),
        expire=dict(type='str'),
        retain=dict(type='str'),
        copies=dict(type='list', elements='dict', options=dict(
            source=dict(type='str'),
            name=dict(type='str', required=True),
            type=dict(type='str', choices=['virtual', 'physical']),
            state=dict(type='str', choices=STATES),
            max_age=dict(type='str'),
            target_cpg=dict(type='str'),
            target_provisioning=dict(type='str', choices=['thin', 'full']),
            resyncable=dict(type='bool'),
            restore_point=dict(type='str'),
            read_only=dict(type='bool'),
            update_space=dict(type='bool'),
            expire=dict(type='str'),
            retain=dict(type='str'),
        )),
        wait=dict(type='bool', default=True),
        wait_timeout=dict(type='int', default=600),
        parallel=dict(type='int', default=4),
        copies_view=dict(type='str', default='brief', choices=['brief', 'full']),
    )
    argument_spec.update(job_indication_argument_spec())
    run_module(argument_spec, run_snapshot, mutually_exclusive=[('name', 'copies'), ('volume_set', 'copies'), ('volume_set', 'source')],
               required_one_of=[('name', 'copies')])


if __name__ == '__main__':
    main()
