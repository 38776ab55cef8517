"""Seed 001, moving a service-principal cluster to managed identity, end to end with the real az
and kubectl: a cluster attached to the registry with its service principal pulls; after
``az aks update --enable-managed-identity`` the control plane is MSI but the nodes still pull as the
service principal; ``az aks nodepool upgrade --node-image-only`` reimages the nodes onto a new
kubelet identity without AcrPull, so the recreated pods fail (``KUBELET_IDENTITY_REPLACED``) until
``az aks update --attach-acr`` is run again, as the article warns.

The module runs its own ``pullproof up --time-scale 30``; its tests run in order."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.azcli import Az
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
    push_image,
    registry_with_image,
    wait_for,
)

pytestmark = pytest.mark.realclient

GROUP, CLUSTER = "rg-migrate", "aks-migrate"
WHERE = ("-g", GROUP, "-n", CLUSTER)


@dataclass(frozen=True)
class Story:
    served: Served
    az: Az
    acr: Registry
    kubectl: Kubectl
    image: str
    home: Path
    app_id: str
    sp_object_id: str


@pytest.fixture(scope="module")
def served_fast(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    yield from fast_served(tmp_path_factory, "migration")


@pytest.fixture(scope="module")
def story(served_fast: Served, tmp_path_factory: pytest.TempPathFactory) -> Story:
    home = tmp_path_factory.mktemp("migration-clients")
    az = operator_az(served_fast, home / "az")
    acr, image = registry_with_image(az, GROUP, "eastus", "ppmigrate", home / "oci")
    principal = az.json("ad", "sp", "create-for-rbac", "--name", "aks-migrate-sp")
    az.run("aks", "create", *WHERE, "--service-principal", principal["appId"],
           f"--client-secret={principal['password']}", "--node-count", "2", "--attach-acr", acr.name)
    sp_object_id = az.tsv("ad", "sp", "show", "--id", principal["appId"], "--query", "id")
    kubectl = cluster_kubectl(az, GROUP, CLUSTER, home / "kube")
    assert kubectl.apply(deployment("guestbook-app", image, app="guestbook")).returncode == 0
    return Story(served_fast, az, acr, kubectl, image, home, principal["appId"], sp_object_id)


def roles_of(story: Story, principal: str) -> list[str]:
    return list(story.az.json("role", "assignment", "list", "--scope", story.acr.id,
                              "--query", f"[?principalId=='{principal}'].roleDefinitionName"))


def test_the_service_principal_cluster_pulls(story: Story) -> None:
    assert roles_of(story, story.sp_object_id) == ["AcrPull"]  # --attach-acr on a service-principal cluster
    assert story.az.tsv("aks", "show", *WHERE, "--query", "servicePrincipalProfile.clientId") == story.app_id
    pods_in(story.kubectl, "app=guestbook", "Running", 2)
    assert last_pull(story.served, f"{GROUP}/{CLUSTER}", story.image)[1]["code"] == "PULL_OK"


def test_enable_managed_identity_moves_the_control_plane_only(story: Story) -> None:
    updated = story.az.json("aks", "update", *WHERE, "--enable-managed-identity", "--yes")
    assert updated["identity"]["type"] == "SystemAssigned" and updated["identity"]["principalId"]
    assert updated["servicePrincipalProfile"]["clientId"] == "msi"
    assert updated["identityProfile"] is None  # no kubelet identity until the nodes are reimaged
    # a new tag, so the nodes really pull (IfNotPresent reuses an image a node already has)
    image = push_image(story.az, story.acr, story.home / "oci", tag="v2")
    old = set(story.kubectl.pods("app=guestbook"))
    applied = story.kubectl.apply(deployment("guestbook-app", image, app="guestbook"))
    assert applied.stdout == "deployment.apps/guestbook-app configured\n", applied.stderr

    def rolled_out() -> dict[str, str] | None:
        found = story.kubectl.statuses("app=guestbook")
        return found if len(found) == 2 and set(found.values()) == {"Running"} and not set(found) & old else None

    running = wait_for(rolled_out, "the v2 rollout")
    assert all(p["spec"]["containers"][0]["image"] == image for p in story.kubectl.pods("app=guestbook").values())
    assert set(running)
    code, finding = last_pull(story.served, f"{GROUP}/{CLUSTER}", image)
    assert (code, finding["code"]) == (0, "PULL_OK")
    provider = next(a for a in finding["chain"] if a["label"] == "ACR credential provider")
    assert story.app_id in provider["detail"]  # still the service principal on the nodes


def test_node_image_upgrade_switches_the_nodes_to_a_kubelet_identity_without_acrpull(story: Story) -> None:
    before = set(story.kubectl.pods("app=guestbook"))
    story.az.run("aks", "nodepool", "upgrade", "-g", GROUP, "--cluster-name", CLUSTER, "-n", "nodepool1",
                 "--node-image-only", "--yes")
    kubelet = story.az.json("aks", "show", *WHERE, "--query", "identityProfile.kubeletidentity")
    assert kubelet["resourceId"].lower().endswith(f"/resourcegroups/mc_{GROUP}_{CLUSTER}_eastus/providers/"
                                                  f"microsoft.managedidentity/userassignedidentities/"
                                                  f"{CLUSTER}-agentpool".lower())
    assert roles_of(story, kubelet["objectId"]) == []
    # the upgrade drained the nodes: the pods were recreated, and now pull as the new kubelet identity
    failing = pods_in(story.kubectl, "app=guestbook", "ImagePullBackOff", 2)
    assert not set(failing) & before
    described = story.kubectl.ok("describe", "pod", sorted(failing)[0])
    assert "failed to fetch anonymous token: unexpected status from GET request to " \
           f"https://{story.acr.login}/oauth2/token?scope=repository%3Aguestbook%3Apull&service=" \
           f"{story.acr.login}: 401 Unauthorized" in described
    code, finding = explain_pod(story.served, f"{GROUP}/{CLUSTER}", sorted(failing)[0])
    assert (code, finding["code"]) == (14, "KUBELET_IDENTITY_REPLACED")
    assert story.app_id in finding["summary"] and kubelet["objectId"] in finding["summary"]


def test_attach_acr_again_grants_the_new_kubelet_identity(story: Story) -> None:
    story.az.run("aks", "update", *WHERE, "--attach-acr", story.acr.id)
    kubelet = story.az.tsv("aks", "show", *WHERE, "--query", "identityProfile.kubeletidentity.objectId")
    assert roles_of(story, kubelet) == ["AcrPull"]
    story.kubectl.ok("delete", "pods", "-l", "app=guestbook", timeout=90)
    pods_in(story.kubectl, "app=guestbook", "Running", 2)
    rolled = story.kubectl("rollout", "status", "deployment/guestbook-app", "--timeout=30s", timeout=60)
    assert rolled.stdout.splitlines()[-1] == 'deployment "guestbook-app" successfully rolled out', rolled.stderr
    image = story.kubectl.pods("app=guestbook").popitem()[1]["spec"]["containers"][0]["image"]
    code, finding = last_pull(story.served, f"{GROUP}/{CLUSTER}", image)
    assert (code, finding["code"]) == (0, "PULL_OK")
    client_id = story.az.tsv("aks", "show", *WHERE, "--query", "identityProfile.kubeletidentity.clientId")
    assert any(client_id in step["detail"] for step in finding["chain"])  # pulled as the new kubelet identity
