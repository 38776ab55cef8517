"""The composition root: the only place that constructs and wires services."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import httpx
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute
from starlette.types import ASGIApp, Receive, Scope, Send

from pullproof.aks.agentpools import AgentPools, AksNodeAuth
from pullproof.aks.identities import ClusterIdentities
from pullproof.aks.nodes import NodeFleet
from pullproof.aks.provider import CLUSTER_TYPE, ManagedClusters
from pullproof.arm.providers.identities import UserAssignedIdentities
from pullproof.arm.providers.registries import Registries, RegistryLookup
from pullproof.arm.routes import ArmRoutes
from pullproof.arm.service import ArmService
from pullproof.arm.store import ArmStore
from pullproof.blobstore.factory import create_driver
from pullproof.bootstrap import Bootstrap, OperatorCredentials
from pullproof.core import datadir
from pullproof.core.clock import Clock, SystemClock
from pullproof.core.errors import ServiceError
from pullproof.core.ids import IdFactory, RandomIds
from pullproof.core.jwt import TokenCodec
from pullproof.core.keys import KeyRing
from pullproof.core.nodekeys import NodeKey
from pullproof.core.sealing import Sealer
from pullproof.core.tls import LocalCA, tls_dir
from pullproof.core.trace import TraceSink
from pullproof.db.engine import Database
from pullproof.db.timeline import shared_clock
from pullproof.deployments.routes import DeploymentRoutes
from pullproof.deployments.service import DeploymentsApi
from pullproof.front import harmless, metadata, openapi
from pullproof.front.hosts import HostTable
from pullproof.front.local_api import LocalApi
from pullproof.front.router import HostRouter
from pullproof.identity.grants import Grants
from pullproof.identity.graph.routes import GraphRoutes
from pullproof.identity.graph.service import GraphService
from pullproof.identity.imds import ImdsRoutes
from pullproof.identity.models import ACR_AUDIENCE, ARM_AUDIENCES, GRAPH_AUDIENCE, NodeIdentities
from pullproof.identity.routes import IdentityRoutes
from pullproof.identity.service import DirectoryService
from pullproof.identity.store import DirectoryStore
from pullproof.identity.tokens import TokenIssuer
from pullproof.kube.apiserver.routes import KubeRoutes
from pullproof.kube.node.credentials import AcrCredentialProvider
from pullproof.kube.node.kubelet import Kubelets
from pullproof.kube.node.puller import Puller
from pullproof.kube.node.pulllog import PullLog
from pullproof.kube.runtime import Runtimes
from pullproof.kube.storage.clusters import Cluster, Clusters
from pullproof.kube.storage.store import KubeStore
from pullproof.rbac.service import RbacService, load_builtin_roles
from pullproof.rbac.store import AssignmentStore
from pullproof.registry.access import AccessController
from pullproof.registry.acr_routes import AcrRoutes
from pullproof.registry.blob_routes import BlobRoutes
from pullproof.registry.content import Content
from pullproof.registry.manifest_routes import ManifestRoutes
from pullproof.registry.manifests import Manifests
from pullproof.registry.public import PublicRegistries
from pullproof.registry.public import Registries as AllRegistries
from pullproof.registry.public_access import PublicAccess
from pullproof.registry.public_routes import PublicRoutes
from pullproof.registry.reclaim import Reclaimer
from pullproof.registry.routes import RegistryRoutes
from pullproof.registry.shipped import ship
from pullproof.registry.store import RegistryStore
from pullproof.registry.tokens import TokenService
from pullproof.settings import Settings

Endpoint = Callable[[Request], Awaitable[Response]]


@dataclass(frozen=True)
class Endpoints:
    """Where the emulator is reachable; ``direct`` is ``https://127.0.0.1:PORT`` (no trailing slash)."""

    direct: str
    proxy: str

    @property
    def graph_direct(self) -> str:
        return f"{self.direct}/graph/"


