""".NET composite formatting as ARM's ``format()`` does it (invariant/en-US culture).

``{index[,alignment][:format]}`` with ``{{``/``}}`` escapes; numeric format strings N, D, X, F, P,
G and all-zero custom patterns; booleans render ``True``/``False``, objects and arrays as compact
JSON with single quotes.
"""

from __future__ import annotations

import re
from typing import Any

from pullproof.iac.values import is_int, to_text


class FormatError(ValueError):
    """The format string is malformed or names a missing argument (the .NET message)."""


BAD_FORMAT = "Input string was not in a correct format."
DIGITS = re.compile(r"^[0-9]+$")
MAX_PRECISION = 99  # .NET Framework's precision specifier range is 0 to 99
MAX_WIDTH = 1_000_000  # .NET's composite formatting refuses an alignment of a million or more
BAD_INDEX = "Index (zero based) must be greater than or equal to zero and less than the size of the argument list."
TOO_LONG = "The formatted string is longer than '{limit}' characters."


def composite(fmt: str, args: list[Any], limit: int | None = None) -> str:
    """``fmt`` with its items replaced; a result over ``limit`` characters is refused as it grows."""
    out: list[str] = []
    i, n, size = 0, len(fmt), 0
    while i < n:
        if limit is not None and size > limit:
            raise FormatError(TOO_LONG.format(limit=limit))
        ch = fmt[i]
        if ch == "}":
            if fmt[i + 1 : i + 2] != "}":
                raise FormatError(BAD_FORMAT)
            out.append("}")
            i += 2
        elif ch == "{":
            if fmt[i + 1 : i + 2] == "{":
                out.append("{")
                i += 2
                continue
            end = fmt.find("}", i)
            if end < 0:
                raise FormatError(BAD_FORMAT)
            out.append(_item(fmt[i + 1 : end], args))
            size += len(out[-1])
            i = end + 1
        else:
            out.append(ch)
            i += 1
    if limit is not None and size > limit:
        raise FormatError(TOO_LONG.format(limit=limit))
    return "".join(out)


def _item(spec: str, args: list[Any]) -> str:
    head, _, number_format = spec.partition(":")
    index_text, _, align_text = head.partition(",")
    if not DIGITS.match(index_text.strip()):
        raise FormatError(BAD_FORMAT)
    index = int(index_text)
    if index >= len(args):
        raise FormatError(BAD_INDEX)
    text = format_value(args[index], number_format)
    if align_text.strip():
        try:
            width = int(align_text)
        except ValueError:
            raise FormatError(BAD_FORMAT) from None
        if abs(width) >= MAX_WIDTH:
            raise FormatError(BAD_FORMAT)
        text = text.rjust(width) if width > 0 else text.ljust(-width)
    return text


def format_value(value: Any, number_format: str = "") -> str:
    if number_format and (is_int(value) or isinstance(value, float)):
        return format_number(value, number_format)
    return to_text(value, nested_quote="'")


def format_number(value: int | float, spec: str) -> str:
    kind, digits_text = spec[0], spec[1:]
    if set(spec) == {"0"}:
        return f"{int(value):0{len(spec)}d}" if value >= 0 else "-" + f"{-int(value):0{len(spec)}d}"
    if digits_text and not DIGITS.match(digits_text):
        raise FormatError(BAD_FORMAT)
    digits = int(digits_text) if digits_text else None
    if digits is not None and digits > MAX_PRECISION:
        raise FormatError(BAD_FORMAT)
    upper = kind.upper()
    if upper == "N":
        return f"{value:,.{2 if digits is None else digits}f}"
    if upper == "F":
        return f"{value:.{2 if digits is None else digits}f}"
    if upper == "D" and is_int(value):
        sign, magnitude = ("-", -int(value)) if value < 0 else ("", int(value))
        return sign + str(magnitude).zfill(digits or 0)
    if upper == "X" and is_int(value):
        text = format(int(value) & (0xFFFFFFFFFFFFFFFF if value < 0 else -1), "X" if kind == "X" else "x")
        return text.zfill(digits or 0)
    if upper == "P":
        return f"{value * 100:,.{2 if digits is None else digits}f} %"
    if upper == "G":
        return str(value)
    raise FormatError(BAD_FORMAT)
