"""Shared HTTP glue for the service route modules: bounded body reading and request context
(the host name the client addressed, the base URL)."""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qsl

from starlette.requests import Request
from starlette.types import Scope

from pullproof.core import jsonbody


class BodyTooLarge(Exception):
    """The request body exceeded the configured limit."""


class BadJson(Exception):
    """The request body is not JSON pullproof accepts (syntax, encoding, nesting deeper than
    ``jsonbody.MAX_DEPTH``, a lone surrogate) or not an object."""

    def __init__(self, detail: str) -> None:
        super().__init__(detail)
        self.detail = detail


async def read_body(request: Request, limit: int) -> bytes:
    declared = request.headers.get("content-length")
    if declared is not None and declared.isascii() and declared.isdigit() and int(declared) > limit:
        raise BodyTooLarge
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise BodyTooLarge
        chunks.append(chunk)
    return b"".join(chunks)


async def read_form(request: Request, limit: int) -> dict[str, str]:
    body = await read_body(request, limit)
    return dict(parse_qsl(body.decode("utf-8", "replace"), keep_blank_values=True))


async def read_json_object(request: Request, limit: int, allow_empty: bool = False) -> dict[str, Any]:
    body = await read_body(request, limit)
    if not body.strip():
        if allow_empty:
            return {}
        raise BadJson("The request content was empty.")
    try:
        data = jsonbody.loads(body)
    except jsonbody.JsonBodyError as exc:
        raise BadJson(exc.detail) from None
    if not isinstance(data, dict):
        raise BadJson("The request content must be a JSON object.")
    return data


def base_url(request: Request) -> str:
    """``https://host[:port]`` as the client addressed us (Host header, scheme of the listener)."""
    host = request.headers.get("host") or f"{request.url.hostname}:{request.url.port}"
    scheme = request.url.scheme
    if scheme == "https" and host.endswith(":443"):
        host = host[:-4]
    return f"{scheme}://{host}"


def host_of(scope: Scope) -> str:
    """The host name the client addressed (Host header, lower case, without port or IPv6 brackets),
    else the listener's address."""
    for name, value in scope.get("headers", []):
        if name == b"host":
            text = value.decode("latin-1").strip().lower()
            if text.startswith("["):
                return str(text[1 : text.index("]")])
            return str(text.rsplit(":", 1)[0] if text.count(":") == 1 else text)
    server = scope.get("server")
    return str(server[0]) if server else ""
