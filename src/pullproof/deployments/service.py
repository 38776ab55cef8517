"""``Microsoft.Resources/deployments``: template deployments at resource-group and subscription scope.

A PUT validates the template (400 ``InvalidTemplate`` and friends) and then runs it to the end
before answering, as the caller (every resource write goes through ARM, with RBAC); the answer is
``201`` with an ``Azure-AsyncOperation`` URL that already reports the terminal status. ``validate``
and ``whatIf`` answer ``200`` with their result. Deployments are stored as ARM resources (so they
go with their resource group), their operations inside them.
"""

from __future__ import annotations

import json
from typing import Any

from pullproof.arm import errors as arm_errors
from pullproof.arm.models import DEPLOYMENT_TYPE
from pullproof.arm.service import ArmService
from pullproof.core.clock import Clock, isoformat
from pullproof.core.errors import ServiceError
from pullproof.core.ids import IdFactory
from pullproof.deployments.backend import ArmBackend, DryBackend
from pullproof.deployments.models import BUILT_IN, Created
from pullproof.deployments.store import DeploymentStore, public
from pullproof.deployments.whatif import changes
from pullproof.iac import errors
from pullproof.iac.context import Scope
from pullproof.iac.engine import Engine
from pullproof.iac.errors import DeploymentError, WireError
from pullproof.iac.limits import TemplateLimits
from pullproof.iac.plan import Prepared
from pullproof.iac.records import duration
from pullproof.iac.requests import Request
from pullproof.iac.runtime import EngineRuntime, Mode
from pullproof.identity.models import Caller


