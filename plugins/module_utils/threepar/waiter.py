# -*- coding: utf-8 -*-
# Copyright: smis.threepar contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Bounded waiting: poll a probe on a monotonic clock, first after 0.1 s, the interval growing to 2 s,
until it reports done or the timeout passes. Never a fixed long sleep."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import time

from ansible_collections.smis.threepar.plugins.module_utils.threepar.errors import WaitTimedOut

FIRST_INTERVAL = 0.1
MAX_INTERVAL = 2.0
GROWTH = 1.5


def intervals(first=FIRST_INTERVAL, limit=MAX_INTERVAL, growth=GROWTH):
    """0.1, 0.15, 0.225, ... capped at 2 s: a short job is seen at once, a long one costs few requests."""
    interval = first
    while True:
        yield interval
        interval = min(limit, interval * growth)


class Waiter:
    """``wait(probe, timeout, what, job_id, describe)``: probe() -> (done, last_state); returns last_state when done.
    ``describe`` turns a state into the text a timeout reports."""

    def __init__(self, clock=time.monotonic, sleep=time.sleep):
        self.clock = clock
        self.sleep = sleep

    def wait(self, probe, timeout, what, job_id=None, describe=str):
        deadline = self.clock() + timeout
        done, last_state = probe()
        pauses = intervals()
        while not done:
            remaining = deadline - self.clock()
            if remaining <= 0:
                last = describe(last_state)
                raise WaitTimedOut('wait for', what, 'it did not finish within %s s (last state: %s)' % (timeout, last),
                                   ('Job %s stays on the array: see it with smis.threepar.threepar_info (gather: jobs), '
                                    'and raise wait_timeout.' % job_id) if job_id else 'Raise wait_timeout.',
                                   job_id=job_id, last_state=last)
            self.sleep(min(next(pauses), remaining))
            done, last_state = probe()
        return last_state


class CheckModeWaiter(Waiter):
    """Check mode invokes nothing, so there is nothing to wait for."""

    def wait(self, probe, timeout, what, job_id=None, describe=str):
        return None
