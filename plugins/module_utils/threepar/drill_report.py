# -*- coding: utf-8 -*-
# Copyright: smis.threepar contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Render a DR drill report (a dict) as one self-contained HTML page: inline CSS, inline SVG, no script,
no external resource. Standard library only (html, json, datetime), so it imports on the controller
(the ``smis.threepar.drill_report_html`` filter) and on any target.

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

``expected_row_ok`` is what ``rcopy_plan.check_row`` says of the state (Table 107); ``expected_row`` the
row it matched. ``render_html(report)`` returns the page as a string; ``validate(report)`` the list of
problems that keep a report from being rendered (an empty list when it is fine).
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import datetime
import html

STEP_STATUSES = ('ok', 'failed', 'skipped')
RESULTS = ('passed', 'failed')

COLOURS = {'ok': '#1a7f37', 'failed': '#cf222e', 'skipped': '#8c959f', 'passed': '#1a7f37', 'running': '#9a6700'}

CSS = """
*{box-sizing:border-box}
body{margin:0;background:#f6f8fa;color:#1f2328;font:14px/1.45 -apple-system,"Segoe UI",Helvetica,Arial,sans-serif}
main{max-width:1240px;margin:0 auto;padding:24px}
header.top{background:#fff;border:1px solid #d0d7de;border-radius:10px;padding:20px 24px;margin-bottom:16px;
 border-left:8px solid var(--result)}
header.top h1{margin:0 0 4px;font-size:24px}
.sub{color:#57606a}
.badge{display:inline-block;padding:2px 10px;border-radius:999px;font-weight:600;font-size:12px;
 text-transform:uppercase;letter-spacing:.04em;color:#fff;vertical-align:middle}
.result{font-size:15px;padding:4px 14px;margin-left:10px}
.cards{display:grid;grid-template-columns:repeat(4,1fr);gap:12px;margin:16px 0 0}
.card{border:1px solid #d0d7de;border-radius:8px;padding:10px 14px;background:#f6f8fa}
.card .k{color:#57606a;font-size:12px;text-transform:uppercase;letter-spacing:.04em}
.card .v{font-size:24px;font-weight:600}
.card .n{color:#57606a;font-size:12px}
.arrays{margin-top:12px;display:flex;gap:8px;flex-wrap:wrap}
.arr{border:1px solid #d0d7de;border-radius:6px;padding:3px 10px;background:#fff;font-size:13px}
section{background:#fff;border:1px solid #d0d7de;border-radius:10px;padding:16px 20px;margin-bottom:16px}
section h2{margin:0 0 10px;font-size:17px}
section h3{margin:14px 0 6px;font-size:15px}
table{border-collapse:collapse;width:100%;font-size:13px}
th,td{text-align:left;padding:6px 8px;border-bottom:1px solid #eaeef2;vertical-align:top}
th{background:#f6f8fa;color:#57606a;font-weight:600;font-size:12px}
td.mono,code{font-family:ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;font-size:12.5px}
tr.bad td{background:#fff5f5}
.yes{color:#1a7f37;font-weight:600}.no{color:#cf222e;font-weight:600}.na{color:#8c959f}
ol.steps{list-style:none;margin:0;padding:0}
ol.steps>li{border:1px solid #d0d7de;border-left:6px solid var(--c);border-radius:8px;padding:10px 14px;margin-bottom:10px}
.steph{display:flex;gap:10px;align-items:baseline;flex-wrap:wrap}
.steph b{font-size:15px}
.msg{margin:6px 0 0;white-space:pre-wrap}
.acts{margin:8px 0 0}
.legend{display:flex;gap:14px;font-size:12px;color:#57606a;margin-top:4px}
.legend i{display:inline-block;width:12px;height:12px;border-radius:3px;margin-right:4px;vertical-align:-2px}
footer{color:#8c959f;font-size:12px;text-align:center;margin:8px 0 24px}
@media print{body{background:#fff}section,header.top{break-inside:avoid}}
"""


def esc(value):
    """Text for HTML and SVG (attributes included): everything escaped, None shown as an em dash."""
    if value is None or value == '':
        return '&#8212;'
    return html.escape('%s' % (value,), quote=True)


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


def _layout(report):
    """Each step's (start, end) in seconds from the drill start; steps without times follow the previous one."""
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
        if end and origin:
            finish = (end - origin).total_seconds()
        else:
            finish = begin + (duration or 0.0)
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
    for step in (0.5, 1, 2, 5, 10, 15, 20, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200):
        if span / step <= 10:
            return step
    return 14400


