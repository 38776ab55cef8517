"""The directory: tenant, applications and their secrets, service principals, managed identities,
users and nodes. Token issuance lives in ``tokens.py``."""

from __future__ import annotations

from dataclasses import dataclass

from pullproof.core.clock import Clock
from pullproof.core.hashing import digest_password, digest_secret, new_salt
from pullproof.core.ids import IdFactory
from pullproof.identity.models import (
    Application,
    Node,
    NodeIdentities,
    PasswordCredential,
    ServicePrincipal,
    Tenant,
    User,
)
from pullproof.identity.store import DirectoryStore

SECRET_LIFETIME = 365 * 24 * 3600.0


@dataclass(frozen=True)
class NewSecret:
    credential: PasswordCredential
    secret_text: str


class DirectoryService:
    """Creates and finds directory objects of the single emulated tenant."""

    def __init__(self, store: DirectoryStore, clock: Clock, ids: IdFactory, tenant: Tenant) -> None:
        self.store = store
        self.clock = clock
        self.ids = ids
        self.tenant = tenant

    # applications and service principals ------------------------------------------------------------
    def create_application(self, display_name: str, extra: dict[str, object] | None = None) -> Application:
        app = Application(
            self.ids.guid(), self.ids.guid(), self.tenant.id, display_name, self.clock.now(), dict(extra or {})
        )
        self.store.add_application(app)
        return app

    def add_password(
        self, app_id: str, display_name: str | None = None, start: float | None = None, end: float | None = None
    ) -> NewSecret:
        begin = self.clock.now() if start is None else start
        finish = begin + SECRET_LIFETIME if end is None else end
        secret = self.ids.secret(40)
        cred = PasswordCredential(self.ids.guid(), app_id, display_name, secret[:3], begin, finish)
        salt = new_salt()
        self.store.add_password(cred, salt, digest_secret(secret, salt))
        return NewSecret(cred, secret)

    def create_service_principal(self, app: Application) -> ServicePrincipal:
        sp = ServicePrincipal(
            self.ids.guid(), app.app_id, self.tenant.id, app.display_name, "Application", None,
            (app.app_id,), True, self.clock.now(),
        )
        self.store.add_sp(sp)
        return sp

    def create_managed_identity(self, resource_id: str, display_name: str) -> ServicePrincipal:
        """The service principal behind a managed identity (user- or system-assigned)."""
        mirid = mirid_of(resource_id)
        client_id = self.ids.guid()
        sp = ServicePrincipal(
            self.ids.guid(), client_id, self.tenant.id, display_name, "ManagedIdentity", mirid,
            (client_id, mirid), True, self.clock.now(),
        )
        self.store.add_sp(sp)
        return sp

    def managed_identity(self, resource_id: str) -> ServicePrincipal | None:
        return self.store.sp(resource_id=mirid_of(resource_id))

    def delete_managed_identity(self, resource_id: str) -> None:
        sp = self.managed_identity(resource_id)
        if sp is not None:
            self.store.delete_sp(sp.object_id)

    def principal_exists(self, object_id: str) -> str | None:
        """The principal type of ``object_id`` (``ServicePrincipal``/``User``), or None if unknown."""
        if self.store.sp(object_id=object_id) is not None:
            return "ServicePrincipal"
        if self.store.user_row(object_id=object_id) is not None:
            return "User"
        return None

    # users ---------------------------------------------------------------------------------------------
    def create_user(self, upn: str, display_name: str, password: str) -> User:
        user = User(self.ids.guid(), upn, self.tenant.id, display_name)
        salt = new_salt()
        self.store.add_user(user, salt, digest_password(password, salt), self.clock.now())
        return user

    # nodes -----------------------------------------------------------------------------------------------
    def put_node(self, name: str, identities: NodeIdentities, secret: str) -> None:
        """Create or replace a node with the identities it carries; ``secret`` is stored hashed."""
        salt = new_salt()
        self.store.put_node(name, salt, digest_secret(secret, salt), identities, self.clock.now())

    def node(self, name: str) -> Node | None:
        row = self.store.node_row(name)
        return self.store.node_of(row) if row else None

    def delete_node(self, name: str) -> None:
        self.store.delete_node(name)


def mirid_of(resource_id: str) -> str:
    """The ``xms_mirid`` form of an ARM id: as given, with ``resourcegroups`` in lower case."""
    parts = resource_id.strip("/").split("/")
    if len(parts) > 2 and parts[2].lower() == "resourcegroups":
        parts[2] = "resourcegroups"
    return "/" + "/".join(parts)
