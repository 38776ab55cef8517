"""``/openapi/arm.json`` and ``/openapi/registry.json`` on the direct listener: OpenAPI descriptions of
Resource Manager and of a registry's data plane, generated from the providers ARM dispatches to, the
registry routes and the error registries (what API testing tools such as schemathesis read)."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from pullproof.arm import openapi as arm_openapi
from pullproof.catalog import error_registries
from pullproof.core.web import base_url
from pullproof.registry import openapi as registry_openapi


def error_statuses(surface: str) -> dict[int, list[str]]:
    """Each HTTP status the surface's errors use, with the wire codes sent with it."""
    found: dict[int, list[str]] = {}
    for registry in error_registries():
        if registry.surface == surface:
            for entry in registry.all():
                found.setdefault(entry.status, []).append(entry.code)
    return found


def arm_document(types: Iterable[arm_openapi.TypeDecl], namespace_actions: Iterable[tuple[str, str]],
                 server: str) -> dict[str, Any]:
    return arm_openapi.describe(types, namespace_actions, error_statuses("arm"), server)


def registry_document() -> dict[str, Any]:
    return registry_openapi.describe(error_statuses("oci"))


def routes(arm_types: Callable[[], Iterable[arm_openapi.TypeDecl]],
           namespace_actions: Callable[[], Iterable[tuple[str, str]]]) -> list[Route]:
    async def arm(request: Request) -> Response:
        return JSONResponse(arm_document(arm_types(), namespace_actions(), base_url(request)))

    async def registry(request: Request) -> Response:
        return JSONResponse(registry_document())

    return [Route("/openapi/arm.json", arm, methods=["GET"]), Route("/openapi/registry.json", registry,
                                                                    methods=["GET"])]
