"""The ``Microsoft.Authorization`` surface of ARM: role definitions and role assignments."""

from __future__ import annotations

import re
from typing import Any

from pullproof.arm import errors
from pullproof.arm.models import ROLE_ASSIGNMENT_TYPE
from pullproof.arm.service import ArmService
from pullproof.core.clock import isoformat
from pullproof.core.errors import ServiceError
from pullproof.identity.models import Caller
from pullproof.rbac import errors as authz_errors
from pullproof.rbac.models import RoleAssignment, RoleDefinition, is_guid, scope_key
from pullproof.rbac.service import NewAssignment

ROLE_NAME_RE = re.compile(r"^\s*roleName\s+eq\s+'(?P<v>(?:[^']|'')*)'\s*$", re.IGNORECASE)
ROLE_TYPE_RE = re.compile(r"^\s*type\s+eq\s+'(?P<v>[^']*)'\s*$", re.IGNORECASE)
PRINCIPAL_RE = re.compile(r"principalId\s+eq\s+'(?P<v>[^']*)'", re.IGNORECASE)
ASSIGNED_RE = re.compile(r"assignedTo\('(?P<v>[^']*)'\)", re.IGNORECASE)
AT_SCOPE_RE = re.compile(r"atScope\(\)", re.IGNORECASE)


def subscription_of(scope: str) -> str | None:
    parts = [p for p in scope.split("/") if p]
    return parts[1] if len(parts) >= 2 and parts[0].lower() == "subscriptions" else None


def render_definition(role: RoleDefinition, scope: str) -> dict[str, Any]:
    sub = subscription_of(scope)
    prefix = f"/subscriptions/{sub}" if sub else ""
    return {
        "properties": {
            "roleName": role.role_name, "type": role.role_type, "description": role.description,
            "assignableScopes": list(role.assignable_scopes),
            "permissions": [p.to_json() for p in role.permissions],
            "createdOn": role.created_on, "updatedOn": role.updated_on, "createdBy": None, "updatedBy": None,
        },
        "id": f"{prefix}/providers/Microsoft.Authorization/roleDefinitions/{role.guid}",
        "type": "Microsoft.Authorization/roleDefinitions",
        "name": role.guid,
    }


def render_assignment(a: RoleAssignment) -> dict[str, Any]:
    return {
        "properties": {
            "roleDefinitionId": a.role_definition_id, "principalId": a.principal_id,
            "principalType": a.principal_type, "scope": a.scope, "condition": a.condition,
            "conditionVersion": a.condition_version, "createdOn": isoformat(a.created_on),
            "updatedOn": isoformat(a.updated_on), "createdBy": a.created_by, "updatedBy": a.created_by,
            "delegatedManagedIdentityResourceId": None, "description": a.description,
        },
        "id": a.id,
        "type": ROLE_ASSIGNMENT_TYPE,
        "name": a.name,
    }


