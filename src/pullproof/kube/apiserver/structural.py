"""Custom resources against their version's structural ``openAPIV3Schema``, as the apiextensions
API server treats them: unknown fields pruned (``fieldValidation`` Strict refuses them, Warn reports
them), schema defaults applied, then the value validated with kube-openapi's messages turned into
field errors (``spec.replicas: Invalid value: "string": spec.replicas in body must be of type
integer: "string"``). ``x-kubernetes-validations`` (CEL) rules are not evaluated."""

from __future__ import annotations

import json
import re
from typing import Any

from pullproof.kube.apiserver.validation import Cause, invalid_value, required, too_long
from pullproof.kube.storage.tracker import clone

Schema = dict[str, Any]
ROOT_KEEP = ("apiVersion", "kind", "metadata")
JSON_TYPES = {str: "string", bool: "boolean", int: "integer", float: "number", list: "array", dict: "object"}


def json_type(value: Any) -> str:
    return "null" if value is None else JSON_TYPES.get(type(value), "object")


def _keeps_unknown(schema: Schema) -> bool:
    return bool(schema.get("x-kubernetes-preserve-unknown-fields"))


def _props(schema: Schema) -> dict[str, Schema]:
    found = schema.get("properties")
    return found if isinstance(found, dict) else {}


def _extra(schema: Schema) -> Schema | None:
    found = schema.get("additionalProperties")
    return found if isinstance(found, dict) else None


def _join(path: str, key: str) -> str:
    return f"{path}.{key}" if path else key


# pruning ---------------------------------------------------------------------------------------------
def prune(schema: Schema, obj: dict[str, Any]) -> list[str]:
    """Drops from the object (in place) what its schema does not declare; the dropped paths."""
    unknown: list[str] = []
    _prune_object(schema, obj, "", unknown, root=True)
    return unknown


def _prune_object(schema: Schema, value: dict[str, Any], path: str, unknown: list[str], root: bool = False) -> None:
    props, extra = _props(schema), _extra(schema)
    embedded = root or bool(schema.get("x-kubernetes-embedded-resource"))
    for key in list(value):
        if embedded and key in ROOT_KEEP:
            continue  # the object's type and ObjectMeta are the API server's, whatever the schema says
        sub = props.get(key, extra)
        if sub is None:
            if not _keeps_unknown(schema) and schema.get("additionalProperties") is not True:
                unknown.append(_join(path, key))
                del value[key]
            continue
        _prune(sub, value[key], _join(path, key), unknown)


def _prune(schema: Schema, value: Any, path: str, unknown: list[str]) -> None:
    if isinstance(value, dict) and (_props(schema) or _extra(schema) is not None or not _keeps_unknown(schema)):
        if schema.get("type") in ("object", None) and not schema.get("x-kubernetes-int-or-string"):
            _prune_object(schema, value, path, unknown)
    elif isinstance(value, list) and isinstance(schema.get("items"), dict):
        for index, item in enumerate(value):
            _prune(schema["items"], item, f"{path}[{index}]", unknown)


# defaulting ------------------------------------------------------------------------------------------
def default(schema: Schema, value: Any) -> None:
    """Applies the schema's ``default``s (in place) to absent fields and to nulls of non-nullable ones."""
    if isinstance(value, dict):
        for key, sub in _props(schema).items():
            if "default" in sub and (key not in value or (value[key] is None and not sub.get("nullable"))):
                value[key] = clone(sub["default"])
            if key in value:
                default(sub, value[key])
        extra = _extra(schema)
        if extra is not None:
            for key in value:
                if key not in _props(schema):
                    default(extra, value[key])
    elif isinstance(value, list) and isinstance(schema.get("items"), dict):
        for item in value:
            default(schema["items"], item)


# validation ------------------------------------------------------------------------------------------
def _number(value: float) -> str:
    return str(int(value)) if isinstance(value, float) and value.is_integer() else str(value)


