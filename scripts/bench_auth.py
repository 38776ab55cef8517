"""Benchmark token issuance and RBAC decisions: 100 role assignments against 10,000.

Two worlds are built through the library in temporary data dirs:

* small: 100 assignments over 10 principals (1 subscription, 4 groups, 20 resources);
* large: 10,000 assignments over 1,000 principals (4 subscriptions, 100 groups, 2,000 resources).

Assignments are spread over subscription, resource-group and resource scopes (registries,
clusters, user-assigned identities) with the roles usually found there (AcrPull, AcrPush, Reader,
Contributor, Owner, ...). Principals are service principals with a client secret (80 %) and
managed identities (20 %).

In-process it measures ``rbac.check`` (half allowed, half denied triples; and the same questions
to a probe principal whose assignments are identical in both worlds), ``grants.client_credentials``
(hash check + RS256 signing) and ``issuer.verify``; then, against one ``pullproof up`` process per
world on 127.0.0.1, token requests on ``/{tenant}/oauth2/v2.0/token`` and authorized ARM reads of
a resource group. Every loop is bounded by count and by time; rounds alternate between the two
worlds so drift hits both alike; each figure is the median of its rounds. Besides throughput it
reports CPU time per operation (this thread's in-process, the server's over HTTP), which stays
comparable when other processes load the machine.

    .venv/bin/python scripts/bench_auth.py [--quick] [--no-http] [--clients N] [--json PATH] [--profile]

Results and their analysis: docs/performance.md ("Authorization and tokens").
"""

from __future__ import annotations

import argparse
import contextlib
import cProfile
import io
import json
import os
import platform
import pstats
import random
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx2
from rich.console import Console
from rich.table import Table

from pullproof.app import Emulator, Endpoints
from pullproof.arm.models import Resource
from pullproof.arm.store import GROUP_KEY
from pullproof.identity.models import ARM_AUDIENCES
from pullproof.rbac.service import NewAssignment
from pullproof.settings import Settings

ARM_RESOURCE = "https://management.core.windows.net/"
ARM_SCOPE = "https://management.core.windows.net//.default"
API_VERSION = "2024-11-01"

ROLES = {
    "AcrPull": "7f951dda-4ed3-4680-a7ca-43fe172d538d",
    "AcrPush": "8311e382-0749-4cb8-b61a-304f252e45ec",
    "Reader": "acdd72a7-3385-48ef-bd42-f606fba81ae7",
    "Contributor": "b24988ac-6180-42a0-ab88-20f7382dd24c",
    "Owner": "8e3af657-a8ff-443c-a75c-2fe8c4bcb635",
    "User Access Administrator": "18d7d88d-d35e-4fb5-a5c3-7773c20a72d9",
    "Managed Identity Operator": "f1a07417-d97a-45cb-824c-7a7467783830",
    "AKS Cluster User": "4abbcc35-e782-43d8-92c5-2d3f1bd2253f",
    "AKS Cluster Admin": "0ab0b1a8-8aac-4efd-b8c2-3ee1fb270be8",
}
# Which roles are assigned at which kind of scope, with their weights.
ROLE_MIX: dict[str, list[tuple[str, float]]] = {
    "subscription": [("Reader", 0.5), ("Contributor", 0.2), ("AcrPull", 0.15), ("Owner", 0.1),
                     ("User Access Administrator", 0.05)],
    "group": [("Reader", 0.4), ("Contributor", 0.3), ("AcrPull", 0.2), ("Owner", 0.1)],
    "registries": [("AcrPull", 0.6), ("AcrPush", 0.25), ("Reader", 0.15)],
    "managedClusters": [("AKS Cluster User", 0.5), ("AKS Cluster Admin", 0.2), ("Reader", 0.3)],
    "userAssignedIdentities": [("Managed Identity Operator", 0.6), ("Reader", 0.4)],
}
SCOPE_MIX = [("subscription", 0.10), ("group", 0.35), ("resource", 0.55)]
RESOURCE_TYPES = [
    ("Microsoft.ContainerRegistry/registries", "registries", "acr"),
    ("Microsoft.ContainerService/managedClusters", "managedClusters", "aks"),
    ("Microsoft.ManagedIdentity/userAssignedIdentities", "userAssignedIdentities", "id"),
]
ACTIONS = [
    "Microsoft.ContainerRegistry/registries/pull/read",
    "Microsoft.ContainerRegistry/registries/push/write",
    "Microsoft.Resources/subscriptions/resourcegroups/read",
    "Microsoft.ManagedIdentity/userAssignedIdentities/read",
    "Microsoft.ManagedIdentity/userAssignedIdentities/assign/action",
    "Microsoft.ContainerService/managedClusters/read",
    "Microsoft.ContainerService/managedClusters/listClusterUserCredential/action",
    "Microsoft.Authorization/roleAssignments/write",
]
GROUP_READ = "Microsoft.Resources/subscriptions/resourcegroups/read"
GROUP_READERS = {"Reader", "Contributor", "Owner", "User Access Administrator"}


