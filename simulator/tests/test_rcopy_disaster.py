"""Remote copy when a site goes away: link down, kill -9 of the primary, failover alone, restart, recover, restore.

The tests of this module share one pair of processes and run in order.
"""

import pytest

from rcopy_pair import check, create_group, pair_names, start_pair, stop_pair, wait_for

P, S = 'primary', 'secondary'

# pylint: disable=redefined-outer-name


@pytest.fixture(scope='module')
def pair(tmp_path_factory):
    a, b = start_pair(tmp_path_factory.mktemp('rcopy_disaster'), writable=True)
    a.wait_job(create_group(a, b))
    yield a, b
    stop_pair(a, b)


def test_link_down_stops_started_groups(pair):
    a, b = pair
    b.faults(link_down=True)
    assert b.sim.faults()['link_down'] is True
    wait_for(lambda: b.state()['status'] == 'Stopped' and a.state()['status'] == 'Stopped', what='the groups to stop')
    check(b, S, 'failed_over', want='failed')           # row 1: Secondary/Stopped Broken/Broken/Completed
    assert b.state() == {'role': 'Secondary', 'status': 'Stopped', 'copy_state': 'Broken', 'sync_state': 'Broken',
                         'progress_status': 'Completed'}
    # the link is down: the remote end of every pair is an undiscovered TPD_ReplicationEntity (SyncedElement 3 on A)
    assert {(p['SyncedElement'].classname, p['UndiscoveredElement']) for p in a.pairs()} == {('TPD_ReplicationEntity', 3)}
    assert a.modify('resume')[0] == 4                   # the peer cannot be reached
    b.faults(link_down=False)
    wait_for(lambda: a.link_up('3PAR-B'), what='the link back')
    assert a.state()['status'] == 'Stopped'             # like the real array: no automatic restart
    a.wait_job(a.modify('resume')[1])
    check(a, P, 'normal')
    check(b, S, 'normal')


def test_primary_killed_failover_alone_then_recover_and_restore(pair):
    a, b = pair
    a.write('db01', 2)
    wait_for(lambda: b.generation('db01_r') == 2, what='replication')
    a.sim.kill()
    wait_for(lambda: b.state()['status'] == 'Stopped', what='3PAR-B to see the primary gone')
    check(b, S, 'failed_over', want='failed')           # row 1
    rc, out = b.modify('failover')
    assert rc == 4096
    assert b.wait_job(out)['JobState'] == 7
    check(b, S, 'failed_over')
    assert b.state()['copy_state'] == 'FailedOver'      # row 3: the original primary is unreachable
    b.write('db01_r', 3)                                # the DR site runs the application
    assert b.modify('recover')[0] == 4                  # recover needs the original primary

    a.sim.start()                                       # same data directory
    a.connect()
    wait_for(lambda: a.state()['role'] == 'Secondary-Rev', what='3PAR-A to learn it was failed over')
    check(a, P, 'failed_over')                          # row 4
    wait_for(lambda: b.state()['copy_state'] == 'Broken', what='row 3b')
    check(b, S, 'failed_over')
    b.wait_job(b.modify('recover')[1])
    wait_for(lambda: a.state()['status'] == 'Synced', what='3PAR-A recovered')
    check(b, S, 'recovered')
    check(a, P, 'recovered')
    assert a.generation('db01') == b.generation('db01_r') == 5
    b.wait_job(b.modify('restore')[1])
    wait_for(lambda: a.state()['role'] == 'Primary', what='3PAR-A primary again')
    check(a, P, 'normal')
    check(b, S, 'normal')


def test_groups_survive_a_restart(pair):
    a, b = pair
    b.sim.stop()
    b.sim.start()
    b.connect()
    wait_for(lambda: b.link_up('3PAR-A') and a.link_up('3PAR-B'), what='the link back')
    # A restart is a link loss: the group is there, stopped, on both arrays
    assert b.state()['role'] == 'Secondary' and b.state()['status'] == 'Stopped'
    assert sorted(target for dummy, target in pair_names(b)) == ['db01_r', 'db02_r']
    assert b.volume('db01_r')['ReadOnly'] is True and b.generation('db01_r') == 5
    a.wait_job(a.modify('resume')[1])
    check(a, P, 'normal')
    check(b, S, 'normal')