def _type_causes(schema: Schema, value: Any, path: str) -> list[Cause] | None:
    """The type error of the value (a list, possibly empty, ends the walk here), or None to go on."""
    if value is None:
        if schema.get("nullable"):
            return []
        if not schema.get("type") and not schema.get("x-kubernetes-int-or-string"):
            return [] if _keeps_unknown(schema) else None
    if schema.get("x-kubernetes-int-or-string"):
        if isinstance(value, (int, str)) and not isinstance(value, bool):
            return None
        return [_type_invalid(path, value, "integer,string")]
    wanted = schema.get("type")
    if not wanted:
        return None
    actual = json_type(value)
    if actual == wanted or (wanted == "number" and actual == "integer"):
        return None
    return [_type_invalid(path, value, str(wanted))]


def _type_invalid(path: str, value: Any, wanted: str) -> Cause:
    actual = json_type(value)
    return Cause("FieldValueTypeInvalid", path,
                 f'Invalid value: "{actual}": {path} in body must be of type {wanted}: "{actual}"')


def _bounds(schema: Schema, value: Any, path: str) -> list[Cause]:
    causes: list[Cause] = []
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        if "maximum" in schema:
            limit, strict = schema["maximum"], bool(schema.get("exclusiveMaximum"))
            if value > limit or (strict and value == limit):
                relation = "less than" if strict else "less than or equal to"
                causes.append(invalid_value(path, value, f"{path} in body should be {relation} {_number(limit)}"))
        if "minimum" in schema:
            limit, strict = schema["minimum"], bool(schema.get("exclusiveMinimum"))
            if value < limit or (strict and value == limit):
                relation = "greater than" if strict else "greater than or equal to"
                causes.append(invalid_value(path, value, f"{path} in body should be {relation} {_number(limit)}"))
        step = schema.get("multipleOf")
        if step and (value / step) != int(value / step):
            causes.append(invalid_value(path, value, f"{path} in body should be a multiple of {_number(step)}"))
    if isinstance(value, str):
        if "maxLength" in schema and len(value) > int(schema["maxLength"]):
            causes.append(too_long(path, int(schema["maxLength"])))
        if "minLength" in schema and len(value) < int(schema["minLength"]):
            causes.append(invalid_value(path, value, f"{path} in body should be at least {schema['minLength']} "
                                                     "chars long"))
        if "pattern" in schema and re.search(str(schema["pattern"]), value) is None:
            causes.append(invalid_value(path, value, f"{path} in body should match '{schema['pattern']}'"))
    if isinstance(value, list):
        if "maxItems" in schema and len(value) > int(schema["maxItems"]):
            causes.append(Cause("FieldValueTooMany", path,
                                f"Too many: {len(value)}: must have at most {schema['maxItems']} items"))
        if "minItems" in schema and len(value) < int(schema["minItems"]):
            causes.append(invalid_value(path, len(value), f"{path} in body should have at least "
                                                          f"{schema['minItems']} items"))
    return causes


def _enum(schema: Schema, value: Any, path: str) -> list[Cause]:
    allowed = schema.get("enum")
    if not isinstance(allowed, list) or value in allowed:
        return []
    shown = json.dumps(value) if isinstance(value, str) else str(value)
    supported = ", ".join(json.dumps(v) for v in allowed)
    return [Cause("FieldValueNotSupported", path, f"Unsupported value: {shown}: supported values: {supported}")]


def validate(schema: Schema, value: Any, path: str = "") -> list[Cause]:
    """The causes the value fails its schema with, in the API server's wording."""
    stop = _type_causes(schema, value, path)
    if stop is not None:
        return stop
    if value is None:
        return []
    causes = _enum(schema, value, path) + _bounds(schema, value, path)
    if isinstance(value, dict):
        causes += [required(_join(path, str(key))) for key in schema.get("required") or [] if key not in value]
        props, extra = _props(schema), _extra(schema)
        for key, item in value.items():
            if path == "" and key in ROOT_KEEP:
                continue
            sub = props.get(key, extra)
            if sub is not None:
                causes += validate(sub, item, _join(path, key))
    elif isinstance(value, list) and isinstance(schema.get("items"), dict):
        for index, item in enumerate(value):
            causes += validate(schema["items"], item, f"{path}[{index}]")
    return causes
