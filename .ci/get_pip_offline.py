"""Offline replacement for ansible-test's downloaded get-pip bootstrap script.

ansible-test builds a virtual environment without pip for each sanity test and
runs its cached get-pip script there with pip's install arguments (plus
get-pip's own --no-setuptools / --no-wheel flags). Its download host is not
reachable from CI, so `make ansible-test-bootstrap` installs this file in the
cache instead: it bootstraps pip from the standard library's ensurepip and lets
that pip install the requested version from the package index.
"""
import subprocess
import sys

GET_PIP_ONLY_FLAGS = ('--no-setuptools', '--no-wheel')

pip_args = [arg for arg in sys.argv[1:] if arg not in GET_PIP_ONLY_FLAGS]
subprocess.check_call([sys.executable, '-m', 'ensurepip', '--upgrade'])
subprocess.check_call([sys.executable, '-m', 'pip', 'install', '--upgrade'] + pip_args)
