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
author:
  - smis.threepar contributors (@smis-threepar)
options:
  source:
    description: The volume the copy is taken from. Required unless every entry of O(copies) names it.
    type: str
  name:
    description: Name of the copy (its target volume). Required unless O(copies) is given.
    type: str
  type:
    description:
      - V(virtual), a snapshot in the source's snapshot space (C(CreateReplica) with CopyType UnSyncAssoc).
      - V(physical), a full copy into a CPG (CopyType UnSyncUnAssoc), made by a job.
    type: str
    choices: [virtual, physical]
    default: virtual
  state:
    description:
      - V(present), the copy exists (refreshed when older than O(max_age)).
      - V(absent), the copy does not exist.
      - V(restored) (virtual), the snapshot was promoted into its source (C(ModifySynchronization) Restore); done when the
        copy is Synchronized. After new host writes to the source a new run restores again.
      - V(detached) (physical), the copy is an independent volume (Detach); a missing copy is created first.
      - V(halted) (physical), the background copy is stopped (Stop Copy); the copy is then Broken.
    type: str
    choices: [present, absent, restored, detached, halted]
    default: present
  max_age:
    description:
      - With O(state=present), refresh the copy (Resync) when its point in time (C(WhenSynced)) is older than this,
        such as V(30m), V(24h), V(7d).
    type: str
  target_cpg:
    description: CPG of a physical copy. Defaults to the CPG of the source.
    type: str
  read_only:
    description: Create the virtual copy read-only. This cannot change once the copy exists; a mismatch is an error.
    type: bool
  update_space:
    description:
      - Refresh a stale virtual copy with C(UpdateDeltaSnapshotSpace) (a job) instead of C(ModifySynchronization) Resync.
        Needs O(max_age).
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
- name: A nightly snapshot, refreshed when older than a day
  smis.threepar.threepar_snapshot:
    source: db01
    name: db01-nightly
    max_age: 24h
    read_only: true

- name: A physical copy into another CPG, waiting for the copy
  smis.threepar.threepar_snapshot:
    source: db01
    name: db01-clone
    type: physical
    target_cpg: SSD_r6
    wait_timeout: 1800

- name: Promote the snapshot into its source (roll back db01)
  smis.threepar.threepar_snapshot:
    source: db01
    name: db01-nightly
    state: restored

- name: A copy of db01 for the test environment, an independent volume once copied
  smis.threepar.threepar_snapshot:
    source: db01
    name: db01-test
    type: physical
    state: detached

- name: Many copies in one task, the array read once
  smis.threepar.threepar_snapshot:
    max_age: 12h
    copies:
      - {source: db01, name: db01-snap}
      - {source: db02, name: db02-snap}
      - {source: web01, name: web01-snap, state: absent}
'''

RETURN = r'''
changed:
  description: Whether a method was invoked (or, in check mode, would be).
  returned: always
  type: bool
actions:
  description:
    - The ordered steps taken (in check mode, the plan). A C(wait for copy) step has no method.
    - Steps that started a job also carry C(job_id) and C(job_state).
  returned: always
  type: list
  elements: dict
  sample: [{"operation": "create physical copy", "target": "db01-clone", "method": "CreateReplica", "job_id": "TPD:JOB:3",
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
    detached:
      description: True for a physical copy promoted to an independent volume.
      type: bool
copies:
  description: Every copy of the task, in the order given, as described for RV(copy).
  returned: always
  type: list
  elements: dict
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

from ansible.module_utils.basic import AnsibleModule, missing_required_lib

from ansible_collections.smis.threepar.plugins.module_utils.threepar.client import (
    HAS_PYWBEM, PYWBEM_IMPORT_ERROR, connection_argument_spec)
from ansible_collections.smis.threepar.plugins.module_utils.threepar.errors import ThreeparError
from ansible_collections.smis.threepar.plugins.module_utils.threepar.indications import job_indication_argument_spec
from ansible_collections.smis.threepar.plugins.module_utils.threepar.runner import run_snapshot

STATES = ['present', 'absent', 'restored', 'detached', 'halted']


def main():
    argument_spec = connection_argument_spec()
    argument_spec.update(
        source=dict(type='str'),
        name=dict(type='str'),
        type=dict(type='str', default='virtual', choices=['virtual', 'physical']),
        state=dict(type='str', default='present', choices=STATES),
        max_age=dict(type='str'),
        target_cpg=dict(type='str'),
        read_only=dict(type='bool'),
        update_space=dict(type='bool', default=False),
        copies=dict(type='list', elements='dict', options=dict(
            source=dict(type='str'),
            name=dict(type='str', required=True),
            type=dict(type='str', choices=['virtual', 'physical']),
            state=dict(type='str', choices=STATES),
            max_age=dict(type='str'),
            target_cpg=dict(type='str'),
            read_only=dict(type='bool'),
            update_space=dict(type='bool'),
        )),
        wait=dict(type='bool', default=True),
        wait_timeout=dict(type='int', default=600),
    )
    argument_spec.update(job_indication_argument_spec())
    module = AnsibleModule(argument_spec=argument_spec, supports_check_mode=True,
                           mutually_exclusive=[('name', 'copies')], required_one_of=[('name', 'copies')])
    if not HAS_PYWBEM:
        module.fail_json(msg=missing_required_lib('pywbem'), exception=PYWBEM_IMPORT_ERROR)
    try:
        result = run_snapshot(module)
    except ThreeparError as exc:
        module.fail_json(msg=str(exc), **exc.details)
    module.exit_json(**result)


if __name__ == '__main__':
    main()
