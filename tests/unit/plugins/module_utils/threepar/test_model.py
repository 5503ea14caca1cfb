import pytest

from ansible_collections.smis.threepar.plugins.module_utils.threepar import model as m


@pytest.mark.parametrize('text,expected', [
    ('10GiB', 10 * 1024 ** 3), ('512MiB', 512 * 1024 ** 2), ('1 TiB', 1024 ** 4), ('2G', 2 * 1024 ** 3),
    ('1GB', 10 ** 9), ('4096', 4096), (4096, 4096), ('1.5GiB', 3 * 512 * 1024 ** 2)])
def test_parse_size(text, expected):
    assert m.parse_size(text) == expected


@pytest.mark.parametrize('text', ['ten', '10XB', '', 'GiB'])
def test_parse_size_rejects(text):
    with pytest.raises(ValueError, match='512MiB'):
        m.parse_size(text)


@pytest.mark.parametrize('text,expected', [('24h', 86400), ('90m', 5400), ('45s', 45), ('1d12h', 129600), ('2w', 1209600),
                                           ('3600', 3600), (60, 60)])
def test_parse_duration(text, expected):
    assert m.parse_duration(text) == expected


@pytest.mark.parametrize('text', ['soon', '24x', 'h'])
def test_parse_duration_rejects(text):
    with pytest.raises(ValueError, match='24h'):
        m.parse_duration(text)


def test_format_size():
    assert m.format_size(10 * 1024 ** 3) == '10GiB'
    assert m.format_size(1536 * 1024 ** 2) == '1536MiB'
    assert m.format_size(100) == '100B'
    assert m.format_size(None) is None


def test_decode():
    assert m.decode(m.SYNC_STATE, 14) == 'Frozen'
    assert m.decode(m.COPY_STATE, 8) == 'Inactive'
    assert m.decode(m.PROGRESS_STATUS, 15) == 'Not Applicable'
    assert m.decode(m.SYNC_STATE, 99) == 'Unknown (99)'
    assert m.decode(m.SYNC_STATE, None) is None
    assert m.decode_list(m.OPERATIONAL_STATUS, [17, 2]) == ['Completed', 'OK']


@pytest.mark.parametrize('state,status,finished,succeeded', [
    (4, [2], False, False), (7, [2, 17], True, True), (7, [17, 2], True, True), (10, [6, 17], True, False), (2, [], False, False)])
def test_job_outcome(state, status, finished, succeeded):
    job = m.Job('TPD:JOB:1', job_state=state, operational_status=status)
    assert (job.finished, job.succeeded) == (finished, succeeded)


def test_copy_view_decodes_states():
    view = m.copy_view(m.Copy('vol1', 'snap1', 4, 11, replica_type=4, copy_state=8, progress_status=2, sync_type=7, mode=2))
    assert view['sync_state'] == 'Idle' and view['copy_state'] == 'Inactive' and view['progress_status'] == 'Completed'
    assert view['copy_type'] == 'UnSyncAssoc' and view['type'] == 'virtual' and view['sync_type'] == 'Snapshot'
