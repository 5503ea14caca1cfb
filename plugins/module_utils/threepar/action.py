# -*- coding: utf-8 -*-
# Copyright: smis.threepar contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The one shape of a plan, for local copies and remote copy alike: ordered Actions, and the before/after of the
object(s) they change, which the planner states once (``--diff`` and check mode report it; nothing re-predicts it)."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

from dataclasses import dataclass, field

# The operations of the volume and local-copy plans: the ids results report (RV(actions)[].operation), verb first.
# Remote copy names its own (rcopy_plan).
CREATE_VOLUME = 'create_volume'
GROW_VOLUME = 'grow_volume'
SET_SNAPSHOT_SPACE = 'set_snapshot_space'
DELETE_VOLUME = 'delete_volume'
CREATE_VIRTUAL_COPY = 'create_virtual_copy'
CREATE_TARGET_VOLUME = 'create_target_volume'
CREATE_PHYSICAL_COPY = 'create_physical_copy'
RESYNC_COPY = 'resync_copy'
RESTORE_COPY = 'restore_copy'
DETACH_COPY = 'detach_copy'
STOP_COPY = 'stop_copy'
WAIT_FOR_COPY = 'wait_for_copy'
DELETE_COPY = 'delete_copy'
CREATE_CONSISTENT_SNAPSHOTS = 'create_consistent_snapshots'
SET_SNAPSHOT_TIMERS = 'set_snapshot_timers'
CREATE_VOLUME_SET = 'create_volume_set'
ADD_SET_MEMBERS = 'add_set_members'
REMOVE_SET_MEMBERS = 'remove_set_members'
DELETE_VOLUME_SET = 'delete_volume_set'
# The recount of snapshot space (updatesnapspace) invokes a method but changes no data and no configuration.
RECOUNT = 'recount_snapshot_space'
# Notes of steps whose end state another party reached since the read (e.g. another run): they changed nothing.
ALREADY_GONE = 'already gone'      # a delete that found its object gone
ALREADY_GROWN = 'already grown'    # a grow refused because the volume is already that large
DONE_BY_OTHERS = (ALREADY_GONE, ALREADY_GROWN)
NON_CHANGING_OPERATIONS = frozenset([RECOUNT])


def verb_and_object(operation):
    """How an error message names a step: 'create_virtual_copy' -> ('create', 'virtual copy')."""
    verb, dummy, what = operation.partition('_')
    return verb, what.replace('_', ' ')


@dataclass
class Action:
    """One step of a plan, on the array the module talks to.

    ``operation``: what it does (the id in results); ``target``: the volume, copy or group it acts on;
    ``method``: the CIM method (None: a wait for the array, which changes nothing); ``args``: what the executor needs
    to build the method's parameters or the command; ``cli``: what an operator would type on the array for it (remote
    copy, where the CLI is a transport); ``code``: the Operation number of a Modify*Synchronization method;
    ``transport``: ``cim`` or ``cli``, set once the provider's capabilities are known."""
    operation: str
    target: str
    method: object = None
    args: dict = field(default_factory=dict)
    cli: object = None
    code: object = None
    transport: object = None

    @property
    def changes(self):
        return bool(self.method) and self.operation not in NON_CHANGING_OPERATIONS

    def as_result(self, names=None):
        """What the module reports of the step. ``names``: Operation number -> name, for ``operation_name``."""
        record = {'operation': self.operation, 'target': self.target, 'method': self.method}
        if self.cli is not None:
            record.update(cli=self.cli, operation_code=self.code)
            if self.code is not None and names:
                record['operation_name'] = names.get(self.code)
        if self.transport:
            record['transport'] = self.transport
        return record


def changes(actions):
    """Whether a plan (Actions) or the steps a run performed (their results) change the array."""
    return any(a.changes if isinstance(a, Action) else bool(a['method']) and a['operation'] not in NON_CHANGING_OPERATIONS
               and a.get('note') not in DONE_BY_OTHERS for a in actions)


@dataclass
class Plan:
    """What the planner returns: the actions, and the object(s) before them and once they are done, in the view
    ``--diff`` shows ({} for an object that does not exist). ``expect`` is what the run verifies afterwards
    (remote copy: the Table 107 target), None when there is nothing to verify."""
    actions: list
    before: object
    after: object
    expect: object = None

    @property
    def changes(self):
        return changes(self.actions)
