# -*- coding: utf-8 -*-
# Copyright: smis.threepar contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Bounded waiting on a monotonic clock, never a fixed long sleep, with completion seen fast:

* with job indications (indications.JobIndications, when the array can reach the controller), the wait sleeps on the
  listener and wakes when the indication that the awaited job finished arrives, then confirms with one probe;
* otherwise it polls: the first probe at once, then pauses that start at 0.1 s and grow to 2 s, except that once the
  probe reports progress (PercentComplete, PercentSynced) the pace predicts when the job ends and probes right then.

Pauses are never longer than 2 s, so a lost indication or a wrong prediction costs at most 2 s. A probe that fails
(the connection dropped, an HTTP error, one slow answer) does not end the wait, since the job runs on: it is retried
after a back-off, up to PROBE_ATTEMPTS in a row and within the wait's timeout, then reported with the job's id."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import time

from ansible_collections.smis.threepar.plugins.module_utils.threepar.errors import (
    CertificateUntrusted, ConnectionFailed, HostKeyUnverified, RequestTimedOut, WaitTimedOut)

FIRST_INTERVAL = 0.1
MAX_INTERVAL = 2.0
GROWTH = 1.5
# After a probe that came back not finished although the prediction said it would be: retry this soon, growing.
RETRY_INTERVAL = 0.05
# Probe a little after the predicted end (the array's progress is a whole percentage).
MARGIN = 0.02
# Progress samples must be at least this far apart to give a rate.
MIN_SPAN = 0.1
# Failed probes in a row before the wait gives up, and the first back-off (doubling) between them.
PROBE_ATTEMPTS = 5
PROBE_BACKOFF = 0.5


def intervals(first=FIRST_INTERVAL, limit=MAX_INTERVAL, growth=GROWTH):
    """0.1, 0.15, 0.225, ... capped at 2 s: a short job is seen at once, a long one costs few requests."""
    interval = first
    while True:
        yield interval
        interval = min(limit, interval * growth)


def percent_of(state):
    """Progress (0..100) of a probed state, when it tells one: a model.Job's PercentComplete; else None."""
    value = getattr(state, 'percent_complete', None)
    return None if value is None else float(value)


class Pace:
    """When to probe next. Without progress: the growing intervals. With progress: the rate from the first and the
    latest progress samples predicts the end; the next probe is at the predicted end (minus half the round trip of a
    probe, as the array reads the state in the middle of it), at most ``limit`` away."""

    def __init__(self, predict=True, first=FIRST_INTERVAL, limit=MAX_INTERVAL, growth=GROWTH):
        self.predict = predict
        self.limit = limit
        self._plain = intervals(first, limit, growth)
        self._retry = None
        self._first = None      # (time, percent) of the first sample with progress
        self._last = None
        self._rtt = 0.0

    def observe(self, started, ended, percent):
        """A probe sent at ``started``, answered at ``ended``, reported ``percent`` (or None)."""
        self._rtt = ended - started
        if percent is None or percent <= 0 or percent >= 100:
            return
        sample = ((started + ended) / 2.0, percent)
        if self._first is None:
            self._first = sample
        self._last = sample

    def eta(self):
        """Predicted time of the end (on the waiter's clock), or None while the rate is unknown."""
        if not self.predict or self._first is None or self._last is None:
            return None
        span = self._last[0] - self._first[0]
        gained = self._last[1] - self._first[1]
        if span < MIN_SPAN or gained <= 0:
            return None
        rate = gained / span
        # The array reports whole percents, truncated: on average the job is half a percent further.
        return self._last[0] + (100.0 - self._last[1] - 0.5) / rate

    def next_pause(self, now):
        eta = self.eta()
        if eta is None:
            return next(self._plain)
        until = eta - now - self._rtt / 2.0 + MARGIN
        if until > 0:
            self._retry = None
            return min(self.limit, until)
        # Overdue: the prediction was early (or the job waits in a queue); retry soon, backing off.
        if self._retry is None:
            self._retry = intervals(RETRY_INTERVAL, self.limit, GROWTH)
        return next(self._retry)


class Waiter:
    """``wait(probe, timeout, what, job_id, describe, percent)``: probe() -> (done, last_state); returns last_state when
    done. ``describe`` turns a state into the text a timeout reports; ``percent`` a state into its progress (default:
    percent_of). ``events`` (indications.JobEvents or None) wakes the wait of a job when its indication arrives."""

    def __init__(self, clock=time.monotonic, sleep=time.sleep, events=None, predict=True):
        self.clock = clock
        self.sleep = sleep
        self.events = events
        self.predict = predict
        self.probes = 0     # how many probes the waits of this run cost (benchmarks report it)

    def wait(self, probe, timeout, what, job_id=None, describe=str, percent=percent_of):
        deadline = self.clock() + timeout
        pace = Pace(self.predict)
        done, last_state = self._probe(probe, pace, percent, deadline, what, job_id)
        woken = False
        while not done:
            now = self.clock()
            remaining = deadline - now
            if remaining <= 0:
                last = describe(last_state)
                raise WaitTimedOut('wait for', what, 'it did not finish within %s s (last state: %s)' % (timeout, last),
                                   ('Job %s stays on the array: see it with smis.threepar.threepar_info (gather: jobs), '
                                    'and raise wait_timeout.' % job_id) if job_id else 'Raise wait_timeout.',
                                   job_id=job_id, last_state=last)
            pause = min(pace.next_pause(now), remaining)
            if self.events is not None and job_id is not None and not woken:
                if self.events.seen(job_id):
                    # Indications for this job arrive: they wake the wait; the probe every 2 s is only a safety net.
                    pause = min(MAX_INTERVAL, remaining)
                woken = self.events.wait_finished(job_id, pause)
            else:
                # Woken by an indication that the probe did not confirm (yet): plain pauses from now on.
                woken = False
                self.sleep(pause)
            done, last_state = self._probe(probe, pace, percent, deadline, what, job_id)
        return last_state

    def _probe_retrying(self, probe, deadline, what, job_id):
        backoff = PROBE_BACKOFF
        for attempt in range(1, PROBE_ATTEMPTS + 1):
            try:
                return probe()
            except (CertificateUntrusted, HostKeyUnverified):
                raise       # not transient
            except (ConnectionFailed, RequestTimedOut) as exc:
                remaining = deadline - self.clock() if deadline is not None else 0
                if attempt == PROBE_ATTEMPTS or remaining <= 0:
                    raise _gave_up(exc, attempt, what, job_id)
                self.sleep(min(backoff, remaining))
                backoff *= 2
        return None     # not reached: the last attempt returns or raises

    def _probe(self, probe, pace, percent, deadline=None, what=None, job_id=None):
        started = self.clock()
        done, state = self._probe_retrying(probe, deadline, what, job_id)
        self.probes += 1
        pace.observe(started, self.clock(), percent(state) if percent is not None and state is not None else None)
        return done, state


def _gave_up(exc, attempts, what, job_id):
    """The error of the last failed probe, saying how many failed and where the job is."""
    hint = exc.hint
    if job_id:
        hint = ('Job %s runs on: see it with smis.threepar.threepar_info (gather: jobs); the next run of the task waits '
                'for it or converges. %s' % (job_id, hint)).strip()
    return type(exc)(exc.verb, exc.obj, '%s (%d probe%s of %s failed in a row)' % (
        exc.reason, attempts, '' if attempts == 1 else 's', what or 'the job'), hint, **dict(exc.details, job_id=job_id))
