"""Fuzzing the shared JSON body reader: any body gives a JSON object whose text encodes as UTF-8, or
``BadJson`` / ``BodyTooLarge``, never another exception."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st
from starlette.requests import Request
from starlette.types import Message

from pullproof.core.web import BadJson, BodyTooLarge, read_form, read_json_object
from tests.fuzzing import DEEP_ARRAY, LONE_SURROGATES, json_bodies

LIMIT = 4096


def _request(body: bytes, declared: str | None = None, chunks: int = 1) -> Request:
    pieces = [body[i::chunks] for i in range(chunks)] if chunks > 1 else [body]
    sent: list[bytes] = []

    async def receive() -> Message:
        piece = pieces[len(sent)] if len(sent) < len(pieces) else b""
        sent.append(piece)
        return {"type": "http.request", "body": piece, "more_body": len(sent) < len(pieces)}

    length = str(len(body)) if declared is None else declared
    raw = length.encode("latin-1") if all(ord(c) < 256 for c in length) else length.encode("utf-8")
    scope = {"type": "http", "method": "PUT", "path": "/", "query_string": b"",
             "headers": [(b"content-length", raw)]}
    return Request(scope, receive)


def _read(body: bytes, declared: str | None = None, allow_empty: bool = False) -> dict[str, Any] | None:
    try:
        result = asyncio.run(read_json_object(_request(body, declared), LIMIT, allow_empty))
    except (BadJson, BodyTooLarge):
        return None
    assert isinstance(result, dict)
    json.dumps(result, ensure_ascii=False).encode("utf-8")  # what the services store and echo
    return result


@given(json_bodies(), st.booleans())
def test_any_body_is_an_object_or_bad_json(body: bytes, allow_empty: bool) -> None:
    _read(body, allow_empty=allow_empty)


@given(st.binary(max_size=64), st.sampled_from(["", "-1", "abc", "99999999999999999999", "1e3", "٣", "²", " 5", "0"]))
def test_any_declared_length(body: bytes, declared: str) -> None:
    _read(body, declared)


@given(st.binary(min_size=LIMIT + 1, max_size=LIMIT + 64))
def test_oversized_bodies_are_refused_before_parsing(body: bytes) -> None:
    with pytest.raises(BodyTooLarge):
        asyncio.run(read_json_object(_request(body, declared="0"), LIMIT))


@given(st.binary(max_size=200))
def test_any_form_body(body: bytes) -> None:
    try:
        form = asyncio.run(read_form(_request(body), LIMIT))
    except BodyTooLarge:
        return
    assert all(isinstance(k, str) and isinstance(v, str) for k, v in form.items())


def test_deep_json_is_bad_json() -> None:
    with pytest.raises(BadJson):
        asyncio.run(read_json_object(_request(DEEP_ARRAY), len(DEEP_ARRAY) + 1))


@pytest.mark.parametrize("body", LONE_SURROGATES)
def test_lone_surrogates_are_bad_json(body: bytes) -> None:
    assert _read(body) is None
