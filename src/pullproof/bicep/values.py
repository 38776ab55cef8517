"""JSON values of a template (Bicep's ``ExpressionEmitter``): literals stay JSON, the rest becomes
``"[expression]"``; property loops become ``copy`` arrays."""

from __future__ import annotations

from typing import Any

from . import ast as A
from .armexpr import ArmExpr, Lit, append, as_function, escape_literal, fn, lit, to_json_string
from .context import ConvertContext
from .functions import COMPILE_TIME
from .loadfns import load_value


def emit_value(conv: ConvertContext, e: A.Expr) -> Any:
    """The JSON for a Bicep value in a template position (property value, default, output …)."""
    if isinstance(e, A.Obj) and not any(isinstance(i, A.Spread) for i in e.items):
        return emit_object(conv, e)
    if isinstance(e, A.Arr) and not any(isinstance(i, A.Spread) for i in e.items):
        return [emit_value(conv, item) for item in e.items if not isinstance(item, A.Spread)]
    if isinstance(e, A.Bool):
        return e.value
    if isinstance(e, A.Null):
        return None
    if isinstance(e, A.Int):
        return e.value
    if isinstance(e, A.Ref) and e.name in conv.model.inline_vars and e.name not in conv.locals:
        return emit_value(conv.top(), conv.model.variables[e.name].value)
    if isinstance(e, A.Call) and e.namespace in (None, "sys"):
        if e.name == "any" and len(e.args) == 1:
            return emit_value(conv, e.args[0])
        if e.name in COMPILE_TIME:
            conv.call(e)  # validates arity and placement
            return load_value(conv, e)
    return emit_expression(conv.convert(e))


def emit_expression(expr: ArmExpr) -> Any:
    if isinstance(expr, Lit) and isinstance(expr.value, int):
        return expr.value
    return to_json_string(expr)


def emit_object(
    conv: ConvertContext, obj: A.Obj, omit: frozenset[str] = frozenset(), resource_body: bool = False
) -> dict[str, Any]:
    """An object literal; properties whose value is a for-expression go first, into ``copy``."""
    for item in obj.items:
        if isinstance(item, A.Spread) and resource_body:
            raise conv.error("a spread ('...') in a resource body is not supported by pullproof's compiler", item)
        if isinstance(item, A.ResourceDecl) and not resource_body:
            raise conv.error("a nested resource is only allowed in a resource body", item)
    out: dict[str, Any] = {}
    props = [p for p in obj.props() if not (isinstance(p.key, A.Str) and p.key.value in omit)]
    loops = [p for p in props if isinstance(p.value, A.ForExpr)]
    if loops:
        out["copy"] = [copy_object(conv, _loop_key(conv, p), p.value) for p in loops if isinstance(p.value, A.ForExpr)]
    for prop in props:
        if prop in loops:
            continue
        key = _key(conv, prop.key)
        out[key] = emit_value(conv, prop.value)
    return out


def _key(conv: ConvertContext, key: A.Str | A.Interp) -> str:
    if isinstance(key, A.Interp):
        return to_json_string(conv.key(key))
    if key.value.lower() == "copy":  # a literal 'copy' key would read as an ARM copy loop
        return f"[string('{key.value}')]"
    return escape_literal(key.value)


def _loop_key(conv: ConvertContext, prop: A.Prop) -> str:
    if not isinstance(prop.key, A.Str):
        raise conv.error("a property whose value is a for-expression needs a literal name", prop)
    return prop.key.value


def loop_locals(conv: ConvertContext, loop: A.ForExpr, index: ArmExpr) -> ConvertContext:
    """``conv`` with the loop's item bound to ``iterable[index]`` and its index to ``index``."""
    values: dict[str, ArmExpr] = {loop.item: append(conv.convert(loop.iterable), index)}
    if loop.index is not None:
        values[loop.index] = index
    return conv.with_locals(**values)


def copy_count(conv: ConvertContext, loop: A.ForExpr) -> Any:
    return emit_expression(fn("length", conv.convert(loop.iterable)))


def copy_object(conv: ConvertContext, name: str | None, loop: A.ForExpr, copy_index: str | None = "") -> dict[str, Any]:
    """``{"name", "count", "input"}``; ``copy_index`` names the copyIndex() argument ('' → ``name``)."""
    if isinstance(loop.body, A.IfBody):
        raise conv.error("a loop filter ('if') is only allowed in resource and module loops", loop.body)
    label = name if copy_index == "" else copy_index
    index = fn("copyIndex", lit(label)) if label is not None else fn("copyIndex")
    inner = loop_locals(conv, loop, index)
    out: dict[str, Any] = {} if name is None else {"name": name}
    out["count"] = copy_count(conv, loop)
    if isinstance(loop.body, (A.Obj, A.Str)):
        out["input"] = emit_value(inner, loop.body)
    else:
        out["input"] = to_json_string(as_function(inner.convert(loop.body)))
    return out
