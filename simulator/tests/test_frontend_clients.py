"""Independent CIM clients against the front end: pywbemcli (over HTTPS) and sblim-wbemcli (strict CIM-XML)."""

import os
import shutil
import subprocess
import sys

import pytest

from frontend_stub import VOLUME_COUNT, server  # noqa: F401 pylint: disable=unused-import

# pylint: disable=redefined-outer-name

PYWBEMCLI = os.path.join(os.path.dirname(sys.executable), 'pywbemcli')
WBEMCLI = shutil.which('wbemcli')
POOL = 'FE_Pool.InstanceID="TPD:CPG:FC_r5"'


def run(args, cwd):
    env = {k: v for k, v in os.environ.items() if k not in ('REQUESTS_CA_BUNDLE', 'CURL_CA_BUNDLE')}
    done = subprocess.run(args, cwd=cwd, env=env, capture_output=True, text=True, timeout=60, check=False)
    assert done.returncode == 0, done.stderr
    return done.stdout


@pytest.fixture
def pywbemcli(server, tmp_path):
    base = [PYWBEMCLI, '-s', 'https://127.0.0.1:%d' % server.https_port, '-u', '3paradm', '-p', '3pardata',
            '--ca-certs', server.cert_path, '-d', 'root/tpd']
    return lambda *args: run(base + list(args), tmp_path)


@pytest.mark.skipif(not os.path.exists(PYWBEMCLI), reason='pywbemcli is not installed next to this Python')
def test_pywbemcli(server, pywbemcli):
    assert pywbemcli('instance', 'enumerate', 'FE_Volume').count('instance of FE_Volume') == VOLUME_COUNT
    assert 'uint64 TotalManagedSpace;' in pywbemcli('class', 'get', 'FE_Pool')
    assert pywbemcli('instance', 'associators', POOL, '--names-only').count('FE_Volume.DeviceID=') == 13
    assert 'ReturnValue=0' in pywbemcli('class', 'invokemethod', 'FE_Service', 'Ping')
    out = pywbemcli('instance', 'invokemethod', 'FE_Service.Name="FE_Service"', 'CreateVolume',
                    '-p', 'ElementName=cli1', '-p', 'Size=1048576', '-p', 'InPool=' + POOL)
    assert 'ReturnValue=0' in out and 'FE_Volume.DeviceID=' in out and 'Codes=1, 2' in out
    assert server.array.service.calls[-1][1]['ElementName'] == 'cli1'


@pytest.fixture
def wbemcli(server, tmp_path):
    def call(operation, path, *args, options=(), https=False):
        port = server.https_port if https else server.http_port
        url = '%s://3paradm:3pardata@127.0.0.1:%d/root/tpd:%s' % ('https' if https else 'http', port, path)
        tls = ['-cacert', server.cert_path] if https else []
        return run([WBEMCLI, operation, '-nl'] + tls + list(options) + [url] + list(args), tmp_path)
    return call


@pytest.mark.skipif(WBEMCLI is None, reason='wbemcli not on PATH: apt-get install sblim-wbemcli')
def test_wbemcli(server, wbemcli):
    assert wbemcli('ei', 'FE_Volume').count('FE_Volume.DeviceID=') == VOLUME_COUNT
    assert wbemcli('ein', 'FE_Pool', https=True).count('FE_Pool.InstanceID=') == 2
    got = wbemcli('gi', POOL)
    assert '-ElementName="FC_r5"' in got and '-TotalManagedSpace=1099511627776' in got
    assert wbemcli('ain', POOL, options=['-ac', 'FE_AllocatedFromPool']).count('FE_Volume.DeviceID=') == 13
    assert wbemcli('ain', POOL, options=['-ac', 'FE_Service']).count('FE_Volume.DeviceID=') == 0
    assert 'ReadOnly=TRUE' in wbemcli('ai', POOL)
    assert '-Name=' in wbemcli('gc', 'FE_Service')
    # wbemcli sends method parameters without PARAMTYPE: the declaration types them
    out = wbemcli('cm', 'FE_Service.Name="FE_Service"', 'CreateVolume.ElementName="wv1",Size=1048576')
    assert 'CreateVolume: 0' in out and 'TheElement (reference)' in out and 'Codes (uint16): 1,2' in out
    assert server.array.service.calls[-1][1]['Size'] == 1048576
