#!/usr/bin/env bash
# Lint, type-check and run the whole test suite (real clients included).
set -euo pipefail
cd "$(dirname "$0")/.."
.venv/bin/ruff check src tests scripts
.venv/bin/mypy
.venv/bin/python -m pytest "$@"
