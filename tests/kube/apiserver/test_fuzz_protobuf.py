"""Fuzzing the Kubernetes protobuf decoder: schema-shaped messages (with wrong wire types, unknown
fields, odd scalars) and byte mutations of them decode to a JSON object or raise the decoder's own
errors, which the API answers with a 400 ``Status``."""

from __future__ import annotations

import json
import struct

import pytest
from hypothesis import given
from hypothesis import strategies as st

from pullproof.core.errors import ServiceError
from pullproof.kube.apiserver.media import PROTOBUF, decode_object
from pullproof.kube.apiserver.protobuf import MAGIC, ProtobufCodec, ProtobufError

CODEC = ProtobufCodec()
ROOTS = ["core.v1.ConfigMap", "core.v1.Secret", "core.v1.Pod", "apps.v1.Deployment", "core.v1.Namespace",
         "meta.v1.DeleteOptions", "core.v1.ServiceAccount", "core.v1.Event"]
ROOTS = [name for name in ROOTS if name in CODEC.schema]


def varint(value: int) -> bytes:
    value &= (1 << 64) - 1
    out = bytearray()
    while True:
        byte, value = value & 0x7F, value >> 7
        out.append(byte | (0x80 if value else 0))
        if not value:
            return bytes(out)


def field(number: int, wire: int, payload: bytes | int) -> bytes:
    tag = varint(number << 3 | wire)
    if wire == 0:
        assert isinstance(payload, int)
        return tag + varint(payload)
    assert isinstance(payload, bytes)
    return tag + (varint(len(payload)) + payload if wire == 2 else payload)


SCALARS = st.one_of(st.integers(0, 3), st.integers(-(1 << 63), (1 << 64) - 1),
                    st.sampled_from([0, 1, (1 << 63) - 1, 1 << 63, (1 << 64) - 1, 253402300800, -62135596801]))
TEXT = st.one_of(st.text(max_size=12).map(lambda s: s.encode()), st.binary(max_size=12),
                 st.sampled_from([b"\xff", b"\xc3", b"{", b"1Gi", b"NaN", b'{"a":1}']))


@st.composite
def message(draw: st.DrawFn, name: str, depth: int = 0) -> bytes:
    """Fields of ``name`` in any order: right or wrong wire types, nested messages, maps, unknown numbers."""
    fields = CODEC.schema.get(name, {})
    out = b""
    for _ in range(draw(st.integers(0, 5 if depth < 3 else 1))):
        number = draw(st.sampled_from(sorted(fields)) if fields else st.just("1"))
        _, kind, _ = fields.get(number, ["", "s", ""])
        out += draw(_value(int(number), kind, depth))
    return out + draw(st.sampled_from([b"", field(999, 0, 7), field(998, 2, b"x"), field(997, 5, b"\x00" * 4)]))


@st.composite
def _value(draw: st.DrawFn, number: int, kind: str, depth: int) -> bytes:
    if draw(st.integers(0, 9)) == 0:  # a wrong wire type now and then
        wire = draw(st.sampled_from([0, 1, 2, 5]))
        payload: bytes | int = draw(SCALARS) if wire == 0 else draw(st.binary(min_size=8 if wire == 1 else 4,
                                                                            max_size=8 if wire == 1 else 4)) \
            if wire in (1, 5) else draw(st.binary(max_size=6))
        return field(number, wire, payload)
    if kind.startswith("map:"):
        _, key_kind, value_kind = kind.split(":", 2)
        entry = draw(_value(1, key_kind, depth + 1)) + draw(_value(2, value_kind, depth + 1))
        return field(number, 2, entry)
    if kind.startswith("m:"):
        inner = draw(message(kind[2:], depth + 1)) if depth < 4 else b""
        return field(number, 2, inner)
    if kind in ("s", "b"):
        return field(number, 2, draw(TEXT))
    if kind == "d":
        return field(number, 1, struct.pack("<d", draw(st.floats(allow_nan=True, allow_infinity=True))))
    if kind in ("i", "l", "t") and draw(st.booleans()):
        return field(number, 2, b"".join(varint(v) for v in draw(st.lists(SCALARS, max_size=3))))  # packed
    return field(number, 0, draw(SCALARS))


