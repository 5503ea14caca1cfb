"""threepar_volume against the simulator: create, repeat, check mode, diff, grow, delete, repeat delete, sizes as the
array allocates them, and refusals that change nothing."""

import pytest

VOL = {'name': 'itvol', 'cpg': 'FC_r5', 'size': '512MiB', 'snap_cpg': 'FC_r5', 'snap_percent': 20}


def test_create_check_mode_then_create(play):
    """Check mode plans and invokes nothing, and its diff.after is what the real run then reads back. The snapshot space
    goes in a StorageSetting made by CreateSetting and passed by reference (M312 p32)."""
    check = play.run('volume', VOL, check=True, diff=True)
    assert check.result['changed'] is True
    assert check.result['actions'] == [{'operation': 'create volume', 'target': 'itvol', 'method': 'CreateOrModifyElementFromStoragePool'}]
    assert check.result['diff']['before'] == {} and check.methods == []
    run = play.run('volume', VOL, diff=True)
    assert run.result['changed'] is True, run
    assert run.methods == ['CreateSetting', 'CreateOrModifyElementFromStoragePool']
    operations = [r['operation'] for r in run.requests]
    assert 'ModifyInstance' in operations and operations.count('DeleteInstance') == 1    # the setting is set, then removed
    volume = run.result['volume']
    assert (volume['size'], volume['cpg'], volume['provisioning'], volume['snap_cpg'], volume['snap_percent']) == \
        ('512MiB', 'FC_r5', 'thin', 'FC_r5', 20)
    assert check.result['diff']['after'] == run.result['diff']['after'] == dict(
        name='itvol', size='512MiB', provisioning='thin', cpg='FC_r5', snap_cpg='FC_r5', snap_size=None, snap_percent=20)


def test_repeat_is_unchanged_and_cheap(play):
    run = play.run('volume', VOL)
    assert run.result['changed'] is False and run.result['actions'] == []
    assert run.methods == []
    assert len(run.requests) <= 3, run.requests


def test_grow(play):
    run = play.run('volume', dict(VOL, size='1GiB'), diff=True)
    assert run.result['actions'] == [{'operation': 'grow volume', 'target': 'itvol', 'method': 'CreateOrModifyElementFromStoragePool'}]
    assert run.result['volume']['size'] == '1GiB'
    before = run.result['diff']['before']
    assert before['size'] == '512MiB' and run.result['diff']['after'] == dict(before, size='1GiB')


def test_shrink_is_refused_and_changes_nothing(play):
    run = play.run('volume', dict(VOL, size='256MiB'))
    assert run.result['failed'] is True
    assert run.result['msg'].startswith('Failed to shrink volume itvol:') and 'Set size to 1GiB or more' in run.result['msg']
    assert run.methods == []


def test_unknown_cpg_is_refused(play):
    run = play.run('volume', dict(VOL, name='itvol2', cpg='NOPE'))
    assert run.result['failed'] is True and 'CPG NOPE' in run.result['msg'] and 'does not exist' in run.result['msg']
    assert run.methods == []


def test_delete_with_copies_needs_force(play):
    assert play.run('snapshot', {'source': 'itvol', 'name': 'itvol-snap'}).result['changed'] is True
    run = play.run('volume', {'name': 'itvol', 'state': 'absent'})
    assert run.result['failed'] is True and 'itvol-snap' in run.result['msg'] and 'force: true' in run.result['msg']
    assert run.methods == []


def test_delete_check_mode_then_delete_then_repeat(play):
    args = {'name': 'itvol', 'state': 'absent', 'force': True}
    run = play.run('volume', args, check=True)
    assert [a['operation'] for a in run.result['actions']] == ['delete copy', 'delete volume']
    assert run.methods == []
    run = play.run('volume', args, diff=True)
    assert run.result['changed'] is True and run.methods == ['ReturnToStoragePool', 'ReturnToStoragePool']
    assert run.result['diff']['after'] == {} and run.result['volume'] == {}
    run = play.run('volume', args)
    assert run.result['changed'] is False and run.methods == []


def test_module_defaults_group(play, sim):
    no_env = dict((key, None) for key in ('THREEPAR_HOST', 'THREEPAR_PORT', 'THREEPAR_USERNAME', 'THREEPAR_PASSWORD', 'THREEPAR_CA_PATH'))
    run = play.run('module_defaults', env=no_env,
                   extra_vars={'array_port': sim.https_port, 'array_password': '3pardata', 'array_ca': sim.cert})
    assert run.result['volume']['changed'] is True
    assert run.result['info']['query_result'] == '256MiB'


def test_size_is_compared_as_the_array_rounds_it(play):
    """1000 MiB is allocated as 1 GiB (whole 256 MiB units): one run converges, the next changes nothing."""
    args = {'name': 'itround', 'cpg': 'FC_r5', 'size': '1000MiB'}
    run = play.run('volume', args, check=True, diff=True)
    assert run.result['diff']['after']['size'] == '1GiB' and run.methods == []
    run = play.run('volume', args)
    assert run.result['volume']['size'] == '1GiB', run
    for size in ('1000MiB', '1GiB', '1G', '1GB', '800MiB'):
        run = play.run('volume', dict(args, size=size))
        assert run.result['changed'] is False and run.methods == [], (size, run.result)
    run = play.run('volume', dict(args, size='1025MiB'))
    assert run.methods == ['CreateOrModifyElementFromStoragePool'] and run.result['volume']['size'] == '1280MiB'
    run = play.run('volume', {'name': 'itbytes', 'cpg': 'FC_r5', 'size': '513B'})
    assert run.result['volume']['size'] == '256MiB'
    assert play.run('volume', {'name': 'itbytes', 'cpg': 'FC_r5', 'size': '513B'}).methods == []


@pytest.mark.parametrize('size,reason', [
    ('0', 'not a positive size'), ('0GiB', 'not a positive size'), ('0.1B', 'not a whole number of bytes'),
    ('-5GiB', 'is not a size'), ('ten', 'is not a size'), ('99999999999999999999999', 'uint64'),
    ('17TiB', 'largest volume'),
])
def test_bad_size_is_a_clear_error_and_no_request(play, size, reason):
    run = play.run('volume', {'name': 'itbad', 'cpg': 'FC_r5', 'size': size})
    assert run.result['failed'] is True and reason in run.result['msg'], run.result
    assert 'size' in run.result['msg'] and 'Traceback' not in run.result['msg']
    assert run.methods == []
    if reason != 'largest volume':
        assert run.requests == []    # refused while reading the task, before connecting


def test_bad_name_is_refused(play):
    run = play.run('volume', {'name': 'x' * 32, 'cpg': 'FC_r5', 'size': '1GiB'})
    assert run.result['failed'] is True and 'at most 31' in run.result['msg'] and run.methods == []
