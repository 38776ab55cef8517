"""Bad input fails with a ``BicepError`` naming the file, line and column — never a silent skip."""

from __future__ import annotations

from pathlib import Path

import pytest

from pullproof.bicep import BicepError, Compiler
from tests.bicep.conftest import Build


def _error(build: Build, text: str, files: dict[str, str] | None = None) -> BicepError:
    with pytest.raises(BicepError) as info:
        build(text, files)
    return info.value


@pytest.mark.parametrize(
    ("text", "line", "column", "fragment"),
    [
        ("var a = 1 +\n", 1, 12, "syntax error"),
        ("param p string\nvar x = (1 + 2\n", 2, 9, "never closed"),
        ("var x = 'unterminated\n", 1, 9, "unterminated string"),
        ("var x = 'bad \\q escape'\n", 1, 14, "escape sequence"),
        ("var a = 1\nvar b = a b\n", 2, 11, "syntax error: unexpected 'b'"),
        ("resource r 'A.B/c@2023-01-01' = {\n  name: 'x'\n  sku: \n}\n", 4, 1, "unexpected '}'"),
        ("var x = { a: 1 ]\n", 1, 16, "unexpected ']'"),
        ("var x = 1 # 2\n", 1, 11, "unexpected character"),
    ],
)
def test_syntax_errors_are_located(build: Build, text: str, line: int, column: int, fragment: str) -> None:
    error = _error(build, text)
    assert fragment in error.message
    assert (error.line, error.column) == (line, column)
    assert error.file.endswith("main.bicep")
    assert f"main.bicep({line},{column}) : Error" in str(error)


@pytest.mark.parametrize(
    ("text", "line", "fragment"),
    [
        ("var x = frobnicate(1)\n", 1, "the function 'frobnicate' does not exist"),
        ("var x = az.concat('a')\n", 1, "does not exist in namespace 'az'"),
        ("var x = toLower('a', 'b')\n", 1, "expects 1 argument, got 2"),
        ("var x = 1\nvar y = nope\n", 2, "the name 'nope' does not exist"),
        ("var x = utcNow()\n", 1, "can only be used as a parameter default value"),
        ("param p string\nparam p int\n", 2, "declared multiple times"),
        ("targetScope = 'galaxy'\n", 1, "targetScope must be one of"),
        ("resource r 'Microsoft.Storage/storageAccounts' = {\n  name: 'x'\n}\n", 1, "needs an API version"),
        ("resource r 'Microsoft.Storage/storageAccounts@2023-01-01' = {\n  location: 'x'\n}\n", 1, "no 'name'"),
        ("param p string\nvar v = [for x in p: x]\noutput o array = [x]\n", 3, "the name 'x' does not exist"),
        ("var v = concat([for x in []: x])\n", 1, "for-expression is only allowed"),
        ("func f() string => 'x'\n", 1, "user-defined functions"),
        ("type t = string\n", 1, "user-defined 'type' declarations"),
        ("param p string[]\n", 1, "languageVersion 2.0"),
        ("var t string = 'x'\n", 1, "typed variables"),
        ("module m 'br:example.azurecr.io/m:1' = {\n  name: 'm'\n}\n", 1, "not supported offline"),
        ("var x = loadTextContent('missing.txt')\n", 1, "could not read 'missing.txt'"),
        ("@frob()\nparam p string\n", 1, "decorator '@frob'"),
    ],
)
def test_semantic_errors_are_located(build: Build, text: str, line: int, fragment: str) -> None:
    error = _error(build, text)
    assert fragment in error.message
    assert error.line == line
    assert error.column > 0
    assert error.file.endswith("main.bicep")


def test_missing_module_file(build: Build) -> None:
    error = _error(build, "var a = 1\nmodule m 'modules/nope.bicep' = {\n  name: 'm'\n}\n")
    assert "could not find module file 'modules/nope.bicep'" in error.message
    assert (error.line, error.column) == (2, 10)


def test_circular_modules(build: Build) -> None:
    a = "module b 'b.bicep' = {\n  name: 'b'\n}\n"
    b = "param x string = ''\nmodule back 'a.bicep' = {\n  name: 'a'\n}\n"
    error = _error(build, "module a 'a.bicep' = {\n  name: 'a'\n}\n", {"a.bicep": a, "b.bicep": b})
    assert "circular module reference: a.bicep -> b.bicep -> a.bicep" in error.message
    assert error.file.endswith("b.bicep")
    assert error.line == 2


def test_self_including_module(build: Build) -> None:
    error = _error(build, "module me 'main.bicep' = {\n  name: 'me'\n}\n")
    assert "circular module reference: main.bicep -> main.bicep" in error.message


