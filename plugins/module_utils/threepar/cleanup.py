# -*- coding: utf-8 -*-
# Copyright: smis.threepar contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""What a run tidies up after its last wait and its result does not depend on: deleting the jobs it waited on and
unsubscribing from job indications. Each goes over a connection of its own, side by side with the reads of the
result, so that the module answers soon after the array finished (about one request later instead of four to six)."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import threading

from ansible_collections.smis.threepar.plugins.module_utils.threepar.errors import ThreeparError


class Cleanup:
    """``Cleanup(client, job_paths, events)`` starts; ``join()`` waits for it and returns its warnings."""

    def __init__(self, client, job_paths, events=None):
        self.client = client
        self.warnings = []
        self._threads = []
        if job_paths:
            self._start(self._delete_jobs, list(job_paths))
        if events is not None:
            self._start(self._unsubscribe, events)

    def _start(self, func, arg):
        thread = threading.Thread(target=func, args=(arg,), name='cleanup-%s' % func.__name__.strip('_'))
        thread.daemon = True
        thread.start()
        self._threads.append(thread)

    def _own_client(self):
        """A connection of its own, or the run's (they take turns) when it cannot be duplicated."""
        return self.client.another() or self.client

    def _release(self, client):
        if client is not self.client:
            client.close()

    def _delete_jobs(self, job_paths):
        client = self._own_client()
        try:
            for path in job_paths:
                try:
                    client.delete_instance(path, 'finished job %s' % path.keybindings.get('InstanceID'))
                except ThreeparError as exc:
                    self.warnings.append(str(exc))
        finally:
            self._release(client)

    def _unsubscribe(self, events):
        client = self._own_client()
        events.client = client
        try:
            self.warnings.extend(events.close(self.client.another))
        finally:
            self._release(client)

    def join(self):
        for thread in self._threads:
            thread.join()
        return self.warnings