def _timeline(report, spans, total):
    steps = report['steps']
    width, label_w, right = 1180, 190, 110
    top, row_h, bar_h = 34, 34, 20
    plot_w = width - label_w - right
    end = max([total] + [s[1] for s in spans] + [1.0])
    tick = _tick(end)
    end = tick * (int(end / tick) + (0 if end % tick == 0 else 1))
    height = top + row_h * len(steps) + 16

    def x(seconds):
        return label_w + plot_w * seconds / end

    out = ['<svg xmlns="http://www.w3.org/2000/svg" width="100%%" viewBox="0 0 %d %d" role="img" '
           'aria-label="timeline of the drill steps" font-family="-apple-system,Segoe UI,Helvetica,Arial,sans-serif">'
           % (width, height)]
    # RTO span: from the start of the step it is measured from, for rto_s seconds.
    drill = report.get('drill') or {}
    rto = _num(drill.get('rto_s'))
    rto_step = drill.get('rto_step') or 'failover'
    starts = [spans[i][0] for i, s in enumerate(steps) if s.get('name') == rto_step]
    if rto is not None and starts:
        x0, x1 = x(starts[0]), x(starts[0] + rto)
        out.append('<rect x="%.1f" y="%d" width="%.1f" height="%d" fill="#ddf4ff" stroke="#54aeff" '
                   'stroke-dasharray="4 3"/>' % (x0, top - 6, max(x1 - x0, 1.0), row_h * len(steps) + 8))
        out.append('<text x="%.1f" y="%d" font-size="11" fill="#0969da" font-weight="600">RTO %s</text>'
                   % (x0 + 4, top - 10, esc(fmt_duration(rto))))
    value = 0.0
    while value <= end + 1e-9:
        xv = x(value)
        out.append('<line x1="%.1f" y1="%d" x2="%.1f" y2="%d" stroke="#eaeef2"/>' % (xv, top - 4, xv, height - 14))
        label = ('%g' % value) + ' s'
        out.append('<text x="%.1f" y="%d" font-size="11" fill="#57606a" text-anchor="middle">%s</text>'
                   % (xv, height - 2, esc(label)))
        value += tick
    for index, (step, (begin, finish, duration)) in enumerate(zip(steps, spans)):
        status = step.get('status') or 'ok'
        colour = COLOURS.get(status, COLOURS['skipped'])
        y = top + index * row_h
        name = '%s' % step.get('name')
        short = name if len(name) <= 26 else name[:25] + '\u2026'
        out.append('<text x="%d" y="%d" font-size="13" fill="#1f2328" text-anchor="end">%s<title>%s</title></text>'
                   % (label_w - 10, y + bar_h - 5, esc(short), esc(name)))
        bar_w = max(x(finish) - x(begin), 3.0)
        fill = 'fill="%s"' % colour
        if status == 'skipped':
            fill = 'fill="#ffffff" stroke="%s" stroke-dasharray="3 2"' % colour
        out.append('<rect x="%.1f" y="%d" width="%.1f" height="%d" rx="3" %s><title>%s: %s, %s</title></rect>'
                   % (x(begin), y, bar_w, bar_h, fill, esc(name), esc(status), esc(fmt_duration(duration))))
        text = fmt_duration(duration) if status != 'skipped' else 'skipped'
        if status == 'failed':
            text = '%s \u2717 failed' % text
        out.append('<text x="%.1f" y="%d" font-size="12" fill="%s" font-weight="600">%s</text>'
                   % (x(begin) + bar_w + 6, y + bar_h - 5, colour if status != 'ok' else '#1f2328', esc(text)))
    out.append('</svg>')
    legend = ''.join('<span><i style="background:%s"></i>%s</span>' % (COLOURS[k], k) for k in STEP_STATUSES)
    if rto is not None:
        legend += '<span><i style="background:#ddf4ff;border:1px dashed #54aeff"></i>recovery time (RTO)</span>'
    return '\n'.join(out) + '<div class="legend">%s</div>' % legend


def _states_of(step, group):
    states = (step.get('states') or {}).get(group)
    if states is None:
        return []
    return states if isinstance(states, list) else [states]


