# smis.threepar: `make demo` runs the demo against simulated arrays, `make test` runs every test.
# Both bootstrap their own virtual environment in .venv (Python 3.11+ on PATH as python3).

PYTHON ?= python3
VENV := .venv
BIN := $(abspath $(VENV))/bin
CACHE := $(abspath .cache)
# ansible-playbook finds the collection through this link to the work tree.
COLLECTIONS := $(CACHE)/collections
COLLECTION_LINK := $(COLLECTIONS)/ansible_collections/smis/threepar
# ansible-test wants a real directory named ansible_collections/smis/threepar: each run gets its own copy of the
# tracked and untracked-but-not-ignored files (COPY_TREE), so that runs can go side by side.
COPY_TREE = rm -rf $(1) && mkdir -p $(1) && git ls-files -co --exclude-standard | tar -cf - -T - | tar -xf - -C $(1) && \
	cd $(1) && git init -q && git add -A
SANITY_TREE := $(CACHE)/ansible-test/sanity/ansible_collections/smis/threepar
UNITS_TREE := $(CACHE)/ansible-test/units/ansible_collections/smis/threepar
ANSIBLE_TEST_PIP := 24_2
# uv installs .venv (about 10 s where pip takes a minute) and the pip of ansible-test's sanity environments
# (.ci/get_pip_offline.py).
UV_VERSION := 0.13.8
PYTEST_ARGS ?=
# Test files run in two processes (pytest-xdist), a file's tests in one of them, in order (their fixtures are per file).
XDIST ?= -n 2 --dist loadfile
# Quality gates (`make gates`): each runs through .ci/timed, which prints its wall
# time and records it here for the summary.
GATE_TIMES ?= $(CACHE)/gate-times.txt
TIMED := GATE_TIMES=$(GATE_TIMES) PATH=$(BIN):$$PATH $(abspath .ci/timed)
# The gates that read the tree (`make checks`), then the role scenarios: `make gates` runs them all.
CHECKS := changelog-lint docs-lint lint collection-build ee units sanity
GATES := $(CHECKS) molecule

export ANSIBLE_COLLECTIONS_PATH := $(COLLECTIONS)

.PHONY: demo test venv unit integration integration-targets integration-pytest FORCE simulator-tests bench sanity \
	ansible-test-cache collection-link clean gates checks $(GATES)

# Two simulated arrays, a protected application, a DR drill and its report (demo/run.sh stops the arrays on exit).
demo: venv collection-link
	@demo/run.sh

# The unit tests run in the gates (ansible-test units); `make unit` runs them quickly with plain pytest.
# The suites spend much of their time waiting on simulated copy jobs, the gates computing: five lanes, three at a time
# (the integration targets, the checks, the role scenarios; then the integration pytest and the simulator tests as
# slots free up); -k runs every one and reports every failure. More at a time only makes them fight for the CPUs
# (measured on 2 cores: docs/developing.md).
TEST_JOBS ?= 3
test: venv collection-link ansible-test-cache
	@$(MAKE) --no-print-directory -k -j$(TEST_JOBS) --output-sync=target integration-targets checks molecule \
		integration-pytest simulator-tests

venv: $(VENV)/.installed

$(VENV)/.installed: requirements.txt requirements-dev.txt simulator/pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q uv==$(UV_VERSION)
	$(BIN)/uv pip install -q --system-certs --python $(BIN)/python -r requirements-dev.txt -e simulator
	touch $@

collection-link:
	@mkdir -p $(dir $(COLLECTION_LINK))
	@ln -sfn $(CURDIR) $(COLLECTION_LINK)

simulator-tests: venv
	$(BIN)/python -m pytest -q $(XDIST) simulator/tests $(PYTEST_ARGS)

unit: venv collection-link
	@if [ -d tests/unit ] && [ -n "$$(find tests/unit -name 'test_*.py' -print -quit)" ]; then \
		$(BIN)/python -m pytest -q tests/unit $(PYTEST_ARGS); \
	else echo "no unit tests yet"; fi

# The ansible-test integration targets (tests/integration/targets: one per module, each starting its own simulated
# arrays through setup_threepar_sim), then what is naturally Python (tests/integration/test_*.py, pytest).
integration: integration-targets integration-pytest

