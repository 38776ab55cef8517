"""Fuzzing the JWT codec: any text, mutated real tokens and signed odd claims either verify or raise
``TokenRejected`` with a reason, never another exception."""

from __future__ import annotations

import base64
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import jwt as pyjwt
import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from pullproof.core.clock import ManualClock
from pullproof.core.jwt import TokenCodec, TokenRejected
from pullproof.core.keys import KeyRing
from pullproof.core.sealing import Sealer
from pullproof.db.engine import Database
from tests.fuzzing import json_values, mutated

AUDIENCES = ("https://management.azure.com/", "https://management.azure.com")
ISSUERS = ("https://sts.windows.net/t/",)
NOW = 1_700_000_000.0


@pytest.fixture(scope="module")
def codec(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TokenCodec]:
    root = Path(tmp_path_factory.mktemp("jwt"))
    db = Database(root / "pullproof.db")
    yield TokenCodec(KeyRing(db, ManualClock(NOW), Sealer(root / "seal.key")))
    db.close()


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _valid(codec: TokenCodec, **extra: Any) -> str:
    return codec.sign({"aud": AUDIENCES[0], "iss": ISSUERS[0], "exp": NOW + 3600, "nbf": NOW - 10, **extra})


def _verify(codec: TokenCodec, token: str) -> None:
    try:
        codec.verify(token, NOW, AUDIENCES, ISSUERS)
    except TokenRejected as exc:
        assert exc.reason.value and isinstance(exc.detail, str)


@given(st.text(max_size=300))
@example("..")
@example("a.b.c")
@example("e30.e30.")
@example("eyJhbGciOiJub25lIn0.e30.")
def test_any_text_is_rejected_with_a_reason(codec: TokenCodec, token: str) -> None:
    _verify(codec, token)


@given(st.data())
def test_mutated_tokens_verify_or_are_rejected(codec: TokenCodec, data: st.DataObject) -> None:
    token = _valid(codec, oid="o")
    mangled = data.draw(mutated(token.encode())).decode("latin-1")
    _verify(codec, mangled)


@given(json_values(), json_values())
def test_forged_headers_and_payloads_are_rejected(codec: TokenCodec, header: Any, payload: Any) -> None:
    """Unsigned segments of any JSON shape (the header need not be an object, ``kid`` any type)."""
    token = f"{_b64(json.dumps(header).encode())}.{_b64(json.dumps(payload).encode())}.{_b64(b'sig')}"
    _verify(codec, token)


@given(st.dictionaries(st.text(max_size=8), st.none() | st.text(max_size=8) | st.integers() | st.booleans(),
                       max_size=4), st.booleans())
def test_forged_header_with_a_known_kid(codec: TokenCodec, header: dict[str, Any], keep_alg: bool) -> None:
    """A header naming the ring's real key id over a payload signed by nobody."""
    forged = {**header, "kid": codec.keys.current.kid, **({"alg": "RS256"} if keep_alg else {})}
    token = f"{_b64(json.dumps(forged).encode())}.{_b64(b'{}')}.{_b64(b'x' * 256)}"
    with pytest.raises(TokenRejected):
        codec.verify(token, NOW, AUDIENCES, ISSUERS)


CLAIM = st.none() | st.booleans() | st.integers() | st.floats(allow_nan=True) | st.text(max_size=10) \
    | st.lists(st.text(max_size=5), max_size=3) | st.dictionaries(st.text(max_size=3), st.integers(), max_size=2)


@given(exp=CLAIM, nbf=CLAIM, iat=CLAIM, iss=CLAIM, aud=CLAIM)
def test_signed_tokens_with_odd_claim_types(codec: TokenCodec, exp: Any, nbf: Any, iat: Any, iss: Any,
                                            aud: Any) -> None:
    """Claims of any JSON type under a valid signature (lists for ``aud``/``iss``, NaN for ``exp``)."""
    key = codec.keys.current
    payload = json.dumps({"exp": exp, "nbf": nbf, "iat": iat, "iss": iss, "aud": aud}).encode()
    token = pyjwt.PyJWS().encode(payload, key.private_key, algorithm="RS256", headers={"kid": key.kid})
    _verify(codec, token)
    _verify(codec, _valid(codec, aud=aud))


@given(aud=CLAIM, iss=CLAIM)
@example(aud=["https://management.azure.com/"], iss=ISSUERS[0])
@example(aud=AUDIENCES[0], iss={"x": 1})
def test_any_collection_of_audiences_and_issuers(codec: TokenCodec, aud: Any, iss: Any) -> None:
    """``verify`` takes any collection (a set too): a list-valued ``aud`` or ``iss`` is a wrong one, not a crash."""
    key = codec.keys.current
    payload = json.dumps({"exp": NOW + 60, "iss": iss, "aud": aud}).encode()
    token = pyjwt.PyJWS().encode(payload, key.private_key, algorithm="RS256", headers={"kid": key.kid})
    try:
        codec.verify(token, NOW, frozenset(AUDIENCES), frozenset(ISSUERS))
    except TokenRejected as exc:
        assert exc.reason.value
