"""Decoding ``application/vnd.kubernetes.protobuf`` request bodies (kubectl 1.32's typed clients
send them) into the JSON form of the object.

Wire format: the magic ``k8s\\0`` then a ``runtime.Unknown`` (typeMeta 1 {apiVersion 1, kind 2},
raw 2, contentEncoding 3, contentType 4) whose ``raw`` is the object's message. The messages are
described by ``protoschema.json`` (generated from k8s.io/api v0.32.4): field number -> JSON name,
kind and flags. A hand-written varint / length-delimited reader walks them; unknown field numbers
are skipped. Zero scalars of non-pointer ``omitempty`` fields are dropped, as JSON would.
"""

from __future__ import annotations

import base64
import json
import struct
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from importlib import resources
from typing import Any

from pullproof.core import jsonbody

MAGIC = b"k8s\x00"
GO_ZERO_TIME = -62135596800
Field = tuple[int, int, Any]


class ProtobufError(ValueError):
    """The body is not a Kubernetes protobuf envelope or its message does not decode."""


def load_schema() -> dict[str, dict[str, list[str]]]:
    text = resources.files("pullproof.kube.apiserver").joinpath("protoschema.json").read_text("utf-8")
    messages: dict[str, dict[str, list[str]]] = json.loads(text)["messages"]
    return messages


def _varint(data: bytes, pos: int) -> tuple[int, int]:
    result, shift = 0, 0
    while True:
        if pos >= len(data) or shift > 63:
            raise ProtobufError("truncated varint")
        byte = data[pos]
        pos += 1
        result |= (byte & 0x7F) << shift
        if not byte & 0x80:
            return result, pos
        shift += 7


def _fields(data: bytes) -> Iterator[Field]:
    if not isinstance(data, bytes):  # a varint where a message was expected
        raise ProtobufError("a length-delimited field was expected")
    pos = 0
    while pos < len(data):
        tag, pos = _varint(data, pos)
        number, wire = tag >> 3, tag & 7
        value: Any
        if wire == 0:
            value, pos = _varint(data, pos)
        elif wire == 2:
            size, pos = _varint(data, pos)
            if pos + size > len(data):
                raise ProtobufError("truncated field")
            value, pos = data[pos:pos + size], pos + size
        elif wire in (1, 5):
            width = 8 if wire == 1 else 4
            if pos + width > len(data):
                raise ProtobufError("truncated fixed field")
            value, pos = data[pos:pos + width], pos + width
        else:
            raise ProtobufError(f"unsupported wire type {wire}")
        yield number, wire, value


def _signed(value: int) -> int:
    if not isinstance(value, int):
        raise ProtobufError("a varint field was expected")
    return value - (1 << 64) if value >= 1 << 63 else value


def _text(value: Any) -> str:
    """A string field's text (never ``bytes(n)`` of a varint, which would allocate n bytes)."""
    if not isinstance(value, bytes):
        raise ProtobufError("a length-delimited field was expected")
    return value.decode("utf-8")


def _time(data: bytes, micro: bool) -> str | None:
    seconds, nanos = 0, 0
    for number, _, value in _fields(data):
        if number == 1:
            seconds = _signed(value)
        elif number == 2:
            nanos = _signed(value)
    if seconds <= GO_ZERO_TIME or (seconds == 0 and nanos == 0):  # Go's zero time marshals as an empty message
        return None
    try:
        stamp = datetime.fromtimestamp(seconds, UTC)
    except (OverflowError, OSError, ValueError):  # past year 9999, which Go's Time.MarshalJSON refuses too
        raise ProtobufError(f"timestamp {seconds} is out of range") from None
    if micro:
        return stamp.strftime("%Y-%m-%dT%H:%M:%S.") + f"{nanos // 1000:06d}Z"
    return stamp.strftime("%Y-%m-%dT%H:%M:%SZ")


def _int_or_string(data: bytes) -> int | str:
    parts = {number: value for number, _, value in _fields(data)}
    if parts.get(1, 0) == 1:
        return _text(parts.get(3, b""))
    return _signed(parts.get(2, 0))


def _raw_json(data: bytes) -> Any:
    raw = next((value for number, _, value in _fields(data) if number == 1), b"")
    try:
        return jsonbody.loads(bytes(raw), surrogates="replace") if raw else None
    except jsonbody.JsonBodyError as exc:
        raise ProtobufError(f"embedded JSON does not decode: {exc.detail}") from None


