"""JSON and SARIF output, and the exit codes: 0 clean, 1 error findings or pods not Running, 2 usage
or input errors (a Bicep syntax error names its file and line)."""

from __future__ import annotations

import json
from pathlib import Path

from pullproof.core.version import version
from pullproof.lint.rules import RULES
from tests.iac.support import RG_SCHEMA
from tests.lint.support import FIXTURES, KUBELET, bicep, cli, write


def test_json_output_lists_findings_with_ids_locations_why_and_fix() -> None:
    result = cli(FIXTURES / "infra-missing-role", "--output", "json")
    assert result.exit_code == 1
    data = json.loads(result.stdout)
    assert data["exitCode"] == 1 and data["summary"] == {"error": 1, "warning": 1, "note": 0}
    assert data["scanned"]["templates"] == ["tests/fixtures/infra-missing-role/main.bicep"]
    first = data["findings"][0]
    assert {"id", "severity", "title", "message", "location", "why", "fix"} <= set(first)
    assert first["id"] == "PP101" and first["severity"] == "error"
    assert first["location"] == {"file": "tests/fixtures/infra-missing-role/modules/aks.bicep", "line": 17,
                                 "column": 1}
    assert "module aksAcrRole 'modules/aks-acr-role.bicep'" in first["fix"]["snippet"]
    assert first["fix"]["bicep"].startswith("@description(")
    assert data["preflight"] is None


def test_json_output_with_preflight() -> None:
    data = json.loads(cli(FIXTURES / "infra", "--preflight", "-o", "json").stdout)
    assert data["preflight"]["ok"] is True and data["preflight"]["cluster"] == "aks-wiz-dev"
    assert [p["phase"] for p in data["preflight"]["pods"]] == ["Running"]
    assert data["exitCode"] == 0


def test_sarif_structure() -> None:
    result = cli(FIXTURES / "infra-missing-role", "--output", "sarif")
    assert result.exit_code == 1
    sarif = json.loads(result.stdout)
    assert sarif["version"] == "2.1.0" and sarif["$schema"].endswith("sarif-2.1.0.json")
    run = sarif["runs"][0]
    driver = run["tool"]["driver"]
    assert driver["name"] == "pullproof" and driver["version"] == version()
    rule_ids = [r["id"] for r in driver["rules"]]
    assert rule_ids == [r.id for r in RULES] and len(set(rule_ids)) == len(rule_ids)
    for rule in driver["rules"]:
        assert rule["shortDescription"]["text"] and rule["fullDescription"]["text"] and rule["help"]["text"]
        assert rule["defaultConfiguration"]["level"] in {"error", "warning", "note"}
    assert [r["ruleId"] for r in run["results"]] == ["PP101", "PP106"]
    for result_ in run["results"]:
        assert driver["rules"][result_["ruleIndex"]]["id"] == result_["ruleId"]
        assert result_["level"] in {"error", "warning", "note"} and result_["message"]["text"]
        physical = result_["locations"][0]["physicalLocation"]
        uri = physical["artifactLocation"]["uri"]
        assert not uri.startswith("/") and "://" not in uri
        assert physical["region"]["startLine"] >= 1 and physical["region"]["startColumn"] >= 1
    pp101 = run["results"][0]["locations"][0]["physicalLocation"]
    assert pp101["artifactLocation"]["uri"] == "tests/fixtures/infra-missing-role/modules/aks.bicep"
    assert pp101["region"] == {"startLine": 17, "startColumn": 1}
    assert "aks-acr-role.bicep" in run["results"][0]["message"]["text"]


def test_exit_codes(tmp_path: Path) -> None:
    assert cli(FIXTURES / "infra").exit_code == 0
    assert cli(FIXTURES / "infra-missing-role").exit_code == 1
    assert cli(tmp_path / "missing.bicep").exit_code == 2
    assert cli(FIXTURES / "infra", "--output", "xml").exit_code == 2
    assert cli(FIXTURES / "infra", "--param", "novalue").exit_code == 2
    assert cli().exit_code == 2
    warning_only = write(tmp_path / "w", {"main.bicep": bicep({"adminUserEnabled": True},
                                                              assignment={"principal": KUBELET})})
    assert cli(warning_only).exit_code == 0


def test_bicep_syntax_error_exits_2_with_file_and_line(tmp_path: Path) -> None:
    source = bicep().replace("  location: location\n", "  location location\n", 1)
    path = write(tmp_path, {"main.bicep": source}) / "main.bicep"
    result = cli(tmp_path)
    assert result.exit_code == 2
    line = source.splitlines().index("  location location") + 1
    assert f"{path}({line}," in result.stderr


def test_deeply_nested_inputs_exit_2_or_are_findings(tmp_path: Path) -> None:
    path = write(tmp_path / "b", {"main.bicep": "var x = " + "(" * 5000 + "1" + ")" * 5000 + "\n"}) / "main.bicep"
    result = cli(path)
    assert result.exit_code == 2
    assert f"{path}(1,134) : Error pullproof-bicep: the expression is nested too deeply" in result.stderr
    deep_json = write(tmp_path / "j", {"t.json": '{"$schema": "' + RG_SCHEMA + '", "resources": [], "variables": '
                                       '{"x": ' + "[" * 5000 + "]" * 5000 + "}}"}) / "t.json"
    result = cli(deep_json)
    assert result.exit_code == 2 and "The reader's MaxDepth of 256 has been exceeded." in result.stderr
    bomb = write(tmp_path / "e", {"t.json": json.dumps({"$schema": RG_SCHEMA, "resources": [], "variables": {
        "x": "[" + "concat(" * 5000 + "'a'" + ")" * 5000 + "]"}})}) / "t.json"
    result = cli(bomb, "-o", "json")
    assert result.exit_code == 1
    finding = json.loads(result.stdout)["findings"][0]
    assert finding["id"] == "PP100"
    assert "The language expression nesting limit exceeded. Limit: '128' (ours)" in finding["message"]


def test_yaml_and_json_errors_exit_2(tmp_path: Path) -> None:
    bad_yaml = write(tmp_path, {"app.yaml": "apiVersion: v1\nkind: [Pod\n"}) / "app.yaml"
    result = cli(bad_yaml)
    assert result.exit_code == 2 and "app.yaml" in result.stderr and "YAML" in result.stderr
    bad_json = write(tmp_path, {"t.json": "{ nope"}) / "t.json"
    assert cli(bad_json).exit_code == 2
    # found while walking a directory, an unparseable YAML file is not a manifest and is skipped
    assert cli(tmp_path / "app.yaml", "--output", "json").exit_code == 2
    write(tmp_path / "walk", {"chart/templates/x.yaml": "{{ .Values.x }}: [\n", "main.bicep": bicep(
        assignment={"principal": KUBELET})})
    assert cli(tmp_path / "walk").exit_code == 0


def test_parameters_and_location_reach_the_deployment(tmp_path: Path) -> None:
    source = "param acrName string\n" + bicep(assignment={"principal": KUBELET}).replace("'acrlintone'", "acrName")
    write(tmp_path, {"main.bicep": source})
    assert cli(tmp_path).exit_code == 1
    result = cli(tmp_path, "--param", "acrName=acrfromparam", "-o", "json")
    assert result.exit_code == 0, result.stdout
