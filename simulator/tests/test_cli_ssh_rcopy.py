"""The 3PAR CLI over SSH driving remote copy on a linked pair; Table 107 states read through CIM on both arrays.

The tests of this module share one pair of processes and run in order.
"""

import pytest

from cli_ssh import run
from rcopy_pair import check, pair_names, start_pair, stop_pair, wait_for

P, S = 'primary', 'secondary'

# pylint: disable=redefined-outer-name


@pytest.fixture(scope='module')
def pair(tmp_path_factory):
    a, b = start_pair(tmp_path_factory.mktemp('cli_rcopy'), ssh=True, writable=True)
    yield a, b
    stop_pair(a, b)


def cli(side, command, **kwargs):
    return run(side.sim.ssh_port, command, **kwargs)


def ok(side, command, **kwargs):
    status, output = cli(side, command, **kwargs)
    assert status == 0, output
    return output


def idle(side):
    return side.state()['progress_status'] in ('Completed', 'Dormant')


def test_create_admit_start(pair):
    a, b = pair
    assert ok(a, 'creatercopygroup rcg 3PAR-B:sync') == ''
    assert a.state() == {'role': 'Primary', 'status': 'New', 'copy_state': 'Initialized', 'sync_state': 'ResyncInProgress',
                         'progress_status': 'Requires activate'}      # never started: Table 106 New
    assert b.state()['role'] == 'Secondary' and b.state()['status'] == 'New'
    assert cli(a, 'creatercopygroup rcg 3PAR-B:sync')[0] == 1
    ok(a, 'admitrcopyvv db01 rcg 3PAR-B:db01_r')
    ok(a, 'admitrcopyvv db02 rcg 3PAR-B:db02_r')
    assert cli(a, 'admitrcopyvv nosuchvv rcg 3PAR-B:x') == (1, 'Error: VV nosuchvv does not exist\n')
    status, output = cli(b, 'admitrcopyvv db01_r rcg 3PAR-A:db01')     # only on the primary
    assert status == 1 and output.startswith('Error: ')
    assert ok(a, 'startrcopygroup -wait rcg') == ''
    check(a, P, 'normal')
    check(b, S, 'normal')
    assert cli(a, 'startrcopygroup rcg') == (1, 'Error: Group rcg is already started\n')
    assert pair_names(b) == [('db01', 'db01_r'), ('db02', 'db02_r')]


def test_showrcopy_output(pair):
    a, b = pair
    lines = ok(a, 'showrcopy').splitlines()
    assert lines[1:3] == ['Remote Copy System Information', 'Status: Started, Normal']
    target = lines.index('Target Information')
    assert lines[target + 2].split() == ['Name', 'ID', 'Type', 'Status', 'Options', 'Policy']
    assert lines[target + 3].split() == ['3PAR-B', '1', 'IP', 'ready', 'mirror_config']
    link = lines.index('Link Information')
    assert lines[link + 2].split() == ['Target', 'Node', 'Address', 'Status', 'Options']
    assert lines[link + 3].split()[0::3] == ['3PAR-B', 'Up']
    group = lines.index('Group Information')
    assert lines[group + 2].split() == ['Name', 'Target', 'Status', 'Role', 'Mode', 'Options']
    assert lines[group + 3].split() == ['rcg', '3PAR-B', 'Started', 'Primary', 'Sync']
    assert lines[group + 4].split() == ['LocalVV', 'ID', 'RemoteVV', 'ID', 'SyncStatus', 'LastSyncTime']
    assert lines[group + 5].split()[:5] == ['db01', str(a.volume('db01')['DeviceID']), 'db01_r', str(b.volume('db01_r')['DeviceID']), 'Synced']
    assert ok(b, 'showrcopy groups rcg').splitlines()[4].split() == ['rcg', '3PAR-A', 'Started', 'Secondary', 'Sync']
    assert ok(a, 'showrcopy targets').splitlines()[1] == 'Target Information'
    assert 'Group Information' not in ok(a, 'showrcopy links')
    assert cli(a, 'showrcopy groups nogroup') == (1, 'Error: Group nogroup does not exist\n')


