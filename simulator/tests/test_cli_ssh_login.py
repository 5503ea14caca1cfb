"""The 3PAR CLI over SSH, one array: host key, status, logins, permissions, errors, commands.log."""

import json
import os
import time

import paramiko
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ed25519

from cli_ssh import host_key, run
from rcopy_pair import free_port
from threepar_sim.control import SimulatorProcess
from threepar_sim.sshd import fingerprint

# pylint: disable=redefined-outer-name


@pytest.fixture(scope='module')
def sim(tmp_path_factory):
    process = SimulatorProcess(str(tmp_path_factory.mktemp('cli_ssh') / 'A'), name='3PAR-A', ssh_port=free_port())
    process.start()
    yield process
    process.stop()


def test_status_reports_port_and_host_key_kept_across_restart(sim):
    status = sim.control('/sim/status')['ssh']
    assert status['port'] == sim.ssh_port and status['host_key_fingerprint'].startswith('SHA256:')
    assert fingerprint(host_key(sim.ssh_port)) == status['host_key_fingerprint']
    assert os.path.exists(os.path.join(sim.data_dir, 'ssh_host_key'))
    sim.stop()
    sim.start()
    assert sim.control('/sim/status')['ssh']['host_key_fingerprint'] == status['host_key_fingerprint']
    assert fingerprint(host_key(sim.ssh_port)) == status['host_key_fingerprint']


def test_an_exec_request_that_comes_late_still_runs(sim):
    # A loaded client may open a channel and send its exec request a while later: the server's accept loop (0.5 s
    # per turn) must not let go of the channel meanwhile (paramiko holds channels weakly, and closes a collected one).
    client = paramiko.SSHClient()
    client.set_missing_host_key_policy(paramiko.AutoAddPolicy())
    client.connect('127.0.0.1', port=sim.ssh_port, username='3paradm', password='3pardata', look_for_keys=False,
                   allow_agent=False, timeout=10)
    try:
        channel = client.get_transport().open_session(timeout=10)
        time.sleep(1.5)     # the lateness under test, not a wait for something
        channel.exec_command('showrcopy targets')
        assert channel.recv_exit_status() == 0
    finally:
        client.close()


def test_password_login_and_wrong_password_refused(sim):
    assert run(sim.ssh_port, 'showrcopy targets')[0] == 0
    with pytest.raises(paramiko.AuthenticationException):
        run(sim.ssh_port, 'showrcopy', password='wrong-secret')
    with pytest.raises(paramiko.AuthenticationException):
        run(sim.ssh_port, 'showrcopy', user='nobody', password='3pardata')


def test_public_key_login(sim):
    private = ed25519.Ed25519PrivateKey.generate()
    pem = private.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.OpenSSH, serialization.NoEncryption())
    path = os.path.join(sim.data_dir, 'client_key')
    with open(path, 'wb') as handle:
        handle.write(pem)
    key = paramiko.Ed25519Key(filename=path)
    with pytest.raises(paramiko.AuthenticationException):
        run(sim.ssh_port, 'showrcopy', password=None, pkey=key)
    os.makedirs(os.path.join(sim.data_dir, 'authorized_keys'), exist_ok=True)
    with open(os.path.join(sim.data_dir, 'authorized_keys', '3parbrowse'), 'w', encoding='utf-8') as handle:
        handle.write('# a comment\n%s %s test@host\n' % (key.get_name(), key.get_base64()))
    status, output = run(sim.ssh_port, 'showrcopy groups', user='3parbrowse', password=None, pkey=key)
    assert status == 0 and 'Group Information' in output
    with pytest.raises(paramiko.AuthenticationException):     # listed for 3parbrowse only
        run(sim.ssh_port, 'showrcopy', user='3paradm', password=None, pkey=key)


def test_browse_user_may_only_show(sim):
    assert run(sim.ssh_port, 'showrcopy', user='3parbrowse')[0] == 0
    status, output = run(sim.ssh_port, 'creatercopygroup g1 3PAR-B:sync', user='3parbrowse')
    assert status == 1 and output.startswith('Error: Permission denied')


def test_unknown_command_bad_option_usage(sim):
    assert run(sim.ssh_port, 'frobnicate -x') == (1, 'invalid command name "frobnicate"\n')
    status, output = run(sim.ssh_port, 'stoprcopygroup -x g1')
    assert status == 1 and output.startswith('Error: Invalid option -x\nUsage: stoprcopygroup')
    status, output = run(sim.ssh_port, 'creatercopygroup g1')
    assert status == 1 and output.startswith('Usage: creatercopygroup')
    status, output = run(sim.ssh_port, 'creatercopygroup g1 3PAR-B:fast')
    assert status == 1 and 'Invalid target specification' in output
    status, output = run(sim.ssh_port, 'setrcopygroup explode g1')
    assert status == 1 and output.startswith('Error: Invalid subcommand explode')
    assert run(sim.ssh_port, 'startrcopygroup nogroup') == (1, 'Error: Group nogroup does not exist\n')
    status, output = run(sim.ssh_port, 'creatercopygroup g1 3PAR-X:sync')    # no such target (this array has no peer)
    assert status == 1 and '3PAR-X' in output


def test_showrcopy_without_peers(sim):
    status, output = run(sim.ssh_port, 'showrcopy')
    assert status == 0
    assert output.splitlines()[1:3] == ['Remote Copy System Information', 'Status: Started, Normal']
    assert 'Target Information' in output and 'Link Information' in output and output.rstrip().endswith('Group Information')
    assert run(sim.ssh_port, 'showrcopy bogus')[0] == 1


def test_commands_log_has_every_command_and_no_password(sim):
    run(sim.ssh_port, 'showrcopy links')
    run(sim.ssh_port, 'setpassword -password s3cr3t-value')
    with open(os.path.join(sim.data_dir, 'commands.log'), encoding='utf-8') as handle:
        text = handle.read()
    records = [json.loads(line) for line in text.splitlines()]
    assert {'time', 'user', 'command', 'status', 'ms'} <= set(records[-1])
    assert any(r['command'] == 'showrcopy links' and r['status'] == 0 and r['user'] == '3paradm' for r in records)
    assert records[-1]['status'] == 1 and records[-1]['command'] == 'setpassword -password ****'
    assert '3pardata' not in text and 's3cr3t-value' not in text and 'wrong-secret' not in text


def test_rcopy_read_only_does_not_affect_the_cli(tmp_path):
    from threepar_sim.array import Array       # pylint: disable=import-outside-toplevel
    from threepar_sim.tpdcli import Cli         # pylint: disable=import-outside-toplevel
    array = Array(str(tmp_path / 'ro'), name='3PAR-A', rcopy={'read_only': True})
    try:
        cli = Cli(array)
        # the domain answers (no such target), not "not supported"
        assert cli.run('3paradm', 'edit', 'creatercopygroup g1 3PAR-B:sync') == ('Error: no remote copy target named 3PAR-B\n', 1)
        assert cli.run('3paradm', 'edit', 'showrcopy groups')[1] == 0
    finally:
        array.close()
