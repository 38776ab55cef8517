"""The ARM template engine: the expression language, planning and running a template through a
``Backend`` port, and the library entry point ``deploy_template`` (what ``pullproof deploy`` calls).
The deployments API that serves it over ARM is ``pullproof.deployments``."""

from __future__ import annotations

from typing import Any, Protocol

from pullproof.iac.context import Scope
from pullproof.iac.requests import Request, request_from_values
from pullproof.identity.models import Caller


class Operator(Protocol):
    """The operator service principal (Owner of the default subscription)."""

    @property
    def object_id(self) -> str: ...

    @property
    def tenant_id(self) -> str: ...

    @property
    def client_id(self) -> str: ...


class Deployer(Protocol):
    def deploy(self, caller: Caller, request: Request) -> dict[str, Any]:
        """Validate and run ``request`` as ``caller``; the deployment as ``GET …/deployments/{name}`` shows it."""
        ...


class Host(Protocol):
    """What deploying in process needs of an emulator: its operator and its deployments API."""

    @property
    def operator(self) -> Operator: ...

    @property
    def deployments(self) -> Deployer: ...


def parse_scope(tenant: str, scope: str) -> Scope:
    """``/subscriptions/{s}`` or ``/subscriptions/{s}/resourceGroups/{g}`` as a deployment scope."""
    parts = [p for p in scope.split("/") if p]
    if len(parts) == 2 and parts[0].lower() == "subscriptions":
        return Scope(tenant, parts[1], None)
    if len(parts) == 4 and parts[0].lower() == "subscriptions" and parts[2].lower() == "resourcegroups":
        return Scope(tenant, parts[1], parts[3])
    raise ValueError(f"not a subscription or resource group id: {scope!r}")


def operator_caller(host: Host) -> Caller:
    """The operator service principal (Owner of the default subscription) as a caller."""
    op = host.operator
    return Caller(op.object_id, op.tenant_id, op.client_id, "app", op.client_id, {"oid": op.object_id})


def deploy_template(host: Host, caller: Caller, scope: str, name: str, template: dict[str, Any] | str,
                    parameters: dict[str, Any], location: str | None = None) -> dict[str, Any]:
    """Validate and run a template as ``caller``; the deployment as ``GET …/deployments/{name}`` shows it.

    ``host`` is the emulator (its ``operator`` and ``deployments``). ``template`` is the template object,
    or the text of a template file (then errors carry its lines and columns); ``parameters`` are plain
    values (``{"acrName": "myacr"}``; see ``typed_parameters`` for ``k=v`` strings). Raises
    ``ServiceError`` (``TemplateError``, ``DeploymentError``…) when ARM would answer 4xx; a deployment
    that fails while running is returned with ``properties.provisioningState == "Failed"`` and
    ``properties.error``.
    """
    request = request_from_values(name, parse_scope(host.operator.tenant_id, scope), template, parameters, location)
    return host.deployments.deploy(caller, request)


__all__ = ["Deployer", "Host", "Operator", "Scope", "deploy_template", "operator_caller", "parse_scope"]