def test_stop_confirmation_mode_period_sync(pair):
    a, b = pair
    status, output = cli(a, 'stoprcopygroup rcg')          # non-interactive, no answer: nothing done
    assert status == 1 and 'select q=quit y=yes n=no' in output
    assert a.state()['status'] == 'Synced'
    assert cli(a, 'stoprcopygroup rcg', stdin='y\n')[0] == 0  # answered yes
    check(a, P, 'normal', 'stopped')
    check(b, S, 'normal', 'stopped')
    assert cli(a, 'stoprcopygroup -f rcg') == (1, 'Error: Group rcg is already stopped\n')
    ok(a, 'setrcopygroup mode periodic rcg')
    assert a.group_sync()['Mode'] == 3 and b.group_sync()['Mode'] == 3       # Asynchronous: periodic
    ok(a, 'setrcopygroup period 30m 3PAR-B rcg')
    assert {p['SyncInterval'] for side in (a, b) for p in side.pairs()} == {1800}
    assert 'Periodic Period 30m' in ok(b, 'showrcopy groups rcg')
    assert cli(a, 'setrcopygroup period 0 3PAR-B rcg')[0] == 1
    ok(a, 'startrcopygroup -wait rcg')
    a.write('db01', 2)
    assert ok(a, 'syncrcopy rcg') == 'Synchronization request issued for group rcg\n'
    wait_for(lambda: b.generation('db01_r') == a.generation('db01'), what='syncrcopy to replicate')
    assert cli(b, 'syncrcopy rcg')[0] == 1                   # issued on the primary
    ok(a, 'stoprcopygroup -f rcg')
    ok(a, 'setrcopygroup mode sync 3PAR-B rcg')
    assert {p['SyncInterval'] for p in a.pairs()} == {0}
    ok(a, 'startrcopygroup -wait rcg')
    check(a, P, 'normal')


def test_cim_change_seen_by_showrcopy_and_back(pair):
    a, b = pair
    assert a.modify('suspend')[0] == 0
    assert ok(a, 'showrcopy groups rcg').splitlines()[4].split()[2] == 'Stopped'
    assert 'Stopped' in ok(b, 'showrcopy groups rcg').splitlines()[6]
    ok(b, 'startrcopygroup rcg')                            # either array may start it
    wait_for(lambda: a.state()['status'] == 'Synced' and b.state()['status'] == 'Synced', what='synced')
    assert a.state()['status'] == 'Synced'


def test_failover_recover_restore_by_cli(pair):
    a, b = pair
    status, output = cli(a, 'setrcopygroup failover -f rcg')  # on the secondary only
    assert status == 1 and output.startswith('Error: ')
    ok(a, 'stoprcopygroup -f rcg')
    assert cli(b, 'setrcopygroup failover rcg')[0] == 1      # no confirmation
    assert b.state()['role'] == 'Secondary'
    ok(b, 'setrcopygroup failover -f rcg')
    wait_for(lambda: idle(b), what='failover')
    check(b, S, 'failed_over')
    check(a, P, 'failed_over')
    assert ok(b, 'showrcopy groups rcg').splitlines()[4].split()[3] == 'Primary-Rev'
    ok(b, 'setrcopygroup recover -f -waittask rcg')
    check(b, S, 'recovered')
    check(a, P, 'recovered')
    status, output = cli(b, 'setrcopygroup recover -f rcg')
    assert status == 1 and output.startswith('Error: ')
    ok(b, 'setrcopygroup restore -f -waittask rcg')
    wait_for(lambda: a.state()['role'] == 'Primary' and idle(a), what='restore on 3PAR-A')
    check(a, P, 'normal')
    check(b, S, 'normal')


def test_failover_with_the_primary_killed(pair):
    a, b = pair
    a.sim.kill()
    wait_for(lambda: not b.link_up('3PAR-A'), what='the link down')
    check(b, S, 'failed_over', want='failed')       # row 1: Secondary/Stopped Broken
    status, output = cli(b, 'showrcopy')
    assert 'failed' in output.split('Link Information')[0] and 'Down' in output.split('Group Information')[0]
    ok(b, 'setrcopygroup failover -f rcg')
    wait_for(lambda: idle(b), what='failover')
    check(b, S, 'failed_over')
    assert b.state()['copy_state'] == 'FailedOver'
    status, output = cli(b, 'setrcopygroup recover -f rcg')   # needs the link
    assert status == 1 and output.startswith('Error: ')
    a.sim.start()
    a.connect()
    wait_for(lambda: a.link_up('3PAR-B') and b.link_up('3PAR-A'), what='the link back')
    wait_for(lambda: a.state()['role'] == 'Secondary-Rev', what='row 4')
    ok(b, 'setrcopygroup recover -f -waittask rcg')
    check(b, S, 'recovered')
    check(a, P, 'recovered')
    ok(b, 'setrcopygroup restore -f -waittask rcg')
    wait_for(lambda: a.state()['role'] == 'Primary' and idle(a), what='restore')
    check(a, P, 'normal')


def test_dismiss_and_remove(pair):
    a, b = pair
    assert cli(a, 'dismissrcopyvv -f db02 rcg')[0] == 1      # started
    ok(a, 'stoprcopygroup -f rcg')
    ok(a, 'dismissrcopyvv -f db02 rcg')
    assert cli(a, 'dismissrcopyvv -f db02 rcg') == (1, 'Error: VV db02 is not in group rcg\n')
    assert [source for source, dummy in pair_names(b)] == ['db01']
    assert cli(a, 'removercopygroup rcg')[0] == 1            # no confirmation
    ok(a, 'removercopygroup -f rcg')
    assert a.group() is None and b.group() is None
    assert 'rcg' not in ok(b, 'showrcopy groups')
