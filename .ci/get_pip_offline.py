"""Replacement for ansible-test's downloaded get-pip bootstrap script.

ansible-test builds a virtual environment without pip for each sanity test and
runs its cached get-pip script there with pip's install arguments (plus
get-pip's own --no-setuptools / --no-wheel flags). Its download host is not
reachable from CI, so `make ansible-test-cache` installs this file in the cache
instead. It installs the requested pip with uv when uv is on PATH (`make venv`
puts it in .venv/bin: a second instead of two pip runs per environment), else
bootstraps pip from the standard library's ensurepip and lets that pip install
the requested version from the package index.
"""
import shutil
import subprocess
import sys

GET_PIP_ONLY_FLAGS = ('--no-setuptools', '--no-wheel')
PIP_ONLY_FLAGS = ('--disable-pip-version-check', '--quiet', '-q')

pip_args = [arg for arg in sys.argv[1:] if arg not in GET_PIP_ONLY_FLAGS]
uv = shutil.which('uv')
if uv:
    # --system-certs: the machine's CA store, as pip uses it (PIP_CERT), not uv's bundled roots.
    subprocess.check_call([uv, 'pip', 'install', '--quiet', '--system-certs', '--python', sys.executable]
                          + [arg for arg in pip_args if arg not in PIP_ONLY_FLAGS])
else:
    subprocess.check_call([sys.executable, '-m', 'ensurepip', '--upgrade'])
    subprocess.check_call([sys.executable, '-m', 'pip', 'install', '--upgrade'] + pip_args)