# --------------------------------------------------------------------------------------------------
# worlds


@dataclass(frozen=True)
class WorldSpec:
    key: str
    label: str
    principals: int
    assignments: int
    subscriptions: int
    groups_per_subscription: int
    resources_per_group: int


SMALL = WorldSpec("small", "100 / 10", 10, 100, 1, 4, 5)
LARGE = WorldSpec("large", "10,000 / 1,000", 1000, 10_000, 4, 25, 20)


@dataclass(frozen=True)
class Principal:
    object_id: str
    client_id: str
    secret: str | None  # None for a managed identity


@dataclass(frozen=True)
class Granted:
    principal: Principal
    role: str
    scope: str
    level: str


@dataclass
class World:
    spec: WorldSpec
    data_dir: Path
    emulator: Emulator | None
    tenant_id: str
    principals: list[Principal]
    subscriptions: list[str]
    groups: list[str]                     # group scopes
    resources: dict[str, list[str]]       # group scope -> resource scopes
    granted: list[Granted]
    queries: list[tuple[str, str, str]] = field(default_factory=list)
    probe_queries: list[tuple[str, str, str]] = field(default_factory=list)
    clients: list[tuple[str, str]] = field(default_factory=list)
    tokens: list[str] = field(default_factory=list)
    readers: list[tuple[Principal, str]] = field(default_factory=list)   # (principal, group scope) allowed

    @property
    def emu(self) -> Emulator:
        assert self.emulator is not None, "world is closed"
        return self.emulator


def _weighted(rng: random.Random, options: Sequence[tuple[str, float]]) -> str:
    return rng.choices([o for o, _ in options], weights=[w for _, w in options])[0]


def _guid(rng: random.Random) -> str:
    return str(uuid.UUID(int=rng.getrandbits(128), version=4))


# The probe principal has the same ten assignments in both worlds (in the default subscription,
# whose first four groups and their first five resources exist in both), and is asked the same
# questions: the difference between the worlds is then only the size of the assignment table.
PROBE_GRANTS: list[tuple[str, int | None, int | None]] = [  # role, group index, resource index
    ("Reader", None, None), ("Contributor", 0, None), ("AcrPull", 1, None), ("AcrPull", 3, None),
    ("AcrPush", 2, 0), ("AcrPull", 2, 3), ("AKS Cluster User", 3, 1), ("AKS Cluster Admin", 1, 1),
    ("Managed Identity Operator", 3, 2), ("Managed Identity Operator", 0, 2),
]


def _scope(sub: str, group: int | None = None, resource: int | None = None) -> str:
    """A scope of the generated layout: subscription, ``rg-bench-NNN``, or its r-th resource."""
    scope = f"/subscriptions/{sub}"
    if group is not None:
        scope += f"/resourceGroups/rg-bench-{group:03d}"
        if resource is not None:
            provider_type, _, prefix = RESOURCE_TYPES[resource % len(RESOURCE_TYPES)]
            scope += f"/providers/{provider_type}/{prefix}{group:03d}x{resource:03d}"
    return scope


