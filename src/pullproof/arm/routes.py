"""HTTP surface of ARM: one dispatcher over parsed paths; parse, call the service, render."""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any, Protocol

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from pullproof.arm import errors
from pullproof.arm.authorization import AuthorizationApi
from pullproof.arm.models import API_VERSION_RE, ArmPath, misshapen_field, parse_path
from pullproof.arm.openapi import TypeDecl
from pullproof.arm.service import ArmService
from pullproof.core.errors import ServiceError
from pullproof.core.ids import IdFactory
from pullproof.core.web import BadJson, BodyTooLarge, base_url, read_json_object
from pullproof.identity.models import Caller

FILTER_CLAUSE = re.compile(r"^\s*(resourceType|resourceGroup|name)\s+eq\s+'([^']*)'\s*$", re.IGNORECASE)
SUPPORTED_VERSIONS = "2025-04-01, 2024-11-01, 2024-03-01, 2023-07-01, 2022-12-01, 2022-09-01, 2021-04-01"


class AnyCaseRoute(Route):
    """A route whose path matches in any letter case (ARM paths are case-insensitive: ``/Subscriptions/...``)."""

    def __init__(self, path: str, endpoint: Any, methods: list[str]) -> None:
        super().__init__(path, endpoint, methods=methods)
        self.path_regex = re.compile(self.path_regex.pattern, re.IGNORECASE)


class SubRoutes(Protocol):
    """A resource type served by its own handler (e.g. deployments, whose bodies are JSONC)."""

    resource_type: str
    actions: frozenset[str]

    def owns(self, path: ArmPath) -> bool: ...

    async def handle(self, request: Request, path: ArmPath, caller: Caller,
                     version: str) -> tuple[int, Any, dict[str, str]]: ...


