#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: smis.threepar contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function
__metaclass__ = type

DOCUMENTATION = r'''
module: threepar_rcopy_group
short_description: Manage HP 3PAR remote-copy groups, their replication and disaster recovery over SMI-S
version_added: 0.1.0
description:
  - Converges a remote-copy group between the array the module talks to and a peer array (O(target)) to an end
    state, with the C(TPD_ReplicationService) methods of the array's SMI-S provider; C(CreateGroup), C(AddMembers),
    C(RemoveMembers), C(DeleteGroup) and C(CreateGroupReplica) for the configuration, C(ModifyReplicaSynchronization)
    for the operations.
  - Disaster recovery follows Table 107 of the HP 3PAR CIM API reference. O(dr_state) is where the group should be
    on the DR path, normal -> failed_over (Failover) -> recovered (Resync Replica) -> normal (Failback). The module
    takes as many steps as needed in one task, so failed_over -> normal is a recover then a restore.
    The DR path is driven from the DR array (the group's configured secondary).
  - Failover works with the original primary array down. Recover and restore need it back.
  - Before invoking anything, the module asks the provider which operations it supports for the group's mode
    (C(GetSupportedOperations) of C(TPD_ReplicationServiceCapabilities), with the ReplicationType Synchronous or
    Asynchronous Mirror Remote). A provider that reports remote replication as read-only (the InForm OS 3.1.x
    provider) makes the task fail, with nothing changed, naming the operation and the 3PAR CLI command to run
    instead. A provider without that class (an older one) is asked on the replication service, with a warning.
  - Waits, bounded by O(wait_timeout), for the jobs it starts and until the array reports the Table 107 state of
    the desired end state.
  - Every action reports its 3PAR CLI equivalent (C(cli)), for runbooks and change records.
author:
  - smis.threepar contributors (@smis-threepar)
options:
  name:
    description: Name of the remote-copy group (the same on both arrays).
    type: str
    required: true
  state:
    description:
      - V(present), the group exists.
      - V(absent), the group does not exist on either array (stopped first when it runs).
    type: str
    choices: [present, absent]
    default: present
  target:
    description:
      - Name of the peer array (its system name, as the remote-copy link knows it). Required to create the group;
        a group cannot move to another target.
    type: str
  mode:
    description:
      - V(sync) (synchronous) or V(periodic) (asynchronous periodic) replication.
      - Defaults to V(sync) when the group is created, otherwise leaves the mode as it is. A change stops the group,
        sets the mode and starts it again.
    type: str
    choices: [sync, periodic]
  members:
    description:
      - The volume pairs of the group. A pair listed from the peer's point of view (volume and remote volume swapped)
        is the same pair, so one list serves both arrays.
      - Missing pairs are added (the group is stopped for it and started again); pairs not listed are kept unless
        O(purge_members=true).
    type: list
    elements: dict
    suboptions:
      volume:
        description: The volume on the array the module talks to.
        type: str
        required: true
      remote_volume:
        description: Its peer volume on O(target), created there when missing. Defaults to O(members[].volume).
        type: str
  purge_members:
    description: Remove the pairs of the group that O(members) does not list.
    type: bool
    default: false
  replication:
    description:
      - V(started), the group replicates (C(startrcopygroup)); V(stopped), it does not (C(stoprcopygroup)).
      - Unset, it stays as it is (a new group is started).
    type: str
    choices: [started, stopped]
  dr_state:
    description:
      - Where the group is on the disaster-recovery path of Table 107, seen from the DR array.
      - V(normal), normal operation. From V(failed_over) the DR array recovers then restores; from V(recovered) it restores.
      - V(failed_over), the DR array took over (C(setrcopygroup failover)), its volumes are writable; works with the
        primary array down.
      - V(recovered), replication runs from the DR array back to the original primary (C(setrcopygroup recover)).
      - Unset, the group stays where it is.
    type: str
    choices: [normal, failed_over, recovered]
  role:
    description:
      - The role of the group on the array the module talks to in normal operation. A change is a permanent role
        reversal (C(setrcopygroup reverse)); from V(recovered) the DR array becomes the primary without a restore.
    type: str
    choices: [primary, secondary]
  force:
    description:
      - Retry a recover that failed before (Table 107 rows 8 and 10). Without it the task refuses, so that the cause
        (links, the original primary) is looked at first.
    type: bool
    default: false
  wait:
    description:
      - Wait for the jobs the module starts and until the group reports the desired state.
      - V(false) returns after the first step that starts a job, with its id in RV(jobs) and the steps not taken in
        RV(not_started); run the task again once the job finished.
    type: bool
    default: true
  wait_timeout:
    description: Seconds to wait for all the jobs and states of the task; on timeout the task fails with the last state.
    type: int
    default: 600
  rcopy_transport:
    description:
      - How each action is carried out. The plan always comes from the states read through SMI-S, and its result is
        verified there against Table 107; the CLI's output is never taken for the array's state.
      - V(auto), by the CIM method where the provider's capabilities say it supports it, otherwise by the 3PAR CLI
        command over SSH (O(ssh_port), O(ssh_username), O(ssh_host_key_fingerprint)...). On InForm OS 3.1.x, where
        SMI-S remote copy is read-only, that is the CLI.
      - V(cim), by CIM methods only; a read-only provider makes the task fail with the commands to run by hand.
      - V(cli), by the CLI for every action.
      - Check mode runs no command that changes anything; each planned action says its C(transport). It may read
        C(showrcopy groups) (see the notes).
    type: str
    choices: [auto, cim, cli]
    default: auto
extends_documentation_fragment:
  - smis.threepar.connection
  - smis.threepar.attributes
  - smis.threepar.attributes.CHANGES
notes:
  - Configuration changes (members, mode) and the first creation need both arrays and run on the group's primary array.
  - Check mode reads the group, asks the same C(GetSupportedOperations) (a read, so that check mode reports the
    refusal a real run would meet), and returns the plan; it invokes no method and runs no CLI command that changes
    anything.
  - SMI-S names the remote volume of a pair only while the provider cannot discover it (a C(TPD_ReplicationEntity)).
    With SSH set up (O(ssh_known_hosts) or O(ssh_host_key_fingerprint)) and O(rcopy_transport) not V(cim), the module
    reads the names with C(showrcopy groups <name>), in check mode too (a read). Without it, C(remote_volume) of
    RV(group.members) is null and pairs are compared by their volume on this array.
seealso:
  - module: smis.threepar.threepar_volume
  - module: smis.threepar.threepar_info
'''

