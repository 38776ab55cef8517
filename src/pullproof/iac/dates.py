"""Dates as ARM's date functions see them: .NET date format strings (invariant culture), ISO 8601
durations for ``dateTimeAdd``, and Unix epochs."""

from __future__ import annotations

import calendar
import re
from datetime import UTC, datetime, timedelta

DEFAULT_UTCNOW = "yyyyMMddTHHmmssZ"
STANDARD = {
    "d": "MM/dd/yyyy", "D": "dddd, dd MMMM yyyy", "f": "dddd, dd MMMM yyyy HH:mm",
    "F": "dddd, dd MMMM yyyy HH:mm:ss", "g": "MM/dd/yyyy HH:mm", "G": "MM/dd/yyyy HH:mm:ss", "m": "MMMM dd",
    "M": "MMMM dd", "o": "yyyy-MM-ddTHH:mm:ss.fffffffK", "O": "yyyy-MM-ddTHH:mm:ss.fffffffK",
    "r": "ddd, dd MMM yyyy HH':'mm':'ss 'GMT'", "R": "ddd, dd MMM yyyy HH':'mm':'ss 'GMT'",
    "s": "yyyy-MM-ddTHH:mm:ss", "t": "HH:mm", "T": "HH:mm:ss", "u": "yyyy-MM-dd HH:mm:ssZ",
    "U": "dddd, dd MMMM yyyy HH:mm:ss", "y": "yyyy MMMM", "Y": "yyyy MMMM",
}
TOKEN_RE = re.compile(r"'[^']*'|\"[^\"]*\"|\\.|%|y+|M+|d+|H+|h+|m+|s+|f+|F+|t+|K|z+")
DURATION_RE = re.compile(
    r"^(?P<sign>-)?P(?:(?P<Y>\d+)Y)?(?:(?P<M>\d+)M)?(?:(?P<W>\d+)W)?(?:(?P<D>\d+)D)?"
    r"(?:T(?:(?P<h>\d+)H)?(?:(?P<m>\d+)M)?(?:(?P<s>\d+(?:\.\d+)?)S)?)?$")


class DateError(ValueError):
    """An unparseable date, duration or format."""


def format_datetime(moment: datetime, fmt: str) -> str:
    pattern = STANDARD.get(fmt, fmt) if len(fmt) == 1 else fmt
    return TOKEN_RE.sub(lambda m: _token(moment, m.group(0)), pattern)


def _token(moment: datetime, token: str) -> str:
    if token[0] in "'\"":
        return token[1:-1]
    if token[0] == "\\":
        return token[1]
    if token == "%":
        return ""
    kind, n = token[0], len(token)
    hour12 = moment.hour % 12 or 12
    simple = {
        "y": str(moment.year % 100) if n == 1 else (f"{moment.year % 100:02d}" if n == 2 else f"{moment.year:0{n}d}"),
        "H": f"{moment.hour:0{min(n, 2)}d}", "h": f"{hour12:0{min(n, 2)}d}", "m": f"{moment.minute:0{min(n, 2)}d}",
        "s": f"{moment.second:0{min(n, 2)}d}", "t": ("AM" if moment.hour < 12 else "PM")[:n if n < 2 else 2],
        "K": "Z", "z": {1: "+0", 2: "+00"}.get(n, "+00:00"),
    }
    if kind in simple:
        return simple[kind]
    if kind == "M":
        return [f"{moment.month}", f"{moment.month:02d}", calendar.month_abbr[moment.month],
                calendar.month_name[moment.month]][min(n, 4) - 1]
    if kind == "d":
        return [f"{moment.day}", f"{moment.day:02d}", calendar.day_abbr[moment.weekday()],
                calendar.day_name[moment.weekday()]][min(n, 4) - 1]
    fraction = f"{moment.microsecond:06d}0"[:n]
    return fraction.rstrip("0") if kind == "F" else fraction


def parse_datetime(text: str) -> datetime:
    value = text.strip().replace(" ", "T", 1)
    if value.endswith("Z"):
        value = value[:-1] + "+00:00"
    if "." in value:
        head, _, rest = value.partition(".")
        digits = "".join(ch for ch in rest if ch.isdigit())
        value = f"{head}.{digits[:6].ljust(6, '0')}{rest[len(digits):]}"
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        raise DateError(f"The string '{text}' is not a valid date time.") from None
    return parsed.replace(tzinfo=UTC) if parsed.tzinfo is None else parsed.astimezone(UTC)


def add_duration(moment: datetime, duration: str) -> datetime:
    match = DURATION_RE.match(duration.strip())
    if not match or duration.strip() in {"P", "-P"} or duration.strip().endswith("T"):
        raise DateError(f"The duration '{duration}' is not a valid ISO 8601 duration.")
    sign = -1 if match.group("sign") else 1
    part = {key: float(val) if key == "s" else int(val) for key, val in match.groupdict().items()
            if key != "sign" and val}
    months = sign * int(part.get("Y", 0) * 12 + part.get("M", 0))
    moment = _add_months(moment, months)
    delta = timedelta(weeks=part.get("W", 0), days=part.get("D", 0), hours=part.get("h", 0),
                      minutes=part.get("m", 0), seconds=part.get("s", 0))
    return moment + sign * delta


def _add_months(moment: datetime, months: int) -> datetime:
    index = moment.year * 12 + moment.month - 1 + months
    year, month = divmod(index, 12)
    day = min(moment.day, calendar.monthrange(year, month + 1)[1])
    return moment.replace(year=year, month=month + 1, day=day)


def from_epoch(seconds: int) -> datetime:
    return datetime.fromtimestamp(seconds, UTC)


def to_epoch(text: str) -> int:
    return int(parse_datetime(text).timestamp())


def iso(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")
