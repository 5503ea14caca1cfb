"""A paramiko client for the simulator's 3PAR CLI over SSH (tests)."""

import paramiko


def run(port, command, user='3paradm', password='3pardata', pkey=None, stdin=None):
    """(exit status, output) of one command on an exec channel."""
    client = paramiko.SSHClient()
    client.set_missing_host_key_policy(paramiko.AutoAddPolicy())
    client.connect('127.0.0.1', port=port, username=user, password=password, pkey=pkey,
                   look_for_keys=False, allow_agent=False, timeout=10)
    try:
        return exchange(client, command, stdin)
    finally:
        client.close()


def exchange(client, command, stdin=None):
    """(exit status, output) of ``command`` on a new exec channel of a connected ``client``, given ``stdin``."""
    chan_in, chan_out, dummy = client.exec_command(command, timeout=30)
    if stdin is not None:
        try:
            chan_in.write(stdin)
        except OSError:     # the command ended without reading it (a refusal): the array closed the channel
            pass
    chan_in.channel.shutdown_write()
    output = chan_out.read().decode()
    return chan_out.channel.recv_exit_status(), output


def host_key(port):
    """The server's host key, as a client sees it."""
    transport = paramiko.Transport(('127.0.0.1', port))
    try:
        transport.start_client(timeout=10)
        return transport.get_remote_server_key()
    finally:
        transport.close()
