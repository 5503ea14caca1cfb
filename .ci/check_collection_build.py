"""Build gate: build the collection tarball, install it elsewhere, and check what users get.

1. ``ansible-galaxy collection build`` into ``.cache/dist``;
2. the tarball holds what a collection needs and none of the development tree
   (tests, benchmarks, the simulator, virtual environments, caches: galaxy.yml
   ``build_ignore``);
3. ``ansible-galaxy collection install --force`` of the tarball into
   ``.cache/installed`` (offline: the collection has no collection dependencies);
4. ``ansible-doc -j`` renders the documentation of every module in the installed
   ``plugins/modules/`` and of every filter and test plugin the collection lists,
   from the installed copy (ansible-doc exits 0 when a plugin is not found, so the
   JSON is checked).

Run with the Python of the virtual environment that holds ansible-core.
"""

import json
import os
import shutil
import subprocess
import sys
import tarfile

import yaml

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
CACHE = os.path.join(ROOT, '.cache')
DIST = os.path.join(CACHE, 'dist')
INSTALLED = os.path.join(CACHE, 'installed')
BIN = os.path.dirname(os.path.abspath(sys.executable))

# Top-level entries that belong to development, never to the built collection.
FORBIDDEN_TOP = {
    '.ansible', '.ansible-lint', '.cache', '.ci', '.git', '.github', '.gitignore', '.pytest_cache',
    '.venv', '.yamllint', 'Makefile', 'bench', 'build', 'execution-environment.yml', 'requirements-dev.txt',
    'simulator', 'tests',
}
FORBIDDEN_PARTS = {'__pycache__', '.pytest_cache', '.mypy_cache', '.tox'}
FORBIDDEN_SUFFIXES = ('.pyc', '.tar.gz', '.egg-info', '.retry')
# Files every build must hold.
REQUIRED = [
    'MANIFEST.json', 'FILES.json', 'README.md', 'meta/runtime.yml', 'meta/execution-environment.yml',
    'requirements.txt', 'bindep.txt', 'changelogs/changelog.yaml',
]
PLUGIN_TYPES_LISTED = ('filter', 'test')


class GateError(Exception):
    """A check failed; the message says which and why."""


def run(cmd, env=None):
    """Run a command, return its standard output; fail with its output when it fails."""
    proc = subprocess.run(cmd, cwd=ROOT, env=env, capture_output=True, text=True, check=False)
    if proc.returncode != 0:
        raise GateError('%s exited %d:\n%s%s' % (' '.join(cmd), proc.returncode, proc.stdout, proc.stderr))
    return proc.stdout


def galaxy_meta():
    with open(os.path.join(ROOT, 'galaxy.yml'), encoding='utf-8') as handle:
        return yaml.safe_load(handle)


def check_metadata(meta):
    """galaxy.yml keys that Galaxy / Automation Hub and users rely on."""
    problems = []
    for key in ('namespace', 'name', 'version', 'readme', 'authors', 'description', 'license',
                'tags', 'repository', 'documentation', 'issues', 'build_ignore'):
        if not meta.get(key):
            problems.append('galaxy.yml: %s is missing or empty' % key)
    if not isinstance(meta.get('dependencies', {}), dict):
        problems.append('galaxy.yml: dependencies must be a mapping')
    return problems


def build(meta):
    shutil.rmtree(DIST, ignore_errors=True)
    os.makedirs(DIST)
    run([os.path.join(BIN, 'ansible-galaxy'), 'collection', 'build', '--force', '--output-path', DIST])
    tarball = os.path.join(DIST, '%s-%s-%s.tar.gz' % (meta['namespace'], meta['name'], meta['version']))
    if not os.path.isfile(tarball):
        raise GateError('ansible-galaxy collection build did not write %s' % tarball)
    # execution-environment.yml installs the tarball under a name that does not change with the version.
    os.makedirs(os.path.join(DIST, 'ee'))
    shutil.copy(tarball, os.path.join(DIST, 'ee', '%s-%s.tar.gz' % (meta['namespace'], meta['name'])))
    return tarball


def check_contents(tarball):
    """Return the problems with the tarball's member list."""
    with tarfile.open(tarball) as tar:
        names = [name[2:] if name.startswith('./') else name for name in tar.getnames()]
    problems = []
    for name in names:
        parts = name.split('/')
        if (parts[0] in FORBIDDEN_TOP or FORBIDDEN_PARTS.intersection(parts)
                or any(part.endswith(FORBIDDEN_SUFFIXES) for part in parts)):
            problems.append('tarball holds %s (add it to build_ignore in galaxy.yml)' % name)
    present = set(names)
    for name in REQUIRED:
        if name not in present:
            problems.append('tarball lacks %s' % name)
    modules_dir = os.path.join(ROOT, 'plugins', 'modules')
    for module in sorted(os.listdir(modules_dir)) if os.path.isdir(modules_dir) else []:
        if module.endswith('.py') and module != '__init__.py' and 'plugins/modules/' + module not in present:
            problems.append('tarball lacks plugins/modules/%s' % module)
    return sorted(set(problems)), len(names)