def _group_names(report):
    names = [g.get('name') for g in report.get('groups') or [] if isinstance(g, dict) and g.get('name')]
    for step in report['steps']:
        for name in (step.get('states') or {}):
            if name not in names:
                names.append(name)
    return names


def _yes_no(value, row):
    if value is None:
        return '<span class="na">&#8212;</span>'
    row = '%s' % (row,) if row not in (None, '') else ''
    if row.startswith('106-'):
        row = 'Table 106, %s' % row[4:]
    elif row:
        row = 'row %s' % row
    if row and not value:
        row = 'expected ' + row
    ref = ' <span class="na">%s</span>' % esc(row) if row else ''
    return ('<span class="yes">&#10003; yes</span>' if value else '<span class="no">&#10007; no</span>') + ref


def _state_tables(report):
    groups = dict((g.get('name'), g) for g in report.get('groups') or [] if isinstance(g, dict))
    parts = []
    for name in _group_names(report):
        info = groups.get(name) or {}
        detail = []
        if info.get('primary') or info.get('secondary'):
            detail.append('%s &#8594; %s' % (esc(info.get('primary')), esc(info.get('secondary'))))
        if info.get('mode'):
            detail.append('mode %s' % esc(info.get('mode')))
        members = info.get('members') or []
        if members:
            detail.append('%d volume%s: %s' % (len(members), '' if len(members) == 1 else 's', ', '.join(
                '%s&#8594;%s' % (esc(m.get('volume')), esc(m.get('remote_volume'))) for m in members
                if isinstance(m, dict))))
        rows = []
        for step in report['steps']:
            states = _states_of(step, name)
            if not states:
                rows.append('<tr><td>%s</td><td colspan="6" class="na">not read</td></tr>' % esc(step.get('name')))
                continue
            for i, state in enumerate(states):
                state = state if isinstance(state, dict) else {}
                bad = state.get('expected_row_ok') is False
                if state.get('down'):
                    rows.append('<tr>%s<td>%s</td><td colspan="5" class="na">down for the drill: not read</td></tr>' % (
                        '<td rowspan="%d">%s</td>' % (len(states), esc(step.get('name'))) if i == 0 else '',
                        esc(state.get('array'))))
                    continue
                rows.append('<tr%s>%s<td>%s</td><td>%s / %s</td><td>%s</td><td>%s</td><td>%s</td><td>%s</td></tr>' % (
                    ' class="bad"' if bad else '',
                    '<td rowspan="%d">%s</td>' % (len(states), esc(step.get('name'))) if i == 0 else '',
                    esc(state.get('array')), esc(state.get('role')), esc(state.get('status')),
                    esc(state.get('copy_state')), esc(state.get('sync_state')), esc(state.get('progress_status')),
                    _yes_no(state.get('expected_row_ok'), state.get('expected_row'))))
        parts.append('<h3>%s <span class="sub" style="font-weight:400;font-size:13px">%s</span></h3>' % (
            esc(name), ' &#183; '.join(detail)))
        parts.append('<table><thead><tr><th>step</th><th>array</th><th>role / status</th><th>CopyState</th>'
                     '<th>SyncState</th><th>ProgressStatus</th><th>matches Table 107</th></tr></thead><tbody>%s'
                     '</tbody></table>' % ''.join(rows))
    if not parts:
        return '<p class="na">No remote-copy group states were recorded.</p>'
    return '\n'.join(parts)


def _step_list(report, spans):
    items = []
    for index, (step, span) in enumerate(zip(report['steps'], spans)):
        status = step.get('status') or 'ok'
        colour = COLOURS.get(status, COLOURS['skipped'])
        actions = [a for a in step.get('actions') or [] if isinstance(a, dict)]
        if actions:
            rows = ''.join('<tr><td>%s</td><td>%s</td><td>%s</td><td class="mono">%s</td><td class="mono">%s</td>'
                           '<td class="mono">%s</td></tr>' % (
                               esc(a.get('array')), esc(a.get('operation')), esc(a.get('target')), esc(a.get('method')),
                               esc(a.get('operation_code')), esc(a.get('cli'))) for a in actions)
            acts = ('<table class="acts"><thead><tr><th>array</th><th>operation</th><th>target</th><th>CIM method</th>'
                    '<th>op</th><th>3PAR CLI equivalent</th></tr></thead><tbody>%s</tbody></table>' % rows)
        else:
            acts = '<div class="na" style="margin-top:4px">no change made</div>'
        message = step.get('message')
        items.append(
            '<li style="--c:%s"><div class="steph"><span class="na">%d.</span><b>%s</b>'
            '<span class="badge" style="background:%s">%s</span><span class="sub">%s &#183; +%s</span></div>%s%s</li>'
            % (colour, index + 1, esc(step.get('name')), colour, esc(status), esc(fmt_duration(span[2])),
               esc(fmt_duration(span[0])), '<p class="msg">%s</p>' % esc(message) if message else '', acts))
    return '<ol class="steps">%s</ol>' % ''.join(items)


