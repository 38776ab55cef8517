"""Shared wire constants are spelled once in src/: built-in role GUIDs (in ``rbac.builtin``) and the
resource types and actions several packages name (each in the lowest tier that needs it)."""

from __future__ import annotations

import ast
import json
from importlib import resources
from pathlib import Path

import pytest

from pullproof.aks.provider import CLUSTER_TYPE
from pullproof.arm.models import GROUP_TYPE, ROLE_ASSIGNMENT_TYPE
from pullproof.arm.providers.identities import IDENTITY_TYPE
from pullproof.registry.scope import PULL_READ, REGISTRY_TYPE

SRC = Path(__file__).resolve().parents[1] / "src" / "pullproof"
ROLE_GUIDS = [r["name"] for r in json.loads(
    resources.files("pullproof.rbac").joinpath("builtin_roles.json").read_text("utf-8"))]


def _strings() -> list[tuple[str, str]]:
    """Every string literal in src/ (f-string pieces included), with its module path."""
    return [(str(path.relative_to(SRC)), node.value) for path in sorted(SRC.rglob("*.py"))
            for node in ast.walk(ast.parse(path.read_text("utf-8")))
            if isinstance(node, ast.Constant) and isinstance(node.value, str)]


@pytest.fixture(scope="module")
def strings() -> list[tuple[str, str]]:
    return _strings()


@pytest.mark.parametrize(("value", "home"), [
    (CLUSTER_TYPE, "aks/provider.py"), (REGISTRY_TYPE, "registry/scope.py"),
    (GROUP_TYPE, "arm/models.py"),
    (ROLE_ASSIGNMENT_TYPE, "arm/models.py"), (IDENTITY_TYPE, "arm/providers/identities.py"),
])
def test_a_shared_type_or_action_is_spelled_once(strings: list[tuple[str, str]], value: str, home: str) -> None:
    assert [where for where, text in strings if text == value] == [home]


def test_the_pull_action_is_only_composed_in_registry_scope(strings: list[tuple[str, str]]) -> None:
    assert PULL_READ == "Microsoft.ContainerRegistry/registries/pull/read"
    assert [where for where, text in strings if PULL_READ in text] == []


def test_role_guids_are_spelled_only_in_rbac_builtin(strings: list[tuple[str, str]]) -> None:
    spelled = sorted({where for where, text in strings for guid in ROLE_GUIDS if guid in text.lower()})
    assert spelled == ["rbac/builtin.py"]
