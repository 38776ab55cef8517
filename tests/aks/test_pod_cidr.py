"""Each node's /24 comes from the cluster's pod CIDR; more nodes than it has /24s for are refused."""

from __future__ import annotations

from typing import Any

from pullproof.aks.nodebody import pod_cidr, pod_room
from tests.aks.support import cluster_of, create_cluster
from tests.conftest import Local


def _props(cidr: str) -> dict[str, Any]:
    return {"networkProfile": {"podCidr": cidr}}


def test_node_ranges_are_carved_from_the_pod_cidr() -> None:
    assert pod_cidr(_props("10.244.0.0/16"), 0) == "10.244.0.0/24"
    assert pod_cidr(_props("10.244.0.0/16"), 255) == "10.244.255.0/24"
    assert pod_cidr(_props("10.240.0.0/12"), 300) == "10.241.44.0/24"  # past 255 the next octet moves
    assert pod_room(_props("10.244.0.0/16")) == 256 and pod_room(_props("10.240.0.0/12")) == 4096
    assert pod_room(_props("10.244.0.0/25")) == 0


def test_a_cluster_larger_than_its_pod_cidr_is_refused(local: Local) -> None:
    token = local.token()
    sub = local.emulator.operator.subscription_id
    pools = [{"name": "nodepool1", "count": 200, "mode": "System"}, {"name": "user1", "count": 100, "mode": "User"}]
    with local.client() as arm:
        arm.put(f"/subscriptions/{sub}/resourcegroups/rg?api-version=2024-11-01", json={"location": "eastus"},
                headers={"Authorization": f"Bearer {token}"})
        refused = arm.put(f"/subscriptions/{sub}/resourceGroups/rg/providers/Microsoft.ContainerService/"
                          "managedClusters/big?api-version=2026-06-01", headers={"Authorization": f"Bearer {token}"},
                          json={"location": "eastus", "identity": {"type": "SystemAssigned"},
                                "properties": {"dnsPrefix": "big", "agentPoolProfiles": pools}})
    assert refused.status_code == 400
    assert refused.json()["error"]["code"] == "InsufficientSubnetSize"
    assert "Subnet Cidr 10.244.0.0/16" in refused.json()["error"]["message"]


def test_nodes_past_the_256th_get_their_own_range(local: Local) -> None:
    resource = create_cluster(local, "wide", properties={
        "dnsPrefix": "wide", "networkProfile": {"podCidr": "10.240.0.0/12"},
        "agentPoolProfiles": [{"name": "nodepool1", "count": 300, "mode": "System"}]})
    nodes = cluster_of(local, resource).tracker.scan("nodes")
    cidrs = [n["spec"]["podCIDR"] for n in nodes]
    assert len(set(cidrs)) == 300 and "10.241.43.0/24" in cidrs
