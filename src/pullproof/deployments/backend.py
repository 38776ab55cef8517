"""The engine's ``Backend`` port over ARM: ``ArmBackend`` writes through ARM as the calling principal
(so RBAC is enforced and every write is its own transaction); ``DryBackend`` (what-if) reads
through ARM but only records what it would write."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from pullproof.arm import errors as arm_errors
from pullproof.arm.authorization import AuthorizationApi
from pullproof.arm.models import DEPLOYMENT_TYPE, parse_path
from pullproof.arm.service import ArmService
from pullproof.core.errors import ServiceError
from pullproof.deployments.store import DeploymentStore, public
from pullproof.iac import errors
from pullproof.iac.context import Scope
from pullproof.iac.errors import Where
from pullproof.iac.records import Outcome
from pullproof.iac.resource_ids import normalize, split_id
from pullproof.iac.values import merged, partial
from pullproof.identity.models import Caller

UNIDENTIFIABLE = (
    "Changes to the resource declared at '{path}' on line '{line}' and column '{column}' cannot be analyzed because "
    "its resource ID or API version cannot be calculated until the deployment is under way. Please see "
    "https://aka.ms/WhatIfUnidentifiableResource for more guidance.")


class ArmBackend:
    """Every call is ARM's own, as ``caller``."""

    def __init__(self, arm: ArmService, store: DeploymentStore, caller: Caller) -> None:
        self.arm = arm
        self.store = store
        self.authz = AuthorizationApi(arm)
        self.caller = caller

    def write(self, resource_id: str, body: dict[str, Any], api_version: str) -> tuple[int, dict[str, Any]]:
        path = parse_path(resource_id)
        if path.kind == "group" and path.subscription and path.group:
            status, group = self.arm.put_group(self.caller, path.subscription, path.group, body)
            return status, group.body
        if path.kind == "authorization" and len(path.rest) == 2 and path.rest[0].lower() == "roleassignments":
            status, result = self.authz.put_assignment(self.caller, path.scope or "/", path.rest[1], body)
            return status, result
        if path.kind == "resource" and path.resource is not None:
            return self.arm.put_resource(self.caller, path.resource, body, api_version)
        raise _unsupported(resource_id)

    def read(self, resource_id: str, api_version: str | None) -> dict[str, Any]:
        path = parse_path(resource_id)
        if path.kind == "group" and path.subscription and path.group:
            return self.arm.get_group(self.caller, path.subscription, path.group).body
        if path.kind == "authorization" and len(path.rest) == 2 and path.rest[0].lower() == "roleassignments":
            result: dict[str, Any] = self.authz.get_assignment(self.caller, path.scope or "/", path.rest[1])
            return result
        if path.kind == "resource" and path.resource is not None:
            if path.resource.type_key == DEPLOYMENT_TYPE.lower():
                return self.deployment(resource_id)
            return self.arm.get_resource(self.caller, path.resource, api_version or "2025-04-01")
        raise _unsupported(resource_id)

    def deployment(self, resource_id: str) -> dict[str, Any]:
        self.arm.authorize(self.caller, f"{DEPLOYMENT_TYPE}/read", resource_id)
        found = self.store.get(resource_id)
        if found is None:
            raise ServiceError(errors.DEPLOYMENT_NOT_FOUND, name=split_id(resource_id)[2])
        return public(found)

    def action(self, resource_id: str, action: str, payload: Any, api_version: str) -> Any:
        path = parse_path(resource_id)
        if path.kind != "resource" or path.resource is None:
            raise _unsupported(resource_id)
        _, result = self.arm.action(self.caller, path.resource, action, payload or {}, api_version)
        return result

    def group(self, subscription: str, group: str) -> dict[str, Any] | None:
        found = self.arm.store.get(self.arm.group_id(subscription, group))
        return found.body if found else None

    def subscription(self, subscription: str) -> dict[str, Any]:
        body = self.arm.subscription(subscription)
        return {"id": body["id"], "subscriptionId": body["subscriptionId"], "tenantId": body["tenantId"],
                "displayName": body["displayName"]}

    def begin_deployment(self, scope: Scope, name: str) -> Scope:
        """Authorize writing the deployment and check its scope exists; the scope as ARM spells it."""
        assert scope.subscription is not None
        self.arm.check_subscription(scope.subscription)
        self.arm.authorize(self.caller, f"{DEPLOYMENT_TYPE}/write", scope.deployment_id(name))
        if scope.group is None:
            return Scope(scope.tenant, scope.subscription.lower(), None)
        group = self.group(scope.subscription, scope.group)
        if group is None:
            raise ServiceError(arm_errors.GROUP_NOT_FOUND, group=scope.group)
        return Scope(scope.tenant, scope.subscription.lower(), str(group["name"]))

    def save_deployment(self, outcome: Outcome) -> None:
        self.store.save(outcome)

    def unidentified(self, label: str, where: Where) -> bool:
        return False  # a resource that cannot be named cannot be written


