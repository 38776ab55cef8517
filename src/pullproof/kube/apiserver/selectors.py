"""Label and field selectors as the API server parses them (apimachinery's ``labels.Parse`` and
``fields.ParseSelector``), with its error messages, and LabelSelector objects."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from pullproof.core.errors import ServiceError
from pullproof.kube import errors
from pullproof.kube.apiserver.labelgrammar import Requirement, SelectorSyntaxError, parse_labels

Predicate = Callable[[dict[str, Any]], bool]
FIELD_OPERATORS = ("!=", "==", "=")
INT_RE = re.compile(r"[+-]?[0-9]{1,18}")


def labels_of(obj: dict[str, Any]) -> dict[str, str]:
    return dict((obj.get("metadata") or {}).get("labels") or {})


def _matches(requirement: Requirement, labels: dict[str, str]) -> bool:
    op, key, values = requirement.operator, requirement.key, requirement.values
    if op in ("in", "=", "=="):
        return key in labels and labels[key] in values
    if op in ("notin", "!="):
        return key not in labels or labels[key] not in values
    if op == "exists":
        return key in labels
    if op == "!":
        return key not in labels
    if key not in labels or not INT_RE.fullmatch(labels[key]):
        return False  # gt / lt compare integers; a label that is not one never matches
    number, bound = int(labels[key]), int(values[0])
    return number > bound if op == "gt" else number < bound


def label_selector(text: str | None) -> Predicate:
    """The predicate of a ``labelSelector`` query parameter; a malformed one is ``400 BadRequest``."""
    if not text:
        return lambda _obj: True
    try:
        requirements = parse_labels(text)
    except SelectorSyntaxError as exc:
        raise ServiceError(errors.BAD_REQUEST, detail=str(exc)) from None
    return lambda obj: all(_matches(r, labels_of(obj)) for r in requirements)


# field selectors ------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class FieldTerm:
    field: str
    equal: bool
    value: str


def _split_terms(text: str) -> list[str]:
    """Comma-separated terms; a backslash-escaped comma stays in its term (with the backslash)."""
    terms, start, escaped = [], 0, False
    for index, ch in enumerate(text):
        if escaped:
            escaped = False
        elif ch == "\\":
            escaped = True
        elif ch == ",":
            terms.append(text[start:index])
            start = index + 1
    terms.append(text[start:])
    return terms


def _split_term(term: str) -> tuple[str, str, str] | None:
    for index in range(len(term)):
        for op in FIELD_OPERATORS:
            if term.startswith(op, index):
                return term[:index], op, term[index + len(op):]
    return None


def _unescape(value: str) -> str:
    if not any(ch in value for ch in "\\,="):
        return value
    out, escaped = [], False
    for ch in value:
        if escaped:
            if ch not in "\\,=":
                raise _bad(f"invalid field selector: invalid escape sequence: \\{ch}")
            out.append(ch)
            escaped = False
        elif ch == "\\":
            escaped = True
        elif ch in ",=":
            raise _bad(f"invalid field selector: unescaped character in value: {ord(ch)}")
        else:
            out.append(ch)
    if escaped:
        raise _bad("invalid field selector: invalid escape sequence: \\")
    return "".join(out)


def _bad(detail: str) -> ServiceError:
    return ServiceError(errors.BAD_REQUEST, detail=detail)


def field_terms(text: str | None) -> list[FieldTerm]:
    """The terms of a ``fieldSelector``, sorted as the API server sorts them; malformed is ``400``."""
    terms = []
    for part in sorted(_split_terms(text or "")) if text else []:
        if not part:
            continue
        split = _split_term(part)
        if split is None:
            raise _bad(f"invalid selector: '{text}'; can't understand '{part}'")
        field, op, value = split
        terms.append(FieldTerm(field, op != "!=", _unescape(value)))
    return terms


def field_value(obj: dict[str, Any], path: str) -> str | None:
    current: Any = obj
    for part in path.split("."):
        if not isinstance(current, dict):
            return None
        current = current.get(part)
    if current is None:
        return "" if path.startswith(("spec.", "status.")) else None
    if isinstance(current, bool):
        return "true" if current else "false"
    return str(current)


def field_selector(terms: list[FieldTerm]) -> Predicate:
    if not terms:
        return lambda _obj: True
    return lambda obj: all((field_value(obj, t.field) == t.value) == t.equal for t in terms)


def selector_matches(selector: dict[str, Any] | None, labels: dict[str, str]) -> bool:
    """A LabelSelector object (matchLabels + matchExpressions) against labels."""
    if not selector:
        return False
    for key, value in (selector.get("matchLabels") or {}).items():
        if labels.get(key) != value:
            return False
    for expr in selector.get("matchExpressions") or []:
        key, op, values = expr.get("key"), expr.get("operator"), set(expr.get("values") or [])
        present = key in labels
        if (op == "In" and labels.get(key) not in values) or (op == "NotIn" and present and labels[key] in values) \
                or (op == "Exists" and not present) or (op == "DoesNotExist" and present):
            return False
    return True
