import pytest

from ansible_collections.smis.threepar.plugins.module_utils.threepar import waiter
from ansible_collections.smis.threepar.plugins.module_utils.threepar.errors import (
    CertificateUntrusted, ConnectionFailed, RequestTimedOut, WaitTimedOut)


class FakeClock:
    def __init__(self):
        self.now = 100.0
        self.sleeps = []

    def clock(self):
        return self.now

    def sleep(self, seconds):
        self.sleeps.append(seconds)
        self.now += seconds


def test_intervals_start_short_and_cap_at_two_seconds():
    gen = waiter.intervals()
    seq = [next(gen) for dummy in range(12)]
    assert seq[0] <= 0.1 and max(seq) <= 2.0 and seq[-1] == 2.0
    assert seq == sorted(seq)


def test_wait_returns_when_done():
    fake = FakeClock()
    states = iter([(False, 'Running 10%'), (False, 'Running 50%'), (True, 'Completed')])
    assert waiter.Waiter(fake.clock, fake.sleep).wait(lambda: next(states), 10, 'job') == 'Completed'
    assert fake.sleeps[0] <= 0.1 and len(fake.sleeps) == 2


def test_wait_times_out_with_job_id_and_last_state():
    fake = FakeClock()
    with pytest.raises(WaitTimedOut) as caught:
        waiter.Waiter(fake.clock, fake.sleep).wait(lambda: (False, 'Running 42%'), 5, 'job TPD:JOB:7', job_id='TPD:JOB:7')
    assert caught.value.details == {'job_id': 'TPD:JOB:7', 'last_state': 'Running 42%'}
    assert 'TPD:JOB:7' in str(caught.value) and 'Running 42%' in str(caught.value)
    assert fake.now == pytest.approx(105.0)
    assert max(fake.sleeps) <= 2.0


# ---------------------------------------------------------------- smart polling and indications (issue 3 item 2)

class FakeJob:
    """A job that runs from t=start for ``seconds`` on the fake clock; probe() reads it like GetInstance would,
    each probe taking ``rtt`` seconds (the array reads the state in the middle of it)."""

    def __init__(self, fake, seconds, start=100.0, rtt=0.0):
        self.fake, self.seconds, self.start, self.rtt = fake, seconds, start, rtt
        self.probes = []

    @property
    def end(self):
        return self.start + self.seconds

    def probe(self):
        self.fake.now += self.rtt / 2
        at = self.fake.now
        self.fake.now += self.rtt / 2
        self.probes.append(at)
        done = at >= self.end
        percent = 100 if done else int((at - self.start) / self.seconds * 100)
        return done, type('J', (), {'percent_complete': percent})()


@pytest.mark.parametrize('seconds', [0.3, 1.0, 3.0, 7.5, 30.0])
@pytest.mark.parametrize('rtt', [0.0, 0.1])
def test_smart_polling_sees_the_end_soon_after_it(seconds, rtt):
    fake = FakeClock()
    job = FakeJob(fake, seconds, rtt=rtt)
    waiter.Waiter(fake.clock, fake.sleep).wait(job.probe, 600, 'job')
    assert job.probes[-1] - job.end <= 0.1 + rtt, (job.probes, fake.sleeps)
    assert max(fake.sleeps) <= 2.0 and fake.sleeps[0] <= 0.1


def test_smart_polling_costs_fewer_probes_and_less_delay_than_plain_growth():
    delays = {}
    for predict in (False, True):
        fake = FakeClock()
        job = FakeJob(fake, 5.0, rtt=0.1)
        waiter.Waiter(fake.clock, fake.sleep, predict=predict).wait(job.probe, 600, 'job')
        delays[predict] = (job.probes[-1] - job.end, len(job.probes))
    assert delays[True][0] < 0.2 < delays[False][0]
    assert delays[True][1] <= delays[False][1] + 1


def test_pace_without_progress_is_the_plain_growth():
    pace = waiter.Pace()
    pace.observe(0.0, 0.0, None)
    assert [round(pace.next_pause(0.0), 4) for dummy in range(3)] == [0.1, 0.15, 0.225]


def test_pace_retries_soon_when_overdue():
    pace = waiter.Pace()
    pace.observe(0.0, 0.0, 10)
    pace.observe(1.0, 1.0, 20)     # 10 %/s: the end is predicted at 8.95 s (20 % is 20.5 % on average)
    assert pace.next_pause(2.0) == 2.0
    assert pace.next_pause(8.0) == pytest.approx(0.97)
    assert pace.next_pause(9.5) == pytest.approx(0.05) and pace.next_pause(9.6) == pytest.approx(0.075)


