"""Resource-id, scope and deployment functions: ``resourceId`` and friends, ``resourceGroup()``,
``subscription()``, ``deployment()``, ``parameters()``, ``variables()``, ``copyIndex()``,
``reference()``."""

from __future__ import annotations

import copy
from typing import Any

from pullproof.iac import errors
from pullproof.iac.context import Phase
from pullproof.iac.errors import ExpressionError
from pullproof.iac.functions.base import Invocation, Spec, spec
from pullproof.iac.resource_ids import interleave

RUNTIME_PHASES = frozenset({Phase.BODY, Phase.OUTPUT, Phase.PLAN})
NOT_IN_PARAMETERS = frozenset(set(Phase) - {Phase.PARAMETER, Phase.FUNCTION})
NOT_IN_FUNCTIONS = frozenset(set(Phase) - {Phase.FUNCTION})
ENVIRONMENT = {
    "name": "AzureCloud", "gallery": "https://gallery.azure.com/", "graph": "https://graph.windows.net/",
    "portal": "https://portal.azure.com", "graphAudience": "https://graph.windows.net/",
    "activeDirectoryDataLake": "https://datalake.azure.net/", "batch": "https://batch.core.windows.net/",
    "media": "https://rest.media.azure.net", "sqlManagement": "https://management.core.windows.net:8443/",
    "vmImageAliasDoc": "https://raw.githubusercontent.com/Azure/azure-rest-api-specs/master/arm-compute/"
    "quickstart-templates/aliases.json",
    "resourceManager": "https://management.azure.com/",
    "authentication": {"loginEndpoint": "https://login.microsoftonline.com/",
                       "audiences": ["https://management.core.windows.net/", "https://management.azure.com/"],
                       "tenant": "common", "identityProvider": "AAD"},
    "suffixes": {"acrLoginServer": ".azurecr.io", "azureDatalakeAnalyticsCatalogAndJob": "azuredatalakeanalytics.net",
                 "azureDatalakeStoreFileSystem": "azuredatalakestore.net", "azureFrontDoorEndpointSuffix":
                 "azurefd.net", "keyvaultDns": ".vault.azure.net", "sqlServerHostname": ".database.windows.net",
                 "storage": "core.windows.net"},
}


def _names(call: Invocation, names: list[str], resource_type: str) -> list[str]:
    expected = len(resource_type.split("/")) - 1
    if len(names) == 1 and expected > 1 and len(names[0].split("/")) == expected:
        names = names[0].split("/")
    if len(names) != expected or expected == 0:
        raise call.fail(f"the type '{resource_type}' requires '{max(expected, 1)}' resource name argument(s).")
    return names


def _split_type(call: Invocation, first_possible: int = 0) -> tuple[list[str], str, list[str]]:
    args = [call.text(i) for i in range(len(call.args))]
    index = next((i for i, a in enumerate(args) if i >= first_possible and "/" in a), None)
    if index is None:
        raise call.fail("function requires exactly one multi-segmented argument which must be resource type "
                        f"including resource provider namespace. Current function arguments '{','.join(args)}'.")
    return args[:index], args[index], _names(call, args[index + 1 :], args[index])


def _resource_id(call: Invocation) -> str:
    before, resource_type, names = _split_type(call)
    scope = call.frame.scope
    if len(before) > 2:
        raise call.fail("at most a subscription id and a resource group name may precede the resource type.")
    sub = before[0] if len(before) == 2 else scope.subscription
    group = before[-1] if before else scope.group
    prefix = "" if sub is None else f"/subscriptions/{sub}" + (f"/resourceGroups/{group}" if group else "")
    return f"{prefix}/{interleave(resource_type, names)}"


def _subscription_resource_id(call: Invocation) -> str:
    before, resource_type, names = _split_type(call)
    if len(before) > 1:
        raise call.fail("at most a subscription id may precede the resource type.")
    sub = before[0] if before else call.frame.scope.subscription
    return f"/subscriptions/{sub}/{interleave(resource_type, names)}"


