"""Go's formatting of values in API server messages: ``%q`` (``strconv.Quote``), ``strconv.ParseUint``
errors, field-error texts (``path: Invalid value: "x": detail``) and error aggregates."""

from __future__ import annotations

import re

ESCAPES = {"\a": "\\a", "\b": "\\b", "\f": "\\f", "\n": "\\n", "\r": "\\r", "\t": "\\t", "\v": "\\v",
           "\\": "\\\\", '"': '\\"'}
UINT_RE = re.compile(r"[0-9]+")
MAX_UINT64 = (1 << 64) - 1


def quote(text: str) -> str:
    """``strconv.Quote``: printable characters as they are, the rest escaped."""
    out = []
    for ch in text:
        code = ord(ch)
        if ch in ESCAPES:
            out.append(ESCAPES[ch])
        elif ch.isprintable():
            out.append(ch)
        elif code < 0x80:
            out.append(f"\\x{code:02x}")
        elif code < 0x10000:
            out.append(f"\\u{code:04x}")
        else:
            out.append(f"\\U{code:08x}")
    return '"' + "".join(out) + '"'


def parse_uint(text: str) -> tuple[int | None, str]:
    """``strconv.ParseUint(text, 10, 64)``: the value, or None and Go's error text."""
    if not UINT_RE.fullmatch(text):
        return None, f"strconv.ParseUint: parsing {quote(text)}: invalid syntax"
    value = int(text)
    if value > MAX_UINT64:
        return None, f"strconv.ParseUint: parsing {quote(text)}: value out of range"
    return value, ""


def invalid(path: str, value: str, detail: str) -> str:
    """A ``field.Invalid`` error's text for a string value."""
    return f"{path}: Invalid value: {quote(value)}: {detail}"


def aggregate(messages: list[str]) -> str:
    """``utilerrors.NewAggregate(...).Error()``: one message alone, several de-duplicated in brackets."""
    unique = list(dict.fromkeys(messages))
    return unique[0] if len(unique) == 1 else "[" + ", ".join(unique) + "]"
