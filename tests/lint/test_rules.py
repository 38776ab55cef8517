"""One minimal input per rule that triggers it, and one that does not."""

from __future__ import annotations

from pathlib import Path

from tests.lint.support import ACR_PULL, ACR_PUSH, KUBELET, bicep, deployment, ids, run_lint, write

SEED_MANIFEST = """apiVersion: apps/v1beta1
kind: Deployment
metadata:
  name: acr-auth-example
spec:
  template:
    metadata:
      labels:
        app: acr-auth-example
    spec:
      containers:
      - name: acr-auth-example
        image: myregistry.azurecr.io/acr-auth-example
      imagePullSecrets:
      - name: acr-auth
"""
GRANTED = {"principal": KUBELET}


def test_pp100_deployment_failure_carries_the_arm_error(tmp_path: Path) -> None:
    source = "param acrName string\n" + bicep(assignment=GRANTED).replace("'acrlintone'", "acrName")
    write(tmp_path, {"main.bicep": source})
    report = run_lint(tmp_path)
    assert ids(report)[0] == "PP100"
    assert "acrName" in report.findings[0].message and "main.bicep" in report.findings[0].message
    assert "PP100" not in ids(run_lint(tmp_path, acrName="acrlintone"))


def test_pp101_kubelet_without_acrpull(tmp_path: Path) -> None:
    write(tmp_path / "bad", {"main.bicep": bicep()})
    write(tmp_path / "good", {"main.bicep": bicep(assignment=GRANTED)})
    bad = run_lint(tmp_path / "bad")
    assert ids(bad) == ["PP101"]
    assert bad.findings[0].location.line == bicep().splitlines().index(
        "resource aks 'Microsoft.ContainerService/managedClusters@2024-02-01' = {") + 1
    snippet = bad.findings[0].fix.snippet if bad.findings[0].fix else ""
    assert f"kubeletIdentityPrincipalId: {KUBELET}" in (snippet or "")
    assert "acrName: acr.name" in (snippet or "")
    assert ids(run_lint(tmp_path / "good")) == []


def test_pp102_acrpull_on_another_registry(tmp_path: Path) -> None:
    template = bicep(assignment=GRANTED, second_registry=True)
    write(tmp_path / "other", {"main.bicep": template, "k8s/app.yaml": deployment("acrlinttwo.azurecr.io/app:v1")})
    write(tmp_path / "same", {"main.bicep": template, "k8s/app.yaml": deployment("acrlintone.azurecr.io/app:v1")})
    other = run_lint(tmp_path / "other")
    assert ids(other) == ["PP102"]
    assert "acrlintone" in other.findings[0].message and "acrlinttwo" in other.findings[0].message
    assert ids(run_lint(tmp_path / "same")) == []


def test_pp103_acrpull_on_the_control_plane_identity(tmp_path: Path) -> None:
    write(tmp_path, {"main.bicep": bicep(assignment={"principal": "aks.identity.principalId"})})
    report = run_lint(tmp_path)
    assert ids(report) == ["PP103"]
    assert report.findings[0].location.line == bicep(assignment={"principal": "aks.identity.principalId"}) \
        .splitlines().index("resource pull 'Microsoft.Authorization/roleAssignments@2022-04-01' = {") + 1


def test_pp104_principal_type_missing_for_a_fresh_identity(tmp_path: Path) -> None:
    write(tmp_path / "bad", {"main.bicep": bicep(assignment={"principal": KUBELET, "typed": False})})
    report = run_lint(tmp_path / "bad")
    assert ids(report) == ["PP104"]
    assert report.exit_code == 0  # a warning
    text = (tmp_path / "bad" / "main.bicep").read_text().splitlines()
    assert text[report.findings[0].location.line - 1].strip().startswith("principalId:")
    write(tmp_path / "literal", {"main.bicep": bicep(assignment={"principal": "'11111111-1111-1111-1111-111111111111'",
                                                                 "typed": False})})
    assert "PP104" not in ids(run_lint(tmp_path / "literal"))


