"""ARM template language expressions: the tiny model Bicep's emitter builds, and its serializer.

``Fn('format', (Lit('a{0}'), Fn('parameters', (Lit('x'),))))`` serializes to
``[format('a{0}', parameters('x'))]``; property/index accesses hang off a function in ``props``
(``reference(...).outputs.x.value``), as in Azure.Deployments.Expression.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

IDENTIFIER = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


@dataclass(frozen=True)
class Lit:
    value: str | int


@dataclass(frozen=True)
class Fn:
    name: str
    args: tuple[ArmExpr, ...] = ()
    props: tuple[ArmExpr, ...] = ()


ArmExpr = Lit | Fn


def fn(name: str, *args: ArmExpr) -> Fn:
    return Fn(name, tuple(args))


def lit(value: str | int) -> Lit:
    return Lit(value)


def as_function(expr: ArmExpr) -> Fn:
    """Bicep's ``ToFunctionExpression``: a literal that needs properties becomes ``string('x')``/``int(1)``."""
    if isinstance(expr, Fn):
        return expr
    return Fn("int" if isinstance(expr.value, int) else "string", (expr,))


def append(expr: ArmExpr, *props: ArmExpr | str) -> Fn:
    """``expr.a[0]…``: add property or index accesses."""
    base = as_function(expr)
    extra = tuple(lit(p) if isinstance(p, str) else p for p in props)
    return Fn(base.name, base.args, base.props + extra)


def serialize(expr: ArmExpr) -> str:
    """The text inside ``[...]``."""
    if isinstance(expr, Lit):
        if isinstance(expr.value, int):
            return str(expr.value)
        return "'" + expr.value.replace("'", "''") + "'"
    out = f"{expr.name}({', '.join(serialize(arg) for arg in expr.args)})"
    for prop in expr.props:
        if isinstance(prop, Lit) and isinstance(prop.value, str) and IDENTIFIER.match(prop.value):
            out += f".{prop.value}"
        else:
            out += f"[{serialize(prop)}]"
    return out


def to_json_string(expr: ArmExpr) -> str:
    """A JSON string value: a plain string for a string literal (``[x]`` escaped as ``[[x]``), else ``[expr]``."""
    if isinstance(expr, Lit) and isinstance(expr.value, str):
        return escape_literal(expr.value)
    return f"[{serialize(expr)}]"


def escape_literal(value: str) -> str:
    if value.startswith("[") and value.endswith("]"):
        return "[" + value
    return value
