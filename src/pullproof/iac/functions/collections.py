"""Array, object and dual string/array functions, and the lambda functions."""

from __future__ import annotations

import functools
from typing import Any

from pullproof.iac import errors
from pullproof.iac.context import Lambda
from pullproof.iac.errors import ExpressionError
from pullproof.iac.functions.base import Invocation, Spec, spec
from pullproof.iac.values import arm_equals, get_property, is_int, to_text, type_name

LAMBDA_CALL = 8
"""Steps a lambda call costs besides its body (binding its variables takes a new frame)."""


def _sized(call: Invocation, index: int = 0) -> str | list[Any] | dict[str, Any]:
    value = call.args[index]
    if not isinstance(value, (str, list, dict)):
        raise ExpressionError(errors.ARG_TYPE, name=call.name, expected="Array, Object, String",
                              actual=type_name(value))
    return value


def _sequence(call: Invocation) -> str | list[Any]:
    value = _sized(call)
    if isinstance(value, dict):
        raise ExpressionError(errors.ARG_TYPE, name=call.name, expected="Array, String", actual="Object")
    return value


def _empty(call: Invocation) -> bool:
    return call.args[0] is None or len(_sized(call)) == 0


def _first(call: Invocation) -> Any:
    value = _sequence(call)
    if isinstance(value, str):
        return value[:1]
    return value[0] if value else None


def _last(call: Invocation) -> Any:
    value = _sequence(call)
    if isinstance(value, str):
        return value[-1:]
    return value[-1] if value else None


def _contains(call: Invocation) -> bool:
    container, item = _sized(call), call.args[1]
    if isinstance(container, str):
        return to_text(item) in container
    if isinstance(container, dict):
        return isinstance(item, str) and get_property(container, item)[0]
    return any(arm_equals(x, item) for x in container)


def _index_of(call: Invocation) -> int:
    container, item = _sequence(call), call.args[1]
    if isinstance(container, str):
        text, needle = container.lower(), call.text(1).lower()
        return text.find(needle) if call.name == "indexOf" else text.rfind(needle)
    found = [i for i, x in enumerate(container) if arm_equals(x, item)]
    if not found:
        return -1
    return found[0] if call.name == "indexOf" else found[-1]


def _skip_take(call: Invocation) -> Any:
    value, count = _sequence(call), call.integer(1)
    count = max(0, min(count, len(value)))
    return value[count:] if call.name == "skip" else value[:count]


def _concat(call: Invocation) -> Any:
    if call.args and all(isinstance(a, list) for a in call.args):
        call.room(sum(len(a) for a in call.args))
        return [item for part in call.args for item in part]
    if any(isinstance(a, (list, dict)) for a in call.args):
        raise call.fail("all arguments must be arrays, or all must be strings and integers.")
    parts = [to_text(a) for a in call.args]
    call.room(sum(len(p) for p in parts))
    return "".join(parts)


def _merge(a: dict[str, Any], b: dict[str, Any]) -> dict[str, Any]:
    out = dict(a)
    keys = {k.lower(): k for k in out}
    for key, value in b.items():
        found = keys.get(key.lower())
        if found is not None and isinstance(out[found], dict) and isinstance(value, dict):
            out[found] = _merge(out[found], value)
        else:
            if found is not None:
                del out[found]
            out[key] = value
            keys[key.lower()] = key
    return out


class _Distinct:
    """Items seen so far, compared as ``arm_equals`` does: scalars by (type, value) in a set, arrays and
    objects one by one (each comparison charged to the evaluation budget)."""

    def __init__(self, call: Invocation) -> None:
        self.call = call
        self.scalars: set[tuple[str, Any]] = set()
        self.others: list[Any] = []

    def __contains__(self, item: Any) -> bool:
        if not isinstance(item, (list, dict)):
            return (type_name(item), item) in self.scalars
        self.call.work(len(self.others))
        return any(arm_equals(item, other) for other in self.others)

    def add(self, item: Any) -> None:
        if isinstance(item, (list, dict)):
            self.others.append(item)
        else:
            self.scalars.add((type_name(item), item))


def _union(call: Invocation) -> Any:
    if all(isinstance(a, dict) for a in call.args):
        merged: dict[str, Any] = {}
        for item in call.args:
            merged = _merge(merged, item)
        return merged
    if all(isinstance(a, list) for a in call.args):
        out: list[Any] = []
        seen = _Distinct(call)
        for item in (x for part in call.args for x in part):
            if item not in seen:
                seen.add(item)
                out.append(item)
        return out
    raise call.fail("all arguments must be arrays or all must be objects.")


def _intersection(call: Invocation) -> Any:
    first, rest = call.args[0], call.args[1:]
    if all(isinstance(a, dict) for a in call.args):
        call.work(len(first) * sum(len(o) for o in rest))  # a key not found as written is looked up one by one
        return {k: v for k, v in first.items()
                if all(get_property(o, k)[0] and arm_equals(get_property(o, k)[1], v) for o in rest)}
    if all(isinstance(a, list) for a in call.args):
        others = []
        for part in rest:
            members = _Distinct(call)
            for x in part:
                members.add(x)
            others.append(members)
        out: list[Any] = []
        seen = _Distinct(call)
        for item in first:
            if all(item in o for o in others) and item not in seen:
                seen.add(item)
                out.append(item)
        return out
    raise call.fail("all arguments must be arrays or all must be objects.")


