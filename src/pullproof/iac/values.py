"""Template values: ARM's type names, deep type-strict equality, .NET-style text conversion, and
``Unknown`` (a value only known once the deployment runs; used by validation and what-if)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Unknown:
    """A value that cannot be computed before the deployment runs; ``text`` is its expression."""

    text: str


class Partial(dict[str, Any]):
    """An object only partly known before the deployment runs (what-if's view of a resource it would
    create): a property it lacks is ``Unknown`` rather than an error."""


def partial(value: Any) -> Any:
    if isinstance(value, dict):
        return Partial({k: partial(v) for k, v in value.items()})
    if isinstance(value, list):
        return [partial(v) for v in value]
    return value


def merged(before: dict[str, Any], after: dict[str, Any]) -> dict[str, Any]:
    """``after`` laid over ``before`` (objects merged key by key, case-insensitively; the rest replaced)."""
    out = dict(before)
    for key, value in after.items():
        found = next((k for k in out if k.lower() == key.lower()), key)
        old = out.get(found)
        out[found] = merged(old, value) if isinstance(value, dict) and isinstance(old, dict) else value
    return out


def has_unknown(value: Any) -> bool:
    if isinstance(value, Unknown):
        return True
    if isinstance(value, dict):
        return any(has_unknown(v) for v in value.values())
    if isinstance(value, list):
        return any(has_unknown(v) for v in value)
    return False


def is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def type_name(value: Any) -> str:
    """The name ARM's messages use for a value's type."""
    if value is None:
        return "Null"
    if isinstance(value, bool):
        return "Boolean"
    if isinstance(value, int):
        return "Integer"
    if isinstance(value, float):
        return "Float"
    if isinstance(value, str):
        return "String"
    if isinstance(value, list):
        return "Array"
    if isinstance(value, dict):
        return "Object"
    return "Unknown"


def arm_equals(a: Any, b: Any) -> bool:
    """Deep, type-strict equality (``1`` is not ``true``); strings compare case-sensitively."""
    if type_name(a) != type_name(b):
        return False
    if isinstance(a, list):
        return len(a) == len(b) and all(arm_equals(x, y) for x, y in zip(a, b, strict=True))
    if isinstance(a, dict):
        if len(a) != len(b):
            return False
        other = {k.lower(): v for k, v in b.items()}
        return all(k.lower() in other and arm_equals(v, other[k.lower()]) for k, v in a.items())
    return bool(a == b)


def get_property(obj: dict[str, Any], name: str) -> tuple[bool, Any]:
    """Case-insensitive property lookup: (found, value)."""
    if name in obj:
        return True, obj[name]
    lowered = name.lower()
    for key, value in obj.items():
        if key.lower() == lowered:
            return True, value
    return False, None


def compact_json(value: Any, quote: str = '"') -> str:
    """Newtonsoft ``Formatting.None`` output; ``quote="'"`` is what ``format()`` uses for objects."""
    if quote == '"':
        return json.dumps(value, separators=(",", ":"), ensure_ascii=False)
    if isinstance(value, dict):
        return "{" + ",".join(f"{_quoted(k)}:{compact_json(v, quote)}" for k, v in value.items()) + "}"
    if isinstance(value, list):
        return "[" + ",".join(compact_json(v, quote) for v in value) + "]"
    if isinstance(value, str):
        return _quoted(value)
    return json.dumps(value)


def _quoted(text: str) -> str:
    inner = json.dumps(text, ensure_ascii=False)[1:-1].replace('\\"', '"').replace("'", "\\'")
    return f"'{inner}'"


def to_text(value: Any, nested_quote: str = '"') -> str:
    """A value as .NET renders it in ``string()``, ``concat()``, ``join()`` and ``format()``."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "True" if value else "False"
    if isinstance(value, str):
        return value
    if isinstance(value, float):
        return repr(value)
    if isinstance(value, (dict, list)):
        return compact_json(value, nested_quote)
    return str(value)


def type_of_param(declared: str) -> str:
    """The response-side type name of a declared parameter/output type (``securestring`` → ``SecureString``)."""
    names = {"string": "String", "securestring": "SecureString", "int": "Int", "bool": "Bool", "object": "Object",
             "secureobject": "SecureObject", "array": "Array"}
    return names.get(declared.lower(), declared)


def matches_type(declared: str, value: Any) -> bool:
    kind = declared.lower()
    if kind in {"string", "securestring"}:
        return isinstance(value, str)
    if kind == "int":
        return is_int(value)
    if kind == "bool":
        return isinstance(value, bool)
    if kind in {"object", "secureobject"}:
        return isinstance(value, dict)
    if kind == "array":
        return isinstance(value, list)
    return True


def expected_name(declared: str) -> str:
    """The JToken type ARM expects for a declared type (as its messages name it)."""
    kind = declared.lower()
    return {"string": "String, Uri", "securestring": "String, Uri", "int": "Integer", "bool": "Boolean",
            "object": "Object", "secureobject": "Object", "array": "Array"}.get(kind, declared)
