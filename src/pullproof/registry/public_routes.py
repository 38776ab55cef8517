"""The token endpoints of the public registries (``auth.docker.io/token``, ``ghcr.io/token``,
``quay.io/v2/auth``); their data plane is the registry's own routes."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from pullproof.core.errors import ServiceError
from pullproof.core.web import host_of
from pullproof.registry import errors
from pullproof.registry.public import PublicRegistries
from pullproof.registry.public_access import PublicAccess
from pullproof.registry.scope import parse_scopes


class PublicRoutes:
    def __init__(self, public: PublicRegistries, access: PublicAccess) -> None:
        self.public = public
        self.access = access

    def routes(self) -> list[Route]:
        return [Route("/token", self.token, methods=["GET"]), Route("/v2/auth", self.token, methods=["GET"])]

    async def token(self, request: Request) -> Response:
        profile = self.public.token_profile(host_of(request.scope))
        if profile is None or profile.token_path != request.url.path:
            raise ServiceError(errors.NOT_FOUND, detail="404 page not found")
        scopes = parse_scopes(request.query_params.getlist("scope"))
        return JSONResponse(self.access.token(profile, scopes, request.headers.get("authorization")))
