"""Strategies and helpers shared by the security campaign's property tests (``test_fuzz_*.py``).

The example counts come from the hypothesis profile loaded in ``tests/conftest.py`` (``--campaign``);
``budget`` scales them for tests whose examples cost an HTTP request rather than a parser call.
"""

from __future__ import annotations

import json
from typing import Any

from hypothesis import settings
from hypothesis import strategies as st

# JSON bodies that break parsers: deep nesting and lone surrogates (their own guards), huge numbers, odd bytes
DEEP_ARRAY = b"[" * 100_000
LONE_SURROGATES = [b'{"name": "\\ud800"}', b'{"a": ["\\udfff\\ud800"]}', b'{"\\udc80": 1}']
NASTY_JSON = [
    b"", b" ", b"null", b"[]", b"{}", b'"x"', b"1e999999", b"-0", b"1" * 5000, b'{"a":1,"a":2}', b"\xef\xbb\xbf{}",
    b"\xff\xfe{", b"{\"a\":", b"[" * 200 + b"]" * 200, b'{"a":' * 200 + b"1" + b"}" * 200, b"NaN", b"Infinity",
    b'{"\\u0000":"\\u0000"}', b"\x00", b'{"a":"\xc3\x28"}', b'"\\ud83d\\ude00"',
]


def budget(share: float, least: int = 5) -> settings:
    """Settings for a test whose examples are expensive: ``share`` of the profile's example count."""
    current = settings.default
    assert current is not None
    return settings(max_examples=max(least, round(current.max_examples * share)))


def json_values(leaves: st.SearchStrategy[Any] | None = None) -> st.SearchStrategy[Any]:
    scalars = leaves or (st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False, allow_infinity=False)
                         | st.text(max_size=20))
    return st.recursive(scalars, lambda inner: st.lists(inner, max_size=4)
                        | st.dictionaries(st.text(max_size=10), inner, max_size=4), max_leaves=12)


@st.composite
def mutated(draw: st.DrawFn, seed: bytes) -> bytes:
    """``seed`` with a few byte-level edits: flips, deletions, insertions, duplications, truncation."""
    data = bytearray(seed)
    for _ in range(draw(st.integers(1, 4))):
        op = draw(st.sampled_from(["flip", "delete", "insert", "duplicate", "truncate", "interesting"]))
        where = draw(st.integers(0, max(len(data) - 1, 0)))
        if op == "flip" and data:
            data[where] ^= 1 << draw(st.integers(0, 7))
        elif op == "delete" and data:
            del data[where:where + draw(st.integers(1, 8))]
        elif op == "insert":
            data[where:where] = draw(st.binary(min_size=1, max_size=8))
        elif op == "duplicate" and data:
            data[where:where] = data[where:where + draw(st.integers(1, 32))]
        elif op == "truncate":
            del data[where:]
        else:
            data[where:where] = draw(st.sampled_from([b"\x00", b"\xff", b"\\u0041", b"[", b"{", b'"', b"'",
                                                      b"%", b"${", b"\n", b"\x80", b"99999999999999999999"]))
    return bytes(data)


def json_bodies() -> st.SearchStrategy[bytes]:
    """Request bodies: valid JSON of any shape, known-nasty inputs, and mutations of a valid object."""
    valid = json_values().map(lambda v: json.dumps(v).encode())
    seed = json.dumps({"location": "eastus", "properties": {"a": [1, "b", None]}, "tags": {"k": "v"}}).encode()
    return st.one_of(valid, st.sampled_from(NASTY_JSON), mutated(seed), st.binary(max_size=64))


# HTTP surfaces ------------------------------------------------------------------------------------------------
HEADER_VALUE = st.one_of(st.text(st.characters(min_codepoint=0x20, max_codepoint=0xFF), max_size=40),
                         st.sampled_from(["", " ", "Bearer", "Bearer ", "Basic !!!", "Bearer a.b.c", "²", "-1",
                                          "bytes=0-", "bytes 0-0/1", "application/json; charset=utf-8", "*/*",
                                          "99999999999999999999", "null"]))
FUZZ_HEADERS = st.dictionaries(st.sampled_from(["Authorization", "Content-Type", "Accept", "Range", "Content-Range",
                                                "Metadata", "X-IDENTITY-HEADER", "Proxy-Authorization",
                                                "client-request-id", "If-Match", "Accept-Encoding", "X-Forwarded-For"]),
                               HEADER_VALUE, max_size=3)
LATIN1_HEADERS = FUZZ_HEADERS.map(lambda h: {k: v.encode("latin-1") for k, v in h.items()})
METHODS = st.sampled_from(["GET", "PUT", "POST", "PATCH", "DELETE", "HEAD", "OPTIONS"])


def _json(response: Any) -> Any:
    try:
        return response.json()
    except ValueError:
        raise AssertionError(f"{response.status_code} is not JSON: {response.text[:200]!r}") from None


def routing_text(response: Any) -> bool:
    """Starlette's own 404/405 for a path or method a host does not route (Go's mux says the same in text)."""
    return response.status_code in (404, 405) and response.headers.get("content-type", "").startswith("text/plain")


def arm_error(response: Any) -> None:
    body = _json(response)
    assert isinstance(body.get("error"), dict) and {"code", "message"} <= set(body["error"]), body


def oauth_error(response: Any) -> None:
    body = _json(response)
    assert isinstance(body.get("error"), str) and isinstance(body.get("error_description"), str), body


def oci_error(response: Any, method: str) -> None:
    if method == "HEAD":
        assert not response.content
        return
    body = _json(response)
    assert body["errors"] and all({"code", "message"} <= set(e) for e in body["errors"]), body


def kube_status(response: Any) -> None:
    body = _json(response)
    assert body.get("kind") == "Status" and body.get("code") == response.status_code, body


def no_server_error(response: Any) -> None:
    assert response.status_code < 500, f"{response.status_code}: {response.text[:500]}"
