"""ARM's deterministic names: ``guid()`` (UUID v5) and ``uniqueString()`` (MurmurHash64, base32).

Both join their arguments with ``-`` and hash the UTF-8 bytes, so ``guid('a','b') == guid('a-b')``.
The template hash reported by deployments is the same 64-bit hash over the canonical template JSON.
"""

from __future__ import annotations

import json
from typing import Any

from pullproof.iac.names import arm_guid

MASK = 0xFFFFFFFF
C1, C2 = 0x239B961B, 0xAB0E9789
ALPHABET = "abcdefghijklmnopqrstuvwxyz234567"


def guid(*parts: str) -> str:
    """``guid(a, b, …)``: lower-case UUID v5 in ARM's namespace."""
    return arm_guid(*parts)


def _rotl(x: int, r: int) -> int:
    return ((x << r) | (x >> (32 - r))) & MASK


def _fmix(h: int) -> int:
    h ^= h >> 16
    h = (h * 0x85EBCA6B) & MASK
    h ^= h >> 13
    h = (h * 0xC2B2AE35) & MASK
    return h ^ (h >> 16)


def _lane1(k: int) -> int:
    return (_rotl((k * C1) & MASK, 15) * C2) & MASK


def _lane2(k: int) -> int:
    return (_rotl((k * C2) & MASK, 17) * C1) & MASK


def murmur64(data: bytes) -> int:
    """Microsoft's 64-bit MurmurHash (two lanes of MurmurHash3 x86-128, seed 0), unsigned arithmetic."""
    n, h1, h2, i = len(data), 0, 0, 0
    while i + 7 < n:
        h1 ^= _lane1(int.from_bytes(data[i : i + 4], "little"))
        h1 = ((_rotl(h1, 19) + h2) * 5 + 0x561CCD1B) & MASK
        h2 ^= _lane2(int.from_bytes(data[i + 4 : i + 8], "little"))
        h2 = ((_rotl(h2, 13) + h1) * 5 + 0x0BCAA747) & MASK
        i += 8
    tail = n - i
    if tail:
        h1 ^= _lane1(int.from_bytes(data[i : i + min(tail, 4)], "little"))
        if tail > 4:
            h2 ^= _lane2(int.from_bytes(data[i + 4 : n], "little"))
    h1 ^= n
    h2 ^= n
    h1 = (h1 + h2) & MASK
    h2 = (h2 + h1) & MASK
    h1, h2 = _fmix(h1), _fmix(h2)
    h1 = (h1 + h2) & MASK
    h2 = (h2 + h1) & MASK
    return (h2 << 32) | h1


def unique_string(*parts: str) -> str:
    """``uniqueString(a, b, …)``: 13 characters of base32 over the 64-bit hash, most significant first."""
    value = murmur64("-".join(parts).encode("utf-8"))
    out = []
    for _ in range(13):
        out.append(ALPHABET[value >> 59])
        value = (value << 5) & 0xFFFFFFFFFFFFFFFF
    return "".join(out)


def template_hash(template: Any) -> str:
    """A stable decimal hash of a template (ARM reports ``templateHash`` as a 64-bit decimal string)."""
    text = json.dumps(template, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return str(murmur64(text.encode("utf-8")))
