"""Role assignments in the database, indexed by principal and by scope."""

from __future__ import annotations

import sqlite3

from pullproof.db.engine import Database
from pullproof.rbac.models import RoleAssignment, scope_key


def _assignment(row: sqlite3.Row) -> RoleAssignment:
    return RoleAssignment(
        row["name"], row["scope"], row["role_definition_id"], row["role_guid"], row["principal_id"],
        row["principal_type"], row["created_on"], row["updated_on"], row["created_by"], row["condition"],
        row["condition_version"], row["description"], row["effective_from"],
    )


class AssignmentStore:
    def __init__(self, db: Database) -> None:
        self.db = db

    def add(self, a: RoleAssignment) -> None:
        with self.db.tx() as conn:
            conn.execute(
                "INSERT INTO role_assignments VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (a.name, a.scope, a.scope_key, a.role_definition_id, a.role_guid, a.principal_id,
                 a.principal_type, a.condition, a.condition_version, a.description, a.created_on,
                 a.updated_on, a.created_by, a.effective_from),
            )

    def get(self, name: str) -> RoleAssignment | None:
        row = self.db.one("SELECT * FROM role_assignments WHERE name = ?", (name.lower(),))
        return _assignment(row) if row else None

    def duplicate_of(self, scope: str, role_guid: str, principal_id: str, condition: str | None) -> str | None:
        row = self.db.one(
            "SELECT name FROM role_assignments WHERE scope_key = ? AND role_guid = ? AND principal_id = ?"
            " AND IFNULL(condition, '') = ?",
            (scope_key(scope), role_guid, principal_id, condition or ""),
        )
        return str(row["name"]) if row else None

    def update(self, a: RoleAssignment) -> None:
        """Store the condition, its version, the description and updatedOn of an existing assignment."""
        with self.db.tx() as conn:
            conn.execute(
                "UPDATE role_assignments SET condition = ?, condition_version = ?, description = ?, updated_on = ?"
                " WHERE name = ?",
                (a.condition, a.condition_version, a.description, a.updated_on, a.name),
            )

    def delete(self, name: str) -> None:
        with self.db.tx() as conn:
            conn.execute("DELETE FROM role_assignments WHERE name = ?", (name.lower(),))

    def delete_under(self, scope: str) -> int:
        key = scope_key(scope)
        with self.db.tx() as conn:
            cur = conn.execute(
                "DELETE FROM role_assignments WHERE scope_key = ? OR substr(scope_key, 1, ?) = ?",
                (key, len(key) + 1, key + "/"),
            )
            return cur.rowcount

    def for_principal(self, principal_id: str, scope_keys: list[str] | None = None) -> list[RoleAssignment]:
        """The principal's assignments, optionally only those at the given scope keys (index lookups)."""
        if scope_keys is None:
            rows = self.db.query("SELECT * FROM role_assignments WHERE principal_id = ? ORDER BY scope_key, name",
                                 (principal_id,))
        else:
            marks = ",".join("?" * len(scope_keys))
            rows = self.db.query(
                f"SELECT * FROM role_assignments WHERE principal_id = ? AND scope_key IN ({marks})"
                " ORDER BY scope_key, name",
                (principal_id, *scope_keys),
            )
        return [_assignment(r) for r in rows]

    def at_scopes(self, scope_keys: list[str]) -> list[RoleAssignment]:
        marks = ",".join("?" * len(scope_keys))
        rows = self.db.query(
            f"SELECT * FROM role_assignments WHERE scope_key IN ({marks}) ORDER BY scope_key, name",
            tuple(scope_keys),
        )
        return [_assignment(r) for r in rows]

    def under(self, scope: str) -> list[RoleAssignment]:
        key = scope_key(scope)
        if key == "/":
            rows = self.db.query("SELECT * FROM role_assignments ORDER BY scope_key, name")
        else:
            rows = self.db.query(
                "SELECT * FROM role_assignments WHERE scope_key = ? OR substr(scope_key, 1, ?) = ?"
                " ORDER BY scope_key, name",
                (key, len(key) + 1, key + "/"),
            )
        return [_assignment(r) for r in rows]
