"""CronJob schedules as the API server and the cronjob controller read them: the grammar of
``robfig/cron/v3``'s ``ParseStandard`` (five fields, names, ranges, steps, ``?``, the ``@`` descriptors
and ``@every``), with its error messages; the times themselves come from croniter, given only
expressions this grammar accepts."""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, tzinfo
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from croniter import CroniterBadDateError, croniter

MONTHS = {m: i + 1 for i, m in enumerate(("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct",
                                          "nov", "dec"))}
DAYS = {d: i for i, d in enumerate(("sun", "mon", "tue", "wed", "thu", "fri", "sat"))}
BOUNDS = ((0, 59, None), (0, 23, None), (1, 31, None), (1, 12, MONTHS), (0, 6, DAYS))
DESCRIPTORS = {"@yearly": "0 0 1 1 *", "@annually": "0 0 1 1 *", "@monthly": "0 0 1 * *", "@weekly": "0 0 * * 0",
               "@daily": "0 0 * * *", "@midnight": "0 0 * * *", "@hourly": "0 * * * *"}
PART_RE = re.compile(r"(\d+(?:\.\d*)?|\.\d+)(ns|us|µs|ms|s|m|h)")
DURATION_RE = re.compile(r"(?:(?:\d+(?:\.\d*)?|\.\d+)(?:ns|us|µs|ms|s|m|h))+")
UNITS = {"ns": 1e-9, "us": 1e-6, "µs": 1e-6, "ms": 1e-3, "s": 1.0, "m": 60.0, "h": 3600.0}


class CronError(ValueError):
    """The parser's message, as the API server shows it after ``Invalid value: "<schedule>": ``."""


@dataclass(frozen=True)
class Schedule:
    expression: str
    """Five fields croniter reads ("" for ``@every``)."""
    every: float = 0.0
    """``@every``'s period in whole seconds (robfig rounds it down to a second, at least one)."""
    zone: tzinfo = UTC

    def next(self, after: float) -> float:
        """The first activation strictly after ``after`` (epoch seconds), as ``Schedule.Next`` gives it."""
        if self.every:
            return float(int(after)) + self.every
        start = datetime.fromtimestamp(int(after), self.zone)
        try:
            found = croniter(self.expression, start, max_years_between_matches=5).get_next(datetime)
        except CroniterBadDateError:  # robfig gives up after five years too (the zero time)
            return math.inf
        return float(found.timestamp())


def zone(name: str | None) -> tzinfo:
    """The IANA zone (UTC when unset); ``ZoneInfoNotFoundError`` when unknown."""
    if not name:
        return UTC
    if name == "UTC":
        return UTC
    return ZoneInfo(name)


def parse(spec: str, time_zone: str | None = None) -> Schedule:
    """``cron.ParseStandard`` (raises ``CronError`` with its message); ``time_zone`` is ``spec.timeZone``."""
    if not spec:
        raise CronError("empty spec string")
    where = zone(time_zone)
    if spec.startswith(("TZ=", "CRON_TZ=")):
        space, equals = spec.find(" "), spec.find("=")
        name = spec[equals + 1: space] if space >= 0 else spec[equals + 1:]
        try:
            where = zone(name)
        except (ZoneInfoNotFoundError, ValueError):
            raise CronError(f"provided bad location {name}: unknown time zone {name}") from None
        spec = spec[space:].strip() if space >= 0 else ""
    if spec.startswith("@"):
        return _descriptor(spec, where)
    fields = spec.split()
    if len(fields) != 5:
        raise CronError(f"expected exactly 5 fields, found {len(fields)}: [{' '.join(fields)}]")
    return Schedule(" ".join(_field(text, *bounds) for text, bounds in zip(fields, BOUNDS, strict=True)),
                    zone=where)