class AuthorizationApi:
    """Handlers for ``{scope}/providers/Microsoft.Authorization/...``."""

    def __init__(self, arm: ArmService) -> None:
        self.arm = arm
        self.rbac = arm.rbac

    def _check_scope(self, caller: Caller, scope: str) -> None:
        sub = subscription_of(scope)
        if sub is not None:
            self.arm.check_subscription(sub)

    def definitions(self, caller: Caller, scope: str, rest: tuple[str, ...], filter_: str | None) -> Any:
        self._check_scope(caller, scope)
        if len(rest) == 2:
            role = self.rbac.roles.get(rest[1].lower()) if is_guid(rest[1]) else None
            if role is None:
                raise ServiceError(authz_errors.ROLE_NOT_FOUND, role=rest[1])
            return render_definition(role, scope)
        roles = sorted(self.rbac.roles.values(), key=lambda r: r.role_name.lower())
        if filter_:
            by_name, by_type = ROLE_NAME_RE.match(filter_), ROLE_TYPE_RE.match(filter_)
            if by_name:
                wanted = by_name.group("v").replace("''", "'").lower()
                roles = [r for r in roles if r.role_name.lower() == wanted]
            elif by_type:
                roles = [r for r in roles if r.role_type.lower() == by_type.group("v").lower()]
            else:
                raise ServiceError(authz_errors.UNSUPPORTED_FILTER, filter=filter_)
        return {"value": [render_definition(r, scope) for r in roles]}

    def list_assignments(self, caller: Caller, scope: str, filter_: str | None) -> dict[str, Any]:
        self._check_scope(caller, scope)
        self.arm.authorize(caller, f"{ROLE_ASSIGNMENT_TYPE}/read", scope)
        text = filter_ or ""
        at_scope = bool(AT_SCOPE_RE.search(text))
        principal = PRINCIPAL_RE.search(text)
        assigned = ASSIGNED_RE.search(text)
        leftover = ASSIGNED_RE.sub("", PRINCIPAL_RE.sub("", AT_SCOPE_RE.sub("", text)))
        if leftover.replace("and", "").strip():
            raise ServiceError(authz_errors.UNSUPPORTED_FILTER, filter=filter_)
        found = self.rbac.list_for(scope, principal.group("v") if principal else None, at_scope,
                                   assigned.group("v") if assigned else None)
        return {"value": [render_assignment(a) for a in found], "nextLink": None}

    def get_assignment(self, caller: Caller, scope: str, name: str) -> dict[str, Any]:
        self._check_scope(caller, scope)
        self.arm.authorize(caller, f"{ROLE_ASSIGNMENT_TYPE}/read", scope)
        return render_assignment(self.rbac.get(scope, name))

    def put_assignment(self, caller: Caller, scope: str, name: str, body: dict[str, Any]) -> tuple[int, Any]:
        self._check_scope(caller, scope)
        self.arm.authorize(caller, f"{ROLE_ASSIGNMENT_TYPE}/write", scope)
        self._require_scope_exists(scope)
        props = body.get("properties")
        if not isinstance(props, dict):
            raise ServiceError(errors.INVALID_CONTENT, detail="The 'properties' object is required.")
        new = NewAssignment(
            scope=_canonical_scope(self.arm, scope), name=name,
            role_definition_id=_text(props, "roleDefinitionId") or "",
            principal_id=_text(props, "principalId") or "", principal_type=_text(props, "principalType"),
            condition=_text(props, "condition"), condition_version=_text(props, "conditionVersion"),
            description=_text(props, "description"),
        )
        assignment, created = self.rbac.create(new, caller.object_id)
        return (201 if created else 200), render_assignment(assignment)

    def delete_assignment(self, caller: Caller, scope: str, name: str) -> tuple[int, Any]:
        self._check_scope(caller, scope)
        self.arm.authorize(caller, f"{ROLE_ASSIGNMENT_TYPE}/delete", scope)
        removed = self.rbac.delete(scope, name)
        return (200, render_assignment(removed)) if removed else (204, None)

    def _require_scope_exists(self, scope: str) -> None:
        key = scope_key(scope)
        parts = key.strip("/").split("/")
        if len(parts) <= 2:
            return
        if self.arm.store.get(key) is None:
            raw = [p for p in scope.split("/") if p]  # as the client wrote it, as ARM echoes it
            if len(raw) == 4:
                raise ServiceError(errors.GROUP_NOT_FOUND, group=raw[3])
            group = raw[3] if len(raw) > 3 else ""
            raise ServiceError(errors.RESOURCE_NOT_FOUND, type="/".join(raw[5:-1]), name=raw[-1], group=group)


def _text(props: dict[str, Any], key: str) -> str | None:
    """A string property of the request body (absent or null is None; another JSON type is a 400)."""
    value = props.get(key)
    if value is None or isinstance(value, str):
        return value
    raise ServiceError(errors.INVALID_CONTENT, detail=f"The property '{key}' must be a string.")


def _canonical_scope(arm: ArmService, scope: str) -> str:
    """The scope as its resource was created (ARM echoes canonical casing)."""
    key = scope_key(scope)
    found = arm.store.get(key) if key.count("/") > 2 else None
    if found is not None:
        return found.id
    parts = [p for p in scope.split("/") if p]
    if len(parts) == 2:
        return f"/subscriptions/{parts[1].lower()}"
    return "/" + "/".join(parts) if parts else "/"
