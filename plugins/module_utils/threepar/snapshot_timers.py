# -*- coding: utf-8 -*-
# Copyright: smis.threepar contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Expiration and retention of snapshots (``expire``, ``retain``).

A snapshot's ExpirationTime and RetentionTime are properties of its StorageSetting, modifiable, and absolute: "In CLI,
the value is the delta, whereas here it is the actual date and time" (M311 Table 38 p38). The setting is the
TPD_VolumeSetting joined to the replica volume by TPD_ElementSettingData (M312 p51). The engine sets both with
ModifyInstance after the snapshot exists, for single and group snapshots alike: the timers a TargetSettingGoal takes
at creation (ExpirationTimer, RetentionTimer, M313 p115) have no documented type or unit, the absolute times have.

The array's rules (3PAR CLI Reference, -retain of createsv / setvv: CLI313 p334, ADM231 p146): retention is 1 to
43,800 hours, "cannot be removed or reduced once it is set", cannot be longer than expiration, needs the Virtual
Lock licence, and a volume cannot be removed within its retention time. Durations count from the snapshot's point in
time and are whole hours, as the CLI takes them (90m is 2h)."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

from dataclasses import dataclass
from datetime import timedelta
from typing import Optional

from ansible_collections.smis.threepar.plugins.module_utils.threepar.action import SET_SNAPSHOT_TIMERS, Action
from ansible_collections.smis.threepar.plugins.module_utils.threepar.errors import InvalidRequest, ThreeparError

VOLUME_SETTING = 'TPD_VolumeSetting'
ELEMENT_SETTING_DATA = 'TPD_ElementSettingData'
MODIFY_INSTANCE = 'ModifyInstance'
SETTING_PROPERTIES = ['InstanceID', 'ExpirationTime', 'RetentionTime']
LINK_PROPERTIES = ['ManagedElement', 'SettingData']
HOUR = 3600
MAX_RETENTION_HOURS = 43800
# Two times within this are the same to the array: it counts whole hours, so half of one (the creation and the
# ModifyInstance after it take a moment).
TOLERANCE = timedelta(minutes=30)


@dataclass
class Timers:
    """A snapshot's expiration and end of retention as the array holds them (None: not set)."""
    expires: Optional[object] = None
    retained_until: Optional[object] = None
    path: object = None     # its TPD_VolumeSetting


