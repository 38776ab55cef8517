"""Every explain case: the emulator is driven into the state, the pod is explained from the recorded
facts, and the text is compared with its golden file."""

from __future__ import annotations

from pathlib import Path

import pytest
from rich.console import Console

from pullproof.explain.manifest import explain_manifest
from pullproof.explain.render import render, to_json
from tests.conftest import Local
from tests.explain.scenarios import CASES, drive
from tests.explain.support import explain_first_pod
from tests.golden import check

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


def text_of(finding: object) -> str:
    console = Console(width=160, record=True, color_system=None, force_terminal=False)
    render(finding, console)  # type: ignore[arg-type]
    return console.export_text()


@pytest.mark.parametrize("case", sorted(CASES))
def test_explanation(case: str, local: Local, request: pytest.FixtureRequest) -> None:
    cluster = drive(local, case)
    finding = explain_first_pod(local, cluster, "guestbook-app")
    assert finding.code.code == CASES[case][1], text_of(finding)
    assert finding.exit_code == finding.code.exit_code != 0
    check(request, f"explain/{case}.txt", text_of(finding))
    assert to_json(finding).startswith("{")


def test_removed_api_version_in_the_seed_manifest(tmp_path: Path, request: pytest.FixtureRequest) -> None:
    path = tmp_path / "deployment.yaml"
    path.write_text(SEED_MANIFEST)
    findings = explain_manifest(path)
    assert [f.code.code for f in findings] == ["REMOVED_API_VERSION"]
    assert findings[0].fix is not None and "apiVersion: apps/v1" in findings[0].fix.az
    assert "selector:" in findings[0].fix.az
    check(request, "explain/removed-api-version.txt", text_of(findings[0]))
