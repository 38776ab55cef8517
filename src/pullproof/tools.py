"""The tools' wiring (tier 6): the read-only state adapter (``explain.state.ToolState``) over the real
services, and the sandboxes the tools run things in. The tools themselves (tier 5) see only the ports.

- ``open_state(settings)``: the state of a data dir, read from a private copy of its database
  (``db/snapshot.py``) opened read-only; nothing in the data dir is written, created or migrated.
- ``state_of(emulator)``: the same port over an emulator this process runs (lint's world, tests).
- ``open_probe(settings, endpoints)``: check-acr's sandbox, a full emulator over a copy of the data dir.
- ``lint_world()``: a throw-away emulator on a manual clock, for lint's deployments and preflight.
- ``DemoServer``: the demo's server (``front.server.Running``) as the demo sees it.
"""

from __future__ import annotations

import asyncio
import shutil
import tempfile
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from pullproof.app import Emulator, Endpoints
from pullproof.arm.models import Resource
from pullproof.arm.providers.registries import Registries, RegistryLookup
from pullproof.arm.store import ArmStore
from pullproof.bootstrap import read_operator
from pullproof.core.clock import Clock, ManualClock
from pullproof.core.ids import IdFactory, RandomIds
from pullproof.core.jwt import TokenCodec
from pullproof.core.keys import KeyRing
from pullproof.core.reasons import Decision
from pullproof.core.sealing import Sealer
from pullproof.core.trace import TraceEntry, TraceSink
from pullproof.db.engine import Database
from pullproof.db.snapshot import copy_database
from pullproof.db.timeline import stored_clock
from pullproof.demo.server import Login
from pullproof.explain.state import Objects
from pullproof.front.server import Running
from pullproof.iac import deploy_template, operator_caller
from pullproof.identity.grants import Grants
from pullproof.identity.models import ServicePrincipal
from pullproof.identity.service import DirectoryService
from pullproof.identity.store import DirectoryStore
from pullproof.identity.tokens import TokenIssuer
from pullproof.kube.node.images import ImageRef
from pullproof.kube.node.kubelet import Attempt
from pullproof.kube.node.pulllog import PullLog, PullRecord
from pullproof.kube.storage.clusters import Cluster, Clusters
from pullproof.kube.storage.store import KubeStore
from pullproof.rbac.models import RoleAssignment, RoleDefinition
from pullproof.rbac.service import NewAssignment, RbacService, load_builtin_roles
from pullproof.rbac.store import AssignmentStore
from pullproof.registry.inproc_client import RegistryPusher
from pullproof.registry.models import RegistryInfo
from pullproof.registry.store import RegistryStore
from pullproof.registry.tokens import TokenService
from pullproof.settings import Settings

DB_FILE = "pullproof.db"
STATE_FILES = ("seal.key", "node.key", "operator.json")


class NotInitialised(Exception):
    """The data dir holds no state a tool can read (no database, or one no server has set up)."""


class QuietTrace(TraceSink):
    """Keeps nothing: the adapter's RBAC questions are what-ifs, not requests served."""

    def record(self, surface: str, decision: Decision, principal_id: str | None = None,
               action: str | None = None, scope: str | None = None) -> None:
        return None


@dataclass
class StateServices:
    """What the adapter reads through; every store may be over a read-only database."""

    db: Database
    clock: Clock
    subscription_id: str
    tenant_id: str
    arm: ArmStore
    directory: DirectoryService
    lookup: RegistryLookup
    registry: RegistryStore
    rbac: RbacService
    tokens: TokenService
    trace: TraceSink
    pulls: PullLog
    objects: Callable[[str], Objects | None]


class ServicesState:
    """``ToolState`` over the real stores and RBAC (see ``explain/state.py`` for the contract)."""

    def __init__(self, services: StateServices) -> None:
        self._s = services

    @property
    def subscription_id(self) -> str:
        return self._s.subscription_id

    @property
    def tenant_id(self) -> str:
        return self._s.tenant_id

    @property
    def roles(self) -> Mapping[str, RoleDefinition]:
        return self._s.rbac.roles

    def now(self) -> float:
        return self._s.clock.now()

    def resource(self, resource_id: str) -> Resource | None:
        return self._s.arm.get(resource_id)

    def resources(self, resource_type: str) -> list[Resource]:
        return self._s.arm.by_type(resource_type)

    def service_principal(self, *, object_id: str | None = None, app_id: str | None = None) -> ServicePrincipal | None:
        return self._s.directory.store.sp(object_id=object_id, app_id=app_id)

    def managed_identity(self, resource_id: str) -> ServicePrincipal | None:
        return self._s.directory.managed_identity(resource_id)

    def registry(self, login_server: str) -> RegistryInfo | None:
        return self._s.lookup.find(login_server)

    def tags(self, login_server: str, repository: str) -> list[str]:
        return [str(row["name"]) for row in self._s.registry.tags(login_server.lower(), repository)]

    def assignments(self, principal_id: str) -> list[RoleAssignment]:
        return self._s.rbac.store.for_principal(principal_id)

    def evaluate(self, principal_id: str, action: str, scope: str, data_action: bool = False,
                 attributes: Mapping[str, str] | None = None) -> Decision:
        return self._s.rbac.evaluate_only(principal_id, action, scope, data_action=data_action, attributes=attributes)

    def registry_decision(self, registry: RegistryInfo, principal_id: str, verb: str, repository: str) -> Decision:
        return self._s.tokens.decide(registry, principal_id, verb, repository)

    def decisions(self, correlation: str, limit: int = 100) -> list[TraceEntry]:
        return self._s.trace.entries(correlation=correlation, limit=limit)

    def pulls(self, cluster_id: str, namespace: str, pod: str) -> list[PullRecord]:
        return self._s.pulls.for_pod(cluster_id, namespace, pod)

    def last_pull(self, cluster_id: str, image: str) -> tuple[str, str] | None:
        record = self._s.pulls.last_for_image(cluster_id, image)
        return (record.namespace, record.pod) if record else None

    def objects(self, cluster_id: str) -> Objects | None:
        return self._s.objects(cluster_id)


