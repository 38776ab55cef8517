"""Helpers for the Bicep compiler tests: compile source text written into a temporary folder."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from pullproof.bicep import Compiler

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
Build = Callable[..., dict[str, Any]]


@pytest.fixture(scope="session")
def compiler() -> Compiler:
    return Compiler()


@pytest.fixture
def build(tmp_path: Path, compiler: Compiler) -> Build:
    """``build(main_text, files={relative_path: text})`` writes the files and compiles ``main.bicep``."""

    def run(text: str, files: dict[str, str] | None = None) -> dict[str, Any]:
        for name, content in (files or {}).items():
            target = tmp_path / name
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(content, encoding="utf-8")
        main = tmp_path / "main.bicep"
        main.write_text(text, encoding="utf-8")
        return compiler.compile(main)

    return run


def value(template: dict[str, Any], name: str) -> Any:
    """A variable's compiled value."""
    return template["variables"][name]
