"""Answers for hosts real clients contact on their own (version check, telemetry): accepted and
discarded locally, never forwarded."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response
from starlette.routing import Route

from pullproof.core import jsonbody


async def telemetry(request: Request) -> Response:
    """Application Insights ingestion: count the items, keep nothing."""
    body = await request.body()
    try:
        text = body.decode("utf-8", "replace")
        items = len(jsonbody.loads(text)) if text.lstrip().startswith("[") else max(1, text.count("\n"))
    except ValueError:
        items = 0
    return JSONResponse({"itemsReceived": items, "itemsAccepted": items, "errors": []})


async def version_check(request: Request) -> Response:
    """The az version check finds no newer release: 404, which the CLI treats as 'no update info'."""
    return PlainTextResponse("pullproof: no release information offline", status_code=404)


def telemetry_routes() -> list[Route]:
    return [Route("/{path:path}", telemetry, methods=["GET", "POST"])]


def version_routes() -> list[Route]:
    return [Route("/{path:path}", version_check, methods=["GET", "HEAD"])]
