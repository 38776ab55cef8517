"""Planning a template's resources before anything is deployed: copy loops expanded, conditions,
names, types and ids evaluated, ``dependsOn`` resolved, cycles refused, and an execution order.

Only what ARM resolves at validation time is evaluated here; resource bodies are evaluated when
each resource is deployed (they may ``reference()`` resources deployed before them).
"""

from __future__ import annotations

from typing import Any

from pullproof.iac import errors
from pullproof.iac.context import Frame, Phase, Scope
from pullproof.iac.dependencies import resolve_dependencies
from pullproof.iac.errors import ExpressionError, TemplateError
from pullproof.iac.evaluator import copy_count, resolve
from pullproof.iac.jsonc import JsonPath
from pullproof.iac.plan import Plan, Planned
from pullproof.iac.resource_ids import build_id, normalize, segments_match
from pullproof.iac.template import Template
from pullproof.iac.values import Unknown, get_property


def declarations(template: Template) -> list[tuple[JsonPath, dict[str, Any], str | None, int | None]]:
    """(path, declaration, symbolic name, index of the parent declaration) of every resource."""
    raw = get_property(template.body, "resources")[1] or []
    items: list[tuple[JsonPath, Any, str | None]] = (
        [(("resources", sym), decl, sym) for sym, decl in raw.items()] if isinstance(raw, dict)
        else [(("resources", i), decl, None) for i, decl in enumerate(raw)])
    out: list[tuple[JsonPath, dict[str, Any], str | None, int | None]] = []
    for path, decl, symbol in items:
        _flatten(template, path, decl, symbol, None, out)
    return out


def _flatten(template: Template, path: JsonPath, decl: Any, symbol: str | None, parent: int | None,
             out: list[tuple[JsonPath, dict[str, Any], str | None, int | None]]) -> None:
    if not isinstance(decl, dict):
        raise TemplateError(errors.RESOURCE_FIELD, template.where(path), name="", line=template.where(path).line,
                            column=template.where(path).column, reason="A resource must be a JSON object.")
    if parent is not None:
        decl = _as_child(out[parent][1], decl)
    out.append((path, decl, symbol, parent))
    index = len(out) - 1
    for child_index, child in enumerate(decl.get("resources") or []):
        _flatten(template, (*path, "resources", child_index), child, None, index, out)


def _as_child(parent: dict[str, Any], child: dict[str, Any]) -> dict[str, Any]:
    """A child declared inside its parent: type and name relative to the parent's."""
    merged = dict(child)
    kind, name = str(child.get("type", "")), child.get("name", "")
    if kind and "/" not in kind:
        merged["type"] = f"{parent.get('type')}/{kind}"
        if isinstance(name, str) and not name.startswith("["):
            merged["name"] = f"{parent.get('name')}/{name}"
        elif isinstance(name, str):
            merged["name"] = f"[format('{{0}}/{{1}}', {_inner(parent.get('name'))}, {_inner(name)})]"
    return merged


def _inner(value: Any) -> str:
    text = str(value)
    return text[1:-1] if text.startswith("[") and text.endswith("]") else "'" + text.replace("'", "''") + "'"


def plan(template: Template, frame: Frame, target: Scope | None = None) -> Plan:
    """Plan the resources; they deploy to ``target`` (default: the scope the expressions see)."""
    frame = frame.at(Phase.PLAN)
    base = target or frame.scope
    resources: list[Planned] = []
    parents: dict[int, list[int]] = {}
    found = declarations(template)
    counts = [_instances(template, path, decl, frame) for path, decl, _, _ in found]
    total, limit = sum(len(c) for c in counts), frame.budget.limits.resources
    if total > limit:
        raise TemplateError(errors.RESOURCES_LIMIT, limit=limit, actual=total)
    for decl_index, ((path, decl, symbol, parent), instances) in enumerate(zip(found, counts, strict=True)):
        parents[decl_index] = []
        for instance_frame, copy_name in instances:
            item = _instance(template, path, decl, instance_frame, base, symbol, copy_name, len(resources))
            item.parent = parent
            parents[decl_index].append(item.key)
            resources.append(item)
    result = Plan(template, resources)
    _check_duplicates(template, resources)
    resolve_dependencies(result, parents)
    return result


