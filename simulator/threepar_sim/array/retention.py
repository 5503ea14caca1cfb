"""Expiration and retention of snapshots (simulator/MODEL.md, Snapshot expiration and retention).

Timers come in hours with the snapshot's creation (TargetSettingGoal ExpirationTimer / RetentionTimer, M312 p108,
p111, M313 p115), times are absolute afterwards (TPD_VolumeSetting ExpirationTime / RetentionTime, M311 Table 38
p38). Retention: 1..43,800 hours, not above the system maximum VVRetentionTimeMax, never removed or reduced, never
later than the expiration, only with the Virtual Lock licence (CLI231 p167/p191/p469, CLI311 p344, CLI313 p334,
ADM231 p146; WSAPI131 p59). The ticker removes snapshots whose time is up (``expire``).
"""

from datetime import timedelta

from . import values as v, volume_sets
from .state import Refused, stamp

MAX_TIMER_HOURS = 43800          # "1 - 43,800 hours (1,825 days)" (CLI231 p469, ADM231 p146)
DEFAULT_RETENTION_MAX_HOURS = 336  # VVRetentionTimeMax default: 14 days (ADM231 p146)


class RuleBroken(Exception):
    """A change of ExpirationTime / RetentionTime the array refuses (ModifyInstance: CIM_ERR_FAILED)."""


def creation_timers(state, setting):
    """(ExpirationTimer, RetentionTimer) hours of a TargetSettingGoal, checked: 5 range/order, 4 licence."""
    if setting is None:
        return None, None
    expiration, retention = setting.expiration_timer, setting.retention_timer
    if expiration is not None and not 1 <= expiration <= MAX_TIMER_HOURS:
        raise Refused(v.RC_INVALID, 'ExpirationTimer must be 1..%d hours' % MAX_TIMER_HOURS)
    if retention is not None:
        if not state.virtual_lock:
            raise Refused(v.RC_FAILED, 'RetentionTimer requires the HP 3PAR Virtual Lock license')
        if not 1 <= retention <= min(MAX_TIMER_HOURS, state.retention_max_hours):
            raise Refused(v.RC_INVALID, 'RetentionTimer must be 1..%d hours (VVRetentionTimeMax)'
                          % min(MAX_TIMER_HOURS, state.retention_max_hours))
        if expiration is not None and retention > expiration:
            raise Refused(v.RC_INVALID, 'RetentionTimer (%d h) is greater than ExpirationTimer (%d h)' % (retention, expiration))
    return expiration, retention


def timers(state, setting):
    """What a snapshot method applies to each new snapshot volume: callable(volume, when), or None (no timer)."""
    expiration, retention = creation_timers(state, setting)
    if expiration is None and retention is None:
        return None

    def apply(vol, when):
        set_times(state, vol, None if expiration is None else when + timedelta(hours=expiration),
                  None if retention is None else when + timedelta(hours=retention))
    return apply


def refuse_timers(setting, method):
    """CreateReplica accepts "Only the BaseID property" (M311 p65, M312 p68); clones take no timers (M312 p108)."""
    if setting is not None and (setting.expiration_timer is not None or setting.retention_timer is not None):
        raise Refused(v.RC_INVALID, '%s: ExpirationTimer and RetentionTimer apply to snapshots of the Replication '
                      'Services (CreateElementReplica, CreateGroupReplica, TPD_CreateConsistentReplicaList)' % method)


def set_times(state, vol, expiration, retention):
    vol.expiration_time, vol.retention_time = expiration, retention
    if expiration is None:
        state.expiring.discard(vol.name)
    else:
        state.expiring.add(vol.name)
    state.touch('volume', vol.name)


def modify(state, vol, changes):
    """ModifyInstance of a snapshot's TPD_VolumeSetting: ``changes`` {'ExpirationTime'|'RetentionTime': datetime|None}."""
    now = state.now()
    expiration = changes.get('ExpirationTime', vol.expiration_time)
    retention = changes.get('RetentionTime', vol.retention_time)
    if retention != vol.retention_time:
        if not state.virtual_lock:
            raise RuleBroken('RetentionTime requires the HP 3PAR Virtual Lock license')
        if retention is None:
            raise RuleBroken('the retention time of %s cannot be removed once it is set' % vol.name)
        if vol.retention_time is not None and retention < vol.retention_time:
            raise RuleBroken('the retention time of %s cannot be reduced (retention until %s)' % (vol.name, stamp(vol.retention_time)))
        limit = min(MAX_TIMER_HOURS, state.retention_max_hours)
        if not now < retention <= now + timedelta(hours=limit):
            raise RuleBroken('RetentionTime must be in the next %d hours (VVRetentionTimeMax)' % limit)
    if expiration != vol.expiration_time and expiration is not None \
            and not now < expiration <= now + timedelta(hours=MAX_TIMER_HOURS):
        raise RuleBroken('ExpirationTime must be in the next %d hours' % MAX_TIMER_HOURS)
    if retention is not None and expiration is not None and retention > expiration:
        raise RuleBroken('the retention time is greater than the expiration time (INV_INPUT_RETAIN_GT_EXPIRE)')
    set_times(state, vol, expiration, retention)


def expire(state):
    """Remove the snapshots whose expiration time passed (after their retention; not one with snapshots of its own
    or with a job on its copy): as a delete, also out of the volume sets holding them."""
    if not state.expiring:
        return
    now = state.now()
    for name in sorted(state.expiring):
        vol = state.volumes.get(name)
        if vol is None:
            state.expiring.discard(name)
            continue
        due = max(t for t in (vol.expiration_time, vol.retention_time) if t is not None)
        copy = state.copies.get(name)
        if due > now or state.copies_from.get(name) or (copy is not None and state.jobs_on_copy(copy)):
            continue
        volume_sets.forget_volume(state, name)
        state.delete_volume(vol)
