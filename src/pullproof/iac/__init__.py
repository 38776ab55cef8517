"""ARM template deployments: the expression language, the template engine and the library entry
point ``deploy_template`` (what ``pullproof deploy`` calls)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from pullproof.iac.context import Scope

if TYPE_CHECKING:
    from pullproof.app import Emulator
    from pullproof.identity.models import Caller


def parse_scope(tenant: str, scope: str) -> Scope:
    """``/subscriptions/{s}`` or ``/subscriptions/{s}/resourceGroups/{g}`` as a deployment scope."""
    parts = [p for p in scope.split("/") if p]
    if len(parts) == 2 and parts[0].lower() == "subscriptions":
        return Scope(tenant, parts[1], None)
    if len(parts) == 4 and parts[0].lower() == "subscriptions" and parts[2].lower() == "resourcegroups":
        return Scope(tenant, parts[1], parts[3])
    raise ValueError(f"not a subscription or resource group id: {scope!r}")


def operator_caller(emulator: Emulator) -> Caller:
    """The operator service principal (Owner of the default subscription) as a caller."""
    from pullproof.identity.models import Caller

    op = emulator.operator
    return Caller(op.object_id, op.tenant_id, op.client_id, "app", op.client_id, {"oid": op.object_id})


def deploy_template(emulator: Emulator, caller: Caller, scope: str, name: str, template: dict[str, Any] | str,
                    parameters: dict[str, Any], location: str | None = None) -> dict[str, Any]:
    """Validate and run a template as ``caller``; the deployment as ``GET …/deployments/{name}`` shows it.

    ``template`` is the template object, or the text of a template file (then errors carry its
    lines and columns); ``parameters`` are plain values (``{"acrName": "myacr"}``; see
    ``typed_parameters`` for ``k=v`` strings). Raises ``ServiceError`` (``TemplateError``,
    ``DeploymentError``…) when ARM would answer 4xx; a deployment that fails while running is
    returned with ``properties.provisioningState == "Failed"`` and ``properties.error``.
    """
    from pullproof.iac.records import public
    from pullproof.iac.requests import request_from_values

    api = emulator.deployments
    request = request_from_values(name, parse_scope(emulator.operator.tenant_id, scope), template, parameters,
                                  location)
    created = api.create(caller, request)
    return public(created.outcome.stored())


__all__ = ["Scope", "deploy_template", "operator_caller", "parse_scope"]