def _create_object(call: Invocation) -> dict[str, Any]:
    if len(call.args) % 2:
        raise call.fail("the function requires an even number of arguments (key, value pairs).")
    return {call.text(i): call.args[i + 1] for i in range(0, len(call.args), 2)}


def _flatten(call: Invocation) -> list[Any]:
    parts = [part if isinstance(part, list) else [part] for part in call.array(0)]
    call.room(sum(len(part) for part in parts))
    return [x for part in parts for x in part]


def _join(call: Invocation) -> str:
    parts, delimiter = [to_text(x) for x in call.array(0)], call.text(1)
    call.room(sum(len(p) for p in parts) + len(delimiter) * max(len(parts) - 1, 0))
    return delimiter.join(parts)


def _shallow_merge(call: Invocation) -> dict[str, Any]:
    objects = [o for o in call.array(0) if isinstance(o, dict)]
    call.work(sum(len(o) for o in objects))
    return {k: v for o in objects for k, v in o.items()}


def _try_get(call: Invocation) -> Any:
    value = call.args[0]
    for key in call.args[1:]:
        if isinstance(value, dict) and isinstance(key, str):
            value = get_property(value, key)[1]
        elif isinstance(value, list) and is_int(key):
            value = value[key] if 0 <= key < len(value) else None
        else:
            return None
    return value


def _lambda(call: Invocation) -> Lambda:
    assert call.evaluate is not None
    evaluate, frame = call.evaluate, call.frame
    names = tuple(str(evaluate(node, frame)) for node in call.nodes[:-1])
    body = call.nodes[-1]

    def apply(values: list[Any]) -> Any:
        frame.budget.charge(LAMBDA_CALL)
        return evaluate(body, frame.with_lambda(names, values))

    return Lambda(names, apply)


def _lambda_variable(call: Invocation) -> Any:
    name = call.text(0)
    for key, value in call.frame.lambdas:
        if key == name:
            return value
    raise call.fail(f"the lambda variable '{name}' is not defined.")


def _apply(lam: Lambda, item: Any, index: int) -> Any:
    return lam.apply([item, index] if len(lam.names) > 1 else [item])


def _sort(call: Invocation) -> list[Any]:
    lam = call.lam(1)

    def compare(a: Any, b: Any) -> int:
        return -1 if lam.apply([a, b]) is True else (1 if lam.apply([b, a]) is True else 0)

    return sorted(call.array(0), key=functools.cmp_to_key(compare))


def _to_object(call: Invocation) -> dict[str, Any]:
    keys, values = call.lam(1), call.lam(2) if len(call.args) > 2 else None
    return {to_text(keys.apply([x])): (values.apply([x]) if values else x) for x in call.array(0)}


def _group_by(call: Invocation) -> dict[str, list[Any]]:
    groups: dict[str, list[Any]] = {}
    for item in call.array(0):
        groups.setdefault(to_text(call.lam(1).apply([item])), []).append(item)
    return groups


def _reduce(call: Invocation) -> Any:
    lam, acc = call.lam(2), call.args[1]
    for index, item in enumerate(call.array(0)):
        acc = lam.apply([acc, item, index][: max(2, len(lam.names))])
    return acc


SPECS: tuple[Spec, ...] = (
    spec("array", lambda c: c.args[0] if isinstance(c.args[0], list) else [c.args[0]], 1, scans=False),
    spec("createArray", lambda c: list(c.args), 0, None, scans=False),
    spec("createObject", _create_object, 0, None, scans=False),
    spec("concat", _concat, 1, None),
    spec("contains", _contains, 2),
    spec("empty", _empty, 1, scans=False),
    spec("first", _first, 1, builds=False),
    spec("last", _last, 1, builds=False),
    spec("length", lambda c: len(_sized(c)), 1, scans=False),
    spec("indexOf", _index_of, 2),
    spec("lastIndexOf", _index_of, 2),
    spec("skip", _skip_take, 2, scans=False),
    spec("take", _skip_take, 2, scans=False),
    spec("union", _union, 1, None),
    spec("intersection", _intersection, 2, None),
    spec("flatten", _flatten, 1),
    spec("items", lambda c: [{"key": k, "value": v} for k, v in sorted(c.obj(0).items(),
                                                                     key=lambda kv: str(kv[0]).lower())], 1),
    spec("objectKeys", lambda c: list(c.obj(0)), 1),
    spec("shallowMerge", _shallow_merge, 1),
    spec("join", _join, 2),
    spec("tryGet", _try_get, 2, None, builds=False),
    spec("lambda", _lambda, 2, None, lazy=True, builds=False),
    spec("lambdaVariables", _lambda_variable, 1, builds=False),
    spec("filter", lambda c: [x for i, x in enumerate(c.array(0)) if _apply(c.lam(1), x, i) is True], 2),
    spec("map", lambda c: [_apply(c.lam(1), x, i) for i, x in enumerate(c.array(0))], 2),
    spec("mapValues", lambda c: {k: c.lam(1).apply([v]) for k, v in c.obj(0).items()}, 2),
    spec("reduce", _reduce, 3),
    spec("sort", _sort, 2),
    spec("toObject", _to_object, 2, 3),
    spec("groupBy", _group_by, 2),
)
