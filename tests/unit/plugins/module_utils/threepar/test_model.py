import pytest

from ansible_collections.smis.threepar.plugins.module_utils.threepar import model


@pytest.mark.parametrize('text,expected', [
    ('10GiB', 10 * 1024 ** 3), ('512MiB', 512 * 1024 ** 2), ('1 TiB', 1024 ** 4), ('2G', 2 * 1024 ** 3),
    ('1GB', 1024 ** 3), ('10gb', 10 * 1024 ** 3), ('4096', 4096), (4096, 4096), ('1.5GiB', 3 * 512 * 1024 ** 2), ('513B', 513)])
def test_parse_size(text, expected):
    """Every unit is binary, as in Ansible's human_to_bytes (GB = G = GiB)."""
    assert model.parse_size(text) == expected


@pytest.mark.parametrize('text', ['ten', '10XB', '', 'GiB', '-1GiB', '1e3', '\uff11GiB', '\u0661\u0660GiB'])   # full-width, Arabic-Indic digits
def test_parse_size_rejects(text):
    with pytest.raises(ValueError, match='512MiB'):
        model.parse_size(text)


@pytest.mark.parametrize('text,reason', [('0', 'not a positive size'), ('0GiB', 'not a positive size'),
                                         ('0.1B', 'not a whole number of bytes'), (2 ** 64, 'uint64'), ('17179869184TiB', 'uint64')])
def test_parse_size_refuses_what_the_array_cannot_take(text, reason):
    with pytest.raises(ValueError, match=reason):
        model.parse_size(text)
    assert model.parse_size('0', allow_zero=True) == 0


@pytest.mark.parametrize('requested,allocated', [(513, 256 * 1024 ** 2), (1000 * 1024 ** 2, 1024 ** 3), (1024 ** 3, 1024 ** 3),
                                                 (1024 ** 3 + 1, 1024 ** 3 + 256 * 1024 ** 2)])
def test_allocated_size_rounds_up_to_whole_chunklets(requested, allocated):
    assert model.allocated_size(requested) == allocated


@pytest.mark.parametrize('name,problem', [('db01-snap.1_a', None), ('x' * 31, None), ('x' * 32, 'at most 31'),
                                          ('db 01', 'only letters'), ('db/01', 'only letters'), ('', 'only letters')])
def test_name_problem(name, problem):
    found = model.name_problem(name)
    assert (found is None) if problem is None else (problem in found)


def test_point_in_time_precision():
    when = model.parse_point_in_time('2024-05-01T12:00:00.250000+00:00')[0]
    assert model.same_point_in_time(when, model.parse_point_in_time('2024-05-01T12:00:00Z'))
    assert model.same_point_in_time(when, model.parse_point_in_time('2024-05-01T12:00:00'))
    assert model.same_point_in_time(when, model.parse_point_in_time('2024-05-01T12:00:00.250+00:00'))
    assert not model.same_point_in_time(when, model.parse_point_in_time('2024-05-01T12:00:00.251+00:00'))
    assert model.same_point_in_time(when, model.parse_point_in_time('2024-05-01T14:00:00+02:00'))
    assert not model.same_point_in_time(None, model.parse_point_in_time('2024-05-01T12:00:00Z'))
    with pytest.raises(ValueError, match='ISO 8601'):
        model.parse_point_in_time('yesterday')


@pytest.mark.parametrize('text,expected', [('24h', 86400), ('90m', 5400), ('45s', 45), ('1d12h', 129600), ('2w', 1209600),
                                           ('3600', 3600), (60, 60)])
def test_parse_duration(text, expected):
    assert model.parse_duration(text) == expected


@pytest.mark.parametrize('text', ['soon', '24x', 'h'])
def test_parse_duration_rejects(text):
    with pytest.raises(ValueError, match='24h'):
        model.parse_duration(text)


def test_format_size():
    assert model.format_size(10 * 1024 ** 3) == '10GiB'
    assert model.format_size(1536 * 1024 ** 2) == '1536MiB'
    assert model.format_size(100) == '100B'
    assert model.format_size(None) is None


def test_decode():
    assert model.decode(model.SYNC_STATE, 14) == 'Frozen'
    assert model.decode(model.COPY_STATE, 8) == 'Inactive'
    assert model.decode(model.PROGRESS_STATUS, 15) == 'Not Applicable'
    assert model.decode(model.SYNC_STATE, 99) == 'Unknown (99)'
    assert model.decode(model.SYNC_STATE, None) is None
    assert model.decode_list(model.OPERATIONAL_STATUS, [17, 2]) == ['Completed', 'OK']


@pytest.mark.parametrize('state,status,finished,succeeded', [
    (4, [2], False, False), (7, [2, 17], True, True), (7, [17, 2], True, True), (10, [6, 17], True, False), (2, [], False, False)])
def test_job_outcome(state, status, finished, succeeded):
    job = model.Job('TPD:JOB:1', job_state=state, operational_status=status)
    assert (job.finished, job.succeeded) == (finished, succeeded)


def test_copy_view_decodes_states():
    view = model.copy_view(model.Copy('vol1', 'snap1', 4, 11, replica_type=4, copy_state=8, progress_status=2, sync_type=7, mode=2))
    assert view['sync_state'] == 'Idle' and view['copy_state'] == 'Inactive' and view['progress_status'] == 'Completed'
    assert view['copy_type'] == 'UnSyncAssoc' and view['type'] == 'virtual' and view['sync_type'] == 'Snapshot'
