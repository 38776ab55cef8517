"""Resource and module references: ids, names, ``reference()`` calls (Bicep's ``ScopeHelper`` and the
resource/module parts of ``ExpressionConverter``), in the array-form (non-symbolic) template dialect."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from pullproof.arm.models import DEPLOYMENT_TYPE

from . import ast as A
from .armexpr import ArmExpr, Fn, append, fn, lit, to_json_string
from .context import ConvertContext

if TYPE_CHECKING:
    from .model import ModuleInfo, ResourceInfo, ScopeData

DEPLOYMENTS_API = "2025-04-01"
MANAGEMENT_GROUPS = "Microsoft.Management/managementGroups"
SYMBOLIC_ONLY = (
    "a whole resource or module loop can only be referenced with references(), which needs languageVersion "
    "2.0 (not supported by pullproof's compiler); index it, e.g. {name}[i]"
)


def loop_context(conv: ConvertContext, loop: A.ForExpr | None, index: ArmExpr | None, node: A.Node) -> ConvertContext:
    """The converter for a declaration's own expressions, its loop variables bound to ``index``."""
    base = conv.top()
    if loop is None:
        return base
    if index is None:
        raise conv.error(SYMBOLIC_ONLY.format(name=getattr(node, "name", "symbol")), node)
    values: dict[str, ArmExpr] = {loop.item: append(base.convert(loop.iterable), index)}
    if loop.index is not None:
        values[loop.index] = index
    return base.with_locals(**values)


def name_segments(conv: ConvertContext, info: ResourceInfo, index: ArmExpr | None) -> list[ArmExpr]:
    ctx = loop_context(conv, info.body.loop, index, info.decl)
    own = ctx.convert(info.name_expr)
    types = info.full_type.split("/")[1:]
    ancestors = info.ancestors()
    if not ancestors:
        if len(types) == 1:
            return [own]
        return [append(fn("split", own, lit("/")), lit(i)) for i in range(len(types))]
    first_length = len(types) - len(ancestors)
    names: list[ArmExpr] = []
    for i, name in enumerate(_ancestor_names(conv, info, ctx)):
        if i == 0 and first_length > 1:
            names += [append(fn("split", name, lit("/")), lit(k)) for k in range(first_length)]
        else:
            names.append(name)
    return [*names, own]


def _ancestor_names(conv: ConvertContext, info: ResourceInfo, ctx: ConvertContext) -> list[ArmExpr]:
    """Names of the ancestors, outermost first; a looped ancestor's loop variables are bound to the
    index its child used in ``parent: p[i]`` (Bicep's ``MoveSyntax``)."""
    names: list[ArmExpr] = []
    node = info
    while node.parent is not None:
        index = ctx.convert(node.parent_index) if node.parent_index is not None else None
        ctx = loop_context(conv, node.parent.body.loop, index, node.parent.decl)
        names.append(ctx.convert(node.parent.name_expr))
        node = node.parent
    return list(reversed(names))


def full_name(conv: ConvertContext, info: ResourceInfo, index: ArmExpr | None) -> ArmExpr:
    """The ``name`` emitted for a resource: ``format('{0}/{1}', parent, child)`` for children."""
    if not info.ancestors():
        return loop_context(conv, info.body.loop, index, info.decl).convert(info.name_expr)
    segments = name_segments(conv, info, index)
    return Fn("format", (lit("/".join(f"{{{i}}}" for i in range(len(segments)))), *segments))


def scope_context(ctx: ConvertContext, scope: ScopeData) -> ConvertContext:
    """Where ``scope.sub/rg/mg`` are converted: the declaring context for ``resourceGroup(x)``; the
    resource group resource's own context (its loop bound to the index) for ``scope: rg[i]``."""
    if scope.owner is None:
        return ctx
    index = ctx.convert(scope.index) if scope.index is not None else None
    return loop_context(ctx, scope.owner.body.loop, index, scope.owner.decl)


def scoped_id(ctx: ConvertContext, scope: ScopeData, type_name: str, names: list[ArmExpr]) -> Fn:
    """A fully-qualified resource id at ``scope`` (``ScopeHelper.FormatFullyQualifiedResourceId``)."""
    if scope.kind != "resource":
        ctx = scope_context(ctx, scope)
    if scope.kind == "tenant":
        return Fn("tenantResourceId", (lit(type_name), *names))
    if scope.kind == "subscription":
        explicit = [ctx.convert(scope.sub)] if scope.sub is not None else []
        return Fn("subscriptionResourceId", (*explicit, lit(type_name), *names))
    if scope.kind == "resourceGroup":
        if scope.rg is None:
            return Fn("resourceId", (lit(type_name), *names))
        sub = ctx.convert(scope.sub) if scope.sub is not None else Fn("subscription", (), (lit("subscriptionId"),))
        where = fn("format", lit("/subscriptions/{0}/resourceGroups/{1}"), sub, ctx.convert(scope.rg))
        return Fn("extensionResourceId", (where, lit(type_name), *names))
    if scope.kind == "managementGroup":
        mg: ArmExpr = (
            fn("tenantResourceId", lit(MANAGEMENT_GROUPS), ctx.convert(scope.mg))
            if scope.mg is not None
            else Fn("managementGroup", (), (lit("id"),))
        )
        return Fn("extensionResourceId", (mg, lit(type_name), *names))
    assert scope.resource is not None
    index = ctx.convert(scope.index) if scope.index is not None else None
    return Fn("extensionResourceId", (resource_id(ctx, scope.resource, index), lit(type_name), *names))


