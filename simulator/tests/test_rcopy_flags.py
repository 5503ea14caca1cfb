"""Remote copy over SMI-S is read-only by default (OS 3.1.x, M311 p96, p114): the serve flags and the up config keys."""

import pytest

from threepar_sim.cli import build_parser
from threepar_sim.control import ControlError, _rcopy_args  # pylint: disable=protected-access


def serve(*args):
    return build_parser().parse_args(['serve', '--data', 'd', *args])


def test_serve_is_read_only_unless_writable():
    assert serve().rcopy_writable is False
    assert serve('--rcopy-read-only').rcopy_writable is False        # the default said aloud
    assert serve('--rcopy-writable').rcopy_writable is True


def test_serve_refuses_both_switches(capsys):
    with pytest.raises(SystemExit):
        serve('--rcopy-writable', '--rcopy-read-only')
    assert 'not allowed with' in capsys.readouterr().err


def test_up_config_keys():
    assert _rcopy_args({'name': 'A'}, {}) == []
    assert _rcopy_args({'name': 'A', 'rcopy_writable': True, 'rcopy_period': 2}, {}) == ['--rcopy-writable', '--rcopy-period=2']
    assert _rcopy_args({'name': 'A', 'rcopy_read_only': True, 'peers': ['B=http://x']}, {}) == ['--peer=B=http://x', '--rcopy-read-only']
    # a peer named by array: its HTTP port in the config
    assert _rcopy_args({'name': 'A', 'peers': ['B']}, {'B': (18001, 18002, None)}) == ['--peer=B=http://127.0.0.1:18001']
    with pytest.raises(ControlError):
        _rcopy_args({'name': 'A', 'rcopy_writable': True, 'rcopy_read_only': True}, {})
