"""Routes each request to a service by the host name the client used, and by the listener."""

from __future__ import annotations

import re
from collections.abc import Mapping

from starlette.responses import PlainTextResponse
from starlette.types import ASGIApp, Receive, Scope, Send

from pullproof.core.trace import CORRELATION
from pullproof.core.web import host_of
from pullproof.front.hosts import HostTable


def correlation_of(scope: Scope) -> str | None:
    for name, value in scope.get("headers", []):
        if name in (b"x-ms-client-request-id", b"client-request-id"):
            return str(value.decode("latin-1"))[:100]
    return None


class HostRouter:
    """HTTPS requests go to the service owning the host; plain-HTTP requests only reach IMDS."""

    def __init__(self, table: HostTable, apps: Mapping[str, ASGIApp], plain: ASGIApp) -> None:
        self.table = table
        self.apps = apps
        self.plain = plain

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "lifespan":
            await self._lifespan(receive, send)
            return
        if scope["type"] != "http":
            return
        if "//" in scope["path"]:
            scope = dict(scope)
            scope["path"] = re.sub(r"/{2,}", "/", scope["path"])
            scope["raw_path"] = re.sub(rb"/{2,}", b"/", scope.get("raw_path") or scope["path"].encode())
        if scope.get("scheme") == "http":
            token = CORRELATION.set(correlation_of(scope))
            try:
                await self.plain(scope, receive, send)
            finally:
                CORRELATION.reset(token)
            return
        token = CORRELATION.set(correlation_of(scope))
        try:
            await self._https(scope, receive, send)
        finally:
            CORRELATION.reset(token)

    async def _https(self, scope: Scope, receive: Receive, send: Send) -> None:
        host = host_of(scope)
        kind = self.table.service_of(host)
        app = self.apps.get(kind or "")
        if app is None:
            refusal = PlainTextResponse(f"pullproof: the host '{host}' is not emulated here\n", status_code=421)
            await refusal(scope, receive, send)
            return
        await app(scope, receive, send)

    @staticmethod
    async def _lifespan(receive: Receive, send: Send) -> None:
        while True:
            message = await receive()
            if message["type"] == "lifespan.startup":
                await send({"type": "lifespan.startup.complete"})
            elif message["type"] == "lifespan.shutdown":
                await send({"type": "lifespan.shutdown.complete"})
                return
