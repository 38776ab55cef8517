"""``Microsoft.ContainerRegistry/registries``: the control plane of a registry.

The body follows the 2025-11-01 shape. Admin passwords are sealed in the stored body (``_admin``)
and only ``listCredentials`` returns them; ``render`` never does.
"""

from __future__ import annotations

import hmac
import re
from collections.abc import Callable
from typing import Any

from pullproof.arm import errors
from pullproof.arm.models import Resource
from pullproof.arm.providers.base import PutRequest
from pullproof.arm.providers.registry_errors import (
    ADMIN_DISABLED,
    ANONYMOUS_NOT_SUPPORTED,
    INVALID_CREDENTIAL_NAME,
    INVALID_SKU,
    NAME_IN_USE,
)
from pullproof.arm.store import ArmStore
from pullproof.core.clock import Clock, isoformat
from pullproof.core.errors import ServiceError
from pullproof.core.ids import IdFactory
from pullproof.core.sealing import Sealer
from pullproof.identity.models import Caller
from pullproof.identity.service import DirectoryService
from pullproof.registry.models import RegistryInfo
from pullproof.registry.scope import REGISTRY_TYPE

NAME_RE = re.compile(r"^[a-zA-Z0-9]{5,50}$")
NAME_RULE = "The registry name must be 5 to 50 characters long and contain only letters and digits."
SKUS = {"basic": "Basic", "classic": "Classic", "standard": "Standard", "premium": "Premium"}
MODES = {"legacyregistrypermissions": "LegacyRegistryPermissions", "abacrepositorypermissions":
         "AbacRepositoryPermissions"}


def login_server(name: str) -> str:
    return f"{name.lower()}.azurecr.io"


class Registries:
    resource_type = REGISTRY_TYPE
    actions = frozenset({"listcredentials", "regeneratecredential", "listusages"})
    long_running_delete = False

    def __init__(self, directory: DirectoryService, sealer: Sealer, clock: Clock, ids: IdFactory,
                 name_taken: Callable[[str, str], bool], purge: Callable[[str], None]) -> None:
        self.directory = directory
        self.sealer = sealer
        self.clock = clock
        self.ids = ids
        self.name_taken = name_taken
        self.purge = purge

    def build(self, request: PutRequest) -> dict[str, Any]:
        ref, body, existing = request.ref, request.body, request.existing
        if existing is None:
            if not NAME_RE.match(ref.name):
                raise ServiceError(errors.INVALID_NAME, name=ref.name, rule=NAME_RULE)
            if self.name_taken(ref.name, ref.id):
                raise ServiceError(NAME_IN_USE, server=login_server(ref.name))
        old = existing.body if existing else {}
        location = body.get("location") or old.get("location")
        if not isinstance(location, str) or not location:
            raise ServiceError(errors.LOCATION_REQUIRED)
        sku = self._sku(body.get("sku") or old.get("sku"))
        props = self._properties(body.get("properties") or {}, old.get("properties"), ref.name, sku)
        result: dict[str, Any] = {
            "id": ref.id, "name": ref.name, "type": REGISTRY_TYPE, "location": location.lower().replace(" ", ""),
            "tags": body.get("tags") if isinstance(body.get("tags"), dict) else old.get("tags", {}),
            "sku": {"name": sku, "tier": sku}, "properties": props,
            "systemData": old.get("systemData") or self._system_data(request.caller),
            "_admin": old.get("_admin") or self._new_admin(),
        }
        identity = self._identity(body.get("identity"), old.get("identity"), ref.id)
        if identity is not None:
            result["identity"] = identity
        return result

    @staticmethod
    def _sku(value: Any) -> str:
        name = value.get("name") if isinstance(value, dict) else None
        if not isinstance(name, str) or name.lower() not in SKUS:
            raise ServiceError(INVALID_SKU, sku=name)
        return SKUS[name.lower()]

    def _properties(self, given: dict[str, Any], old: dict[str, Any] | None, name: str, sku: str) -> dict[str, Any]:
        props = dict(old) if old else self._default_properties(name)
        for key in ("adminUserEnabled", "anonymousPullEnabled", "dataEndpointEnabled", "publicNetworkAccess",
                    "networkRuleBypassOptions", "zoneRedundancy"):
            if key in given and given[key] is not None:
                props[key] = given[key]
        mode = given.get("roleAssignmentMode")
        if isinstance(mode, str):
            props["roleAssignmentMode"] = MODES.get(mode.lower(), mode)
        policies = given.get("policies")
        if isinstance(policies, dict):
            merged = dict(props["policies"])
            merged.update({k: v for k, v in policies.items() if isinstance(v, dict)})
            props["policies"] = merged
        if props.get("anonymousPullEnabled") and sku not in {"Standard", "Premium"}:
            raise ServiceError(ANONYMOUS_NOT_SUPPORTED, sku=sku)
        return props

    def _default_properties(self, name: str) -> dict[str, Any]:
        return {
            "loginServer": login_server(name), "creationDate": isoformat(self.clock.now()),
            "provisioningState": "Succeeded", "adminUserEnabled": False, "anonymousPullEnabled": False,
            "dataEndpointEnabled": False, "dataEndpointHostNames": [], "publicNetworkAccess": "Enabled",
            "networkRuleBypassOptions": "AzureServices", "zoneRedundancy": "Disabled",
            "policies": {
                "quarantinePolicy": {"status": "disabled"},
                "trustPolicy": {"type": "Notary", "status": "disabled"},
                "retentionPolicy": {"days": 7, "status": "disabled"},
                "exportPolicy": {"status": "enabled"},
                "azureADAuthenticationAsArmPolicy": {"status": "enabled"},
            },
            "encryption": {"status": "disabled"}, "privateEndpointConnections": [],
            "roleAssignmentMode": "LegacyRegistryPermissions",
        }

    def _system_data(self, caller: Caller) -> dict[str, Any]:
        now = isoformat(self.clock.now())
        kind = "User" if caller.kind == "user" else "Application"
        return {"createdBy": caller.display, "createdByType": kind, "createdAt": now,
                "lastModifiedBy": caller.display, "lastModifiedByType": kind, "lastModifiedAt": now}

    def _new_admin(self) -> dict[str, str]:
        return {"password": self.sealer.seal(self.ids.secret(52)), "password2": self.sealer.seal(self.ids.secret(52))}

    def _identity(self, given: Any, old: Any, resource_id: str) -> dict[str, Any] | None:
        if not isinstance(given, dict):
            return old if isinstance(old, dict) else None
        kind = str(given.get("type") or "None")
        if "systemassigned" not in kind.lower().replace(" ", ""):
            self.directory.delete_managed_identity(resource_id)
            return {"type": kind} if kind != "None" else None
        sp = self.directory.managed_identity(resource_id) or self.directory.create_managed_identity(
            resource_id, resource_id.rsplit("/", 1)[-1])
        return {"type": kind, "principalId": sp.object_id, "tenantId": sp.tenant_id}

    def stored(self, resource: Resource) -> None:
        """Nothing runs for this resource."""

    def render(self, resource: Resource, api_version: str) -> dict[str, Any]:
        return {k: v for k, v in resource.body.items() if not k.startswith("_")}

    def deleted(self, resource: Resource, *, cascade: bool) -> None:
        self.directory.delete_managed_identity(resource.id)
        self.purge(resource.body["properties"]["loginServer"])

    def admin_passwords(self, resource: Resource) -> dict[str, str]:
        return {k: self.sealer.open(v) for k, v in resource.body["_admin"].items()}

    def action(self, resource: Resource, action: str, payload: dict[str, Any], caller: Caller) -> tuple[int, Any]:
        if action.lower() == "listusages":
            return 200, {"value": [{"name": "Size", "limit": 10737418240, "currentValue": 0, "unit": "Bytes"}]}
        if not resource.body["properties"].get("adminUserEnabled"):
            raise ServiceError(ADMIN_DISABLED)
        if action.lower() == "regeneratecredential":
            which = payload.get("name")
            if which not in {"password", "password2"}:
                raise ServiceError(INVALID_CREDENTIAL_NAME, name=which)
            resource.body["_admin"][which] = self.sealer.seal(self.ids.secret(52))
        passwords = self.admin_passwords(resource)
        return 200, {"username": resource.name,
                     "passwords": [{"name": k, "value": passwords[k]} for k in ("password", "password2")]}