EXAMPLES = r'''
# ARRAY-A (production) and ARRAY-B (disaster recovery) are linked for remote copy. The inventory sets array_a and
# array_b to the addresses of their SMI-S providers (array-a.example.com, array-b.example.com); the credentials come
# from module_defaults (group/smis.threepar.threepar) or the THREEPAR_* environment variables.

- name: Replicate two volumes of the ERP database from ARRAY-A to ARRAY-B
  smis.threepar.threepar_rcopy_group:
    host: "{{ array_a }}"
    name: rcg_erp
    target: ARRAY-B
    mode: sync
    members:
      - {volume: erp_data, remote_volume: erp_data_dr}
      - {volume: erp_logs, remote_volume: erp_logs_dr}
    replication: started

- name: Exactly these pairs, asynchronous periodic replication (configuration changes run on the primary array)
  smis.threepar.threepar_rcopy_group:
    host: "{{ array_a }}"
    name: rcg_erp
    mode: periodic
    members:
      - {volume: erp_data, remote_volume: erp_data_dr}
    purge_members: true

- name: Site disaster - fail over on the DR array (the primary may be down)
  smis.threepar.threepar_rcopy_group:
    host: "{{ array_b }}"
    name: rcg_erp
    dr_state: failed_over
  register: failover

- name: Production site back - replicate from the DR array to it (recover)
  smis.threepar.threepar_rcopy_group:
    host: "{{ array_b }}"
    name: rcg_erp
    dr_state: recovered

- name: Back to normal operation (restore); from failed_over this recovers first
  smis.threepar.threepar_rcopy_group:
    host: "{{ array_b }}"
    name: rcg_erp
    dr_state: normal
    wait_timeout: 3600

- name: Make the DR array the primary for good (reverse the roles)
  smis.threepar.threepar_rcopy_group:
    host: "{{ array_b }}"
    name: rcg_erp
    dr_state: normal
    role: primary

- name: Remove the group from both arrays (the volumes stay), on its primary array (ARRAY-B since the reversal)
  smis.threepar.threepar_rcopy_group:
    host: "{{ array_b }}"
    name: rcg_erp
    state: absent
'''

