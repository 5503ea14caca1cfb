# -*- coding: utf-8 -*-
# Copyright: smis.threepar contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The one module wrapper: what a failed task returns (message, traceback, versions) and that no secret is in it."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import json
import os

import pytest
import yaml
from ansible.module_utils.testing import patch_module_args

from ansible_collections.smis.threepar.plugins.module_utils.threepar import module as wrapper
from ansible_collections.smis.threepar.plugins.module_utils.threepar.errors import JobFailed

SECRET = 'S3cret-pa55'
ARGS = {'host': '127.0.0.1', 'username': '3paradm', 'password': SECRET, 'name': 'db01'}
ROOT = os.path.join(os.path.dirname(__file__), '..', '..', '..', '..', '..')


@pytest.fixture(autouse=True)
def tracebacks_on(monkeypatch):
    """As with ANSIBLE_DISPLAY_TRACEBACK=error: ansible-core 2.19 returns a module's traceback only on request (and
    caches whether it was requested, per process)."""
    try:
        from ansible.module_utils._internal import _traceback
    except ImportError:     # before 2.19: fail_json returns the exception it is given
        return
    monkeypatch.setattr(_traceback, '_is_traceback_enabled', lambda event: True)


def run(job, capsys):
    with patch_module_args(ARGS), pytest.raises(SystemExit):
        wrapper.run_module(dict(name=dict(type='str', required=True)), job)
    out = capsys.readouterr().out
    assert SECRET not in out
    return json.loads(out)


def test_a_refusal_carries_its_details_the_traceback_and_the_versions(capsys):
    def job(module):
        raise JobFailed('fail over', 'remote copy group rcg', 'job TPD:JOB:7 ended Exception (password %s)' % SECRET,
                        'See showrcopy.', job_id='TPD:JOB:7')
    result = run(job, capsys)
    assert result['failed'] and result['msg'].startswith('Failed to fail over remote copy group rcg: job TPD:JOB:7 ended')
    assert result['job_id'] == 'TPD:JOB:7'
    assert 'Traceback' in result['exception'] and 'JobFailed' in result['exception']
    assert result['versions']['collection'] == wrapper.COLLECTION_VERSION and result['versions']['pywbem']


def test_an_unexpected_error_says_it_is_one_and_what_to_report(capsys):
    def job(module):
        return {}['missing']
    result = run(job, capsys)
    assert result['msg'].startswith("Unexpected KeyError in the smis.threepar collection: 'missing'.")
    assert 'report it with the traceback' in result['msg'] and "{}['missing']" in result['exception']


def test_a_successful_run_exits_with_its_result(capsys):
    result = run(lambda module: {'changed': False, 'volume': {'name': module.params['name']}}, capsys)
    assert result['volume'] == {'name': 'db01'} and not result.get('failed')


def test_the_reported_collection_version_is_galaxy_yml_s():
    with open(os.path.join(ROOT, 'galaxy.yml')) as handle:
        assert yaml.safe_load(handle)['version'] == wrapper.COLLECTION_VERSION
