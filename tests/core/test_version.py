"""The version SARIF and the package report is the one ``pyproject.toml`` sets."""

from __future__ import annotations

import tomllib
from pathlib import Path

import pullproof
from pullproof.core.version import version

PYPROJECT = Path(__file__).resolve().parents[2] / "pyproject.toml"


def test_version_is_the_one_pyproject_sets() -> None:
    declared = tomllib.loads(PYPROJECT.read_text("utf-8"))["project"]["version"]
    assert version() == declared
    assert pullproof.__version__ == declared