class ArmRoutes:
    def __init__(self, arm: ArmService, ids: IdFactory, max_body: int, extra: Sequence[SubRoutes] = ()) -> None:
        self.arm = arm
        self.authz = AuthorizationApi(arm)
        self.ids = ids
        self.max_body = max_body
        self.extra = list(extra)

    def routes(self) -> list[Route]:
        methods = ["GET", "PUT", "PATCH", "POST", "DELETE", "HEAD", "OPTIONS"]  # the dispatcher refuses the rest
        return [
            AnyCaseRoute("/subscriptions", self.dispatch, methods=methods),
            AnyCaseRoute("/subscriptions/{rest:path}", self.dispatch, methods=methods),
            AnyCaseRoute("/tenants", self.dispatch, methods=methods),
            AnyCaseRoute("/providers/{rest:path}", self.dispatch, methods=methods),
        ]

    def served_types(self) -> list[TypeDecl]:
        """Every resource type the dispatcher serves, with its POST actions (what ``/openapi/arm.json`` lists)."""
        return [*(TypeDecl(p.resource_type, p.actions) for p in self.arm.providers.values()),
                *(TypeDecl(e.resource_type, e.actions) for e in self.extra)]

    def namespace_actions(self) -> list[tuple[str, str]]:
        namespaces = {p.resource_type.split("/")[0].lower(): p.resource_type.split("/")[0]
                      for p in self.arm.providers.values()}
        return [(namespaces.get(ns, ns), "checkNameAvailability" if action == "checknameavailability" else action)
                for ns, action in self.arm.namespace_actions]

    @staticmethod
    async def fallback(request: Request) -> Response:
        """A path no route serves: ARM's ``InvalidRequestUri``, in its envelope."""
        raise ServiceError(errors.NO_ROUTE, path=request.url.path)

    async def dispatch(self, request: Request) -> Response:
        path = parse_path(request.url.path)
        version = request.query_params.get("api-version")
        if version is None:
            raise ServiceError(errors.MISSING_API_VERSION)
        if not API_VERSION_RE.match(version):
            raise ServiceError(errors.INVALID_API_VERSION, version=version, supported=SUPPORTED_VERSIONS)
        caller = self.arm.authenticate(request.headers.get("authorization"))
        status, body, headers = await self._handle(request, path, caller, version)
        if body is None:
            return Response(status_code=status, headers=headers)
        return JSONResponse(body, status_code=status, headers=headers)

    async def _body(self, request: Request, allow_empty: bool = False) -> dict[str, Any]:
        try:
            return await read_json_object(request, self.max_body, allow_empty)
        except BodyTooLarge:
            raise ServiceError(errors.TOO_LARGE, limit=self.max_body) from None
        except BadJson as exc:
            raise ServiceError(errors.INVALID_CONTENT, detail=exc.detail) from None

    async def _handle(self, request: Request, path: ArmPath, caller: Caller,
                      version: str) -> tuple[int, Any, dict[str, str]]:
        method = request.method
        for extra in self.extra:
            if extra.owns(path):
                return await extra.handle(request, path, caller, version)
        if path.kind == "authorization":
            return await self._authorization(request, path, caller)
        if path.kind == "subscriptions" and method == "GET":
            subs = self.arm.visible_subscriptions(caller)
            return 200, {"value": subs, "count": {"type": "Total", "value": len(subs)}}, {}
        if path.kind == "tenants" and method == "GET":
            tenant = self.arm.issuer.tenant
            return 200, {"value": [{"id": f"/tenants/{tenant.id}", "tenantId": tenant.id,
                                    "tenantCategory": "Home", "displayName": tenant.display_name,
                                    "defaultDomain": tenant.domain, "domains": [tenant.domain]}]}, {}
        if path.kind == "subscription" and method == "GET":
            assert path.subscription
            return 200, self.arm.get_subscription(caller, path.subscription), {}
        if path.kind in {"group", "groups"}:
            return await self._groups(request, path, caller, version)
        if path.kind == "resources" and method == "GET":
            return 200, {"value": self._list(request, path, caller, version)}, {}
        if path.kind == "operation" and method == "GET":
            body = self.arm.operation(path.rest[0])
            return (200 if body["status"] != "InProgress" else 202), body, {}
        if path.kind == "resource":
            return await self._resource(request, path, caller, version)
        if path.kind == "provider" and method == "POST" and path.action == "checkNameAvailability":
            status, body = self.arm.namespace_action(caller, path.subscription or "", path.rest[0], path.action,
                                                     await self._body(request, allow_empty=True))
            return status, body, {}
        if path.kind in {"providers", "provider"}:
            return self._providers(path, method)
        if path.kind == "unknown":
            raise ServiceError(errors.NO_ROUTE, path=request.url.path)
        raise ServiceError(errors.METHOD_NOT_ALLOWED, method=method)

    def _list(self, request: Request, path: ArmPath, caller: Caller, version: str) -> list[dict[str, Any]]:
        assert path.subscription
        text = request.query_params.get("$filter") or ""
        wanted: dict[str, str] = {}
        for clause in (c for c in re.split(r"\s+and\s+", text, flags=re.IGNORECASE) if c.strip()):
            match = FILTER_CLAUSE.match(clause)
            if match is None:
                raise ServiceError(errors.INVALID_CONTENT, detail=f"Unsupported $filter '{text}'")
            wanted[match.group(1).lower()] = match.group(2)
        group = wanted.get("resourcegroup", path.group)
        found = self.arm.list_resources(caller, path.subscription, group, wanted.get("resourcetype"), version)
        if "name" in wanted:
            found = [r for r in found if str(r.get("name", "")).lower() == wanted["name"].lower()]
        return found

    async def _groups(self, request: Request, path: ArmPath, caller: Caller,
                      version: str) -> tuple[int, Any, dict[str, str]]:
        sub, name, method = path.subscription or "", path.group or "", request.method
        if path.kind == "groups" and method == "GET":
            return 200, {"value": [g.body for g in self.arm.list_groups(caller, sub)]}, {}
        if method == "GET":
            return 200, self.arm.get_group(caller, sub, name).body, {}
        if method == "HEAD":
            self.arm.get_group(caller, sub, name)
            return 204, None, {}
        if method in {"PUT", "PATCH"}:
            body = await self._body(request)
            if method == "PATCH":
                current = dict(self.arm.get_group(caller, sub, name).body)
                current.update({k: v for k, v in body.items() if k in {"tags", "managedBy"}})
                body = current
            status, group = self.arm.put_group(caller, sub, name, body)
            return (200 if method == "PATCH" else status), group.body, {}
        if method == "DELETE":
            op_id = self.arm.delete_group(caller, sub, name)
            location = f"{base_url(request)}/subscriptions/{sub}/operationresults/{op_id}?api-version={version}"
            return 202, None, {"Location": location, "Retry-After": "1"}
        raise ServiceError(errors.METHOD_NOT_ALLOWED, method=method)

    async def _resource(self, request: Request, path: ArmPath, caller: Caller,
                        version: str) -> tuple[int, Any, dict[str, str]]:
        ref, method = path.resource, request.method
        assert ref is not None
        if method == "POST" and ref.is_collection and ref.parent is not None:
            provider = self.arm.providers.get(ref.parent.type_key)
            if provider is not None and ref.types[-1].lower() in provider.actions:
                payload = await self._body(request, allow_empty=True)
                status, body = self.arm.action(caller, ref.parent, ref.types[-1], payload, version)
                return status, body, {}
        if ref.is_collection and method == "GET":
            return 200, {"value": self.arm.list_collection(caller, ref, version)}, {}
        if method == "GET":
            return 200, self.arm.get_resource(caller, ref, version), {}
        if method == "PUT":
            body = await self._body(request)
            status, result = self.arm.put_resource(caller, ref, body, version)
            return status, result, {}
        if method == "PATCH":
            patch = await self._body(request)
            field = misshapen_field(patch)
            if field is not None:
                raise ServiceError(errors.INVALID_CONTENT, detail=f"The '{field}' property must be a JSON object.")
            current = self.arm.get_resource(caller, ref, version)
            merged = {**current, **{k: v for k, v in patch.items() if k != "properties"}}
            merged["properties"] = {**current.get("properties", {}), **(patch.get("properties") or {})}
            _, result = self.arm.put_resource(caller, ref, merged, version)
            return 200, result, {}
        if method == "DELETE":
            return self._delete(request, ref, caller, version)
        raise ServiceError(errors.METHOD_NOT_ALLOWED, method=method)

    def _delete(self, request: Request, ref: Any, caller: Caller, version: str) -> tuple[int, Any, dict[str, str]]:
        """200/204 for most types; 202 with an (already finished) operation for the long-running ones (AKS)."""
        provider = self.arm.provider(ref, version)
        deleted = self.arm.delete_resource(caller, ref, version)
        if not provider.long_running_delete:
            return (200 if deleted else 204), None, {}
        if not deleted:
            return 204, None, {}
        op_id = self.arm.record_operation(ref.id)
        base = f"{base_url(request)}/subscriptions/{ref.subscription}/providers/{ref.namespace}/locations/global"
        return 202, None, {"Azure-AsyncOperation": f"{base}/operations/{op_id}?api-version={version}",
                           "Location": f"{base}/operationresults/{op_id}?api-version={version}", "Retry-After": "1"}

    async def _authorization(self, request: Request, path: ArmPath,
                             caller: Caller) -> tuple[int, Any, dict[str, str]]:
        scope, rest, method = path.scope or "/", path.rest, request.method
        filter_ = request.query_params.get("$filter")
        kind = rest[0].lower() if rest else ""
        if kind == "roledefinitions" and method == "GET" and len(rest) <= 2:
            return 200, self.authz.definitions(caller, scope, rest, filter_), {}
        if kind == "roleassignments" and len(rest) == 1 and method == "GET":
            return 200, self.authz.list_assignments(caller, scope, filter_), {}
        if kind == "roleassignments" and len(rest) == 2:
            if method == "GET":
                return 200, self.authz.get_assignment(caller, scope, rest[1]), {}
            if method == "PUT":
                status, body = self.authz.put_assignment(caller, scope, rest[1], await self._body(request))
                return status, body, {}
            if method == "DELETE":
                status, body = self.authz.delete_assignment(caller, scope, rest[1])
                return status, body, {}
        if kind in {"roledefinitions", "roleassignments"}:
            raise ServiceError(errors.METHOD_NOT_ALLOWED, method=method)
        raise ServiceError(errors.NO_ROUTE, path=request.url.path)

    def _providers(self, path: ArmPath, method: str) -> tuple[int, Any, dict[str, str]]:
        namespaces: dict[str, list[str]] = {}
        for provider in self.arm.providers.values():
            namespace, _, kind = provider.resource_type.partition("/")
            namespaces.setdefault(namespace, []).append(kind)
        rendered = {
            ns.lower(): {"id": f"/subscriptions/{path.subscription}/providers/{ns}", "namespace": ns,
                         "registrationState": "Registered", "registrationPolicy": "RegistrationRequired",
                         "resourceTypes": [{"resourceType": t, "locations": [], "apiVersions": []}
                                           for t in sorted(kinds)]}
            for ns, kinds in sorted(namespaces.items())
        }
        if path.kind == "providers":
            if method != "GET":
                raise ServiceError(errors.METHOD_NOT_ALLOWED, method=method)
            return 200, {"value": list(rendered.values())}, {}
        found = rendered.get(path.rest[0].lower())
        if found is None:
            raise ServiceError(errors.INVALID_NAMESPACE, namespace=path.rest[0])
        if method == "GET" or (method == "POST" and path.action in {"register", "unregister"}):
            return 200, found, {}
        raise ServiceError(errors.METHOD_NOT_ALLOWED, method=method)

    @staticmethod
    def render_error(request: Request, error: ServiceError) -> Response:
        headers = dict(error.headers)
        if error.status == 401:
            headers["WWW-Authenticate"] = (
                'Bearer authorization_uri="https://login.microsoftonline.com/common", error="invalid_token", '
                f'error_description="{error.message}"'
            )
        return JSONResponse(errors.arm_body(error), status_code=error.status, headers=headers)
