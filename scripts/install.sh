#!/usr/bin/env bash
# Installs pullproof into .venv. With --test also the test tools and SDKs, and the real Azure CLI
# into .venv-az (its pins conflict with the SDKs', so it gets its own venv).
set -euo pipefail
cd "$(dirname "$0")/.."
PY="${PYTHON:-python3.11}"
command -v "$PY" >/dev/null 2>&1 || PY=python3
if [ ! -x .venv/bin/python ]; then "$PY" -m venv .venv; fi
.venv/bin/python -m pip install -q --disable-pip-version-check --upgrade pip >/dev/null
if [ "${1:-}" = "--test" ]; then
  .venv/bin/python -m pip install -q --disable-pip-version-check -e '.[test]'
  if [ ! -x .venv-az/bin/az ]; then
    "$PY" -m venv .venv-az
    .venv-az/bin/python -m pip install -q --disable-pip-version-check azure-cli==2.91.0
  fi
else
  .venv/bin/python -m pip install -q --disable-pip-version-check -e .
fi
