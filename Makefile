# Two entry points for a fresh machine: `make demo` and `make test`.
# Both create the virtual environment they need on first use.

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: demo test bench lint sysdeps translations screenshots

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[test]'
	touch $(STAMP)

# System libraries Qt needs without a display, and Japanese fonts; only when root and missing.
sysdeps:
	@if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
	  missing=""; \
	  for p in libegl1 libgl1 libxkbcommon0 libfontconfig1 libdbus-1-3 fonts-noto-cjk desktop-file-utils; do \
	    dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; \
	  done; \
	  if [ -n "$$missing" ]; then \
	    (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing >/dev/null) \
	      || echo "warning: could not install$$missing"; \
	  fi; \
	fi

demo: $(STAMP)
	$(BIN)/xencenter-py --demo

test: sysdeps $(STAMP)
	QT_QPA_PLATFORM=offscreen $(BIN)/python -m pytest -q

bench: $(STAMP)
	QT_QPA_PLATFORM=offscreen $(BIN)/python -m benchmarks

lint: $(STAMP)
	$(BIN)/ruff check xencenter_py tests benchmarks tools
	$(BIN)/ruff format --check xencenter_py tests benchmarks tools

translations: $(STAMP)
	$(BIN)/python tools/update_translations.py

screenshots: $(STAMP)
	QT_QPA_PLATFORM=offscreen $(BIN)/xencenter-py --demo --screenshot resources/screenshot-en.png --lang en
	QT_QPA_PLATFORM=offscreen $(BIN)/xencenter-py --demo --screenshot resources/screenshot-ja.png --lang ja
