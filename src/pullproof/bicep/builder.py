"""Build the semantic ``Model`` of a parsed file: symbols, resource types/parents/scopes, modules."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from . import ast as A
from .inline import runtime_variables
from .model import SCOPES, Body, Model, ModuleInfo, ResourceInfo, ScopeData

ModuleLoader = Callable[[A.ModuleDecl, Model], tuple[dict[str, Any], Model]]
RESOURCE_GROUPS = "microsoft.resources/resourcegroups"
MANAGEMENT_GROUPS = "microsoft.management/managementgroups"


def build_model(program: A.Program, load_module: ModuleLoader) -> Model:
    model = Model(program)
    model.target_scope = _target_scope(model)
    _declare(model)
    for info in sorted(model.resources.values(), key=lambda r: len(r.ancestors())):
        info.scope = _resource_scope(model, info)
    for decl in program.of(A.ModuleDecl):
        template, child = load_module(decl, model)
        body = Body.of(decl.value, model)
        model.modules[decl.name] = ModuleInfo(decl.name, decl, body, template, child, ScopeData(model.target_scope))
        model.modules[decl.name].scope = _module_scope(model, model.modules[decl.name])
    model.inline_vars = runtime_variables(model)
    return model


def _target_scope(model: Model) -> str:
    decls = model.program.of(A.TargetScopeDecl)
    if not decls:
        return "resourceGroup"
    value = decls[-1].value
    if not isinstance(value, A.Str) or value.value not in SCOPES:
        raise model.error(f"targetScope must be one of {', '.join(repr(s) for s in SCOPES)}", value.pos)
    return value.value


def _declare(model: Model) -> None:
    seen: set[str] = set()
    for stmt in model.program.statements:
        if isinstance(stmt, (A.ParamDecl, A.VarDecl, A.ResourceDecl, A.ModuleDecl)):
            if stmt.name in seen:
                raise model.error(f"identifier '{stmt.name}' is declared multiple times", stmt.pos)
            seen.add(stmt.name)
        if isinstance(stmt, A.ParamDecl):
            model.params[stmt.name] = stmt
        elif isinstance(stmt, A.VarDecl):
            model.variables[stmt.name] = stmt
        elif isinstance(stmt, A.OutputDecl):
            if stmt.name in model.outputs:
                raise model.error(f"output '{stmt.name}' is declared multiple times", stmt.pos)
            model.outputs[stmt.name] = stmt
        elif isinstance(stmt, A.ResourceDecl):
            _add_resource(model, stmt, None)
    for info in list(model.resources.values()):
        _explicit_parent(model, info)


def _split_type(model: Model, decl: A.ResourceDecl) -> tuple[str, str | None]:
    type_name, _, version = decl.type_string.partition("@")
    if not type_name or (decl.type_string.count("@") > 1):
        raise model.error(f"invalid resource type '{decl.type_string}'", decl.pos)
    return type_name, version or None


def _add_resource(model: Model, decl: A.ResourceDecl, parent: ResourceInfo | None) -> ResourceInfo:
    type_name, version = _split_type(model, decl)
    if parent is not None and "/" not in type_name:
        type_name = f"{parent.full_type}/{type_name}"
        version = version or parent.api_version
    if version is None:
        raise model.error(f"resource type '{decl.type_string}' needs an API version ('Type@yyyy-mm-dd')", decl.pos)
    if type_name.count("/") < 1 or "." not in type_name.split("/")[0]:
        raise model.error(f"invalid resource type '{type_name}': expected 'Namespace.Provider/type'", decl.pos)
    body = Body.of(decl.value, model)
    if body.obj.get("name") is None:
        raise model.error(f"resource '{decl.name}' has no 'name' property", decl.pos)
    symbol = f"{parent.symbol}::{decl.name}" if parent else decl.name
    info = ResourceInfo(symbol, decl, type_name, version, body, parent, nested=parent is not None)
    if parent is not None and parent.body.loop is not None:
        raise model.error("resources nested in a resource loop are not supported by pullproof's compiler", decl.pos)
    model.resources[symbol] = info
    for item in body.obj.items:
        if isinstance(item, A.ResourceDecl):
            if item.name in info.children:
                raise model.error(f"identifier '{item.name}' is declared multiple times", item.pos)
            info.children[item.name] = _add_resource(model, item, info)
    return info


def _explicit_parent(model: Model, info: ResourceInfo) -> None:
    value = info.body.obj.get("parent")
    if value is None:
        return
    if info.nested:
        raise model.error("a nested resource cannot also set 'parent'", value.pos)
    base, index = (value.base, value.index) if isinstance(value, A.Index) else (value, None)
    target = model.resources.get(base.name) if isinstance(base, A.Ref) else None
    if target is None:
        raise model.error("'parent' must be a resource symbol declared in this file", value.pos)
    if (target.body.loop is None) != (index is None):
        raise model.error("a looped 'parent' must be indexed (and only a looped one)", value.pos)
    if not info.full_type.lower().startswith(target.full_type.lower() + "/"):
        raise model.error(
            f"resource type '{info.full_type}' is not a child of the parent's type '{target.full_type}'", value.pos
        )
    info.parent = target
    info.parent_index = index


def resolve_scope(model: Model, expr: A.Expr) -> ScopeData:
    """ScopeData for a ``scope:`` value: a scope function call or a resource symbol."""
    if isinstance(expr, A.Call) and expr.name in SCOPES and expr.namespace in (None, "az"):
        args = expr.args
        if expr.name == "resourceGroup" and len(args) <= 2:
            return ScopeData("resourceGroup", sub=args[0] if len(args) == 2 else None, rg=args[-1] if args else None)
        if expr.name == "subscription" and len(args) <= 1:
            return ScopeData("subscription", sub=args[0] if args else None)
        if expr.name == "managementGroup" and len(args) <= 1:
            return ScopeData("managementGroup", mg=args[0] if args else None)
        if expr.name == "tenant" and not args:
            return ScopeData("tenant")
    base, index = (expr.base, expr.index) if isinstance(expr, A.Index) else (expr, None)
    target = model.resources.get(base.name) if isinstance(base, A.Ref) else None
    if target is not None:
        if (target.body.loop is None) != (index is None):
            raise model.error("a looped resource must be indexed when used as a scope (and only then)", expr.pos)
        kind = target.full_type.lower()
        if kind == RESOURCE_GROUPS:
            return ScopeData("resourceGroup", sub=target.scope.sub, rg=target.name_expr, index=index, owner=target)
        if kind == MANAGEMENT_GROUPS:
            return ScopeData("managementGroup", mg=target.name_expr, index=index, owner=target)
        return ScopeData("resource", resource=target, index=index)
    raise model.error(
        "a scope must be resourceGroup(...), subscription(...), managementGroup(...), tenant() or a resource "
        "symbol, resolvable when the template is compiled",
        expr.pos,
    )


def _resource_scope(model: Model, info: ResourceInfo) -> ScopeData:
    scope_expr = info.body.obj.get("scope")
    if info.parent is not None:
        if scope_expr is not None:
            raise model.error("'scope' cannot be set on a child resource (it comes from the parent)", scope_expr.pos)
        return info.ancestors()[0].scope
    if scope_expr is None:
        return ScopeData(model.target_scope)
    scope = resolve_scope(model, scope_expr)
    deployable = scope.kind in ("tenant", "resource") or (
        scope.kind == model.target_scope and scope.sub is None and scope.rg is None and scope.mg is None
    )
    if not info.existing and not deployable:
        raise model.error(
            "a resource can only be deployed to the file's target scope (or as an extension of another resource); "
            "use a module to deploy to another scope",
            scope_expr.pos,
        )
    return scope


def _module_scope(model: Model, module: ModuleInfo) -> ScopeData:
    scope_expr = module.body.obj.get("scope")
    wanted = module.child.target_scope
    if scope_expr is None:
        if wanted != model.target_scope:
            raise model.error(
                f"module '{module.symbol}' targets scope '{wanted}', which differs from this file's "
                f"'{model.target_scope}': set its 'scope' property",
                module.decl.pos,
            )
        return ScopeData(wanted)
    scope = resolve_scope(model, scope_expr)
    if scope.kind != wanted:
        raise model.error(
            f"module '{module.symbol}' targets scope '{wanted}' but its 'scope' is a {scope.kind} scope", scope_expr.pos
        )
    return scope
