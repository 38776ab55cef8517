"""HTTP surface of the registry at ``<name>.azurecr.io``: the OCI Distribution API and the token
endpoints. Parse, authorize, call the content services, render."""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable
from urllib.parse import parse_qsl

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from pullproof.core.errors import ServiceError
from pullproof.core.ids import IdFactory
from pullproof.core.web import BodyTooLarge, host_of, read_body
from pullproof.registry import errors
from pullproof.registry.access import AccessController, parse_basic
from pullproof.registry.blob_routes import BlobRoutes
from pullproof.registry.http import BASE_HEADERS, paged
from pullproof.registry.manifest_routes import ManifestRoutes
from pullproof.registry.models import RegistryDirectory, RegistryInfo
from pullproof.registry.scope import Scope, parse_scopes, valid_repository
from pullproof.registry.tokens import TokenService

Handler = Callable[[Request, RegistryInfo, str, str], Awaitable[Response]]
V2 = re.compile(r"^/v2/(?P<name>.+?)/(?P<kind>blobs/uploads|blobs|manifests|tags|referrers)(?:/(?P<rest>.*))?$")
class RegistryRoutes:
    def __init__(self, registries: RegistryDirectory, tokens: TokenService, access: AccessController,
                 blobs: BlobRoutes, manifests: ManifestRoutes, ids: IdFactory, max_body: int) -> None:
        self.registries = registries
        self.tokens = tokens
        self.access = access
        self.blobs = blobs
        self.manifests = manifests
        self.ids = ids
        self.max_body = max_body

    def routes(self) -> list[Route]:
        methods = ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE"]
        return [Route("/oauth2/exchange", self.exchange, methods=methods),
                Route("/oauth2/token", self.token, methods=["GET", "POST"]),
                Route("/v2/", self.ping, methods=["GET", "HEAD"]),
                Route("/v2", self.ping, methods=["GET", "HEAD"]),
                Route("/v2/_catalog", self.catalog, methods=["GET"]),
                Route("/v2/{path:path}", self.dispatch, methods=methods)]

    def registry(self, request: Request, acr_only: bool = False) -> RegistryInfo:
        """``acr_only``: an ACR endpoint (``/oauth2/…``), which a public registry does not have."""
        found = self.registries.find(host_of(request.scope))
        if found is not None and acr_only and found.public:
            raise ServiceError(errors.NOT_FOUND, detail="404 page not found")
        if found is None:
            raise ServiceError(errors.NOT_FOUND, detail=f"registry '{host_of(request.scope)}' not found")
        return found

    @staticmethod
    async def fallback(request: Request) -> Response:
        """A path no route serves (one with a newline, say): distribution's 404, in the OCI body."""
        raise ServiceError(errors.NOT_FOUND, detail="404 page not found")

    async def ping(self, request: Request) -> Response:
        registry = self.registry(request)
        self.access.authorize(registry, request.headers.get("authorization"), None)
        return JSONResponse({}, headers=BASE_HEADERS)

    async def exchange(self, request: Request) -> Response:
        registry = self.registry(request, acr_only=True)
        if request.method != "POST":
            raise ServiceError(errors.NOT_FOUND, detail="404 page not found")
        form = await self._form(request)
        return JSONResponse({"refresh_token": self.tokens.exchange(registry, form)})

    async def token(self, request: Request) -> Response:
        registry = self.registry(request, acr_only=True)
        if request.method == "POST":
            pairs = await self._pairs(request)
            values = [v for k, v in pairs if k == "scope"]
            token = self.tokens.token_post(registry, dict(pairs), parse_scopes(values))
        else:
            scopes = parse_scopes(request.query_params.getlist("scope"))
            token = self.tokens.token_get(registry, parse_basic(request.headers.get("authorization")), scopes)
        return JSONResponse({"access_token": token})

    async def _pairs(self, request: Request) -> list[tuple[str, str]]:
        try:
            body = await read_body(request, self.max_body)
        except BodyTooLarge:
            raise ServiceError(errors.TOKEN_BAD_REQUEST, detail="request body too large") from None
        return parse_qsl(body.decode("utf-8", "replace"), keep_blank_values=True)

    async def _form(self, request: Request) -> dict[str, str]:
        return dict(await self._pairs(request))

    async def catalog(self, request: Request) -> Response:
        registry = self.registry(request)
        self.access.authorize(registry, request.headers.get("authorization"), Scope("registry", "catalog", ("*",)))
        last = request.query_params.get("last", "")
        names = self.manifests.store.repositories(registry.login_server, last)
        return paged(names, request, "/v2/_catalog", "repositories", {})

    async def dispatch(self, request: Request) -> Response:
        registry = self.registry(request)
        match = V2.match(request.url.path)
        if match is None:
            raise ServiceError(errors.NOT_FOUND, detail="404 page not found")
        name, kind, rest = match.group("name"), match.group("kind"), match.group("rest") or ""
        if not valid_repository(name):
            raise ServiceError(errors.NAME_INVALID, detail_object={"name": name})
        handler: Handler = {"blobs/uploads": self.blobs.uploads, "blobs": self.blobs.blob,
                            "manifests": self.manifests.manifest, "tags": self.manifests.tags,
                            "referrers": self.manifests.referrers}[kind]
        return await handler(request, registry, name, rest)

    def render_error(self, request: Request, error: ServiceError) -> Response:
        headers = {**BASE_HEADERS, "X-Ms-Correlation-Request-Id": self.ids.guid(), **error.headers}
        body = b"" if request.method == "HEAD" else errors.oci_body(error)
        return Response(body, status_code=error.status, headers=headers,
                        media_type="application/json; charset=utf-8")

