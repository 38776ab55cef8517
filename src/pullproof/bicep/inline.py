"""Which variables Bicep inlines: those whose value needs a deployment-time (runtime) value.

ARM forbids ``reference()`` and ``list*()`` in the ``variables`` section, so Bicep does not emit a
variable whose value reads a resource body (``res.properties.x``, ``res.location``, a whole resource),
a module's outputs, or calls ``reference``/``list*``; every use of it is replaced by its value instead.
Reading ``id``, ``name``, ``type`` or ``apiVersion`` is compile-time and does not force inlining.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import fields
from typing import TYPE_CHECKING

from . import ast as A

if TYPE_CHECKING:
    from .model import Model

RESOURCE_INFO = {"id", "name", "type", "apiVersion"}


def children(node: A.Node) -> Iterator[A.Node]:
    """Direct sub-nodes of a syntax node, in source order."""
    for f in fields(node):
        value = getattr(node, f.name)
        if isinstance(value, A.Node):
            yield value
        elif isinstance(value, tuple):
            yield from (item for item in value if isinstance(item, A.Node))


def is_symbol(expr: A.Expr, model: Model, kind: str) -> bool:
    """``expr`` names a resource or module (optionally indexed, or ``parent::child``)."""
    while isinstance(expr, A.NonNull):
        expr = expr.base
    if isinstance(expr, A.Index) and isinstance(expr.base, A.Ref):
        expr = expr.base
    if kind == "resource" and isinstance(expr, A.ChildAccess):
        return True
    return isinstance(expr, A.Ref) and model.symbol_kind(expr.name) == kind


def _runtime(node: A.Node, model: Model, runtime_vars: set[str]) -> bool:
    if isinstance(node, A.Member):
        if is_symbol(node.base, model, "resource"):
            return node.name not in RESOURCE_INFO
        if is_symbol(node.base, model, "module"):
            return node.name != "name"
    if isinstance(node, A.MethodCall) and is_symbol(node.base, model, "resource"):
        return True
    if isinstance(node, A.Call) and (node.name == "reference" or node.name.startswith("list")):
        return True
    if isinstance(node, A.Ref):
        kind = model.symbol_kind(node.name)
        return kind in ("resource", "module") or (kind == "var" and node.name in runtime_vars)
    if isinstance(node, A.ChildAccess):
        return True
    return any(_runtime(child, model, runtime_vars) for child in children(node))


def runtime_variables(model: Model) -> set[str]:
    """Names of the variables to inline (a fixed point: a variable using an inlined one is inlined too)."""
    found: set[str] = set()
    changed = True
    while changed:
        changed = False
        for name, decl in model.variables.items():
            if name not in found and _runtime(decl.value, model, found):
                found.add(name)
                changed = True
    return found
