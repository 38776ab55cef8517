"""The tiers of docs/architecture.md: every module lives in a tier, and imports point down (same tier
or lower). Function-level and ``TYPE_CHECKING`` imports count too."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parents[1] / "src" / "pullproof"
TIERS = {"core": 0, "db": 0, "blobstore": 0, "settings": 0,
         "identity": 1, "rbac": 1,
         "arm": 2, "registry": 2, "network": 2,
         "aks": 3, "kube": 3,
         "iac": 4, "deployments": 4, "bicep": 4,
         "explain": 5, "lint": 5, "demo": 5,
         "app": 6, "front": 6, "cli": 6, "bootstrap": 6, "__main__": 6}
# The packages whose imports are held to the rule here (tiers 0 to 3 but arm).
HELD = ("core", "db", "blobstore", "settings", "identity", "rbac", "registry", "aks", "kube")


def _module(path: Path) -> str:
    parts = list(path.relative_to(SRC.parent).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _imports(path: Path) -> set[str]:
    module, found = _module(path), set()
    for node in ast.walk(ast.parse(path.read_text("utf-8"))):
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = module.split(".")[: len(module.split(".")) - node.level + (path.name == "__init__.py")]
                name = ".".join(base + ([node.module] if node.module else []))
            else:
                name = node.module or ""
            found |= {f"{name}.{alias.name}" for alias in node.names}
    return {name for name in found if name.split(".")[0] == "pullproof"}


def _tier(name: str) -> int | None:
    parts = name.split(".")
    return TIERS.get(parts[1]) if len(parts) > 1 else None


def _sources(package: str) -> list[Path]:
    single = SRC / f"{package}.py"
    return [single] if single.exists() else sorted((SRC / package).rglob("*.py"))


def test_every_module_lives_in_a_tier() -> None:
    outside = [_module(p) for p in SRC.rglob("*.py") if p.parent != SRC or p.name != "__init__.py"]
    assert [m for m in outside if _tier(m) is None] == []


def test_nothing_imports_the_package_root() -> None:
    rooted = {_module(p): sorted(n for n in _imports(p) if n == "pullproof" or (n.count(".") == 1 and _tier(n) is None))
              for p in SRC.rglob("*.py")}
    assert {m: names for m, names in rooted.items() if names} == {}


@pytest.mark.parametrize("package", HELD)
def test_imports_point_down(package: str) -> None:
    tier = TIERS[package]
    upward = {f"{_module(p)} -> {name}" for p in _sources(package) for name in _imports(p)
              if (_tier(name) or 0) > tier}
    assert upward == set()
