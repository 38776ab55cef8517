"""Kubernetes objects of every cluster, persisted in the shared database: write-through for what the
API server acknowledges, and in one transaction per pass for what the controllers and kubelets write
(their writes are deferred; the next write that is not, or the end of the pass, commits them in order).

Secrets are encrypted at rest, as kube-apiserver does with an ``EncryptionConfiguration`` for ``secrets``:
the whole stored object is sealed (``data``, and the ``last-applied-configuration`` annotation that
``kubectl apply`` leaves, which repeats it), and opened again on load.
"""

from __future__ import annotations

import json
import sqlite3
import threading
from typing import Any

from pullproof.core.sealing import Sealer, is_sealed
from pullproof.db.engine import Database

Key = tuple[str, str, str]
SEALED_RESOURCES = ("secrets",)
MAX_PENDING = 5000  # deferred writes kept before they are written anyway
Write = tuple[str, Key, int, "str | None"]  # (cluster, key, rv, the object's JSON); no JSON: a deletion


class KubeStore:
    def __init__(self, db: Database, sealer: Sealer) -> None:
        self.db = db
        self.sealer = sealer
        self._lock = threading.Lock()
        self._pending: list[Write] = []

    def load(self, cluster: str) -> tuple[int, dict[Key, dict[str, Any]]]:
        row = self.db.one("SELECT rv FROM kube_clusters WHERE cluster = ?", (cluster,))
        objects = {(r["resource"], r["namespace"], r["name"]): json.loads(self.sealer.open_value(r["body"]))
                   for r in self.db.query("SELECT resource, namespace, name, body FROM kube_objects WHERE cluster = ?",
                                          (cluster,))}
        return (int(row["rv"]) if row else 0), objects

    def _stored(self, resource: str, text: str) -> str:
        return self.sealer.seal_value(text) if resource in SEALED_RESOURCES else text

    def seal_stored(self, conn: sqlite3.Connection) -> int:
        """Seal the objects an earlier version stored in clear; returns how many it sealed."""
        marks = ", ".join("?" for _ in SEALED_RESOURCES)
        rows = conn.execute(f"SELECT cluster, resource, namespace, name, body FROM kube_objects WHERE resource IN "
                            f"({marks})", SEALED_RESOURCES).fetchall()
        clear = [row for row in rows if not is_sealed(row["body"])]
        for row in clear:
            conn.execute("UPDATE kube_objects SET body = ? WHERE cluster = ? AND resource = ? AND namespace = ? "
                         "AND name = ?", (self.sealer.seal_value(row["body"]), row["cluster"], row["resource"],
                                          row["namespace"], row["name"]))
        return len(clear)

    def put(self, cluster: str, key: Key, rv: int, text: str, deferred: bool = False) -> None:
        """Writes an object; ``deferred`` keeps the write for the next ``flush`` (or the next write that
        is not deferred, which writes everything before it first, in order, in one transaction)."""
        self._write((cluster, key, rv, text), deferred)

    def delete(self, cluster: str, key: Key, rv: int, deferred: bool = False) -> None:
        self._write((cluster, key, rv, None), deferred)

    def _write(self, write: Write, deferred: bool) -> None:
        with self._lock:
            self._pending.append(write)
            if deferred and len(self._pending) < MAX_PENDING:
                return
            self._flush()

    def flush(self) -> None:
        """Writes every deferred write, in one transaction."""
        with self._lock:
            self._flush()

    def _flush(self) -> None:
        if not self._pending:
            return
        latest: dict[str, int] = {}
        final: dict[tuple[str, Key], Write] = {}  # an object written several times: only its last state
        for write in self._pending:
            final[(write[0], write[1])] = write
        with self.db.tx() as conn:
            for cluster, key, rv, body in final.values():
                if body is None:
                    conn.execute("DELETE FROM kube_objects WHERE cluster = ? AND resource = ? AND namespace = ? "
                                 "AND name = ?", (cluster, *key))
                else:
                    conn.execute("INSERT INTO kube_objects VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT(cluster, resource, "
                                 "namespace, name) DO UPDATE SET rv = excluded.rv, body = excluded.body",
                                 (cluster, *key, rv, self._stored(key[0], body)))
                latest[cluster] = max(rv, latest.get(cluster, 0))
            for cluster, rv in latest.items():
                self._rv(conn, cluster, rv)
        self._pending.clear()

    @staticmethod
    def _rv(conn: Any, cluster: str, rv: int) -> None:
        conn.execute("INSERT INTO kube_clusters VALUES (?, ?) ON CONFLICT(cluster) DO UPDATE SET rv = excluded.rv",
                     (cluster, rv))

    def drop(self, cluster: str) -> None:
        with self._lock:
            self._pending = [w for w in self._pending if w[0] != cluster]
        with self.db.tx() as conn:
            conn.execute("DELETE FROM kube_objects WHERE cluster = ?", (cluster,))
            conn.execute("DELETE FROM kube_clusters WHERE cluster = ?", (cluster,))
