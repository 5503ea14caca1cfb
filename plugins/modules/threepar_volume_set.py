#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: smis.threepar contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function
__metaclass__ = type

DOCUMENTATION = r'''
module: threepar_volume_set
short_description: Manage HP 3PAR volume sets (vvsets) and their members over SMI-S
version_added: 0.1.0
description:
  - Creates and deletes a volume set (C(TPD_ReplicationGroup), the CLI's C(createvvset)) and converges its members,
    with C(CreateGroup), C(AddMembers), C(RemoveMembers) and C(DeleteGroup) of the array's C(TPD_ReplicationService).
  - M(smis.threepar.threepar_snapshot) takes consistent snapshots of a volume set (O(smis.threepar.threepar_snapshot#module:volume_set)),
    every member at one point in time.
  - A converged run reads the members of the set (one request) and invokes nothing.
author:
  - smis.threepar contributors (@smis-threepar)
options:
  name:
    description: Name of the volume set, at most 31 letters, digits, C(.), C(-) or C(_).
    type: str
    required: true
  state:
    description:
      - V(present), the set exists and holds O(members).
      - V(absent), the set does not exist. Its volumes stay; only the set is deleted.
    type: str
    choices: [present, absent]
    default: present
  members:
    description:
      - Volumes that must be members, by name. Each must exist (M(smis.threepar.threepar_volume)); a name that does not is
        an error and nothing is changed. A volume may be a member of several sets.
      - Omitted, the members of an existing set are left as they are (a new set is created empty).
    type: list
    elements: str
  purge_members:
    description:
      - Remove the members that are not in O(members), so that the set holds exactly O(members) (V(members=[]) empties it).
        The volumes removed from the set are not deleted.
      - V(false) only adds.
    type: bool
    default: false
extends_documentation_fragment:
  - smis.threepar.connection
  - smis.threepar.attributes
  - smis.threepar.attributes.CHANGES
seealso:
  - module: smis.threepar.threepar_snapshot
  - module: smis.threepar.threepar_volume
  - module: smis.threepar.threepar_info
'''

EXAMPLES = r'''
- name: The volumes of the database in one set, for consistent snapshots
  smis.threepar.threepar_volume_set:
    name: db_set
    members: [db01, db02]

- name: Exactly these members (web01 goes in, anything else comes out)
  smis.threepar.threepar_volume_set:
    name: db_set
    members: [db01, db02, web01]
    purge_members: true

- name: Delete the set (its volumes stay)
  smis.threepar.threepar_volume_set:
    name: db_set
    state: absent
'''

RETURN = r'''
changed:
  description: Whether a method was invoked (or, in check mode, would be).
  returned: always
  type: bool
actions:
  description:
    - The ordered steps taken (in check mode, the plan), each with C(operation) (V(create_volume_set), V(add_set_members),
      V(remove_set_members) or V(delete_volume_set)), C(target) (the set) and C(method) (of C(TPD_ReplicationService)).
    - Empty when the set is already as asked.
  returned: always
  type: list
  elements: dict
  sample: [{"operation": "add_set_members", "target": "db_set", "method": "AddMembers"}]
volume_set:
  description: The set after the run (in check mode, as it is now); empty when it does not exist.
  returned: always
  type: dict
  contains:
    name:
      description: Name of the set.
      type: str
    members:
      description: Its member volumes, sorted by name.
      type: list
      elements: str
  sample: {"name": "db_set", "members": ["db01", "db02"]}
diff:
  description: The set (name and members) before and after.
  returned: when diff mode is on
  type: dict
'''

from ansible_collections.smis.threepar.plugins.module_utils.threepar.module import run_module
from ansible_collections.smis.threepar.plugins.module_utils.threepar.runner import run_volume_set


def main():
    argument_spec = dict(
        name=dict(type='str', required=True),
        state=dict(type='str', default='present', choices=['present', 'absent']),
        members=dict(type='list', elements='str'),
        purge_members=dict(type='bool', default=False),
    )
    run_module(argument_spec, run_volume_set)


if __name__ == '__main__':
    main()
