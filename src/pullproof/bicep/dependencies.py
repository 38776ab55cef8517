"""``dependsOn`` inference (Bicep's ``ResourceDependencyVisitor`` + ``BuildDependencyExpressions``).

Every reference to a resource or module symbol in a declaration — in its body, condition, loop,
``scope``, ``parent`` or explicit ``dependsOn`` — is a dependency, also when reached through variables.
A dependency on an ``existing`` resource is replaced by that resource's own dependencies (it is not in
the template). Entries are full resource ids, or the copy name for a whole loop; sorted by symbol.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from . import ast as A
from .armexpr import ArmExpr, to_json_string
from .context import ConvertContext
from .inline import children
from .model import ResourceInfo
from .resources import module_id, resource_id

if TYPE_CHECKING:
    from .model import Model, ModuleInfo


@dataclass(frozen=True)
class Target:
    symbol: str  # sort key: the (qualified) symbolic name
    info: ResourceInfo | ModuleInfo
    index: A.Expr | None


def _lookup(model: Model, chain: tuple[ResourceInfo, ...], name: str) -> ResourceInfo | ModuleInfo | None:
    for info in reversed(chain):
        if name in info.children:
            return info.children[name]
    return model.resources.get(name) or model.modules.get(name)


def _references(model: Model, node: A.Node, chain: tuple[ResourceInfo, ...], bound: frozenset[str]) -> list[Any]:
    """Resource/module targets and variable names referenced under ``node`` (nested resources excluded)."""
    found: list[Any] = []
    if isinstance(node, A.ResourceDecl):
        return found
    if isinstance(node, A.ForExpr):
        found += _references(model, node.iterable, chain, bound)
        return found + _references(model, node.body, chain, bound | {node.item, node.index or ""})
    if isinstance(node, A.Lambda):
        return _references(model, node.body, chain, bound | set(node.params))
    if isinstance(node, A.Index) and isinstance(node.base, (A.Ref, A.ChildAccess)):
        base = node.base
        target = (
            _child_target(model, base, chain) if isinstance(base, A.ChildAccess)
            else None if base.name in bound else _lookup(model, chain, base.name)
        )
        if target is not None and target.body.loop is not None:
            # an index using a property-loop/lambda variable cannot move to dependsOn: whole loop instead
            index = None if _uses(node.index, bound) else node.index
            return [Target(target.symbol, target, index), *_references(model, node.index, chain, bound)]
    if isinstance(node, A.ChildAccess):  # like Bicep, 'a::b' depends on b only (the base is not visited)
        nested = _child_target(model, node, chain)
        return [Target(nested.symbol, nested, None)] if nested is not None else []
    if isinstance(node, A.Ref) and node.name not in bound:
        target = _lookup(model, chain, node.name)
        if target is not None:
            return [Target(target.symbol, target, None)]
        return [node.name] if node.name in model.variables else []
    for child in children(node):
        found += _references(model, child, chain, bound)
    return found


def _uses(node: A.Node, names: frozenset[str]) -> bool:
    if isinstance(node, A.Ref):
        return node.name in names
    return any(_uses(child, names) for child in children(node))


def _child_target(model: Model, node: A.ChildAccess, chain: tuple[ResourceInfo, ...]) -> ResourceInfo | None:
    base = node.base
    parent = _child_target(model, base, chain) if isinstance(base, A.ChildAccess) else None
    if isinstance(base, A.Ref):
        found = _lookup(model, chain, base.name)
        parent = found if isinstance(found, ResourceInfo) else None
    return parent.children.get(node.name) if parent is not None else None


def declaration_targets(model: Model, info: ResourceInfo | ModuleInfo) -> list[Target]:
    """Direct and variable-mediated references of one declaration, before ``existing`` replacement."""
    chain = _chain(info)
    value = info.decl.value
    if isinstance(value, A.ForExpr):  # the declaration's own loop variables stay accessible
        refs = _references(model, value.iterable, chain, frozenset())
        refs += _references(model, value.body, chain, frozenset())
    else:
        refs = _references(model, value, chain, frozenset())
    parent = info.parent if isinstance(info, ResourceInfo) else None
    if parent is not None:
        refs.append(Target(parent.symbol, parent, info.parent_index))  # type: ignore[union-attr]
    targets, seen_vars = [], set()
    while refs:
        ref = refs.pop(0)
        if isinstance(ref, Target):
            targets.append(ref)
        elif ref not in seen_vars:
            seen_vars.add(ref)
            refs += _references(model, model.variables[ref].value, (), frozenset())
    return [t for t in targets if t.info is not info]


def _chain(info: ResourceInfo | ModuleInfo) -> tuple[ResourceInfo, ...]:
    return info.nest_chain() if isinstance(info, ResourceInfo) else ()


def resolved_targets(model: Model, info: ResourceInfo | ModuleInfo, seen: frozenset[str] = frozenset()) -> list[Target]:
    out: list[Target] = []
    for target in declaration_targets(model, info):
        if isinstance(target.info, ResourceInfo) and target.info.existing:
            if target.symbol not in seen:
                out += resolved_targets(model, target.info, seen | {info.symbol, target.symbol})
        else:
            out.append(target)
    return out


def depends_on(conv: ConvertContext, info: ResourceInfo | ModuleInfo) -> list[str]:
    """The ``dependsOn`` entries of a declaration emitted with converter ``conv`` (its own loop bound)."""
    grouped: dict[str, list[Target]] = {}
    for target in resolved_targets(conv.model, info):
        grouped.setdefault(target.symbol, []).append(target)
    entries: list[str] = []
    for symbol in sorted(grouped, key=_culture_key):
        group = grouped[symbol]
        if any(t.index is None for t in group):
            group = [next(t for t in group if t.index is None)]
        # one entry per distinct index *syntax* (Bicep repeats equal ids written twice)
        for target in {id(t.index): t for t in group}.values():
            entries.append(_entry(conv, target))
    return entries


def _entry(conv: ConvertContext, target: Target) -> str:
    loop = target.info.body.loop
    if loop is not None and target.index is None:
        return target.symbol  # the whole loop: its copy name
    index: ArmExpr | None = conv.convert(target.index) if target.index is not None else None
    if isinstance(target.info, ResourceInfo):
        return to_json_string(resource_id(conv, target.info, index))
    return to_json_string(module_id(conv, target.info, index))


def _culture_key(symbol: str) -> tuple[str, str]:
    """.NET's culture-aware ordering, approximately: case-insensitive first, lower case before upper."""
    return (symbol.casefold(), symbol.swapcase())
