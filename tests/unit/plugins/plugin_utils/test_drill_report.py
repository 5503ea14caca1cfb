# -*- coding: utf-8 -*-
# Copyright: smis.threepar contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The DR drill report renderer: structure, every step shown, escaping, failed drills."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import copy
import json
import os
from html.parser import HTMLParser

import markupsafe
import pytest

from ansible_collections.smis.threepar.plugins.plugin_utils import drill_report as dr

SAMPLE = os.path.join(os.path.dirname(__file__), 'sample_drill_report.json')
VOID = {'meta', 'br', 'img', 'input', 'link', 'hr', 'col', 'area', 'base', 'wbr', 'source', 'track'}
SVG_LEAVES = {'rect', 'line', 'path', 'circle'}


@pytest.fixture
def report():
    with open(SAMPLE) as handle:
        return json.load(handle)


class Structure(HTMLParser):
    """Checks nesting, collects tags, attributes and text."""

    def __init__(self):
        HTMLParser.__init__(self)
        self.stack, self.tags, self.text, self.errors, self.attrs = [], [], [], [], []

    def handle_starttag(self, tag, attrs):
        self.tags.append(tag)
        self.attrs.extend(attrs)
        if tag not in VOID:
            self.stack.append(tag)

    def handle_startendtag(self, tag, attrs):
        self.tags.append(tag)
        self.attrs.extend(attrs)

    def handle_endtag(self, tag):
        if not self.stack or self.stack[-1] != tag:
            self.errors.append('unexpected </%s> (open: %s)' % (tag, self.stack[-3:]))
        else:
            self.stack.pop()

    def handle_data(self, data):
        self.text.append(data)


def parse(page):
    parser = Structure()
    parser.feed(page)
    parser.close()
    return parser


def test_sample_is_valid_and_self_contained(report):
    assert dr.validate(report) == []
    page = dr.render_html(report)
    assert page.startswith('<!DOCTYPE html>')
    parsed = parse(page)
    assert parsed.errors == [] and parsed.stack == []
    assert parsed.tags[:3] == ['html', 'head', 'meta']
    assert 'script' not in parsed.tags and 'link' not in parsed.tags and 'img' not in parsed.tags
    assert 'svg' in parsed.tags and 'style' in parsed.tags
    for name, value in parsed.attrs:
        assert not (name in ('src', 'href') and value), (name, value)
    assert 'http://' not in page.replace('http://www.w3.org/2000/svg', '') and 'https://' not in page
    assert 'url(' not in page


def test_header(report):
    text = ' '.join(parse(dr.render_html(report)).text)
    assert report['drill']['name'] in text
    assert 'PASSED' in text and '41.8 s' in text and '4 min 10 s' in text
    assert 'ARRAY-PAR' in text and 'ARRAY-LYO' in text
    assert 'objective 5 min 00 s' in dr.render_html(report)


def test_every_step_in_timeline_and_list(report):
    page = dr.render_html(report)
    svg = page[page.index('<svg'):page.index('</svg>')]
    steps = page[page.index('<ol class="steps">'):]
    for step in report['steps']:
        assert '>%s<title>' % step['name'] in svg
        assert '<b>%s</b>' % step['name'] in steps
    assert svg.count('<rect') == len(report['steps']) + 1     # bars + the RTO span
    for action in report['steps'][1]['actions']:
        assert action['cli'] in steps


def test_timeline_bars_follow_the_times(report):
    spans = dr.layout(report)
    assert spans[0][0] == 0.0 and spans[1][0] == pytest.approx(9.0) and spans[-1][1] == pytest.approx(249.6)
    assert all(b[0] >= a[1] - 1e-6 for a, b in zip(spans, spans[1:]))


def test_steps_without_times_are_laid_end_to_end():
    report = {'drill': {'name': 'd', 'result': 'passed'},
              'steps': [{'name': 'a', 'duration_s': 5}, {'name': 'b', 'duration_s': 10, 'status': 'skipped'}]}
    assert dr.layout(report) == [(0.0, 5.0, 5.0), (5.0, 15.0, 10.0)]
    page = dr.render_html(report)
    assert parse(page).errors == []
    assert 'No remote-copy group states' in page and '15.0 s' in page


