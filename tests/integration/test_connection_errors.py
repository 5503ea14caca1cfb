"""Each connection problem is one clear error that changes nothing, and the password never leaks."""

import os

from threepar_sim.control import free_port

from conftest import PASSWORD

ARGS = {'name': 'conn-vol', 'cpg': 'FC_r5', 'size': '256MiB'}


def test_wrong_password(play):
    run = play.run('volume', ARGS, env={'THREEPAR_PASSWORD': 'wrong-Pa55word'})
    assert run.result['failed'] is True
    assert run.result['msg'].startswith('Failed to log in to the array at https://127.0.0.1:')
    assert 'Check username and password' in run.result['msg']
    assert 'wrong-Pa55word' not in run.stdout + run.stderr + repr(run.result)
    assert run.methods == []


def test_browse_user_cannot_change(play):
    run = play.run('volume', ARGS, env={'THREEPAR_USERNAME': '3parbrowse'})
    assert run.result['failed'] is True
    assert 'browse role' in run.result['msg'] and 'edit role' in run.result['msg'] and 'nothing was changed' in run.result['msg']
    assert run.result['changed'] is False
    assert play.run('info', {'gather': ['volumes'], 'query': "volumes[?name=='conn-vol']"}).result['query_result'] == []


def test_browse_user_can_read(play):
    run = play.run('info', {'gather': ['system', 'volumes']}, env={'THREEPAR_USERNAME': '3parbrowse'})
    assert run.result.get('failed') is not True and run.result['system']['name'] == '3PAR-A'


def test_untrusted_certificate(play):
    run = play.run('info', {'gather': ['system']}, env={'THREEPAR_CA_PATH': None})
    assert run.result['failed'] is True
    assert 'certificate is not trusted' in run.result['msg'] and 'Set ca_path' in run.result['msg']


def insecure_warnings(run):
    return [w for w in run.result.get('warnings', []) if 'is not secure' in w]


def test_validate_certs_false(play):
    run = play.run('info', {'gather': ['system']}, env={'THREEPAR_CA_PATH': None, 'THREEPAR_VALIDATE_CERTS': 'false'})
    assert run.result.get('failed') is not True and run.result['system']['name'] == '3PAR-A'
    warning, = insecure_warnings(run)   # once
    assert 'validate_certs false accepts any certificate' in warning and 'Use protocol https with ca_path' in warning
    assert insecure_warnings(play.run('info', {'gather': ['system']})) == []


def test_timeout_that_cannot_work_is_refused_before_any_request(play):
    run = play.run('volume', dict(ARGS, timeout=-1))
    assert run.result['failed'] is True and run.requests == []
    assert run.result['msg'] == ('Failed to read the connection options: timeout -1 is not a positive number of seconds. '
                                 'Set timeout to the seconds one CIM request may take (default 30).')


def test_missing_ca_file(play):
    run = play.run('info', {'gather': ['system']}, env={'THREEPAR_CA_PATH': '/nonexistent/ca.pem'})
    assert run.result['failed'] is True and 'ca_path' in run.result['msg']


def test_connection_refused(play):
    run = play.run('info', {'gather': ['system']}, env={'THREEPAR_PORT': str(free_port())})
    assert run.result['failed'] is True
    assert 'connection refused' in run.result['msg'] and 'Check host, port and protocol' in run.result['msg']


def test_request_timeout(play, sim):
    sim.faults(latency_ms=3000)
    run = play.run('volume', dict(ARGS, timeout=1))
    sim.faults(clear=True)
    assert run.result['failed'] is True
    assert 'did not answer within 1 s' in run.result['msg'] and 'Raise timeout' in run.result['msg']


def test_plain_http(play, sim):
    run = play.run('info', {'gather': ['system']}, env={'THREEPAR_PROTOCOL': 'http', 'THREEPAR_PORT': str(sim.http_port)})
    assert run.result.get('failed') is not True and run.result['system']['name'] == '3PAR-A'
    warning, = insecure_warnings(run)
    assert 'protocol http sends the password and every answer in clear text' in warning


def test_password_never_leaks_at_vvvv(play):
    secret = 'Leak-Check-%d' % os.getpid()
    failed = play.run('volume', ARGS, env={'THREEPAR_PASSWORD': secret}, verbosity=4, diff=True)
    assert failed.result['failed'] is True
    with_task_arg = play.run('info', {'gather': ['system'], 'password': secret}, verbosity=4)
    for run in (failed, with_task_arg):
        assert secret not in run.stdout and secret not in run.stderr and secret not in repr(run.result)
    # The real password, given as a task argument, at -vvvv and with --diff, while changing things.
    run = play.run('volume', dict(ARGS, password=PASSWORD, name='leak-vol'), verbosity=4, diff=True)
    assert run.result['changed'] is True
    assert "'%s'" % PASSWORD not in run.stdout + run.stderr and '"%s"' % PASSWORD not in run.stdout + run.stderr


def test_input_the_array_would_refuse_is_refused_before_any_request(play):
    for args, text in (({'name': '<x&y>', 'cpg': 'FC_r5', 'size': '1GiB'}, 'the array would refuse the name'),
                       ({'name': 'v' * 40, 'cpg': 'FC_r5', 'size': '1GiB'}, 'it has 40 characters; the array takes at most 31'),
                       ({'name': 'wide-digits', 'cpg': 'FC_r5', 'size': '\uff11GiB'}, 'is not a size')):
        run = play.run('volume', args)
        assert run.result['failed'] is True and text in run.result['msg'], run
        assert run.requests == []
