"""The version SARIF and the package report is the one ``pyproject.toml`` sets, read without importing
the package root (which belongs to no tier)."""

from __future__ import annotations

import ast
import tomllib
from pathlib import Path

import pullproof
from pullproof.core.version import version

ROOT = Path(__file__).resolve().parents[2]
SRC = ROOT / "src" / "pullproof"


def test_version_is_the_one_pyproject_sets() -> None:
    declared = tomllib.loads((ROOT / "pyproject.toml").read_text("utf-8"))["project"]["version"]
    assert version() == declared
    assert pullproof.__version__ == declared


def _from_root(node: ast.AST) -> bool:
    """``import pullproof``, or ``from pullproof import x`` where ``x`` is a name of the root, not a module."""
    if isinstance(node, ast.Import):
        return any(alias.name == "pullproof" for alias in node.names)
    if isinstance(node, ast.ImportFrom) and node.module == "pullproof" and not node.level:
        return any(not (SRC / f"{a.name}.py").exists() and not (SRC / a.name / "__init__.py").exists()
                   for a in node.names)
    return False


def test_no_module_imports_the_package_root() -> None:
    rooted = [f"{path.relative_to(SRC)}:{node.lineno}" for path in sorted(SRC.rglob("*.py"))
              for node in ast.walk(ast.parse(path.read_text("utf-8"))) if _from_root(node)
              and isinstance(node, ast.stmt)]
    assert rooted == []
