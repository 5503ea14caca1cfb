"""Table-driven tests of the pure planner: (desired, current) -> ordered actions, or a clear refusal."""

from datetime import datetime, timedelta, timezone

import pytest

from ansible_collections.smis.threepar.plugins.module_utils.threepar import model
from ansible_collections.smis.threepar.plugins.module_utils.threepar import planner
from ansible_collections.smis.threepar.plugins.module_utils.threepar.action import Action, changes
from ansible_collections.smis.threepar.plugins.module_utils.threepar.errors import (
    CopyBroken, InUse, InvalidRequest, NotFound, Unsupported)

NOW = datetime(2024, 5, 1, 12, 0, tzinfo=timezone.utc)
GIB = 1024 ** 3
# kind -> (CopyType, ReplicaType): a snapshot, a resyncable physical copy (createvvcopy -s), a one-shot physical copy.
KIND = {'virtual': (4, 4), 'physical': (4, 2), 'oneshot': (5, 2)}


def array(copies=(), extra_volumes=(), snap_cpg='FC_r5'):
    """vol1 (10 GiB in FC_r5, snapshot space in snap_cpg) plus the targets of ``copies``."""
    volumes = {'vol1': model.Volume('vol1', size=10 * GIB, cpg='FC_r5')}
    for item in copies:
        volumes[item.target] = model.Volume(item.target, size=10 * GIB, copy_of=item.source,
                                            cpg='FC_r5' if item.kind == 'physical' else None)
    for vol in extra_volumes:
        volumes[vol.name] = vol
    return model.ArrayState(volumes=volumes, copies=list(copies),
                            pools={'FC_r5': model.Pool('FC_r5'), 'SSD_r6': model.Pool('SSD_r6')},
                            snap_spaces={'vol1': model.SnapSpace('vol1', snap_cpg=snap_cpg)} if snap_cpg else {})


def copy(kind, sync_state, name='snap1', age_hours=1, source='vol1'):
    when = NOW - timedelta(hours=age_hours) if age_hours is not None else None
    copy_type, replica_type = KIND[kind]
    return model.Copy(source=source, target=name, copy_type=copy_type, replica_type=replica_type, sync_state=sync_state,
                      when_synced=when)


def point(hours_ago, fraction=False):
    """A restore_point as copy_wants parses it."""
    when = NOW - timedelta(hours=hours_ago)
    return model.parse_point_in_time(when.isoformat() if fraction else when.replace(microsecond=0).isoformat())


def want_copy(**kw):
    want = {'source': 'vol1', 'name': 'snap1', 'type': 'virtual', 'state': 'present', 'max_age': None,
            'target_cpg': None, 'target_provisioning': None, 'resyncable': None, 'read_only': None,
            'restore_point': None, 'update_space': False}
    want.update(kw)
    if want['state'] == 'restored' and 'restore_point' not in kw:
        want['restore_point'] = point(1)
    return want


def steps(plan):
    """(operation, target, method) of a Plan's or a list's actions."""
    return [(a.operation, a.target, a.method) for a in getattr(plan, 'actions', plan)]


CREATE_V = ('create_virtual_copy', 'snap1', 'CreateReplica')
CREATE_T = ('create_target_volume', 'snap1', 'CreateOrModifyElementFromStoragePool')
ATTACH = ('create_physical_copy', 'snap1', 'AttachReplica')
RESYNC = ('resync_copy', 'snap1', 'ModifySynchronization')
RESTORE = ('restore_copy', 'snap1', 'ModifySynchronization')
DETACH = ('detach_copy', 'snap1', 'ModifySynchronization')
STOP = ('stop_copy', 'snap1', 'ModifySynchronization')
DELETE = ('delete_copy', 'snap1', 'ReturnToStoragePool')
WAIT = ('wait_for_copy', 'snap1', None)
RECOUNT = ('recount_snapshot_space', 'snap1', 'UpdateDeltaSnapshotSpace')
ONESHOT = dict(type='physical', resyncable=False)

