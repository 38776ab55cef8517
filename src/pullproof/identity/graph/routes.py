"""HTTP surface of the Graph subset, at ``graph.microsoft.com/v1.0`` and ``<direct>/graph/v1.0``."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Collection
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from pullproof.core.clock import Clock, graph_time
from pullproof.core.errors import ServiceError
from pullproof.core.ids import IdFactory
from pullproof.core.jwt import TokenRejected
from pullproof.core.reasons import Reason
from pullproof.core.web import BadJson, BodyTooLarge, read_json_object
from pullproof.identity.graph import errors
from pullproof.identity.graph.service import GraphService
from pullproof.identity.models import Caller
from pullproof.identity.tokens import TokenIssuer

Handler = Callable[[Request, Caller], Awaitable[Response]]
CONTEXT = "https://graph.microsoft.com/v1.0/$metadata#"


class GraphRoutes:
    def __init__(self, graph: GraphService, issuer: TokenIssuer, audiences: Collection[str], clock: Clock,
                 ids: IdFactory, max_body: int) -> None:
        self.graph = graph
        self.issuer = issuer
        self.audiences = audiences
        self.clock = clock
        self.ids = ids
        self.max_body = max_body

    def routes(self, prefix: str = "/v1.0") -> list[Route]:
        table: list[tuple[str, Handler, list[str]]] = [
            ("/applications", self.applications, ["GET", "POST"]),
            ("/applications/{key}/addPassword", self.add_password, ["POST"]),
            ("/applications/{key}/removePassword", self.remove_password, ["POST"]),
            ("/applications/{key}", self.application, ["GET", "PATCH", "DELETE"]),
            ("/applications{key:path}", self.application, ["GET", "PATCH", "DELETE"]),
            ("/servicePrincipals", self.service_principals, ["GET", "POST"]),
            ("/servicePrincipals/{key}", self.service_principal, ["GET", "DELETE"]),
            ("/users", self.users, ["GET"]),
            ("/users/{key}", self.user, ["GET"]),
            ("/me", self.me, ["GET"]),
            ("/directoryObjects/getByIds", self.get_by_ids, ["POST"]),
        ]
        return [Route(prefix + path, self._authenticated(handler), methods=methods)
                for path, handler, methods in table]

    def _authenticated(self, handler: Handler) -> Callable[[Request], Awaitable[Response]]:
        async def endpoint(request: Request) -> Response:
            return await handler(request, self.authenticate(request))

        return endpoint

    @staticmethod
    async def fallback(request: Request) -> Response:
        """A path no route serves: Graph names the first segment it does not know."""
        segments = [p for p in request.url.path.split("/") if p]
        raise ServiceError(errors.NO_ROUTE, segment=segments[1] if len(segments) > 1 else "")

    def authenticate(self, request: Request) -> Caller:
        scheme, _, token = request.headers.get("authorization", "").partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            raise ServiceError(errors.TOKEN_EMPTY)
        try:
            return self.issuer.verify(token.strip(), self.audiences)
        except TokenRejected as exc:
            if exc.reason is Reason.TOKEN_EXPIRED:
                raise ServiceError(errors.TOKEN_EXPIRED) from None
            detail = "Invalid audience." if exc.reason is Reason.TOKEN_WRONG_AUDIENCE else "Invalid signature."
            raise ServiceError(errors.TOKEN_INVALID, detail=detail) from None

    async def _body(self, request: Request) -> dict[str, Any]:
        try:
            return await read_json_object(request, self.max_body, allow_empty=True)
        except BodyTooLarge:
            raise ServiceError(errors.TOO_LARGE) from None
        except BadJson as exc:
            raise ServiceError(errors.BAD_REQUEST, detail=f"Invalid JSON: {exc.detail}") from None

    @staticmethod
    def _list(name: str, items: list[dict[str, Any]]) -> Response:
        return JSONResponse({"@odata.context": CONTEXT + name, "value": items})

    async def applications(self, request: Request, caller: Caller) -> Response:
        self.graph.require(caller, write=request.method == "POST")
        if request.method == "POST":
            body = self.graph.create_app(await self._body(request))
            return JSONResponse({"@odata.context": CONTEXT + "applications/$entity", **body}, status_code=201)
        return self._list("applications", self.graph.list_apps(request.query_params.get("$filter")))

    async def application(self, request: Request, caller: Caller) -> Response:
        self.graph.require(caller, write=request.method != "GET")
        app = self.graph.app(request.path_params["key"])
        if request.method == "DELETE":
            self.graph.directory.store.delete_application(app.app_id)
            return Response(status_code=204)
        if request.method == "PATCH":
            await self._body(request)
            return Response(status_code=204)
        return JSONResponse({"@odata.context": CONTEXT + "applications/$entity", **self.graph.render_app(app)})

    async def add_password(self, request: Request, caller: Caller) -> Response:
        self.graph.require(caller, write=True)
        body = self.graph.add_password(request.path_params["key"], await self._body(request))
        return JSONResponse({"@odata.context": CONTEXT + "microsoft.graph.passwordCredential", **body})

    async def remove_password(self, request: Request, caller: Caller) -> Response:
        self.graph.require(caller, write=True)
        app = self.graph.app(request.path_params["key"])
        key_id = str((await self._body(request)).get("keyId") or "")
        if not self.graph.directory.store.remove_password(app.app_id, key_id):
            raise ServiceError(errors.BAD_REQUEST, detail=f"No password credential found with keyId '{key_id}'.")
        return Response(status_code=204)

    async def service_principals(self, request: Request, caller: Caller) -> Response:
        self.graph.require(caller, write=request.method == "POST")
        if request.method == "POST":
            body = self.graph.create_sp(await self._body(request))
            return JSONResponse({"@odata.context": CONTEXT + "servicePrincipals/$entity", **body}, status_code=201)
        return self._list("servicePrincipals", self.graph.list_sps(request.query_params.get("$filter")))

    async def service_principal(self, request: Request, caller: Caller) -> Response:
        self.graph.require(caller, write=request.method != "GET")
        sp = self.graph.sp(request.path_params["key"])
        if request.method == "DELETE":
            self.graph.directory.store.delete_sp(sp.object_id)
            return Response(status_code=204)
        return JSONResponse({"@odata.context": CONTEXT + "servicePrincipals/$entity", **self.graph.render_sp(sp)})

    async def users(self, request: Request, caller: Caller) -> Response:
        self.graph.require(caller, write=False)
        return self._list("users", self.graph.list_users(request.query_params.get("$filter")))

    async def user(self, request: Request, caller: Caller) -> Response:
        self.graph.require(caller, write=False)
        return JSONResponse({"@odata.context": CONTEXT + "users/$entity",
                             **self.graph.user(request.path_params["key"])})

    async def me(self, request: Request, caller: Caller) -> Response:
        if caller.kind != "user":
            raise ServiceError(errors.BAD_REQUEST,
                               detail="/me request is only valid with delegated authentication flow.")
        return JSONResponse({"@odata.context": CONTEXT + "users/$entity", **self.graph.user(caller.object_id)})

    async def get_by_ids(self, request: Request, caller: Caller) -> Response:
        self.graph.require(caller, write=False)
        return self._list("directoryObjects", self.graph.get_by_ids(await self._body(request)))

    def render_error(self, request: Request, error: ServiceError) -> Response:
        body = errors.graph_body(error, self.ids.guid(), graph_time(self.clock.now()))
        return JSONResponse(body, status_code=error.status)
