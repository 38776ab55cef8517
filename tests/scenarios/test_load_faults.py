"""Load and faults: concurrent clients push and pull images, get tokens, write ConfigMaps and role
assignments against a real ``pullproof up`` while other processes run ``pullproof explain`` and
``pullproof gc`` in loops, and the server is killed with SIGKILL and restarted on the same data dir.
Every write acknowledged with a 2xx must be there afterwards, byte for byte; no answer may be a 5xx.

Short form by default (20 clients, 1 restart); ``--campaign=long``: 200 clients, 3 restarts."""

from __future__ import annotations

import base64
import threading
import time
from collections import Counter
from pathlib import Path
from typing import Any

import httpx2 as httpx

from pullproof.core.tls import trusting
from tests.conftest import stop_served
from tests.scenarios.loadgen import (
    OCI_MANIFEST,
    Client,
    Ledger,
    Server,
    World,
    cli_loop,
    kube_credentials,
    sha,
    upload_while_another_process_opens,
)

PROFILES = {"short": {"clients": 20, "restarts": 1, "seconds": 6.0},
            "long": {"clients": 200, "restarts": 3, "seconds": 150.0}}
CLUSTER_BODY = {"location": "eastus", "identity": {"type": "SystemAssigned"}, "properties": {
    "dnsPrefix": "aksload", "kubernetesVersion": "", "agentPoolProfiles": [
        {"name": "nodepool1", "count": 1, "vmSize": "", "mode": "System", "osType": "Linux"}]}}


def _setup(server: Server) -> World:
    values = server.served.env()
    tenant, sub = values["PULLPROOF_TENANT_ID"], values["PULLPROOF_SUBSCRIPTION_ID"]
    with httpx.Client(base_url=server.direct, verify=trusting(server.ca()), timeout=60) as http:
        token = http.post(f"/{tenant}/oauth2/v2.0/token", data={
            "grant_type": "client_credentials", "client_id": values["PULLPROOF_CLIENT_ID"],
            "client_secret": values["PULLPROOF_CLIENT_SECRET"],
            "scope": "https://management.azure.com/.default"}).json()["access_token"]
        auth = {"Authorization": f"Bearer {token}"}
        group = f"/subscriptions/{sub}/resourceGroups/rg-load"
        assert http.put(f"{group}?api-version=2024-11-01", json={"location": "eastus"}, headers=auth).is_success
        registry = http.put(f"{group}/providers/Microsoft.ContainerRegistry/registries/acrload"
                            "?api-version=2025-11-01", json={"location": "eastus", "sku": {"name": "Standard"}},
                            headers=auth)
        assert registry.is_success, registry.text
        cluster = f"{group}/providers/Microsoft.ContainerService/managedClusters/aksload"
        made = http.put(f"{cluster}?api-version=2026-06-01", json=CLUSTER_BODY, headers=auth)
        assert made.is_success, made.text
        credentials = http.post(f"{cluster}/listClusterUserCredential?api-version=2026-06-01", headers=auth)
        assert credentials.is_success, credentials.text
    host, kube_token = kube_credentials(credentials.json()["kubeconfigs"][0]["value"])
    return World(tenant, sub, values["PULLPROOF_CLIENT_ID"], values["PULLPROOF_CLIENT_SECRET"],
                 "acrload.azurecr.io", registry.json()["id"], host, kube_token)


def _verify(server: Server, world: World, ledger: Ledger) -> dict[str, list[str]]:
    """Every acknowledged write, read back from the restarted server (eight readers at once)."""
    lost: dict[str, list[str]] = {}
    items = [("blobs", key) for key in ledger.blobs] + [("manifests", key) for key in ledger.manifests] + \
        [("configmaps", key) for key in ledger.configmaps] + [("assignments", key) for key in ledger.assignments] + \
        [("identities", key) for key in ledger.identities]
    headers = _headers(server, world, sorted({repo for repo, _ in [*ledger.blobs, *ledger.manifests]}))
    shares = [items[i::8] for i in range(8)]
    results = [dict[str, list[str]]() for _ in shares]
    readers = [threading.Thread(target=lambda s=share, out=out: out.update(_check(server, world, ledger, s, headers)))
               for share, out in zip(shares, results, strict=True)]
    for reader in readers:
        reader.start()
    for reader in readers:
        reader.join()
    for result in results:
        for kind, missing in result.items():
            lost.setdefault(kind, []).extend(missing)
    return lost


def _check(server: Server, world: World, ledger: Ledger, items: list[tuple[str, Any]],
           headers: dict[str, dict[str, str]]) -> dict[str, list[str]]:
    """The items of ``ledger`` named in ``items``, read back: what is missing or different."""
    lost: dict[str, list[str]] = {"blobs": [], "manifests": [], "configmaps": [], "assignments": [],
                                  "identities": []}
    arm, kube = headers["arm"], headers["kube"]

    def acr(repo: str) -> dict[str, str]:
        return {"Host": headers["acr"]["Host"], "Authorization": headers["acr"][f"repo:{repo}"]}

    with httpx.Client(base_url=server.direct, verify=trusting(server.ca()), timeout=60) as http:
        for kind, key in items:
            if kind == "blobs":
                repo, digest = key
                got = http.get(f"/v2/{repo}/blobs/{digest}", headers=acr(repo))
                if got.status_code != 200 or got.content != ledger.blobs[key] or sha(got.content) != digest:
                    lost[kind].append(f"{repo}@{digest}: {got.status_code}")
            elif kind == "manifests":
                (repo, digest), (body, tag) = key, ledger.manifests[key]
                got = http.get(f"/v2/{repo}/manifests/{tag}", headers={**acr(repo), "Accept": OCI_MANIFEST})
                if got.status_code != 200 or got.content != body or got.headers["Docker-Content-Digest"] != digest:
                    lost[kind].append(f"{repo}:{tag}: {got.status_code}")
            elif kind == "configmaps":
                got = http.get(f"/api/v1/namespaces/default/configmaps/{key}", headers=kube)
                if got.status_code != 200 or got.json().get("data") != ledger.configmaps[key]:
                    lost[kind].append(f"{key}: {got.status_code}")
            elif kind == "assignments":
                got = http.get(f"{key}?api-version=2022-04-01", headers=arm)
                if got.status_code != 200 or got.json()["properties"]["principalId"] != ledger.assignments[key]:
                    lost[kind].append(f"{key}: {got.status_code}")
            else:
                got = http.get(f"{key}?api-version=2024-11-30", headers=arm)
                if got.status_code != 200:
                    lost[kind].append(f"{key}: {got.status_code}")
    return lost