# (id, desired, existing copy or None, expected steps)
COPY_CASES = [
    # missing copies
    ('virtual-missing-present', want_copy(), None, [CREATE_V]),
    ('physical-missing-present', want_copy(type='physical'), None, [CREATE_T, ATTACH]),
    ('oneshot-missing-present', want_copy(**ONESHOT), None, [CREATE_T, ATTACH]),
    ('physical-missing-detached', want_copy(type='physical', state='detached'), None, [CREATE_T, ATTACH]),
    ('missing-absent', want_copy(state='absent'), None, []),
    # SyncState Idle (snapshot at rest, also after a promote: Table 57)
    ('idle-present', want_copy(), copy('virtual', model.SS_IDLE), []),
    ('idle-fresh-max-age', want_copy(max_age=86400), copy('virtual', model.SS_IDLE, age_hours=1), []),
    ('idle-stale-max-age', want_copy(max_age=3600), copy('virtual', model.SS_IDLE, age_hours=25), [RESYNC]),
    ('idle-update-space', want_copy(update_space=True), copy('virtual', model.SS_IDLE, age_hours=25), [RECOUNT]),
    ('idle-stale-update-space', want_copy(max_age=3600, update_space=True), copy('virtual', model.SS_IDLE, age_hours=25),
     [RESYNC, RECOUNT]),
    ('idle-restored-at-restore-point', want_copy(state='restored'), copy('virtual', model.SS_IDLE, age_hours=1), [RESTORE]),
    ('idle-restored-exact-point', want_copy(state='restored', restore_point=point(1, fraction=True)),
     copy('virtual', model.SS_IDLE, age_hours=1), [RESTORE]),
    ('idle-restored-after-promote', want_copy(state='restored', restore_point=point(2)), copy('virtual', model.SS_IDLE, age_hours=1), []),
    ('idle-absent', want_copy(state='absent'), copy('virtual', model.SS_IDLE), [DELETE]),
    # Synchronized: settled (the other reading of Table 42); the restore guard decides, not the state
    ('synchronized-restored-after-promote', want_copy(state='restored', restore_point=point(3)), copy('virtual', model.SS_SYNCHRONIZED), []),
    ('synchronized-restored-due', want_copy(state='restored'), copy('virtual', model.SS_SYNCHRONIZED), [RESTORE]),
    ('synchronized-present', want_copy(), copy('virtual', model.SS_SYNCHRONIZED), []),
    # Frozen (resyncable physical copy at rest)
    ('frozen-present', want_copy(type='physical'), copy('physical', model.SS_FROZEN), []),
    ('frozen-stale', want_copy(type='physical', max_age=3600), copy('physical', model.SS_FROZEN, age_hours=2), [RESYNC]),
    ('frozen-never-synced', want_copy(type='physical', max_age=3600), copy('physical', model.SS_FROZEN, age_hours=None), [RESYNC]),
    ('frozen-detached', want_copy(type='physical', state='detached'), copy('physical', model.SS_FROZEN), [DETACH]),
    ('frozen-halted', want_copy(type='physical', state='halted'), copy('physical', model.SS_FROZEN), []),
    ('frozen-absent', want_copy(type='physical', state='absent'), copy('physical', model.SS_FROZEN), [DELETE]),
    # in transit: wait, never start again
    ('initialized-present', want_copy(type='physical'), copy('physical', model.SS_INITIALIZED), [WAIT]),
    ('resync-in-progress-present', want_copy(type='physical', max_age=60), copy('physical', model.SS_RESYNC_IN_PROGRESS, age_hours=None), [WAIT]),
    ('copy-in-progress-present', want_copy(type='physical'), copy('physical', model.SS_COPY_IN_PROGRESS), [WAIT]),
    ('copy-in-progress-halted', want_copy(type='physical', state='halted'), copy('physical', model.SS_COPY_IN_PROGRESS), [STOP]),
    ('initialized-halted', want_copy(type='physical', state='halted'), copy('physical', model.SS_INITIALIZED), [STOP]),
    ('copy-in-progress-detached', want_copy(type='physical', state='detached'), copy('physical', model.SS_COPY_IN_PROGRESS), [WAIT, DETACH]),
    ('copy-in-progress-absent', want_copy(type='physical', state='absent'), copy('physical', model.SS_COPY_IN_PROGRESS), [STOP, DELETE]),
    ('oneshot-copying-present', want_copy(**ONESHOT), copy('oneshot', model.SS_RESYNC_IN_PROGRESS, age_hours=None), [WAIT]),
    ('oneshot-copying-detached', want_copy(type='physical', state='detached'), copy('oneshot', model.SS_RESYNC_IN_PROGRESS), [WAIT]),
    ('oneshot-copying-halted', want_copy(type='physical', state='halted'), copy('oneshot', model.SS_RESYNC_IN_PROGRESS), [STOP]),
    ('oneshot-copying-absent', want_copy(type='physical', state='absent'), copy('oneshot', model.SS_RESYNC_IN_PROGRESS), [STOP, DELETE]),
    ('restore-in-progress-restored', want_copy(state='restored'), copy('virtual', model.SS_RESTORE_IN_PROGRESS), [WAIT]),
    ('restore-in-progress-present', want_copy(), copy('virtual', model.SS_RESTORE_IN_PROGRESS), [WAIT]),
    ('restore-in-progress-absent', want_copy(state='absent'), copy('virtual', model.SS_RESTORE_IN_PROGRESS), [WAIT, DELETE]),
    ('resync-in-progress-restored', want_copy(state='restored'), copy('virtual', model.SS_RESYNC_IN_PROGRESS), [WAIT]),
    # Broken: end states that accept it
    ('broken-absent', want_copy(type='physical', state='absent'), copy('physical', model.SS_BROKEN), [DELETE]),
    ('broken-halted', want_copy(type='physical', state='halted'), copy('physical', model.SS_BROKEN), []),
]


