"""Binding parameter values to a template's declarations: presence, JSON type, defaults (evaluated
where ``utcNow()``/``newGuid()`` are allowed), allowedValues and length/value limits."""

from __future__ import annotations

import json
from dataclasses import replace
from typing import Any

from pullproof.iac import errors
from pullproof.iac.context import Frame, Phase
from pullproof.iac.errors import ExpressionError, TemplateError
from pullproof.iac.evaluator import resolve
from pullproof.iac.template import Template
from pullproof.iac.values import (
    Unknown,
    arm_equals,
    expected_name,
    has_unknown,
    is_int,
    matches_type,
    to_text,
    type_name,
    type_of_param,
)

TYPES = {"string", "securestring", "int", "bool", "object", "secureobject", "array"}


def bind(template: Template, given: dict[str, Any], frame: Frame) -> dict[str, Any]:
    """The parameter values (keyed by lower-case name); ``given`` is ``{"name": {"value": …}}``."""
    declared: dict[str, Any] = template.section("parameters", dict)
    known = {name.lower() for name in declared}
    extra = [name for name in given if name.lower() not in known]
    if extra:
        raise TemplateError(errors.PARAMETERS_EXTRA, template.where(("parameters",)), names=", ".join(extra),
                            supported=", ".join(declared))
    supplied = {name.lower(): entry for name, entry in given.items()}
    values: dict[str, Any] = {}
    for name, decl in declared.items():
        values[name.lower()] = _value(template, name, decl, supplied.get(name.lower()), replace(
            frame, phase=Phase.PARAMETER, params=dict(values), variables=None))
    return values


def _value(template: Template, name: str, decl: Any, entry: Any, frame: Frame) -> Any:
    path = ("parameters", name)
    kind = str(decl.get("type", "")) if isinstance(decl, dict) else ""
    if kind.lower() not in TYPES:
        raise template.fail(errors.PARAMETER_BAD_TYPE, path, name=name, type=kind)
    if isinstance(entry, dict) and "reference" in entry:
        raise template.fail(errors.PARAMETER_REFERENCE, path, name=name)
    if isinstance(entry, dict) and "value" in entry:
        value = entry["value"]
    elif "defaultValue" in decl:
        try:
            value = resolve(decl["defaultValue"], frame)
        except ExpressionError as exc:
            raise TemplateError(errors.PARAMETER_INVALID, template.where(path), name=name,
                                inner=exc.message) from None
    elif decl.get("nullable") is True:
        return None
    else:
        raise template.fail(errors.PARAMETER_MISSING, path, name=name)
    if not has_unknown(value):
        _check(template, name, decl, kind, value)
    return value


def _check(template: Template, name: str, decl: dict[str, Any], kind: str, value: Any) -> None:
    path = ("parameters", name)
    if value is None and decl.get("nullable") is True:
        return
    if not matches_type(kind, value):
        raise TemplateError(errors.PARAMETER_TYPE, template.where(path), expected=expected_name(kind),
                            actual=type_name(value))
    allowed = decl.get("allowedValues")
    if isinstance(allowed, list):
        items = value if isinstance(value, list) else [value]
        if not all(any(arm_equals(item, ok) for ok in allowed) for item in items):
            shown = to_text(value) if not isinstance(value, (dict, list)) else json.dumps(value)
            raise template.fail(errors.PARAMETER_NOT_ALLOWED, path, name=name, value=shown,
                                allowed=", ".join(to_text(a) for a in allowed))
    rule = _limit_rule(decl, value)
    if rule:
        raise template.fail(errors.PARAMETER_RANGE, path, name=name, rule=rule)


def _limit_rule(decl: dict[str, Any], value: Any) -> str | None:
    if isinstance(value, (str, list)):
        measured, low, high = len(value), decl.get("minLength"), decl.get("maxLength")
        words = ("Length of the value should be", "")
    elif is_int(value):
        measured, low, high = int(value), decl.get("minValue"), decl.get("maxValue")
        words = ("The value should be", "")
    else:
        return None
    if isinstance(low, int) and measured < low:
        return f"{words[0]} greater than or equal to '{low}'."
    if isinstance(high, int) and measured > high:
        return f"{words[0]} less than or equal to '{high}'."
    return None


def response_parameters(template: Template, values: dict[str, Any]) -> dict[str, Any]:
    """``properties.parameters`` of a deployment: ``{"name": {"type": "String", "value": …}}``, secrets hidden."""
    out: dict[str, Any] = {}
    for name, decl in template.section("parameters", dict).items():
        kind = type_of_param(str(decl.get("type", "")) if isinstance(decl, dict) else "")
        entry: dict[str, Any] = {"type": kind}
        value = values.get(name.lower())
        if not kind.startswith("Secure") and not isinstance(value, Unknown):
            entry["value"] = value
        out[name] = entry
    return out
