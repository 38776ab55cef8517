"""``dependsOn``: matching entries to the template's resources, and refusing cycles.

An entry may be a resource id, a resource name (or ``type/name``), the name of a copy loop (all
its instances) or, in symbolic-name templates, a symbolic name. A child declared inside its parent
depends on the parent.
"""

from __future__ import annotations

from typing import Any

from pullproof.iac import errors
from pullproof.iac.errors import ExpressionError, TemplateError
from pullproof.iac.evaluator import resolve
from pullproof.iac.plan import Plan, Planned
from pullproof.iac.resource_ids import normalize
from pullproof.iac.values import Unknown


def _index(plan: Plan) -> dict[str, list[int]]:
    table: dict[str, list[int]] = {}

    def add(key: str, item: Planned) -> None:
        table.setdefault(key, []).append(item.key)

    for item in plan.resources:
        if isinstance(item.id, str):
            add(normalize(item.id), item)
        if isinstance(item.name, str):
            add(item.name.lower(), item)
            add(f"{item.type}/{item.name}".lower(), item)
        if item.copy_name:
            add(item.copy_name.lower(), item)
        if item.symbol:
            add(item.symbol.lower(), item)
            index = item.frame.copy_index(item.copy_name) if item.copy_name else None
            if index is not None:
                add(f"{item.symbol}[{index}]".lower(), item)
    return {k: sorted(set(v)) for k, v in table.items()}


def resolve_dependencies(plan: Plan, parents: dict[int, list[int]]) -> None:
    table = _index(plan)
    uncertain = any(isinstance(r.id, Unknown) for r in plan.resources)
    for item in plan.resources:
        if item.parent is not None and item.parent in parents:
            item.depends.extend(parents[item.parent])
        for entry in _entries(plan, item):
            found = table.get(normalize(entry) if entry.startswith("/") else entry.lower())
            if found is None and entry.startswith("/"):
                found = table.get(entry.lower())
            if found is None:
                if uncertain:
                    continue
                raise TemplateError(errors.NOT_DEFINED, plan.template.where(item.path), name=entry)
            item.depends.extend(k for k in found if k != item.key)
        item.depends = sorted(set(item.depends))
    _check_cycles(plan)


def _entries(plan: Plan, item: Planned) -> list[str]:
    raw: Any = item.decl.get("dependsOn") or []
    if not isinstance(raw, list):
        raw = [raw]
    where = plan.template.where(item.path)
    try:
        values = [resolve(entry, item.frame) for entry in raw]
    except ExpressionError as exc:
        raise TemplateError(errors.RESOURCE_INVALID, where, name=item.label, line=where.line, column=where.column,
                            inner=exc.message) from None
    return [str(v) for v in values if v is not None and not isinstance(v, Unknown)]


def _check_cycles(plan: Plan) -> None:
    state: dict[int, int] = {}
    by_key = {r.key: r for r in plan.resources}

    def visit(key: int) -> None:
        state[key] = 1
        for dep in by_key[key].depends:
            if state.get(dep) == 1:
                culprit = by_key[dep]
                raise TemplateError(errors.CIRCULAR, plan.template.where(culprit.path),
                                    id=culprit.id.text if isinstance(culprit.id, Unknown) else culprit.id)
            if dep not in state:
                visit(dep)
        state[key] = 2

    for item in plan.resources:
        if item.key not in state:
            visit(item.key)
