"""Every image pull a kubelet attempts, with each credential it tried and each HTTP step, kept for
``explain`` (which reads these facts and never re-derives them)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from pullproof.db.engine import Database


@dataclass(frozen=True)
class PullRecord:
    seq: int
    cluster: str
    node: str
    namespace: str
    pod: str
    pod_uid: str
    container: str
    image: str
    at: float
    ok: bool
    message: str
    attempts: list[dict[str, Any]]


class PullLog:
    def __init__(self, db: Database) -> None:
        self.db = db

    def add(self, cluster: str, node: str, pod: dict[str, Any], container: str, image: str, at: float, ok: bool,
            message: str, attempts: list[dict[str, Any]]) -> None:
        meta = pod["metadata"]
        with self.db.tx() as conn:
            conn.execute("INSERT INTO pull_attempts (cluster, node, namespace, pod, pod_uid, container, image, at, ok, "
                         "message, attempts) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                         (cluster, node, meta["namespace"], meta["name"], meta["uid"], container, image, at, int(ok),
                          message, json.dumps(attempts, sort_keys=True)))

    def for_pod(self, cluster: str, namespace: str, pod: str, limit: int = 50) -> list[PullRecord]:
        rows = self.db.query("SELECT * FROM pull_attempts WHERE cluster = ? AND namespace = ? AND pod = ? "
                             "ORDER BY seq DESC LIMIT ?", (cluster.lower(), namespace, pod, limit))
        return [PullRecord(r["seq"], r["cluster"], r["node"], r["namespace"], r["pod"], r["pod_uid"], r["container"],
                           r["image"], r["at"], bool(r["ok"]), r["message"], json.loads(r["attempts"])) for r in rows]

    def count(self, cluster: str) -> int:
        row = self.db.one("SELECT COUNT(*) AS n FROM pull_attempts WHERE cluster = ?", (cluster.lower(),))
        return int(row["n"]) if row else 0
