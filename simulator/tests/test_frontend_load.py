"""Many clients at once: the listeners queue the connections they have not accepted yet (the listen backlog), so that
dozens of clients connecting together are served, not dropped or delayed by SYN retransmits (bench/simulator_load.py
measures it: errors, p50 / p99)."""

import select
import socket
import threading

import pywbem

from threepar_sim.server import _Listener  # pylint: disable=protected-access

CLIENTS = 50


def test_fifty_connections_queue_while_the_server_accepts_none():
    listener = _Listener(('127.0.0.1', 0), app=None, tls=None)   # bound and listening, never serving: nothing accepts
    sockets = []
    try:
        for dummy in range(CLIENTS):
            sock = socket.socket()
            sock.setblocking(False)
            sock.connect_ex(listener.server_address)
            sockets.append(sock)
        pending = list(sockets)
        for dummy in range(20):        # the kernel completes each handshake whose connection fits in the backlog
            dummy, writable, dummy2 = select.select([], pending, [], 0.05)
            pending = [s for s in pending if s not in writable]
        established = [s for s in sockets if s.getsockopt(socket.SOL_SOCKET, socket.SO_ERROR) == 0 and s not in pending]
        assert len(established) == CLIENTS
    finally:
        for sock in sockets:
            sock.close()
        listener.server_close()


def test_fifty_clients_at_once_are_all_served(served_array):
    barrier = threading.Barrier(CLIENTS)
    errors, answers = [], []

    def client():
        conn = pywbem.WBEMConnection('http://127.0.0.1:%d' % served_array.http_port, ('3parbrowse', '3pardata'),
                                     default_namespace='root/tpd', timeout=30)
        barrier.wait()
        try:
            answers.append(len(conn.EnumerateInstanceNames('TPD_StorageSystem')))
        except pywbem.Error as exc:
            errors.append(exc)

    threads = [threading.Thread(target=client) for dummy in range(CLIENTS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert errors == [] and answers == [1] * CLIENTS