def test_pp105_acrpush_where_acrpull_suffices(tmp_path: Path) -> None:
    write(tmp_path / "push", {"main.bicep": bicep(assignment={"principal": KUBELET, "role": ACR_PUSH})})
    report = run_lint(tmp_path / "push")
    assert ids(report) == ["PP105"]
    assert "AcrPush" in report.findings[0].message
    write(tmp_path / "owner", {"main.bicep": bicep(assignment={
        "principal": KUBELET, "role": "8e3af657-a8ff-443c-a75c-2fe8c4bcb635", "scope": "resourceGroup()"})
        .replace("  scope: resourceGroup()\n", "").replace("guid(resourceGroup().id", "guid(resourceGroup().id")})
    assert ids(run_lint(tmp_path / "owner")) == ["PP105"]
    write(tmp_path / "pull", {"main.bicep": bicep(assignment={"principal": KUBELET, "role": ACR_PULL})})
    assert ids(run_lint(tmp_path / "pull")) == []


def test_pp106_admin_user_and_pp107_anonymous_pull(tmp_path: Path) -> None:
    write(tmp_path / "on", {"main.bicep": bicep({"adminUserEnabled": True, "anonymousPullEnabled": True}, GRANTED)})
    report = run_lint(tmp_path / "on")
    assert ids(report) == ["PP106", "PP107"]
    lines = (tmp_path / "on" / "main.bicep").read_text().splitlines()
    assert lines[report.findings[0].location.line - 1].strip() == "adminUserEnabled: true"
    assert lines[report.findings[1].location.line - 1].strip() == "anonymousPullEnabled: true"
    write(tmp_path / "off", {"main.bicep": bicep({"adminUserEnabled": False, "anonymousPullEnabled": False}, GRANTED)})
    assert ids(run_lint(tmp_path / "off")) == []


def test_pp108_service_principal_cluster(tmp_path: Path) -> None:
    write(tmp_path, {"main.bicep": bicep(service_principal=True)})
    report = run_lint(tmp_path)
    assert "PP108" in ids(report)
    found = next(f for f in report.findings if f.rule_id == "PP108")
    lines = (tmp_path / "main.bicep").read_text().splitlines()
    assert lines[found.location.line - 1].strip().startswith("servicePrincipalProfile:")
    assert "PP108" not in ids(run_lint(write(tmp_path / "msi", {"main.bicep": bicep(assignment=GRANTED)})))


def test_pp109_role_definition_not_built_in(tmp_path: Path) -> None:
    bogus = "00000000-0000-0000-0000-00000000abcd"
    write(tmp_path, {"main.bicep": bicep(assignment={"principal": KUBELET, "role": bogus})})
    report = run_lint(tmp_path)
    assert {"PP109", "PP100"} <= set(ids(report))
    found = next(f for f in report.findings if f.rule_id == "PP109")
    assert bogus in found.message
    assert "RoleDefinitionDoesNotExist" in next(f for f in report.findings if f.rule_id == "PP100").message


def test_pp109_resolves_parameters(tmp_path: Path) -> None:
    template = "param roleId string = '00000000-0000-0000-0000-00000000abcd'\n" + bicep(
        assignment={"principal": KUBELET, "role": "ROLE"}).replace("'ROLE')\n", "roleId)\n").replace(
        "'ROLE'", "roleId")
    write(tmp_path, {"main.bicep": template})
    assert "PP109" in ids(run_lint(tmp_path))
    assert "PP109" not in ids(run_lint(tmp_path, roleId=ACR_PULL))


def test_pp110_the_seed_manifest_uses_a_removed_api(tmp_path: Path) -> None:
    write(tmp_path, {"deployment.yaml": SEED_MANIFEST, "ok.yaml": deployment("nginx:1.27")})
    report = run_lint(tmp_path)
    removed = [f for f in report.findings if f.rule_id == "PP110"]
    assert len(removed) == 1 and removed[0].location.path.name == "deployment.yaml"
    assert (removed[0].location.line, removed[0].location.column) == (1, 1)
    assert removed[0].fix is not None and "apiVersion: apps/v1" in (removed[0].fix.yaml or "")
    assert "selector:" in (removed[0].fix.yaml or "")
    assert report.exit_code == 1