def _probe_grants(sub: str) -> list[tuple[str, str, str]]:
    levels = {0: "subscription", 1: "group", 2: "resource"}
    return [(role, _scope(sub, g, r), levels[(g is not None) + (r is not None)]) for role, g, r in PROBE_GRANTS]


def _probe_scopes(sub: str) -> list[str]:
    return [_scope(sub)] + [_scope(sub, g, r) for g in range(4) for r in (None, 0, 1, 2, 3, 4)]


def build_world(spec: WorldSpec, data_dir: Path, rng: random.Random) -> World:
    """Create the world through the library, in one transaction (bootstrap does the same)."""
    emulator = Emulator(Settings(data_dir=data_dir), Endpoints("https://127.0.0.1:8443", "http://127.0.0.1:8080"))
    op = emulator.operator
    now = emulator.clock.now()
    subs = [op.subscription_id]
    groups: list[str] = []
    resources: dict[str, list[str]] = {}
    identities: list[str] = []
    principals: list[Principal] = []
    granted: list[Granted] = []
    with emulator.db.tx():
        for index in range(1, spec.subscriptions):
            sub = _guid(rng)
            emulator.arm.store.add_subscription(sub, op.tenant_id, f"bench subscription {index}")
            subs.append(sub)
        for sub in subs:
            for g in range(spec.groups_per_subscription):
                name = f"rg-bench-{g:03d}"
                group = _scope(sub, g)
                body = {"id": group, "name": name, "type": "Microsoft.Resources/resourceGroups",
                        "location": "eastus", "properties": {"provisioningState": "Succeeded"}}
                emulator.arm.store.put(Resource(group, GROUP_KEY, name, sub, name, body), now)
                groups.append(group)
                resources[group] = []
                for r in range(spec.resources_per_group):
                    scope = _scope(sub, g, r)
                    resources[group].append(scope)
                    if "/userAssignedIdentities/" in scope:
                        identities.append(scope)
        rng.shuffle(identities)
        managed = spec.principals // 5
        for index in range(spec.principals):
            if index < managed:
                sp = emulator.directory.create_managed_identity(identities[index], identities[index].rsplit("/", 1)[-1])
                principals.append(Principal(sp.object_id, sp.app_id, None))
            else:
                app = emulator.directory.create_application(f"bench-app-{index:04d}")
                sp = emulator.directory.create_service_principal(app)
                secret = emulator.directory.add_password(app.app_id, "bench").secret_text
                principals.append(Principal(sp.object_id, sp.app_id, secret))
        seen: set[tuple[str, str, str]] = set()

        def grant(principal: Principal, role: str, scope: str, level: str, sub: str) -> None:
            seen.add((principal.object_id, role, scope.lower()))
            role_id = f"/subscriptions/{sub}/providers/Microsoft.Authorization/roleDefinitions/{ROLES[role]}"
            emulator.rbac.create(NewAssignment(scope, _guid(rng), role_id, principal.object_id, "ServicePrincipal"),
                                 op.object_id)
            granted.append(Granted(principal, role, scope, level))

        probe, others = principals[-1], principals[:-1]
        for role, scope, level in _probe_grants(subs[0]):
            grant(probe, role, scope, level, subs[0])
        while len(granted) < spec.assignments:
            # every other principal gets one first, the rest go to random principals (never the probe)
            index = len(granted) - len(PROBE_GRANTS)
            principal = others[index] if index < len(others) else rng.choice(others)
            sub = rng.choice(subs)
            level = _weighted(rng, SCOPE_MIX)
            if level == "subscription":
                scope, mix = f"/subscriptions/{sub}", ROLE_MIX["subscription"]
            else:
                group = rng.choice([g for g in groups if g.startswith(f"/subscriptions/{sub}/")])
                if level == "group":
                    scope, mix = group, ROLE_MIX["group"]
                else:
                    scope = rng.choice(resources[group])
                    mix = ROLE_MIX[scope.split("/")[-2]]
            role = _weighted(rng, mix)
            if (principal.object_id, role, scope.lower()) not in seen:
                grant(principal, role, scope, level, sub)
    world = World(spec, data_dir, emulator, op.tenant_id, principals, subs, groups, resources, granted)
    world.probe_queries = [(probe.object_id, action, scope) for scope in _probe_scopes(subs[0]) for action in ACTIONS]
    _prepare(world, rng)
    return world