@pytest.mark.parametrize('want,existing,expected', [c[1:] for c in COPY_CASES], ids=[c[0] for c in COPY_CASES])
def test_plan_copy(want, existing, expected):
    state = array([existing] if existing else [])
    assert steps(planner.plan_copies([want], state, NOW)) == expected


def test_every_sync_state_of_table_42_is_planned():
    covered = {case[2].sync_state for case in COPY_CASES if case[2] is not None} | {model.SS_BROKEN}
    assert covered == set(model.SYNC_STATE)


def test_copy_kind_needs_replica_type():
    """A resyncable clone is CopyType 4 like a snapshot: only ReplicaType tells them apart."""
    assert copy('virtual', model.SS_IDLE).kind == 'virtual'
    assert copy('physical', model.SS_FROZEN).kind == 'physical' and copy('physical', model.SS_FROZEN).resyncable
    assert copy('oneshot', model.SS_RESYNC_IN_PROGRESS).kind == 'physical' and not copy('oneshot', model.SS_INITIALIZED).resyncable


ERROR_CASES = [
    ('broken-present-is-not-resynced', want_copy(type='physical'), copy('physical', model.SS_BROKEN), CopyBroken, 'Delete it'),
    ('broken-stale-is-not-resynced', want_copy(type='physical', max_age=1), copy('physical', model.SS_BROKEN), CopyBroken, 'Broken'),
    ('broken-virtual-restored', want_copy(state='restored'), copy('virtual', model.SS_BROKEN), CopyBroken, 'create it again'),
    ('broken-detached', want_copy(type='physical', state='detached'), copy('physical', model.SS_BROKEN), CopyBroken, 'Broken'),
    ('type-mismatch', want_copy(type='physical'), copy('virtual', model.SS_IDLE), InvalidRequest, 'cannot change'),
    ('virtual-asked-is-a-clone', want_copy(), copy('physical', model.SS_FROZEN), InvalidRequest, 'exists as a physical copy'),
    ('resyncable-mismatch', want_copy(**ONESHOT), copy('physical', model.SS_FROZEN), InvalidRequest, 'resyncable physical copy'),
    ('restore-physical', want_copy(type='physical', state='restored'), copy('physical', model.SS_FROZEN), InvalidRequest, 'virtual copies only'),
    ('restore-without-restore-point', want_copy(state='restored', restore_point=None), copy('virtual', model.SS_IDLE),
     InvalidRequest, 'needs restore_point'),
    ('restore-point-without-restored', want_copy(restore_point=point(1)), copy('virtual', model.SS_IDLE), InvalidRequest,
     'state restored only'),
    ('detach-virtual', want_copy(state='detached'), copy('virtual', model.SS_IDLE), InvalidRequest, 'physical copies only'),
    ('halt-virtual', want_copy(state='halted'), copy('virtual', model.SS_IDLE), InvalidRequest, 'physical copies only'),
    ('target-cpg-virtual', want_copy(target_cpg='FC_r5'), None, InvalidRequest, 'physical copies only'),
    ('resyncable-virtual', want_copy(resyncable=True), None, InvalidRequest, 'physical copies only'),
    ('read-only-physical', want_copy(type='physical', read_only=True), None, InvalidRequest, 'virtual copies only'),
    ('update-space-physical', want_copy(type='physical', update_space=True), None, InvalidRequest, 'snapshots'),
    ('max-age-oneshot', want_copy(max_age=60, **ONESHOT), None, InvalidRequest, 'one-shot'),
    ('read-only-create-unsupported', want_copy(read_only=True), None, Unsupported, 'createsv -ro'),
    ('name-too-long', want_copy(name='x' * 32), None, InvalidRequest, 'at most 31'),
    ('name-bad-character', want_copy(name='snap 1'), None, InvalidRequest, 'letters, digits'),
    ('restore-missing', want_copy(state='restored'), None, NotFound, 'does not exist'),
    ('halt-missing', want_copy(type='physical', state='halted'), None, NotFound, 'does not exist'),
    ('unknown-source', want_copy(source='nope'), None, NotFound, 'source volume nope does not exist'),
    ('unknown-target-cpg', want_copy(type='physical', target_cpg='NOPE'), None, NotFound, 'NOPE does not exist'),
    ('other-source', want_copy(source='vol2'), copy('virtual', model.SS_IDLE), InvalidRequest, 'not of vol2'),
]