def resource_id(conv: ConvertContext, info: ResourceInfo, index: ArmExpr | None) -> Fn:
    ctx = loop_context(conv, info.body.loop, index, info.decl)
    return scoped_id(ctx, info.scope, info.full_type, name_segments(conv, info, index))


def _guard(conv: ConvertContext, cond: A.Expr | None, expr: ArmExpr, safe: bool, ctx: ConvertContext) -> ArmExpr:
    if safe and cond is not None:
        return fn("if", ctx.convert(cond), expr, fn("null"))
    return expr


def whole_resource(conv: ConvertContext, info: ResourceInfo, index: ArmExpr | None) -> Fn:
    return fn("reference", resource_id(conv, info, index), lit(info.api_version), lit("full"))


def resource_property(conv: ConvertContext, info: ResourceInfo, index: ArmExpr | None, e: A.Member) -> ArmExpr:
    ctx = loop_context(conv, info.body.loop, index, info.decl)
    cond, safe, name = info.body.condition, e.safe, e.name
    if name == "id":
        return _guard(conv, cond, resource_id(conv, info, index), safe, ctx)
    if name == "name":
        return _guard(conv, cond, ctx.convert(info.name_expr), safe, ctx)
    if name == "type":
        return lit(info.full_type)
    if name == "apiVersion":
        return lit(info.api_version)
    if name == "properties" and not safe:
        return fn("reference", resource_id(conv, info, index), lit(info.api_version))
    full = whole_resource(conv, info, index)
    if safe:
        return fn("tryGet", _guard(conv, cond, full, safe, ctx), lit(name))
    return append(full, lit(name))


def module_name(conv: ConvertContext, module: ModuleInfo, index: ArmExpr | None) -> ArmExpr:
    name = module.body.obj.get("name")
    if name is None:
        raise conv.error(
            "a module without a 'name' needs languageVersion 2.0, which pullproof's compiler does not emit; "
            "give the module a name",
            module.decl,
        )
    return loop_context(conv, module.body.loop, index, module.decl).convert(name)


def module_id(conv: ConvertContext, module: ModuleInfo, index: ArmExpr | None) -> Fn:
    ctx = loop_context(conv, module.body.loop, index, module.decl)
    return scoped_id(ctx, module.scope, DEPLOYMENT_TYPE, [module_name(conv, module, index)])


def module_reference(conv: ConvertContext, module: ModuleInfo, index: ArmExpr | None, node: A.Node) -> Fn:
    if module.body.loop is not None and index is None:
        raise conv.error(SYMBOLIC_ONLY.format(name=module.symbol), node)
    return fn("reference", module_id(conv, module, index), lit(DEPLOYMENTS_API))


def module_property(conv: ConvertContext, module: ModuleInfo, index: ArmExpr | None, e: A.Member) -> ArmExpr:
    ctx = loop_context(conv, module.body.loop, index, module.decl)
    if e.name == "name":
        return _guard(conv, module.body.condition, module_name(conv, module, index), e.safe, ctx)
    if e.name != "outputs":
        raise conv.error(f"a module has only 'name' and 'outputs', not '{e.name}'", e)
    base = module_reference(conv, module, index, e)
    if e.safe:
        return fn("tryGet", _guard(conv, module.body.condition, base, True, ctx), lit("outputs"))
    return append(base, lit("outputs"))


def module_output(conv: ConvertContext, module: ModuleInfo, index: ArmExpr | None, e: A.Member) -> ArmExpr:
    outputs = module.child.outputs
    if e.name not in outputs:
        raise conv.error(f"module '{module.symbol}' has no output named '{e.name}'", e)
    if outputs[e.name].decorator("secure") is not None:
        raise conv.error("secure module outputs need languageVersion 2.0 (not supported by pullproof's compiler)", e)
    assert isinstance(e.base, A.Member)
    base = module_property(conv, module, index, e.base)
    tail = (lit(e.name), lit("value"))
    if e.safe:
        return Fn("tryGet", (base, *tail))
    if isinstance(base, Fn) and not base.props and base.name in ("tryGet", "tryIndexFromEnd"):
        return Fn(base.name, (*base.args, *tail))
    return append(base, *tail)


def scope_properties(conv: ConvertContext, scope: ScopeData, ctx: ConvertContext) -> dict[str, Any]:
    """``scope``/``subscriptionId``/``resourceGroup`` of an emitted resource or module."""
    target = conv.model.target_scope
    if scope.kind == "resource":
        assert scope.resource is not None
        index = ctx.convert(scope.index) if scope.index is not None else None
        return {"scope": to_json_string(resource_id(ctx, scope.resource, index))}
    if scope.kind == "tenant":
        return {"scope": "/"} if target != "tenant" else {}
    if scope.kind == "managementGroup":
        if scope.mg is None:
            return {}
        name = scope_context(ctx, scope).convert(scope.mg)
        if target in ("tenant", "managementGroup"):
            return {"scope": to_json_string(fn("format", lit(f"{MANAGEMENT_GROUPS}/{{0}}"), name))}
        return {"scope": to_json_string(fn("tenantResourceId", lit(MANAGEMENT_GROUPS), name))}
    out: dict[str, Any] = {}
    ctx = scope_context(ctx, scope)
    if scope.sub is not None:
        out["subscriptionId"] = to_json_string(ctx.convert(scope.sub))
    elif scope.kind == "subscription" and target == "resourceGroup":
        out["subscriptionId"] = "[subscription().subscriptionId]"
    if scope.kind == "resourceGroup" and scope.rg is not None:
        out["resourceGroup"] = to_json_string(ctx.convert(scope.rg))
    return out
