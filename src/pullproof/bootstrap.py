"""First start: the tenant, the default subscription, the operator service principal (Owner of
the subscription) and the default user. Their secrets are written once to ``operator.json`` in the
data dir (mode 0600, like a kubeconfig); the directory itself keeps only hashes."""

from __future__ import annotations

import json
import os
from dataclasses import asdict, dataclass
from pathlib import Path

from pullproof.arm.store import ArmStore
from pullproof.core.clock import Clock
from pullproof.core.datadir import write_private
from pullproof.core.ids import IdFactory
from pullproof.db.engine import Database
from pullproof.identity.models import Tenant
from pullproof.identity.service import DirectoryService
from pullproof.rbac.builtin import OWNER
from pullproof.rbac.service import NewAssignment, RbacService
from pullproof.settings import Settings

TENANT_DOMAIN = "pullproof.onmicrosoft.com"
OPERATOR_SECRET_SECONDS = 10 * 365 * 24 * 3600.0
OPERATOR_FILE = "operator.json"


@dataclass(frozen=True)
class OperatorCredentials:
    tenant_id: str
    subscription_id: str
    client_id: str
    client_secret: str
    object_id: str
    username: str
    password: str


class Bootstrap:
    def __init__(self, db: Database, clock: Clock, ids: IdFactory, settings: Settings) -> None:
        self.db = db
        self.clock = clock
        self.ids = ids
        self.path = settings.data_dir / OPERATOR_FILE

    def _meta(self, key: str) -> str | None:
        row = self.db.one("SELECT value FROM meta WHERE key = ?", (key,))
        return str(row["value"]) if row else None

    def tenant(self) -> Tenant:
        tenant_id = self._meta("tenant_id")
        if tenant_id is None:
            tenant_id = self.ids.guid()
            with self.db.tx() as conn:
                conn.execute("INSERT INTO tenants VALUES (?, ?, ?)", (tenant_id, TENANT_DOMAIN, "pullproof"))
                conn.execute("INSERT INTO meta VALUES ('tenant_id', ?)", (tenant_id,))
        row = self.db.one("SELECT * FROM tenants WHERE id = ?", (tenant_id,))
        assert row is not None
        return Tenant(row["id"], row["domain"], row["display_name"])

    def populate(self, directory: DirectoryService, arm: ArmStore, rbac: RbacService) -> OperatorCredentials:
        pending = self.path.with_suffix(".json.new")
        if self._meta("bootstrapped") is not None:
            if not self.path.exists() and pending.exists():
                os.replace(pending, self.path)
            return read_operator(self.path.parent)
        tenant = directory.tenant
        sub_id = self.ids.guid()
        password = self.ids.secret(24)
        with self.db.tx() as conn:
            arm.add_subscription(sub_id, tenant.id, "pullproof subscription")
            app = directory.create_application("pullproof-operator")
            sp = directory.create_service_principal(app)
            now = self.clock.now()
            secret = directory.add_password(app.app_id, "pullproof", now, now + OPERATOR_SECRET_SECONDS)
            user = directory.create_user(f"admin@{tenant.domain}", "Pullproof Admin", password)
            scope = f"/subscriptions/{sub_id}"
            role_id = f"{scope}/providers/Microsoft.Authorization/roleDefinitions/{OWNER}"
            for principal, kind in ((sp.object_id, "ServicePrincipal"), (user.object_id, "User")):
                rbac.create(NewAssignment(scope, self.ids.guid(), role_id, principal, kind), None)
            creds = OperatorCredentials(tenant.id, sub_id, app.app_id, secret.secret_text, sp.object_id,
                                        user.upn, password)
            write_private(pending, json.dumps(asdict(creds), indent=2).encode("utf-8"))
            conn.execute("INSERT INTO meta VALUES ('bootstrapped', ?)", (str(now),))
        os.replace(pending, self.path)
        return creds


def read_operator(data_dir: Path) -> OperatorCredentials:
    """The operator credentials a bootstrapped data dir holds (``FileNotFoundError`` if none)."""
    return OperatorCredentials(**json.loads((data_dir / OPERATOR_FILE).read_text("utf-8")))

