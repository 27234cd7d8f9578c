# shotstyle: `make demo` renders the sample shot, `make test` runs the tests.
# Both set everything up on a fresh machine (.venv, Python packages, ffmpeg;
# make test also Chromium, for the report page's browser test).

PYTHON ?= python3
VENV   ?= .venv
PY     := $(VENV)/bin/python
LUIGI  := $(VENV)/bin/luigi
STAMP  := $(VENV)/.installed-stamp
SHOT   ?= s01

.PHONY: setup demo test test-fast bench clean distclean

setup: $(STAMP)

$(STAMP): setup.cfg pyproject.toml scripts/ensure_tool.sh
	./scripts/ensure_tool.sh ffmpeg ffmpeg
	./scripts/ensure_tool.sh ffprobe ffmpeg
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check -e '.[test]'
	touch $(STAMP)

demo: $(STAMP)
	$(LUIGI) --module tasks RenderShot --shot $(SHOT) --local-scheduler
	@echo
	@echo "Rendered: renders/$(SHOT)/$(SHOT)_styled.mov, renders/$(SHOT)/$(SHOT)_styled.mp4, renders/$(SHOT)/frames/"

test: $(STAMP)
	./scripts/ensure_tool.sh chromium,chromium-browser,google-chrome chromium --optional
	$(PY) -m pytest

test-fast: $(STAMP)
	$(PY) -m pytest tests/unit

bench: $(STAMP)
	$(PY) bench/bench_pipeline.py

clean:
	rm -rf work renders .pytest_cache

distclean: clean
	rm -rf $(VENV) *.egg-info
