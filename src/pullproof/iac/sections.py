"""Whole-template checks before anything is evaluated (every expression parses and calls only
functions that exist), and the ``outputs`` section."""

from __future__ import annotations

from typing import Any

from pullproof.arm.models import DEPLOYMENT_TYPE
from pullproof.core.errors import ErrorCode, ServiceError
from pullproof.iac import errors
from pullproof.iac.checks import check_counts, check_functions
from pullproof.iac.context import Frame, Phase
from pullproof.iac.errors import ExpressionError, TemplateError, Where
from pullproof.iac.evaluator import check_expressions, copy_loop, resolve
from pullproof.iac.limits import TemplateLimits
from pullproof.iac.planner import declarations
from pullproof.iac.template import Template
from pullproof.iac.values import expected_name, has_unknown, matches_type, type_name, type_of_param


def inline_template(decl: dict[str, Any]) -> Any:
    """The inline template of a nested deployment declaration (None for other resources)."""
    if str(decl.get("type", "")).lower() != DEPLOYMENT_TYPE.lower():
        return None
    props = decl.get("properties")
    return props.get("template") if isinstance(props, dict) else None


def _checked(code: ErrorCode, where: Where, value: Any, functions: dict[str, Any], limits: TemplateLimits,
             **params: Any) -> None:
    try:
        check_expressions(value, functions, limits)
    except ExpressionError as exc:
        raise TemplateError(code, where, line=where.line, column=where.column, inner=exc.message,
                            **params) from None


def check_template(template: Template, inherited: dict[str, Any] | None = None,
                   limits: TemplateLimits | None = None) -> None:
    limits = limits or TemplateLimits()
    check_counts(template, limits)
    check_functions(template, limits)
    functions = {**(inherited or {}), **template.functions()}
    for name, decl in template.section("parameters", dict).items():
        if isinstance(decl, dict):
            _checked(errors.PARAMETER_INVALID, template.where(("parameters", name)), decl.get("defaultValue"),
                     functions, limits, name=name)
    for key, value in template.section("variables", dict).items():
        _checked(errors.VARIABLE_INVALID, template.where(("variables", key)), value, functions, limits, name=key)
    for path, decl, _, _ in declarations(template):
        nested = inline_template(decl)
        body = decl
        if nested is not None:
            body = {**decl, "properties": {k: v for k, v in decl["properties"].items() if k != "template"}}
        raw_name = decl.get("name")
        _checked(errors.RESOURCE_INVALID, template.where(path), body, functions, limits,
                 name=raw_name if isinstance(raw_name, str) else "")
        if isinstance(nested, dict):
            check_template(template.nested((*path, "properties", "template"), nested), functions, limits)
    for name, decl in template.section("outputs", dict).items():
        _checked(errors.OUTPUT_INVALID, template.where(("outputs", name)), decl, functions, limits, name=name)


def evaluate_outputs(template: Template, frame: Frame) -> dict[str, Any]:
    """``{"name": {"type": "String", "value": …}}`` (secure outputs without their value)."""
    frame = frame.at(Phase.OUTPUT)
    out: dict[str, Any] = {}
    for name, decl in template.section("outputs", dict).items():
        where = template.where(("outputs", name))
        try:
            if "condition" in decl and resolve(decl["condition"], frame) is False:
                continue
            loop = decl.get("copy")
            if isinstance(loop, dict):
                value = copy_loop({"name": "", **loop}, frame, lambda f, spec=loop: resolve(spec.get("input"), f,
                                                                                           loops=True))
            else:
                value = resolve(decl.get("value"), frame, loops=True)
            frame.budget.keep("outputs", value)
        except TemplateError:
            raise
        except ServiceError as exc:  # a language error, or what reference() got from the resource provider
            raise TemplateError(errors.OUTPUT_INVALID, where, name=name, inner=exc.message) from None
        kind = str(decl.get("type", ""))
        if not has_unknown(value) and not matches_type(kind, value):
            raise TemplateError(errors.OUTPUT_TYPE, where, name=name, expected=expected_name(kind),
                                actual=type_name(value))
        entry: dict[str, Any] = {"type": type_of_param(kind)}
        if not kind.lower().startswith("secure"):
            entry["value"] = value
        out[name] = entry
    return out
