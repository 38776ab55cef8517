"""Kubernetes objects of every cluster, persisted write-through in the shared database.

Secrets are encrypted at rest, as kube-apiserver does with an ``EncryptionConfiguration`` for ``secrets``:
the whole stored object is sealed (``data``, and the ``last-applied-configuration`` annotation that
``kubectl apply`` leaves, which repeats it), and opened again on load.
"""

from __future__ import annotations

import json
import sqlite3
from typing import Any

from pullproof.core.sealing import Sealer, is_sealed
from pullproof.db.engine import Database

Key = tuple[str, str, str]
SEALED_RESOURCES = ("secrets",)


class KubeStore:
    def __init__(self, db: Database, sealer: Sealer) -> None:
        self.db = db
        self.sealer = sealer

    def load(self, cluster: str) -> tuple[int, dict[Key, dict[str, Any]]]:
        row = self.db.one("SELECT rv FROM kube_clusters WHERE cluster = ?", (cluster,))
        objects = {(r["resource"], r["namespace"], r["name"]): json.loads(self.sealer.open_value(r["body"]))
                   for r in self.db.query("SELECT resource, namespace, name, body FROM kube_objects WHERE cluster = ?",
                                          (cluster,))}
        return (int(row["rv"]) if row else 0), objects

    def _stored(self, resource: str, body: dict[str, Any]) -> str:
        text = json.dumps(body, separators=(",", ":"))
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

    def put(self, cluster: str, key: Key, rv: int, body: dict[str, Any]) -> None:
        with self.db.tx() as conn:
            conn.execute("INSERT INTO kube_objects VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT(cluster, resource, namespace, "
                         "name) DO UPDATE SET rv = excluded.rv, body = excluded.body",
                         (cluster, *key, rv, self._stored(key[0], body)))
            self._rv(conn, cluster, rv)

    def delete(self, cluster: str, key: Key, rv: int) -> None:
        with self.db.tx() as conn:
            conn.execute("DELETE FROM kube_objects WHERE cluster = ? AND resource = ? AND namespace = ? AND name = ?",
                         (cluster, *key))
            self._rv(conn, cluster, rv)

    @staticmethod
    def _rv(conn: Any, cluster: str, rv: int) -> None:
        conn.execute("INSERT INTO kube_clusters VALUES (?, ?) ON CONFLICT(cluster) DO UPDATE SET rv = excluded.rv",
                     (cluster, rv))

    def drop(self, cluster: str) -> None:
        with self.db.tx() as conn:
            conn.execute("DELETE FROM kube_objects WHERE cluster = ?", (cluster,))
            conn.execute("DELETE FROM kube_clusters WHERE cluster = ?", (cluster,))
