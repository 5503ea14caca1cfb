# smis.threepar: `make demo` runs the demo against simulated arrays, `make test` runs every test.
# Both bootstrap their own virtual environment in .venv (Python 3.11+ on PATH as python3).

PYTHON ?= python3
VENV := .venv
BIN := $(abspath $(VENV))/bin
CACHE := $(abspath .cache)
# ansible-playbook finds the collection through this link to the work tree.
COLLECTIONS := $(CACHE)/collections
COLLECTION_LINK := $(COLLECTIONS)/ansible_collections/smis/threepar
# ansible-test wants a real directory named ansible_collections/smis/threepar.
SANITY_TREE := $(CACHE)/ansible-test/ansible_collections/smis/threepar
ANSIBLE_TEST_PIP := 24_2
PYTEST_ARGS ?=

export ANSIBLE_COLLECTIONS_PATH := $(COLLECTIONS)

.PHONY: demo test venv unit simulator-tests sanity collection-link clean

demo: venv collection-link
	$(BIN)/python -m threepar_sim.demo

test: venv collection-link simulator-tests unit sanity

venv: $(VENV)/.installed

$(VENV)/.installed: requirements.txt requirements-dev.txt simulator/pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -r requirements-dev.txt -e simulator
	touch $@

collection-link:
	@mkdir -p $(dir $(COLLECTION_LINK))
	@ln -sfn $(CURDIR) $(COLLECTION_LINK)

simulator-tests: venv
	$(BIN)/python -m pytest -q simulator/tests $(PYTEST_ARGS)

unit: venv collection-link
	@if [ -d tests/unit ] && [ -n "$$(find tests/unit -name 'test_*.py' -print -quit)" ]; then \
		$(BIN)/python -m pytest -q tests/unit $(PYTEST_ARGS); \
	else echo "no unit tests yet"; fi

# ansible-test sanity, offline: a copy of the tracked tree, and a pip bootstrap
# script in ansible-test's cache so that it never downloads one.
sanity: venv
	@mkdir -p $(HOME)/.ansible/test/cache
	@cp .ci/get_pip_offline.py $(HOME)/.ansible/test/cache/get_pip_$(ANSIBLE_TEST_PIP).py
	@rm -rf $(SANITY_TREE) && mkdir -p $(SANITY_TREE)
	@git ls-files -co --exclude-standard | tar -cf - -T - | tar -xf - -C $(SANITY_TREE)
	cd $(SANITY_TREE) && git init -q && git add -A && \
		PATH=$(BIN):$$PATH $(BIN)/ansible-test sanity --local --python 3.11 --color no

clean:
	rm -rf $(VENV) $(CACHE) tests/output
