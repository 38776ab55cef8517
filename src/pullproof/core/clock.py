"""Injected time. Every timestamp the emulator writes or checks comes from a Clock."""

from __future__ import annotations

import threading
import time
from datetime import UTC, datetime
from typing import Protocol


class Clock(Protocol):
    """Source of the current time, in seconds since the epoch (UTC)."""

    def now(self) -> float:
        """Return the current emulated time."""
        ...

    @property
    def scale(self) -> float:
        """Emulated seconds per real second."""
        ...

    def real(self, epoch: float) -> float:
        """The wall-clock time at which emulated time reaches ``epoch`` (what real clients compare with)."""
        ...


class SystemClock:
    """Wall-clock time, optionally sped up by ``scale``.

    Emulated time is ``emulated_origin + (wall - real_origin) * scale``; both origins default to the moment of
    construction. A data dir keeps its origins so that restarts and other processes share one timeline.
    """

    def __init__(self, scale: float = 1.0, real_origin: float | None = None,
                 emulated_origin: float | None = None) -> None:
        if scale <= 0:
            raise ValueError("time scale must be positive")
        self._scale = scale
        self._real_origin = time.time() if real_origin is None else real_origin
        self._emulated_origin = self._real_origin if emulated_origin is None else emulated_origin

    def now(self) -> float:
        return self._emulated_origin + (time.time() - self._real_origin) * self._scale

    @property
    def scale(self) -> float:
        return self._scale

    @property
    def origins(self) -> tuple[float, float]:
        """``(real_origin, emulated_origin)``: the wall time and the emulated time that correspond."""
        return self._real_origin, self._emulated_origin

    def real(self, epoch: float) -> float:
        return self._real_origin + (epoch - self._emulated_origin) / self._scale


class ManualClock:
    """A clock that moves only when told to; for tests and deterministic runs."""

    def __init__(self, start: float = 1_800_000_000.0) -> None:
        self._now = start
        self._lock = threading.Lock()

    def now(self) -> float:
        with self._lock:
            return self._now

    def advance(self, seconds: float) -> None:
        with self._lock:
            self._now += seconds

    @property
    def scale(self) -> float:
        return 1.0

    def real(self, epoch: float) -> float:
        return epoch


def real_seconds(clock: Clock, seconds: int) -> int:
    """A lifetime in emulated seconds, as real clients must count it (they cache tokens on wall time)."""
    return max(1, int(seconds / clock.scale))


def isoformat(epoch: float) -> str:
    """ARM style timestamp: ``2026-11-27T17:42:19.1234567Z``."""
    stamp = datetime.fromtimestamp(epoch, UTC)
    return stamp.strftime("%Y-%m-%dT%H:%M:%S.") + f"{stamp.microsecond:06d}0Z"


def graph_time(epoch: float) -> str:
    """Microsoft Graph style timestamp: ``2026-11-27T17:42:19Z``."""
    return datetime.fromtimestamp(epoch, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def parse_time(text: str) -> float:
    """Parse an ISO 8601 timestamp (with ``Z`` or an offset, up to 7 fractional digits)."""
    value = text.strip()
    if value.endswith("Z"):
        value = value[:-1] + "+00:00"
    if "." in value:
        head, _, rest = value.partition(".")
        digits = "".join(ch for ch in rest if ch.isdigit())
        zone = rest[len(digits) :]
        value = f"{head}.{digits[:6].ljust(6, '0')}{zone}"
    parsed = datetime.fromisoformat(value)
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)
    return parsed.timestamp()
