#!/usr/bin/env bash
# `make demo`: start two simulated 3PAR arrays (demo/arrays.yml, data in .cache/demo), protect a small
# application, run a DR drill (playbooks/demo.yml ends with a summary and where the report is), and stop the
# arrays whatever happens.
# Needs .venv and the collection link (the Makefile's venv and collection-link targets).
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
bin=$root/.venv/bin
demo_dir=$root/.cache/demo
config=$root/demo/arrays.yml
export ANSIBLE_COLLECTIONS_PATH=$root/.cache/collections
export ANSIBLE_LOCALHOST_WARNING=false ANSIBLE_DEPRECATION_WARNINGS=false ANSIBLE_CALLBACK_RESULT_FORMAT=yaml \
    ANSIBLE_DISPLAY_SKIPPED_HOSTS=false

stop_arrays() {
    echo "== stopping the simulated arrays"
    "$bin/threepar-sim" down --config "$config" || true
}

started=$(date +%s)
# A previous run that was killed may have left its arrays running: stop them, start afresh.
"$bin/threepar-sim" down --config "$config" >/dev/null 2>&1 || true
rm -rf "$demo_dir"
mkdir -p "$demo_dir"

echo "== starting two simulated arrays (3PAR-A: https://127.0.0.1:15989, 3PAR-B: https://127.0.0.1:16989)"
trap stop_arrays EXIT
trap 'exit 130' INT TERM
"$bin/threepar-sim" up --config "$config"
# The arrays' SSH host keys, as an operator would have checked and recorded them (ssh_known_hosts of demo/vars.yml).
"$bin/python" - "$demo_dir" <<'PY'
import os, sys
import paramiko
demo = sys.argv[1]
with open(os.path.join(demo, 'known_hosts'), 'w', encoding='utf-8') as out:
    for data, port in (('3par-a', 15922), ('3par-b', 16922)):
        key = paramiko.Ed25519Key(filename=os.path.join(demo, data, 'ssh_host_key'))
        out.write('[127.0.0.1]:%d %s %s\n' % (port, key.get_name(), key.get_base64()))
PY

"$bin/ansible-playbook" -i demo/inventory.yml -e @demo/vars.yml -e "demo_dir=$demo_dir" playbooks/demo.yml

echo "== demo done in $(($(date +%s) - started)) s"
