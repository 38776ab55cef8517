"""Bicep's built-in functions: which exist, how many arguments they take, and how they reach ARM.

Bicep emits almost every function call 1:1 under the same name (``toLower(x)`` → ``toLower(x)``); the
exceptions are handled by the converter: ``any(x)`` → ``x``; the ``load*`` functions are evaluated at
compile time; ``utcNow``/``newGuid`` are only legal in a parameter default; ``az.``/``sys.`` prefixes are
dropped. Names are case-sensitive, as in Bicep.
"""

from __future__ import annotations

MANY = 10_000

# name: (minimum, maximum) number of arguments — the 'sys' namespace
SYSTEM: dict[str, tuple[int, int]] = {
    "any": (1, 1), "array": (1, 1), "base64": (1, 1), "base64ToJson": (1, 1), "base64ToString": (1, 1),
    "bool": (1, 1), "buildUri": (1, 1), "cidrHost": (2, 2), "cidrSubnet": (3, 3), "coalesce": (1, MANY),
    "concat": (1, MANY), "contains": (2, 2), "dataUri": (1, 1), "dataUriToString": (1, 1),
    "dateTimeAdd": (2, 3), "dateTimeFromEpoch": (1, 1), "dateTimeToEpoch": (1, 1), "empty": (1, 1),
    "endsWith": (2, 2), "filter": (2, 2), "first": (1, 1), "flatten": (1, 1), "format": (1, MANY),
    "groupBy": (2, 2), "guid": (1, MANY), "indexOf": (2, 2), "int": (1, 1), "intersection": (2, MANY),
    "items": (1, 1), "join": (2, 2), "json": (1, 1), "last": (1, 1), "lastIndexOf": (2, 2), "length": (1, 1),
    "loadFileAsBase64": (1, 1), "loadJsonContent": (1, 3), "loadTextContent": (1, 2), "map": (2, 2),
    "mapValues": (2, 2), "max": (1, MANY), "min": (1, MANY), "newGuid": (0, 0), "objectKeys": (1, 1),
    "padLeft": (2, 3), "parseCidr": (1, 1), "parseUri": (1, 1), "range": (2, 2), "reduce": (3, 3),
    "replace": (3, 3), "shallowMerge": (1, 1), "skip": (2, 2), "sort": (2, 2), "split": (2, 2),
    "startsWith": (2, 2), "string": (1, 1), "substring": (2, 3), "take": (2, 2), "toLower": (1, 1),
    "toObject": (2, 3), "toUpper": (1, 1), "trim": (1, 1), "tryGet": (2, MANY), "union": (1, MANY),
    "uniqueString": (1, MANY), "uri": (2, 2), "uriComponent": (1, 1), "uriComponentToString": (1, 1),
    "utcNow": (0, 1), "distinct": (1, 1), "nameof": (1, 1),
}

# the 'az' namespace
AZURE: dict[str, tuple[int, int]] = {
    "deployer": (0, 0), "deployment": (0, 0), "environment": (0, 0), "extensionResourceId": (3, MANY),
    "managementGroup": (0, 1), "managementGroupResourceId": (2, MANY), "pickZones": (3, 5),
    "providers": (1, 2), "reference": (1, 3), "resourceGroup": (0, 2), "resourceId": (2, MANY),
    "subscription": (0, 1), "subscriptionResourceId": (2, MANY), "tenant": (0, 0),
    "tenantResourceId": (2, MANY), "toLogicalZone": (4, 4), "toLogicalZones": (4, 4),
    "toPhysicalZone": (4, 4), "toPhysicalZones": (4, 4),
}

# evaluated by the compiler, never emitted
COMPILE_TIME = {"loadTextContent", "loadJsonContent", "loadFileAsBase64"}
UNSUPPORTED = {
    "loadYamlContent": "loadYamlContent() is not supported by pullproof's compiler",
    "loadDirectoryFileInfo": "loadDirectoryFileInfo() is not supported by pullproof's compiler",
    "readEnvironmentVariable": "readEnvironmentVariable() is not supported by pullproof's compiler",
    "externalInput": "externalInput() is not supported by pullproof's compiler",
    "getSecret": "getSecret() (Key Vault references) is not supported by pullproof's compiler",
    "fail": "fail() is not supported by pullproof's compiler",
    "validate": "validate() is not supported by pullproof's compiler",
}
# only legal as (part of) a parameter's default value
PARAM_DEFAULT_ONLY = {"utcNow", "newGuid"}
SCOPE_FUNCTIONS = {"resourceGroup", "subscription", "managementGroup", "tenant"}
LIST_PREFIX = "list"


def arity(name: str, namespace: str | None) -> tuple[int, int] | None:
    """(min, max) arguments of a built-in function, or None if Bicep has no such function."""
    if namespace in (None, "sys") and name in SYSTEM:
        return SYSTEM[name]
    if namespace in (None, "az") and name in AZURE:
        return AZURE[name]
    if namespace in (None, "az") and name.startswith(LIST_PREFIX) and len(name) > len(LIST_PREFIX):
        return (2, 3)
    return None


def describe_arity(bounds: tuple[int, int]) -> str:
    low, high = bounds
    if low == high:
        return f"{low} argument{'s' if low != 1 else ''}"
    if high >= MANY:
        return f"at least {low} argument{'s' if low != 1 else ''}"
    return f"{low} to {high} arguments"
