"""Label and field selectors as the API server parses them."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from pullproof.core.errors import ServiceError
from pullproof.kube import errors

Predicate = Callable[[dict[str, Any]], bool]
SET_RE = re.compile(r"^\s*([^\s!=]+)\s+(in|notin)\s+\(([^)]*)\)\s*$")


def _split(text: str) -> list[str]:
    parts, depth, current = [], 0, ""
    for ch in text:
        if ch == "(":
            depth += 1
        elif ch == ")":
            depth -= 1
        if ch == "," and depth == 0:
            parts.append(current)
            current = ""
        else:
            current += ch
    if current.strip():
        parts.append(current)
    return parts


def _requirement(text: str, source: Callable[[dict[str, Any]], dict[str, str]]) -> Predicate:
    match = SET_RE.match(text)
    if match:
        key, op, values = match.group(1), match.group(2), {v.strip() for v in match.group(3).split(",")}
        return _set_test(source, key, values, op == "in")
    for op in ("!=", "==", "="):
        if op in text:
            key, _, value = (p.strip() for p in text.partition(op))
            return _value_test(_label_reader(source, key), value, op != "!=")
    key = text.strip()
    if not key.lstrip("!") or " " in key:
        raise ServiceError(errors.BAD_REQUEST, detail=f"unable to parse requirement: {text!r}")
    return _exists_test(source, key.lstrip("!"), not key.startswith("!"))


Reader = Callable[[dict[str, Any]], str | None]


def _label_reader(source: Callable[[dict[str, Any]], dict[str, str]], key: str) -> Reader:
    def read(obj: dict[str, Any]) -> str | None:
        return source(obj).get(key)

    return read


def _field_reader(path: str) -> Reader:
    def read(obj: dict[str, Any]) -> str | None:
        return field_value(obj, path)

    return read


def _set_test(source: Callable[[dict[str, Any]], dict[str, str]], key: str, values: set[str],
              inside: bool) -> Predicate:
    def test(obj: dict[str, Any]) -> bool:
        return (source(obj).get(key) in values) == inside

    return test


def _exists_test(source: Callable[[dict[str, Any]], dict[str, str]], key: str, present: bool) -> Predicate:
    def test(obj: dict[str, Any]) -> bool:
        return (key in source(obj)) == present

    return test


def _value_test(read: Reader, value: str, equal: bool) -> Predicate:
    def test(obj: dict[str, Any]) -> bool:
        return (read(obj) == value) == equal

    return test


def labels_of(obj: dict[str, Any]) -> dict[str, str]:
    return dict((obj.get("metadata") or {}).get("labels") or {})


def label_selector(text: str | None) -> Predicate:
    if not text:
        return lambda _obj: True
    tests = [_requirement(part, labels_of) for part in _split(text)]
    return lambda obj: all(test(obj) for test in tests)


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


def field_selector(text: str | None) -> Predicate:
    if not text:
        return lambda _obj: True
    tests: list[Predicate] = []
    for part in _split(text):
        for op in ("!=", "==", "="):
            if op in part:
                key, _, value = (p.strip() for p in part.partition(op))
                tests.append(_value_test(_field_reader(key), value, op != "!="))
                break
        else:
            raise ServiceError(errors.BAD_REQUEST, detail=f"invalid field selector: {part!r}")
    return lambda obj: all(test(obj) for test in tests)


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