RETURN = r'''
changed:
  description: Whether a method was invoked (or, in check mode, would be).
  returned: always
  type: bool
actions:
  description:
    - The ordered steps taken (in check mode, the plan), each with the 3PAR CLI command that does the same.
    - Steps that started a job also carry C(job_id) and C(job_state).
  returned: always
  type: list
  elements: dict
  contains:
    operation:
      description: create, create_replica, add_member, remove_member, set_mode, start, stop, failover, recover, restore,
        reverse or delete.
      type: str
    target:
      description: The group, or the volume for a member change.
      type: str
    method:
      description: The C(TPD_ReplicationService) method.
      type: str
    operation_code:
      description: The C(ModifyReplicaSynchronization) Operation, null for the other methods.
      type: int
    operation_name:
      description: Its DMTF name (Failover, Resync Replica, Failback, Resume, Suspend, Reverse Roles, ...).
      type: str
    cli:
      description: The 3PAR CLI command an operator would type for the step.
      type: str
    transport:
      description:
        - V(cim) (the method) or V(cli) (the command run over SSH, with C(-f) and, for the DR actions, C(-waittask));
          see O(rcopy_transport).
      type: str
    job_id:
      description: The job the step started.
      type: str
    job_state:
      description: Its state when the step ended (Completed; New or Running with O(wait=false)).
      type: str
  sample: [{"operation": "failover", "target": "rcg_erp", "method": "ModifyReplicaSynchronization", "operation_code": 10,
            "operation_name": "Failover", "cli": "setrcopygroup failover rcg_erp", "job_id": "TPD:JOB:7",
            "job_state": "Completed"}]
group:
  description: The group after the run (in check mode, as it is now), with decoded states; empty when it does not exist.
  returned: always
  type: dict
  contains:
    name:
      description: Group name.
      type: str
    role:
      description:
        - Role on this array, Primary, Secondary, Primary-Rev or Secondary-Rev, as C(showrcopy) prints it.
        - SMI-S has no such property; it is derived from C(TPD_RemoteGroupSynchronized), whose SystemElement is the
          group's natural source (Primary, Secondary when this array is the natural target), and its C(RoleReversed)
          (C(-Rev)).
      type: str
    status:
      description: Synced, Syncing, Stopped or New (made, never started), as C(showrcopy) prints it, derived from the states
        of the group's synchronization (Tables 106 and 107).
      type: str
    copy_state:
      description: Decoded C(CopyState) (Synchronized, Inactive, Failedover, Broken, ...).
      type: str
    sync_state:
      description: Decoded C(SyncState) (Synchronized, Frozen, Broken, RestoreInProgress, ...).
      type: str
    progress_status:
      description: Decoded C(ProgressStatus) (Completed, Dormant, Failing over, Failing back, Restoring, ...).
      type: str
    mode:
      description: V(sync) or V(periodic).
      type: str
    target:
      description: The peer array.
      type: str
    members:
      description: The pairs, C(volume) on this array and C(remote_volume) on the peer, whatever the replication direction;
        C(remote_volume) is null when neither SMI-S nor C(showrcopy) named it (see the notes).
      type: list
      elements: dict
    side:
      description: The group's configured role on this array in normal operation, V(primary) or V(secondary).
      type: str
    dr_state:
      description: V(normal), V(failed_over), V(recovered), or an operation under way (failing_over, recovering, failing_back).
      type: str
    replication:
      description: V(started) or V(stopped).
      type: str
    matches_table_107:
      description: Whether the states read match a row of Tables 106/107 of the HP CIM API reference for this side.
      type: bool
    table_107_row:
      description: The row matched (C(106-synced), C(3), C(7), ...), null if none.
      type: str
    table_107_event:
      description: What that row describes.
      type: str
    peer_reachable:
      description: False when the provider no longer discovers the remote volumes of a started group (its pairs end in a
        C(TPD_ReplicationEntity)), which it does while the peer is unreachable; true otherwise.
      type: bool
    recover_failed:
      description: Whether the group reads as a failed recover (Table 107 row 8), that is failed over, CopyState FailedOver,
        with the peer reachable.
      type: bool
    incomplete:
      description: A group left half-made (by an interrupted create) that has no member, or was never started (status New);
        the next run of the task that creates it completes it.
      type: bool
    sync_period:
      description: Seconds between updates in periodic mode.
      type: int
    when_synced:
      description: Last synchronisation point (ISO 8601).
      type: str
  sample: {"name": "rcg_erp", "role": "Primary-Rev", "status": "Stopped", "copy_state": "Failedover", "sync_state": "Broken",
           "progress_status": "Completed", "mode": "sync", "target": "ARRAY-A",
           "members": [{"volume": "erp_data_dr", "remote_volume": "erp_data"}], "side": "secondary", "dr_state": "failed_over",
           "replication": "stopped", "matches_table_107": true, "table_107_row": "3", "table_107_event": "failover done",
           "peer_reachable": false, "recover_failed": false, "incomplete": false, "sync_period": null, "when_synced": null}
table_107:
  description: The check of the state reached against Table 107 (rows expected, row matched, message).
  returned: when the module performed steps and waited
  type: dict
jobs:
  description: Ids of the jobs left running with O(wait=false).
  returned: always
  type: list
  elements: str
not_started:
  description: The steps not taken because O(wait=false) left a job running.
  returned: when O(wait=false) left steps
  type: list
  elements: dict
diff:
  description: The group before and after (name, target, mode, members, role, status, side, dr_state, replication).
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
from ansible_collections.smis.threepar.plugins.module_utils.threepar.rcopy_runner import run_rcopy_group


def main():
    argument_spec = dict(
        name=dict(type='str', required=True),
        state=dict(type='str', default='present', choices=['present', 'absent']),
        target=dict(type='str'),
        mode=dict(type='str', choices=['sync', 'periodic']),
        members=dict(type='list', elements='dict', options=dict(
            volume=dict(type='str', required=True),
            remote_volume=dict(type='str'),
        )),
        purge_members=dict(type='bool', default=False),
        replication=dict(type='str', choices=['started', 'stopped']),
        dr_state=dict(type='str', choices=['normal', 'failed_over', 'recovered']),
        role=dict(type='str', choices=['primary', 'secondary']),
        force=dict(type='bool', default=False),
        wait=dict(type='bool', default=True),
        wait_timeout=dict(type='int', default=600),
        rcopy_transport=dict(type='str', default='auto', choices=['auto', 'cim', 'cli']),
    )
    run_module(argument_spec, run_rcopy_group,
               libraries=lambda params: ('paramiko',) if params['rcopy_transport'] == 'cli' else ())


if __name__ == '__main__':
    main()
