#!/usr/bin/env bash
# Molecule gate: `molecule test` for every scenario of every role
# (roles/<role>/molecule/<scenario>/molecule.yml), so roles added later are
# covered without editing this file. Scenarios run against localhost with no
# container engine: see docs/developing.md for the scenario template.
# Run with the virtual environment's bin first on PATH.
set -euo pipefail
cd "$(dirname "$0")/.."

shopt -s nullglob
count=0
for config in roles/*/molecule/*/molecule.yml; do
    scenario_dir=${config%/molecule.yml}
    scenario=${scenario_dir##*/}
    role_dir=${scenario_dir%/molecule/*}
    count=$((count + 1))
    echo "== molecule test: ${role_dir#roles/} (scenario ${scenario})"
    (cd "$role_dir" && molecule test --scenario-name "$scenario")
done
if [ "$count" -eq 0 ]; then
    echo "no role has a molecule scenario (roles/*/molecule/*/molecule.yml): nothing to test"
fi
