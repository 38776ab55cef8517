"""Pull-storm benchmark: one AKS cluster of N nodes running 10 pods per node of one image, after the
AcrPull fix. Reports the time until every pod is Running, the pulls and token requests the registry
served, and peak memory, for several cluster sizes (each in its own process).

    .venv/bin/python scripts/bench_kube.py [--quick] [--sizes 10,100,500]
"""

from __future__ import annotations

import asyncio
import json
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.table import Table
from starlette.testclient import TestClient
from starlette.types import ASGIApp, Receive, Scope, Send

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.aks.support import deploy  # noqa: E402
from tests.registry.support import basic, push_image  # noqa: E402

from pullproof.app import Emulator, Endpoints  # noqa: E402
from pullproof.core.clock import ManualClock  # noqa: E402
from pullproof.rbac.service import NewAssignment  # noqa: E402
from pullproof.settings import Settings  # noqa: E402

PODS_PER_NODE = 10


class Counter:
    """Counts the registry requests the kubelets make (by path kind)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app
        self.counts: dict[str, int] = {}

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            path = scope["path"]
            kind = ("token" if path.startswith("/oauth2/token") else "exchange" if path.startswith("/oauth2/exchange")
                    else "blob" if "/blobs/" in path else "manifest" if "/manifests/" in path
                    else "imds" if path.startswith("/metadata/identity") else "other")
            self.counts[kind] = self.counts.get(kind, 0) + 1
        await self.app(scope, receive, send)


def arm(client: TestClient, token: str, path: str, body: dict[str, Any], version: str) -> dict[str, Any]:
    response = client.put(f"{path}?api-version={version}", json=body, headers={"Authorization": f"Bearer {token}"})
    response.raise_for_status()
    return dict(response.json())


def pools(nodes: int) -> list[dict[str, Any]]:
    """Pools of at most 1,000 nodes (AKS's limit per pool); the pod CIDR has a /24 for each of 4,096 nodes."""
    sizes = [min(1000, nodes - start) for start in range(0, nodes, 1000)]
    return [{"name": f"nodepool{n + 1}", "count": size, "mode": "System" if n == 0 else "User"}
            for n, size in enumerate(sizes)]


def setup(emulator: Emulator, nodes: int) -> tuple[str, str]:
    op = emulator.operator
    sub = f"/subscriptions/{op.subscription_id}"
    with TestClient(emulator.app, base_url="https://login.microsoftonline.com") as login:
        token = login.post(f"/{op.tenant_id}/oauth2/v2.0/token", data={
            "grant_type": "client_credentials", "client_id": op.client_id, "client_secret": op.client_secret,
            "scope": "https://management.core.windows.net//.default"}).json()["access_token"]
    with TestClient(emulator.app, base_url="https://management.azure.com") as client:
        arm(client, token, f"{sub}/resourcegroups/bench", {"location": "eastus"}, "2024-11-01")
        registry = arm(client, token, f"{sub}/resourceGroups/bench/providers/Microsoft.ContainerRegistry/registries/"
                       "benchacr", {"location": "eastus", "sku": {"name": "Standard"}}, "2025-11-01")
        cluster = arm(client, token, f"{sub}/resourceGroups/bench/providers/Microsoft.ContainerService/"
                      "managedClusters/storm", {"location": "eastus", "identity": {"type": "SystemAssigned"},
                                                "properties": {"dnsPrefix": "storm", "agentPoolProfiles": pools(nodes),
                                                               "networkProfile": {"podCidr": "10.240.0.0/12"}}},
                      "2026-06-01")
    with TestClient(emulator.app, base_url="https://benchacr.azurecr.io") as acr:
        pushed = acr.get("/oauth2/token", params={"service": "benchacr.azurecr.io", "scope":
                                                  "repository:guestbook:pull,push"},
                         headers=basic(op.client_id, op.client_secret)).json()["access_token"]
        push_image(acr, "guestbook", "v1", {"Authorization": f"Bearer {pushed}"},
                   layers=(b"x" * 1024 * 1024, b"y" * 256 * 1024))
    kubelet = cluster["properties"]["identityProfile"]["kubeletidentity"]["objectId"]
    role = f"{sub}/providers/Microsoft.Authorization/roleDefinitions/7f951dda-4ed3-4680-a7ca-43fe172d538d"
    emulator.rbac.create(NewAssignment(registry["id"], emulator.ids.guid(), role, kubelet, "ServicePrincipal"), None)
    return cluster["id"], registry["id"]


def running(emulator: Emulator, cluster_id: str) -> tuple[int, int]:
    """(application pods Running, every pod Running: kube-system's too)."""
    cluster = emulator.clusters.get(cluster_id)
    assert cluster is not None
    pods = cluster.tracker.scan("pods")
    up = [p for p in pods if p.get("status", {}).get("phase") == "Running"]
    return sum(1 for p in up if p["metadata"]["namespace"] == "default"), len(up)


def one(nodes: int) -> dict[str, Any]:
    with tempfile.TemporaryDirectory() as folder:
        clock = ManualClock()
        emulator = Emulator(Settings(data_dir=Path(folder)), Endpoints("https://127.0.0.1:1", "http://127.0.0.1:2"),
                            clock=clock)
        counter = Counter(emulator.asgi())
        emulator._app = counter  # the kubelets' in-process transport goes through the counter
        cluster_id, _ = setup(emulator, nodes)
        cluster = emulator.clusters.get(cluster_id)
        assert cluster is not None
        counter.counts.clear()
        started = time.perf_counter()
        deploy(cluster, "guestbook", "benchacr.azurecr.io/guestbook:v1", replicas=nodes * PODS_PER_NODE)
        passes = 0

        def settled() -> bool:
            app, every = running(emulator, cluster_id)
            return app >= nodes * PODS_PER_NODE and every == len(cluster.tracker.scan("pods"))

        async def storm() -> None:
            nonlocal passes
            while not settled() and passes < 200:
                await emulator.runtimes.step()
                clock.advance(1)
                passes += 1

        asyncio.run(storm())
        took = time.perf_counter() - started
        app, every = running(emulator, cluster_id)
        result = {"nodes": nodes, "pods": nodes * PODS_PER_NODE, "running": app, "system": every - app,
                  "seconds": round(took, 2), "per_pod_ms": round(1000 * took / max(every, 1), 3),
                  "passes": passes, "pulls": emulator.pull_log.count(cluster_id),
                  "requests": dict(sorted(counter.counts.items())),
                  "peak_mib": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)}
        emulator.close()
        return result


