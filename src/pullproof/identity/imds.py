"""Managed-identity endpoints as a node sees them: IMDS (VM style) and App Service style.

The caller is a node when it proves it: through the proxy with ``Proxy-Authorization: Basic
node:secret`` (``pullproof env --node``), or with ``X-IDENTITY-HEADER: node:secret`` (App Service
style). A caller that is no node is treated as a VM without identity.
"""

from __future__ import annotations

import base64
import binascii

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from pullproof.core.clock import real_seconds
from pullproof.core.errors import ServiceError
from pullproof.identity import errors
from pullproof.identity.grants import Grants, Issued

NODE_HEADER = "x-pullproof-node"


def node_credentials(request: Request) -> tuple[str | None, str | None]:
    """(node name, secret) from the proxy credentials or the App Service header, if any."""
    header = request.headers.get("x-identity-header")
    if header is None:
        raw = request.headers.get("proxy-authorization", "")
        scheme, _, value = raw.partition(" ")
        if scheme.lower() != "basic":
            return None, None
        try:
            header = base64.b64decode(value, validate=True).decode("utf-8")
        except (binascii.Error, UnicodeDecodeError):
            return None, None
    name, sep, secret = header.partition(":")
    return (name, secret) if sep else (None, None)


class ImdsRoutes:
    """``GET /metadata/identity/oauth2/token`` and ``GET /msi/token``."""

    def __init__(self, grants: Grants) -> None:
        self.grants = grants

    def routes(self) -> list[Route]:
        return [
            Route("/metadata/identity/oauth2/token", self.imds, methods=["GET", "POST", "PUT", "DELETE"]),
            Route("/msi/token", self.app_service, methods=["GET", "POST"]),
        ]

    def _issue(self, request: Request, resource_param: str = "resource") -> Issued:
        query = request.query_params
        resource = query.get(resource_param)
        if not resource:
            raise ServiceError(errors.IMDS_NO_RESOURCE)
        selector = {
            key: value
            for key, value in (
                ("client_id", query.get("client_id") or query.get("clientid")),
                ("object_id", query.get("object_id") or query.get("principal_id")),
                ("resource_id", query.get("msi_res_id") or query.get("mi_res_id")),
            )
            if value
        }
        name, secret = node_credentials(request)
        return self.grants.managed_identity(name, secret, resource, selector)

    def _times(self, issued: Issued) -> tuple[int, int]:
        """Now and the lifetime on the wall clock, which is what the client caches tokens by."""
        clock = self.grants.directory.clock
        return int(clock.real(clock.now())), real_seconds(clock, issued.expires_in)

    async def imds(self, request: Request) -> Response:
        if "x-forwarded-for" in request.headers:
            raise ServiceError(errors.IMDS_FORWARDED)
        if request.method != "GET":
            raise ServiceError(errors.IMDS_BAD_METHOD)
        if request.headers.get("metadata", "").lower() != "true":
            raise ServiceError(errors.IMDS_NO_METADATA)
        issued = self._issue(request)
        now, lifetime = self._times(issued)
        return JSONResponse({
            "access_token": issued.access_token, "client_id": issued.extra["client_id"],
            "expires_in": str(lifetime), "expires_on": str(now + lifetime),
            "ext_expires_in": str(lifetime), "not_before": str(now), "resource": issued.resource,
            "token_type": "Bearer",
        })

    async def app_service(self, request: Request) -> Response:
        if request.method != "GET":
            raise ServiceError(errors.IMDS_BAD_METHOD)
        if "x-identity-header" not in request.headers:
            raise ServiceError(errors.IMDS_NO_METADATA)
        issued = self._issue(request)
        now, lifetime = self._times(issued)
        return JSONResponse({
            "access_token": issued.access_token, "expires_on": str(now + lifetime),
            "resource": issued.resource, "token_type": "Bearer", "client_id": issued.extra["client_id"],
        })

    def render_error(self, request: Request, error: ServiceError) -> Response:
        """IMDS answers OAuth-style; the App Service endpoint answers with statusCode/message."""
        if request.url.path.rstrip("/").endswith("/msi/token"):
            body = {"statusCode": error.status, "message": error.message,
                    "correlationId": self.grants.directory.ids.guid()}
            return JSONResponse(body, status_code=error.status)
        return JSONResponse(errors.imds_body(error), status_code=error.status)
