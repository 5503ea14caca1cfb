import pytest

from ansible_collections.smis.threepar.plugins.module_utils.threepar import waiter
from ansible_collections.smis.threepar.plugins.module_utils.threepar.errors import WaitTimedOut


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


def test_check_mode_waiter_never_probes():
    def probe():
        raise AssertionError('probed in check mode')
    assert waiter.CheckModeWaiter().wait(probe, 1, 'job') is None
