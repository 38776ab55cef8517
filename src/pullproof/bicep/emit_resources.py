"""Resources and modules as entries of the template's ``resources`` array (``EmitResource``/``EmitModule``).

Resource keys: ``copy, condition, type, apiVersion, scope|subscriptionId|resourceGroup, name, <body>,
dependsOn, metadata``. A module becomes a ``Microsoft.Resources/deployments`` resource with
``expressionEvaluationOptions.scope = inner``, its parameters as ``{"value": …}`` and its template inlined.
"""

from __future__ import annotations

from typing import Any

from pullproof.arm.models import DEPLOYMENT_TYPE

from . import ast as A
from .armexpr import fn, to_json_string
from .context import ConvertContext
from .dependencies import depends_on
from .model import ModuleInfo, ResourceInfo
from .resources import DEPLOYMENTS_API, full_name, module_name, scope_properties
from .values import copy_count, copy_object, emit_object, emit_value, loop_locals

RESOURCE_OMIT = frozenset({"name", "scope", "parent", "dependsOn"})
MODULE_KEYS = {"name", "params", "scope", "dependsOn"}


def _loop_header(
    conv: ConvertContext, symbol: str, decl: A.Decl, loop: A.ForExpr | None
) -> tuple[ConvertContext, dict[str, Any]]:
    """The ``copy`` property of a looped declaration, and the converter with its loop variables bound."""
    if loop is None:
        if decl.decorator("batchSize") is not None:
            raise conv.error("@batchSize() can only decorate a resource or module loop", decl)
        return conv, {}
    copy: dict[str, Any] = {"name": symbol, "count": copy_count(conv, loop)}
    batch = decl.decorator("batchSize")
    if batch is not None:
        if len(batch.args) != 1 or not isinstance(batch.args[0], A.Int):
            raise conv.error("@batchSize() expects one integer literal", batch)
        copy |= {"mode": "serial", "batchSize": batch.args[0].value}
    return loop_locals(conv, loop, fn("copyIndex")), {"copy": copy}


def _check_decorators(conv: ConvertContext, decl: A.Decl, allowed: set[str]) -> Any:
    description = None
    for deco in decl.decorators:
        if deco.name not in allowed or deco.namespace not in (None, "sys"):
            raise conv.error(f"decorator '@{deco.name}' is not supported here by pullproof's compiler", deco)
        if deco.name == "description":
            if len(deco.args) != 1:
                raise conv.error("@description() expects one argument", deco)
            description = emit_value(conv, deco.args[0])
    return description


def _condition(conv: ConvertContext, info: ResourceInfo) -> A.Expr | None:
    """Conditions stack with nesting: a nested resource inherits its enclosing resources' conditions."""
    cond: A.Expr | None = None
    for node in info.nest_chain():
        if node.body.condition is not None:
            cond = node.body.condition if cond is None else A.Binary(node.decl.pos, "&&", cond, node.body.condition)
    return cond


def emit_resource(conv: ConvertContext, info: ResourceInfo) -> dict[str, Any]:
    description = _check_decorators(conv, info.decl, {"description", "batchSize"})
    inner, out = _loop_header(conv.within(info.nest_chain()), info.symbol, info.decl, info.body.loop)
    index = fn("copyIndex") if info.body.loop is not None else None
    cond = _condition(inner, info)
    if cond is not None:
        out["condition"] = emit_value(inner, cond)
    out |= {"type": info.full_type, "apiVersion": info.api_version}
    out |= scope_properties(inner, info.scope, inner)
    out["name"] = to_json_string(full_name(inner, info, index))
    out |= emit_object(inner, info.body.obj, RESOURCE_OMIT, resource_body=True)
    dependencies = depends_on(inner, info)
    if dependencies:
        out["dependsOn"] = dependencies
    if description is not None:
        out["metadata"] = {"description": description}
    return out


def emit_module(conv: ConvertContext, module: ModuleInfo) -> dict[str, Any]:
    description = _check_decorators(conv, module.decl, {"description", "batchSize"})
    inner, out = _loop_header(conv, module.symbol, module.decl, module.body.loop)
    index = fn("copyIndex") if module.body.loop is not None else None
    if module.body.condition is not None:
        out["condition"] = emit_value(inner, module.body.condition)
    out |= {"type": DEPLOYMENT_TYPE, "apiVersion": DEPLOYMENTS_API}
    for prop in module.body.obj.props():
        key = prop.key.value if isinstance(prop.key, A.Str) else None
        if key not in MODULE_KEYS:
            raise conv.error(f"module property '{key}' is not supported by pullproof's compiler", prop)
    out["name"] = to_json_string(module_name(inner, module, index))
    out |= scope_properties(inner, module.scope, inner)
    if module.scope.kind != "resourceGroup":
        where = "resourceGroup" if conv.model.target_scope == "resourceGroup" else "deployment"
        out["location"] = f"[{where}().location]"
    out["properties"] = {
        "expressionEvaluationOptions": {"scope": "inner"},
        "mode": "Incremental",
        **_module_parameters(inner, module),
        "template": module.template,
    }
    dependencies = depends_on(inner, module)
    if dependencies:
        out["dependsOn"] = dependencies
    if description is not None:
        out["metadata"] = {"description": description}
    return out


def _module_parameters(conv: ConvertContext, module: ModuleInfo) -> dict[str, Any]:
    params = module.body.obj.get("params")
    declared = module.child.params
    given: dict[str, Any] = {}
    if params is not None and not isinstance(params, A.Obj):
        raise conv.error("a module's 'params' must be an object literal", params)
    for prop in params.props() if isinstance(params, A.Obj) else []:
        if not isinstance(prop.key, A.Str):
            raise conv.error("module parameter names cannot be interpolated", prop)
        name = prop.key.value
        if name not in declared:
            raise conv.error(f"module '{module.symbol}' has no parameter named '{name}'", prop)
        given[name] = _parameter_value(conv, prop.value)
    missing = [n for n, d in declared.items() if d.default is None and n not in given]
    if missing:
        names = ", ".join(missing)
        raise conv.error(f"module '{module.symbol}' is missing required parameter(s): {names}", module.decl)
    return {"parameters": given} if params is not None else {}


def _parameter_value(conv: ConvertContext, value: A.Expr) -> Any:
    if isinstance(value, A.ForExpr):
        return {"copy": [copy_object(conv, "value", value)]}
    if isinstance(value, A.Ternary):
        wrap = [A.Obj(v.pos, (A.Prop(v.pos, A.Str(v.pos, "value"), v),)) for v in (value.then, value.other)]
        return emit_value(conv, A.Ternary(value.pos, value.cond, wrap[0], wrap[1]))
    return {"value": emit_value(conv, value)}