@dataclass
class Change:
    """One resource a what-if would write: its state now (``before``) and the body it would send."""

    resource_id: str
    api_version: str
    before: dict[str, Any] | None
    after: dict[str, Any]


@dataclass
class DryBackend:
    """Reads through ARM, remembers writes instead of making them (what-if)."""

    live: ArmBackend
    overlay: dict[str, dict[str, Any]] = field(default_factory=dict)
    changes: list[Change] = field(default_factory=list)
    unsupported: list[tuple[str, str]] = field(default_factory=list)

    def write(self, resource_id: str, body: dict[str, Any], api_version: str) -> tuple[int, dict[str, Any]]:
        before = self.overlay.get(normalize(resource_id)) or self._current(resource_id, api_version)
        _, kind, name = split_id(resource_id)
        after = {"id": resource_id, "name": name, "type": kind, "apiVersion": api_version, **body}
        self.overlay[normalize(resource_id)] = merged(before, after) if before else partial(after)
        self.changes.append(Change(resource_id, api_version, before, after))
        return (200 if before else 201), after

    def _current(self, resource_id: str, api_version: str | None) -> dict[str, Any] | None:
        try:
            return self.live.read(resource_id, api_version)
        except ServiceError as exc:
            if exc.status == 404:
                return None
            raise

    def read(self, resource_id: str, api_version: str | None) -> dict[str, Any]:
        found = self.overlay.get(normalize(resource_id))
        return found if found is not None else self.live.read(resource_id, api_version)

    def action(self, resource_id: str, action: str, payload: Any, api_version: str) -> Any:
        return self.live.action(resource_id, action, payload, api_version)

    def group(self, subscription: str, group: str) -> dict[str, Any] | None:
        planned = self.overlay.get(normalize(f"/subscriptions/{subscription}/resourceGroups/{group}"))
        return planned if planned is not None else self.live.group(subscription, group)

    def subscription(self, subscription: str) -> dict[str, Any]:
        return self.live.subscription(subscription)

    def begin_deployment(self, scope: Scope, name: str) -> Scope:
        if scope.group is None or self.live.group(str(scope.subscription), scope.group) is not None:
            return self.live.begin_deployment(scope, name)
        if self.group(str(scope.subscription), scope.group) is None:
            raise ServiceError(arm_errors.GROUP_NOT_FOUND, group=scope.group)
        self.live.arm.authorize(self.live.caller, f"{DEPLOYMENT_TYPE}/write", scope.deployment_id(name))
        return scope

    def save_deployment(self, outcome: Outcome) -> None:
        self.overlay[normalize(outcome.id)] = outcome.body(raw=True)

    def unidentified(self, label: str, where: Where) -> bool:
        """Listed as ``Unsupported`` with ARM's reason, as what-if does."""
        self.unsupported.append((label, UNIDENTIFIABLE.format(path=where.path, line=where.line,
                                                              column=where.column)))
        return True


def _unsupported(resource_id: str) -> ServiceError:
    _, kind, _ = split_id(resource_id)
    namespace, _, rest = kind.partition("/")
    return ServiceError(arm_errors.INVALID_TYPE, type=rest or resource_id, namespace=namespace or "",
                        version="")
