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


def test_an_adapted_copy_of_the_template_renders_autoescaped(tmp_path):
    template = tmp_path / 'ours.html.j2'
    template.write_text('<h1>{{ drill.name }}</h1><p>{{ total }} / {{ steps | length }} steps / {{ drill.rto_s | dash }}</p>')
    report = {'drill': {'name': 'ERP <drill> & "mail"', 'result': 'passed', 'duration_s': 75},
              'steps': [{'name': 'failover', 'duration_s': 5}]}
    assert drill_report_html(report, template=str(template)) == (
        '<h1>ERP &lt;drill&gt; &amp; &#34;mail&#34;</h1><p>1 min 15 s / 1 steps / &#8212;</p>')


def test_template_that_is_missing_or_broken(tmp_path):
    report = {'drill': {'name': 'd', 'result': 'passed'}, 'steps': []}
    with pytest.raises(AnsibleFilterError, match='is not a file'):
        drill_report_html(report, template=str(tmp_path / 'nowhere.j2'))
    broken = tmp_path / 'broken.j2'
    broken.write_text('{% for step in steps %}no end')
    with pytest.raises(AnsibleFilterError, match='cannot be rendered'):
        drill_report_html(report, template=str(broken))