class Emulator:
    """Every service of one emulator instance, sharing one database, clock, id factory and keys."""

    def __init__(self, settings: Settings, endpoints: Endpoints, clock: Clock | None = None,
                 ids: IdFactory | None = None, blobs: Path | None = None) -> None:
        """``blobs``: the blob store's directory when it is not the data dir's own (check-acr's sandbox reads
        the blobs of the data dir it copied)."""
        self.settings = settings
        self.endpoints = endpoints
        self._app: ASGIApp | None = None
        datadir.ensure(settings.data_dir)  # raises UnsafeDataDir for a directory others could change
        self.db = Database(settings.data_dir / "pullproof.db")
        self.clock = clock or shared_clock(self.db, settings.time_scale)
        self.ids = ids or RandomIds()
        self.ca = LocalCA(tls_dir(settings.data_dir), SystemClock())  # real clients check certs on wall time
        self.sealer = Sealer(settings.data_dir / "seal.key")
        self.keys = KeyRing(self.db, self.clock, self.sealer)
        self.node_key = NodeKey(settings.data_dir / "node.key")
        self.trace = TraceSink(self.db, self.clock)
        self.hosts = HostTable()
        boot = Bootstrap(self.db, self.clock, self.ids, settings)
        tenant = boot.tenant()
        self.directory = DirectoryService(DirectoryStore(self.db), self.clock, self.ids, tenant)
        self.graph_audiences = (GRAPH_AUDIENCE, GRAPH_AUDIENCE + "/", endpoints.graph_direct,
                                endpoints.graph_direct.rstrip("/"))
        resources = (*ARM_AUDIENCES, ACR_AUDIENCE, *self.graph_audiences)
        self.issuer = TokenIssuer(TokenCodec(self.keys), self.clock, self.ids, tenant, resources)
        self.grants = Grants(self.directory, self.issuer, self.trace)
        self.rbac = RbacService(AssignmentStore(self.db), load_builtin_roles(), self.directory, self.clock,
                                self.trace, tenant.id, settings.propagation_delay)
        self._registry_layer(settings, blobs or settings.data_dir / "blobs")
        self._aks_layer()
        self.arm = ArmService(self.arm_store, self.rbac, self.issuer, self.clock, self.ids,
                              [UserAssignedIdentities(self.directory), self.registries, self.managed_clusters,
                               self.agent_pools])
        self.arm.namespace_actions[("microsoft.containerregistry", "checknameavailability")] = self.lookup.check_name
        self.deployments = DeploymentsApi(self.arm, self.clock, self.ids)
        self.operator: OperatorCredentials = boot.populate(self.directory, self.arm.store, self.rbac)
        self.graph = GraphService(self.directory, {self.operator.object_id})
        for cluster in self.arm_store.by_type(CLUSTER_TYPE):
            self.managed_clusters.activate(cluster)

    def seal_at_rest(self) -> int:
        """Seal the signing keys and Kubernetes Secrets a data dir of an earlier version kept in clear, leaving
        no clear copy in the database files; returns how many values it sealed. The server does this when it
        opens the data dir; readers (``explain``, ``check-acr``) open both forms and write nothing."""
        return self.db.rewrite(lambda conn: self.keys.seal_stored(conn) + self.kube_store.seal_stored(conn))

    def _aks_layer(self) -> None:
        self.kube_store = KubeStore(self.db, self.sealer)
        self.clusters = Clusters(self.kube_store, self.clock, self.ids)
        self.hosts.add_resolver(".azmk8s.io", lambda host: self.clusters.by_host(host) is not None)
        identities = ClusterIdentities(self.directory, self.grants, self.arm_store, self.clock)
        fleet = NodeFleet(self.directory, self.node_key, self.clock)
        self.managed_clusters = ManagedClusters(identities, fleet, self.clusters, self.sealer, self.ids,
                                                self.ca.cert_path.read_bytes(), self.arm_store, self.clock)
        self.agent_pools = AgentPools(self.managed_clusters, self.arm_store, self.clock)
        self.node_auth = AksNodeAuth(self.managed_clusters, self.arm_store)
        self.pull_log = PullLog(self.db)
        self.runtimes = Runtimes(self.clusters, self.clock, self.ids, self._kubelets)

    def _kubelets(self, cluster: Cluster) -> Kubelets:
        """Kubelets reach IMDS and the registry over HTTP (in process), as real nodes would."""
        http = httpx.AsyncClient(transport=httpx.ASGITransport(app=self.app), timeout=60.0)
        return Kubelets(cluster.tracker, cluster.id, self.clock, self.node_auth, Puller(http),
                        AcrCredentialProvider(http, self.clock), self.pull_log, self._registry_location)

    def _registry_location(self, login_server: str) -> str | None:
        """Where a registry lives, as DNS would tell a node (None: the name does not resolve)."""
        found = self.lookup.find(login_server)
        resource = self.arm_store.get(found.resource_id) if found else None
        return str(resource.body["location"]) if resource else None

    @property
    def app(self) -> ASGIApp:
        if self._app is None:
            self._app = self.asgi()
        return self._app

    def _registry_layer(self, settings: Settings, blobs: Path) -> None:
        self.arm_store = ArmStore(self.db)
        self.blob_driver = create_driver(settings.blob_driver, blobs)
        self.registry_store = RegistryStore(self.db)
        self.content = Content(self.registry_store, self.blob_driver, self.clock, self.ids)
        self.manifests = Manifests(self.registry_store, self.content, self.clock)
        self.reclaimer = Reclaimer(self.content, self.registry_store, self.clock)
        self.registries = Registries(self.directory, self.sealer, self.clock, self.ids,
                                     name_taken=lambda name, rid: self.lookup.name_taken(name, rid),
                                     purge=self._purge_registry)
        self.lookup = RegistryLookup(self.arm_store, self.registries)
        self.registry_tokens = TokenService(TokenCodec(self.keys), self.issuer, self.grants, self.rbac, self.clock,
                                            self.ids, self.trace, self.lookup.admin_password_ok)
        self.hosts.add_resolver(".azurecr.io", lambda host: self.lookup.find(host) is not None)
        self.public = PublicRegistries()
        self.all_registries = AllRegistries(self.public, self.lookup)
        self.hosts.add_names("public-registry", self.public.hosts())
        self.shipped = ship(self.content, self.registry_store, self.clock)  # AKS system images, where absent

    def _purge_registry(self, login_server: str) -> None:
        """Runs inside the ARM delete transaction: rows only. The files they named go later, in the
        writer process: session files at the server's next sweep, blob files at the next ``gc``."""
        self.registry_store.delete_registry(login_server)

    # HTTP -------------------------------------------------------------------------------------------
    def asgi(self) -> ASGIApp:
        max_body = self.settings.max_body_bytes
        identity = IdentityRoutes(self.grants, self.issuer, max_body)
        imds = ImdsRoutes(self.grants)
        graph = GraphRoutes(self.graph, self.issuer, self.graph_audiences, self.clock, self.ids, max_body)
        arm = ArmRoutes(self.arm, self.ids, max_body, [DeploymentRoutes(self.deployments, max_body)])
        public = PublicAccess(self.public, TokenCodec(self.keys), self.clock, self.registry_store)
        access = AccessController(self.registry_tokens, public)
        registry = RegistryRoutes(self.all_registries, self.registry_tokens, access, BlobRoutes(self.content, access),
                                  ManifestRoutes(self.manifests, access), self.ids, max_body)
        acr = AcrRoutes(self.lookup, self.registry_store, self.content, access)
        kube = KubeRoutes(self.clusters, self.clock, self.ids)
        renderers = {"oauth2": identity.render_error, "imds": imds.render_error, "graph": graph.render_error,
                     "arm": arm.render_error, "oci": registry.render_error, "kube": kube.render_error}

        async def on_error(request: Request, exc: Exception) -> Response:
            assert isinstance(exc, ServiceError)
            return renderers[exc.code.surface](request, exc)

        def app(routes: Sequence[BaseRoute], fallback: Endpoint | None = None) -> Starlette:
            built = Starlette(routes=list(routes), exception_handlers={ServiceError: on_error})
            if fallback is not None:  # a path no route serves gets the surface's own error, not a bare 404
                endpoint = fallback

                async def unrouted(scope: Scope, receive: Receive, send: Send) -> None:
                    await (await endpoint(Request(scope, receive)))(scope, receive, send)

                built.router.default = unrouted
            return built

        local = LocalApi(self.arm, self.operator, self.reclaimer)
        described = openapi.routes(arm.served_types, arm.namespace_actions)
        direct = [*metadata.routes(), *local.routes(), *described, *graph.routes("/graph/v1.0"), *arm.routes(),
                  *identity.routes()]
        apps: dict[str, ASGIApp] = {
            "identity": app(list(identity.routes())),
            "arm": app([*metadata.routes(), *arm.routes()], arm.fallback),
            "graph": app(list(graph.routes("/v1.0")), graph.fallback),
            "local": app(direct, arm.fallback),
            "telemetry": app(harmless.telemetry_routes()),
            "version-check": app(harmless.version_routes()),
            ".azurecr.io": app([*registry.routes(), *acr.routes()], registry.fallback),
            ".azmk8s.io": app(kube.routes(), kube.not_found),
            "public-registry": app([*PublicRoutes(self.public, public).routes(), *registry.routes()],
                                   registry.fallback),
        }
        return HostRouter(self.hosts, apps, app(list(imds.routes())))

    def put_node(self, name: str, identity_ids: list[str], system: str | None = None) -> str:
        """Make ``name`` a node carrying these managed identities; returns its credential."""
        secret = self.node_key.secret_for(name)
        self.directory.put_node(name, NodeIdentities(system, tuple(identity_ids)), secret)
        return f"{name}:{secret}"

    def close(self) -> None:
        self.trace.flush()
        self.db.close()