def test_errors_inside_a_module_name_the_module_file(build: Build) -> None:
    error = _error(build, "module m 'm.bicep' = {\n  name: 'm'\n}\n", {"m.bicep": "var ok = 1\nvar bad = ]\n"})
    assert error.file.endswith("m.bicep")
    assert error.line == 2


def test_module_parameters_are_checked(build: Build) -> None:
    child = {"m.bicep": "param required string\nparam optional string = ''\n"}
    missing = _error(build, "module m 'm.bicep' = {\n  name: 'm'\n}\n", child)
    assert "missing required parameter(s): required" in missing.message
    text = "module m 'm.bicep' = {\n  name: 'm'\n  params: {\n    required: 'x'\n    extra: 1\n  }\n}\n"
    unknown = _error(build, text, child)
    assert "has no parameter named 'extra'" in unknown.message
    assert unknown.line == 5


def test_module_without_name_and_unknown_output(build: Build) -> None:
    child = {"m.bicep": "output o string = 'x'\n"}
    unnamed = _error(build, "module m 'm.bicep' = {}\noutput x string = m.outputs.o\n", child)
    assert "give the module a name" in unnamed.message
    wrong = _error(build, "module m 'm.bicep' = {\n  name: 'm'\n}\noutput x string = m.outputs.nope\n", child)
    assert "has no output named 'nope'" in wrong.message
    assert wrong.line == 4


def test_scope_mismatch_and_cross_scope_resource(build: Build) -> None:
    child = {"m.bicep": "targetScope = 'subscription'\n"}
    mismatch = _error(build, "module m 'm.bicep' = {\n  name: 'm'\n}\n", child)
    assert "set its 'scope' property" in mismatch.message
    cross = _error(build, "resource r 'A.B/c@2020-01-01' = {\n  name: 'r'\n  scope: resourceGroup('x')\n}\n")
    assert "use a module" in cross.message
    assert cross.line == 3


def test_whole_loop_reference_needs_symbolic_names(build: Build) -> None:
    text = "resource r 'A.B/c@2020-01-01' = [for i in range(0, 2): {\n  name: 'r${i}'\n}]\noutput o object = r\n"
    error = _error(build, text)
    assert "references()" in error.message


def test_missing_input_file(tmp_path: Path) -> None:
    with pytest.raises(BicepError) as info:
        Compiler().compile(tmp_path / "absent.bicep")
    assert "could not find file" in info.value.message


def test_nothing_is_silently_dropped(build: Build) -> None:
    nested = _error(build, "var x = {\n  resource y 'A.B/c@2020-01-01' = {\n    name: 'y'\n  }\n}\n")
    assert "only allowed in a resource body" in nested.message
    assert nested.line == 2
    spread = _error(build, "param o object\nresource r 'A.B/c@2020-01-01' = {\n  name: 'r'\n  ...o\n}\n")
    assert "spread" in spread.message
    assert spread.line == 4
    batch = _error(build, "@batchSize(1)\nresource r 'A.B/c@2020-01-01' = {\n  name: 'r'\n}\n")
    assert "@batchSize() can only decorate" in batch.message


DEEP = {
    "parentheses": ("var x = " + "(" * 3000 + "1" + ")" * 3000 + "\n", 134),
    "arrays": ("var x = " + "[" * 3000 + "]" * 3000 + "\n", 134),
    "calls": ("var x = " + "concat(" * 3000 + "'a'" + ")" * 3000 + "\n", 450),
    "objects": ("var x = " + "{a: " * 3000 + "1" + "}" * 3000 + "\n", 258),
    "operators": ("var x = " + "1 + " * 3000 + "1\n", 9),
    "negations": ("var x = " + "!" * 3000 + "true\n", 134),
    "member chain": ("param p object\nvar x = p" + ".b" * 3000 + "\n", 9),
    "interpolation": ("var x = " + "'${" * 3000 + "1" + "}'" * 3000 + "\n", 384),
    "lambdas": ("var x = map([1], " + "a => map([1], " * 3000 + "b => b" + ")" * 3000 + ")\n", 587),
}


@pytest.mark.parametrize("case", list(DEEP))
def test_deep_nesting_is_a_located_error_not_a_crash(build: Build, case: str) -> None:
    text, column = DEEP[case]
    error = _error(build, text)
    assert error.message == "the expression is nested too deeply: more than 128 syntax levels"
    assert (error.line, error.column) == (text.count("\n", 0, text.index("var x")) + 1, column)
    assert f"main.bicep({error.line},{column}) : Error" in str(error)


def test_nesting_within_the_limit_compiles(build: Build) -> None:
    template = build("var x = " + "{a: " * 60 + "1" + "}" * 60 + "\nvar y = " + "1 + " * 120 + "1\n")
    value = template["variables"]["x"]
    for _ in range(60):
        value = value["a"]
    assert value == 1
    assert template["variables"]["y"].count("add(") == 120
