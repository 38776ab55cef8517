"""An OpenAPI 3.0 description of Resource Manager as pullproof serves it.

It is built from what the dispatcher routes to: the resource types of the providers (with their POST
actions), the namespace actions, the fixed subscription / group / authorization paths, and the error
statuses of the ARM error registries. Every error answers with ARM's ``{"error":{"code","message"}}``.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from pullproof.arm.models import API_VERSION_RE, GROUP_NAME_RE

GUID = "^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$"
OBJECT = {"type": "object"}
RESOURCE_BODY = {"type": "object", "properties": {
    "location": {"type": "string"}, "tags": {"type": "object", "additionalProperties": {"type": "string"}},
    "sku": OBJECT, "properties": OBJECT, "identity": OBJECT, "kind": {"type": "string"}}}
ASSIGNMENT_BODY = {"type": "object", "required": ["properties"], "properties": {"properties": {
    "type": "object", "required": ["roleDefinitionId", "principalId"], "properties": {
        "roleDefinitionId": {"type": "string"}, "principalId": {"type": "string"},
        "principalType": {"type": "string", "enum": ["User", "Group", "ServicePrincipal", "ForeignGroup", "Device"]},
        "condition": {"type": "string"}, "conditionVersion": {"type": "string"}, "description": {"type": "string"}}}}}
ERROR = {"type": "object", "required": ["error"], "properties": {"error": {
    "type": "object", "required": ["code", "message"],
    "properties": {"code": {"type": "string"}, "message": {"type": "string"}}}}}


@dataclass(frozen=True)
class TypeDecl:
    """A resource type the dispatcher serves (``Namespace/type[/child]``) and its POST actions."""

    resource_type: str
    actions: frozenset[str] = frozenset()


def _param(name: str, where: str = "path", pattern: str | None = None) -> dict[str, Any]:
    schema: dict[str, Any] = {"type": "string", "minLength": 1}
    if pattern:
        schema["pattern"] = pattern
    return {"name": name, "in": where, "required": True, "schema": schema}


API_VERSION = {"name": "api-version", "in": "query", "required": True,
               "schema": {"type": "string", "pattern": API_VERSION_RE.pattern}, "example": "2024-11-01"}
SUB = "/subscriptions/{subscriptionId}"
GROUP = SUB + "/resourceGroups/{resourceGroupName}"


class _Builder:
    def __init__(self, errors: Mapping[int, Iterable[str]]) -> None:
        self.paths: dict[str, dict[str, Any]] = {}
        self.errors = {status: sorted(set(codes)) for status, codes in errors.items()}

    def op(self, path: str, method: str, ok: Iterable[int], summary: str, body: dict[str, Any] | None = None) -> None:
        names = [p[1:-1] for p in path.split("/") if p.startswith("{")]
        patterns = {"subscriptionId": GUID, "resourceGroupName": GROUP_NAME_RE.pattern}
        params = [_param(n, pattern=patterns.get(n, "^[^/]+$")) for n in names] + [API_VERSION]
        responses: dict[str, Any] = {}
        for status in ok:
            no_body = method == "head" or status == 204 or (method == "delete" and status == 202)
            responses[str(status)] = {"description": "Success"} if no_body else {
                "description": "Success", "content": {"application/json": {"schema": OBJECT}}}
        for status, codes in self.errors.items():
            content = {} if method == "head" else {"content": {"application/json": {"schema": ERROR}}}
            responses[str(status)] = {"description": ", ".join(codes), **content}
        operation: dict[str, Any] = {"operationId": f"{method}:{path}", "summary": summary, "parameters": params,
                                     "responses": responses}
        if body is not None:
            operation["requestBody"] = {"required": True, "content": {"application/json": {"schema": body}}}
        self.paths.setdefault(path, {})[method] = operation

    def resource_type(self, decl: TypeDecl) -> None:
        namespace, *types = decl.resource_type.split("/")
        item = f"{GROUP}/providers/{namespace}"
        for kind in types:
            collection = f"{item}/{kind}"
            item = f"{collection}/{{{kind}Name}}"
        name = decl.resource_type
        self.op(collection, "get", [200], f"List {name}")
        if len(types) == 1:
            self.op(f"{SUB}/providers/{namespace}/{types[0]}", "get", [200], f"List {name} in the subscription")
        self.op(item, "get", [200], f"Get a {name}")
        self.op(item, "put", [200, 201], f"Create or update a {name}", RESOURCE_BODY)
        self.op(item, "patch", [200], f"Update a {name}", RESOURCE_BODY)
        self.op(item, "delete", [200, 202, 204], f"Delete a {name}")
        for action in sorted(decl.actions):
            self.op(f"{item}/{action}", "post", [200], f"{action} on a {name}", OBJECT)

    def fixed(self, namespace_actions: Iterable[tuple[str, str]]) -> None:
        self.op("/subscriptions", "get", [200], "List subscriptions")
        self.op("/tenants", "get", [200], "List tenants")
        self.op(SUB, "get", [200], "Get a subscription")
        self.op(f"{SUB}/resourcegroups", "get", [200], "List resource groups")
        self.op(f"{SUB}/resources", "get", [200], "List resources")
        self.op(f"{SUB}/providers", "get", [200], "List resource providers")
        self.op(f"{SUB}/providers/{{resourceProviderNamespace}}", "get", [200], "Get a resource provider")
        self.op(GROUP, "get", [200], "Get a resource group")
        self.op(GROUP, "head", [204], "Check a resource group exists")
        self.op(GROUP, "put", [200, 201], "Create or update a resource group", RESOURCE_BODY)
        self.op(GROUP, "patch", [200], "Update a resource group's tags", RESOURCE_BODY)
        self.op(GROUP, "delete", [202], "Delete a resource group")
        self.op(f"{GROUP}/resources", "get", [200], "List a group's resources")
        for namespace, action in sorted(namespace_actions):
            self.op(f"{SUB}/providers/{namespace}/{action}", "post", [200], f"{action} in {namespace}", OBJECT)
        for scope in (SUB, GROUP):
            authz = f"{scope}/providers/Microsoft.Authorization"
            self.op(f"{authz}/roleDefinitions", "get", [200], "List role definitions")
            self.op(f"{authz}/roleDefinitions/{{roleDefinitionId}}", "get", [200], "Get a role definition")
            self.op(f"{authz}/roleAssignments", "get", [200], "List role assignments")
            self.op(f"{authz}/roleAssignments/{{roleAssignmentName}}", "get", [200], "Get a role assignment")
            self.op(f"{authz}/roleAssignments/{{roleAssignmentName}}", "put", [200, 201],
                    "Create a role assignment", ASSIGNMENT_BODY)
            self.op(f"{authz}/roleAssignments/{{roleAssignmentName}}", "delete", [200, 204],
                    "Delete a role assignment")


def describe(types: Iterable[TypeDecl], namespace_actions: Iterable[tuple[str, str]],
             errors: Mapping[int, Iterable[str]], server: str = "https://management.azure.com") -> dict[str, Any]:
    """The OpenAPI document; ``errors`` maps each error status to the wire codes answered with it."""
    builder = _Builder(errors)
    builder.fixed(namespace_actions)
    for decl in sorted(types, key=lambda d: d.resource_type.lower()):
        builder.resource_type(decl)
    return {
        "openapi": "3.0.3",
        "info": {"title": "pullproof Azure Resource Manager", "version": "1.0",
                 "description": "The Resource Manager paths pullproof serves (generated from its providers "
                                "and error registries)."},
        "servers": [{"url": server}],
        "security": [{"bearer": []}],
        "components": {"securitySchemes": {"bearer": {"type": "http", "scheme": "bearer", "bearerFormat": "JWT"}}},
        "paths": builder.paths,
    }
