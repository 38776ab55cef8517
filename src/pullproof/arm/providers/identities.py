"""``Microsoft.ManagedIdentity/userAssignedIdentities``: each one owns a service principal."""

from __future__ import annotations

import re
from typing import Any

from pullproof.arm import errors
from pullproof.arm.models import Resource
from pullproof.arm.providers.base import PutRequest
from pullproof.core.errors import ServiceError
from pullproof.identity.service import DirectoryService

IDENTITY_TYPE = "Microsoft.ManagedIdentity/userAssignedIdentities"
NAME_RE = re.compile(r"^[a-zA-Z0-9][a-zA-Z0-9_-]{2,127}$")
NAME_RULE = (
    "The name can contain only letters, digits, '-' and '_', must start with a letter or digit, "
    "and must be 3 to 128 characters long."
)


class UserAssignedIdentities:
    resource_type = IDENTITY_TYPE
    actions: frozenset[str] = frozenset()
    long_running_delete = False

    def __init__(self, directory: DirectoryService) -> None:
        self.directory = directory

    def build(self, request: PutRequest) -> dict[str, Any]:
        ref = request.ref
        if not NAME_RE.match(ref.name):
            raise ServiceError(errors.INVALID_NAME, name=ref.name, rule=NAME_RULE)
        location = request.body.get("location")
        if not isinstance(location, str) or not location:
            raise ServiceError(errors.LOCATION_REQUIRED)
        tags = request.body.get("tags") or {}
        if request.existing is not None:
            props = dict(request.existing.body["properties"])
        else:
            sp = self.directory.managed_identity(ref.id) or self.directory.create_managed_identity(ref.id, ref.name)
            props = {"isolationScope": "None", "tenantId": self.directory.tenant.id,
                     "principalId": sp.object_id, "clientId": sp.app_id}
        isolation = (request.body.get("properties") or {}).get("isolationScope")
        if isinstance(isolation, str):
            props["isolationScope"] = isolation
        return {"id": ref.id, "name": ref.name, "type": self.resource_type, "location": location.lower()
                .replace(" ", ""), "tags": tags, "properties": props}

    def stored(self, resource: Resource) -> None:
        """Nothing runs for this resource."""

    def render(self, resource: Resource, api_version: str) -> dict[str, Any]:
        return resource.body

    def deleted(self, resource: Resource, *, cascade: bool) -> None:
        self.directory.delete_managed_identity(resource.id)

    def action(self, resource: Resource, action: str, payload: dict[str, Any], caller: Any) -> tuple[int, Any]:
        raise ServiceError(errors.METHOD_NOT_ALLOWED, method="POST")
