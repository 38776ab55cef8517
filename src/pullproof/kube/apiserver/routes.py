"""The HTTP surface of every cluster's API server at ``<fqdn>.azmk8s.io``: version and health,
discovery (legacy and aggregated), OpenAPI v3, and the resource paths. Authentication is the
cluster's bearer tokens (clusterUser / clusterAdmin); there is no RBAC inside the cluster."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from starlette.routing import BaseRoute, Route

from pullproof.core.clock import Clock
from pullproof.core.errors import ServiceError
from pullproof.core.ids import IdFactory
from pullproof.core.web import host_of
from pullproof.kube import errors
from pullproof.kube.apiserver import discovery, media, openapi, paths
from pullproof.kube.apiserver.bootstrap import ensure_cluster
from pullproof.kube.apiserver.protobuf import ProtobufCodec
from pullproof.kube.apiserver.resource_routes import ResourceHandler, json_response
from pullproof.kube.apiserver.schema import SchemaChecker
from pullproof.kube.apiserver.service import ObjectService
from pullproof.kube.storage.clusters import Cluster, Clusters
from pullproof.kube.storage.customtypes import ResourceTypes

MAX_BODY = 3 * 1024 * 1024
ALL_METHODS = ["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"]
PUBLIC_PATHS = ("/version", "/healthz", "/livez", "/readyz")


class KubeRoutes:
    def __init__(self, clusters: Clusters, clock: Clock, ids: IdFactory, max_body: int = MAX_BODY) -> None:
        self.clusters = clusters
        self.clock = clock
        self.ids = ids
        self.max_body = max_body
        self.codec = ProtobufCodec()
        self.checker = SchemaChecker(self.codec.schema)
        self._bootstrapped: set[str] = set()

    def routes(self) -> list[BaseRoute]:
        return [
            Route("/version", self.version, methods=["GET"]),
            *(Route(path, self.health, methods=["GET"]) for path in PUBLIC_PATHS[1:]),
            *(Route(path + "/{check:path}", self.health, methods=["GET"]) for path in PUBLIC_PATHS[1:]),
            Route("/api", self.api, methods=["GET"]),
            Route("/apis", self.apis, methods=["GET"]),
            Route("/api/{version}", self.core_version, methods=["GET"]),
            Route("/apis/{group}", self.group, methods=["GET"]),
            Route("/apis/{group}/{version}", self.group_version, methods=["GET"]),
            Route("/openapi/v2", self.openapi_v2, methods=["GET"]),
            Route("/openapi/v3", self.openapi_index, methods=["GET"]),
            Route("/openapi/v3/{path:path}", self.openapi_document, methods=["GET"]),
            Route("/api/{version}/{rest:path}", self.resource, methods=ALL_METHODS),
            Route("/apis/{group}/{version}/{rest:path}", self.resource, methods=ALL_METHODS),
            Route("/{path:path}", self.not_found, methods=ALL_METHODS),
        ]

    # authentication ---------------------------------------------------------------------------------------
    def cluster(self, request: Request, public: bool = False) -> Cluster:
        cluster = self.clusters.by_host(host_of(request.scope))
        if cluster is None:
            raise ServiceError(errors.NO_RESOURCE)
        header = request.headers.get("authorization")
        if header is None and public:
            return cluster
        scheme, _, token = (header or "").partition(" ")
        if scheme.lower() != "bearer" or not token.strip() or cluster.user_for(token.strip()) is None:
            raise ServiceError(errors.UNAUTHORIZED)
        if cluster.id not in self._bootstrapped:
            ensure_cluster(cluster.tracker)
            self._bootstrapped.add(cluster.id)
        return cluster

    # non-resource paths ---------------------------------------------------------------------------------
    async def version(self, request: Request) -> Response:
        cluster = self.cluster(request, public=True)
        return json_response(discovery.version_info(cluster.version))

    async def health(self, request: Request) -> Response:
        self.cluster(request, public=True)
        return PlainTextResponse("ok")

    async def api(self, request: Request) -> Response:
        cluster = self.cluster(request)
        if media.wants_aggregated(request.headers.get("accept")):
            return self._aggregated(ResourceTypes.of(cluster.tracker), legacy=True)
        return json_response(discovery.legacy_api())

    async def apis(self, request: Request) -> Response:
        types = ResourceTypes.of(self.cluster(request).tracker)
        if media.wants_aggregated(request.headers.get("accept")):
            return self._aggregated(types, legacy=False)
        return json_response(discovery.group_list(types))

    @staticmethod
    def _aggregated(types: ResourceTypes, legacy: bool) -> Response:
        response = json_response(discovery.aggregated(types, legacy))
        response.headers["content-type"] = media.DISCOVERY_V2
        return response

    async def core_version(self, request: Request) -> Response:
        cluster = self.cluster(request)
        if request.path_params["version"] != "v1":
            raise ServiceError(errors.NO_RESOURCE)
        return json_response(discovery.resource_list(ResourceTypes.of(cluster.tracker), "", "v1"))

    async def group(self, request: Request) -> Response:
        types = ResourceTypes.of(self.cluster(request).tracker)
        found = discovery.group(types, request.path_params["group"])
        if found is None:
            raise ServiceError(errors.NO_RESOURCE)
        return json_response(found)

    async def group_version(self, request: Request) -> Response:
        types = ResourceTypes.of(self.cluster(request).tracker)
        group, version = request.path_params["group"], request.path_params["version"]
        if not types.serves_group_version(group, version):
            raise ServiceError(errors.NO_RESOURCE)
        return json_response(discovery.resource_list(types, group, version))

    async def openapi_v2(self, request: Request) -> Response:
        cluster = self.cluster(request)
        if "protobuf" in (request.headers.get("accept") or ""):
            return Response(b"", media_type=openapi.V2_PROTOBUF)
        return json_response(openapi.v2_document(cluster.version))

    async def openapi_index(self, request: Request) -> Response:
        cluster = self.cluster(request)
        return json_response(openapi.index(ResourceTypes.of(cluster.tracker), cluster.version))

    async def openapi_document(self, request: Request) -> Response:
        cluster = self.cluster(request)
        doc = openapi.find(ResourceTypes.of(cluster.tracker), request.path_params["path"], cluster.version)
        if doc is None:
            raise ServiceError(errors.NO_RESOURCE)
        return json_response(doc, headers={"Cache-Control": "public, immutable"})

    async def not_found(self, request: Request) -> Response:
        self.cluster(request)
        raise ServiceError(errors.NO_RESOURCE)

    # resources --------------------------------------------------------------------------------------------
    async def resource(self, request: Request) -> Response:
        cluster = self.cluster(request)
        params = request.path_params
        types = ResourceTypes.of(cluster.tracker)
        target = paths.parse(types, params.get("group", ""), params["version"], params["rest"])
        objects = ObjectService(cluster.tracker, self.clock, self.ids, self.checker)
        handler = ResourceHandler(objects, self.codec, self.clock, self.max_body)
        return await handler.handle(request, target)

    def render_error(self, request: Request, error: ServiceError) -> Response:
        return json_response(errors.status_body(error), error.status,
                             headers={"Audit-Id": self.ids.guid(), "Cache-Control": "no-cache, private",
                                      **error.headers})