def _headers(server: Server, world: World, repos: list[str]) -> dict[str, dict[str, str]]:
    """Authorization for reading back: the operator's ARM token, an ACR pull token, the cluster token."""
    with httpx.Client(base_url=server.direct, verify=trusting(server.ca()), timeout=60) as http:
        token = http.post(f"/{world.tenant}/oauth2/v2.0/token", data={
            "grant_type": "client_credentials", "client_id": world.client_id, "client_secret": world.client_secret,
            "scope": "https://management.azure.com/.default"}).json()["access_token"]
        basic = base64.b64encode(f"{world.client_id}:{world.client_secret}".encode()).decode()
        acr: dict[str, str] = {}
        for start in range(0, len(repos), 20):  # a token for every repository would outgrow the 16 KiB head
            batch = repos[start:start + 20]
            access = http.get("/oauth2/token", params=[("service", world.registry),
                                                       *(("scope", f"repository:{r}:pull") for r in batch)],
                              headers={"Host": world.registry, "Authorization": f"Basic {basic}"})
            assert access.status_code == 200, access.text
            acr.update(dict.fromkeys(batch, f"Bearer {access.json()['access_token']}"))
    return {"arm": {"Authorization": f"Bearer {token}"},
            "acr": {"Host": world.registry, **{f"repo:{r}": value for r, value in acr.items()}},
            "kube": {"Host": world.kube_host, "Authorization": f"Bearer {world.kube_token}"}}


def _monitor(server: Server, stop: threading.Event) -> None:
    while not stop.is_set():
        with server.lock:
            server.sample()
        stop.wait(0.25)


def _load(server: Server, world: World, profile: dict[str, Any]) -> tuple[Ledger, Counter[str], float, str]:
    """Clients, CLI loops and the monitor run while the server is killed and restarted; returns the ledger,
    the CLI runs, the seconds it took and an ACR token for one more push."""
    stop, done = threading.Event(), threading.Event()
    ledger, runs = Ledger(), Counter[str]()
    clients = [Client(i, server, world, ledger, stop) for i in range(profile["clients"])]
    threads = [threading.Thread(target=c.run, daemon=True) for c in clients]
    explain = ["explain", "principal", world.client_id, "--registry", "acrload", "--repository", "load/shared",
               "-o", "json"]
    threads += [threading.Thread(target=cli_loop, args=(server.data_dir, args, done, runs, key), daemon=True)
                for key, args in (("gc", ["gc"]), ("explain", explain))]
    threads.append(threading.Thread(target=_monitor, args=(server, done), daemon=True))
    started = time.monotonic()
    try:
        for thread in threads:
            thread.start()
        pause = profile["seconds"] / (profile["restarts"] + 1)
        for _ in range(profile["restarts"]):
            time.sleep(pause)
            server.crash_and_restart()
        time.sleep(pause)
    finally:
        stop.set()
        done.set()
        for thread in threads:
            thread.join(timeout=180)
    return ledger, runs, time.monotonic() - started, clients[0].acr_token


def test_load_and_faults(tmp_path: Path, campaign: str) -> None:
    profile: dict[str, Any] = PROFILES[campaign]
    server = Server(tmp_path / "data")
    try:
        world = _setup(server)
        ledger, runs, elapsed, token = _load(server, world, profile)
        server.sample()
        lost = _verify(server, world, ledger)
        report = {"clients": profile["clients"], "seconds": round(elapsed, 1), "acknowledged": ledger.acknowledged,
                  "by_kind": dict(sorted(ledger.operations.items())), "statuses": dict(sorted(ledger.statuses.items())),
                  "checked": {"blobs": len(ledger.blobs), "manifests": len(ledger.manifests),
                              "configmaps": len(ledger.configmaps), "assignments": len(ledger.assignments),
                              "identities": len(ledger.identities)},
                  "lost": sum(len(v) for v in lost.values()), "restarts": server.restarts,
                  "peak_rss_mib": round(server.peak_rss_kib / 1024, 1), "peak_fds": server.peak_fds,
                  "cli_runs": dict(sorted(runs.items()))}
        print(f"\nload and faults: {report}")
        assert server.restarts == profile["restarts"]
        assert not any(lost.values()), {k: v[:10] for k, v in lost.items() if v}
        assert ledger.operations["manifest"] > 0 and ledger.operations["configmap"] > 0
        assert ledger.operations["role-assignment"] > 0 and len(runs) >= 2, runs
        # explain answers with a finding's code (0 or 10 and up), never a usage error, a crash or a traceback
        assert not [k for k in runs if k.endswith(("traceback", "explain exit 1", "explain exit 2"))], runs
        assert not ledger.server_errors, "\n".join(ledger.server_errors[:20] + server.output[-40:])
        assert upload_while_another_process_opens(server, world, token) == 201, server.output[-40:]
    finally:
        stop_served(server.served)
