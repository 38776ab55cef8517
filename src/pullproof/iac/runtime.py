"""The ``Runtime`` a deployment's expressions call out to: ``reference()``, ``list*()`` and the scope
functions, answered from the backend. Before anything runs (validation) what only the deployment
can know is ``Unknown``; during what-if, whatever cannot be read is ``Unknown`` too."""

from __future__ import annotations

import enum
from collections.abc import Callable
from typing import Any

from pullproof.arm import errors as arm_errors
from pullproof.arm.models import GROUP_TYPE
from pullproof.core.errors import ServiceError
from pullproof.iac import errors
from pullproof.iac.backend import Backend
from pullproof.iac.context import Frame, Scope
from pullproof.iac.errors import ExpressionError
from pullproof.iac.resource_ids import relative_id, split_id
from pullproof.iac.values import Partial, Unknown


class Mode(enum.Enum):
    VALIDATE = "validate"
    DEPLOY = "deploy"
    WHATIF = "whatIf"


class EngineRuntime:
    def __init__(self, backend: Backend, mode: Mode, now: float, new_guid: Callable[[], str],
                 tenant: dict[str, Any]) -> None:
        self.backend = backend
        self.mode = mode
        self.started = now
        self.guid = new_guid
        self.tenant_value = tenant

    def reference(self, frame: Frame, target: str, api_version: str | None, full: bool) -> Any:
        if not target.startswith("/"):
            raise ExpressionError(errors.NOT_DEFINED, name=target)
        if self.mode is Mode.VALIDATE:
            return Unknown("")
        try:
            body = self.backend.read(target, api_version)
        except ServiceError:
            if self.mode is Mode.WHATIF:
                return Unknown("")
            raise
        if not full:
            found = body.get("properties")
            return found if found is not None else (Partial() if isinstance(body, Partial) else {})
        return _full(body, target, api_version)

    def invoke_list(self, frame: Frame, action: str, resource_id: str, api_version: str, payload: Any) -> Any:
        if self.mode is Mode.VALIDATE:
            return Unknown("")
        try:
            return self.backend.action(resource_id, action, payload, api_version)
        except ServiceError:
            if self.mode is Mode.WHATIF:
                return Unknown("")
            raise

    def resource_group(self, scope: Scope) -> Any:
        body = self.backend.group(str(scope.subscription), str(scope.group))
        if body is None:
            if self.mode is not Mode.DEPLOY:
                return Unknown("")
            raise ServiceError(arm_errors.GROUP_NOT_FOUND, group=scope.group)
        return {"id": body.get("id"), "name": body.get("name"), "type": GROUP_TYPE,
                "location": body.get("location"), **({"managedBy": body["managedBy"]} if "managedBy" in body else {}),
                "tags": body.get("tags") or {}, "properties": {"provisioningState": "Succeeded"}}

    def subscription(self, subscription: str) -> dict[str, Any]:
        return self.backend.subscription(subscription)

    def tenant(self) -> dict[str, Any]:
        return dict(self.tenant_value)

    def now(self) -> float:
        return self.started

    def new_guid(self) -> str:
        return self.guid()


def _full(body: dict[str, Any], target: str, api_version: str | None) -> dict[str, Any]:
    parts = [p for p in target.split("/") if p]
    lowered = [p.lower() for p in parts]
    out = dict(body)
    out.update({
        "apiVersion": api_version, "subscriptionId": parts[1] if lowered[:1] == ["subscriptions"] else "",
        "resourceGroupName": parts[3] if lowered[2:3] == ["resourcegroups"] else "",
        "resourceId": relative_id(target), "referenceApiVersion": api_version, "condition": True,
        "isConditionTrue": True, "isTemplateResource": False, "isAction": False, "provisioningOperation": "Read",
    })
    out.setdefault("properties", {})
    out.setdefault("scope", split_id(target)[0])
    return out
