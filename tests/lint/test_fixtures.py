"""The issue's proof on the fixture trees: tests/fixtures/infra lints clean and every pod runs;
tests/fixtures/infra-missing-role gets PP101 with the module to add (the seed's aks-acr-role.bicep
and the ``module aksAcrRole`` block for main.bicep) and, under preflight, the seed's 401."""

from __future__ import annotations

import shutil
from pathlib import Path

from tests.lint.support import FIXTURES, GUESTBOOK, IMAGE, SEED_401, cli, ids, run_lint

SNIPPET = """module aksAcrRole 'modules/aks-acr-role.bicep' = {
  scope: rg
  name: 'aks-acr-role-${deploymentTimestamp}'
  params: {
    kubeletIdentityPrincipalId: aks.outputs.kubeletIdentity
    acrName: acr.outputs.acrName
  }
}
"""


def test_infra_lints_clean() -> None:
    report = run_lint(FIXTURES / "infra")
    assert ids(report) == ["PP106"]  # the seed's workflow pushes with the admin user: a warning
    assert report.exit_code == 0
    assert [p.name for p in report.findings[0].location.path.parents][:1] == ["modules"]
    assert (report.findings[0].location.path.name, report.findings[0].location.line) == ("acr.bicep", 26)


def test_infra_preflight_runs_every_pod() -> None:
    result = cli(FIXTURES / "infra", GUESTBOOK, "--preflight")
    assert result.exit_code == 0, result.output
    assert "preflight: 2/2 pods Running; exit 0" in result.output
    assert f"pushed placeholder {IMAGE}" in result.output
    alone = run_lint(FIXTURES / "infra", preflight=True)
    assert alone.preflight is not None and alone.preflight.ok
    assert [p.phase for p in alone.preflight.pods] == ["Running"]
    assert alone.preflight.pushed == ["acrwizdev.azurecr.io/pullproof-preflight:v1"]


def test_missing_role_reports_the_module_to_add() -> None:
    report = run_lint(FIXTURES / "infra-missing-role")
    assert ids(report) == ["PP101", "PP106"]
    assert report.exit_code == 1
    finding = report.findings[0]
    assert (finding.location.path.name, finding.location.line, finding.location.column) == ("aks.bicep", 17, 1)
    assert "aks-wiz-dev" in finding.message and "acrwizdev" in finding.message
    fix = finding.fix
    assert fix is not None and fix.bicep is not None and fix.snippet is not None
    assert fix.bicep_path is not None and fix.bicep_path.endswith("infra-missing-role/modules/aks-acr-role.bicep")
    assert fix.snippet_path is not None and fix.snippet_path.endswith("infra-missing-role/main.bicep")
    assert SNIPPET in fix.snippet
    for line in ("param kubeletIdentityPrincipalId string",
                 "resource acr 'Microsoft.ContainerRegistry/registries@2023-07-01' existing = {",
                 "resource aksAcrPull 'Microsoft.Authorization/roleAssignments@2022-04-01' = {",
                 "  name: guid(acr.id, kubeletIdentityPrincipalId, 'AcrPull')",
                 "    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', "
                 "'7f951dda-4ed3-4680-a7ca-43fe172d538d') // AcrPull",
                 "    principalType: 'ServicePrincipal'", "output roleAssignmentId string = aksAcrPull.id"):
        assert line in fix.bicep.splitlines(), line
    assert fix.az is not None and "az aks update -n aks-wiz-dev -g rg-wiz-exercise-a --attach-acr acrwizdev" in fix.az


def test_missing_role_text_output_shows_module_and_snippet() -> None:
    result = cli(FIXTURES / "infra-missing-role")
    assert result.exit_code == 1, result.output
    assert "PP101 error tests/fixtures/infra-missing-role/modules/aks.bicep:17:1" in result.output
    assert "Add the module tests/fixtures/infra-missing-role/modules/aks-acr-role.bicep:" in result.output
    assert "And use it in tests/fixtures/infra-missing-role/main.bicep:" in result.output
    assert "    module aksAcrRole 'modules/aks-acr-role.bicep' = {" in result.output


def test_missing_role_preflight_shows_the_seed_401() -> None:
    result = cli(FIXTURES / "infra-missing-role", GUESTBOOK, "--preflight")
    assert result.exit_code == 1, result.output
    assert SEED_401 in result.output
    assert "preflight: 0/2 pods Running; exit 1" in result.output
    assert "KUBELET_IDENTITY_NO_ACRPULL" in result.output
    report = run_lint(FIXTURES / "infra-missing-role", GUESTBOOK, preflight=True)
    assert report.preflight is not None
    assert [p.reason for p in report.preflight.pods] == ["ImagePullBackOff", "ImagePullBackOff"]
    assert all(p.message.endswith(SEED_401) for p in report.preflight.pods)
    stuck = [f for f in report.findings if f.rule_id == "PP120"]
    assert len(stuck) == 2 and stuck[0].location.path.name == "deployment.yaml"
    assert stuck[0].explanation is not None and stuck[0].explanation.code.code == "KUBELET_IDENTITY_NO_ACRPULL"


def test_applying_the_suggested_fix_makes_the_pods_run(tmp_path: Path) -> None:
    tree = shutil.copytree(FIXTURES / "infra-missing-role", tmp_path / "infra")
    fix = run_lint(tree).findings[0].fix
    assert fix is not None and fix.bicep and fix.snippet
    (tree / "modules" / "aks-acr-role.bicep").write_text(fix.bicep, "utf-8")
    main = tree / "main.bicep"
    main.write_text(main.read_text("utf-8") + "\n" + fix.snippet, "utf-8")
    report = run_lint(tree, GUESTBOOK, preflight=True)
    assert ids(report) == ["PP106"]
    assert report.preflight is not None and [p.phase for p in report.preflight.pods] == ["Running", "Running"]
    assert report.exit_code == 0
