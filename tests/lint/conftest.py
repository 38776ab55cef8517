"""Lint shows paths relative to the working directory: run every lint test from the repository root."""

from __future__ import annotations

import pytest

from tests.lint.support import ROOT


@pytest.fixture(autouse=True)
def _at_repository_root(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(ROOT)
