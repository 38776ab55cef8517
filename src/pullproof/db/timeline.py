"""One emulated timeline per data dir.

The wall time and emulated time that correspond, and the speed-up, are kept in the ``meta`` table, so a
restarted server continues the emulated clock instead of jumping back to wall time, and other processes
(``pullproof explain``, ``check-acr``) read the same "now" as the server that wrote the state. Asking for a
different speed-up starts a new segment at the current emulated time: the timeline never runs backwards.
"""

from __future__ import annotations

import json
import time

from pullproof.core.clock import SystemClock
from pullproof.db.engine import Database

KEY = "timeline"


def shared_clock(db: Database, requested_scale: float | None) -> SystemClock:
    """The data dir's clock; ``requested_scale`` (``--time-scale``) or None to keep the stored one (1 if new)."""
    with db.tx() as conn:
        row = conn.execute("SELECT value FROM meta WHERE key = ?", (KEY,)).fetchone()
        if row is not None:
            stored = json.loads(row["value"])
            clock = SystemClock(float(stored["scale"]), float(stored["real"]), float(stored["emulated"]))
            if requested_scale is None or requested_scale == clock.scale:
                return clock
            wall, emulated = time.time(), clock.now()
        else:
            wall = time.time()
            emulated = wall
        clock = SystemClock(requested_scale or 1.0, wall, emulated)
        value = json.dumps({"real": wall, "emulated": emulated, "scale": clock.scale})
        conn.execute("INSERT INTO meta VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value",
                     (KEY, value))
    return clock


def stored_clock(db: Database) -> SystemClock:
    """The data dir's clock as stored, without writing (a reader's: wall time at scale 1 if none is stored)."""
    row = db.one("SELECT value FROM meta WHERE key = ?", (KEY,))
    if row is None:
        return SystemClock()
    stored = json.loads(row["value"])
    return SystemClock(float(stored["scale"]), float(stored["real"]), float(stored["emulated"]))
