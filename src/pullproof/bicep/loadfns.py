"""Compile-time ``load*`` functions: the file's content becomes a literal in the template.

Paths are relative to the Bicep file that calls the function, as in Bicep.
"""

from __future__ import annotations

import base64
import json
from typing import Any

from . import ast as A
from .armexpr import ArmExpr, Fn, lit
from .context import ConvertContext

ENCODINGS = {
    "utf-8": "utf-8", "utf-16": "utf-16", "utf-16BE": "utf-16-be", "us-ascii": "ascii", "iso-8859-1": "latin-1",
}


def _literal_arg(conv: ConvertContext, e: A.Call, i: int) -> str:
    arg = e.args[i]
    if not isinstance(arg, A.Str):
        raise conv.error(f"argument {i + 1} of '{e.name}' must be a string literal", arg)
    return arg.value


def _read(conv: ConvertContext, e: A.Call) -> bytes:
    relative = _literal_arg(conv, e, 0)
    path = conv.model.path.parent / relative
    try:
        return path.read_bytes()
    except OSError as exc:
        raise conv.error(f"could not read '{relative}' for {e.name}(): {exc.strerror or exc}", e.args[0]) from None


def load_function(conv: ConvertContext, e: A.Call) -> ArmExpr:
    return json_to_arm(load_value(conv, e))


def load_value(conv: ConvertContext, e: A.Call) -> Any:
    """The compile-time value of a ``load*`` call, as JSON data."""
    data = _read(conv, e)
    if e.name == "loadFileAsBase64":
        return base64.b64encode(data).decode("ascii")
    encoding = _literal_arg(conv, e, 2 if e.name == "loadJsonContent" else 1) if len(e.args) > (
        2 if e.name == "loadJsonContent" else 1) else "utf-8"
    if encoding not in ENCODINGS:
        raise conv.error(f"unsupported encoding '{encoding}'", e)
    text = data.decode(ENCODINGS[encoding]).lstrip("\ufeff")
    if e.name == "loadTextContent":
        return text
    try:
        value = json.loads(text)
    except ValueError as exc:
        raise conv.error(f"loadJsonContent(): the file is not valid JSON ({exc})", e) from None
    if len(e.args) > 1:
        raise conv.error("loadJsonContent() with a JSONPath argument is not supported by pullproof's compiler", e)
    return value


def json_to_arm(value: Any) -> ArmExpr:
    if isinstance(value, bool):
        return Fn("true" if value else "false")
    if value is None:
        return Fn("null")
    if isinstance(value, int):
        return lit(value)
    if isinstance(value, str):
        return lit(value)
    if isinstance(value, list):
        return Fn("createArray", tuple(json_to_arm(v) for v in value))
    if isinstance(value, dict):
        return Fn("createObject", tuple(x for k, v in value.items() for x in (lit(k), json_to_arm(v))))
    return Fn("json", (lit(json.dumps(value)),))
