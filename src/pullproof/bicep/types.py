"""Parameter and output declarations: types and decorators → ARM ``parameters``/``outputs`` entries.

Order as in Bicep's ``EmitParameter``/``ApplyTypeModifiers``: ``type, defaultValue, allowedValues,
metadata, minLength, maxLength, minValue, maxValue``; ``@description`` merges into ``metadata``.
"""

from __future__ import annotations

from typing import Any

from . import ast as A
from .context import ConvertContext
from .values import emit_value

PRIMITIVES = {"string", "int", "bool", "object", "array"}
SECURE = {"string": "securestring", "object": "secureObject"}
MODIFIERS = ["metadata", "minLength", "maxLength", "minValue", "maxValue"]
NEEDS_V2 = "{what} needs languageVersion 2.0 (user-defined types), which pullproof's compiler does not emit"


def type_name(conv: ConvertContext, ref: A.TypeRef, what: str) -> str:
    if ref.kind == "name" and ref.name in PRIMITIVES:
        return ref.name
    if ref.kind == "resource":
        raise conv.error(f"resource-typed {what}s are not supported by pullproof's compiler", ref)
    if ref.kind == "name":
        raise conv.error(f"unknown type '{ref.name}' (pullproof supports string, int, bool, object, array)", ref)
    shown = {"array": "a typed array", "nullable": "a nullable type", "union": "a union type",
             "literal": "a literal type", "object": "an object type"}[ref.kind]
    raise conv.error(NEEDS_V2.format(what=f"{shown} on a {what}"), ref)


def _decorator_value(conv: ConvertContext, deco: A.Decorator, count: int = 1) -> Any:
    if len(deco.args) != count:
        raise conv.error(f"decorator '@{deco.name}' expects {count} argument(s)", deco)
    return emit_value(conv, deco.args[0]) if count else None


def _modifiers(conv: ConvertContext, decl: A.Decl, allowed: set[str], out: dict[str, Any]) -> dict[str, Any]:
    description: Any = None
    for deco in decl.decorators:
        name = deco.name
        if deco.namespace not in (None, "sys") or name not in allowed:
            raise conv.error(f"decorator '@{name}' is not supported here by pullproof's compiler", deco)
        if name == "description":
            description = _decorator_value(conv, deco)
        elif name == "secure":
            _decorator_value(conv, deco, 0)
            out["type"] = SECURE.get(out["type"], out["type"])
        elif name == "allowed":
            pass  # emitted right after defaultValue
        else:
            out[name] = _decorator_value(conv, deco)
    ordered = {k: v for k, v in out.items() if k not in MODIFIERS}
    ordered |= {k: out[k] for k in MODIFIERS if k in out}
    if description is not None:
        ordered["metadata"] = {**ordered.get("metadata", {}), "description": description}
    return ordered


def param_properties(conv: ConvertContext, decl: A.ParamDecl) -> dict[str, Any]:
    out: dict[str, Any] = {"type": type_name(conv, decl.type, "parameter")}
    if decl.default is not None:
        out["defaultValue"] = emit_value(conv.in_param_default(), decl.default)
    allowed = decl.decorator("allowed")
    if allowed is not None:
        out["allowedValues"] = _decorator_value(conv, allowed)
    names = {"description", "secure", "allowed", "metadata", "minLength", "maxLength", "minValue", "maxValue"}
    return _modifiers(conv, decl, names, out)


def output_type(conv: ConvertContext, decl: A.OutputDecl) -> dict[str, Any]:
    if decl.decorator("secure") is not None:
        raise conv.error("secure outputs need languageVersion 2.0 (not supported by pullproof's compiler)", decl)
    out: dict[str, Any] = {"type": type_name(conv, decl.type, "output")}
    names = {"description", "metadata", "minLength", "maxLength", "minValue", "maxValue"}
    return _modifiers(conv, decl, names, out)
