#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: smis.threepar contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function
__metaclass__ = type

DOCUMENTATION = r'''
module: threepar_info
short_description: Report HP 3PAR volumes, copies, remote-copy groups, jobs and the system over SMI-S
version_added: 0.1.0
description:
  - Reads the array in bulk (one enumeration per class) and returns its objects with decoded state names
    (C(sync_state=Frozen), not C(14)).
  - O(query) applies a JMESPath expression to the result, for example to pick the Broken copies.
author:
  - smis.threepar contributors (@smis-threepar)
options:
  gather:
    description: What to read. Defaults to everything.
    type: list
    elements: str
    choices: [volumes, copies, volume_sets, rcopy_groups, jobs, system]
  query:
    description: A JMESPath expression applied to the gathered data; its value is returned as RV(query_result).
    type: str
extends_documentation_fragment:
  - smis.threepar.connection
  - smis.threepar.attributes
  - smis.threepar.attributes.READ_ONLY
requirements:
  - jmespath (for O(query))
seealso:
  - module: smis.threepar.threepar_volume
  - module: smis.threepar.threepar_snapshot
  - module: smis.threepar.threepar_rcopy_group
'''

EXAMPLES = r'''
- name: Everything the array has
  smis.threepar.threepar_info:
  register: array

- name: Names of the Broken copies
  smis.threepar.threepar_info:
    gather: [copies]
    query: "copies[?sync_state=='Broken'].name"
  register: broken

- name: Jobs left by a run with wait false
  smis.threepar.threepar_info:
    gather: [jobs]
    query: "jobs[?job_state!='Completed']"
'''

RETURN = r'''
changed:
  description: Always false.
  returned: always
  type: bool
volumes:
  description: Every volume, base volumes, snapshots and physical copies, sorted by name.
  returned: when O(gather) has V(volumes)
  type: list
  elements: dict
  sample: [{"name": "db01", "size": "10GiB", "size_bytes": 10737418240, "provisioning": "thin", "cpg": "FC_r5",
            "snap_cpg": "FC_r5", "snap_size": null, "snap_percent": 20, "copy_of": null, "read_only": false,
            "wwn": "60002AC0000000000000000000000001", "device_id": "1", "operational_status": ["OK"]}]
copies:
  description:
    - Every local copy (C(TPD_StorageSynchronized)) with decoded states. C(type) comes from CopyType and ReplicaType
      together (a resyncable physical copy is CopyType UnSyncAssoc like a snapshot, with ReplicaType Full Copy);
      physical copies also carry C(resyncable). The resync snapshot the array keeps for a resyncable physical copy is
      listed as a virtual copy of the source.
    - C(when_synced) of a snapshot is the restore point O(smis.threepar.threepar_snapshot#module:restore_point) takes.
    - Snapshots also carry C(expires) and C(retained_until) (ISO 8601, null when not set) and the seconds left until then,
      C(expires_in) and C(retention_left) (see O(smis.threepar.threepar_snapshot#module:expire) and
      O(smis.threepar.threepar_snapshot#module:retain)).
  returned: when O(gather) has V(copies)
  type: list
  elements: dict
  sample: [{"source": "db01", "name": "db01-snap", "type": "virtual", "copy_type": "UnSyncAssoc", "replica_type": "After Delta",
            "sync_state": "Idle", "copy_state": "Inactive", "progress_status": "Completed", "sync_type": "Snapshot",
            "mode": "Synchronous", "sync_maintained": false, "when_synced": "2024-05-01T12:00:00+00:00", "percent_synced": 100,
            "read_only": false}]
jobs:
  description: Jobs on the array (C(TPD_ConcreteJob)), those left by O(ignore:wait=false) among them.
  returned: when O(gather) has V(jobs)
  type: list
  elements: dict
  sample: [{"job_id": "TPD:JOB:3", "job_state": "Running", "operational_status": ["OK"], "percent_complete": 40,
            "error_description": null, "method": "AttachReplica", "target": "db01-clone"}]
system:
  description: The storage system.
  returned: when O(gather) has V(system)
  type: dict
  sample: {"name": "3PAR-A", "system_name": "2FF70002AC01234", "serial_number": "1234", "operational_status": ["OK"]}
volume_sets:
  description:
    - Volume sets (vvsets, C(TPD_ReplicationGroup)), sorted by name, each with its members sorted, as
      M(smis.threepar.threepar_volume_set) returns its RV(smis.threepar.threepar_volume_set#module:volume_set).
  returned: when O(gather) has V(volume_sets)
  type: list
  elements: dict
  sample: [{"name": "db_set", "members": ["db01", "db02"]}]
rcopy_groups:
  description:
    - Remote-copy groups as this array sees them, sorted by name, with decoded states, as
      M(smis.threepar.threepar_rcopy_group) returns its RV(smis.threepar.threepar_rcopy_group#module:group)
      (role, status, copy_state, sync_state, progress_status, mode, members, side, dr_state, matches_table_107, ...).
    - Empty on an array without remote copy. A group left half-made by an interrupted create (no member, or never
      started) is listed with C(incomplete) true.
    - With SSH set up (O(ssh_known_hosts) or O(ssh_host_key_fingerprint)) the remote volume names SMI-S does not give
      are read with C(showrcopy groups <name>); without it their C(remote_volume) is null.
  returned: when O(gather) has V(rcopy_groups)
  type: list
  elements: dict
  sample: [{"name": "rcg_erp", "role": "Primary", "status": "Synced", "copy_state": "Synchronized", "sync_state": "Synchronized",
            "progress_status": "Completed", "mode": "sync", "target": "ARRAY-B",
            "members": [{"volume": "erp_data", "remote_volume": "erp_data_dr"}], "side": "primary", "dr_state": "normal",
            "replication": "started", "matches_table_107": true, "table_107_row": "106-synced",
            "table_107_event": "normal operation", "peer_reachable": true, "recover_failed": false, "incomplete": false,
            "sync_period": null, "when_synced": null}]
query_result:
  description: The value of O(query) applied to the gathered data.
  returned: when O(query) is given
  type: raw
'''

from ansible_collections.smis.threepar.plugins.module_utils.threepar.module import run_module
from ansible_collections.smis.threepar.plugins.module_utils.threepar.runner import GATHER, run_info


def main():
    argument_spec = dict(
        gather=dict(type='list', elements='str', choices=list(GATHER)),
        query=dict(type='str'),
    )
    run_module(argument_spec, run_info)


if __name__ == '__main__':
    main()
