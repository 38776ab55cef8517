#!/usr/bin/env bash
# Installs everything pullproof and its tests need: the package and test tools into .venv, the real
# Azure CLI into .venv-az (its pins conflict with the SDKs, so it gets its own venv).
set -euo pipefail
cd "$(dirname "$0")/.."
PY="${PYTHON:-python3.11}"
command -v "$PY" >/dev/null 2>&1 || PY=python3
if [ ! -x .venv/bin/python ]; then "$PY" -m venv .venv; fi
.venv/bin/python -m pip install -q --upgrade pip >/dev/null
.venv/bin/python -m pip install -q -e '.[test]'
if [ ! -x .venv-az/bin/az ]; then
  "$PY" -m venv .venv-az
  .venv-az/bin/python -m pip install -q azure-cli==2.91.0
fi