SPECIAL: dict[str, Callable[[bytes], Any]] = {
    "meta.v1.Time": lambda data: _time(data, False),
    "meta.v1.MicroTime": lambda data: _time(data, True),
    "resource.Quantity": lambda data: next((_text(v) for n, _, v in _fields(data) if n == 1), ""),
    "intstr.IntOrString": _int_or_string,
    "runtime.RawExtension": _raw_json,
    "meta.v1.FieldsV1": _raw_json,
    "meta.v1.Duration": lambda data: next((_signed(v) for n, _, v in _fields(data) if n == 1), 0),
}


class ProtobufCodec:
    """Decodes Kubernetes protobuf request bodies with the generated schema."""

    def __init__(self, schema: dict[str, dict[str, list[str]]] | None = None) -> None:
        self.schema = schema if schema is not None else load_schema()

    def decode(self, body: bytes, message: str) -> tuple[str, str, dict[str, Any]]:
        """``(apiVersion, kind, object)`` of an enveloped body whose object is ``message``."""
        if not body.startswith(MAGIC):
            raise ProtobufError("missing the k8s protobuf magic number")
        api_version, kind, raw = "", "", b""
        for number, _, value in _fields(body[len(MAGIC):]):
            if number == 1:
                for inner, _, text in _fields(value):
                    if inner == 1:
                        api_version = _text(text)
                    elif inner == 2:
                        kind = _text(text)
            elif number == 2:
                raw = value
        obj = self.message(raw, message)
        obj["apiVersion"], obj["kind"] = api_version, kind
        return api_version, kind, obj

    def message(self, data: bytes, name: str) -> dict[str, Any]:
        fields = self.schema.get(name)
        if fields is None:
            raise ProtobufError(f"no schema for {name}")
        out: dict[str, Any] = {}
        for number, wire, value in _fields(data):
            spec = fields.get(str(number))
            if spec is not None:
                self._put(out, spec, wire, value)
        return out

    def _put(self, out: dict[str, Any], spec: list[str], wire: int, value: Any) -> None:
        json_name, kind, flags = spec
        if kind.startswith("map:"):
            key, item = self._entry(value, kind)
            out.setdefault(json_name, {})[key] = item
            return
        if "r" in flags:
            out.setdefault(json_name, []).extend(self._repeated(kind, wire, value))
            return
        decoded = self._value(kind, wire, value)
        if json_name == "":
            if isinstance(decoded, dict):
                out.update(decoded)
            return
        if decoded is None or ("o" in flags and "p" not in flags and decoded in ("", 0, False)
                               and not isinstance(decoded, dict)):
            out.pop(json_name, None)
            return
        out[json_name] = decoded

    def _repeated(self, kind: str, wire: int, value: Any) -> list[Any]:
        if kind in ("i", "l", "t") and wire == 2:  # packed scalars
            items, pos, data = [], 0, bytes(value)
            while pos < len(data):
                item, pos = _varint(data, pos)
                items.append(bool(item) if kind == "t" else _signed(item))
            return items
        return [self._value(kind, wire, value)]

    def _entry(self, data: bytes, kind: str) -> tuple[str, Any]:
        _, key_kind, value_kind = kind.split(":", 2)
        key: Any = ""
        item: Any = self._value(value_kind, 2, b"") if value_kind.startswith("m:") else _zero(value_kind)
        for number, wire, value in _fields(data):
            if number == 1:
                key = self._value(key_kind, wire, value)
            elif number == 2:
                item = self._value(value_kind, wire, value)
        return str(key), item

    def _value(self, kind: str, wire: int, value: Any) -> Any:
        expected = 2 if kind in ("s", "b") or kind.startswith("m:") else (1 if kind == "d" else 0)
        if wire != expected:
            raise ProtobufError(f"unexpected wire type {wire} for a field of kind {kind}")
        if kind == "s":
            return bytes(value).decode("utf-8")
        if kind == "b":
            return base64.b64encode(bytes(value)).decode("ascii")
        if kind == "t":
            return bool(value)
        if kind in ("i", "l"):
            return _signed(value)
        if kind == "d":
            return struct.unpack("<d", value)[0]
        name = kind[2:]
        special = SPECIAL.get(name)
        return special(bytes(value)) if special else self.message(bytes(value), name)


def _zero(kind: str) -> Any:
    return {"s": "", "b": "", "t": False, "i": 0, "l": 0, "d": 0.0}.get(kind)
