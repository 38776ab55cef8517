"""Seed 000, both ways a cluster gets to pull from ACR, with the article's own shell scripts run by
bash against the real az, and the real kubectl:

* path A: a service-principal cluster; without a role its pulls fail (``failed to fetch oauth
  token … 401``); the article's script grants AcrPull to ``servicePrincipalProfile.clientId``;
* path B: a new service principal with AcrPull, its credentials in a ``docker-registry`` secret
  named by ``imagePullSecrets`` — pulls work on a cluster whose kubelet identity has no role; the
  same Deployment without the secret does not; the article's ``apps/v1beta1`` manifest is refused.

The module runs its own ``pullproof up --time-scale 30``."""

from __future__ import annotations

import json
import os
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.azcli import Az, az_path
from tests.conftest import Served
from tests.scenarios.images import (
    Kubectl,
    Registry,
    cluster_kubectl,
    deployment,
    explain_pod,
    fast_served,
    last_pull,
    operator_az,
    pods_in,
    pullproof,
    registry_with_image,
)

pytestmark = pytest.mark.realclient

GROUP = "rg-pull-paths"
PATH_A = """
# Get the id of the service principal configured for AKS
CLIENT_ID=$(az aks show --resource-group $AKS_RESOURCE_GROUP --name $AKS_CLUSTER_NAME --query "servicePrincipalProfile.clientId" --output tsv)

# Get the ACR registry resource id
ACR_ID=$(az acr show --name $ACR_NAME --resource-group $ACR_RESOURCE_GROUP --query "id" --output tsv)

# Create role assignment
az role assignment create --assignee $CLIENT_ID --role acrpull --scope $ACR_ID
"""  # noqa: E501
PATH_B = """
# Populate the ACR login server and resource id.
ACR_LOGIN_SERVER=$(az acr show --name $ACR_NAME --query loginServer --output tsv)
ACR_REGISTRY_ID=$(az acr show --name $ACR_NAME --query id --output tsv)

# Create acrpull role assignment with a scope of the ACR resource.
SP_PASSWD=$(az ad sp create-for-rbac --name http://$SERVICE_PRINCIPAL_NAME --role acrpull --scopes $ACR_REGISTRY_ID --query password --output tsv)

# Get the service principal client id.
CLIENT_ID=$(az ad sp show --id http://$SERVICE_PRINCIPAL_NAME --query appId --output tsv)

# Output used when creating Kubernetes secret.
echo "Service principal ID: $CLIENT_ID"
echo "Service principal password: $SP_PASSWD"
"""  # noqa: E501
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
        image: {image}
      imagePullSecrets:
      - name: acr-auth
"""


@dataclass(frozen=True)
class World:
    served: Served
    az: Az
    acr: Registry
    image: str
    home: Path


@pytest.fixture(scope="module")
def served_fast(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    yield from fast_served(tmp_path_factory, "pull-paths")


@pytest.fixture(scope="module")
def world(served_fast: Served, tmp_path_factory: pytest.TempPathFactory) -> World:
    home = tmp_path_factory.mktemp("pull-paths-clients")
    az = operator_az(served_fast, home / "az")
    acr, image = registry_with_image(az, GROUP, "westus2", "myregistry", home / "oci")
    return World(served_fast, az, acr, image, home)


def bash(az: Az, script: str, **variables: str) -> subprocess.CompletedProcess[str]:
    """The article's script, as written, by bash with the real az first on PATH."""
    (az.config_dir / "msal_token_cache.json").unlink(missing_ok=True)
    env = {**az.environ(), **variables, "PATH": f"{Path(az_path()).parent}{os.pathsep}{os.environ['PATH']}"}
    result = subprocess.run(["bash", "-euo", "pipefail", "-c", script], env=env, capture_output=True, text=True,
                            timeout=120)
    assert result.returncode == 0, result.stderr
    return result


# path A -------------------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def sp_cluster(world: World) -> tuple[Kubectl, str]:
    principal = world.az.json("ad", "sp", "create-for-rbac", "--name", "aks-path-a")
    created = world.az.json("aks", "create", "--resource-group", GROUP, "--name", "aks-sp", "--service-principal",
                            principal["appId"], f"--client-secret={principal['password']}", "--node-count", "1")
    assert created["servicePrincipalProfile"]["clientId"] == principal["appId"]
    assert created.get("identity") is None and created.get("identityProfile") is None
    return cluster_kubectl(world.az, GROUP, "aks-sp", world.home / "kube-a"), str(principal["appId"])


def test_path_a_without_a_role_pulls_fail_with_the_oauth_401(world: World, sp_cluster: tuple[Kubectl, str]) -> None:
    kubectl, app_id = sp_cluster
    assert kubectl.apply(deployment("guestbook-app", world.image, app="guestbook")).returncode == 0
    pods = pods_in(kubectl, "app=guestbook", "ImagePullBackOff", 2)
    described = kubectl.ok("describe", "pod", sorted(pods)[0])
    login = world.acr.login
    assert (f'Failed to pull image "{world.image}": failed to pull and unpack image "{world.image}": failed to '
            f'resolve reference "{world.image}": failed to authorize: failed to fetch oauth token: unexpected status '
            f"from GET request to https://{login}/oauth2/token?scope=repository%3Aguestbook%3Apull&service={login}: "
            "401 Unauthorized") in described
    code, finding = explain_pod(world.served, f"{GROUP}/aks-sp", sorted(pods)[0])
    assert (code, finding["code"]) == (10, "SERVICE_PRINCIPAL_NO_ACRPULL")
    assert app_id in finding["summary"]


