"""Kubernetes objects of every cluster, persisted write-through in the shared database."""

from __future__ import annotations

import json
from typing import Any

from pullproof.db.engine import Database

Key = tuple[str, str, str]


class KubeStore:
    def __init__(self, db: Database) -> None:
        self.db = db

    def load(self, cluster: str) -> tuple[int, dict[Key, dict[str, Any]]]:
        row = self.db.one("SELECT rv FROM kube_clusters WHERE cluster = ?", (cluster,))
        objects = {(r["resource"], r["namespace"], r["name"]): json.loads(r["body"]) for r in self.db.query(
            "SELECT resource, namespace, name, body FROM kube_objects WHERE cluster = ?", (cluster,))}
        return (int(row["rv"]) if row else 0), objects

    def put(self, cluster: str, key: Key, rv: int, body: dict[str, Any]) -> None:
        with self.db.tx() as conn:
            conn.execute("INSERT INTO kube_objects VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT(cluster, resource, namespace, "
                         "name) DO UPDATE SET rv = excluded.rv, body = excluded.body",
                         (cluster, *key, rv, json.dumps(body, separators=(",", ":"))))
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