def install(tarball):
    shutil.rmtree(INSTALLED, ignore_errors=True)
    os.makedirs(INSTALLED)
    run([os.path.join(BIN, 'ansible-galaxy'), 'collection', 'install', '--force', '--offline',
         '-p', INSTALLED, tarball], env=doc_env())


def doc_env():
    """Find only the installed copy (not the work tree link that the Makefile exports)."""
    env = dict(os.environ)
    env.update(ANSIBLE_COLLECTIONS_PATH=INSTALLED, ANSIBLE_COLLECTIONS_SCAN_SYS_PATH='false',
               ANSIBLE_NOCOLOR='1', ANSIBLE_DEPRECATION_WARNINGS='false')
    env['PATH'] = BIN + os.pathsep + env.get('PATH', '')
    return env


def check_docs(fqcn_prefix, collection_dir):
    """Render the docs of every installed module (and listed filter/test plugin) with ansible-doc -j."""
    problems = []
    ansible_doc = os.path.join(BIN, 'ansible-doc')
    modules_dir = os.path.join(collection_dir, 'plugins', 'modules')
    wanted = {'module': sorted(
        fqcn_prefix + name[:-3] for name in (os.listdir(modules_dir) if os.path.isdir(modules_dir) else [])
        if name.endswith('.py') and name != '__init__.py')}
    for plugin_type in PLUGIN_TYPES_LISTED:
        listed = json.loads(run([ansible_doc, '-t', plugin_type, '-l', '-j', fqcn_prefix.rstrip('.')],
                                env=doc_env()) or '{}')
        wanted[plugin_type] = sorted(name for name in listed if name.startswith(fqcn_prefix))
    counts = {}
    for plugin_type, names in wanted.items():
        counts[plugin_type] = len(names)
        if not names:
            continue
        try:
            output = run([ansible_doc, '-t', plugin_type, '-j'] + names, env=doc_env())
            rendered = json.loads(output or '{}')
        except (GateError, ValueError) as exc:
            problems.append('ansible-doc -t %s failed: %s' % (plugin_type, exc))
            continue
        for name in names:
            entry = rendered.get(name) or {}
            doc = entry.get('doc') or {}
            short_name = name[len(fqcn_prefix):]
            filename = doc.get('filename') or ''
            if not doc:
                problems.append('ansible-doc -t %s %s: no documentation rendered' % (plugin_type, name))
                continue
            if plugin_type == 'module' and doc.get('module') != short_name:
                problems.append('ansible-doc %s: doc names module %r' % (name, doc.get('module')))
            if plugin_type != 'module' and doc.get('name') != short_name:
                problems.append('ansible-doc -t %s %s: doc names %r' % (plugin_type, name, doc.get('name')))
            if not doc.get('short_description') or not doc.get('description'):
                problems.append('ansible-doc -t %s %s: short_description/description missing' % (plugin_type, name))
            if not os.path.realpath(filename).startswith(os.path.realpath(collection_dir) + os.sep):
                problems.append('ansible-doc %s: read %s, not the installed collection' % (name, filename))
            if plugin_type == 'module' and not entry.get('examples'):
                problems.append('ansible-doc %s: no EXAMPLES' % name)
            if plugin_type == 'module' and entry.get('return') is None:
                problems.append('ansible-doc %s: no RETURN' % name)
    return problems, counts


def main():
    meta = galaxy_meta()
    problems = check_metadata(meta)
    tarball = build(meta)
    content_problems, count = check_contents(tarball)
    problems += content_problems
    print('built %s (%d entries)' % (os.path.relpath(tarball, ROOT), count))
    install(tarball)
    collection_dir = os.path.join(INSTALLED, 'ansible_collections', meta['namespace'], meta['name'])
    print('installed into %s' % os.path.relpath(collection_dir, ROOT))
    doc_problems, counts = check_docs('%s.%s.' % (meta['namespace'], meta['name']), collection_dir)
    problems += doc_problems
    print('ansible-doc rendered: %s' % ', '.join('%d %s' % (n, t) for t, n in counts.items()))
    for problem in problems:
        print('ERROR: %s' % problem)
    return 1 if problems else 0


if __name__ == '__main__':
    try:
        sys.exit(main())
    except GateError as error:
        print('ERROR: %s' % error)
        sys.exit(1)
