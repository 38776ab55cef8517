"""What goes wrong, with the real kubectl and az: malformed and invalid manifests (kubectl prints the
API's ``Status``), pull secrets that cannot work (wrong password, wrong server, another namespace),
an image that does not exist, and deleting a cluster while its pods run.

The module runs its own ``pullproof up --time-scale 30``."""

from __future__ import annotations

import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.azcli import Az
from tests.conftest import Served
from tests.registry.realclients import client_env
from tests.scenarios.images import (
    TAG,
    Kubectl,
    Registry,
    cluster_kubectl,
    deployment,
    explain_pod,
    fast_served,
    operator_az,
    pods_in,
    registry_with_image,
)

pytestmark = pytest.mark.realclient

GROUP, CLUSTER = "rg-bad-input", "aks-bad"
RFC1123 = ("a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and "
           "must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is "
           "'[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')")


@dataclass(frozen=True)
class World:
    served: Served
    az: Az
    acr: Registry
    image: str
    kubectl: Kubectl
    puller: tuple[str, str]  # a service principal with AcrPull: (appId, password)


@pytest.fixture(scope="module")
def served_fast(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    yield from fast_served(tmp_path_factory, "bad-input")


@pytest.fixture(scope="module")
def world(served_fast: Served, tmp_path_factory: pytest.TempPathFactory) -> World:
    """A cluster whose kubelet identity has no role on the registry: only pull secrets decide."""
    home = tmp_path_factory.mktemp("bad-input-clients")
    az = operator_az(served_fast, home / "az")
    acr, image = registry_with_image(az, GROUP, "eastus", "ppbadinput", home / "oci")
    az.run("aks", "create", "-g", GROUP, "-n", CLUSTER, "--node-count", "1")
    puller = az.json("ad", "sp", "create-for-rbac", "--name", "http://bad-input-puller", "--role", "acrpull",
                     "--scopes", acr.id)
    kubectl = cluster_kubectl(az, GROUP, CLUSTER, home / "kube")
    return World(served_fast, az, acr, image, kubectl, (puller["appId"], puller["password"]))


def pod(name: str, image: str, secret: str | None = None) -> str:
    pulls = f"  imagePullSecrets:\n  - name: {secret}\n" if secret else ""
    return (f"apiVersion: v1\nkind: Pod\nmetadata:\n  name: {name}\n  labels:\n    case: {name}\nspec:\n"
            f"  containers:\n  - name: app\n    image: {image}\n{pulls}")


def docker_secret(world: World, name: str, server: str, password: str, namespace: str = "default") -> None:
    created = world.kubectl("create", "secret", "docker-registry", name, "-n", namespace, "--docker-server", server,
                            "--docker-username", world.puller[0], f"--docker-password={password}",
                            "--docker-email", "ops@example.com")
    assert created.stdout == f"secret/{name} created\n", created.stderr


def failed_pull(world: World, name: str) -> str:
    """The pod's ``Failed to pull image`` event text, once it is in ImagePullBackOff."""
    pods_in(world.kubectl, f"case={name}", "ImagePullBackOff", 1)
    described = world.kubectl.ok("describe", "pod", name)
    return next(line.split("kubelet", 1)[1].strip() for line in described.splitlines()
                if "Failed to pull image" in line)


# manifests ------------------------------------------------------------------------------------------------
def test_malformed_yaml_is_refused_by_kubectl(world: World) -> None:
    result = world.kubectl.apply("apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: x\n spec: [\n")
    assert result.returncode == 1
    assert result.stderr == "error: error parsing STDIN: error converting YAML to JSON: yaml: line 4: did not find " \
                            "expected key\n"


def test_an_unknown_kind_has_no_mapping(world: World) -> None:
    result = world.kubectl.apply("apiVersion: v1\nkind: Widget\nmetadata:\n  name: x\n")
    assert result.returncode == 1
    assert result.stderr == ('error: resource mapping not found for name: "x" namespace: "" from "STDIN": no matches '
                             'for kind "Widget" in version "v1"\nensure CRDs are installed first\n')


def test_an_invalid_name_is_a_422(world: World) -> None:
    result = world.kubectl.apply(deployment("Guestbook_App", world.image, app="guestbook"))
    assert result.returncode == 1
    assert result.stderr == (f'The Deployment "Guestbook_App" is invalid: metadata.name: Invalid value: '
                             f'"Guestbook_App": {RFC1123}\n')
    secret = world.kubectl("create", "secret", "docker-registry", "ACR_AUTH", "--docker-server", world.acr.login,
                           "--docker-username", "u", "--docker-password", "p")
    assert secret.returncode == 1
    assert secret.stderr == f'error: failed to create secret Secret "ACR_AUTH" is invalid: metadata.name: Invalid ' \
                            f'value: "ACR_AUTH": {RFC1123}\n'


def test_an_unknown_field_is_refused_by_strict_validation(world: World) -> None:
    manifest = deployment("typo", world.image).replace("  replicas: 2\n", "  replicaz: 2\n")
    result = world.kubectl.apply(manifest)
    assert result.returncode == 1
    assert result.stderr == ('Error from server (BadRequest): error when creating "STDIN": Deployment in version "v1" '
                             'cannot be handled as a Deployment: strict decoding error: unknown field '
                             '"spec.replicaz"\n')


def test_a_missing_selector_is_invalid(world: World) -> None:
    manifest = deployment("noselector", world.image).replace("  selector:\n    matchLabels:\n      app: noselector\n",
                                                             "")
    result = world.kubectl.apply(manifest)
    assert result.returncode == 1
    assert result.stderr.startswith('The Deployment "noselector" is invalid: ')
    assert "spec.selector: Required value" in result.stderr


def test_a_missing_selector_reports_both_errors(world: World) -> None:
    manifest = deployment("noselector2", world.image).replace(
        "  selector:\n    matchLabels:\n      app: noselector2\n", "")
    result = world.kubectl.apply(manifest)
    assert result.stderr == ('The Deployment "noselector2" is invalid: \n* spec.selector: Required value\n'
                             '* spec.template.metadata.labels: Invalid value: map[string]string{"app":"noselector2"}: '
                             '`selector` does not match template `labels`\n')


def test_not_found_and_already_exists(world: World) -> None:
    missing = world.kubectl("get", "pod", "nosuch")
    assert (missing.returncode, missing.stderr) == (1, 'Error from server (NotFound): pods "nosuch" not found\n')
    docker_secret(world, "twice", world.acr.login, "x")
    again = world.kubectl("create", "secret", "docker-registry", "twice", "--docker-server", world.acr.login,
                          "--docker-username", "u", "--docker-password", "p")
    assert (again.returncode, again.stderr) == (1, 'error: failed to create secret secrets "twice" already exists\n')


# pull secrets that cannot work ----------------------------------------------------------------------------
def test_a_pull_secret_with_a_wrong_password(world: World) -> None:
    docker_secret(world, "wrong-password", world.acr.login, "not-the-password")
    assert world.kubectl.apply(pod("wrong-password", world.image, "wrong-password")).returncode == 0
    login = world.acr.login
    assert failed_pull(world, "wrong-password") == (
        f'Failed to pull image "{world.image}": failed to pull and unpack image "{world.image}": failed to resolve '
        f'reference "{world.image}": failed to authorize: failed to fetch oauth token: unexpected status from GET '
        f"request to https://{login}/oauth2/token?scope=repository%3Aguestbook%3Apull&service={login}: "
        "401 Unauthorized")
    code, finding = explain_pod(world.served, f"{GROUP}/{CLUSTER}", "wrong-password")
    assert (code, finding["code"]) == (20, "PULL_SECRET_WRONG_PASSWORD")


def test_a_pull_secret_for_another_server(world: World) -> None:
    docker_secret(world, "wrong-server", f"{world.acr.login}:443", world.puller[1])
    assert world.kubectl.apply(pod("wrong-server", world.image, "wrong-server")).returncode == 0
    assert "failed to fetch anonymous token: unexpected status from GET request" in failed_pull(world, "wrong-server")
    code, finding = explain_pod(world.served, f"{GROUP}/{CLUSTER}", "wrong-server")
    assert (code, finding["code"]) == (20, "PULL_SECRET_WRONG_SERVER")


def test_a_pull_secret_in_another_namespace(world: World) -> None:
    assert world.kubectl.ok("create", "namespace", "team-b") == "namespace/team-b created\n"
    docker_secret(world, "elsewhere", world.acr.login, world.puller[1], namespace="team-b")
    assert world.kubectl.apply(pod("elsewhere", world.image, "elsewhere")).returncode == 0
    assert "failed to fetch anonymous token" in failed_pull(world, "elsewhere")
    described = world.kubectl.ok("describe", "pod", "elsewhere")
    assert "Unable to retrieve some image pull secrets (elsewhere); attempting to pull the image may not " \
           "succeed." in described
    code, finding = explain_pod(world.served, f"{GROUP}/{CLUSTER}", "elsewhere")
    assert (code, finding["code"]) == (20, "PULL_SECRET_OTHER_NAMESPACE")


def test_a_good_pull_secret_and_an_image_that_does_not_exist(world: World) -> None:
    docker_secret(world, "acr-auth", world.acr.login, world.puller[1])
    assert world.kubectl.apply(pod("good", world.image, "acr-auth")).returncode == 0
    pods_in(world.kubectl, "case=good", "Running", 1)
    missing = f"{world.acr.login}/guestbook:does-not-exist"
    assert world.kubectl.apply(pod("missing", missing, "acr-auth")).returncode == 0
    assert failed_pull(world, "missing") == (
        f'Failed to pull image "{missing}": rpc error: code = NotFound desc = failed to pull and unpack image '
        f'"{missing}": failed to resolve reference "{missing}": {missing}: not found')
    code, finding = explain_pod(world.served, f"{GROUP}/{CLUSTER}", "missing")
    assert (code, finding["code"]) == (30, "IMAGE_NOT_FOUND")
    assert finding["facts"]["tags"] == [TAG]  # what the repository does have


# API hosts and deleting a cluster -------------------------------------------------------------------------
def https_through_proxy(world: World, url: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(["curl", "-s", "-o", "/dev/null", "-w", "%{http_code}", "--max-time", "10", url],
                          env=client_env(world.az.values), capture_output=True, text=True, timeout=30)


def test_a_cluster_with_a_long_api_host_name_is_reachable(world: World) -> None:
    """The seed's names in japaneast: ``aks-wiz-de-rg-wiz-exercise--<sub>-<hash>.hcp.japaneast.azmk8s.io``."""
    world.az.run("group", "create", "--name", "rg-wiz-exercise-a", "--location", "japaneast")
    fqdn = world.az.tsv("aks", "create", "-g", "rg-wiz-exercise-a", "-n", "aks-wiz-dev", "--node-count", "1",
                        "--query", "fqdn")
    assert len(fqdn) > 64
    assert https_through_proxy(world, f"https://{fqdn}/version").stdout in ("200", "401")


def test_deleting_a_cluster_with_running_pods(world: World, tmp_path: Path) -> None:
    shown = world.az.json("aks", "show", "-g", GROUP, "-n", CLUSTER)
    kubelet, node_group, fqdn = (shown["identityProfile"]["kubeletidentity"], shown["nodeResourceGroup"],
                                 shown["fqdn"])
    assert "Running" in world.kubectl.statuses().values()
    world.az.run("aks", "delete", "-g", GROUP, "-n", CLUSTER, "--yes")
    gone = world.kubectl("get", "pods")
    assert gone.returncode == 1 and "Unable to connect to the server" in gone.stderr
    assert https_through_proxy(world, f"https://{fqdn}/version").stdout == "000"
    assert world.az.run("aks", "show", "-g", GROUP, "-n", CLUSTER, check=False).returncode == 3
    assert world.az.run("identity", "show", "--ids", kubelet["resourceId"], check=False).returncode == 3
    assert world.az.run("group", "show", "--name", node_group, check=False).returncode == 3
    principal = world.az.run("ad", "sp", "show", "--id", kubelet["objectId"], check=False)
    assert principal.returncode != 0 and "does not exist" in principal.stderr
    assert world.az.json("aks", "list", "-g", GROUP, "--query", "[].name") == []


def test_az_aks_delete_succeeds(world: World) -> None:
    world.az.run("aks", "create", "-g", GROUP, "-n", "aks-to-delete", "--node-count", "1")
    for pool in ("apool", "userpool"):  # one sorts before the system pool, one after
        world.az.run("aks", "nodepool", "add", "-g", GROUP, "--cluster-name", "aks-to-delete", "-n", pool,
                     "--node-count", "1", "--mode", "User")
    world.az.run("aks", "nodepool", "delete", "-g", GROUP, "--cluster-name", "aks-to-delete", "-n", "userpool")
    refused = world.az.run("aks", "nodepool", "delete", "-g", GROUP, "--cluster-name", "aks-to-delete",
                           "-n", "nodepool1", check=False)
    assert refused.returncode != 0 and "Cannot delete the last system agent pool" in refused.stderr
    assert world.az.json("aks", "nodepool", "list", "-g", GROUP, "--cluster-name", "aks-to-delete",
                         "--query", "sort([].name)") == ["apool", "nodepool1"]
    result = world.az.run("aks", "delete", "-g", GROUP, "-n", "aks-to-delete", "--yes", check=False)
    assert result.returncode == 0, result.stderr
    assert world.az.run("aks", "show", "-g", GROUP, "-n", "aks-to-delete", check=False).returncode == 3
