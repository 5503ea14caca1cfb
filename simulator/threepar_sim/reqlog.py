"""The request log: one JSON line per CIM request (MODEL.md, "Request log").

Benchmarks and tests count requests from it, so every CIM request is logged,
failed authentications included. Passwords and bodies are never logged.
"""

import json
import os
import threading
from datetime import datetime, timezone


class RequestLog:
    """Appends request records to ``<data dir>/requests.log``; safe to share between threads."""

    def __init__(self, path):
        self.path = path
        self._lock = threading.Lock()
        os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)

    def write(self, user, operation, method, classname, status, http_status, ms, connection=None):
        """Record one request: CIM ``status`` (0 = success), the HTTP status it was answered with, and the client's
        ``connection`` (its TCP port: requests over one connection share it)."""
        record = {
            'time': datetime.now(timezone.utc).isoformat(timespec='milliseconds'),
            'user': user,
            'operation': operation,
            'method': method,
            'class': classname,
            'status': status,
            'http_status': http_status,
            'ms': round(ms, 1),
            'connection': connection,
        }
        line = json.dumps(record) + '\n'
        with self._lock, open(self.path, 'a', encoding='utf-8') as log:
            log.write(line)