def main(argv: list[str]) -> int:
    if argv and argv[0] == "--one":
        print(json.dumps(one(int(argv[1]))))
        return 0
    sizes = [10, 100] if "--quick" in argv else [100, 1000, 2000]
    if "--sizes" in argv:
        sizes = [int(s) for s in argv[argv.index("--sizes") + 1].split(",")]
    rows = []
    for nodes in sizes:
        out = subprocess.run([sys.executable, __file__, "--one", str(nodes)], capture_output=True, text=True,
                             timeout=1800, check=True).stdout
        rows.append(json.loads(out.strip().splitlines()[-1]))
        print(json.dumps(rows[-1]), flush=True)  # each size as it finishes: the large ones take minutes
    table = Table(title=f"Pull storm: {PODS_PER_NODE} pods per node, one image (1.25 MiB), after the AcrPull fix")
    for column in ("nodes", "pods", "Running", "kube-system", "seconds", "ms/pod", "passes", "pulls", "token req.",
                   "exchanges", "blob GETs", "peak MiB"):
        table.add_column(column, justify="right")
    for r in rows:
        req = r["requests"]
        table.add_row(str(r["nodes"]), str(r["pods"]), str(r["running"]), str(r["system"]), f"{r['seconds']:.2f}",
                      f"{r['per_pod_ms']:.2f}", str(r["passes"]), str(r["pulls"]),
                      str(req.get("token", 0)), str(req.get("exchange", 0)), str(req.get("blob", 0)),
                      f"{r['peak_mib']:.0f}")
    Console().print(table)
    print(json.dumps(rows))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