def _field(text: str, low: int, high: int, names: dict[str, int] | None) -> str:
    """robfig's ``getField``, written back for croniter as ``*`` (the star bit: it decides how
    day-of-month and day-of-week combine) or the explicit values."""
    values: set[int] = set()
    star = False
    for part in text.split(","):
        found, starred = _range(part, low, high, names)
        values |= found
        star = star or starred
    return "*" if star else ",".join(str(v) for v in sorted(values))


def _descriptor(spec: str, where: tzinfo) -> Schedule:
    if spec in DESCRIPTORS:
        return Schedule(DESCRIPTORS[spec], zone=where)
    if spec.startswith("@every "):
        seconds = go_duration(spec[len("@every "):], spec)
        return Schedule("", every=float(max(int(seconds), 1)), zone=where)
    raise CronError(f"unrecognized descriptor: {spec}")


def go_duration(text: str, spec: str) -> float:
    """``time.ParseDuration`` (a sign, then numbers each with a unit; "0" alone needs none)."""
    if text in ("0", "+0", "-0"):
        return 0.0
    body = text[1:] if text[:1] in "+-" else text
    if not body or not DURATION_RE.fullmatch(body):
        raise CronError(f'failed to parse duration {spec}: time: invalid duration "{text}"')
    total = sum(float(m.group(1)) * UNITS[m.group(2)] for m in PART_RE.finditer(body))
    return -total if text.startswith("-") else total


def _number(text: str) -> int:
    if not re.fullmatch(r"[+-]?\d+", text):
        raise CronError(f'failed to parse int from {text}: strconv.Atoi: parsing "{text}": invalid syntax')
    value = int(text)
    if value < 0:
        raise CronError(f"negative number ({value}) not allowed: {text}")
    return value


def _name_or_number(text: str, names: dict[str, int] | None) -> int:
    if names is not None and text.lower() in names:
        return names[text.lower()]
    return _number(text)


def _range(expr: str, low: int, high: int, names: dict[str, int] | None) -> tuple[set[int], bool]:
    """robfig's ``getRange``: the same checks, in the same order, with the same messages."""
    range_and_step = expr.split("/")
    low_high = range_and_step[0].split("-")
    star = low_high[0] in ("*", "?")
    if star:
        start, end = low, high
    else:
        start = _name_or_number(low_high[0], names)
        if len(low_high) == 1:
            end = start
        elif len(low_high) == 2:
            end = _name_or_number(low_high[1], names)
        else:
            raise CronError(f"too many hyphens: {expr}")
    step = 1
    if len(range_and_step) == 2:
        step = _number(range_and_step[1])
        if len(low_high) == 1:
            end = high
        star = star and step <= 1
    elif len(range_and_step) > 2:
        raise CronError(f"too many slashes: {expr}")
    if start < low:
        raise CronError(f"beginning of range ({start}) below minimum ({low}): {expr}")
    if end > high:
        raise CronError(f"end of range ({end}) above maximum ({high}): {expr}")
    if start > end:
        raise CronError(f"beginning of range ({start}) beyond end of range ({end}): {expr}")
    if step == 0:
        raise CronError(f"step of range should be a positive number: {expr}")
    return set(range(start, end + 1, step)), star


def to_utc(epoch: float) -> datetime:
    return datetime.fromtimestamp(epoch, UTC)


def rfc1123z(epoch: float) -> str:
    """Go's ``time.RFC1123Z`` in UTC (``Mon, 02 Jan 2006 15:04:05 +0000``)."""
    return to_utc(epoch).strftime("%a, %d %b %Y %H:%M:%S +0000")


def rfc3339_in(epoch: float, where: tzinfo) -> str:
    """``Format(time.RFC3339)`` in ``where`` (``Z`` for UTC)."""
    stamp = datetime.fromtimestamp(epoch, where)
    offset = stamp.utcoffset() or timedelta(0)
    if offset == timedelta(0) and where is UTC:
        return stamp.strftime("%Y-%m-%dT%H:%M:%SZ")
    return stamp.isoformat(timespec="seconds")