@pytest.mark.parametrize('want,existing,error,text', [c[1:] for c in ERROR_CASES], ids=[c[0] for c in ERROR_CASES])
def test_plan_copy_refuses(want, existing, error, text):
    state = array([existing] if existing else [])
    with pytest.raises(error) as caught:
        planner.plan_copy(want, state, NOW)
    assert text in str(caught.value)
    assert str(caught.value).startswith('Failed to ')


def test_read_only_mismatch_on_existing_snapshot_is_refused():
    state = array([copy('virtual', model.SS_IDLE)])
    state.volumes['snap1'].read_only = False
    with pytest.raises(InvalidRequest, match='read-write from creation'):
        planner.plan_copy(want_copy(read_only=True), state, NOW)
    assert planner.plan_copy(want_copy(read_only=False), state, NOW) == []


@pytest.mark.parametrize('want', [want_copy(), want_copy(type='physical')], ids=['snapshot', 'resyncable-clone'])
def test_copies_that_keep_a_snapshot_need_snapshot_space(want):
    with pytest.raises(InvalidRequest, match='no snapshot space'):
        planner.plan_copy(want, array(snap_cpg=None), NOW)


def test_oneshot_copy_needs_no_snapshot_space():
    assert steps(planner.plan_copy(want_copy(**ONESHOT), array(snap_cpg=None), NOW)) == [CREATE_T, ATTACH]


def test_name_taken_by_base_volume():
    state = array(extra_volumes=[model.Volume('snap1', size=GIB)])
    with pytest.raises(InvalidRequest, match='is not a snapshot of vol1'):
        planner.plan_copy(want_copy(), state, NOW)