def _below(world: World, scope: str, rng: random.Random) -> str:
    """``scope`` itself or a random scope under it (requests usually target resources)."""
    parts = scope.strip("/").split("/")
    if len(parts) == 2 and rng.random() < 0.7:
        scope = rng.choice([g for g in world.groups if g.startswith(scope + "/")])
        parts = scope.strip("/").split("/")
    if len(parts) == 4 and rng.random() < 0.7:
        scope = rng.choice(world.resources[scope])
    return scope


def _prepare(world: World, rng: random.Random, queries: int = 4096) -> None:
    """Precompute the decision triples, the client credentials, tokens and the ARM readers.

    The triples are half allowed, half denied in both worlds (classified once with ``rbac.check``),
    so the two worlds are compared on the same mix of outcomes.
    """
    all_scopes = [f"/subscriptions/{s}" for s in world.subscriptions] + world.groups + [
        r for rs in world.resources.values() for r in rs]
    buckets: dict[bool, list[tuple[str, str, str]]] = {True: [], False: []}
    for attempt in range(queries * 50):
        if len(buckets[True]) >= queries // 2 and len(buckets[False]) >= queries // 2:
            break
        if attempt % 2 == 0:  # at or below one of the principal's own assignments (often allowed)
            grant = rng.choice(world.granted)
            triple = (grant.principal.object_id, rng.choice(ACTIONS), _below(world, grant.scope, rng))
        else:  # a random triple (mostly denied)
            triple = (rng.choice(world.principals).object_id, rng.choice(ACTIONS), rng.choice(all_scopes))
        allowed = world.emu.rbac.check(*triple).allowed
        if len(buckets[allowed]) < queries // 2:
            buckets[allowed].append(triple)
    for yes, no in zip(buckets[True], buckets[False], strict=False):
        world.queries += [yes, no]
    apps = [p for p in world.principals if p.secret is not None]
    world.clients = [(p.client_id, p.secret or "") for p in rng.sample(apps, min(len(apps), 256))]
    grants = world.emu.grants
    world.tokens = [grants.client_credentials(c, s, ARM_RESOURCE).access_token for c, s in world.clients[:64]]
    candidates = [g for g in world.granted
                  if g.principal.secret is not None and g.role in GROUP_READERS and g.level != "resource"]
    rng.shuffle(candidates)
    for grant in candidates:
        group = grant.scope if grant.level == "group" else rng.choice(
            [g for g in world.groups if g.startswith(grant.scope + "/")])
        if world.emu.rbac.check(grant.principal.object_id, GROUP_READ, group).allowed:
            world.readers.append((grant.principal, group))
        if len(world.readers) >= 8:
            break
    if not world.readers:
        raise SystemExit(f"{world.spec.key}: no principal can read a resource group; cannot measure ARM reads")


def close_world(world: World) -> None:
    if world.emulator is not None:
        world.emulator.close()
        world.emulator = None


# --------------------------------------------------------------------------------------------------
# measuring


