"""Kubernetes resource quantities (``500m``, ``1.5``, ``128Mi``, ``1e3``) as exact numbers."""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation
from functools import lru_cache

SUFFIXES: dict[str, Decimal | int] = {
    "": 1, "m": Decimal("0.001"), "k": 10**3, "M": 10**6, "G": 10**9, "T": 10**12, "P": 10**15, "E": 10**18,
            "Ki": 2**10, "Mi": 2**20, "Gi": 2**30, "Ti": 2**40, "Pi": 2**50, "Ei": 2**60}
QUANTITY = re.compile(r"([+-]?[0-9.]+(?:[eE][+-]?[0-9]+)?)([a-zA-Z]*)")


def quantity(text: object) -> Decimal:
    """The value of a quantity; a malformed one counts as 0 (the API server rejects them on admission)."""
    match = QUANTITY.fullmatch(str(text).strip())
    if match is None or match.group(2) not in SUFFIXES:
        return Decimal(0)
    try:
        return Decimal(match.group(1)) * Decimal(SUFFIXES[match.group(2)])
    except InvalidOperation:
        return Decimal(0)


def milli(text: object) -> int:
    """A quantity in thousandths, rounded up (how the scheduler counts CPU)."""
    return _milli(str(text))


def whole(text: object) -> int:
    """A quantity rounded up to a whole number (how the scheduler counts memory and pods)."""
    return _whole(str(text))


# a pure function of the text, called for every pod and node a scheduling pass compares: memoized
@lru_cache(maxsize=4096)
def _milli(text: str) -> int:
    return int((quantity(text) * 1000).to_integral_value(rounding="ROUND_CEILING"))


@lru_cache(maxsize=4096)
def _whole(text: str) -> int:
    return int(quantity(text).to_integral_value(rounding="ROUND_CEILING"))