# A volume named like a physical copy with no association: a finished one-shot copy, a detached or a halted copy.
INDEPENDENT_CASES = [
    ('oneshot-finished-present', want_copy(**ONESHOT), [], None),
    ('detached-stays-detached', want_copy(type='physical', state='detached'), [], None),
    ('halted-stays-halted', want_copy(type='physical', state='halted'), [model.OS_ERROR], None),
    ('resyncable-asked', want_copy(type='physical'), [], 'not as a resyncable copy'),
    ('incomplete-data', want_copy(**ONESHOT), [model.OS_ERROR], 'incomplete'),
    ('absent-is-not-guessed', want_copy(type='physical', state='absent'), [], 'threepar_volume'),
]


@pytest.mark.parametrize('want,status,refusal', [c[1:] for c in INDEPENDENT_CASES], ids=[c[0] for c in INDEPENDENT_CASES])
def test_independent_volume_of_the_copy_name(want, status, refusal):
    state = array(extra_volumes=[model.Volume('snap1', size=10 * GIB, operational_status=status)])
    if refusal is None:
        assert planner.plan_copy(want, state, NOW) == []
    else:
        with pytest.raises(InvalidRequest, match=refusal):
            planner.plan_copy(want, state, NOW)


def test_physical_copy_creates_its_target_like_the_source():
    state = array()
    state.volumes['vol1'].thin = False
    target, attach = planner.plan_copy(want_copy(type='physical'), state, NOW)
    assert target.args == {'name': 'snap1', 'pool': 'FC_r5', 'size': 10 * GIB, 'element_type': 2, 'goal': {}, 'copy_target': True}
    assert attach.args == {'source': 'vol1', 'name': 'snap1', 'copy_type': 4}
    target, attach = planner.plan_copy(want_copy(type='physical', state='detached', target_cpg='SSD_r6',
                                                 target_provisioning='thin'), state, NOW)
    assert (target.args['pool'], target.args['element_type'], attach.args['copy_type']) == ('SSD_r6', 5, 5)


def test_plan_copies_in_order_and_rejects_duplicates():
    state = array([copy('virtual', model.SS_IDLE, name='a'), copy('virtual', model.SS_IDLE, name='b', age_hours=48)])
    wants = [want_copy(name='a', update_space=True), want_copy(name='b', max_age=86400), want_copy(name='c', update_space=True)]
    assert steps(planner.plan_copies(wants, state, NOW)) == [
        ('resync_copy', 'b', 'ModifySynchronization'), ('create_virtual_copy', 'c', 'CreateReplica'),
        ('recount_snapshot_space', 'a, c', 'UpdateDeltaSnapshotSpace')]
    with pytest.raises(InvalidRequest, match='a named more than once'):
        planner.plan_copies([want_copy(name='a'), want_copy(name='a')], state, NOW)


def test_recount_changes_nothing():
    plan = planner.plan_copies([want_copy(update_space=True)], array([copy('virtual', model.SS_IDLE)]), NOW)
    assert steps(plan) == [RECOUNT] and not plan.changes


def test_a_source_with_a_snapshot_has_snapshot_space_without_reading_it():
    state = array([copy('virtual', model.SS_IDLE)])
    state.snap_spaces = None
    assert [a.operation for a in planner.plan_copies([want_copy(name='new')], state, NOW).actions] == ['create_virtual_copy']


def test_copy_reads_only_what_creation_needs():
    state = array([copy('virtual', model.SS_IDLE)])
    assert planner.copy_reads([want_copy()], state) == set()
    # vol1 has a snapshot: it has snapshot space, no need to read it (seed 000: a snapshot lives in that space).
    assert planner.copy_reads([want_copy(name='new')], state) == set()
    assert planner.copy_reads([want_copy(name='new', type='physical')], state) == {'pools', 'allocations'}
    assert planner.copy_reads([want_copy(name='new')], array()) == {'snap_spaces'}
    assert planner.copy_reads([want_copy(name='new', type='physical')], array()) == {'snap_spaces', 'pools', 'allocations'}
    assert planner.copy_reads([want_copy(name='new', target_cpg='SSD_r6', **ONESHOT)], state) == {'pools'}
    assert planner.copy_detail_reads([want_copy(name='new', type='physical'), want_copy()], state) == {'vol1'}
    assert planner.copy_detail_reads([want_copy(type='physical')], array(extra_volumes=[model.Volume('snap1')])) == {'snap1'}


