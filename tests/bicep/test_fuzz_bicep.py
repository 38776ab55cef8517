"""Fuzzing the Bicep compiler: any text, token soups and mutations of the real fixtures compile or
raise ``BicepError`` (with a file, line and column), never another exception."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from pullproof.bicep import BicepError, Compiler
from tests.fuzzing import mutated

FIXTURE = Path(__file__).resolve().parents[1] / "fixtures" / "infra"
SEEDS = [FIXTURE / "main.bicep", *sorted((FIXTURE / "modules").glob("*.bicep"))]
TOKENS = [
    "param", "var", "resource", "module", "output", "targetScope", "existing", "if", "for", "in", "type", "func",
    "import", "metadata", "@description('d')", "@secure()", "string", "int", "bool", "object", "array", "true",
    "null", "x", "y", "acr", "'a'", "'${x}'", "'''m\nl'''", "0", "-1", "2147483648", "=", "==", "!=", "=~", "&&",
    "||", "??", "?", ":", "::", ".", ".?", "[?", "{", "}", "[", "]", "(", ")", ",", "=>", "...", "!", "+", "*",
    "%", "<", ">=", "|", "\n", " ", "'Microsoft.ContainerRegistry/registries@2023-07-01'", "resourceGroup()",
    "concat(", "loadTextContent('x')", "// c\n", "/* c */", "'\\u{1F600}'", "'\\q'", "$", "#", "\t",
]


@pytest.fixture(scope="module")
def workspace(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A copy of the infra fixture, so mutated ``module`` paths resolve against real files."""
    target = tmp_path_factory.mktemp("bicep") / "infra"
    shutil.copytree(FIXTURE, target)
    return target


@pytest.fixture(scope="module")
def compiler() -> Compiler:
    return Compiler()


def _compile(compiler: Compiler, workspace: Path, text: str) -> None:
    try:
        template = compiler.compile_text(text, workspace / "main.bicep")
    except BicepError as exc:
        assert exc.message and exc.line >= 0 and exc.column >= 0
        return
    assert isinstance(template, dict) and "$schema" in template


@given(st.text(max_size=300))
@example("var x = '${'${'${x}'}'}'")
@example("resource r 'a@b' = [for i in range(0, 3): {}]")
@example("var x = {\n a: 1\n b: [\n]}")
@example("@")
@example("'''")
def test_any_text_compiles_or_is_located(compiler: Compiler, workspace: Path, text: str) -> None:
    _compile(compiler, workspace, text)


@given(st.lists(st.sampled_from(TOKENS), max_size=40).map(" ".join))
def test_token_soup_compiles_or_is_located(compiler: Compiler, workspace: Path, text: str) -> None:
    _compile(compiler, workspace, text)


@given(st.sampled_from(SEEDS).flatmap(lambda path: mutated(path.read_bytes())))
def test_mutated_fixtures_compile_or_are_located(compiler: Compiler, workspace: Path, data: bytes) -> None:
    _compile(compiler, workspace, data.decode("utf-8", "replace"))


def test_deeply_nested_bicep_is_a_located_error(compiler: Compiler, workspace: Path) -> None:
    text = "var x = " + "(" * 5000 + "1" + ")" * 5000 + "\n"
    with pytest.raises(BicepError):
        compiler.compile_text(text, workspace / "main.bicep")