def _quiet_rbac(rbac: RbacService, directory: DirectoryService, clock: Clock, quiet: TraceSink) -> RbacService:
    return RbacService(rbac.store, rbac.roles, directory, clock, quiet, rbac.tenant_id, rbac.propagation_delay)


def state_of(emulator: Emulator) -> ServicesState:
    """The port over an emulator this process runs; its RBAC questions record nothing."""
    quiet = QuietTrace(emulator.db, emulator.clock)
    rbac = _quiet_rbac(emulator.rbac, emulator.directory, emulator.clock, quiet)
    tokens = TokenService(emulator.registry_tokens.codec, emulator.issuer, emulator.grants, rbac, emulator.clock,
                          emulator.ids, quiet, emulator.lookup.admin_password_ok)

    def objects(cluster_id: str) -> Objects | None:
        found = emulator.clusters.get(cluster_id)
        return found.tracker if found else None

    return ServicesState(StateServices(
        emulator.db, emulator.clock, emulator.operator.subscription_id, emulator.operator.tenant_id,
        emulator.arm_store, emulator.directory, emulator.lookup, emulator.registry_store, rbac, tokens,
        emulator.trace, emulator.pull_log, objects))


def _read_only_state(db: Database, data_dir: Path, settings: Settings, ids: IdFactory) -> ServicesState:
    """The port over a read-only database (a private copy) and the data dir's keys, read, never created."""
    meta = db.one("SELECT value FROM meta WHERE key = 'tenant_id'")
    tenant = DirectoryStore(db).tenant(str(meta["value"])) if meta else None
    if tenant is None or db.one("SELECT value FROM meta WHERE key = 'bootstrapped'") is None \
            or db.one("SELECT kid FROM signing_keys LIMIT 1") is None:
        raise NotInitialised(f"no pullproof state in {data_dir}; run 'pullproof up' first")
    clock = stored_clock(db)
    operator = read_operator(data_dir)
    sealer = Sealer(data_dir / "seal.key")
    directory = DirectoryService(DirectoryStore(db), clock, ids, tenant)
    quiet = QuietTrace(db, clock)
    rbac = RbacService(AssignmentStore(db), load_builtin_roles(), directory, clock, quiet, tenant.id,
                       settings.propagation_delay)
    arm = ArmStore(db)
    registries = Registries(directory, sealer, clock, ids, name_taken=lambda name, rid: False, purge=lambda login: None)
    lookup = RegistryLookup(arm, registries)
    issuer = TokenIssuer(TokenCodec(KeyRing(db, clock, sealer)), clock, ids, tenant, ())
    tokens = TokenService(issuer.codec, issuer, Grants(directory, issuer, quiet), rbac, clock, ids, quiet,
                          lookup.admin_password_ok)
    clusters = Clusters(KubeStore(db, sealer), clock, ids)

    def objects(cluster_id: str) -> Objects | None:
        found = arm.get(cluster_id)
        if found is None or not found.body.get("properties", {}).get("fqdn"):
            return None
        props = found.body["properties"]
        return clusters.open(found.id, props["fqdn"], {}, str(props.get("currentKubernetesVersion", ""))).tracker

    return ServicesState(StateServices(db, clock, operator.subscription_id, operator.tenant_id, arm, directory,
                                       lookup, RegistryStore(db), rbac, tokens, TraceSink(db, clock), PullLog(db),
                                       objects))


def _snapshot(data_dir: Path, into: Path) -> Path:
    """A private copy of the data dir's database in ``into``, migrated there (the original is never opened)."""
    if not (data_dir / DB_FILE).exists() or not all((data_dir / name).exists() for name in STATE_FILES):
        raise NotInitialised(f"no pullproof state in {data_dir}; run 'pullproof up' first")
    copy = into / DB_FILE
    copy_database(data_dir / DB_FILE, copy)
    Database(copy).close()  # an older data dir's schema is brought up to date in the copy only
    return copy