def _tenant_resource_id(call: Invocation) -> str:
    _, resource_type, names = _split_type(call)
    return f"/{interleave(resource_type, names)}"


def _management_group_resource_id(call: Invocation) -> str:
    before, resource_type, names = _split_type(call)
    if not before:
        raise ExpressionError(errors.FUNCTION_NOT_HERE, name="MANAGEMENTGROUPRESOURCEID")
    return f"/providers/Microsoft.Management/managementGroups/{before[0]}/{interleave(resource_type, names)}"


def _extension_resource_id(call: Invocation) -> str:
    base = call.text(0).rstrip("/")
    _, resource_type, names = _split_type(call, first_possible=1)
    return f"{base}/{interleave(resource_type, names)}"


def _resource_group(call: Invocation) -> Any:
    scope = call.frame.scope
    if scope.group is None:
        raise ExpressionError(errors.FUNCTION_NOT_HERE, name="RESOURCEGROUP")
    return call.frame.runtime.resource_group(scope)


def _subscription(call: Invocation) -> Any:
    sub = call.text(0) if call.args else call.frame.scope.subscription
    if sub is None:
        raise ExpressionError(errors.FUNCTION_NOT_HERE, name="SUBSCRIPTION")
    return call.frame.runtime.subscription(sub)


def _parameters(call: Invocation) -> Any:
    name = call.text(0)
    found, value = call.frame.param(name)
    if not found:
        raise ExpressionError(errors.PARAMETER_NOT_FOUND, name=name)
    return value


def _variables(call: Invocation) -> Any:
    if call.frame.variables is None:
        raise ExpressionError(errors.FUNCTION_NOT_HERE, name="VARIABLES")
    return call.frame.variables.get(call.text(0))


def _copy_index(call: Invocation) -> int:
    name, offset = None, 0
    if call.args and isinstance(call.args[0], str):
        name = call.args[0]
        offset = call.integer(1) if len(call.args) > 1 else 0
    elif call.args:
        offset = call.integer(0)
    index = call.frame.copy_index(name)
    if index is None:
        raise ExpressionError(errors.FUNCTION_NOT_HERE, name="COPYINDEX")
    return index + offset


def _reference(call: Invocation) -> Any:
    target = call.text(0)
    api_version = call.text(1) if len(call.args) > 1 and call.args[1] is not None else None
    full = len(call.args) > 2 and str(call.args[2]).lower() == "full"
    return call.frame.runtime.reference(call.frame, call.frame.symbols.get(target.lower(), target), api_version, full)


def _tenant(call: Invocation) -> Any:
    return call.frame.runtime.tenant()


SPECS: tuple[Spec, ...] = (
    spec("resourceId", _resource_id, 2, None),
    spec("subscriptionResourceId", _subscription_resource_id, 2, None),
    spec("tenantResourceId", _tenant_resource_id, 2, None),
    spec("managementGroupResourceId", _management_group_resource_id, 2, None),
    spec("extensionResourceId", _extension_resource_id, 3, None),
    spec("resourceGroup", _resource_group, 0, builds=False),
    spec("subscription", _subscription, 0, 1, builds=False),
    spec("tenant", _tenant, 0, builds=False),
    spec("deployment", lambda c: c.frame.deployment.value(), 0, phases=NOT_IN_FUNCTIONS, builds=False),
    spec("environment", lambda c: copy.deepcopy(ENVIRONMENT), 0),
    spec("parameters", _parameters, 1, builds=False),
    spec("variables", _variables, 1, phases=NOT_IN_PARAMETERS, builds=False),
    spec("copyIndex", _copy_index, 0, 2),
    spec("reference", _reference, 1, 3, phases=RUNTIME_PHASES, builds=False),
    spec("pickZones", lambda c: [], 3, 5),
)