def test_path_a_the_articles_script_grants_acrpull(world: World, sp_cluster: tuple[Kubectl, str]) -> None:
    kubectl, app_id = sp_cluster
    result = bash(world.az, PATH_A, AKS_RESOURCE_GROUP=GROUP, AKS_CLUSTER_NAME="aks-sp", ACR_NAME=world.acr.name,
                  ACR_RESOURCE_GROUP=GROUP)
    assigned = json.loads(result.stdout)
    assert assigned["scope"] == world.acr.id and assigned["principalType"] == "ServicePrincipal"
    assert assigned["roleDefinitionId"].endswith("/7f951dda-4ed3-4680-a7ca-43fe172d538d")
    sp_object = world.az.tsv("ad", "sp", "show", "--id", app_id, "--query", "id")
    assert assigned["principalId"] == sp_object
    kubectl.ok("delete", "pods", "-l", "app=guestbook", timeout=90)
    pods_in(kubectl, "app=guestbook", "Running", 2)
    code, finding = last_pull(world.served, f"{GROUP}/aks-sp", world.image)
    assert (code, finding["code"]) == (0, "PULL_OK")


# path B -------------------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def secret_cluster(world: World) -> Kubectl:
    """A managed-identity cluster whose kubelet identity has no role on the registry."""
    world.az.run("aks", "create", "--resource-group", GROUP, "--name", "aks-secret", "--node-count", "1")
    return cluster_kubectl(world.az, GROUP, "aks-secret", world.home / "kube-b")


@pytest.fixture(scope="module")
def pull_secret(world: World, secret_cluster: Kubectl) -> tuple[str, str]:
    output = bash(world.az, PATH_B, ACR_NAME=world.acr.name, SERVICE_PRINCIPAL_NAME="acr-service-principal").stdout
    lines = dict(line.split(": ", 1) for line in output.splitlines())
    client_id, password = lines["Service principal ID"], lines["Service principal password"]
    assert len(client_id) == 36 and len(password) == 40
    created = secret_cluster("create", "secret", "docker-registry", "acr-auth", "--docker-server", world.acr.login,
                             "--docker-username", client_id, "--docker-password", password,
                             "--docker-email", "ops@example.com")
    assert created.stdout == "secret/acr-auth created\n", created.stderr
    return client_id, password


def test_path_b_without_the_secret_the_pull_fails(world: World, secret_cluster: Kubectl) -> None:
    """First, while the node has no copy of the image (IfNotPresent would reuse it)."""
    applied = secret_cluster.apply(deployment("acr-auth-example", world.image, replicas=1))
    assert applied.returncode == 0, applied.stderr
    pods = pods_in(secret_cluster, "app=acr-auth-example", "ImagePullBackOff", 1)
    described = secret_cluster.ok("describe", "pod", next(iter(pods)))
    assert "failed to authorize: failed to fetch anonymous token: unexpected status from GET request to " \
           f"https://{world.acr.login}/oauth2/token?scope=repository%3Aguestbook%3Apull&service=" \
           f"{world.acr.login}: 401 Unauthorized" in described


def test_path_b_image_pull_secret_pulls_without_a_node_role(world: World, secret_cluster: Kubectl,
                                                            pull_secret: tuple[str, str]) -> None:
    manifest = deployment("acr-auth-example", world.image, replicas=1, pull_secret="acr-auth")
    applied = secret_cluster.apply(manifest)  # the Deployment of the previous test, now with imagePullSecrets
    assert applied.stdout == "deployment.apps/acr-auth-example configured\n", applied.stderr
    running = pods_in(secret_cluster, "app=acr-auth-example", "Running", 1)
    code, finding = explain_pod(world.served, f"{GROUP}/aks-secret", next(iter(running)))
    assert (code, finding["code"]) == (0, "PULL_OK")
    kubelet = world.az.tsv("aks", "show", "-g", GROUP, "-n", "aks-secret", "--query",
                           "identityProfile.kubeletidentity.objectId")
    roles = world.az.json("role", "assignment", "list", "--scope", world.acr.id, "--query",
                          f"[?principalId=='{kubelet}']")
    assert roles == []


def test_path_b_the_articles_apps_v1beta1_manifest_is_refused(world: World, secret_cluster: Kubectl,
                                                              tmp_path: Path) -> None:
    path = tmp_path / "acr-auth-example.yaml"
    path.write_text(SEED_MANIFEST.format(image=world.image))
    result = secret_cluster("apply", "-f", str(path))
    assert result.returncode == 1
    assert result.stderr == (f'error: resource mapping not found for name: "acr-auth-example" namespace: "" from '
                             f'"{path}": no matches for kind "Deployment" in version "apps/v1beta1"\n'
                             "ensure CRDs are installed first\n")
    explained = pullproof(world.served, "explain", "manifest", str(path), "--output", "json", data_dir=False)
    assert explained.returncode == 31 and '"REMOVED_API_VERSION"' in explained.stdout
