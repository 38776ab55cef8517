"""HTTP surface of ``…/providers/Microsoft.Resources/deployments[/{name}[/{action}[/{id}]]]``: parse,
call the deployments API, render. Plugged into ARM's dispatcher (``ArmRoutes(extra=[…])``), which
renders every error it raises (a ``DeploymentError`` or ``TemplateError`` with its details).

Reading a body (a template of up to 4 MB), evaluating and running a template happen in a worker
thread, so a large or expensive deployment never holds up the event loop every other request needs."""

from __future__ import annotations

import asyncio
from typing import Any

from starlette.requests import Request

from pullproof.arm import errors as arm_errors
from pullproof.arm.models import DEPLOYMENT_TYPE, ArmPath
from pullproof.core.errors import ServiceError
from pullproof.core.web import BodyTooLarge, base_url, read_body
from pullproof.deployments.models import Created
from pullproof.deployments.requests import parse_body, request_from_body
from pullproof.deployments.service import DeploymentsApi
from pullproof.identity.models import Caller

Answer = tuple[int, Any, dict[str, str]]


class DeploymentRoutes:
    resource_type = DEPLOYMENT_TYPE
    actions = frozenset({"validate", "whatIf", "exportTemplate"})

    def __init__(self, api: DeploymentsApi, max_body: int) -> None:
        self.api = api
        self.max_body = max_body

    @staticmethod
    def owns(path: ArmPath) -> bool:
        ref = path.resource
        return (path.kind == "resource" and ref is not None and ref.namespace.lower() == "microsoft.resources"
                and ref.types[0].lower() == "deployments")

    async def _raw(self, request: Request) -> bytes:
        try:
            return await read_body(request, self.max_body)
        except BodyTooLarge:
            raise ServiceError(arm_errors.TOO_LARGE, limit=self.max_body) from None

    def _validate(self, caller: Caller, scope: Any, name: str, raw: bytes, action: str) -> Any:
        parsed = parse_body(raw)
        deployment = request_from_body(name, scope, parsed)
        if action == "validate":
            return self.api.validate(caller, deployment)
        settings = (parsed.value.get("properties") or {}).get("whatIfSettings") or {}
        return self.api.what_if(caller, deployment, str(settings.get("resultFormat") or ""))

    def _create(self, caller: Caller, scope: Any, name: str, raw: bytes) -> Created:
        return self.api.create(caller, request_from_body(name, scope, parse_body(raw)))

    async def handle(self, request: Request, path: ArmPath, caller: Caller, version: str) -> Answer:
        ref = path.resource
        assert ref is not None
        scope = self.api.scope(ref.subscription, ref.group)
        kinds, names, method = [t.lower() for t in ref.types], ref.names, request.method
        if len(kinds) == 1 and not names and method == "GET":
            return 200, {"value": self.api.list(caller, scope)}, {}
        if len(kinds) == 1 and names:
            return await self._deployment(request, scope, names[0], caller, version)
        action = kinds[1] if len(kinds) > 1 else ""
        if method == "POST" and len(names) == 1 and action in {"validate", "whatif"}:
            raw = await self._raw(request)
            return 200, await asyncio.to_thread(self._validate, caller, scope, names[0], raw, action), {}
        if method == "POST" and len(names) == 1 and action == "exporttemplate":
            return 200, self.api.export_template(caller, scope, names[0]), {}
        if method == "GET" and action == "operationstatuses" and len(names) == 2:
            return 200, self.api.status(caller, scope, names[0], names[1]), {}
        if method == "GET" and action == "operations" and names:
            return 200, self.api.operations(caller, scope, names[0], names[1] if len(names) > 1 else None), {}
        if action in {"validate", "whatif", "exporttemplate", "operationstatuses", "operations"}:
            raise ServiceError(arm_errors.METHOD_NOT_ALLOWED, method=method)
        raise ServiceError(arm_errors.NO_ROUTE, path=request.url.path)

    async def _deployment(self, request: Request, scope: Any, name: str, caller: Caller, version: str) -> Answer:
        method = request.method
        if method == "GET":
            return 200, self.api.get(caller, scope, name), {}
        if method == "HEAD":
            self.api.get(caller, scope, name)
            return 204, None, {}
        if method == "PUT":
            raw = await self._raw(request)
            created = await asyncio.to_thread(self._create, caller, scope, name, raw)
            target = created.outcome.id.replace("/resourceGroups/", "/resourcegroups/", 1)  # as ARM spells it
            status_url = f"{base_url(request)}{target}/operationStatuses/{created.operation_id}?api-version={version}"
            return created.status, created.body, {"Azure-AsyncOperation": status_url, "Retry-After": "1"}
        if method == "DELETE":
            self.api.delete(caller, scope, name)
            return 204, None, {}
        raise ServiceError(arm_errors.METHOD_NOT_ALLOWED, method=method)
