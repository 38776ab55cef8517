"""Seed 001, the identities of a managed cluster, with the real az (and kubectl for the nodes):
``servicePrincipalProfile`` is ``msi``; the system-assigned control-plane identity; bringing your own
control-plane and kubelet identities (and the CLI's own refusal of a kubelet identity alone);
``--attach-acr`` at create time and ``az aks update --attach-acr/--detach-acr``, seen as AcrPull
role assignments for the kubelet identity's object id.

Nothing here waits on emulated time, so the module uses the session's emulator (time scale 1)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.azcli import Az
from tests.conftest import Served
from tests.scenarios.images import Registry, cluster_kubectl, create_registry, operator_az

pytestmark = pytest.mark.realclient

GROUP, CLUSTER = "myResourceGroup", "myManagedCluster"
ACR_PULL = "7f951dda-4ed3-4680-a7ca-43fe172d538d"


@pytest.fixture(scope="module")
def az(served: Served, tmp_path_factory: pytest.TempPathFactory) -> Az:
    client = operator_az(served, tmp_path_factory.mktemp("identities") / "az")
    client.run("group", "create", "--name", GROUP, "--location", "westus2")
    return client


@pytest.fixture(scope="module")
def acr(az: Az) -> Registry:
    return create_registry(az, GROUP, "ppidentities")


@pytest.fixture(scope="module")
def system_assigned(az: Az) -> dict[str, Any]:
    created: dict[str, Any] = az.json("aks", "create", "-g", GROUP, "-n", CLUSTER, "--enable-managed-identity",
                                      "--node-count", "1")
    return created


def pull_roles(az: Az, acr: Registry, principal: str) -> list[str]:
    return list(az.json("role", "assignment", "list", "--scope", acr.id,
                        "--query", f"[?principalId=='{principal}'].roleDefinitionName"))


def test_service_principal_profile_says_msi(az: Az, system_assigned: dict[str, Any]) -> None:
    profile = az.json("aks", "show", "-g", GROUP, "-n", CLUSTER, "--query", "servicePrincipalProfile")
    # az 2.91 prints every attribute of its model, so the seed's {"clientId": "msi"} comes with "secret": null
    assert profile == {"clientId": "msi", "secret": None}
    assert az.tsv("aks", "show", "-g", GROUP, "-n", CLUSTER, "--query", "servicePrincipalProfile.clientId") == "msi"


def test_system_assigned_control_plane_identity(az: Az, system_assigned: dict[str, Any]) -> None:
    identity = az.json("aks", "show", "-g", GROUP, "-n", CLUSTER, "--query", "identity")
    assert identity["type"] == "SystemAssigned" and identity["userAssignedIdentities"] is None
    assert identity["tenantId"] == az.values["PULLPROOF_TENANT_ID"]
    principal = az.json("ad", "sp", "show", "--id", identity["principalId"])
    assert principal["servicePrincipalType"] == "ManagedIdentity" and principal["displayName"] == CLUSTER
    assert principal["alternativeNames"][-1].lower() == system_assigned["id"].lower()


def test_the_created_kubelet_identity_lives_in_the_node_resource_group(az: Az,
                                                                       system_assigned: dict[str, Any]) -> None:
    kubelet = system_assigned["identityProfile"]["kubeletidentity"]
    node_group = system_assigned["nodeResourceGroup"]
    assert node_group == f"MC_{GROUP}_{CLUSTER}_westus2"
    shown = az.json("identity", "show", "--ids", kubelet["resourceId"])
    assert shown["name"] == f"{CLUSTER}-agentpool" and shown["resourceGroup"].lower() == node_group.lower()
    assert (shown["clientId"], shown["principalId"]) == (kubelet["clientId"], kubelet["objectId"])
    assert az.json("group", "show", "--name", node_group)["managedBy"].lower() == system_assigned["id"].lower()


def test_get_credentials_then_kubectl_sees_the_nodes(az: Az, system_assigned: dict[str, Any], tmp_path: Path) -> None:
    kubectl = cluster_kubectl(az, GROUP, CLUSTER, tmp_path / "kube")
    nodes = kubectl.ok("get", "nodes").splitlines()
    assert nodes[0].split() == ["NAME", "STATUS", "ROLES", "AGE", "VERSION"]
    assert [row.split()[1] for row in nodes[1:]] == ["Ready"]
    assert nodes[1].split()[0].startswith("aks-nodepool1-") and nodes[1].split()[-1] == "v1.32.4"


def test_bring_your_own_control_plane_and_kubelet_identities(az: Az) -> None:
    control = az.json("identity", "create", "--name", "myIdentity", "--resource-group", GROUP)
    kubelet = az.json("identity", "create", "--name", "myKubeletIdentity", "--resource-group", GROUP)
    table = az.run("identity", "list", "--query", "[].{Name:name, Id:id, Location:location}", "-o", "table").stdout
    assert {line.split()[0] for line in table.splitlines()[2:]} >= {"myIdentity", "myKubeletIdentity"}
    created = az.json("aks", "create", "--resource-group", GROUP, "--name", "myOwnIdsCluster",
                      "--enable-managed-identity", "--assign-identity", control["id"],
                      "--assign-kubelet-identity", kubelet["id"], "--node-count", "1")
    identity = created["identity"]
    assert (identity["type"], identity["principalId"], identity["tenantId"]) == ("UserAssigned", None, None)
    assert identity["userAssignedIdentities"] == {
        control["id"]: {"clientId": control["clientId"], "principalId": control["principalId"]}}
    assert created["identityProfile"]["kubeletidentity"] == {
        "clientId": kubelet["clientId"], "objectId": kubelet["principalId"], "resourceId": kubelet["id"]}
    # the CLI lets the control-plane identity operate the kubelet identity
    operators = az.json("role", "assignment", "list", "--scope", kubelet["id"],
                        "--query", "[].{role:roleDefinitionName, principal:principalId}")
    assert operators == [{"role": "Managed Identity Operator", "principal": control["principalId"]}]


def test_a_kubelet_identity_needs_a_control_plane_identity(az: Az) -> None:
    kubelet = az.tsv("identity", "create", "--name", "loneKubeletIdentity", "--resource-group", GROUP,
                     "--query", "id")
    refused = az.run("aks", "create", "--resource-group", GROUP, "--name", "loneKubeletCluster",
                     "--enable-managed-identity", "--assign-kubelet-identity", kubelet, check=False)
    assert refused.returncode == 1
    assert refused.stderr == "ERROR: --assign-kubelet-identity can only be specified when --assign-identity is " \
                             "specified\n"
    assert az.run("aks", "show", "-g", GROUP, "-n", "loneKubeletCluster", check=False).returncode == 3


def test_attach_acr_at_create_then_detach_and_attach_again(az: Az, acr: Registry) -> None:
    created = az.json("aks", "create", "--resource-group", GROUP, "--name", "attachedCluster", "--node-count", "1",
                      "--attach-acr", acr.name)
    kubelet = created["identityProfile"]["kubeletidentity"]["objectId"]
    assert pull_roles(az, acr, kubelet) == ["AcrPull"]
    assignment = az.json("role", "assignment", "list", "--scope", acr.id,
                         "--query", f"[?principalId=='{kubelet}'] | [0]")
    assert assignment["roleDefinitionId"].endswith(f"/roleDefinitions/{ACR_PULL}")
    assert assignment["scope"] == acr.id and assignment["principalType"] == "ServicePrincipal"

    detached = az.run("aks", "update", "-g", GROUP, "-n", "attachedCluster", "--detach-acr", acr.name)
    assert pull_roles(az, acr, kubelet) == [], detached.stderr
    az.run("aks", "update", "-g", GROUP, "-n", "attachedCluster", "--attach-acr", acr.id)
    assert pull_roles(az, acr, kubelet) == ["AcrPull"]
    again = az.run("aks", "update", "-g", GROUP, "-n", "attachedCluster", "--attach-acr", acr.name)
    assert again.returncode == 0 and pull_roles(az, acr, kubelet) == ["AcrPull"]
    shown = az.json("aks", "show", "-g", GROUP, "-n", "attachedCluster", "--query", "identityProfile.kubeletidentity")
    assert shown["objectId"] == kubelet  # the updates kept the cluster's own kubelet identity