@dataclass
class Figure:
    metric: str
    unit: str
    rates: dict[str, list[float]] = field(default_factory=dict)
    notes: dict[str, str] = field(default_factory=dict)
    # CPU seconds per operation: this thread's in-process, the server process's over HTTP. Unlike
    # the wall-clock rate it hardly moves when other processes compete for the cores.
    cpu: dict[str, list[float]] = field(default_factory=dict)

    def add(self, key: str, rate: float, cpu: float | None) -> None:
        self.rates.setdefault(key, []).append(rate)
        if cpu is not None:
            self.cpu.setdefault(key, []).append(cpu)

    def median(self, key: str) -> float:
        return statistics.median(self.rates[key]) if self.rates.get(key) else 0.0

    def cpu_median(self, key: str) -> float | None:
        return statistics.median(self.cpu[key]) if self.cpu.get(key) else None

    def ratio(self) -> float:
        """How much slower the large world is, by wall-clock throughput."""
        large = self.median("large")
        return self.median("small") / large if large else float("inf")

    def cpu_ratio(self) -> float | None:
        """How much slower the large world is, by CPU time per operation."""
        small, large = self.cpu_median("small"), self.cpu_median("large")
        return large / small if small and large else None


def timed(op: Callable[[int], object], count: int, seconds: float) -> tuple[float, float]:
    """(operations per second, CPU seconds per operation) of ``op(i)``, bounded by ``count`` calls and ``seconds``."""
    start, cpu0 = time.perf_counter(), time.thread_time()
    deadline = start + seconds
    done = 0
    while done < count:
        op(done)
        done += 1
        if time.perf_counter() >= deadline:
            break
    return done / (time.perf_counter() - start), (time.thread_time() - cpu0) / done


@dataclass(frozen=True)
class Budget:
    rounds: int
    http_rounds: int
    seconds: float
    http_seconds: float
    max_ops: int
    clients: int


def in_process(worlds: Sequence[World], budget: Budget) -> list[Figure]:
    def decide(world: World) -> Callable[[int], object]:
        rbac, queries = world.emu.rbac, world.queries
        return lambda i: rbac.check(*queries[i % len(queries)])

    def probe(world: World) -> Callable[[int], object]:
        rbac, queries = world.emu.rbac, world.probe_queries
        return lambda i: rbac.check(*queries[i % len(queries)])

    def issue(world: World) -> Callable[[int], object]:
        grants, clients = world.emu.grants, world.clients
        return lambda i: grants.client_credentials(*clients[i % len(clients)], ARM_RESOURCE)

    def verify(world: World) -> Callable[[int], object]:
        issuer, tokens = world.emu.issuer, world.tokens
        return lambda i: issuer.verify(tokens[i % len(tokens)], ARM_AUDIENCES)

    figures = []
    for metric, make in (("RBAC decision (rbac.check)", decide),
                         ("RBAC decision, probe principal (same in both)", probe),
                         ("token issued (grants.client_credentials)", issue),
                         ("token verified (issuer.verify)", verify)):
        figure = Figure(metric, "ops/s")
        ops = {w.spec.key: make(w) for w in worlds}
        for w in worlds:  # warm-up: caches, compiled patterns, SQLite pages
            timed(ops[w.spec.key], 500, 0.2)
        for _ in range(budget.rounds):
            for w in worlds:
                figure.add(w.spec.key, *timed(ops[w.spec.key], budget.max_ops, budget.seconds))
        figures.append(figure)
    for w in worlds:
        for figure, queries in ((figures[0], w.queries), (figures[1], w.probe_queries)):
            decisions = [w.emu.rbac.check(*q) for q in queries]
            allowed = sum(d.allowed for d in decisions)
            found = sum(len(a) for d in decisions if isinstance(a := d.evidence.get("assignments"), list))
            figure.notes[w.spec.key] = (f"{100 * allowed / len(decisions):.0f}% allowed, "
                                        f"{found / len(decisions):.1f} assignments in scope")
    return figures


# --------------------------------------------------------------------------------------------------
# over sockets


@dataclass
class Served:
    data_dir: Path
    process: subprocess.Popen[bytes]
    direct: str
    log: Path

    @property
    def ca(self) -> str:
        return str(self.data_dir / "tls" / "ca.pem")


