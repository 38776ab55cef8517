"""The Graph directory subset ``az ad`` and ``az role assignment`` use: applications, service
principals, passwords, users and ``getByIds``. Objects are rendered as Graph v1.0 returns them."""

from __future__ import annotations

import re
from typing import Any

from pullproof.core.clock import graph_time, parse_time
from pullproof.core.errors import ServiceError
from pullproof.identity.graph import errors
from pullproof.identity.models import Application, Caller, ServicePrincipal, User
from pullproof.identity.service import DirectoryService
from pullproof.rbac.models import is_guid

SPN_FILTER = re.compile(r"^servicePrincipalNames/any\(\w+:\w+ eq '(?P<v>(?:[^']|'')*)'\)$", re.IGNORECASE)
EQ_FILTER = re.compile(r"^(?P<p>displayName|appId|userPrincipalName|id) eq '(?P<v>(?:[^']|'')*)'$", re.IGNORECASE)
STARTS_FILTER = re.compile(r"^startswith\((?P<p>displayName),\s*'(?P<v>(?:[^']|'')*)'\)$", re.IGNORECASE)


def parse_filter(text: str) -> tuple[str, str, str]:
    """(kind, property, value) for the filter forms the CLI sends; anything else is unsupported."""
    text = text.strip()
    for kind, pattern in (("spn", SPN_FILTER), ("eq", EQ_FILTER), ("startswith", STARTS_FILTER)):
        match = pattern.match(text)
        if match:
            prop = match.groupdict().get("p", "servicePrincipalNames").lower()
            return kind, prop, match.group("v").replace("''", "'")
    raise ServiceError(errors.UNSUPPORTED_QUERY)


