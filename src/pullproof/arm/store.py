"""Subscriptions, resources (resource groups included) and async operations in the database."""

from __future__ import annotations

import json
import sqlite3
from typing import Any

from pullproof.arm.models import GROUP_TYPE, Resource
from pullproof.db.engine import Database

GROUP_KEY = GROUP_TYPE.lower()


def _resource(row: sqlite3.Row) -> Resource:
    body = json.loads(row["body"])
    return Resource(row["id"], body.get("type", ""), row["name"], row["subscription_id"], body.get("_group"),
                    {k: v for k, v in body.items() if k != "_group"})


def resource_key(resource_id: str) -> str:
    return "/" + "/".join(p for p in resource_id.lower().split("/") if p)


class ArmStore:
    def __init__(self, db: Database) -> None:
        self.db = db

    # subscriptions ----------------------------------------------------------------------------------
    def add_subscription(self, sub_id: str, tenant_id: str, name: str) -> None:
        with self.db.tx() as conn:
            conn.execute("INSERT INTO subscriptions VALUES (?, ?, ?, 'Enabled')", (sub_id, tenant_id, name))

    def subscription(self, sub_id: str) -> sqlite3.Row | None:
        return self.db.one("SELECT * FROM subscriptions WHERE id = ?", (sub_id.lower(),))

    def subscriptions(self) -> list[sqlite3.Row]:
        return self.db.query("SELECT * FROM subscriptions ORDER BY id")

    # resources ----------------------------------------------------------------------------------------
    def put(self, resource: Resource, created: float) -> None:
        body = dict(resource.body)
        body["_group"] = resource.group
        group_key = resource.group.lower() if resource.group else None
        with self.db.tx() as conn:
            conn.execute(
                "INSERT INTO resources VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT(key) DO UPDATE SET "
                "body = excluded.body",
                (resource_key(resource.id), resource.id, resource.subscription.lower(), group_key,
                 resource.type.lower(), resource.name, json.dumps(body), created),
            )

    def get(self, resource_id: str) -> Resource | None:
        row = self.db.one("SELECT * FROM resources WHERE key = ?", (resource_key(resource_id),))
        return _resource(row) if row else None

    def delete(self, resource_id: str) -> None:
        with self.db.tx() as conn:
            conn.execute("DELETE FROM resources WHERE key = ?", (resource_key(resource_id),))

    def resources(
        self, subscription: str, group: str | None = None, type_key: str | None = None) -> list[Resource]:
        sql = "SELECT * FROM resources WHERE subscription_id = ?"
        params: list[Any] = [subscription.lower()]
        if group is not None:
            sql, params = sql + " AND group_key = ?", [*params, group.lower()]
        if type_key is not None:
            sql, params = sql + " AND type_key = ?", [*params, type_key.lower()]
        else:
            sql += f" AND type_key != '{GROUP_KEY}'"
        return [_resource(r) for r in self.db.query(sql + " ORDER BY key", tuple(params))]

    def by_type(self, type_name: str) -> list[Resource]:
        rows = self.db.query("SELECT * FROM resources WHERE type_key = ? ORDER BY key", (type_name.lower(),))
        return [_resource(r) for r in rows]

    def by_type_and_name(self, type_key: str, name: str) -> list[Resource]:
        """Resources of a type with this name in any subscription (registry names are global)."""
        rows = self.db.query("SELECT * FROM resources WHERE type_key = ? AND name = ? COLLATE NOCASE ORDER BY key",
                             (type_key.lower(), name))
        return [_resource(r) for r in rows]

    def children(self, parent_id: str) -> list[Resource]:
        key = resource_key(parent_id) + "/"
        rows = self.db.query("SELECT * FROM resources WHERE substr(key, 1, ?) = ? ORDER BY key",
                             (len(key), key))
        return [_resource(r) for r in rows]

    # operations ---------------------------------------------------------------------------------------
    def add_operation(self, op_id: str, status: str, resource_id: str, start: float, end: float | None,
                      error: dict[str, Any] | None = None) -> None:
        with self.db.tx() as conn:
            conn.execute("INSERT INTO operations VALUES (?, ?, ?, ?, ?, ?)",
                         (op_id, status, resource_id, start, end, json.dumps(error) if error else None))

    def operation(self, op_id: str) -> sqlite3.Row | None:
        return self.db.one("SELECT * FROM operations WHERE id = ?", (op_id.lower(),))