def envelope(api_version: bytes, kind: bytes, raw: bytes) -> bytes:
    return MAGIC + field(1, 2, field(1, 2, api_version) + field(2, 2, kind)) + field(2, 2, raw)


@st.composite
def bodies(draw: st.DrawFn) -> tuple[str, bytes]:
    name = draw(st.sampled_from(ROOTS))
    body = envelope(draw(TEXT), draw(TEXT), draw(message(name)))
    if draw(st.booleans()):
        data = bytearray(body)
        for _ in range(draw(st.integers(1, 3))):
            where = draw(st.integers(0, len(data) - 1))
            data[where] = draw(st.integers(0, 255))
        body = bytes(data[: draw(st.integers(0, len(data)))]) if draw(st.booleans()) else bytes(data)
    return name, body


def _decode(name: str, body: bytes) -> None:
    try:
        obj = decode_object(body, PROTOBUF, name, CODEC)
    except ServiceError as exc:
        assert exc.status == 400
        return
    json.dumps(obj, allow_nan=False, ensure_ascii=False).encode("utf-8")  # what the API stores and echoes


@given(bodies())
def test_schema_shaped_bodies_decode_or_are_bad_requests(case: tuple[str, bytes]) -> None:
    _decode(*case)


@given(st.sampled_from(ROOTS), st.binary(max_size=200))
def test_any_bytes_after_the_magic(name: str, data: bytes) -> None:
    _decode(name, MAGIC + data)


@pytest.mark.parametrize("seconds", [1 << 62, 253402300800, (1 << 63) - 1])
def test_timestamps_out_of_range_are_bad_requests(seconds: int) -> None:
    stamp = field(1, 0, seconds)
    meta = field(1, 2, b"cm") + field(8, 2, stamp)
    with pytest.raises(ServiceError) as caught:
        decode_object(envelope(b"v1", b"ConfigMap", field(1, 2, meta)), PROTOBUF, "core.v1.ConfigMap", CODEC)
    assert caught.value.status == 400


@pytest.mark.parametrize("body", [
    MAGIC + field(1, 0, 5),  # the type meta as a varint
    MAGIC + field(1, 2, field(1, 0, 1 << 40)),  # apiVersion as a varint: never bytes(2**40)
    MAGIC + field(2, 0, 3),  # the raw object as a varint
    envelope(b"v1", b"ConfigMap", field(1, 2, field(8, 2, field(1, 2, b"x")))),  # seconds as bytes
])
def test_wrong_wire_types_are_bad_requests(body: bytes) -> None:
    with pytest.raises(ServiceError) as caught:
        decode_object(body, PROTOBUF, "core.v1.ConfigMap", CODEC)
    assert caught.value.status == 400


def test_quantity_as_a_varint_is_a_bad_request() -> None:
    limits = field(1, 2, field(1, 2, b"cpu") + field(2, 2, field(1, 0, 1 << 40)))
    container = field(1, 2, b"c") + field(8, 2, limits)
    pod = field(1, 2, field(1, 2, b"p")) + field(2, 2, field(2, 2, container))
    with pytest.raises(ServiceError):
        decode_object(envelope(b"v1", b"Pod", pod), PROTOBUF, "core.v1.Pod", CODEC)


def test_raw_decoder_raises_only_its_errors() -> None:
    for data in (b"\x0a\xff\xff\xff\xff\xff\xff\xff\xff\xff\x7f", b"\x0b", b"\x0a\x05ab"):
        with pytest.raises(ProtobufError):
            CODEC.message(data, "core.v1.ConfigMap")
