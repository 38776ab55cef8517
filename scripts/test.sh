#!/usr/bin/env bash
# Installs what the tests need (Debian packages for the real clients, .venv, the real Azure CLI in
# .venv-az, kubectl), then lints, type-checks and runs the whole test suite. Extra arguments go to
# pytest. A real client still missing then fails its tests, with how to install it.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-debian.sh
bash scripts/install.sh --test
bash scripts/install-kubectl.sh
.venv/bin/ruff check src tests scripts
.venv/bin/mypy
.venv/bin/python -m pytest "$@"