class RegistryLookup:
    """The data plane's view of registries (implements ``registry.models.RegistryDirectory``)."""

    def __init__(self, store: ArmStore, provider: Registries) -> None:
        self.store = store
        self.provider = provider

    def _resource(self, login: str) -> Resource | None:
        host = login.lower().rsplit(":", 1)[0]
        if not host.endswith(".azurecr.io"):
            return None
        found = self.store.by_type_and_name(REGISTRY_TYPE, host[: -len(".azurecr.io")])
        return found[0] if found else None

    def find(self, login_server: str) -> RegistryInfo | None:
        resource = self._resource(login_server)
        if resource is None:
            return None
        props = resource.body["properties"]
        policy = props.get("policies", {}).get("azureADAuthenticationAsArmPolicy", {})
        return RegistryInfo(resource.id, resource.name, props["loginServer"], resource.body["sku"]["name"],
                            bool(props.get("adminUserEnabled")), bool(props.get("anonymousPullEnabled")),
                            props.get("roleAssignmentMode") == "AbacRepositoryPermissions",
                            str(policy.get("status", "enabled")).lower() == "enabled")

    def admin_password_ok(self, registry: RegistryInfo, password: str) -> bool:
        resource = self._resource(registry.login_server)
        if resource is None or not password:
            return False
        return any(hmac.compare_digest(password, value) for value in self.provider.admin_passwords(resource).values())

    def name_taken(self, name: str, resource_id: str) -> bool:
        return any(r.id.lower() != resource_id.lower() for r in self.store.by_type_and_name(REGISTRY_TYPE, name))

    def check_name(self, caller: Caller, payload: dict[str, Any]) -> tuple[int, Any]:
        name = str(payload.get("name") or "")
        if not NAME_RE.match(name):
            return 200, {"nameAvailable": False, "reason": "Invalid", "message": NAME_RULE}
        if self.store.by_type_and_name(REGISTRY_TYPE, name):
            return 200, {"nameAvailable": False, "reason": "AlreadyExists",
                         "message": f"The registry {name} is already in use."}
        return 200, {"nameAvailable": True}
