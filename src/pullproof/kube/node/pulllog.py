"""Every image pull a kubelet attempts, with each credential it tried and each HTTP step, kept for
``explain`` (which reads these facts and never re-derives them).

A row's ``attempts`` column holds ``{"provider": …, "attempts": […]}``, the fields of the records in
``models.py``. Rows an earlier version wrote hold a list of dicts; they read back as records too
(``legacy.py``), so a data dir keeps its history across the upgrade without a migration."""

from __future__ import annotations

import json
from typing import Any

from pullproof.db.engine import Database
from pullproof.kube.node.legacy import legacy_attempts
from pullproof.kube.node.models import PullRecord, attempt_of, provider_of, to_dict

__all__ = ["PullLog", "PullRecord"]


def encode(record: PullRecord) -> str:
    return json.dumps({"provider": to_dict(record.provider) if record.provider else None,
                       "attempts": [to_dict(a) for a in record.attempts]}, sort_keys=True)


def decode(row: Any) -> PullRecord:
    stored = json.loads(row["attempts"])
    if isinstance(stored, list):
        provider, attempts = legacy_attempts(stored)
    else:
        provider = provider_of(stored["provider"]) if stored.get("provider") else None
        attempts = tuple(attempt_of(a) for a in stored.get("attempts", []))
    return PullRecord(row["seq"], row["cluster"], row["node"], row["namespace"], row["pod"], row["pod_uid"],
                      row["container"], row["image"], row["at"], bool(row["ok"]), row["message"], provider, attempts)


class PullLog:
    def __init__(self, db: Database) -> None:
        self.db = db

    def add(self, record: PullRecord) -> None:
        """Store one pull (its ``seq`` is given by the log)."""
        with self.db.tx() as conn:
            conn.execute("INSERT INTO pull_attempts (cluster, node, namespace, pod, pod_uid, container, image, at, ok, "
                         "message, attempts) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                         (record.cluster, record.node, record.namespace, record.pod, record.pod_uid, record.container,
                          record.image, record.at, int(record.ok), record.message, encode(record)))

    def for_pod(self, cluster: str, namespace: str, pod: str, limit: int = 50) -> list[PullRecord]:
        rows = self.db.query("SELECT * FROM pull_attempts WHERE cluster = ? AND namespace = ? AND pod = ? "
                             "ORDER BY seq DESC LIMIT ?", (cluster.lower(), namespace, pod, limit))
        return [decode(r) for r in rows]

    def last_for_image(self, cluster: str, image: str) -> PullRecord | None:
        """The latest pull of ``image`` in the cluster, by any pod."""
        row = self.db.one("SELECT * FROM pull_attempts WHERE cluster = ? AND image = ? ORDER BY seq DESC LIMIT 1",
                          (cluster.lower(), image))
        return decode(row) if row else None

    def count(self, cluster: str) -> int:
        row = self.db.one("SELECT COUNT(*) AS n FROM pull_attempts WHERE cluster = ?", (cluster.lower(),))
        return int(row["n"]) if row else 0
