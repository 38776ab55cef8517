"""``pullproof build`` and ``pullproof deploy`` on input that would exhaust the compiler or the engine:
a located error and the documented exit code, never a traceback."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner, Result

from pullproof.cli.main import app
from tests.iac.bombs import BOMBS
from tests.iac.support import identity, template

DEEP_BICEP = "var x = " + "[" * 5000 + "]" * 5000 + "\noutput o array = x\n"
NESTED = "Error pullproof-bicep: the expression is nested too deeply: more than 128 syntax levels"


def _run(*args: str | Path) -> Result:
    return CliRunner().invoke(app, [str(a) for a in args], catch_exceptions=False, env={"COLUMNS": "200"})


def test_build_of_deeply_nested_bicep_exits_2_with_file_line_and_column(tmp_path: Path) -> None:
    source = tmp_path / "deep.bicep"
    source.write_text(DEEP_BICEP, encoding="utf-8")
    result = _run("build", source)
    assert result.exit_code == 2
    assert result.stdout == ""
    assert result.stderr == f"ERROR: {source.resolve()}(1,134) : {NESTED}\n"


def test_deploy_of_deeply_nested_input_exits_2(tmp_path: Path) -> None:
    bicep = tmp_path / "deep.bicep"
    bicep.write_text(DEEP_BICEP, encoding="utf-8")
    result = _run("deploy", bicep, "-l", "eastus", "--data-dir", tmp_path / "data")
    assert result.exit_code == 2 and NESTED in result.stderr
    arm = tmp_path / "deep.json"
    arm.write_text('{"resources": [], "variables": {"x": ' + "[" * 100000 + "]" * 100000 + "}}", encoding="utf-8")
    result = _run("deploy", arm, "-l", "eastus", "--data-dir", tmp_path / "data")
    assert result.exit_code == 2
    assert result.stderr == f"ERROR: {arm}: the JSON nests too deeply to be read\n"


def test_deploy_of_a_template_bomb_fails_with_the_arm_error(tmp_path: Path) -> None:
    body, inner = BOMBS["map/lambda bomb"]
    bomb = tmp_path / "bomb.json"
    bomb.write_text(json.dumps({**body, "resources": [identity("never")]}), encoding="utf-8")
    result = _run("deploy", bomb, "-l", "eastus", "--data-dir", tmp_path / "data")
    assert result.exit_code == 1
    assert result.stderr.startswith("ERROR: (InvalidTemplate) The template variable 'v' is not valid: ")
    assert inner in result.stderr
    deep = tmp_path / "deep-expression.json"
    deep.write_text(json.dumps(template(outputs={"o": {"type": "string", "value": BOMBS["5000-deep expression"][0][
        "variables"]["v"]}})), encoding="utf-8")
    result = _run("deploy", deep, "-l", "eastus", "--data-dir", tmp_path / "data")
    assert result.exit_code == 1
    assert "The language expression nesting limit exceeded. Limit: '128' (ours)" in result.stderr
