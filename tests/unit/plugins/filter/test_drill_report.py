# -*- coding: utf-8 -*-
# Copyright: smis.threepar contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The smis.threepar.drill_report_html filter."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import json
import os

import pytest

from ansible.errors import AnsibleFilterError
from ansible_collections.smis.threepar.plugins.filter.drill_report import FilterModule, drill_report_html

SAMPLE = os.path.join(os.path.dirname(__file__), '..', 'plugin_utils', 'sample_drill_report.json')


def test_registered():
    assert FilterModule().filters()['drill_report_html'] is drill_report_html


def test_renders_the_sample():
    with open(SAMPLE) as handle:
        report = json.load(handle)
    page = drill_report_html(report)
    assert page.startswith('<!DOCTYPE html>') and page.rstrip().endswith('</html>')
    for step in report['steps']:
        assert step['name'] in page


@pytest.mark.parametrize('value, match', [('not a report', 'expects a drill report'),
                                          ({'drill': {'name': 'x'}, 'steps': []}, 'drill.result must be one of')])
def test_bad_input(value, match):
    with pytest.raises(AnsibleFilterError, match=match):
        drill_report_html(value)
