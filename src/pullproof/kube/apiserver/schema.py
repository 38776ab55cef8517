"""Typed decoding checks for the kinds the server knows (from ``protoschema.json``): unknown fields
(``fieldValidation`` Strict / Warn / Ignore, pruned from what is stored) and JSON type mismatches,
with the API server's wording."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from pullproof.core.errors import ServiceError
from pullproof.kube import errors
from pullproof.kube.storage.resources import ResourceType

Schema = dict[str, dict[str, list[str]]]
OPAQUE = frozenset({"runtime.RawExtension", "meta.v1.FieldsV1", "apiextensions.v1.JSON",
                    "apiextensions.v1.JSONSchemaProps", "apiextensions.v1.JSONSchemaPropsOrArray",
                    "apiextensions.v1.JSONSchemaPropsOrBool", "apiextensions.v1.JSONSchemaPropsOrStringArray"})
SCALAR_TYPES = {"s": ("string", (str,)), "b": ("[]uint8", (str,)), "t": ("bool", (bool,)),
                "i": ("int32", (int,)), "l": ("int64", (int,)), "d": ("float64", (int, float))}
JSON_NAMES = {str: "string", bool: "bool", int: "number", float: "number", list: "array", dict: "object"}


@dataclass
class Findings:
    unknown: list[str] = field(default_factory=list)
    type_error: str | None = None


class SchemaChecker:
    def __init__(self, schema: Schema) -> None:
        self.schema = schema
        self._fields: dict[str, dict[str, tuple[str, str]]] = {}

    def fields_of(self, message: str) -> dict[str, tuple[str, str]]:
        """JSON name -> (kind, flags), inline members flattened."""
        cached = self._fields.get(message)
        if cached is None:
            cached = {}
            for name, kind, flags in self.schema.get(message, {}).values():
                if name == "" and kind.startswith("m:"):
                    cached.update(self.fields_of(kind[2:]))
                else:
                    cached[name] = (kind, flags)
            self._fields[message] = cached
        return cached

    def check(self, rtype: ResourceType, obj: dict[str, Any], mode: str) -> list[str]:
        """Prunes unknown fields from ``obj``; raises for Strict or a type error; returns warnings."""
        findings = Findings()
        body = {k: v for k, v in obj.items() if k not in ("apiVersion", "kind")}
        self._walk(rtype.message, body, "", findings)
        for key in list(obj):
            if key not in ("apiVersion", "kind") and key not in body:
                obj.pop(key)
        prefix = f'{rtype.kind} in version "{rtype.version}" cannot be handled as a {rtype.kind}: '
        if findings.type_error:
            raise ServiceError(errors.BAD_REQUEST, detail=prefix + findings.type_error)
        messages = [f'unknown field "{path}"' for path in findings.unknown]
        if messages and mode == "Strict":
            raise ServiceError(errors.BAD_REQUEST, detail=prefix + "strict decoding error: " + ", ".join(messages))
        return messages if mode != "Ignore" else []

    def _walk(self, message: str, obj: dict[str, Any], path: str, findings: Findings) -> None:
        fields = self.fields_of(message)
        for key in list(obj):
            here = f"{path}.{key}" if path else key
            spec = fields.get(key)
            if spec is None:
                findings.unknown.append(here)
                obj.pop(key)
                continue
            self._value(message, spec[0], "r" in spec[1], obj[key], here, findings)

    def _value(self, owner: str, kind: str, repeated: bool, value: Any, path: str, findings: Findings) -> None:
        if value is None:
            return
        if repeated:
            if not isinstance(value, list):
                self._mismatch(owner, path, value, "[]" + self._go_type(kind), findings)
                return
            for index, item in enumerate(value):
                self._value(owner, kind, False, item, f"{path}[{index}]", findings)
            return
        if kind.startswith("map:"):
            value_kind = kind.split(":", 2)[2]
            if not isinstance(value, dict):
                self._mismatch(owner, path, value, "map[string]" + self._go_type(value_kind), findings)
                return
            for key, item in value.items():
                self._value(owner, value_kind, False, item, f"{path}[{key}]", findings)
            return
        self._single(owner, kind, value, path, findings)

    def _single(self, owner: str, kind: str, value: Any, path: str, findings: Findings) -> None:
        if kind in SCALAR_TYPES:
            go_type, allowed = SCALAR_TYPES[kind]
            if not isinstance(value, allowed) or (bool not in allowed and isinstance(value, bool)):
                self._mismatch(owner, path, value, go_type, findings)
            return
        message = kind[2:]
        if message in OPAQUE:
            return
        if message == "intstr.IntOrString":
            if not isinstance(value, (str, int)) or isinstance(value, bool):
                self._mismatch(owner, path, value, "intstr.IntOrString", findings)
            return
        if message in ("meta.v1.Time", "meta.v1.MicroTime", "meta.v1.Duration", "resource.Quantity"):
            if not isinstance(value, (str, int, float)) or isinstance(value, bool):
                self._mismatch(owner, path, value, message.split(".")[-1], findings)
            return
        if not isinstance(value, dict):
            self._mismatch(owner, path, value, message.split(".")[-1], findings)
            return
        self._walk(message, value, path, findings)

    @staticmethod
    def _go_type(kind: str) -> str:
        return SCALAR_TYPES[kind][0] if kind in SCALAR_TYPES else kind.rsplit(".", 1)[-1]

    @staticmethod
    def _mismatch(owner: str, path: str, value: Any, go_type: str, findings: Findings) -> None:
        if findings.type_error is None:
            json_type = JSON_NAMES.get(type(value), "value")
            findings.type_error = (f"json: cannot unmarshal {json_type} into Go struct field "
                                   f"{owner.rsplit('.', 1)[-1]}.{path} of type {go_type}")
