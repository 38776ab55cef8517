"""Bounded JSON decoding for everything a client sends: request bodies, tokens, secrets.

``loads`` refuses, with a ``JsonBodyError``, what would otherwise surface as a 500 later:

- nesting deeper than ``MAX_DEPTH`` arrays/objects, measured without recursion *before* parsing
  (the standard decoder recurses once per level, and so does the code that later copies, merges or
  serialises the value);
- text that is not Unicode: bytes are decoded strictly (UTF-8, or the UTF-16/32 a JSON text may be
  in), and a ``\\uD800``-``\\uDFFF`` escape that is not half of a pair leaves a lone surrogate that no
  encoder accepts. ``surrogates="reject"`` refuses it; ``"replace"`` turns it into U+FFFD, as Go's
  ``encoding/json`` does (the Kubernetes API server and the registry are Go programs).

Each surface renders a ``JsonBodyError`` as its own 400; ``kind`` says which check failed.
"""

from __future__ import annotations

import json
import re
from array import array
from itertools import accumulate
from typing import Any, Literal

MAX_DEPTH = 128
Surrogates = Literal["reject", "replace"]
Kind = Literal["syntax", "encoding", "depth", "surrogate"]

_BRACKETS = b"[]{}"
_NOT_BRACKETS = bytes(b for b in range(256) if b not in _BRACKETS)
_SIGNS = bytes.maketrans(_BRACKETS, b"\x01\xff\x01\xff")
_STRING = re.compile(rb'"[^"]*"')
_SURROGATE_ESCAPE = re.compile(r"\\u[dD][89a-fA-F][0-9a-fA-F]{2}")
_LONE = re.compile("[\ud800-\udfff]")


class JsonBodyError(ValueError):
    """The text is not JSON pullproof accepts; ``detail`` is a neutral sentence, ``char`` the bracket
    that went one level too deep (for ``kind == "depth"``)."""

    def __init__(self, kind: Kind, detail: str, char: str = "") -> None:
        super().__init__(detail)
        self.kind = kind
        self.detail = detail
        self.char = char


def _running_depths(brackets: bytes) -> accumulate[int]:
    return accumulate(array("b", brackets.translate(_SIGNS)))


def _too_deep(data: bytes, limit: int) -> str | None:
    """The bracket that first nests deeper than ``limit`` outside strings, or None. Linear and
    recursion-free; cheap checks first (most bodies stop at the first or second)."""
    if data.count(b"[") + data.count(b"{") <= limit:
        return None
    if max(_running_depths(data.translate(None, _NOT_BRACKETS)), default=0) <= limit:
        return None  # even counting brackets inside strings it stays shallow enough
    # Escaped backslashes first, then escaped quotes: what is left between quotes is a string.
    unescaped = data.replace(b"\\\\", b"").replace(b'\\"', b"")
    outside = _STRING.sub(b"", unescaped).translate(None, _NOT_BRACKETS)
    if max(_running_depths(outside), default=0) <= limit:
        return None
    for index, depth in enumerate(_running_depths(outside)):
        if depth > limit:
            return chr(outside[index])
    return None  # pragma: no cover - the maximum above exceeded the limit


def check_depth(data: bytes | str, max_depth: int = MAX_DEPTH) -> None:
    """Raise ``JsonBodyError("depth")`` when arrays/objects nest deeper than ``max_depth``."""
    char = _too_deep(data.encode("utf-8", "surrogatepass") if isinstance(data, str) else data, max_depth)
    if char is not None:
        raise JsonBodyError("depth", f"The JSON nests deeper than {max_depth} levels.", char)


def _decode(data: bytes | str) -> tuple[str, bytes]:
    """The text, and its UTF-8 bytes for the depth scan (the body itself when it is UTF-8)."""
    if isinstance(data, str):
        return data, data.encode("utf-8", "surrogatepass")
    encoding = json.detect_encoding(data)
    try:
        text = data.decode(encoding)
    except UnicodeDecodeError as exc:
        raise JsonBodyError("encoding", str(exc)) from None
    return text, (data if encoding in ("utf-8", "utf-8-sig") else text.encode("utf-8"))


def _unpaired(value: Any, text: str, surrogates: Surrogates) -> Any:
    """``value`` without lone surrogates (they can only come from ``\\uD8xx``-style escapes)."""
    if not _SURROGATE_ESCAPE.search(text):
        return value
    dumped = json.dumps(value, ensure_ascii=False)
    lone = _LONE.search(dumped)
    if lone is None:
        return value
    if surrogates == "reject":
        raise JsonBodyError("surrogate", f"The string contains an unpaired surrogate \\u{ord(lone.group()):04x}.")
    return json.loads(_LONE.sub("\ufffd", dumped))


def loads(data: bytes | str, max_depth: int = MAX_DEPTH, surrogates: Surrogates = "reject") -> Any:
    """``json.loads`` with the checks above; every refusal is a ``JsonBodyError``."""
    text, raw = _decode(data)
    check_depth(raw, max_depth)
    try:
        value = json.loads(text)
    except ValueError as exc:  # a syntax error, or an integer past Python's digit limit
        raise JsonBodyError("syntax", str(exc)) from None
    return _unpaired(value, text, surrogates)
