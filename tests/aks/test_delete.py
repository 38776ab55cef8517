"""Deleting clusters and agent pools: ARM's long-running answer, the last system pool, cascades."""

from __future__ import annotations

from typing import Any

from tests.aks.support import create_cluster
from tests.conftest import Local

API = "api-version=2026-06-01"


def _call(local: Local, method: str, path: str, body: dict[str, Any] | None = None) -> Any:
    with local.client() as arm:
        return arm.request(method, f"{path}?{API}", json=body, headers={"Authorization": f"Bearer {local.token()}"})


def _pools(user_pool: str) -> dict[str, Any]:
    return {"dnsPrefix": "d", "kubernetesVersion": "",
            "agentPoolProfiles": [{"name": "nodepool1", "count": 1, "vmSize": "", "mode": "System", "osType": "Linux"},
                                  {"name": user_pool, "count": 1, "vmSize": "", "mode": "User", "osType": "Linux"}]}


def test_deleting_a_cluster_answers_202_with_a_finished_operation(local: Local) -> None:
    cluster = create_cluster(local, "aks-del", properties=_pools("apool"))  # the user pool sorts first
    deleted = _call(local, "DELETE", cluster["id"])
    assert deleted.status_code == 202, deleted.text
    assert deleted.headers["Retry-After"] == "1"
    operation = deleted.headers["Azure-AsyncOperation"]
    assert "/providers/Microsoft.ContainerService/locations/global/operations/" in operation
    with local.client() as arm:
        status = arm.get(operation, headers={"Authorization": f"Bearer {local.token()}"})
    assert status.status_code == 200 and status.json()["status"] == "Succeeded"
    assert _call(local, "GET", cluster["id"]).status_code == 404
    assert _call(local, "GET", f"{cluster['id']}/agentPools/apool").status_code == 404
    assert local.emulator.clusters.get(cluster["id"]) is None
    assert _call(local, "DELETE", cluster["id"]).status_code == 204  # already gone


def test_the_last_system_pool_cannot_be_deleted_but_a_user_pool_can(local: Local) -> None:
    cluster = create_cluster(local, "aks-pools", properties=_pools("userpool"))
    refused = _call(local, "DELETE", f"{cluster['id']}/agentPools/nodepool1")
    assert refused.status_code == 400, refused.text
    assert "Cannot delete the last system agent pool 'nodepool1'" in refused.json()["error"]["message"]
    assert _call(local, "GET", f"{cluster['id']}/agentPools/nodepool1").status_code == 200  # rolled back
    removed = _call(local, "DELETE", f"{cluster['id']}/agentPools/userpool")
    assert removed.status_code == 202
    shown = _call(local, "GET", cluster["id"]).json()
    assert [p["name"] for p in shown["properties"]["agentPoolProfiles"]] == ["nodepool1"]
