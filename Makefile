# The README's two commands: `make run` and `make test`. Everything installs itself into .venv.
PY      := .venv/bin/python
STAMP   := .venv/.installed
HOST    ?= 127.0.0.1
PORT    ?= 7860
export HF_HUB_OFFLINE=1 TRANSFORMERS_OFFLINE=1 HF_HUB_DISABLE_TELEMETRY=1 ANONYMIZED_TELEMETRY=False \
       GRADIO_ANALYTICS_ENABLED=False TOKENIZERS_PARALLELISM=false

.PHONY: install build run test eval bench load clean

# torch is installed first and pinned: an unpinned torch pulls a multi-GB CUDA build.
# Then the project itself, editable and without dependencies, for the `cixi-assistant` command
# (setuptools comes with torch, so the build needs nothing more from the network).
$(STAMP): requirements.txt requirements-dev.txt pyproject.toml
	python3 -m venv .venv
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q torch==2.13.0
	$(PY) -m pip install -q -r requirements.txt -r requirements-dev.txt
	$(PY) -m pip install -q --no-deps --no-build-isolation -e .
	touch $@

install: $(STAMP)

build: install  ## build the index if it is missing or stale
	$(PY) -m assistant build

run: build  ## the web chat on http://$(HOST):$(PORT)
	$(PY) app.py --host $(HOST) --port $(PORT)

test: install
	$(PY) -m pytest -q tests

eval: build
	$(PY) -m eval

bench: build
	$(PY) -m eval.bench

load: build  ## chat sessions (1, 20, 50 at once, 60 s each) against the web app on 127.0.0.1; one user in Chromium; oversized events
	$(PY) -m eval.load --users 1,20,50 --browser --oversized 4

clean:
	rm -rf index .pytest_cache
