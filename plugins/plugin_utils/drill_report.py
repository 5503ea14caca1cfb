# -*- coding: utf-8 -*-
# Copyright: smis.threepar contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""A DR drill report (a dict) as one self-contained HTML page: inline CSS, inline SVG, no script, no external
resource. Controller side only (the ``smis.threepar.drill_report_html`` filter): ``view(report)`` lays the report out
(durations, the timeline's geometry, the state tables) and the Jinja2 template ``templates/drill_report.html.j2``,
rendered with autoescape, writes the page. A copy of that template, adapted, can be passed instead (``template=``).

The report schema (JSON; every key not marked required may be missing or null)::

    {
      "drill": {
        "name": "quarterly DR test",          # required
        "started": "2024-05-04T09:00:00Z",    # ISO 8601
        "ended": "2024-05-04T09:06:12Z",
        "duration_s": 372.4,                  # computed from started/ended when missing
        "rto_s": 41.8,                        # measured recovery time: failover start -> DR volumes writable
        "rto_objective_s": 300,               # the agreed RTO, shown next to the measured one
        "rto_step": "failover",               # the step the RTO span starts at on the timeline
        "result": "passed" | "failed",        # required
        "operator": "awx job 1234"            # free text, shown in the header
      },
      "arrays": [{"name": "ARRAY-A", "site": "Paris", "role": "production", "host": "10.0.0.1"}],
      "groups": [{"name": "rcg_erp", "primary": "ARRAY-A", "secondary": "ARRAY-B", "mode": "sync",
                  "members": [{"volume": "erp_data", "remote_volume": "erp_data_dr"}]}],
      "steps": [{
        "name": "failover",                   # required
        "started": "...", "ended": "...",     # ISO 8601; the timeline places the bar by them
        "duration_s": 12.3,                   # computed from started/ended when missing
        "status": "ok" | "failed" | "skipped",
        "actions": [{"operation": "failover", "target": "rcg_erp", "method": "ModifyReplicaSynchronization",
                     "cli": "setrcopygroup failover rcg_erp", "array": "ARRAY-B"}],
        "states": {                           # per group: one state, or a list (one per array; down: true when
                                              # the array was down for the drill and not read)
          "rcg_erp": {"array": "ARRAY-B", "role": "Primary-Rev", "status": "Stopped",
                      "copy_state": "FailedOver", "sync_state": "Broken", "progress_status": "Completed",
                      "expected_row_ok": true, "expected_row": "3"}
        },
        "message": "free text"
      }]
    }

``expected_row_ok`` is what ``rcopy_plan.check_row`` says of the state (Table 107); ``expected_row`` the row it
matched. ``render_html(report, template=None)`` returns the page as a string; ``validate(report)`` the list of
problems that keep a report from being rendered (an empty list when it is fine).
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import datetime
import os

import jinja2
import markupsafe

STEP_STATUSES = ('ok', 'failed', 'skipped')
RESULTS = ('passed', 'failed')
COLOURS = {'ok': '#1a7f37', 'failed': '#cf222e', 'skipped': '#8c959f', 'passed': '#1a7f37', 'running': '#9a6700'}
TEMPLATE = os.path.join(os.path.dirname(os.path.abspath(__file__)), 'templates', 'drill_report.html.j2')

# The timeline's drawing, in SVG user units: total width, the step labels' column, room right of the longest bar
# for its duration, the top margin (RTO label), one row per step and the bar in it.
TIMELINE = {'width': 1180, 'label_w': 190, 'right': 110, 'top': 34, 'row_h': 34, 'bar_h': 20}
LABEL_CHARS = 26
TICKS_S = (0.5, 1, 2, 5, 10, 15, 20, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200)
MAX_TICKS = 10


def dash(value):
    """The template's ``dash`` filter: a missing value (None, empty, undefined) shown as an em dash."""
    if value is None or value == '' or isinstance(value, jinja2.Undefined):
        return markupsafe.Markup('&#8212;')
    return value


def parse_time(value):
    """ISO 8601 (a trailing Z allowed) -> aware datetime; None when missing or unreadable."""
    if not value:
        return None
    try:
        stamp = datetime.datetime.fromisoformat(str(value).strip().replace('Z', '+00:00'))
    except ValueError:
        return None
    if stamp.tzinfo is None:
        stamp = stamp.replace(tzinfo=datetime.timezone.utc)
    return stamp


def fmt_duration(seconds):
    """12.3 -> '12.3 s'; 372 -> '6 min 12 s'; 4000 -> '1 h 06 min'."""
    if seconds is None:
        return None
    seconds = float(seconds)
    if seconds < 60:
        return '%.1f s' % seconds
    whole = int(round(seconds))
    if whole < 3600:
        return '%d min %02d s' % divmod(whole, 60)
    return '%d h %02d min' % (whole // 3600, (whole % 3600) // 60)


def fmt_time(value):
    stamp = parse_time(value)
    return stamp.strftime('%Y-%m-%d %H:%M:%S %Z').strip() if stamp else value


def validate(report):
    """Problems that keep ``report`` from being rendered (empty when it can be)."""
    problems = []
    if not isinstance(report, dict):
        return ['the report must be a dict, not %s' % type(report).__name__]
    drill = report.get('drill')
    if not isinstance(drill, dict) or not drill.get('name'):
        problems.append('drill.name is required')
    elif drill.get('result') not in RESULTS:
        problems.append('drill.result must be one of %s, not %r' % (', '.join(RESULTS), drill.get('result')))
    steps = report.get('steps')
    if not isinstance(steps, list):
        problems.append('steps must be a list')
        return problems
    for index, step in enumerate(steps):
        if not isinstance(step, dict) or not step.get('name'):
            problems.append('steps[%d].name is required' % index)
        elif step.get('status', 'ok') not in STEP_STATUSES:
            problems.append('steps[%d].status must be one of %s, not %r'
                            % (index, ', '.join(STEP_STATUSES), step.get('status')))
    return problems


def _num(value):
    try:
        return None if value is None else float(value)
    except (TypeError, ValueError):
        return None


def layout(report):
    """Each step's (start, end, duration) in seconds from the drill start; steps without times follow the previous."""
    drill = report.get('drill') or {}
    origin = parse_time(drill.get('started'))
    firsts = [parse_time(s.get('started')) for s in report['steps'] if parse_time(s.get('started'))]
    if origin is None and firsts:
        origin = min(firsts)
    spans = []
    cursor = 0.0
    for step in report['steps']:
        start, end = parse_time(step.get('started')), parse_time(step.get('ended'))
        duration = _num(step.get('duration_s'))
        begin = (start - origin).total_seconds() if start and origin else cursor
        finish = (end - origin).total_seconds() if end and origin else begin + (duration or 0.0)
        finish = max(finish, begin)
        spans.append((begin, finish, duration if duration is not None else finish - begin))
        cursor = finish
    return spans


def _total(report, spans):
    drill = report.get('drill') or {}
    total = _num(drill.get('duration_s'))
    if total is None:
        start, end = parse_time(drill.get('started')), parse_time(drill.get('ended'))
        total = (end - start).total_seconds() if start and end else max([s[1] for s in spans] or [0.0])
    return total


def _tick(span):
    return next((step for step in TICKS_S if span / step <= MAX_TICKS), 14400)


def _timeline(report, spans, total):
    """The timeline's geometry: the ticks, the RTO span and one bar per step, in SVG user units."""
    geometry = dict(TIMELINE)
    steps = report['steps']
    plot_w = geometry['width'] - geometry['label_w'] - geometry['right']
    end = max([total] + [s[1] for s in spans] + [1.0])
    tick = _tick(end)
    end = tick * (int(end / tick) + (0 if end % tick == 0 else 1))
    top, row_h, bar_h = geometry['top'], geometry['row_h'], geometry['bar_h']
    geometry['height'] = top + row_h * len(steps) + 16

    def x(seconds):
        return round(geometry['label_w'] + plot_w * seconds / end, 1)

    geometry['ticks'] = [{'x': x(i * tick), 'label': '%g s' % (i * tick)} for i in range(int(round(end / tick)) + 1)]
    drill = report.get('drill') or {}
    rto = _num(drill.get('rto_s'))
    starts = [spans[i][0] for i, s in enumerate(steps) if s.get('name') == (drill.get('rto_step') or 'failover')]
    geometry['rto'] = None
    if rto is not None and starts:
        geometry['rto'] = {'x': x(starts[0]), 'width': max(x(starts[0] + rto) - x(starts[0]), 1.0),
                           'height': row_h * len(steps) + 8, 'label': 'RTO %s' % fmt_duration(rto)}
    bars = []
    for index, (step, (begin, finish, duration)) in enumerate(zip(steps, spans)):
        status = step.get('status') or 'ok'
        name = '%s' % step.get('name')
        width = max(x(finish) - x(begin), 3.0)
        text = fmt_duration(duration) if status != 'skipped' else 'skipped'
        bars.append({'name': name, 'label': name if len(name) <= LABEL_CHARS else name[:LABEL_CHARS - 1] + '\u2026',
                     'status': status, 'colour': COLOURS.get(status, COLOURS['skipped']), 'y': top + index * row_h,
                     'x': x(begin), 'width': round(width, 1), 'duration': fmt_duration(duration),
                     'text': '%s \u2717 failed' % text if status == 'failed' else text,
                     'text_x': round(x(begin) + width + 6, 1)})
    geometry['bars'] = bars
    return geometry


def _states_of(step, group):
    states = (step.get('states') or {}).get(group)
    if states is None:
        return []
    return [s if isinstance(s, dict) else {} for s in (states if isinstance(states, list) else [states])]


def _group_names(report):
    names = [g.get('name') for g in report.get('groups') or [] if isinstance(g, dict) and g.get('name')]
    for step in report['steps']:
        for name in (step.get('states') or {}):
            if name not in names:
                names.append(name)
    return names


def _row_reference(state):
    """How a state's Table 107 row reads next to yes / no: 'row 3', 'expected row 3', 'Table 106, 2'."""
    row = state.get('expected_row')
    row = '%s' % (row,) if row not in (None, '') else ''
    if row.startswith('106-'):
        row = 'Table 106, %s' % row[4:]
    elif row:
        row = 'row %s' % row
    return 'expected ' + row if row and state.get('expected_row_ok') is False else row


def _groups(report):
    """Per group: its description and, per step, the states read on each array."""
    infos = dict((g.get('name'), g) for g in report.get('groups') or [] if isinstance(g, dict))
    groups = []
    for name in _group_names(report):
        info = infos.get(name) or {}
        members = [m for m in info.get('members') or [] if isinstance(m, dict)]
        steps = [{'name': step.get('name'),
                  'states': [dict(state, row_reference=_row_reference(state)) for state in _states_of(step, name)]}
                 for step in report['steps']]
        groups.append({'name': name, 'primary': info.get('primary'), 'secondary': info.get('secondary'),
                       'mode': info.get('mode'), 'members': members, 'steps': steps})
    return groups


def view(report):
    """What the template shows: the report, laid out (durations as text, the timeline, per-group state tables)."""
    drill = report['drill']
    spans = layout(report)
    total = _total(report, spans)
    steps = report['steps']
    rto, objective = _num(drill.get('rto_s')), _num(drill.get('rto_objective_s'))
    first_failed = next((s for s in steps if s.get('status') == 'failed'), None)
    return {
        'drill': drill,
        'result': drill['result'],
        'colours': COLOURS,
        'started': fmt_time(drill.get('started')), 'ended': fmt_time(drill.get('ended')),
        'arrays': [a for a in report.get('arrays') or [] if isinstance(a, dict)],
        'first_failed': first_failed.get('name') if first_failed else None,
        'total': fmt_duration(total),
        'rto': fmt_duration(rto),
        'rto_objective': fmt_duration(objective),
        'rto_met': None if rto is None or objective is None else rto <= objective,
        'counts': dict((k, len([s for s in steps if (s.get('status') or 'ok') == k])) for k in STEP_STATUSES),
        'timeline': _timeline(report, spans, total),
        'groups': _groups(report),
        'steps': [dict(step, status=step.get('status') or 'ok', duration=fmt_duration(span[2]),
                       offset=fmt_duration(span[0]), colour=COLOURS.get(step.get('status') or 'ok', COLOURS['skipped']),
                       actions=[a for a in step.get('actions') or [] if isinstance(a, dict)])
                  for step, span in zip(steps, spans)],
    }


def render_html(report, template=None):
    """The report as one HTML page (str), from ``template`` (a path; default: the collection's). Raises ValueError
    listing what is wrong with the report, jinja2.TemplateError when the template is."""
    problems = validate(report)
    if problems:
        raise ValueError('cannot render the drill report: %s' % '; '.join(problems))
    path = os.path.abspath(template or TEMPLATE)
    environment = jinja2.Environment(loader=jinja2.FileSystemLoader(os.path.dirname(path)), autoescape=True,
                                     trim_blocks=True, lstrip_blocks=True, keep_trailing_newline=True)
    environment.filters['dash'] = dash
    return environment.get_template(os.path.basename(path)).render(view(report))
