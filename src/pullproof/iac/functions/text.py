"""String, encoding, hashing and date functions."""

from __future__ import annotations

import base64
import binascii
from typing import Any
from urllib.parse import quote, unquote, urljoin

from pullproof.core import jsonbody
from pullproof.iac import dates, hashes
from pullproof.iac.context import Phase
from pullproof.iac.functions.base import Invocation, Spec, spec
from pullproof.iac.netformat import FormatError, composite
from pullproof.iac.values import is_int, to_text

PARAMETER_ONLY = frozenset({Phase.PARAMETER})


def _format(call: Invocation) -> str:
    try:
        return composite(call.text(0), call.args[1:], call.frame.budget.limits.value_size)
    except FormatError as exc:
        raise call.fail(str(exc)) from None


def _strings(call: Invocation) -> list[str]:
    return [call.text(i) for i in range(len(call.args))]


def _substring(call: Invocation) -> str:
    text, start = call.text(0), call.integer(1)
    length = call.integer(2) if len(call.args) > 2 else len(text) - start
    if start < 0 or length < 0 or start + length > len(text):
        raise call.fail("The index and length parameters must refer to a location within the string.")
    return text[start : start + length]


def _pad_left(call: Invocation) -> str:
    value = call.args[0]
    if not (isinstance(value, str) or is_int(value)):
        call.text(0)
    width = call.integer(1)
    pad = call.text(2) if len(call.args) > 2 else " "
    if len(pad) != 1:
        raise call.fail("the padding character must be a single character.")
    call.room(width)
    return to_text(value).rjust(width, pad)


def _replace(call: Invocation) -> str:
    text, old, new = call.text(0), call.text(1), call.text(2)
    if not old:
        return text
    call.room(len(text) + text.count(old) * (len(new) - len(old)))
    return text.replace(old, new)


def _split(call: Invocation) -> list[str]:
    text, delimiter = call.text(0), call.args[1]
    delimiters = [delimiter] if isinstance(delimiter, str) else call.array(1)
    parts = [text]
    for item in delimiters:
        parts = [piece for part in parts for piece in part.split(str(item))] if item else parts
    return parts


def _b64decode(call: Invocation) -> str:
    try:
        return base64.b64decode(call.text(0), validate=True).decode("utf-8")
    except (binascii.Error, UnicodeDecodeError):
        raise call.fail("the value is not valid base64.") from None


def _base64_to_json(call: Invocation) -> Any:
    text = _b64decode(call)
    try:
        return jsonbody.loads(text)
    except jsonbody.JsonBodyError:
        raise call.fail("the decoded value is not valid JSON.") from None


def _data_uri_to_string(call: Invocation) -> str:
    text = call.text(0)
    head, _, data = text.partition(",")
    if not head.startswith("data:"):
        raise call.fail(f"the value '{text}' is not a data URI.")
    if head.endswith(";base64"):
        return base64.b64decode(data).decode("utf-8")
    return unquote(data)


def _utc_now(call: Invocation) -> str:
    from datetime import UTC, datetime

    moment = datetime.fromtimestamp(call.frame.runtime.now(), UTC)
    return dates.format_datetime(moment, call.text(0) if call.args else dates.DEFAULT_UTCNOW)


def _date_call(call: Invocation) -> Any:
    try:
        if call.name == "dateTimeAdd":
            moment = dates.add_duration(dates.parse_datetime(call.text(0)), call.text(1))
            return dates.format_datetime(moment, call.text(2)) if len(call.args) > 2 else dates.iso(moment)
        if call.name == "dateTimeFromEpoch":
            return dates.iso(dates.from_epoch(call.integer(0)))
        return dates.to_epoch(call.text(0))
    except (dates.DateError, ValueError, OverflowError) as exc:
        raise call.fail(str(exc)) from None


SPECS: tuple[Spec, ...] = (
    spec("format", _format, 1, None),
    spec("guid", lambda c: hashes.guid(*_strings(c)), 1, None),
    spec("uniqueString", lambda c: hashes.unique_string(*_strings(c)), 1, None),
    spec("newGuid", lambda c: c.frame.runtime.new_guid(), 0, phases=PARAMETER_ONLY),
    spec("utcNow", _utc_now, 0, 1, phases=PARAMETER_ONLY),
    spec("toLower", lambda c: c.text(0).lower(), 1),
    spec("toUpper", lambda c: c.text(0).upper(), 1),
    spec("trim", lambda c: c.text(0).strip(), 1),
    spec("startsWith", lambda c: c.text(0).lower().startswith(c.text(1).lower()), 2),
    spec("endsWith", lambda c: c.text(0).lower().endswith(c.text(1).lower()), 2),
    spec("replace", _replace, 3),
    spec("split", _split, 2),
    spec("substring", _substring, 2, 3),
    spec("padLeft", _pad_left, 2, 3),
    spec("base64", lambda c: base64.b64encode(c.text(0).encode("utf-8")).decode("ascii"), 1),
    spec("base64ToString", _b64decode, 1),
    spec("base64ToJson", _base64_to_json, 1),
    spec("dataUri", lambda c: "data:text/plain;charset=utf8;base64,"
         + base64.b64encode(to_text(c.args[0]).encode("utf-8")).decode("ascii"), 1),
    spec("dataUriToString", _data_uri_to_string, 1),
    spec("uri", lambda c: urljoin(c.text(0), c.text(1)), 2),
    spec("uriComponent", lambda c: quote(c.text(0), safe="-_.~"), 1),
    spec("uriComponentToString", lambda c: unquote(c.text(0)), 1),
    spec("dateTimeAdd", _date_call, 2, 3),
    spec("dateTimeFromEpoch", _date_call, 1),
    spec("dateTimeToEpoch", _date_call, 1),
)
