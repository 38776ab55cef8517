"""The seed's infrastructure, deployed by the real az: from main.bicep (az runs pullproof's bicep from
PATH) and from the ARM JSON ``pullproof build`` emits. The AcrPull assignment is named as Azure's
guid() names it."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from pullproof.iac.names import arm_guid
from tests.azcli import Az
from tests.conftest import ROOT, Served, start_served, stop_served

pytestmark = pytest.mark.realclient
INFRA = ROOT / "tests" / "fixtures" / "infra"


@pytest.fixture(scope="module")
def own(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    served = start_served(tmp_path_factory.mktemp("bicep") / "data")
    yield served
    stop_served(served)


def bicep_on_path(tmp_path: Path) -> dict[str, str]:
    shim_dir = tmp_path / "bin"
    shim_dir.mkdir(exist_ok=True)
    shim = shim_dir / "bicep"
    shim.write_text(f'#!/bin/sh\nexec "{sys.executable}" -m pullproof.bicep.cli "$@"\n', encoding="utf-8")
    shim.chmod(0o755)
    return {"PATH": f"{shim_dir}{os.pathsep}{os.environ.get('PATH', '')}", "AZURE_BICEP_USE_BINARY_FROM_PATH": "true"}


def check_role_assignment(az: Az, deployment: str) -> None:
    outputs = az.json("deployment", "sub", "show", "-n", deployment, "--query", "properties.outputs")
    kubelet = outputs["kubeletIdentity"]["value"]
    acr_id = az.tsv("acr", "show", "-n", "acrwizdev", "--query", "id")
    assert outputs["roleAssignmentId"]["value"].endswith(arm_guid(acr_id, kubelet, "AcrPull"))
    roles = az.json("role", "assignment", "list", "--scope", acr_id, "--query",
                    "[?roleDefinitionName=='AcrPull'].principalId")
    assert roles == [kubelet]
    assert az.tsv("aks", "show", "-g", "rg-wiz-exercise-a", "-n", "aks-wiz-dev", "--query",
                  "identityProfile.kubeletidentity.objectId") == kubelet


def test_az_deploys_main_bicep_offline(own: Served, tmp_path: Path) -> None:
    az = Az(own, tmp_path / "az", extra_env=bicep_on_path(tmp_path))
    az.login_operator()
    result = az.json("deployment", "sub", "create", "--location", "japaneast", "--name", "infra-bicep",
                     "--template-file", str(INFRA / "main.bicep"))
    assert result["properties"]["provisioningState"] == "Succeeded"
    check_role_assignment(az, "infra-bicep")


def test_az_deploys_the_arm_json_pullproof_builds(own: Served, tmp_path: Path) -> None:
    built = tmp_path / "main.json"
    subprocess.run([sys.executable, "-m", "pullproof", "build", str(INFRA / "main.bicep"), "--outfile", str(built)],
                   check=True, timeout=60)
    az = Az(own, tmp_path / "az")
    az.login_operator()
    result = az.json("deployment", "sub", "create", "--location", "japaneast", "--name", "infra-json",
                     "--template-file", str(built))
    assert result["properties"]["provisioningState"] == "Succeeded"
    check_role_assignment(az, "infra-json")