def test_pp111_a_workflow_that_attaches_the_registry(tmp_path: Path) -> None:
    workflow = """on: push
env:
  ACR: acrlintone
jobs:
  deploy:
    runs-on: ubuntu-latest
    steps:
      - run: |
          az aks update -n aks-lint -g rg \\
            --attach-acr ${{ env.ACR }}
          kubectl apply -f k8s/app.yaml
"""
    write(tmp_path, {"infra/main.bicep": bicep(), ".github/workflows/deploy.yml": workflow,
                     "k8s/app.yaml": deployment("acrlintone.azurecr.io/app:v1")})
    report = run_lint(tmp_path, preflight=True)
    assert ids(report) == ["PP111"]
    assert report.findings[0].severity == "note" and report.findings[0].location.line == 9
    assert report.exit_code == 0
    assert report.preflight is not None and [p.phase for p in report.preflight.pods] == ["Running"]


def test_pp112_a_registry_the_templates_do_not_create(tmp_path: Path) -> None:
    write(tmp_path, {"main.bicep": bicep(assignment=GRANTED),
                     "app.yaml": deployment("acrlintone.azurecr.io/app:v1") + "---\n" +
                     deployment("elsewhere.azurecr.io/app:v1", "other")})
    report = run_lint(tmp_path)
    assert ids(report) == ["PP112"]
    assert report.findings[0].location.line == 19


def test_pp121_preflight_without_a_cluster_or_with_a_refused_object(tmp_path: Path) -> None:
    registry_only = bicep().split("resource aks")[0]
    write(tmp_path / "nocluster", {"main.bicep": registry_only})
    assert ids(run_lint(tmp_path / "nocluster", preflight=True)) == ["PP121"]
    broken = deployment("acrlintone.azurecr.io/app:v1").replace("  selector:\n    matchLabels:\n      app: app\n", "")
    write(tmp_path / "refused", {"main.bicep": bicep(assignment=GRANTED), "app.yaml": broken})
    report = run_lint(tmp_path / "refused", preflight=True)
    assert ids(report) == ["PP121"]
    assert "spec.selector: Required value" in report.findings[0].message
    assert report.preflight is not None and report.preflight.pods == [] and report.exit_code == 1


def test_arm_json_template(tmp_path: Path) -> None:
    from pullproof.bicep import Compiler

    template = Compiler().compile_text(bicep(), tmp_path / "main.bicep")
    import json

    (tmp_path / "azuredeploy.json").write_text(json.dumps(template, indent=2))
    report = run_lint(tmp_path / "azuredeploy.json")
    assert ids(report) == ["PP101"]
    text = (tmp_path / "azuredeploy.json").read_text().splitlines()
    line = report.findings[0].location.line
    assert '"Microsoft.ContainerService/managedClusters"' in "".join(text[line - 1:line + 2])
    fix = report.findings[0].fix
    assert fix is not None and fix.snippet is not None
    assert json.loads(fix.snippet)["properties"]["principalType"] == "ServicePrincipal"


def test_preflight_runs_only_what_the_templates_registries_hold(tmp_path: Path) -> None:
    digest = "acrlintone.azurecr.io/pinned@sha256:" + "a" * 64
    write(tmp_path, {"main.bicep": bicep(assignment=GRANTED),
                     "app.yaml": "---\n".join([deployment("nginx:1.27", "public"), deployment(digest, "pinned"),
                                               deployment("acrlintone.azurecr.io/plain", "plain")])})
    report = run_lint(tmp_path, preflight=True)
    assert report.exit_code == 0 and report.preflight is not None
    assert sorted(p.name.split("-")[0] for p in report.preflight.pods) == ["pinned", "plain"]
    assert all(p.running for p in report.preflight.pods)
    assert any("Deployment/public (pulls nginx:1.27" in s for s in report.preflight.skipped)
    assert report.preflight.pushed == [digest, "acrlintone.azurecr.io/plain"]
