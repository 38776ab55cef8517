"""Ages as kubectl prints them: apimachinery's ``duration.HumanDuration`` and
``translateTimestampSince`` against the injected clock's now."""

from __future__ import annotations

from pullproof.core.clock import parse_time


def human_duration(seconds: float) -> str:
    """apimachinery ``duration.HumanDuration`` (``d`` in seconds)."""
    whole = int(seconds)
    if whole < -1:
        return "<invalid>"
    if whole < 0:
        return "0s"
    if whole < 120:
        return f"{whole}s"
    minutes = whole // 60
    if minutes < 10:
        rest = whole % 60
        return f"{minutes}m" if rest == 0 else f"{minutes}m{rest}s"
    if minutes < 180:
        return f"{minutes}m"
    hours = whole // 3600
    if hours < 8:
        rest = minutes % 60
        return f"{hours}h" if rest == 0 else f"{hours}h{rest}m"
    if hours < 48:
        return f"{hours}h"
    if hours < 24 * 8:
        rest = hours % 24
        return f"{hours // 24}d" if rest == 0 else f"{hours // 24}d{rest}h"
    if hours < 24 * 365 * 2:
        return f"{hours // 24}d"
    if hours < 24 * 365 * 8:
        days = (hours // 24) % 365
        return f"{hours // 24 // 365}y" if days == 0 else f"{hours // 24 // 365}y{days}d"
    return f"{hours // 24 // 365}y"


class Ages:
    """``translateTimestampSince`` against the injected clock's now."""

    def __init__(self, now: float) -> None:
        self.now = now

    def since(self, stamp: str | None) -> str:
        if not stamp:
            return "<unknown>"
        try:
            return human_duration(self.now - parse_time(stamp))
        except ValueError:
            return "<unknown>"

    def since_epoch(self, epoch: float) -> str:
        return human_duration(self.now - epoch)
