VENV ?= .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
TEST_STAMP := $(VENV)/.installed-test

.PHONY: run test setup bench clean

$(PY):
	python3 -m venv $(VENV)

# What the app needs (torch, Textual, ...): several GB, so pip shows its progress.
$(STAMP): pyproject.toml | $(PY)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install -e .
	touch $(STAMP)

# The test tools on top (Pilot and snapshot plugins, Ray for the batch tests).
$(TEST_STAMP): $(STAMP)
	$(PY) -m pip install -e '.[test]'
	touch $(TEST_STAMP)

# A developer's set-up: the app and the test tools, nothing started.
setup: $(TEST_STAMP)

# exec: the app replaces the recipe's shell, so a terminal hang-up reaches it directly.
run: $(STAMP)
	exec $(VENV)/bin/transferlings

# One test file per worker process (its module fixtures, a warm grader among them, stay
# shared), a worker per core up to four: about 5 minutes on 2 cores instead of 10.
test: $(TEST_STAMP)
	$(PY) -m pytest -q -n auto --maxprocesses 4 --dist loadfile

bench: $(STAMP)
	$(PY) benchmarks/grade_latency.py

clean:
	rm -rf $(VENV)
