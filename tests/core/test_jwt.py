from __future__ import annotations

import base64
import json
from pathlib import Path

import jwt as pyjwt
import pytest

from pullproof.core.clock import ManualClock
from pullproof.core.jwt import TokenCodec, TokenRejected
from pullproof.core.keys import KeyRing
from pullproof.core.reasons import Reason
from pullproof.core.sealing import Sealer
from pullproof.db.engine import Database

AUD, ISS = "https://management.core.windows.net/", "https://sts.windows.net/t/"


@pytest.fixture
def codec(tmp_path: Path) -> TokenCodec:
    return TokenCodec(KeyRing(Database(tmp_path / "db"), ManualClock(), Sealer(tmp_path / "seal.key")))


def _claims(now: float, **extra: object) -> dict[str, object]:
    return {"aud": AUD, "iss": ISS, "iat": int(now), "nbf": int(now), "exp": int(now) + 3599, **extra}


def _reason(codec: TokenCodec, token: str, now: float) -> Reason:
    with pytest.raises(TokenRejected) as caught:
        codec.verify(token, now, [AUD], [ISS])
    return caught.value.reason


def test_round_trip_with_kid_and_x5t(codec: TokenCodec) -> None:
    token = codec.sign(_claims(1000, oid="o"))
    header = pyjwt.get_unverified_header(token)
    assert header["alg"] == "RS256" and header["kid"] == codec.keys.current.kid
    assert header["x5t"] == codec.keys.current.x5t
    assert codec.verify(token, 1000, [AUD], [ISS])["oid"] == "o"


def test_each_failed_check_has_its_reason(codec: TokenCodec) -> None:
    assert _reason(codec, "not-a-jwt", 0) is Reason.TOKEN_MALFORMED
    assert _reason(codec, codec.sign(_claims(0)), 3599 + 301) is Reason.TOKEN_EXPIRED
    assert _reason(codec, codec.sign(_claims(1000)), 1000 - 301) is Reason.TOKEN_NOT_YET_VALID
    assert _reason(codec, codec.sign(_claims(0, aud="https://graph.microsoft.com")), 0) is Reason.TOKEN_WRONG_AUDIENCE
    assert _reason(codec, codec.sign(_claims(0, iss="https://sts.windows.net/other/")), 0) is Reason.TOKEN_WRONG_ISSUER


def test_tampered_and_unsigned_tokens_are_rejected(codec: TokenCodec) -> None:
    token = codec.sign(_claims(0, oid="a"))
    head, payload, sig = token.split(".")
    forged = json.loads(base64.urlsafe_b64decode(payload + "=="))
    forged["oid"] = "admin"
    forged_payload = base64.urlsafe_b64encode(json.dumps(forged).encode()).rstrip(b"=").decode()
    assert _reason(codec, f"{head}.{forged_payload}.{sig}", 0) is Reason.TOKEN_BAD_SIGNATURE
    none_head = base64.urlsafe_b64encode(json.dumps({"alg": "none", "typ": "JWT"}).encode()).rstrip(b"=").decode()
    assert _reason(codec, f"{none_head}.{payload}.", 0) is Reason.TOKEN_BAD_SIGNATURE
    flipped = sig[:-2] + ("A" if sig[-2] != "A" else "B") + sig[-1]
    assert _reason(codec, f"{head}.{payload}.{flipped}", 0) is Reason.TOKEN_BAD_SIGNATURE


def test_older_keys_still_verify_after_rotation(codec: TokenCodec) -> None:
    old = codec.sign(_claims(0))
    codec.keys.rotate()
    assert codec.verify(old, 0, [AUD], [ISS])["aud"] == AUD
    assert len(codec.keys.jwks()["keys"]) == 2  # type: ignore[arg-type]
