"""``az aks check-acr`` with the real az and the real kubectl (``kubectl run --rm --quiet -it`` of
the canipull probe, whose checks the emulated node runs when the pod starts; its log is what az
prints), and ``pullproof check-acr`` (PASS/FAIL rows, exit 0 or the finding's code), against a
cluster attached to the registry and one that is not.

Nothing here waits on emulated time, so the module uses the session's emulator (time scale 1)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tests.azcli import Az
from tests.conftest import Served
from tests.scenarios.images import Registry, cluster_kubectl, create_registry, operator_az, pullproof, push_image

pytestmark = pytest.mark.realclient

GROUP = "rg-check-acr"
STAMP = re.compile(r"^\[\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ\] ")


@pytest.fixture(scope="module")
def az(served: Served, tmp_path_factory: pytest.TempPathFactory) -> Az:
    client = operator_az(served, tmp_path_factory.mktemp("check-acr") / "az")
    client.run("group", "create", "--name", GROUP, "--location", "eastus")
    return client


@pytest.fixture(scope="module")
def acr(az: Az) -> Registry:
    return create_registry(az, GROUP, "ppcheckacr")


@pytest.fixture(scope="module")
def attached(az: Az, acr: Registry) -> str:
    az.run("aks", "create", "-g", GROUP, "-n", "aks-attached", "--node-count", "1", "--attach-acr", acr.name)
    return "aks-attached"


@pytest.fixture(scope="module")
def unattached(az: Az) -> str:
    az.run("aks", "create", "-g", GROUP, "-n", "aks-alone", "--node-count", "1", "--location", "westus2")
    return "aks-alone"


def probe_lines(stdout: str) -> list[str]:
    """canipull's lines without their ``[RFC 3339] `` prefix (each message has one; the success message
    starts with a newline, so its second line has none)."""
    lines = stdout.rstrip("\n").splitlines()
    assert all(STAMP.match(line) for line in lines if not line.startswith("Your cluster can pull")), stdout
    return [STAMP.sub("", line) for line in lines]


def kubelet_client_id(az: Az, cluster: str) -> str:
    return az.tsv("aks", "show", "-g", GROUP, "-n", cluster, "--query", "identityProfile.kubeletidentity.clientId")


def test_az_check_acr_on_an_attached_cluster(az: Az, acr: Registry, attached: str, tmp_path: Path) -> None:
    result = az.run("aks", "check-acr", "-g", GROUP, "-n", attached, "--acr", acr.login)
    assert probe_lines(result.stdout) == [
        f"Checking host name resolution ({acr.login}): SUCCEEDED",
        f"Canonical name for ACR ({acr.login}): {acr.name}.eastus.cloudapp.azure.com.",
        "ACR location: eastus",
        "Checking ACR location matches cluster location: SUCCEEDED",
        "Checking managed identity...",
        f"Kubelet managed identity client ID: {kubelet_client_id(az, attached)}",
        "Validating managed identity existance: SUCCEEDED",
        "Validating image pull permission: SUCCEEDED",
        "",
        f"Your cluster can pull images from {acr.login}!",
    ]
    # --rm: the probe pod is gone again
    kubectl = cluster_kubectl(az, GROUP, attached, tmp_path / "kube")
    assert not [p for p in kubectl.pods() if p.startswith("canipull-")]


def test_az_check_acr_on_a_cluster_without_acrpull(az: Az, acr: Registry, unattached: str) -> None:
    result = az.run("aks", "check-acr", "-g", GROUP, "-n", unattached, "--acr", acr.login)
    # kubectl 1.32 runs the probe with its default --restart=Always, so it does not wait for the exit code:
    # az exits 0 and prints the probe's log, as on Azure
    lines = probe_lines(result.stdout)
    assert lines[:8] == [
        f"Checking host name resolution ({acr.login}): SUCCEEDED",
        f"Canonical name for ACR ({acr.login}): {acr.name}.eastus.cloudapp.azure.com.",
        "ACR location: eastus",
        "Checking ACR location matches cluster location: FAILED",
        "ACR location 'eastus' does not match your cluster location 'westus2'. This may result in slow image "
        "pulls and extra cost.",
        "Checking managed identity...",
        f"Kubelet managed identity client ID: {kubelet_client_id(az, unattached)}",
        "Validating managed identity existance: SUCCEEDED",
    ]
    assert lines[8] == "Validating image pull permission: FAILED"
    assert lines[9].startswith(f"ACR {acr.login} rejected token exchange: ACR token exchange endpoint returned "
                               'error status: 401. body: {"errors":[{"code":"UNAUTHORIZED"')
    assert "can pull images" not in result.stdout


def test_az_check_acr_for_a_registry_that_does_not_exist(az: Az, attached: str) -> None:
    result = az.run("aks", "check-acr", "-g", GROUP, "-n", attached, "--acr", "nosuchregistry.azurecr.io")
    assert probe_lines(result.stdout) == [
        "Checking host name resolution (nosuchregistry.azurecr.io): FAILED",
        "Failed to resolve specified fqdn nosuchregistry.azurecr.io: lookup nosuchregistry.azurecr.io: no such host",
    ]


def test_pullproof_check_acr_passes_on_the_attached_cluster(served: Served, az: Az, acr: Registry, attached: str,
                                                            tmp_path: Path) -> None:
    push_image(az, acr, tmp_path, tag="v1")
    result = pullproof(served, "check-acr", "--cluster", f"{GROUP}/{attached}", "--acr", acr.name,
                       "--image", "guestbook:v1")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "FAIL" not in result.stdout
    for label in ("Kubelet identity token from IMDS", "Token exchange (POST /oauth2/exchange)",
                  "Repository token (/oauth2/token)", "Manifest and layers fetched"):
        assert re.search(re.escape(label) + r"\s+│\s+PASS", result.stdout), result.stdout
    assert f"The cluster can pull guestbook:v1 from {acr.name}." in result.stdout
    # without --image it stops after the exchange (a probe repository that does not exist is fine)
    probe = pullproof(served, "check-acr", "--cluster", f"{GROUP}/{attached}", "--acr", acr.name)
    assert probe.returncode == 0, probe.stdout
    assert re.search(r"Token exchange \(POST /oauth2/exchange\)\s+│\s+PASS", probe.stdout), probe.stdout


def test_pullproof_check_acr_fails_on_the_cluster_without_acrpull(served: Served, acr: Registry,
                                                                 unattached: str) -> None:
    result = pullproof(served, "check-acr", "--cluster", f"{GROUP}/{unattached}", "--acr", acr.name,
                       "--image", "guestbook:v1")
    assert result.returncode == 10, result.stdout + result.stderr
    assert re.search(r"Token exchange \(POST /oauth2/exchange\)\s+│\s+FAIL", result.stdout), result.stdout
    assert "KUBELET_IDENTITY_NO_ACRPULL" in result.stdout
    as_json = pullproof(served, "check-acr", "--cluster", f"{GROUP}/{unattached}", "--acr", acr.name, "-o", "json")
    assert as_json.returncode == 10 and '"code": "KUBELET_IDENTITY_NO_ACRPULL"' in as_json.stdout