@contextmanager
def open_state(settings: Settings) -> Iterator[ServicesState]:
    """The state of ``settings.data_dir`` as of now, read from a private copy; writes nothing there.
    ``NotInitialised`` if it holds no state."""
    with tempfile.TemporaryDirectory(prefix="pullproof-read-") as tmp:
        db = Database(_snapshot(settings.data_dir, Path(tmp)), read_only=True)
        try:
            yield _read_only_state(db, settings.data_dir, settings, RandomIds())
        finally:
            db.close()


class EmulatorProbe:
    """``explain.state.Probe`` over an emulator (a sandbox's)."""

    def __init__(self, emulator: Emulator) -> None:
        self.emulator = emulator
        self.state = state_of(emulator)

    def correlation(self) -> str:
        return f"check-acr/{self.emulator.ids.guid()}"

    async def attempt(self, cluster_id: str, node: str, image: ImageRef, correlation: str) -> Attempt:
        live = self.emulator.clusters.get(cluster_id)
        if live is None:
            raise ValueError(f"cluster {cluster_id} is not running")
        attempt = await self.emulator.runtimes.get(live).kubelets.attempt(node, image, [], correlation)
        self.emulator.trace.flush()
        return attempt


@contextmanager
def open_probe(settings: Settings, endpoints: Endpoints) -> Iterator[EmulatorProbe]:
    """check-acr's sandbox: an emulator over a private copy of the data dir (its database, keys, CA and
    operator), reading blobs from the data dir's store; what the probe records stays in the copy."""
    source = settings.data_dir
    with tempfile.TemporaryDirectory(prefix="pullproof-probe-") as tmp:
        root = Path(tmp) / "data"
        root.mkdir(mode=0o700)
        _snapshot(source, root)
        for name in STATE_FILES:
            shutil.copyfile(source / name, root / name)
            (root / name).chmod(0o600)
        if (source / "tls").is_dir():
            shutil.copytree(source / "tls", root / "tls")
        blobs = source / "blobs" if (source / "blobs").is_dir() else None
        emulator = Emulator(replace(settings, data_dir=root, time_scale=None), endpoints, blobs=blobs)
        try:
            yield EmulatorProbe(emulator)
        finally:
            emulator.close()


class LintWorld:
    """``lint.world.World`` over a throw-away emulator, acting as its operator."""

    def __init__(self, emulator: Emulator, clock: ManualClock) -> None:
        self.emulator = emulator
        self.clock = clock
        self.ids = emulator.ids
        self.state = state_of(emulator)
        self._caller = operator_caller(emulator)

    def put_group(self, subscription: str, name: str, body: dict[str, Any]) -> None:
        self.emulator.arm.put_group(self._caller, subscription, name, body)

    def deploy(self, scope: str, name: str, template: dict[str, Any] | str, parameters: dict[str, Any],
               location: str | None) -> dict[str, Any]:
        return deploy_template(self.emulator, self._caller, scope, name, template, parameters, location)

    def grant(self, assignment: NewAssignment) -> None:
        self.emulator.rbac.create(assignment, None)

    def cluster(self, cluster_id: str) -> Cluster | None:
        return self.emulator.clusters.get(cluster_id)

    async def step(self) -> None:
        await self.emulator.runtimes.step()

    def pusher(self, login_server: str) -> RegistryPusher:
        op = self.emulator.operator
        return RegistryPusher.in_process(self.emulator.app, login_server, op.client_id, op.client_secret)


@contextmanager
def lint_world() -> Iterator[LintWorld]:
    """A throw-away emulator (temporary data dir, manual clock, no propagation delay) for one lint run."""
    with tempfile.TemporaryDirectory(prefix="pullproof-lint-") as tmp:
        clock = ManualClock()
        emulator = Emulator(Settings(data_dir=Path(tmp), propagation_delay=0.0),
                            Endpoints("https://127.0.0.1:1", "http://127.0.0.1:2"), clock=clock)
        try:
            yield LintWorld(emulator, clock)
        finally:
            emulator.close()


class ServedDemo:
    """``demo.server.DemoServer`` over a server this process runs (``front.server.Running``)."""

    def __init__(self, running: Running) -> None:
        self.running = running
        op = running.emulator.operator
        self.direct, self.proxy = running.endpoints.direct, running.endpoints.proxy
        self.ca_path = running.emulator.ca.cert_path
        self.operator = Login(op.tenant_id, op.subscription_id, op.client_id, op.client_secret)
        self.state = state_of(running.emulator)

    async def serve(self, on_ready: Callable[[], None], stop: asyncio.Event) -> None:
        await self.running.serve(on_ready, stop)


def demo_server(settings: Settings) -> ServedDemo:
    """Bind the listeners and open the emulator (``DataDirBusy``, ``CannotListen`` as ``Running`` raises)."""
    return ServedDemo(Running(settings))