def whole_hours(seconds):
    return None if seconds is None else -(-int(seconds) // HOUR) * HOUR


def validate(want, what):
    """Round ``expire``/``retain`` (seconds) up to hours and check them against the CLI's rules, before any request."""
    want['expire'], want['retain'] = whole_hours(want.get('expire')), whole_hours(want.get('retain'))
    expire, retain = want['expire'], want['retain']
    for option, value in (('expire', expire), ('retain', retain)):
        if value is not None and value < HOUR:
            raise InvalidRequest('converge', what, '%s must be at least one hour' % option, 'Set %s to e.g. 36h or 7d.' % option)
    if retain is not None and retain > MAX_RETENTION_HOURS * HOUR:
        raise InvalidRequest('converge', what, 'retain is longer than the 43,800 hours (5 years) the array allows', 'Set a shorter retain.')
    if retain is not None and expire is not None and retain > expire:
        raise InvalidRequest('converge', what, 'retain (%dh) is longer than expire (%dh); the array refuses a retention that '
                             'outlasts the snapshot' % (retain // HOUR, expire // HOUR), 'Set retain to at most expire.')
    if retain is not None and want.get('max_age') is not None and retain > want['max_age'] and want.get('state') == 'present':
        raise InvalidRequest('converge', what, 'retain (%dh) is longer than max_age: the refresh would have to delete a snapshot '
                             'the array still retains' % (retain // HOUR), 'Set retain to at most max_age, or remove max_age.')


def read_timers(client, names_by_device_id):
    """{volume name: Timers} of every snapshot that has a TPD_VolumeSetting: two enumerations. {} when the provider has
    no such class (it then has no timers to show)."""
    try:
        settings = dict((inst.path.keybindings.get('InstanceID'), inst)
                        for inst in client.enumerate(VOLUME_SETTING, SETTING_PROPERTIES, 'the snapshot settings'))
        links = client.enumerate(ELEMENT_SETTING_DATA, LINK_PROPERTIES, 'the settings of the volumes') if settings else []
    except ThreeparError as exc:
        if 'CIM_ERR_INVALID_CLASS' in str(exc) or 'CIM_ERR_NOT_FOUND' in str(exc):
            return {}
        raise
    found = {}
    for link in links:
        element, setting = link.get('ManagedElement'), link.get('SettingData')
        if element is None or setting is None or setting.classname.lower() != VOLUME_SETTING.lower():
            continue
        inst = settings.get(setting.keybindings.get('InstanceID'))
        name = names_by_device_id.get(element.keybindings.get('DeviceID'))
        if inst is not None and name is not None:
            found[name] = Timers(_when(inst.get('ExpirationTime')), _when(inst.get('RetentionTime')), inst.path)
    return found


def _when(value):
    if value is None or getattr(value, 'is_interval', False):
        return None
    return getattr(value, 'datetime', value)


def asked(wants):
    return any(w.get('expire') is not None or w.get('retain') is not None for w in wants)


def plan_one(want, copy, timers, now, what):
    """The ModifyInstance a snapshot needs for its timers, or []. ``copy``: the snapshot as read (None: this run creates
    it, its point in time is when the step runs); ``timers``: as read (None: none set)."""
    expire, retain = want.get('expire'), want.get('retain')
    if expire is None and retain is None:
        return []
    timers = timers or Timers()
    args = {'name': want['name'], 'expire': expire, 'retain': retain, 'virtual': True}
    if copy is None or copy.when_synced is None:
        return [Action(SET_SNAPSHOT_TIMERS, want['name'], MODIFY_INSTANCE, dict(args, point=None))]
    point = copy.when_synced
    change = {}
    if expire is not None:
        expires = point + timedelta(seconds=expire)
        if expires <= now and (timers.expires is None or abs(timers.expires - expires) >= TOLERANCE):
            raise InvalidRequest('set', 'expire of ' + what, 'its point in time (%s) is more than %dh ago, so it would expire at '
                                 'once' % (point.isoformat(), expire // HOUR), 'Set a longer expire, or refresh it (max_age).')
        if timers.expires is None or abs(timers.expires - expires) >= TOLERANCE:
            change['expire'] = expires
    if retain is not None:
        until = point + timedelta(seconds=retain)
        if timers.retained_until is not None and timers.retained_until - until >= TOLERANCE:
            raise InvalidRequest('set', 'retain of ' + what, 'it is retained until %s; the array cannot remove or reduce a retention '
                                 'once set' % timers.retained_until.isoformat(),
                                 'Set retain to at least %dh, or wait until then.' % round((timers.retained_until - point).total_seconds() / HOUR))
        if until > now and (timers.retained_until is None or until - timers.retained_until >= TOLERANCE):
            change['retain'] = until
    if not change:
        return []
    return [Action(SET_SNAPSHOT_TIMERS, want['name'], MODIFY_INSTANCE, dict(args, point=point, change=change))]


def refuse_retained_deletes(actions, timers, now, operation):
    """A delete of a snapshot still retained is refused by the array: refuse the whole plan before any change."""
    for action in actions:
        kept = (timers.get(action.target) or Timers()).retained_until if action.operation == operation else None
        if kept is not None and kept > now:
            raise InvalidRequest('delete', 'snapshot %s' % action.target, 'it is retained until %s (retain); the array refuses to '
                                 'delete it before then' % kept.isoformat(), 'Nothing was changed. Run again after that time.')


def view(timers, now):
    """What a copy's view shows of its timers: the times (ISO 8601) and the seconds left at ``now``."""
    timers = timers or Timers()

    def left(when):
        return max(0, int((when - now).total_seconds())) if when is not None and now is not None else None
    return {'expires': timers.expires.isoformat() if timers.expires else None, 'expires_in': left(timers.expires),
            'retained_until': timers.retained_until.isoformat() if timers.retained_until else None,
            'retention_left': left(timers.retained_until)}


def needs_read(wants, actions, delete_operation):
    """The timers are read when the task sets them, or when its plan deletes a snapshot (the retention guard)."""
    return asked(wants) or any(a.operation == delete_operation for a in actions)


def add_to_plan(plan, wants, state, now, remade, recount_operation):
    """The plan with the timer steps of ``wants`` (present snapshots), before the recount (which stays last).
    ``remade``: the snapshots the plan makes or refreshes (their timers count from the new point in time)."""
    steps = []
    for want in wants:
        if want['state'] != 'present' or want.get('type') == 'physical':
            continue
        copy = None if want['name'] in remade else state.copy_to(want['name'])
        steps += plan_one(want, copy, (state.timers or {}).get(want['name']), now, 'snapshot %s' % want['name'])
    if not steps:
        return plan
    head = [a for a in plan.actions if a.operation != recount_operation]
    tail = [a for a in plan.actions if a.operation == recount_operation]
    after = dict(plan.after)
    for step in steps:
        change = step.args.get('change')
        shown = dict((key, change[key].isoformat()) for key in change) if change else \
            dict((key, '(%dh after its point in time)' % (step.args[key] // HOUR)) for key in ('expire', 'retain') if step.args[key])
        after[step.target] = dict(after.get(step.target) or {}, **dict(
            ('expires' if key == 'expire' else 'retained_until', value) for key, value in shown.items()))
    return plan.__class__(head + steps + tail, plan.before, after, plan.expect)
