"""Helpers for AKS tests: clusters through ARM, deployments into a cluster, stepping its runtime."""

from __future__ import annotations

import asyncio
from typing import Any

from pullproof.kube.storage.clusters import Cluster
from tests.conftest import Local


def create_cluster(local: Local, name: str, group: str = "rg", **body: Any) -> dict[str, Any]:
    token = local.token()
    sub = local.emulator.operator.subscription_id
    headers = {"Authorization": f"Bearer {token}"}
    payload = {"location": "eastus", "identity": {"type": "SystemAssigned"},
               "properties": {"dnsPrefix": name, "kubernetesVersion": "",
                              "agentPoolProfiles": [{"name": "nodepool1", "count": 2, "vmSize": "", "mode": "System",
                                                     "osType": "Linux"}]}}
    payload.update(body)
    with local.client() as arm:
        arm.put(f"/subscriptions/{sub}/resourcegroups/{group}?api-version=2024-11-01", json={"location": "eastus"},
                headers=headers)
        response = arm.put(f"/subscriptions/{sub}/resourceGroups/{group}/providers/Microsoft.ContainerService/"
                           f"managedClusters/{name}?api-version=2026-06-01", json=payload, headers=headers)
    assert response.status_code in (200, 201), response.text
    return dict(response.json())


def cluster_of(local: Local, resource: dict[str, Any]) -> Cluster:
    found = local.emulator.clusters.get(resource["id"])
    assert found is not None
    return found


def deploy(cluster: Cluster, name: str, image: str, replicas: int = 2, pull_secret: str | None = None) -> None:
    if cluster.tracker.find("namespaces", "", "default") is None:
        cluster.tracker.create("namespaces", "", {"apiVersion": "v1", "kind": "Namespace",
                                                  "metadata": {"name": "default"}})
    if cluster.tracker.find("serviceaccounts", "default", "default") is None:
        cluster.tracker.create("serviceaccounts", "default", {"apiVersion": "v1", "kind": "ServiceAccount",
                                                              "metadata": {"name": "default"}})
    spec: dict[str, Any] = {"containers": [{"name": name, "image": image}]}
    if pull_secret:
        spec["imagePullSecrets"] = [{"name": pull_secret}]
    cluster.tracker.create("deployments.apps", "default", {
        "apiVersion": "apps/v1", "kind": "Deployment",
        "metadata": {"name": name, "generation": 1},
        "spec": {"replicas": replicas, "selector": {"matchLabels": {"app": name}}, "progressDeadlineSeconds": 600,
                 "strategy": {"type": "RollingUpdate", "rollingUpdate": {"maxSurge": "25%", "maxUnavailable": "25%"}},
                 "template": {"metadata": {"labels": {"app": name}}, "spec": spec}}})


def step(local: Local, seconds: int = 0) -> None:
    """Run the cluster runtimes for ``seconds`` of emulated time, one pass per second (at least two passes)."""

    async def run() -> None:
        await local.emulator.runtimes.step()
        for _ in range(seconds):
            local.clock.advance(1)
            await local.emulator.runtimes.step()
        await local.emulator.runtimes.step()

    asyncio.run(run())


def pods(cluster: Cluster, app: str) -> list[dict[str, Any]]:
    return [p for p in cluster.tracker.list("pods", "default")[0]
            if p["metadata"].get("labels", {}).get("app") == app]


def waiting(pod: dict[str, Any]) -> dict[str, Any]:
    return dict(pod["status"]["containerStatuses"][0]["state"].get("waiting") or {})


def events_for(cluster: Cluster, name: str) -> list[tuple[str, str]]:
    events = cluster.tracker.list("events", "default")[0]
    return [(e["reason"], e["message"]) for e in events if e["involvedObject"]["name"] == name]
