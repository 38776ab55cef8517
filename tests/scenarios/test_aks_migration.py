"""Seed 001, moving a service-principal cluster to managed identity, end to end with the real az
and kubectl: a cluster attached to the registry with its service principal pulls; after
``az aks update --enable-managed-identity`` the control plane is MSI but the nodes still pull as the
service principal; ``az aks nodepool upgrade --node-image-only`` reimages the nodes onto a new
kubelet identity without AcrPull, so the recreated pods fail (``KUBELET_IDENTITY_REPLACED``) until
``az aks update --attach-acr`` is run again, as the article warns.

The module runs its own ``pullproof up --time-scale 30`` with the operator logged in to az, and a
registry holding the guestbook image; that is all its tests share (each reads the registry's role
assignments of its own principals only, and pushes its own tags). Each test builds its own world
(service principal, cluster) and brings it to the step it starts from with the same functions the
earlier steps' tests check, so every test passes alone and in any order."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

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


GROUP = "rg-migrate"


@dataclass(frozen=True)
class Platform:
    """The module's emulator, the operator's az and the registry with the guestbook image."""

    served: Served
    az: Az
    home: Path
    acr: Registry
    image: str


@dataclass(frozen=True)
class Story:
    served: Served
    az: Az
    acr: Registry
    kubectl: Kubectl
    image: str
    home: Path
    app_id: str
    cluster: str
    group: str = GROUP

    @property
    def where(self) -> tuple[str, ...]:
        return ("-g", self.group, "-n", self.cluster)


@pytest.fixture(scope="module")
def platform(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Platform]:
    for served in fast_served(tmp_path_factory, "migration"):
        home = tmp_path_factory.mktemp("migration-clients")
        az = operator_az(served, home / "az")
        yield Platform(served, az, home, *registry_with_image(az, GROUP, "eastus", "ppmigrate", home / "oci"))


def service_principal_cluster(platform: Platform, world: str) -> Story:
    """Step 1: a cluster with a service principal, attached to the registry (AcrPull for the service
    principal), running the guestbook (2 replicas Running). ``world`` names this test's own resources."""
    cluster, home, az = f"aks-migrate-{world}", platform.home / world, platform.az
    principal = az.json("ad", "sp", "create-for-rbac", "--name", f"aks-migrate-sp-{world}")
    az.run("aks", "create", "-g", GROUP, "-n", cluster, "--service-principal", principal["appId"],
           f"--client-secret={principal['password']}", "--node-count", "2", "--attach-acr", platform.acr.name)
    kubectl = cluster_kubectl(az, GROUP, cluster, home / "kube")
    assert kubectl.apply(deployment("guestbook-app", platform.image, app="guestbook")).returncode == 0
    pods_in(kubectl, "app=guestbook", "Running", 2)
    return Story(platform.served, az, platform.acr, kubectl, platform.image, home, principal["appId"], cluster)


def enable_managed_identity(story: Story) -> tuple[Any, str]:
    """Step 2: ``az aks update --enable-managed-identity``, then a rollout of a new tag (so the nodes really
    pull: IfNotPresent reuses an image a node already has) up to 2 new replicas Running. The update's
    output and the new image."""
    updated = story.az.json("aks", "update", *story.where, "--enable-managed-identity", "--yes")
    image = push_image(story.az, story.acr, story.home / "oci", tag=f"v2-{story.cluster}")
    old = set(story.kubectl.pods("app=guestbook"))
    applied = story.kubectl.apply(deployment("guestbook-app", image, app="guestbook"))
    assert applied.stdout == "deployment.apps/guestbook-app configured\n", applied.stderr

    def rolled_out() -> dict[str, str] | None:
        found = story.kubectl.statuses("app=guestbook")
        return found if len(found) == 2 and set(found.values()) == {"Running"} and not set(found) & old else None

    wait_for(rolled_out, "the v2 rollout")
    return updated, image


def upgrade_node_image(story: Story) -> tuple[dict[str, str], set[str]]:
    """Step 3: ``az aks nodepool upgrade --node-image-only`` drains and reimages the nodes; the pods are
    recreated and pull as the new kubelet identity, up to 2 replicas in ImagePullBackOff. The pods
    before and after."""
    before = set(story.kubectl.pods("app=guestbook"))
    story.az.run("aks", "nodepool", "upgrade", "-g", story.group, "--cluster-name", story.cluster, "-n", "nodepool1",
                 "--node-image-only", "--yes")

    def recreated_and_failing() -> dict[str, str] | None:
        found = story.kubectl.statuses("app=guestbook")
        ok = len(found) == 2 and set(found.values()) == {"ImagePullBackOff"} and not set(found) & before
        return found if ok else None

    return wait_for(recreated_and_failing, "the recreated pods in ImagePullBackOff"), before


