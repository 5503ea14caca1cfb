# -*- coding: utf-8 -*-
# Copyright: smis.threepar contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function
__metaclass__ = type


class ModuleDocFragment(object):
    """How modules that wait for array jobs see the jobs end: job indications, or polling."""

    DOCUMENTATION = r'''
options:
  job_indications:
    description:
      - How the module sees that a job it waits for has ended.
      - V(auto) subscribes to the array's job indications (C(TPD_ConcreteJobInstModification)) with a listener on the
        host that runs the module, when the task has a method that can start a job; if the array refuses the
        subscription (a user with the browse role, a provider without indications) or the listener cannot start, the
        module polls instead, silently. If indications never arrive (the array cannot reach the listener), the module
        polls as well.
      - V(always) subscribes, and fails the task if it cannot.
      - V(never) polls the job's state properties (C(PropertyList)) only, the first probe at once, then at intervals
        that start at 0.1 s and grow to at most 2 s, predicting the end of the job from its C(PercentComplete).
      - The subscription costs 3 CIM requests before the first method and 3 after the last wait; it is removed from
        the array's C(root/interop) namespace when the task ends, also when it fails.
    type: str
    choices: [auto, always, never]
    default: auto
  listener_host:
    description:
      - Address the indication listener binds to, and the array sends indications to (C(http://ADDRESS:PORT), on an
        ephemeral port).
      - Defaults to the local address of the host that runs the module on its route to the array
        (V(127.0.0.1) when the array is on the loopback interface).
      - Set it when the array reaches this host by another address (NAT); the port must then be reachable too.
    type: str
notes:
  - "Job indications need the edit role (the subscription is created with C(CreateInstance)), and a network path from
    the array to the host that runs the module (usually the controller). The listener speaks HTTP: indications carry
    job states, no credentials."
  - "The listener accepts indications from anyone who can reach it (arrays do not authenticate them), so it never
    trusts one: an indication only wakes the wait, and the module reads the job's state from the array before it
    goes on. What a flood can cost is bounded: the listener holds at most 64 indications (more are refused with
    CIM_ERR_FAILED) and remembers the last 1,000 job ids; it listens only while the task waits."
'''
