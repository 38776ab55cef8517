"""The trace: every recorded Decision with who, what and where, kept for ``explain``."""

from __future__ import annotations

import json
import threading
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any

from pullproof.core.clock import Clock
from pullproof.core.reasons import Decision, Reason
from pullproof.db.engine import Database

# The request's correlation id (its ``x-ms-client-request-id``), set per request by the router so that
# decisions made while serving it can be found again; a context variable, so it never leaks across requests.
CORRELATION: ContextVar[str | None] = ContextVar("pullproof_correlation", default=None)


@dataclass(frozen=True)
class TraceEntry:
    seq: int
    at: float
    surface: str
    principal_id: str | None
    action: str | None
    scope: str | None
    decision: Decision
    correlation: str | None = None


class TraceSink:
    """Buffers decisions and writes them in batches; reads flush first, so readers see everything."""

    def __init__(self, db: Database, clock: Clock, batch: int = 256) -> None:
        self._db = db
        self._clock = clock
        self._batch = batch
        self._pending: list[tuple[Any, ...]] = []
        self._lock = threading.Lock()

    def record(
        self, surface: str, decision: Decision, principal_id: str | None = None,
        action: str | None = None, scope: str | None = None,
    ) -> None:
        row = (
            self._clock.now(), surface, principal_id, action, scope, int(decision.allowed),
            decision.reason.value, json.dumps(decision.evidence, sort_keys=True, default=str), CORRELATION.get(),
        )
        with self._lock:
            self._pending.append(row)
            full = len(self._pending) >= self._batch
        if full:
            self.flush()

    def flush(self) -> None:
        with self._lock:
            rows, self._pending = self._pending, []
        if rows:
            with self._db.tx() as conn:
                conn.executemany(
                    "INSERT INTO decisions (at, surface, principal_id, action, scope, allowed, reason, evidence, "
                    "correlation) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    rows,
                )

    def entries(self, principal_id: str | None = None, limit: int = 100,
                correlation: str | None = None) -> list[TraceEntry]:
        self.flush()
        sql, params = "SELECT * FROM decisions", tuple[str, ...]()
        if correlation is not None:
            sql, params = sql + " WHERE correlation = ?", (correlation,)
        elif principal_id is not None:
            sql, params = sql + " WHERE principal_id = ?", (principal_id,)
        rows = self._db.query(sql + f" ORDER BY seq DESC LIMIT {int(limit)}", params)
        return [
            TraceEntry(
                r["seq"], r["at"], r["surface"], r["principal_id"], r["action"], r["scope"],
                Decision(bool(r["allowed"]), Reason(r["reason"]), json.loads(r["evidence"])), r["correlation"],
            )
            for r in rows
        ]