class DeploymentsApi:
    def __init__(self, arm: ArmService, clock: Clock, ids: IdFactory, limits: TemplateLimits | None = None) -> None:
        self.arm = arm
        self.store = DeploymentStore(arm.store, clock)
        self.clock = clock
        self.ids = ids
        self.limits = limits or TemplateLimits()

    def scope(self, subscription: str, group: str | None) -> Scope:
        return Scope(self.arm.issuer.tenant.id, subscription, group)

    def _backend(self, caller: Caller) -> ArmBackend:
        return ArmBackend(self.arm, self.store, caller)

    def _engine(self, backend: ArmBackend | DryBackend, mode: Mode) -> Engine:
        tenant = self.arm.issuer.tenant
        tenant_value = {"countryCode": "US", "displayName": tenant.display_name, "id": f"/tenants/{tenant.id}",
                        "tenantId": tenant.id}
        runtime = EngineRuntime(backend, mode, self.clock.now(), self.ids.guid, tenant_value)
        return Engine(backend, runtime, self.ids, self.clock, self.limits)

    def _authorized(self, caller: Caller, scope: Scope, name: str, verb: str) -> Scope:
        """Subscription, then authorization, then the resource group (as ARM orders its checks)."""
        assert scope.subscription is not None
        self.arm.check_subscription(scope.subscription)
        self.arm.authorize(caller, f"{DEPLOYMENT_TYPE}/{verb}", scope.deployment_id(name))
        if scope.group is None:
            return Scope(scope.tenant, scope.subscription.lower(), None)
        group = self.arm.store.get(self.arm.group_id(scope.subscription, scope.group))
        if group is None:
            raise ServiceError(arm_errors.GROUP_NOT_FOUND, group=scope.group)
        return Scope(scope.tenant, scope.subscription.lower(), group.name)

    def _checked(self, request: Request) -> None:
        if len(request.name) > 64:
            raise ServiceError(errors.NAME_TOO_LONG, name=request.name, length=len(request.name))
        if request.scope.group is None and not request.location:
            raise ServiceError(arm_errors.LOCATION_REQUIRED)
        if request.scope.group is not None:
            request.location = None
        existing = self.store.get(request.scope.deployment_id(request.name))
        old = existing.get("location") if existing else None
        if old and request.location and old != request.location:
            raise ServiceError(errors.DEPLOYMENT_LOCATION, new=request.location, name=request.name, old=old)

    def _preflight(self, backend: ArmBackend, request: Request) -> Prepared:
        """Validate the template, nested ones included, and refuse resource types pullproof does not emulate
        (ARM's preflight asks each resource provider, so a deployment never starts with such a resource)."""
        engine = self._engine(backend, Mode.VALIDATE)
        prepared = engine.prepare(request)
        details = []
        for item in engine.planned:
            key = item.type.lower()
            if item.existing or item.condition is False or key in BUILT_IN or key in self.arm.providers:
                continue
            namespace, _, kind = item.type.partition("/")
            known = {k.split("/")[0] for k in self.arm.providers} | {"microsoft.resources", "microsoft.authorization"}
            code = arm_errors.INVALID_TYPE if namespace.lower() in known else arm_errors.INVALID_NAMESPACE
            details.append(WireError.of(code, type=kind, namespace=namespace, version=item.api_version))
        if details:
            wire = WireError.of(errors.INVALID_DEPLOYMENT, name=request.name, tracking=self.ids.guid())
            wire.details = details
            raise DeploymentError(errors.INVALID_DEPLOYMENT, wire)
        return prepared

    # verbs ---------------------------------------------------------------------------------------------
    def validate(self, caller: Caller, request: Request) -> dict[str, Any]:
        request.scope = self._authorized(caller, request.scope, request.name, "validate/action")
        self._checked(request)
        started = self.clock.now()
        prepared = self._preflight(self._backend(caller), request)
        resources = [r for r in prepared.plan.resources if not r.existing and r.condition is not False]
        props = {"templateHash": prepared.template_hash, "parameters": prepared.parameters, "mode": request.mode,
                 "provisioningState": "Succeeded", "timestamp": isoformat(started),
                 "duration": duration(self.clock.now() - started), "correlationId": self.ids.guid(),
                 "validatedResources": [{"id": r.id} for r in resources if isinstance(r.id, str)]}
        body: dict[str, Any] = {"id": request.scope.deployment_id(request.name), "name": request.name,
                                "type": DEPLOYMENT_TYPE}
        if request.location:
            body["location"] = request.location
        body["properties"] = props
        return body

    def create(self, caller: Caller, request: Request) -> Created:
        backend = self._backend(caller)
        request.scope = backend.begin_deployment(request.scope, request.name)
        self._checked(request)
        existed = self.store.get(request.scope.deployment_id(request.name)) is not None
        self._preflight(backend, request)
        outcome = self._engine(backend, Mode.DEPLOY).run(request)
        operation = self.ids.guid()
        self.arm.store.add_operation(operation, outcome.state, outcome.id, outcome.started, outcome.ended,
                                     outcome.status())
        return Created(200 if existed else 201, outcome.body(state="Accepted"), operation, outcome)

    def deploy(self, caller: Caller, request: Request) -> dict[str, Any]:
        """Run a deployment in process (``pullproof.iac.deploy_template``): the deployment as ``GET`` shows it."""
        return self.create(caller, request).outcome.body()

    def what_if(self, caller: Caller, request: Request, result_format: str) -> dict[str, Any]:
        request.scope = self._authorized(caller, request.scope, request.name, "whatIf/action")
        self._checked(request)
        live = self._backend(caller)
        self._preflight(live, request)
        dry = DryBackend(live)
        outcome = self._engine(dry, Mode.WHATIF).run(request)
        if outcome.error is not None:
            return {"status": "Failed", "error": outcome.error.to_json()}
        groups = {(str(c.resource_id.split("/")[2]), c.resource_id.split("/")[4]) for c in dry.changes
                  if c.resource_id.lower().split("/")[3:4] == ["resourcegroups"]}
        if request.scope.group is not None:
            groups.add((str(request.scope.subscription), request.scope.group))
        existing = [str(r["id"]) for sub, group in sorted(groups) if self.arm.store.get(self.arm.group_id(sub, group))
                    for r in self.arm.list_resources(caller, sub, group, None, "2025-04-01")]
        return {"status": "Succeeded", "properties": {"changes": changes(dry, result_format, existing)}}

    def get(self, caller: Caller, scope: Scope, name: str) -> dict[str, Any]:
        scope = self._authorized(caller, scope, name, "read")
        return public(self._stored(scope, name))

    def _stored(self, scope: Scope, name: str) -> dict[str, Any]:
        found = self.store.get(scope.deployment_id(name))
        if found is None:
            raise ServiceError(errors.DEPLOYMENT_NOT_FOUND, name=name)
        return found

    def list(self, caller: Caller, scope: Scope) -> list[dict[str, Any]]:
        assert scope.subscription is not None
        scope = self._authorized(caller, scope, "", "read")
        return self.store.list(scope)

    def delete(self, caller: Caller, scope: Scope, name: str) -> None:
        scope = self._authorized(caller, scope, name, "delete")
        self.store.delete(scope.deployment_id(name))

    def operations(self, caller: Caller, scope: Scope, name: str, operation: str | None) -> Any:
        scope = self._authorized(caller, scope, name, "operations/read")
        items: list[dict[str, Any]] = self._stored(scope, name).get("_operations") or []
        if operation is None:
            return {"value": items}
        for item in items:
            if item["operationId"].lower() == operation.lower():
                return item
        raise ServiceError(arm_errors.OPERATION_NOT_FOUND, operation=operation)

    def status(self, caller: Caller, scope: Scope, name: str, operation: str) -> dict[str, Any]:
        scope = self._authorized(caller, scope, name, "operationstatuses/read")
        row = self.arm.store.operation(operation)
        if row is None or row["resource_id"].lower() != scope.deployment_id(name).lower():
            raise ServiceError(arm_errors.OPERATION_NOT_FOUND, operation=operation)
        if row["error"]:
            body: dict[str, Any] = json.loads(row["error"])
            return body
        return {"status": row["status"]}

    def export_template(self, caller: Caller, scope: Scope, name: str) -> dict[str, Any]:
        scope = self._authorized(caller, scope, name, "exportTemplate/action")
        return {"template": self._stored(scope, name).get("_template")}
