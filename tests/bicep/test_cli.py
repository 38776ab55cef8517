"""The ``bicep`` executable contract (reference §3.7): --version, build --stdout, build → FILE.json."""

from __future__ import annotations

import io
import json
from importlib.metadata import entry_points
from pathlib import Path

from pullproof.bicep.cli import build, main
from tests.bicep.conftest import FIXTURES

ROLE = FIXTURES / "infra" / "modules" / "aks-acr-role.bicep"


def _run(*args: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = main(list(args), out, err)
    return code, out.getvalue(), err.getvalue()


def test_version() -> None:
    code, out, _ = _run("--version")
    assert (code, out) == (0, "Bicep CLI version 0.38.5 (pullproof)\n")


def test_build_stdout_prints_the_template() -> None:
    code, out, err = _run("build", "--stdout", str(ROLE))
    assert (code, err) == (0, "")
    assert json.loads(out) == build(ROLE)
    assert out.startswith('{\n  "$schema": ')


def test_build_writes_file_json(tmp_path: Path) -> None:
    source = tmp_path / "role.bicep"
    source.write_text(ROLE.read_text(encoding="utf-8"), encoding="utf-8")
    code, out, _ = _run("build", str(source))
    assert (code, out) == (0, "")
    assert json.loads((tmp_path / "role.json").read_text(encoding="utf-8"))["resources"][0]["apiVersion"] == (
        "2022-04-01"
    )
    code, _, _ = _run("build", str(source), "--outfile", str(tmp_path / "x.json"))
    assert code == 0 and (tmp_path / "x.json").exists()


def test_compile_errors_exit_1_in_the_cli_diagnostic_format(tmp_path: Path) -> None:
    bad = tmp_path / "bad.bicep"
    bad.write_text("var x = nope\n", encoding="utf-8")
    code, out, err = _run("build", "--stdout", str(bad))
    assert (code, out) == (1, "")
    assert err.startswith(f"{bad}(1,9) : Error ")
    assert "the name 'nope' does not exist" in err


def test_deeply_nested_source_is_a_diagnostic_not_a_traceback(tmp_path: Path) -> None:
    deep = tmp_path / "deep.bicep"
    deep.write_text("var x = " + "(" * 5000 + "1" + ")" * 5000 + "\n", encoding="utf-8")
    code, out, err = _run("build", "--stdout", str(deep))
    assert (code, out) == (1, "")
    assert err == f"{deep}(1,134) : Error pullproof-bicep: the expression is nested too deeply: more than 128 " \
        "syntax levels\n"


def test_build_params_and_usage_errors() -> None:
    code, _, err = _run("build-params", "main.bicepparam", "--stdout")
    assert code == 1 and "not supported" in err
    assert _run("frobnicate")[0] == 2
    assert _run("build")[0] == 2
    assert _run("build", "--bogus", "x.bicep")[0] == 2


def test_console_script_is_declared() -> None:
    scripts = {ep.name: ep.value for ep in entry_points(group="console_scripts")}
    assert scripts.get("bicep") == "pullproof.bicep.cli:main"