def start_server(data_dir: Path, timeout: float = 60.0) -> Served:
    env = {k: v for k, v in os.environ.items() if not k.upper().endswith("_PROXY")}
    log = data_dir.parent / f"{data_dir.name}.log"
    with log.open("wb") as out:
        process = subprocess.Popen(
            [sys.executable, "-m", "pullproof", "up", "--data-dir", str(data_dir), "--host", "127.0.0.1",
             "--port", "0", "--proxy-port", "0"],
            stdout=out, stderr=subprocess.STDOUT, env=env,
        )
    runtime_file = data_dir / "runtime.json"
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if "ready" in log.read_text("utf-8", "replace") and runtime_file.exists():
            runtime = json.loads(runtime_file.read_text("utf-8"))
            direct = str(runtime["direct"])
            if not direct.startswith("https://127.0.0.1:"):
                stop_server(Served(data_dir, process, direct, log))
                raise SystemExit(f"refusing to benchmark a non-loopback listener: {direct}")
            return Served(data_dir, process, direct, log)
        if process.poll() is not None:
            break
        time.sleep(0.05)
    stop_server(Served(data_dir, process, "", log))
    raise SystemExit(f"pullproof up did not become ready:\n{log.read_text('utf-8', 'replace')[-2000:]}")


def stop_server(served: Served) -> None:
    process = served.process
    if process.poll() is None:
        os.kill(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.kill(process.pid, signal.SIGKILL)
            process.wait()


def cpu_seconds(pid: int) -> float | None:
    """User + system CPU time of a process (Linux ``/proc``), or None elsewhere."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return None
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


@dataclass
class HttpWorld:
    world: World
    served: Served
    pool: list[httpx2.Client]
    arm_tokens: list[tuple[str, str]] = field(default_factory=list)  # (bearer, group scope)


def http_requests(target: HttpWorld, kind: str, budget: Budget) -> tuple[float, float | None, int]:
    """(requests/s, server CPU seconds per request, failures) with ``budget.clients`` keep-alive clients."""
    world = target.world
    tenant = world.tenant_id
    per_client = max(1, budget.max_ops // budget.clients)
    counts = [0] * len(target.pool)
    failures = [0] * len(target.pool)
    barrier = threading.Barrier(len(target.pool) + 1)
    deadline = [0.0]

    def run(slot: int) -> None:
        client = target.pool[slot]
        barrier.wait()
        i = slot
        while counts[slot] < per_client and time.perf_counter() < deadline[0]:
            try:
                if kind == "token":
                    cid, secret = world.clients[i % len(world.clients)]
                    response = client.post(f"/{tenant}/oauth2/v2.0/token", data={
                        "grant_type": "client_credentials", "client_id": cid, "client_secret": secret,
                        "scope": ARM_SCOPE})
                else:
                    bearer, group = target.arm_tokens[i % len(target.arm_tokens)]
                    response = client.get(group, params={"api-version": API_VERSION},
                                          headers={"Authorization": f"Bearer {bearer}"})
                ok = response.status_code == 200
            except httpx2.HTTPError:
                ok = False
            if not ok:
                failures[slot] += 1
            counts[slot] += 1
            i += len(target.pool)

    threads = [threading.Thread(target=run, args=(slot,), daemon=True) for slot in range(len(target.pool))]
    for thread in threads:
        thread.start()
    cpu0 = cpu_seconds(target.served.process.pid)
    start = time.perf_counter()
    deadline[0] = start + budget.http_seconds
    barrier.wait()
    for thread in threads:
        thread.join(budget.http_seconds + 30)
    elapsed = time.perf_counter() - start
    cpu1 = cpu_seconds(target.served.process.pid)
    total = sum(counts)
    per_request = (cpu1 - cpu0) / total if cpu0 is not None and cpu1 is not None and total else None
    return total / elapsed, per_request, sum(failures)


def over_http(worlds: Sequence[World], budget: Budget) -> list[Figure]:
    targets: list[HttpWorld] = []
    try:
        for world in worlds:
            served = start_server(world.data_dir)
            pool = [httpx2.Client(base_url=served.direct, verify=served.ca, timeout=30, trust_env=False)
                    for _ in range(budget.clients)]
            targets.append(HttpWorld(world, served, pool))
        for target in targets:
            client = target.pool[0]
            for principal, group in target.world.readers:
                response = client.post(f"/{target.world.tenant_id}/oauth2/v2.0/token", data={
                    "grant_type": "client_credentials", "client_id": principal.client_id,
                    "client_secret": principal.secret or "", "scope": ARM_SCOPE})
                response.raise_for_status()
                target.arm_tokens.append((str(response.json()["access_token"]), group))
            check = client.get(target.arm_tokens[0][1], params={"api-version": API_VERSION},
                               headers={"Authorization": f"Bearer {target.arm_tokens[0][0]}"})
            if check.status_code != 200:
                raise SystemExit(f"ARM read as an assigned reader failed: {check.status_code} {check.text}")
        figures = []
        for metric, kind in (("HTTP: POST /{tenant}/oauth2/v2.0/token", "token"),
                             ("HTTP: GET resource group (ARM, RBAC)", "arm")):
            figure = Figure(metric, "req/s")
            warm = Budget(1, 1, min(0.3, budget.http_seconds), min(0.3, budget.http_seconds), 200, budget.clients)
            for target in targets:
                http_requests(target, kind, warm)
            failed = 0
            for _ in range(budget.http_rounds):
                for target in targets:
                    rate, cpu, failures = http_requests(target, kind, budget)
                    figure.add(target.world.spec.key, rate, cpu)
                    failed += failures
            if failed:
                figure.notes["failed"] = f"{failed} non-200 responses"
            figures.append(figure)
        return figures
    finally:
        for target in targets:
            for client in target.pool:
                client.close()
            stop_server(target.served)


# --------------------------------------------------------------------------------------------------
# reporting


GOAL = 1.5


def render(console: Console, figures: Sequence[Figure], worlds: Sequence[World], budget: Budget) -> None:
    table = Table(title="pullproof: authorization and tokens, 100 vs 10,000 role assignments")
    table.add_column("measure")
    table.add_column(f"small ({SMALL.label})", justify="right")
    table.add_column(f"large ({LARGE.label})", justify="right")
    table.add_column("slower by\n(wall / CPU)", justify="right")
    table.add_column(f"< {GOAL}x", justify="center")

    def cell(figure: Figure, key: str) -> str:
        text = f"{figure.median(key):,.0f} {figure.unit}"
        cpu = figure.cpu_median(key)
        if cpu is not None:
            who = "" if figure.unit == "ops/s" else "server "
            text += f"\n{who}{cpu * 1e6:,.0f} µs CPU/op"
        if key in figure.notes:
            text += f"\n[dim]{figure.notes[key]}[/dim]"
        return text

    for figure in figures:
        ratios = [figure.ratio()] + ([r] if (r := figure.cpu_ratio()) is not None else [])
        table.add_row(
            figure.metric, cell(figure, "small"), cell(figure, "large"), " / ".join(f"{r:.2f}x" for r in ratios),
            "[green]yes[/green]" if max(ratios) < GOAL else "[red]no[/red]",
        )
    console.print(table)
    for figure in figures:
        if "failed" in figure.notes:
            console.print(f"[red]{figure.metric}: {figure.notes['failed']}[/red]")
    console.print(
        f"[dim]{platform.python_implementation()} {platform.python_version()}, {os.cpu_count()} CPUs; "
        f"median of {budget.rounds} alternating rounds of ≤{budget.seconds}s in-process, {budget.http_rounds} of "
        f"≤{budget.http_seconds}s over HTTP with {budget.clients} keep-alive clients; "
        f"'slower by' is small/large throughput and large/small CPU per operation (> 1: the large world is "
        f"slower); load average {_load()}.[/dim]")
    for world in worlds:
        levels = {lvl: sum(g.level == lvl for g in world.granted) for lvl in ("subscription", "group", "resource")}
        console.print(f"[dim]{world.spec.key}: {len(world.granted):,} assignments, "
                      f"{len(world.principals):,} principals, {len(world.subscriptions)} subscriptions, "
                      f"{len(world.groups)} groups, "
                      f"{sum(len(r) for r in world.resources.values()):,} resources; scopes {levels}[/dim]")


def _load() -> str:
    with contextlib.suppress(OSError, AttributeError):
        return " ".join(f"{x:.2f}" for x in os.getloadavg())
    return "n/a"


def to_json(figures: Sequence[Figure]) -> dict[str, Any]:
    return {f.metric: {"unit": f.unit, "small": f.median("small"), "large": f.median("large"), "ratio": f.ratio(),
                       "cpu_seconds_per_op": {k: f.cpu_median(k) for k in ("small", "large")},
                       "cpu_ratio": f.cpu_ratio(), "rounds": f.rates, "cpu_rounds": f.cpu, "notes": f.notes}
            for f in figures} | {"load_average": _load()}


@contextlib.contextmanager
def maybe_profile(enabled: bool, console: Console) -> Iterator[None]:
    if not enabled:
        yield
        return
    profiler = cProfile.Profile()
    profiler.enable()
    try:
        yield
    finally:
        profiler.disable()
        out = io.StringIO()
        pstats.Stats(profiler, stream=out).sort_stats("cumulative").print_stats(30)
        console.print(out.getvalue(), markup=False, highlight=False)


def profile_large(world: World, budget: Budget, console: Console) -> None:
    """cProfile of each in-process operation on the large world (``--profile``)."""
    emu, queries, clients, tokens = world.emu, world.queries, world.clients, world.tokens
    ops: list[tuple[str, Callable[[int], object]]] = [
        ("rbac.check", lambda i: emu.rbac.check(*queries[i % len(queries)])),
        ("grants.client_credentials", lambda i: emu.grants.client_credentials(
            clients[i % len(clients)][0], clients[i % len(clients)][1], ARM_RESOURCE)),
        ("issuer.verify", lambda i: emu.issuer.verify(tokens[i % len(tokens)], ARM_AUDIENCES)),
    ]
    for name, op in ops:
        console.rule(f"profile: {name} on the large world")
        with maybe_profile(True, console):
            timed(op, budget.max_ops, budget.seconds)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--quick", action="store_true", help="short rounds (a smoke run, figures are noisy)")
    parser.add_argument("--clients", type=int, default=4, help="concurrent keep-alive HTTP clients (1-16)")
    parser.add_argument("--seed", type=int, default=20240601)
    parser.add_argument("--json", type=Path, help="also write the figures as JSON to this file")
    parser.add_argument("--profile", action="store_true", help="print a cProfile of each in-process operation")
    parser.add_argument("--no-http", action="store_true", help="skip the measurements over sockets")
    args = parser.parse_args(argv)
    clients = max(1, min(16, args.clients))
    budget = (Budget(2, 2, 0.3, 0.5, 20_000, clients) if args.quick
              else Budget(11, 7, 0.6, 2.0, 100_000, clients))
    console = Console(width=None if Console().is_terminal else 130)
    rng = random.Random(args.seed)
    with tempfile.TemporaryDirectory(prefix="pullproof-bench-") as tmp:
        worlds: list[World] = []
        try:
            for spec in (SMALL, LARGE):
                started = time.perf_counter()
                worlds.append(build_world(spec, Path(tmp) / spec.key / "data", rng))
                took = time.perf_counter() - started
                console.print(f"[dim]built {spec.key} world ({spec.label}) in {took:.1f}s[/dim]")
            figures = in_process(worlds, budget)
            if args.profile:
                profile_large(worlds[1], budget, console)
        finally:
            for world in worlds:
                close_world(world)
        if not args.no_http:
            figures += over_http(worlds, budget)
    render(console, figures, worlds, budget)
    if args.json:
        args.json.write_text(json.dumps(to_json(figures), indent=2) + "\n", "utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
