"""A managed cluster's identities: the control plane's (system- or user-assigned, or a service
principal) and the kubelet's (user-assigned, brought or created as ``<cluster>-agentpool`` in the
node resource group)."""

from __future__ import annotations

from typing import Any

from pullproof.aks import errors
from pullproof.arm.models import GROUP_TYPE, Resource
from pullproof.arm.providers.identities import IDENTITY_TYPE
from pullproof.arm.store import ArmStore
from pullproof.core.clock import Clock
from pullproof.core.errors import ServiceError
from pullproof.identity.grants import Grants
from pullproof.identity.service import DirectoryService


class ClusterIdentities:
    def __init__(self, directory: DirectoryService, grants: Grants, store: ArmStore, clock: Clock) -> None:
        self.directory = directory
        self.grants = grants
        self.store = store
        self.clock = clock

    def user_assigned(self, resource_id: str) -> dict[str, str]:
        """clientId/principalId of an existing user-assigned identity."""
        found = self.store.get(resource_id)
        if found is None or found.type.lower() != IDENTITY_TYPE.lower():
            raise ServiceError(errors.IDENTITY_NOT_FOUND, id=resource_id)
        props = found.body["properties"]
        return {"clientId": props["clientId"], "principalId": props["principalId"], "resourceId": found.id}

    def control_plane(self, cluster_id: str, given: Any) -> dict[str, Any] | None:
        """The cluster's ``identity`` block, creating the system-assigned principal when asked."""
        if not isinstance(given, dict) or str(given.get("type", "None")).lower() == "none":
            return None
        kind = str(given["type"])
        if kind.lower() == "systemassigned":
            sp = self.directory.managed_identity(cluster_id) or self.directory.create_managed_identity(
                cluster_id, cluster_id.rsplit("/", 1)[-1])
            return {"type": "SystemAssigned", "principalId": sp.object_id, "tenantId": sp.tenant_id}
        if kind.lower() == "userassigned":
            wanted = given.get("userAssignedIdentities") or {}
            resolved = {}
            for key in wanted:
                found = self.user_assigned(key)
                resolved[found["resourceId"]] = {"clientId": found["clientId"], "principalId": found["principalId"]}
            return {"type": "UserAssigned", "principalId": None, "tenantId": None, "userAssignedIdentities": resolved}
        raise ServiceError(errors.NO_IDENTITY)

    def check_service_principal(self, client_id: str, secret: str | None) -> None:
        sp = self.directory.store.sp(app_id=client_id) if len(client_id) == 36 else None
        if sp is None or sp.kind != "Application":
            raise ServiceError(errors.SP_NOT_FOUND, client_id=client_id, tenant=self.directory.tenant.id)
        try:
            self.grants.authenticate_secret(sp, secret or "")
        except ServiceError as exc:
            raise ServiceError(errors.SP_BAD_SECRET, detail=exc.message) from None

    def created_kubelet(self, sub: str, node_group: str, location: str, cluster_name: str,
                        cluster_id: str) -> dict[str, str]:
        """The AKS-created kubelet identity ``<cluster>-agentpool`` in the node resource group."""
        group_id = f"/subscriptions/{sub}/resourcegroups/{node_group}"
        if self.store.get(group_id) is None:
            body: dict[str, Any] = {"id": f"/subscriptions/{sub}/resourceGroups/{node_group}", "name": node_group,
                    "type": GROUP_TYPE, "location": location, "managedBy": cluster_id,
                    "tags": {"aks-managed-cluster-name": cluster_name},
                    "properties": {"provisioningState": "Succeeded"}}
            self.store.put(Resource(body["id"], "microsoft.resources/resourcegroups", node_group, sub, node_group,
                                    body), self.clock.now())
        name = f"{cluster_name}-agentpool"
        identity_id = f"/subscriptions/{sub}/resourcegroups/{node_group}/providers/{IDENTITY_TYPE}/{name}"
        if self.store.get(identity_id) is None:
            sp = self.directory.managed_identity(identity_id) or self.directory.create_managed_identity(identity_id,
                                                                                                      name)
            body = {"id": identity_id, "name": name, "type": IDENTITY_TYPE, "location": location, "tags": {},
                    "properties": {"isolationScope": "None", "tenantId": sp.tenant_id, "principalId": sp.object_id,
                                   "clientId": sp.app_id}}
            self.store.put(Resource(identity_id, IDENTITY_TYPE, name, sub, node_group, body), self.clock.now())
        return self.user_assigned(identity_id)

    def remove_node_group(self, sub: str, node_group: str) -> None:
        for resource in self.store.resources(sub, group=node_group):
            self.store.delete(resource.id)
            if resource.type.lower() == IDENTITY_TYPE.lower():
                self.directory.delete_managed_identity(resource.id)
        self.store.delete(f"/subscriptions/{sub}/resourcegroups/{node_group}")