# Each target runs in its own ansible-test process and copy of the tree (.cache/it-<target>), so that they run in
# parallel under `make -j` (`make test` runs IT_JOBS at once) and one target can run alone: TARGETS=threepar_volume.
TARGETS ?= $(sort $(filter-out setup_%,$(notdir $(wildcard tests/integration/targets/*))))
IT_JOBS ?= 4
integration-targets: ansible-test-cache
	@$(MAKE) --no-print-directory -j$(IT_JOBS) --output-sync=target $(addprefix integration-target-,$(TARGETS))

integration-target-%: venv FORCE
	@$(call COPY_TREE,$(CACHE)/it-$*/ansible_collections/smis/threepar) && \
	start=$$(date +%s) && $(BIN)/ansible-test integration --local --python 3.11 --color no $* && \
	echo "== integration target $* passed in $$(( $$(date +%s) - start )) s"

FORCE:

integration-pytest: venv collection-link
	$(BIN)/python -m pytest -q $(XDIST) tests/integration $(PYTEST_ARGS)

# Benchmarks of the engine (request counts, wall times, job completion detection): figures next to their goals.
bench: venv collection-link
	$(BIN)/python bench/engine.py

# ansible-test, offline: a pip bootstrap script in ansible-test's cache so that it never downloads one. And its SSH
# key pair, made once here as ansible-test would (PEM, RSA): the first ansible-test runs of a fresh machine all make
# it at once otherwise, and all but one stop at ssh-keygen's "Overwrite (y/n)?".
ANSIBLE_TEST_KEY := $(HOME)/.ansible/test/id_rsa
ansible-test-cache: venv
	@mkdir -p $(HOME)/.ansible/test/cache
	@cp .ci/get_pip_offline.py $(HOME)/.ansible/test/cache/get_pip_$(ANSIBLE_TEST_PIP).py
	@if [ ! -f $(ANSIBLE_TEST_KEY) ] || [ ! -f $(ANSIBLE_TEST_KEY).pub ]; then \
		rm -f $(ANSIBLE_TEST_KEY) $(ANSIBLE_TEST_KEY).pub && ssh-keygen -m PEM -q -t rsa -N '' -f $(ANSIBLE_TEST_KEY) && \
		sed -i 's/\(BEGIN\|END\) PRIVATE KEY/\1 RSA PRIVATE KEY/' $(ANSIBLE_TEST_KEY); fi

# On a fresh machine ansible-test first builds a virtual environment per sanity test; PIP_NO_COMPILE: their packages
# are byte-compiled when first imported, not all at install time.
sanity: ansible-test-cache
	@$(call COPY_TREE,$(SANITY_TREE)) && PIP_NO_COMPILE=1 $(TIMED) sanity $(BIN)/ansible-test sanity --local \
		--python 3.11 --color no

# Every quality gate (or the checks alone), cheapest first, one at a time; -k runs them all and reports every failure.
gates checks: venv collection-link
	@mkdir -p $(CACHE) && rm -f $(CACHE)/$@-times.txt
	@$(MAKE) --no-print-directory -k -j1 GATE_TIMES=$(CACHE)/$@-times.txt $(if $(filter gates,$@),$(GATES),$(CHECKS)); \
		rc=$$?; echo "== $@: wall times (seconds)"; cat $(CACHE)/$@-times.txt 2>/dev/null; exit $$rc

changelog-lint: venv
	@$(TIMED) changelog-lint $(BIN)/antsibull-changelog lint

# Documentation renders: antsibull-docs checks every plugin's DOCUMENTATION,
# EXAMPLES, RETURN and their markup (O(), RV() references...).
docs-lint: venv collection-link
	@$(TIMED) docs-lint $(BIN)/antsibull-docs lint-collection-docs --plugin-docs .

# ansible-lint, production profile, offline; configuration in .ansible-lint.
lint: venv collection-link
	@$(TIMED) lint $(BIN)/ansible-lint --offline --profile production

# Build the tarball, install it into .cache/installed, render every module's doc from it.
collection-build: venv
	@$(TIMED) collection-build $(BIN)/python .ci/check_collection_build.py

# Execution environment: introspection of the installed collection, ansible-builder create.
ee: collection-build
	@$(TIMED) ee .ci/check_ee.sh

# ansible-test units in the copied tree (skipped while there are no unit tests).
units: ansible-test-cache
	@$(call COPY_TREE,$(UNITS_TREE)) && if [ -n "$$(find tests/unit -name 'test_*.py' -print -quit 2>/dev/null)" ]; then \
		$(TIMED) units $(BIN)/ansible-test units --local --python 3.11 --color no; \
	else echo "no unit tests (tests/unit/**/test_*.py): ansible-test units skipped"; fi

# molecule test for every roles/*/molecule/*/ scenario.
molecule: venv collection-link
	@$(TIMED) molecule .ci/run_molecule.sh

clean:
	rm -rf $(VENV) $(CACHE) tests/output