class FakeEvents:
    """A listener that receives the 'started' indication at once and the 'finished' one at ``finish`` (fake clock)."""

    def __init__(self, fake, finish, job_id='TPD:JOB:1', deliver=True):
        self.fake, self.finish, self.job_id, self.deliver = fake, finish, job_id, deliver
        self.waits = []

    def seen(self, job_id):
        return self.deliver and job_id == self.job_id

    def wait_finished(self, job_id, seconds):
        self.waits.append(seconds)
        if self.deliver and job_id == self.job_id and self.fake.now + seconds >= self.finish:
            self.fake.now = max(self.fake.now, self.finish)
            return True
        self.fake.now += seconds
        return False


def test_indication_wakes_the_wait_and_one_probe_confirms():
    fake = FakeClock()
    job = FakeJob(fake, 7.3)
    events = FakeEvents(fake, job.end)
    waiter.Waiter(fake.clock, fake.sleep, events=events).wait(job.probe, 600, 'job', job_id='TPD:JOB:1')
    assert job.probes[-1] == pytest.approx(job.end)
    # Sparse safety-net probes (2 s) while indications flow, then the confirming probe.
    assert len(job.probes) == 1 + 4 and all(w <= 2.0 for w in events.waits) and fake.sleeps == []


def test_indications_that_never_arrive_fall_back_to_smart_polling():
    fake = FakeClock()
    job = FakeJob(fake, 3.0)
    events = FakeEvents(fake, job.end, deliver=False)
    waiter.Waiter(fake.clock, fake.sleep, events=events).wait(job.probe, 600, 'job', job_id='TPD:JOB:1')
    assert job.probes[-1] - job.end <= 0.1 and events.waits[0] <= 0.1


def test_indication_for_another_job_does_not_end_the_wait():
    fake = FakeClock()
    job = FakeJob(fake, 1.0)
    events = FakeEvents(fake, 100.2, job_id='TPD:JOB:2')
    waiter.Waiter(fake.clock, fake.sleep, events=events).wait(job.probe, 600, 'job', job_id='TPD:JOB:1')
    assert job.probes[-1] >= job.end and len(job.probes) > 2


def test_timeout_with_indications_reports_the_job():
    fake = FakeClock()
    events = FakeEvents(fake, 1e9)
    with pytest.raises(WaitTimedOut) as caught:
        waiter.Waiter(fake.clock, fake.sleep, events=events).wait(lambda: (False, 'Running 1%'), 5, 'job', job_id='TPD:JOB:1')
    assert caught.value.details['job_id'] == 'TPD:JOB:1' and fake.now == pytest.approx(105.0)


def failing_then(results, error):
    """A probe that raises ``error`` for each None in ``results`` and returns the others."""
    items = iter(results)

    def probe():
        item = next(items)
        if item is None:
            raise error
        return item
    return probe


def test_a_failed_poll_is_retried_with_back_off_and_the_wait_goes_on():
    fake = FakeClock()
    http_500 = ConnectionFailed('read', 'job TPD:JOB:7', 'the array at https://a:5989 answered HTTP 500 Internal Server Error')
    probe = failing_then([(False, 'Running 10%'), None, None, (True, 'Completed')], http_500)
    assert waiter.Waiter(fake.clock, fake.sleep).wait(probe, 60, 'job TPD:JOB:7', job_id='TPD:JOB:7') == 'Completed'
    assert fake.sleeps[1:] == [waiter.PROBE_BACKOFF, 2 * waiter.PROBE_BACKOFF]


def test_polls_that_keep_failing_are_reported_with_the_job_id():
    fake = FakeClock()
    slow = RequestTimedOut('read', 'job TPD:JOB:7', 'the array did not answer within 30 s (timeout)', 'Raise timeout.')
    with pytest.raises(RequestTimedOut) as caught:
        probe = failing_then([(False, 'Running')] + [None] * 9, slow)
        waiter.Waiter(fake.clock, fake.sleep).wait(probe, 600, 'job TPD:JOB:7', job_id='TPD:JOB:7')
    message = str(caught.value)
    assert '5 probes of job TPD:JOB:7 failed in a row' in message and 'Job TPD:JOB:7 runs on' in message
    assert 'threepar_info (gather: jobs)' in message and caught.value.details['job_id'] == 'TPD:JOB:7'


def test_retries_stop_at_the_wait_timeout():
    fake = FakeClock()
    dropped = ConnectionFailed('read', 'job TPD:JOB:7', 'connection refused')
    with pytest.raises(ConnectionFailed):
        waiter.Waiter(fake.clock, fake.sleep).wait(failing_then([None] * 10, dropped), 1.2, 'job TPD:JOB:7', job_id='TPD:JOB:7')
    assert fake.now <= 100.0 + 1.2 + 1e-9


def test_an_untrusted_certificate_is_not_retried():
    fake = FakeClock()
    untrusted = CertificateUntrusted('connect to', 'the array', 'its TLS certificate is not trusted')
    with pytest.raises(CertificateUntrusted):
        waiter.Waiter(fake.clock, fake.sleep).wait(failing_then([None], untrusted), 60, 'job TPD:JOB:7', job_id='TPD:JOB:7')
    assert fake.sleeps == []
