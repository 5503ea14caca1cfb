#!/usr/bin/env bash
# Execution environment gate (run after .ci/check_collection_build.py, with the
# virtual environment's bin first on PATH):
# 1. ansible-builder introspects the *installed* collection (.cache/installed):
#    meta/execution-environment.yml must ship and yield every requirement of
#    requirements.txt;
# 2. ansible-builder create writes the build context of execution-environment.yml
#    (schema validation, no container engine needed) into .cache/ee, and the
#    context holds the collection tarball the galaxy stage installs.
set -euo pipefail
cd "$(dirname "$0")/.."

installed=.cache/installed
context=.cache/ee
fail=0

if [ ! -d "$installed/ansible_collections" ]; then
    echo "ERROR: $installed holds no installed collection (run .ci/check_collection_build.py first)"
    exit 1
fi

introspected=$(ansible-builder introspect "$installed")
echo "$introspected"
while read -r requirement; do
    name=${requirement%%[<>=!~ ;#]*}
    [ -n "$name" ] || continue
    if ! grep -qiF -- "- '$name" <<<"$introspected"; then
        echo "ERROR: requirements.txt lists $name but ansible-builder introspect does not report it"
        fail=1
    fi
done < <(grep -vE '^[[:space:]]*(#|$|-)' requirements.txt)

rm -rf "$context"
ansible-builder create -f execution-environment.yml -c "$context" --output-filename Containerfile -v 1
for file in Containerfile _build/collections/smis-threepar.tar.gz; do
    if [ ! -s "$context/$file" ]; then
        echo "ERROR: ansible-builder create did not write $context/$file"
        fail=1
    fi
done
if ! grep -q 'ansible-galaxy collection install' "$context/Containerfile"; then
    echo "ERROR: $context/Containerfile installs no collection"
    fail=1
fi
exit "$fail"