# ---------------------------------------------------------------- volumes

def want_volume(**kw):
    want = {'name': 'vol1', 'state': 'present', 'cpg': 'FC_r5', 'size': 10 * GIB, 'provisioning': None,
            'snap_cpg': None, 'snap_size': None, 'snap_percent': None, 'force': False}
    want.update(kw)
    return want


VOLUME_CASES = [
    ('unchanged', want_volume(), [], []),
    ('unchanged-snap-space', want_volume(snap_cpg='FC_r5'), [], []),
    ('create', want_volume(name='new', snap_cpg='SSD_r6', snap_percent=20), [], [('create_volume', 'new', planner.CREATE_OR_MODIFY)]),
    ('grow', want_volume(size=20 * GIB), [], [('grow_volume', 'vol1', planner.CREATE_OR_MODIFY)]),
    ('snap-space', want_volume(snap_cpg='SSD_r6', snap_size=GIB), [], [('set_snapshot_space', 'vol1', planner.CREATE_OR_MODIFY)]),
    ('grow-and-snap-space', want_volume(size=20 * GIB, snap_percent=10), [],
     [('grow_volume', 'vol1', planner.CREATE_OR_MODIFY), ('set_snapshot_space', 'vol1', planner.CREATE_OR_MODIFY)]),
    ('absent', want_volume(state='absent'), [], [('delete_volume', 'vol1', planner.RETURN_TO_POOL)]),
    ('absent-missing', want_volume(name='nope', state='absent'), [], []),
    # Physical copies first (detaching a clone takes its resync snapshot with it), then snapshots deepest first.
    ('absent-force', want_volume(state='absent', force=True),
     [copy('virtual', model.SS_IDLE, name='s1'), copy('physical', model.SS_FROZEN, name='p1'), copy('physical', model.SS_COPY_IN_PROGRESS, name='p2'),
      copy('virtual', model.SS_IDLE, name='s1a', source='s1'), copy('oneshot', model.SS_RESYNC_IN_PROGRESS, name='p3')],
     [('detach_copy', 'p1', planner.MODIFY_SYNC), ('stop_copy', 'p2', planner.MODIFY_SYNC), ('delete_copy', 'p2', planner.RETURN_TO_POOL),
      ('stop_copy', 'p3', planner.MODIFY_SYNC), ('delete_copy', 'p3', planner.RETURN_TO_POOL),
      ('delete_copy', 's1a', planner.RETURN_TO_POOL), ('delete_copy', 's1', planner.RETURN_TO_POOL),
      ('delete_volume', 'vol1', planner.RETURN_TO_POOL)]),
]


@pytest.mark.parametrize('want,copies,expected', [c[1:] for c in VOLUME_CASES], ids=[c[0] for c in VOLUME_CASES])
def test_plan_volume(want, copies, expected):
    assert steps(planner.plan_volume(want, array(copies))) == expected


VOLUME_ERRORS = [
    ('shrink', want_volume(size=GIB), [], InvalidRequest, 'can only grow'),
    ('unknown-cpg', want_volume(name='new', cpg='NOPE'), [], NotFound, 'CPG NOPE'),
    ('unknown-snap-cpg', want_volume(name='new', snap_cpg='NOPE'), [], NotFound, 'CPG NOPE'),
    ('create-without-size', want_volume(name='new', size=None), [], InvalidRequest, 'creating it needs size'),
    ('create-too-large', want_volume(name='new', size=17 * 1024 * GIB), [], InvalidRequest, 'largest volume'),
    ('create-bad-name', want_volume(name='a/b'), [], InvalidRequest, 'refuse the name'),
    ('move-cpg', want_volume(cpg='SSD_r6'), [], InvalidRequest, 'cannot be moved'),
    ('change-provisioning', want_volume(provisioning='full'), [], InvalidRequest, 'fixed at creation'),
    ('delete-with-copies', want_volume(state='absent'), [copy('virtual', model.SS_IDLE)], InUse, 'force: true'),
]


