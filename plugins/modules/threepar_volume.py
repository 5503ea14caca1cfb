#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: smis.threepar contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function
__metaclass__ = type

DOCUMENTATION = r'''
module: threepar_volume
short_description: Manage HP 3PAR base volumes and their snapshot space over SMI-S
version_added: 0.1.0
description:
  - Creates, grows and deletes base volumes (virtual volumes) of an HP 3PAR array, and sets their snapshot
    space (SA/SD space as C(TPD_DeltaReplicaStoragePool)), through the array's SMI-S provider (CIM-XML).
  - Reads the current state in bulk, invokes only the methods needed, and reports them as RV(actions).
    A second run with the same options changes nothing.
author:
  - smis.threepar contributors (@smis-threepar)
options:
  name:
    description: Volume name (unique on the array), at most 31 letters, digits, C(.), C(-) or C(_).
    type: str
    required: true
  state:
    description:
      - V(present) creates the volume, or grows it and sets its snapshot space.
      - V(absent) deletes it. A volume with copies is refused unless O(force=true).
    type: str
    choices: [present, absent]
    default: present
  cpg:
    description:
      - CPG (TPD_DynamicStoragePool) the volume is allocated from. Required to create it.
      - A volume cannot be moved to another CPG by this module.
    type: str
  size:
    description:
      - Size, a number and a unit such as V(512MiB), V(10GiB), V(10G) or V(2TiB). Required to create it.
      - Every unit is binary, as in Ansible's C(human_to_bytes) and the 3PAR CLI, so V(10GB), V(10G) and V(10GiB) are all
        10 x 1024^3 bytes. A number alone is bytes.
      - The array allocates whole 256 MiB units, so the size is rounded up to the next multiple of 256 MiB and
        compared as rounded (V(1000MiB) makes a 1 GiB volume, and a second run changes nothing). At most V(16TiB).
      - The volume only grows; a smaller size is refused.
    type: str
  provisioning:
    description: Thin or fully provisioned, fixed when the volume is created. Defaults to V(thin) at creation.
    type: str
    choices: [thin, full]
  snap_cpg:
    description: CPG of the volume's snapshot space (SA/SD). Needed before virtual copies can be created.
    type: str
  snap_size:
    description: Limit of the snapshot space (C(SnapVolumeSize)), such as V(2GiB), in the units of O(size); V(0) means no limit.
    type: str
  snap_percent:
    description: Snapshot space as a percentage of the volume size (C(SnapVolumePercentage)), 0 to 100.
    type: int
  force:
    description:
      - With O(state=absent), delete the volume even though it has copies; its virtual copies are deleted and its
        complete physical copies are detached (kept as independent volumes), copies in progress are stopped and deleted.
    type: bool
    default: false
extends_documentation_fragment:
  - smis.threepar.connection
  - smis.threepar.attributes
  - smis.threepar.attributes.CHANGES
seealso:
  - module: smis.threepar.threepar_snapshot
  - module: smis.threepar.threepar_info
'''

EXAMPLES = r'''
- name: Connection options once for every smis.threepar module
  module_defaults:
    group/smis.threepar.threepar:
      host: "{{ threepar_host }}"          # the array's SMI-S provider, such as 3par-a.example.com
      username: 3paradm
      password: "{{ vault_3par_password }}"
      ca_path: "{{ threepar_ca_path }}"    # the CA of its certificate, such as /etc/pki/3par-a.pem
  block:
    - name: A thin 10 GiB volume with snapshot space
      smis.threepar.threepar_volume:
        name: db01
        cpg: FC_r5
        size: 10GiB
        snap_cpg: FC_r5
        snap_percent: 20

    - name: Grow it to 20 GiB
      smis.threepar.threepar_volume:
        name: db01
        size: 20GiB

    - name: Delete it together with its snapshots
      smis.threepar.threepar_volume:
        name: db01
        state: absent
        force: true
'''

RETURN = r'''
changed:
  description: Whether a method was invoked (or, in check mode, would be).
  returned: always
  type: bool
actions:
  description: The ordered steps taken (in check mode, the plan). Empty when the volume is already as asked.
  returned: always
  type: list
  elements: dict
  contains:
    operation:
      description: What the step does, V(create_volume), V(grow_volume), V(set_snapshot_space) or V(delete_volume); with O(force),
        the copies of the volume go first (V(detach_copy), V(stop_copy), V(delete_copy)).
      type: str
      sample: create_volume
    target:
      description: The volume or copy it acts on.
      type: str
      sample: db01
    method:
      description: The CIM method of C(TPD_StorageConfigurationService) invoked.
      type: str
      sample: CreateOrModifyElementFromStoragePool
  sample: [{"operation": "create_volume", "target": "db01", "method": "CreateOrModifyElementFromStoragePool"}]
volume:
  description: The volume after the run (empty after a delete; in check mode, as it is now).
  returned: always
  type: dict
  contains:
    name:
      description: Volume name.
      type: str
    size:
      description: Size in the largest exact binary unit.
      type: str
      sample: 10GiB
    size_bytes:
      description: Size in bytes.
      type: int
    provisioning:
      description: V(thin) or V(full).
      type: str
    cpg:
      description: CPG it is allocated from.
      type: str
    wwn:
      description: World wide name.
      type: str
    device_id:
      description: Volume id on the array.
      type: str
    read_only:
      description: Whether hosts may only read it.
      type: bool
    copy_of:
      description: Source volume when it is a copy, else null.
      type: str
    operational_status:
      description: Decoded C(OperationalStatus).
      type: list
      elements: str
      sample: [OK]
    snap_cpg:
      description: CPG of its snapshot space, null when it has none.
      type: str
    snap_size:
      description: Limit of its snapshot space, null when not set.
      type: str
    snap_percent:
      description: Snapshot space as a percentage, null when not set.
      type: int
diff:
  description: The volume before and after (name, size, provisioning, cpg, snap_cpg, snap_size, snap_percent).
  returned: when diff mode is on
  type: dict
  contains:
    before:
      description: Before the run; empty when it did not exist.
      type: dict
    after:
      description: After the run (predicted in check mode); empty when deleted.
      type: dict
'''

from ansible_collections.smis.threepar.plugins.module_utils.threepar.module import run_module
from ansible_collections.smis.threepar.plugins.module_utils.threepar.runner import run_volume


def main():
    argument_spec = dict(
        name=dict(type='str', required=True),
        state=dict(type='str', default='present', choices=['present', 'absent']),
        cpg=dict(type='str'),
        size=dict(type='str'),
        provisioning=dict(type='str', choices=['thin', 'full']),
        snap_cpg=dict(type='str'),
        snap_size=dict(type='str'),
        snap_percent=dict(type='int'),
        force=dict(type='bool', default=False),
    )
    run_module(argument_spec, run_volume)


if __name__ == '__main__':
    main()
