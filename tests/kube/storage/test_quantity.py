"""Resource quantities as the scheduler counts them."""

from __future__ import annotations

import pytest

from pullproof.kube.storage.quantity import milli, whole


@pytest.mark.parametrize(("text", "millis", "units"), [
    ("500m", 500, 1), ("2", 2000, 2), ("1.5", 1500, 2), ("0.1", 100, 1), ("128Mi", 128 * 2**20 * 1000, 128 * 2**20),
    ("1G", 10**12, 10**9), ("1e3", 10**6, 1000), ("7097684Ki", 7097684 * 1024 * 1000, 7097684 * 1024),
    ("bad", 0, 0), ("5Xi", 0, 0)])
def test_quantities(text: str, millis: int, units: int) -> None:
    assert (milli(text), whole(text)) == (millis, units)