def render_html(report):
    """The report as one self-contained HTML page (str). Raises ValueError listing what is wrong with it."""
    problems = validate(report)
    if problems:
        raise ValueError('cannot render the drill report: %s' % '; '.join(problems))
    drill = report['drill']
    result = drill['result']
    spans = _layout(report)
    total = _total(report, spans)
    steps = report['steps']
    counts = dict((k, len([s for s in steps if (s.get('status') or 'ok') == k])) for k in STEP_STATUSES)
    rto = _num(drill.get('rto_s'))
    objective = _num(drill.get('rto_objective_s'))
    rto_note = ''
    if objective is not None:
        rto_note = 'objective %s%s' % (fmt_duration(objective), ' &#8212; met' if rto is not None and rto <= objective
                                       else ' &#8212; <span class="no">missed</span>' if rto is not None else '')
    arrays = ''.join('<span class="arr"><b>%s</b>%s%s%s</span>' % (
        esc(a.get('name')), ' &#183; %s' % esc(a.get('role')) if a.get('role') else '',
        ' &#183; %s' % esc(a.get('site')) if a.get('site') else '',
        ' &#183; <code>%s</code>' % esc(a.get('host')) if a.get('host') else '')
        for a in report.get('arrays') or [] if isinstance(a, dict))
    first_failed = next((s for s in steps if s.get('status') == 'failed'), None)
    when = '%s &#8594; %s' % (esc(fmt_time(drill.get('started'))), esc(fmt_time(drill.get('ended'))))
    header = (
        '<header class="top" style="--result:{c}"><h1>{name}<span class="badge result" style="background:{c}">{res}'
        '</span></h1><div class="sub">DR drill &#183; {when}{op}</div><div class="arrays">{arrays}</div>'
        '<div class="cards">'
        '<div class="card"><div class="k">result</div><div class="v" style="color:{c}">{res}</div>'
        '<div class="n">{why}</div></div>'
        '<div class="card"><div class="k">total duration</div><div class="v">{total}</div><div class="n">{n} steps'
        '</div></div>'
        '<div class="card"><div class="k">recovery time (RTO)</div><div class="v">{rto}</div><div class="n">{rto_note}'
        'failover start &#8594; DR volumes writable</div></div>'
        '<div class="card"><div class="k">steps</div><div class="v"><span class="yes">{ok}</span> / '
        '<span class="no">{failed}</span> / <span class="na">{skipped}</span></div><div class="n">ok / failed / '
        'skipped</div></div></div></header>').format(
            c=COLOURS[result], name=esc(drill['name']), res=esc(result.upper()), when=when,
            op=' &#183; %s' % esc(drill.get('operator')) if drill.get('operator') else '', arrays=arrays,
            why=('first failure: %s' % esc(first_failed.get('name'))) if first_failed else 'every step ok',
            total=esc(fmt_duration(total)), n=len(steps), rto=esc(fmt_duration(rto)),
            rto_note=rto_note + '<br>' if rto_note else '', ok=counts['ok'], failed=counts['failed'],
            skipped=counts['skipped'])
    body = [
        header,
        '<section><h2>Timeline</h2>%s</section>' % _timeline(report, spans, total),
        '<section><h2>Remote-copy group states</h2>%s</section>' % _state_tables(report),
        '<section><h2>Steps</h2>%s</section>' % _step_list(report, spans),
        '<footer>smis.threepar DR drill report &#183; states checked against HP 3PAR CIM API Table 107</footer>',
    ]
    return ('<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
            '<meta name="viewport" content="width=device-width, initial-scale=1">'
            '<title>%s &#8212; DR drill %s</title><style>%s</style></head><body><main>\n%s\n</main></body></html>\n'
            % (esc(drill['name']), esc(result), CSS, '\n'.join(body)))
