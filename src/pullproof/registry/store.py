"""Registry metadata in the shared database: blobs, repositories and their links, manifests,
tags and upload sessions. Every registry's rows are keyed by its login server."""

from __future__ import annotations

import sqlite3
from typing import Any

from pullproof.db.engine import Database
from pullproof.registry.models import ManifestRecord, Upload


def _manifest(row: sqlite3.Row) -> ManifestRecord:
    return ManifestRecord(row["digest"], row["media_type"], row["size"], row["artifact_type"], row["subject"],
                          row["created"])


class RegistryStore:
    def __init__(self, db: Database) -> None:
        self.db = db

    # blobs ------------------------------------------------------------------------------------
    def blob_size(self, digest: str) -> int | None:
        row = self.db.one("SELECT size FROM blobs WHERE digest = ?", (digest,))
        return int(row["size"]) if row else None

    def linked_size(self, registry: str, repository: str, digest: str) -> int | None:
        row = self.db.one(
            "SELECT b.size FROM repository_blobs l JOIN blobs b ON b.digest = l.digest "
            "WHERE l.registry = ? AND l.repository = ? AND l.digest = ?", (registry, repository, digest))
        return int(row["size"]) if row else None

    def add_blob(self, registry: str, repository: str, digest: str, size: int, now: float) -> None:
        with self.db.tx() as conn:
            conn.execute("INSERT OR IGNORE INTO blobs VALUES (?, ?, ?)", (digest, size, now))
            self._touch_repo(conn, registry, repository, now)
            conn.execute("INSERT OR IGNORE INTO repository_blobs VALUES (?, ?, ?)", (registry, repository, digest))

    def unlink_blob(self, registry: str, repository: str, digest: str) -> bool:
        with self.db.tx() as conn:
            cur = conn.execute("DELETE FROM repository_blobs WHERE registry = ? AND repository = ? AND digest = ?",
                               (registry, repository, digest))
            return cur.rowcount > 0

    @staticmethod
    def _touch_repo(conn: sqlite3.Connection, registry: str, repository: str, now: float) -> None:
        conn.execute("INSERT INTO repositories VALUES (?, ?, ?, ?) ON CONFLICT(registry, name) DO UPDATE "
                     "SET updated = excluded.updated", (registry, repository, now, now))

    # repositories -------------------------------------------------------------------------------
    def repository(self, registry: str, name: str) -> sqlite3.Row | None:
        return self.db.one("SELECT * FROM repositories WHERE registry = ? AND name = ?", (registry, name))

    def repositories(self, registry: str, after: str = "", limit: int = 1000) -> list[str]:
        rows = self.db.query("SELECT r.name FROM repositories r WHERE r.registry = ? AND r.name > ? AND EXISTS "
                             "(SELECT 1 FROM manifests m WHERE m.registry = r.registry AND m.repository = r.name) "
                             "ORDER BY r.name LIMIT ?", (registry, after, limit))
        return [r["name"] for r in rows]

    def delete_repository(self, registry: str, name: str) -> tuple[list[str], list[str]]:
        """Remove a repository; returns (manifest digests, tag names) that were in it."""
        with self.db.tx() as conn:
            digests = [r["digest"] for r in conn.execute(
                "SELECT digest FROM manifests WHERE registry = ? AND repository = ? ORDER BY digest", (registry, name))]
            tags = [r["name"] for r in conn.execute(
                "SELECT name FROM tags WHERE registry = ? AND repository = ? ORDER BY name", (registry, name))]
            for table, column in (("tags", "repository"), ("manifest_references", "repository"),
                                  ("manifests", "repository"), ("repository_blobs", "repository"),
                                  ("uploads", "repository"), ("repositories", "name")):
                conn.execute(f"DELETE FROM {table} WHERE registry = ? AND {column} = ?", (registry, name))
            return digests, tags

    def delete_registry(self, registry: str) -> None:
        with self.db.tx() as conn:
            for table in ("tags", "manifest_references", "manifests", "repository_blobs", "uploads", "repositories"):
                conn.execute(f"DELETE FROM {table} WHERE registry = ?", (registry,))

    # manifests -------------------------------------------------------------------------------------
    def manifest(self, registry: str, repository: str, digest: str) -> ManifestRecord | None:
        row = self.db.one("SELECT * FROM manifests WHERE registry = ? AND repository = ? AND digest = ?",
                          (registry, repository, digest))
        return _manifest(row) if row else None

    def manifests(self, registry: str, repository: str) -> list[ManifestRecord]:
        rows = self.db.query("SELECT * FROM manifests WHERE registry = ? AND repository = ? ORDER BY created, digest",
                             (registry, repository))
        return [_manifest(r) for r in rows]

    def put_manifest(self, registry: str, repository: str, record: ManifestRecord,
                     children: list[tuple[str, str]], tag: str | None) -> None:
        with self.db.tx() as conn:
            self._put_manifest(conn, registry, repository, record, children, tag)

    def load(self, registry: str, repository: str, blobs: list[tuple[str, int]],
             manifests: list[tuple[ManifestRecord, list[tuple[str, str]]]], tag: str, now: float) -> None:
        """A whole image in one transaction: its blobs, its manifests (children first), the tag on the last."""
        with self.db.tx() as conn:
            for digest, size in blobs:
                conn.execute("INSERT OR IGNORE INTO blobs VALUES (?, ?, ?)", (digest, size, now))
                self._touch_repo(conn, registry, repository, now)
                conn.execute("INSERT OR IGNORE INTO repository_blobs VALUES (?, ?, ?)", (registry, repository, digest))
            for index, (record, children) in enumerate(manifests):
                last = index == len(manifests) - 1
                self._put_manifest(conn, registry, repository, record, children, tag if last else None)

    def _put_manifest(self, conn: sqlite3.Connection, registry: str, repository: str, record: ManifestRecord,
                      children: list[tuple[str, str]], tag: str | None) -> None:
        now = record.created
        conn.execute("INSERT OR IGNORE INTO blobs VALUES (?, ?, ?)", (record.digest, record.size, now))
        self._touch_repo(conn, registry, repository, now)
        conn.execute("INSERT OR IGNORE INTO repository_blobs VALUES (?, ?, ?)", (registry, repository, record.digest))
        conn.execute("INSERT OR IGNORE INTO manifests VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                     (registry, repository, record.digest, record.media_type, record.size, record.artifact_type,
                      record.subject, now))
        conn.executemany("INSERT OR IGNORE INTO manifest_references VALUES (?, ?, ?, ?, ?)",
                         [(registry, repository, record.digest, child, kind) for child, kind in children])
        if tag is not None:
            conn.execute("INSERT INTO tags VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT(registry, repository, name) "
                         "DO UPDATE SET digest = excluded.digest, updated = excluded.updated",
                         (registry, repository, tag, record.digest, now, now))

    def delete_manifest(self, registry: str, repository: str, digest: str) -> list[str]:
        """Remove a manifest and the tags pointing at it; returns those tags."""
        with self.db.tx() as conn:
            tags = [r["name"] for r in conn.execute(
                "SELECT name FROM tags WHERE registry = ? AND repository = ? AND digest = ? ORDER BY name",
                (registry, repository, digest))]
            conn.execute("DELETE FROM tags WHERE registry = ? AND repository = ? AND digest = ?",
                         (registry, repository, digest))
            conn.execute("DELETE FROM manifest_references WHERE registry = ? AND repository = ? AND manifest = ?",
                         (registry, repository, digest))
            conn.execute("DELETE FROM manifests WHERE registry = ? AND repository = ? AND digest = ?",
                         (registry, repository, digest))
            conn.execute("DELETE FROM repository_blobs WHERE registry = ? AND repository = ? AND digest = ?",
                         (registry, repository, digest))
            return tags

    def referrers(self, registry: str, repository: str, subject: str) -> list[ManifestRecord]:
        rows = self.db.query("SELECT * FROM manifests WHERE registry = ? AND repository = ? AND subject = ? "
                             "ORDER BY digest", (registry, repository, subject))
        return [_manifest(r) for r in rows]

    # tags ----------------------------------------------------------------------------------------------
    def tag(self, registry: str, repository: str, name: str) -> sqlite3.Row | None:
        return self.db.one("SELECT * FROM tags WHERE registry = ? AND repository = ? AND name = ?",
                           (registry, repository, name))

    def tags(self, registry: str, repository: str, after: str = "", limit: int = 10000) -> list[sqlite3.Row]:
        return self.db.query("SELECT * FROM tags WHERE registry = ? AND repository = ? AND name > ? "
                             "ORDER BY name LIMIT ?", (registry, repository, after, limit))

    def tags_of(self, registry: str, repository: str, digest: str) -> list[str]:
        rows = self.db.query("SELECT name FROM tags WHERE registry = ? AND repository = ? AND digest = ? "
                             "ORDER BY name", (registry, repository, digest))
        return [r["name"] for r in rows]

    def delete_tag(self, registry: str, repository: str, name: str) -> bool:
        with self.db.tx() as conn:
            cur = conn.execute("DELETE FROM tags WHERE registry = ? AND repository = ? AND name = ?",
                               (registry, repository, name))
            return cur.rowcount > 0

    # uploads ---------------------------------------------------------------------------------------------
    def add_upload(self, upload: Upload) -> None:
        with self.db.tx() as conn:
            conn.execute("INSERT INTO uploads VALUES (?, ?, ?, ?, ?, ?)",
                         (upload.id, upload.registry, upload.repository, upload.committed, upload.started,
                          upload.started))

    def upload(self, upload_id: str) -> Upload | None:
        row = self.db.one("SELECT * FROM uploads WHERE id = ?", (upload_id,))
        return Upload(row["id"], row["registry"], row["repository"], row["committed"], row["started"]) if row else None

    def set_upload_offset(self, upload_id: str, committed: int, now: float) -> None:
        with self.db.tx() as conn:
            conn.execute("UPDATE uploads SET committed = ?, updated = ? WHERE id = ?", (committed, now, upload_id))

    def delete_upload(self, upload_id: str) -> None:
        with self.db.tx() as conn:
            conn.execute("DELETE FROM uploads WHERE id = ?", (upload_id,))

    def upload_ids(self) -> set[str]:
        return {r["id"] for r in self.db.query("SELECT id FROM uploads")}

    def uploads_started_before(self, cutoff: float) -> list[str]:
        rows = self.db.query("SELECT id FROM uploads WHERE started <= ? ORDER BY id", (cutoff,))
        return [r["id"] for r in rows]

    # garbage collection -------------------------------------------------------------------------------------
    def blob_digests(self) -> set[str]:
        return {r["digest"] for r in self.db.query("SELECT digest FROM blobs")}

    def unreferenced_blobs(self) -> list[dict[str, Any]]:
        rows = self.db.query("SELECT b.digest, b.size FROM blobs b WHERE NOT EXISTS "
                             "(SELECT 1 FROM repository_blobs l WHERE l.digest = b.digest) ORDER BY b.digest")
        return [dict(r) for r in rows]

    def forget_blob(self, digest: str) -> bool:
        """Drop a blob's row unless a repository links to it; whether it was dropped."""
        with self.db.tx() as conn:
            cur = conn.execute("DELETE FROM blobs WHERE digest = ? AND NOT EXISTS "
                               "(SELECT 1 FROM repository_blobs l WHERE l.digest = ?)", (digest, digest))
            return cur.rowcount > 0