def _instances(template: Template, path: JsonPath, decl: dict[str, Any],
               frame: Frame) -> list[tuple[Frame, str | None]]:
    loop = decl.get("copy")
    if not isinstance(loop, dict):
        return [(frame, None)]
    name = str(loop.get("name", ""))
    try:
        count = copy_count(loop.get("count"), frame)
    except ExpressionError as exc:
        if exc.code is not errors.COPY_INVALID:
            where = template.where(path)
            raw_name = decl.get("name")
            raise TemplateError(errors.RESOURCE_INVALID, where, name=raw_name if isinstance(raw_name, str) else "",
                                line=where.line, column=where.column, inner=exc.message) from None
        count = -1
    if not isinstance(count, int) or count < 0:
        where = template.where((*path, "copy"))
        raise TemplateError(errors.COPY_COUNT, where, line=where.line, column=where.column,
                            limit=frame.budget.limits.copy_count)
    return [(frame.with_copy(name, i), name) for i in range(count)]


def _instance(template: Template, path: JsonPath, decl: dict[str, Any], frame: Frame, base: Scope,
              symbol: str | None, copy_name: str | None, key: int) -> Planned:
    where = template.where(path)
    raw_name = decl.get("name")
    try:
        kind = resolve(decl.get("type"), frame)
        name = resolve(raw_name, frame)
        api_version = resolve(decl.get("apiVersion"), frame)
        condition = resolve(decl["condition"], frame) if "condition" in decl else True
        existing = decl.get("existing") is True
        target, scope_id = _target(decl, frame, base)
    except ExpressionError as exc:
        raise TemplateError(errors.RESOURCE_INVALID, where, name=raw_name if isinstance(raw_name, str) else "",
                            line=where.line, column=where.column, inner=exc.message) from None
    if not isinstance(kind, str) or "/" not in kind or (not isinstance(api_version, str) and not existing):
        raise TemplateError(errors.RESOURCE_FIELD, where, name=name if isinstance(name, str) else "",
                            line=where.line, column=where.column,
                            reason="The 'type' (namespace/type) and 'apiVersion' properties are required.")
    if name is None or name == "":
        raise TemplateError(errors.NAME_EMPTY, where, line=where.line, column=where.column)
    if not isinstance(name, (str, Unknown)):
        name = str(name)
    if isinstance(name, str) and not segments_match(kind, name):
        raise TemplateError(errors.SEGMENTS, where, name=name, type=kind, line=where.line, column=where.column)
    if condition is not True and condition is not False and not isinstance(condition, Unknown):
        condition = bool(condition)
    return Planned(key, path, decl, frame, kind, str(api_version or ""), name,
                   _resource_id(kind, name, target, scope_id), target, condition, existing, symbol, copy_name)


def _resource_id(kind: str, name: str | Unknown, target: Scope, scope_id: str | Unknown | None) -> str | Unknown:
    """The id; when only the deployment can tell the name or scope, the id with the expression in its place."""
    if isinstance(scope_id, Unknown):
        return Unknown(f"{scope_id.text}/providers/{kind}/{name.text if isinstance(name, Unknown) else name}")
    if isinstance(name, Unknown):
        prefix = "" if (scope_id or target.id) == "/" else (scope_id or target.id).rstrip("/")
        return Unknown(f"{prefix}/providers/{kind}/{name.text}")
    return build_id(scope_id or target.id, kind, name)


def _target(decl: dict[str, Any], frame: Frame, scope: Scope) -> tuple[Scope, str | Unknown | None]:
    """The scope the resource is deployed to, and an extension resource's scope id."""
    sub = resolve(decl["subscriptionId"], frame) if "subscriptionId" in decl else None
    group = resolve(decl["resourceGroup"], frame) if "resourceGroup" in decl else None
    if isinstance(sub, Unknown) or isinstance(group, Unknown):
        return scope, sub if isinstance(sub, Unknown) else group
    if sub is not None or group is not None:
        if group is not None:
            scope = Scope(scope.tenant, str(sub or scope.subscription), str(group))
        else:
            scope = Scope(scope.tenant, str(sub), None)
    raw_scope = resolve(decl["scope"], frame) if "scope" in decl else None
    if raw_scope is None or isinstance(raw_scope, Unknown):
        return scope, raw_scope
    text = str(raw_scope)
    if text == "/":
        return scope, "/"
    return scope, text.rstrip("/") if text.startswith("/") else f"{scope.id}/providers/{text}"


def _check_duplicates(template: Template, resources: list[Planned]) -> None:
    seen: set[str] = set()
    for item in resources:
        if isinstance(item.id, Unknown) or item.condition is False or item.existing:
            continue
        key = normalize(item.id)
        if key in seen:
            where = template.where(item.path)
            raise TemplateError(errors.DUPLICATE, where, id=item.id, line=where.line, column=where.column)
        seen.add(key)