class GraphService:
    def __init__(self, directory: DirectoryService, writers: set[str]) -> None:
        self.directory = directory
        self.store = directory.store
        self.writers = writers

    # permissions -----------------------------------------------------------------------------------
    def require(self, caller: Caller, write: bool) -> None:
        """Members (users) read and create apps; apps need a directory role (the operator has one)."""
        if caller.kind == "user" or caller.object_id in self.writers:
            return
        raise ServiceError(errors.DENIED)

    # rendering ----------------------------------------------------------------------------------------
    def render_app(self, app: Application) -> dict[str, Any]:
        creds = [
            {"customKeyIdentifier": None, "displayName": c.display_name, "endDateTime": graph_time(c.end),
             "hint": c.hint, "keyId": c.key_id, "secretText": None, "startDateTime": graph_time(c.start)}
            for c in self.store.passwords(app.app_id)
        ]
        return {
            "id": app.object_id, "appId": app.app_id, "displayName": app.display_name,
            "createdDateTime": graph_time(app.created), "deletedDateTime": None,
            "identifierUris": list(app.extra.get("identifierUris", [])), "keyCredentials": [],
            "passwordCredentials": creds, "publisherDomain": self.directory.tenant.domain,
            "signInAudience": "AzureADMyOrg", "tags": [], "requiredResourceAccess": [],
            "web": {"redirectUris": [], "homePageUrl": None, "logoutUrl": None},
            "api": {"oauth2PermissionScopes": [], "requestedAccessTokenVersion": None},
        }

    def render_sp(self, sp: ServicePrincipal) -> dict[str, Any]:
        managed = sp.kind == "ManagedIdentity"
        app = None if managed else self.store.application(app_id=sp.app_id)
        return {
            "@odata.type": "#microsoft.graph.servicePrincipal",
            "id": sp.object_id, "accountEnabled": sp.enabled, "appId": sp.app_id,
            "appDisplayName": None if managed else sp.display_name, "displayName": sp.display_name,
            "appOwnerOrganizationId": None if managed else sp.tenant_id,
            "alternativeNames": _alternative_names(sp) if managed else [],
            "servicePrincipalNames": list(sp.names) + (list(app.extra.get("identifierUris", [])) if app else []),
            "servicePrincipalType": sp.kind, "signInAudience": None if managed else "AzureADMyOrg",
            "tags": [], "keyCredentials": [], "passwordCredentials": [],
            "createdDateTime": graph_time(sp.created),
        }

    @staticmethod
    def render_user(user: User) -> dict[str, Any]:
        given, _, family = user.display_name.partition(" ")
        return {"@odata.type": "#microsoft.graph.user", "id": user.object_id, "displayName": user.display_name,
                "userPrincipalName": user.upn, "givenName": given, "surname": family or None, "mail": None,
                "businessPhones": [], "jobTitle": None, "mobilePhone": None, "officeLocation": None,
                "preferredLanguage": None}

    # applications ----------------------------------------------------------------------------------------
    def create_app(self, body: dict[str, Any]) -> dict[str, Any]:
        name = body.get("displayName")
        if not isinstance(name, str) or not name.strip():
            raise ServiceError(errors.BAD_REQUEST, detail="Property 'displayName' is required.")
        uris = [u for u in body.get("identifierUris") or [] if isinstance(u, str)]
        if name.lower().startswith(("http://", "https://")) and name not in uris:
            uris.append(name)
        return self.render_app(self.directory.create_application(name, {"identifierUris": uris}))

    def app(self, key: str) -> Application:
        app = self.store.application(object_id=key) if is_guid(key) else None
        if app is None and key.lower().startswith("(appid="):
            app = self.store.application(app_id=key[7:].strip(")'\""))
        if app is None:
            raise ServiceError(errors.NOT_FOUND, id=key)
        return app

    def list_apps(self, filter_: str | None) -> list[dict[str, Any]]:
        if not filter_:
            return [self.render_app(a) for a in self.store.applications()]
        kind, prop, value = parse_filter(filter_)
        if kind == "startswith":
            apps = self.store.applications(name_prefix=value)
        elif prop == "displayname":
            apps = self.store.applications(name=value)
        elif prop == "appid":
            found = self.store.application(app_id=value)
            apps = [found] if found else []
        else:
            raise ServiceError(errors.UNSUPPORTED_QUERY)
        return [self.render_app(a) for a in apps]

    def add_password(self, key: str, body: dict[str, Any]) -> dict[str, Any]:
        app = self.app(key)
        cred = body.get("passwordCredential") or {}
        if not isinstance(cred, dict):
            raise ServiceError(errors.BAD_REQUEST, detail="Invalid passwordCredential.")
        try:
            start = parse_time(cred["startDateTime"]) if cred.get("startDateTime") else None
            end = parse_time(cred["endDateTime"]) if cred.get("endDateTime") else None
        except (TypeError, ValueError):
            raise ServiceError(errors.BAD_REQUEST, detail="Invalid value for startDateTime or endDateTime.") from None
        new = self.directory.add_password(app.app_id, cred.get("displayName"), start, end)
        c = new.credential
        return {"customKeyIdentifier": None, "displayName": c.display_name, "endDateTime": graph_time(c.end),
                "hint": c.hint, "keyId": c.key_id, "secretText": new.secret_text,
                "startDateTime": graph_time(c.start)}

    # service principals ---------------------------------------------------------------------------------
    def create_sp(self, body: dict[str, Any]) -> dict[str, Any]:
        app_id = str(body.get("appId") or "")
        app = self.store.application(app_id=app_id) if is_guid(app_id) else None
        if app is None:
            raise ServiceError(errors.BAD_REQUEST, detail=f"The appId '{app_id}' of the service principal does "
                               "not reference a valid application object.")
        if self.store.sp(app_id=app.app_id) is not None:
            raise ServiceError(errors.CONFLICT, property="appId")
        return self.render_sp(self.directory.create_service_principal(app))

    def sp(self, key: str) -> ServicePrincipal:
        found = self.store.sp(object_id=key) if is_guid(key) else None
        if found is None:
            raise ServiceError(errors.NOT_FOUND, id=key)
        return found

    def list_sps(self, filter_: str | None) -> list[dict[str, Any]]:
        if not filter_:
            return [self.render_sp(s) for s in self.store.sps()]
        kind, prop, value = parse_filter(filter_)
        if kind == "spn":
            found = [s for s in self.store.sps() if value.lower() in
                     {n.lower() for n in self.render_sp(s)["servicePrincipalNames"]}]
        elif kind == "startswith":
            found = self.store.sps("display_name LIKE ? ESCAPE '\\'", (_like(value),))
        elif prop == "displayname":
            found = self.store.sps("display_name = ? COLLATE NOCASE", (value,))
        elif prop == "appid":
            found = self.store.sps("app_id = ?", (value.lower(),))
        else:
            raise ServiceError(errors.UNSUPPORTED_QUERY)
        return [self.render_sp(s) for s in found]

    # users and directory objects -------------------------------------------------------------------------
    def user(self, key: str) -> dict[str, Any]:
        row = self.store.user_row(object_id=key) if is_guid(key) else self.store.user_row(upn=key)
        if row is None:
            raise ServiceError(errors.NOT_FOUND, id=key)
        return self.render_user(self.store.user_of(row))

    def list_users(self, filter_: str | None) -> list[dict[str, Any]]:
        if not filter_:
            rows = self.store.db.query("SELECT * FROM users ORDER BY upn")
            return [self.render_user(self.store.user_of(r)) for r in rows]
        kind, prop, value = parse_filter(filter_)
        if kind != "eq" or prop != "userprincipalname":
            raise ServiceError(errors.UNSUPPORTED_QUERY)
        row = self.store.user_row(upn=value)
        return [self.render_user(self.store.user_of(row))] if row else []

    def get_by_ids(self, body: dict[str, Any]) -> list[dict[str, Any]]:
        ids = body.get("ids")
        if not isinstance(ids, list) or not all(isinstance(i, str) for i in ids):
            raise ServiceError(errors.BAD_REQUEST, detail="Property 'ids' must be a list of strings.")
        types = {t.lower() for t in body.get("types") or ["user", "servicePrincipal"] if isinstance(t, str)}
        found: list[dict[str, Any]] = []
        for key in ids:
            if not is_guid(key):
                raise ServiceError(errors.BAD_REQUEST, detail=f"Invalid object identifier '{key}'.")
            sp = self.store.sp(object_id=key)
            if sp is not None and "serviceprincipal" in types:
                found.append(self.render_sp(sp))
            row = self.store.user_row(object_id=key)
            if row is not None and "user" in types:
                found.append(self.render_user(self.store.user_of(row)))
        return found


def _like(prefix: str) -> str:
    return prefix.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"


def _alternative_names(sp: ServicePrincipal) -> list[str]:
    """A managed identity's: ``isExplicit=True`` for a user-assigned identity, ``False`` for a system-assigned one."""
    if not sp.resource_id:
        return []
    explicit = "/providers/microsoft.managedidentity/userassignedidentities/" in sp.resource_id.lower()
    return [f"isExplicit={explicit}", sp.resource_id]
