"""Evaluating expressions and whole JSON values of a template.

Strings that are expressions are parsed and evaluated; objects may hold property ``copy`` loops.
A value that cannot be known before the deployment runs (``Unknown``) makes every function that
receives it unknown too, so validation and what-if can evaluate everything else.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from pullproof.iac import errors
from pullproof.iac.context import Frame, Phase
from pullproof.iac.errors import ExpressionError
from pullproof.iac.expressions import Call, Lit, Member, Node, calls, is_expression, literal, parse_expression
from pullproof.iac.functions import Invocation, lookup
from pullproof.iac.limits import TemplateLimits, shallow
from pullproof.iac.values import Partial, Unknown, get_property, has_unknown, is_int


def parse(text: str, limits: TemplateLimits) -> Node:
    """Parse an expression string within the length and nesting limits."""
    if len(text) > limits.expression_length:
        raise ExpressionError(errors.EXPRESSION_LENGTH, limit=limits.expression_length, actual=len(text))
    return parse_expression(text, limits.expression_depth)


def evaluate_text(text: str, frame: Frame) -> Any:
    """A JSON string of a template: a literal, or the value of its expression."""
    if not is_expression(text):
        return literal(text)
    try:
        value = evaluate(parse(text, frame.budget.limits), frame)
    except RecursionError:  # nesting the limits allow, compounded through user functions and lambdas
        raise ExpressionError(errors.EXPRESSION_DEPTH, limit=frame.budget.limits.expression_depth) from None
    return Unknown(text) if isinstance(value, Unknown) else value


def evaluate(node: Node, frame: Frame) -> Any:
    frame.budget.charge()
    if isinstance(node, Lit):
        return node.value
    if isinstance(node, Call):
        return _call(node, frame)
    target = evaluate(node.target, frame)
    key: Any = node.name if isinstance(node, Member) else evaluate(node.index, frame)
    if isinstance(target, Unknown) or isinstance(key, Unknown):
        return Unknown("")
    if isinstance(target, dict) and isinstance(key, str) and key not in target:
        frame.budget.charge(len(target))  # looked up case-insensitively, one key after the other
    return access(target, key)


def access(target: Any, key: Any) -> Any:
    if isinstance(target, dict) and isinstance(key, str):
        found, value = get_property(target, key)
        if not found and isinstance(target, Partial):
            return Unknown("")
        if not found:
            raise ExpressionError(errors.NO_PROPERTY, name=key, available=", ".join(target))
        return value
    if isinstance(target, list) and is_int(key):
        if not 0 <= key < len(target):
            raise ExpressionError(errors.NO_INDEX, index=key)
        return target[key]
    raise ExpressionError(errors.BAD_ACCESS, name=key)


def _call(node: Call, frame: Frame) -> Any:
    if "." in node.name:
        return _user_function(node, frame)
    found = lookup(node.name)
    if found is None:
        raise ExpressionError(errors.UNKNOWN_FUNCTION, name=node.name)
    if found.phases is not None and frame.phase not in found.phases:
        raise ExpressionError(errors.FUNCTION_NOT_HERE, name=node.name.upper())
    found.check_arity(len(node.args))
    if found.lazy:
        return found.fn(Invocation(found.name, [], frame, node.args, evaluate))
    args = [evaluate(arg, frame) for arg in node.args]
    if any(has_unknown(arg) for arg in args):
        return Unknown("")
    if found.scans:
        frame.budget.charge(sum(shallow(arg) for arg in args))
    result = found.fn(Invocation(found.name, args, frame, node.args, evaluate))
    if found.builds:
        frame.budget.built(found.name, result)
    return result


def _user_function(node: Call, frame: Frame) -> Any:
    member = frame.functions.get(node.name.lower())
    if member is None:
        raise ExpressionError(errors.UNKNOWN_FUNCTION, name=node.name)
    declared = member.get("parameters") or []
    if len(declared) != len(node.args):
        raise ExpressionError(errors.ARG_COUNT, name=node.name, expected=f"'{len(declared)}'", got=len(node.args))
    args = [evaluate(arg, frame) for arg in node.args]
    if any(has_unknown(arg) for arg in args):
        return Unknown("")
    params = {str(p.get("name", "")).lower(): value for p, value in zip(declared, args, strict=True)}
    inner = replace(frame, phase=Phase.FUNCTION, params=params, variables=None, copy=(), lambdas=())
    return resolve((member.get("output") or {}).get("value"), inner)


def resolve(value: Any, frame: Frame, loops: bool = False) -> Any:
    """Evaluate every expression in a JSON value; ``loops`` expands property ``copy`` arrays."""
    if isinstance(value, str):
        return evaluate_text(value, frame)
    if isinstance(value, list):
        return [resolve(item, frame, loops) for item in value]
    if isinstance(value, dict):
        out: dict[str, Any] = {}
        for key, item in value.items():
            if loops and key.lower() == "copy" and _is_property_copy(item):
                for loop in item:
                    out[str(loop["name"])] = copy_loop(loop, frame, lambda f, spec=loop: resolve(spec.get(
                        "input"), f, loops), current=False)
                continue
            out[key] = resolve(item, frame, loops)
        return out
    return value


def _is_property_copy(item: Any) -> bool:
    return isinstance(item, list) and bool(item) and all(
        isinstance(x, dict) and "name" in x and "count" in x and "input" in x for x in item)


def copy_count(count: Any, frame: Frame) -> int | Unknown:
    value = resolve(count, frame)
    if isinstance(value, Unknown):
        return value
    limit = frame.budget.limits.copy_count
    if not is_int(value) or not 0 <= value <= limit:
        raise ExpressionError(errors.COPY_INVALID, limit=limit)
    return int(value)


def copy_loop(loop: dict[str, Any], frame: Frame, body: Any, current: bool = True) -> Any:
    """``[body(frame at index i) for i in range(count)]`` for a ``{"name", "count", …}`` loop."""
    count = copy_count(loop.get("count"), frame)
    if isinstance(count, Unknown):
        return count
    name = str(loop.get("name", ""))
    return [body(frame.with_copy(name, i, current)) for i in range(count)]


def check_expressions(value: Any, functions: dict[str, Any], limits: TemplateLimits) -> None:
    """Parse every expression in ``value`` and check that each function it calls exists."""
    if isinstance(value, str) and is_expression(value):
        for name in calls(parse(value, limits)):
            if ("." in name and name.lower() not in functions) or ("." not in name and lookup(name) is None):
                raise ExpressionError(errors.UNKNOWN_FUNCTION, name=name)
    elif isinstance(value, list):
        for item in value:
            check_expressions(item, functions, limits)
    elif isinstance(value, dict):
        for item in value.values():
            check_expressions(item, functions, limits)

