# -*- coding: utf-8 -*-
# Copyright: smis.threepar contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function
__metaclass__ = type


class ModuleDocFragment(object):
    """Attributes every module of the collection shares."""

    DOCUMENTATION = r'''
options: {}
attributes:
  action_group:
    description: Use C(group/smis.threepar.threepar) in C(module_defaults) to set the connection options once.
    support: full
    membership:
      - smis.threepar.threepar
  platform:
    description: Talks to an HP 3PAR array (or the threepar-sim simulator) over SMI-S / CIM-XML.
    support: full
    platforms: threepar
'''

    CHANGES = r'''
options: {}
attributes:
  check_mode:
    description: Reads the array (the capability reads included) and returns the plan (RV(actions)) without invoking any method that changes it.
    support: full
  diff_mode:
    description: Returns the before and after state of the managed objects.
    support: full
'''

    READ_ONLY = r'''
options: {}
attributes:
  check_mode:
    description: Only reads; runs the same in check mode.
    support: full
  diff_mode:
    description: Nothing changes, so there is no diff.
    support: N/A
'''
