"""Logical, comparison, numeric and conversion functions."""

from __future__ import annotations

from typing import Any

from pullproof.core import jsonbody
from pullproof.iac import errors
from pullproof.iac.errors import ExpressionError
from pullproof.iac.functions.base import Invocation, Spec, spec
from pullproof.iac.values import Unknown, arm_equals, has_unknown, is_int, to_text, type_name

INT_MAX = 2**63 - 1


def _bools(call: Invocation) -> list[bool]:
    return [call.boolean(i) for i in range(len(call.args))]


def _if(call: Invocation) -> Any:
    assert call.evaluate is not None
    condition = call.evaluate(call.nodes[0], call.frame)
    if isinstance(condition, Unknown):
        return condition
    if not isinstance(condition, bool):
        raise ExpressionError(errors.ARG_TYPE, name="if", expected="Boolean", actual=type_name(condition))
    return call.evaluate(call.nodes[1 if condition else 2], call.frame)


def _to_bool(call: Invocation) -> bool:
    value = call.args[0]
    if isinstance(value, bool):
        return value
    if is_int(value):
        return bool(value != 0)
    if isinstance(value, str) and value.lower() in {"true", "false"}:
        return value.lower() == "true"
    raise call.fail(f"the value '{to_text(value)}' cannot be converted to a boolean.")


def _to_int(call: Invocation) -> int:
    value = call.args[0]
    if is_int(value):
        return int(value)
    if isinstance(value, float):
        return int(value)
    if isinstance(value, str):
        try:
            return int(value.strip())
        except ValueError:
            pass
    raise call.fail(f"the value '{to_text(value)}' cannot be converted to an integer.")


def _to_float(call: Invocation) -> float:
    value = call.args[0]
    try:
        return float(value) if not isinstance(value, bool) else float("nan")
    except (TypeError, ValueError):
        raise call.fail(f"the value '{to_text(value)}' cannot be converted to a float.") from None


def _compare(call: Invocation) -> int:
    a, b = call.args
    if (is_int(a) and is_int(b)) or (isinstance(a, str) and isinstance(b, str)):
        return int(bool(a > b)) - int(bool(a < b))
    raise ExpressionError(errors.ARG_TYPE, name=call.name, expected="Integer, String",
                          actual=f"{type_name(a)}, {type_name(b)}")


def _div(call: Invocation) -> int:
    a, b = call.integer(0), call.integer(1)
    if b == 0:
        raise call.fail("attempted to divide by zero.")
    quotient = abs(a) // abs(b)
    return quotient if (a >= 0) == (b >= 0) else -quotient


def _mod(call: Invocation) -> int:
    a, b = call.integer(0), call.integer(1)
    if b == 0:
        raise call.fail("attempted to divide by zero.")
    return a - b * _div(call)


def _numbers(call: Invocation) -> list[int]:
    if len(call.args) == 1 and isinstance(call.args[0], list):
        values = call.args[0]
        if not values or not all(is_int(v) for v in values):
            raise call.fail("the array must be non-empty and contain only integers.")
        return list(values)
    return call.ints()


def _range(call: Invocation) -> list[int]:
    start, count = call.integer(0), call.integer(1)
    limit = call.frame.budget.limits.range_count
    if not 0 <= count <= limit:
        raise call.fail(f"the count must be a non-negative integer up to '{limit}'; it is '{count}'.")
    if start + count > 2147483647:
        raise call.fail("the sum of startIndex and count must be no greater than '2147483647'.")
    return list(range(start, start + count))


def _json(call: Invocation) -> Any:
    text = call.text(0)
    try:
        return jsonbody.loads(text)
    except ValueError:
        raise call.fail(f"the string '{text}' is not valid JSON.") from None


def _coalesce(call: Invocation) -> Any:
    for value in call.args:
        if value is not None:
            return value
    return None


def _checked(call: Invocation, value: int) -> int:
    if value > INT_MAX or value < -INT_MAX - 1:
        raise call.fail("the result overflows a 64-bit integer.")
    return value


def _string(call: Invocation) -> Any:
    return call.args[0] if has_unknown(call.args[0]) else to_text(call.args[0])


SPECS: tuple[Spec, ...] = (
    spec("and", lambda c: all(_bools(c)), 1, None),
    spec("or", lambda c: any(_bools(c)), 1, None),
    spec("not", lambda c: not c.boolean(0), 1),
    spec("bool", _to_bool, 1),
    spec("true", lambda c: True),
    spec("false", lambda c: False),
    spec("null", lambda c: None),
    spec("if", _if, 3, lazy=True),
    spec("coalesce", _coalesce, 1, None, builds=False),
    spec("equals", lambda c: arm_equals(c.args[0], c.args[1]), 2),
    spec("greater", lambda c: _compare(c) > 0, 2),
    spec("greaterOrEquals", lambda c: _compare(c) >= 0, 2),
    spec("less", lambda c: _compare(c) < 0, 2),
    spec("lessOrEquals", lambda c: _compare(c) <= 0, 2),
    spec("add", lambda c: _checked(c, c.integer(0) + c.integer(1)), 2),
    spec("sub", lambda c: _checked(c, c.integer(0) - c.integer(1)), 2),
    spec("mul", lambda c: _checked(c, c.integer(0) * c.integer(1)), 2),
    spec("div", _div, 2),
    spec("mod", _mod, 2),
    spec("int", _to_int, 1),
    spec("float", _to_float, 1),
    spec("min", lambda c: min(_numbers(c)), 1, None),
    spec("max", lambda c: max(_numbers(c)), 1, None),
    spec("range", _range, 2),
    spec("string", _string, 1),
    spec("json", _json, 1),
)
