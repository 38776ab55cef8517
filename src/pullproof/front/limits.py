"""The time and size limits every listener applies, taken from ``Settings`` (where each figure's origin is
written), and the check of a request head that is still arriving."""

from __future__ import annotations

import re
from dataclasses import dataclass, fields
from enum import Enum

from pullproof.settings import Settings

_BLANK_LINE = re.compile(rb"\n\r?\n")  # the end of a head, as h11 finds it


@dataclass(frozen=True)
class Limits:
    header_timeout: float
    body_timeout: float
    send_timeout: float
    keep_alive_timeout: float
    lingering_time: float
    tunnel_idle_timeout: float
    max_tunnels: int
    max_header_bytes: int
    max_url_bytes: int
    max_body_bytes: int

    @classmethod
    def of(cls, settings: Settings) -> Limits:
        """The settings of the same names."""
        return cls(**{item.name: getattr(settings, item.name) for item in fields(cls)})


class Excess(Enum):
    URL = "url"
    HEAD = "head"


def head_excess(buffered: bytes, limits: Limits) -> Excess | None:
    """Whether the head received so far (complete or not) already breaks a limit: a request target
    longer than ``max_url_bytes`` (checked first, so a long URL gets its own answer), or a request line
    plus headers longer than ``max_header_bytes``."""
    end = buffered.find(b"\n")
    line = buffered if end < 0 else buffered[:end]
    parts = line.split(b" ", 2)
    if len(parts) > 1 and len(parts[1]) > limits.max_url_bytes:
        return Excess.URL
    blank = _BLANK_LINE.search(buffered)
    size = blank.end() if blank else len(buffered)
    return Excess.HEAD if size > limits.max_header_bytes else None
