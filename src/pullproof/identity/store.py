"""Queries for the directory tables. Returns frozen models; lists are sorted."""

from __future__ import annotations

import json
import sqlite3
from typing import Any

from pullproof.db.engine import Database
from pullproof.identity.models import (
    Application,
    Node,
    NodeIdentities,
    PasswordCredential,
    ServicePrincipal,
    Tenant,
    User,
)


def _sp(row: sqlite3.Row) -> ServicePrincipal:
    return ServicePrincipal(
        row["object_id"], row["app_id"], row["tenant_id"], row["display_name"], row["kind"],
        row["resource_id"], tuple(json.loads(row["names"])), bool(row["enabled"]), row["created"],
    )


def _app(row: sqlite3.Row) -> Application:
    return Application(
        row["object_id"], row["app_id"], row["tenant_id"], row["display_name"], row["created"],
        json.loads(row["body"]),
    )


class DirectoryStore:
    """Tenants, applications, secrets, service principals, users and nodes."""

    def __init__(self, db: Database) -> None:
        self.db = db

    # tenants -------------------------------------------------------------------------------
    def tenant(self, key: str) -> Tenant | None:
        row = self.db.one("SELECT * FROM tenants WHERE id = ? OR domain = ?", (key.lower(), key))
        return Tenant(row["id"], row["domain"], row["display_name"]) if row else None

    # applications ----------------------------------------------------------------------------
    def add_application(self, app: Application) -> None:
        with self.db.tx() as conn:
            conn.execute(
                "INSERT INTO applications VALUES (?, ?, ?, ?, ?, ?)",
                (app.object_id, app.app_id, app.tenant_id, app.display_name, app.created, json.dumps(app.extra)),
            )

    def application(self, *, object_id: str | None = None, app_id: str | None = None) -> Application | None:
        column, value = ("object_id", object_id) if object_id else ("app_id", app_id)
        row = self.db.one(f"SELECT * FROM applications WHERE {column} = ?", ((value or "").lower(),))
        return _app(row) if row else None

    def applications(self, name_prefix: str | None = None, name: str | None = None) -> list[Application]:
        sql, params = "SELECT * FROM applications", []
        if name is not None:
            sql, params = sql + " WHERE display_name = ? COLLATE NOCASE", [name]
        elif name_prefix is not None:
            sql, params = sql + " WHERE display_name LIKE ? ESCAPE '\\'", [_like_prefix(name_prefix)]
        return [_app(r) for r in self.db.query(sql + " ORDER BY display_name, app_id", tuple(params))]

    def delete_application(self, app_id: str) -> None:
        with self.db.tx() as conn:
            conn.execute("DELETE FROM service_principals WHERE app_id = ?", (app_id,))
            conn.execute("DELETE FROM applications WHERE app_id = ?", (app_id,))

    # secrets ----------------------------------------------------------------------------------
    def add_password(self, cred: PasswordCredential, salt: str, digest: str) -> None:
        with self.db.tx() as conn:
            conn.execute(
                "INSERT INTO password_credentials VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                (cred.key_id, cred.app_id, cred.display_name, cred.hint, salt, digest, cred.start, cred.end),
            )

    def password_rows(self, app_id: str) -> list[sqlite3.Row]:
        return self.db.query("SELECT * FROM password_credentials WHERE app_id = ? ORDER BY start", (app_id,))

    def passwords(self, app_id: str) -> list[PasswordCredential]:
        return [
            PasswordCredential(r["key_id"], r["app_id"], r["display_name"], r["hint"], r["start"], r["end"])
            for r in self.password_rows(app_id)
        ]

    def set_password_end(self, key_id: str, end: float) -> None:
        with self.db.tx() as conn:
            conn.execute("UPDATE password_credentials SET end = ? WHERE key_id = ?", (end, key_id))

    def remove_password(self, app_id: str, key_id: str) -> bool:
        with self.db.tx() as conn:
            cur = conn.execute(
                "DELETE FROM password_credentials WHERE app_id = ? AND key_id = ?", (app_id, key_id.lower())
            )
            return cur.rowcount > 0

    # service principals -------------------------------------------------------------------------
    def add_sp(self, sp: ServicePrincipal) -> None:
        with self.db.tx() as conn:
            conn.execute(
                "INSERT INTO service_principals VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (sp.object_id, sp.app_id, sp.tenant_id, sp.display_name, sp.kind, sp.resource_id,
                 json.dumps(list(sp.names)), int(sp.enabled), sp.created),
            )

    def sp(self, *, object_id: str | None = None, app_id: str | None = None,
           resource_id: str | None = None) -> ServicePrincipal | None:
        if object_id is not None:
            row = self.db.one("SELECT * FROM service_principals WHERE object_id = ?", (object_id.lower(),))
        elif app_id is not None:
            row = self.db.one("SELECT * FROM service_principals WHERE app_id = ?", (app_id.lower(),))
        else:
            row = self.db.one("SELECT * FROM service_principals WHERE resource_id = ?", (resource_id,))
        return _sp(row) if row else None

    def sps(self, where: str = "", params: tuple[Any, ...] = ()) -> list[ServicePrincipal]:
        sql = "SELECT * FROM service_principals" + (f" WHERE {where}" if where else "")
        return [_sp(r) for r in self.db.query(sql + " ORDER BY display_name, app_id", params)]

    def delete_sp(self, object_id: str) -> None:
        with self.db.tx() as conn:
            conn.execute("DELETE FROM service_principals WHERE object_id = ?", (object_id,))

    # users -------------------------------------------------------------------------------------------
    def add_user(self, user: User, salt: str, digest: str, created: float) -> None:
        with self.db.tx() as conn:
            conn.execute(
                "INSERT INTO users VALUES (?, ?, ?, ?, ?, ?, ?)",
                (user.object_id, user.upn, user.tenant_id, user.display_name, salt, digest, created),
            )

    def user_row(self, *, upn: str | None = None, object_id: str | None = None) -> sqlite3.Row | None:
        if upn is not None:
            return self.db.one("SELECT * FROM users WHERE upn = ?", (upn,))
        return self.db.one("SELECT * FROM users WHERE object_id = ?", ((object_id or "").lower(),))

    @staticmethod
    def user_of(row: sqlite3.Row) -> User:
        return User(row["object_id"], row["upn"], row["tenant_id"], row["display_name"])

    # nodes ---------------------------------------------------------------------------------------------
    def put_node(self, name: str, salt: str, digest: str, identities: NodeIdentities, created: float) -> None:
        with self.db.tx() as conn:
            conn.execute(
                "INSERT INTO nodes VALUES (?, ?, ?, ?, ?) ON CONFLICT(name) DO UPDATE SET "
                "salt = excluded.salt, digest = excluded.digest, identities = excluded.identities",
                (name, salt, digest, json.dumps(identities.to_json()), created),
            )

    def node_row(self, name: str) -> sqlite3.Row | None:
        return self.db.one("SELECT * FROM nodes WHERE name = ?", (name,))

    @staticmethod
    def node_of(row: sqlite3.Row) -> Node:
        data = json.loads(row["identities"])
        return Node(row["name"], NodeIdentities(data.get("system"), tuple(data.get("user_assigned", []))))

    def delete_node(self, name: str) -> None:
        with self.db.tx() as conn:
            conn.execute("DELETE FROM nodes WHERE name = ?", (name,))

    # refresh tokens (user sign-in) -----------------------------------------------------------------------
    def add_refresh_token(self, digest: str, subject: str, client_id: str, expires: float) -> None:
        with self.db.tx() as conn:
            conn.execute("INSERT INTO refresh_tokens VALUES (?, ?, ?, ?)", (digest, subject, client_id, expires))

    def refresh_token(self, digest: str) -> sqlite3.Row | None:
        return self.db.one("SELECT * FROM refresh_tokens WHERE digest = ?", (digest,))


def _like_prefix(prefix: str) -> str:
    escaped = prefix.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return escaped + "%"
