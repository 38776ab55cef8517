"""Template limits checked before anything is evaluated (how many parameters, variables and outputs;
how deep the JSON nests; what user-defined functions call) and once resources are planned (how many
there are, how large the template is with its copies expanded)."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from pullproof.iac import errors
from pullproof.iac.errors import ExpressionError, TemplateError, Where
from pullproof.iac.expressions import calls, is_expression
from pullproof.iac.jsonc import JsonPath, json_path
from pullproof.iac.limits import TemplateLimits

if TYPE_CHECKING:
    from pullproof.iac.plan import Plan
    from pullproof.iac.template import Template


def check_depth(body: Any, prefix: JsonPath, limit: int) -> None:
    """Refuse a JSON value nested deeper than ``limit`` (walked without recursion)."""
    stack: list[tuple[Any, JsonPath]] = [(body, ())]
    while stack:
        value, path = stack.pop()
        if len(path) > limit:
            raise TemplateError(errors.TEMPLATE_DEPTH, Where(json_path(prefix + path)), limit=limit,
                                path=json_path(prefix + path))
        if isinstance(value, dict):
            stack.extend((v, (*path, k)) for k, v in value.items())
        elif isinstance(value, list):
            stack.extend((v, (*path, i)) for i, v in enumerate(value))


def check_counts(template: Template, limits: TemplateLimits) -> None:
    """At most 256 parameters, 512 variables (each copy variable counts once) and 64 outputs."""
    for section, code, limit in (("parameters", errors.PARAMETERS_LIMIT, limits.parameters),
                                 ("variables", errors.VARIABLES_LIMIT, limits.variables),
                                 ("outputs", errors.OUTPUTS_LIMIT, limits.outputs)):
        found: dict[str, Any] = template.section(section, dict)
        actual = len(found)
        if section == "variables" and isinstance(found.get("copy"), list):
            actual += len(found["copy"]) - 1
        if actual > limit:
            raise TemplateError(code, Where(""), limit=limit, actual=actual)


def check_functions(template: Template, limits: TemplateLimits) -> None:
    """User-defined functions may not call user-defined functions (languageVersion 2.0 templates may, but
    never in a circle)."""
    graph = {name: _user_calls(member, limits) for name, member in template.functions().items()}
    where = template.where(("functions",))
    if not str(template.body.get("languageVersion", "")).startswith("2"):
        for name, callees in sorted(graph.items()):
            if callees:
                raise TemplateError(errors.USER_FUNCTION_CALL, where, name=name, callee=sorted(callees)[0])
        return
    cycle = _cycle(graph)
    if cycle:
        raise TemplateError(errors.USER_FUNCTION_CYCLE, where, name=cycle[0], chain=" -> ".join(cycle))


def _cycle(graph: dict[str, set[str]]) -> list[str] | None:
    """A call chain that comes back to where it started, found depth-first without recursion."""
    state: dict[str, int] = {}  # 1: on the current path, 2: finished
    for start in sorted(graph):
        if start in state:
            continue
        path, pending = [start], [iter(sorted(graph[start]))]
        state[start] = 1
        while pending:
            callee = next(pending[-1], None)
            if callee is None:
                state[path.pop()] = 2
                pending.pop()
            elif state.get(callee) == 1:
                return [*path[path.index(callee):], callee]
            elif callee in graph and callee not in state:
                state[callee] = 1
                path.append(callee)
                pending.append(iter(sorted(graph[callee])))
    return None


def _user_calls(member: Any, limits: TemplateLimits) -> set[str]:
    """The user-defined functions a function's output calls (an expression that does not parse is left to
    evaluation, which locates its error)."""
    from pullproof.iac.evaluator import parse

    found: set[str] = set()
    stack = [(member.get("output") or {}).get("value") if isinstance(member, dict) else None]
    while stack:
        value = stack.pop()
        if isinstance(value, str) and is_expression(value):
            try:
                found.update(name.lower() for name in calls(parse(value, limits)) if "." in name)
            except ExpressionError:
                continue
        elif isinstance(value, dict):
            stack.extend(value.values())
        elif isinstance(value, list):
            stack.extend(value)
    return found


def check_planned(plan: Plan, limits: TemplateLimits) -> None:
    """The template with its resource copies expanded may not exceed 4 MB."""
    body = plan.template.body
    size = len(json.dumps(body, separators=(",", ":"), ensure_ascii=False).encode("utf-8"))
    copies: dict[JsonPath, int] = {}
    for item in plan.resources:
        copies[item.path] = copies.get(item.path, 0) + 1
    by_path = {item.path: item.decl for item in plan.resources}
    for path, count in copies.items():
        if count > 1:
            decl = json.dumps(by_path[path], separators=(",", ":"), ensure_ascii=False)
            size += (count - 1) * len(decl.encode("utf-8"))
    if size > limits.template_bytes:
        from pullproof.iac.errors import DeploymentError, WireError

        raise DeploymentError(errors.TEMPLATE_SIZE, WireError.of(errors.TEMPLATE_SIZE, size=size,
                                                                  limit=limits.template_bytes))