def roles_of(story: Story, principal: str) -> list[str]:
    return list(story.az.json("role", "assignment", "list", "--scope", story.acr.id,
                              "--query", f"[?principalId=='{principal}'].roleDefinitionName"))


def test_the_service_principal_cluster_pulls(platform: Platform) -> None:
    story = service_principal_cluster(platform, "sp")
    sp_object_id = story.az.tsv("ad", "sp", "show", "--id", story.app_id, "--query", "id")
    assert roles_of(story, sp_object_id) == ["AcrPull"]  # --attach-acr on a service-principal cluster
    assert story.az.tsv("aks", "show", *story.where, "--query", "servicePrincipalProfile.clientId") == story.app_id
    assert last_pull(story.served, f"{story.group}/{story.cluster}", story.image)[1]["code"] == "PULL_OK"


def test_enable_managed_identity_moves_the_control_plane_only(platform: Platform) -> None:
    story = service_principal_cluster(platform, "msi")
    updated, image = enable_managed_identity(story)
    assert updated["identity"]["type"] == "SystemAssigned" and updated["identity"]["principalId"]
    assert updated["servicePrincipalProfile"]["clientId"] == "msi"
    assert updated["identityProfile"] is None  # no kubelet identity until the nodes are reimaged
    assert all(p["spec"]["containers"][0]["image"] == image for p in story.kubectl.pods("app=guestbook").values())
    code, finding = last_pull(story.served, f"{story.group}/{story.cluster}", image)
    assert (code, finding["code"]) == (0, "PULL_OK")
    provider = next(a for a in finding["chain"] if a["label"] == "ACR credential provider")
    assert story.app_id in provider["detail"]  # still the service principal on the nodes


def test_node_image_upgrade_switches_the_nodes_to_a_kubelet_identity_without_acrpull(platform: Platform) -> None:
    story = service_principal_cluster(platform, "reimage")
    enable_managed_identity(story)
    failing, _ = upgrade_node_image(story)
    kubelet = story.az.json("aks", "show", *story.where, "--query", "identityProfile.kubeletidentity")
    assert kubelet["resourceId"].lower().endswith(f"/resourcegroups/mc_{story.group}_{story.cluster}_eastus/"
                                                  f"providers/microsoft.managedidentity/userassignedidentities/"
                                                  f"{story.cluster}-agentpool".lower())
    assert roles_of(story, kubelet["objectId"]) == []
    described = story.kubectl.ok("describe", "pod", sorted(failing)[0])
    assert "failed to fetch anonymous token: unexpected status from GET request to " \
           f"https://{story.acr.login}/oauth2/token?scope=repository%3Aguestbook%3Apull&service=" \
           f"{story.acr.login}: 401 Unauthorized" in described
    code, finding = explain_pod(story.served, f"{story.group}/{story.cluster}", sorted(failing)[0])
    assert (code, finding["code"]) == (14, "KUBELET_IDENTITY_REPLACED")
    assert story.app_id in finding["summary"] and kubelet["objectId"] in finding["summary"]


def test_attach_acr_again_grants_the_new_kubelet_identity(platform: Platform) -> None:
    story = service_principal_cluster(platform, "attach")
    enable_managed_identity(story)
    upgrade_node_image(story)
    story.az.run("aks", "update", *story.where, "--attach-acr", story.acr.id)
    kubelet = story.az.tsv("aks", "show", *story.where, "--query", "identityProfile.kubeletidentity.objectId")
    assert roles_of(story, kubelet) == ["AcrPull"]
    story.kubectl.ok("delete", "pods", "-l", "app=guestbook", timeout=90)
    pods_in(story.kubectl, "app=guestbook", "Running", 2)
    rolled = story.kubectl("rollout", "status", "deployment/guestbook-app", "--timeout=30s", timeout=60)
    assert rolled.stdout.splitlines()[-1] == 'deployment "guestbook-app" successfully rolled out', rolled.stderr
    image = story.kubectl.pods("app=guestbook").popitem()[1]["spec"]["containers"][0]["image"]
    code, finding = last_pull(story.served, f"{story.group}/{story.cluster}", image)
    assert (code, finding["code"]) == (0, "PULL_OK")
    client_id = story.az.tsv("aks", "show", *story.where, "--query", "identityProfile.kubeletidentity.clientId")
    assert any(client_id in step["detail"] for step in finding["chain"])  # pulled as the new kubelet identity
