"""``intstr.IntOrString`` values as validation sees them (``ValidatePositiveIntOrPercent``,
``IsNotMoreThan100Percent`` of ``pkg/apis/apps/validation``) and as Go's ``%#v`` prints them."""

from __future__ import annotations

import json
import math
import re
from typing import Any

from pullproof.kube.apiserver.validation import Cause

PERCENT_RE = re.compile(r"^[0-9]+%$")
PERCENT_MSG = ("a valid percent string must be a numeric string followed by an ending '%' (e.g. '1%',  or '93%', "
               "regex used for validation is '[0-9]+%')")


def go(value: Any) -> str:
    if isinstance(value, str):
        return f"intstr.IntOrString{{Type:1, IntVal:0, StrVal:{json.dumps(value)}}}"
    return f"intstr.IntOrString{{Type:0, IntVal:{value}, StrVal:\"\"}}"


def causes(value: Any, field: str) -> list[Cause]:
    """Non-negative integer or a percent no more than 100%."""
    found: list[Cause] = []
    if isinstance(value, str):
        if not PERCENT_RE.match(value):
            found.append(Cause("FieldValueInvalid", field, f"Invalid value: {go(value)}: {PERCENT_MSG}"))
        elif int(value[:-1]) > 100:
            found.append(Cause("FieldValueInvalid", field,
                               f"Invalid value: {go(value)}: must not be greater than 100%"))
    elif isinstance(value, int) and value < 0:
        found.append(Cause("FieldValueInvalid", field, f"Invalid value: {value}: must be greater than or equal to 0"))
    return found


def scaled(value: Any, total: int, round_up: bool) -> int:
    """``intstr.GetScaledValueFromIntOrPercent``."""
    if isinstance(value, int):
        return value
    percent = int(str(value).rstrip("%") or 0)
    exact = percent * total / 100
    return math.ceil(exact) if round_up else math.floor(exact)
