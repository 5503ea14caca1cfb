# -*- coding: utf-8 -*-
# Copyright: smis.threepar contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""A callback for test_examples.py: every task result of the run as one JSON line in the file named by the
environment variable EXAMPLE_RESULTS, with the ``example_tag`` variable of the block around the task (the test
wraps each example task in a block, so that the task itself is run as written and its result is still found)."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import json
import os

from ansible.plugins.callback import CallbackBase

DOCUMENTATION = r'''
name: example_results
type: aggregate
short_description: Task results as JSON lines, for the test of the modules' EXAMPLES
description:
  - Writes one JSON line per task result to the file named by E(EXAMPLE_RESULTS).
requirements:
  - enabled in ANSIBLE_CALLBACKS_ENABLED
'''


class CallbackModule(CallbackBase):
    CALLBACK_VERSION = 2.0
    CALLBACK_TYPE = 'aggregate'
    CALLBACK_NAME = 'example_results'
    CALLBACK_NEEDS_ENABLED = True

    def __init__(self, *args, **kwargs):
        super(CallbackModule, self).__init__(*args, **kwargs)
        self.path = os.environ.get('EXAMPLE_RESULTS')

    def _record(self, result, status):
        if not self.path:
            return
        task = getattr(result, 'task', None) or result._task            # task / result: ansible-core >= 2.19
        data = getattr(result, 'result', None) or result._result
        entry = {'tag': task.get_vars().get('example_tag'), 'name': task.get_name(), 'action': task.action,
                 'status': status, 'changed': bool(data.get('changed', False)), 'msg': data.get('msg'),
                 'actions': data.get('actions')}
        with open(self.path, 'a', encoding='utf-8') as handle:
            handle.write(json.dumps(entry, default=str) + '\n')

    def v2_runner_on_ok(self, result):
        self._record(result, 'ok')

    def v2_runner_on_failed(self, result, ignore_errors=False):
        self._record(result, 'failed')

    def v2_runner_on_skipped(self, result):
        self._record(result, 'skipped')

    def v2_runner_on_unreachable(self, result):
        self._record(result, 'unreachable')