def test_state_table_per_group(report):
    page = dr.render_html(report)
    for group in report['groups']:
        assert '<h3>%s ' % group['name'] in page
    assert page.count('<th>matches Table 107</th>') == 2
    assert page.count('Primary-Rev / Stopped') == 4          # 2 groups x failover, validate
    assert page.count('&#10003; yes') == 2 * 6 * 2           # groups x steps x arrays


def test_hostile_names_are_escaped(report):
    hostile = '<script>alert("x")</script>&<img src=x onerror=alert(1)>'
    report = copy.deepcopy(report)
    report['drill']['name'] = hostile
    report['drill']['operator'] = hostile
    report['arrays'][0]['name'] = hostile
    report['groups'][0]['name'] = hostile
    report['steps'][0]['states'][hostile] = report['steps'][0]['states'].pop('rcg_erp')
    report['steps'][1]['name'] = hostile
    report['steps'][1]['message'] = hostile
    report['steps'][1]['actions'][0]['cli'] = hostile
    report['steps'][2]['states']['rcg_mail'][0]['role'] = hostile
    page = dr.render_html(report)
    parsed = parse(page)
    assert parsed.errors == []
    assert 'script' not in parsed.tags and 'img' not in parsed.tags
    assert not [a for a in parsed.attrs if a[0].startswith('on')]
    assert hostile not in page
    assert html_escaped(hostile) in page
    assert hostile in ''.join(parsed.text)


def html_escaped(text):
    return text.replace('&', '&amp;').replace('<', '&lt;').replace('>', '&gt;').replace('"', '&#34;')


def test_failed_drill_is_shown_failed(report):
    report = copy.deepcopy(report)
    report['drill']['result'] = 'failed'
    report['steps'][3]['status'] = 'failed'
    report['steps'][3]['message'] = 'Failed to recover remote copy group rcg_mail: job ended in error.'
    report['steps'][3]['states']['rcg_mail'][1].update(status='Stopped', copy_state='FailedOver', sync_state='Broken',
                                                       expected_row_ok=False)
    for step in report['steps'][4:]:
        step['status'] = 'skipped'
    page = dr.render_html(report)
    assert parse(page).errors == []
    assert '>FAILED<' in page and dr.COLOURS['failed'] in page
    assert '<title>%s &#8212; DR drill failed</title>' % markupsafe.escape(report['drill']['name']) in page
    assert 'first failure: recover' in page
    assert '&#10007; no' in page and 'class="bad"' in page
    assert '\u2717 failed' in page and page.count('">skipped</span>') == 2
    assert '>PASSED<' not in page


@pytest.mark.parametrize('broken, problem', [
    ([], 'must be a dict'),
    ({'steps': []}, 'drill.name is required'),
    ({'drill': {'name': 'd', 'result': 'maybe'}, 'steps': []}, 'drill.result must be one of'),
    ({'drill': {'name': 'd', 'result': 'passed'}}, 'steps must be a list'),
    ({'drill': {'name': 'd', 'result': 'passed'}, 'steps': [{}]}, 'steps[0].name is required'),
    ({'drill': {'name': 'd', 'result': 'passed'}, 'steps': [{'name': 'a', 'status': 'meh'}]}, 'steps[0].status'),
])
def test_invalid_reports(broken, problem):
    assert any(problem in p for p in dr.validate(broken))
    with pytest.raises(ValueError, match='cannot render the drill report'):
        dr.render_html(broken)


@pytest.mark.parametrize('seconds, text', [(None, None), (0, '0.0 s'), (41.84, '41.8 s'), (59.96, '60.0 s'),
                                           (60, '1 min 00 s'), (249.6, '4 min 10 s'), (3599.6, '1 h 00 min'),
                                           (3725, '1 h 02 min')])
def test_fmt_duration(seconds, text):
    assert dr.fmt_duration(seconds) == text


def test_parse_time():
    assert dr.parse_time('2024-05-04T09:00:00Z').utcoffset().total_seconds() == 0
    assert dr.parse_time('2024-05-04 09:00:00').tzinfo is not None
    assert dr.parse_time('yesterday') is None and dr.parse_time(None) is None
