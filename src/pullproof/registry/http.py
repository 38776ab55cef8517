"""Response helpers shared by the registry's route modules."""

from __future__ import annotations

from collections.abc import Iterator
from urllib.parse import urlencode

from starlette.requests import Request
from starlette.responses import JSONResponse, Response, StreamingResponse

from pullproof.core.errors import ServiceError
from pullproof.core.web import BodyTooLarge, read_body
from pullproof.registry import errors

BASE_HEADERS = {"Docker-Distribution-Api-Version": "registry/2.0",
                "Access-Control-Expose-Headers": "Docker-Content-Digest, WWW-Authenticate, Link, "
                                                 "X-Ms-Correlation-Request-Id",
                "Strict-Transport-Security": "max-age=31536000; includeSubDomains",
                "X-Content-Type-Options": "nosniff"}


def with_base(extra: dict[str, str]) -> dict[str, str]:
    return {**BASE_HEADERS, **extra}


def paged(items: list[str], request: Request, path: str, key: str, extra: dict[str, object]) -> Response:
    """A page of names with the distribution ``Link`` header when more may follow."""
    limit = request.query_params.get("n")
    headers = dict(BASE_HEADERS)
    if limit is not None and limit.isascii() and limit.isdigit() and int(limit) > 0 and len(items) > int(limit):
        items = items[: int(limit)]
        headers["Link"] = f'<{path}?{urlencode({"last": items[-1], "n": limit})}>; rel="next"'
    return JSONResponse({**extra, key: items}, headers=headers)


def stream(chunks: Iterator[bytes], headers: dict[str, str], status: int = 200, media: str | None = None) -> Response:
    return StreamingResponse(chunks, status_code=status, headers=headers, media_type=media)


async def bounded_body(request: Request, limit: int) -> bytes:
    try:
        return await read_body(request, limit + 1)
    except BodyTooLarge:
        raise ServiceError(errors.MANIFEST_TOO_LARGE, limit=limit) from None