@pytest.mark.parametrize('want,copies,error,text', [c[1:] for c in VOLUME_ERRORS], ids=[c[0] for c in VOLUME_ERRORS])
def test_plan_volume_refuses(want, copies, error, text):
    with pytest.raises(error, match=text):
        planner.plan_volume(want, array(copies))


def test_create_volume_args():
    action = planner.plan_volume(want_volume(name='new', provisioning='full', snap_cpg='SSD_r6', snap_size=GIB), array()).actions[0]
    assert action.args == {'name': 'new', 'pool': 'FC_r5', 'size': 10 * GIB, 'element_type': 2,
                           'goal': {'DSPName': 'SSD_r6', 'SnapVolumeSize': GIB}}


def test_volume_reads():
    state = array()
    assert planner.volume_reads(want_volume(), state) == set()
    assert planner.volume_reads(want_volume(name='new'), state) == {'pools'}
    assert planner.volume_reads(want_volume(snap_cpg='SSD_r6'), state) == {'pools'}
    assert planner.volume_reads(want_volume(state='absent'), state) == {'copies'}


def test_changes_ignores_waits():
    assert not changes([Action('wait_for_copy', 'x')])
    assert changes([Action('delete_copy', 'x', 'ReturnToStoragePool')])


@pytest.mark.parametrize('sync_maintained', [True, False, None])
def test_plans_do_not_depend_on_sync_maintained(sync_maintained):
    """provider-facts section 6: a physical copy's SyncMaintained is true (seed 002) or false (M312 p56)."""
    clone = copy('physical', model.SS_FROZEN, age_hours=2)
    clone.sync_maintained = sync_maintained
    wants = [want_copy(type='physical', max_age=3600), want_copy(type='physical', state='detached')]
    assert [steps(planner.plan_copy(w, array([clone]), NOW)) for w in wants] == [[RESYNC], [DETACH]]


@pytest.mark.parametrize('running', [model.SS_COPY_IN_PROGRESS, model.SS_RESYNC_IN_PROGRESS])
def test_a_resync_under_way_is_waited_for_in_either_reading(running):
    """provider-facts section 6: a resync in progress is CopyInProgress (seed 000) or ResyncInProgress (M312 Table 49)."""
    state = array([copy('physical', running)])
    assert steps(planner.plan_copy(want_copy(type='physical', max_age=1), state, NOW)) == [WAIT]
    assert steps(planner.plan_copy(want_copy(type='physical', state='detached'), state, NOW)) == [WAIT, DETACH]


def test_copies_the_provider_does_not_make_are_refused_before_anything():
    """TPD_StorageReplicationCapabilities lists the kinds of local copy the provider makes (M231 p5.62)."""
    wants = [want_copy(name='s'), want_copy(name='c', type='physical'), want_copy(name='o', **ONESHOT)]
    actions = planner.plan_copies(wants, array(), NOW).actions
    planner.check_supported(actions, {model.SYNC_TYPE_UNSYNC_ASSOC_DELTA, model.SYNC_TYPE_UNSYNC_ASSOC_FULL, model.SYNC_TYPE_UNSYNC_UNASSOC})
    with pytest.raises(Unsupported, match='does not make UnSyncUnAssoc copies.*lists UnSyncAssoc-Full, UnSyncAssoc-Delta'):
        planner.check_supported(actions, {model.SYNC_TYPE_UNSYNC_ASSOC_DELTA, model.SYNC_TYPE_UNSYNC_ASSOC_FULL})
    assert [planner.synchronization_type(a) for a in actions] == [5, None, 4, None, 6]
