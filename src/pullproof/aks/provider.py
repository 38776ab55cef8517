"""``Microsoft.ContainerService/managedClusters`` (and its ``agentPools``): a cluster's ARM body,
identities, node pools and its Kubernetes cluster. Secrets (the service principal's, the kubeconfig
tokens) are sealed in private fields that responses never show."""

from __future__ import annotations

import base64
import re
from typing import Any

from pullproof.aks import addons, errors
from pullproof.aks.identities import ClusterIdentities
from pullproof.aks.kubeconfig import kubeconfig
from pullproof.aks.nodebody import check_pod_room, node_image, platform
from pullproof.aks.nodes import NodeFleet
from pullproof.arm import errors as arm_errors
from pullproof.arm.models import Resource
from pullproof.arm.providers.base import PutRequest
from pullproof.arm.store import ArmStore
from pullproof.core.clock import Clock
from pullproof.core.errors import ServiceError
from pullproof.core.ids import IdFactory
from pullproof.core.sealing import Sealer
from pullproof.identity.models import Caller
from pullproof.kube.apiserver.bootstrap import ensure_cluster
from pullproof.kube.node.nodeauth import NodeAuth
from pullproof.kube.storage.clusters import Clusters

CLUSTER_TYPE = "Microsoft.ContainerService/managedClusters"
POOL_TYPE = f"{CLUSTER_TYPE}/agentPools"
NAME_RE = re.compile(r"^[a-zA-Z0-9]$|^[a-zA-Z0-9][-_a-zA-Z0-9]{0,61}[a-zA-Z0-9]$")
POOL_RE = re.compile(r"^[a-z][a-z0-9]{0,11}$")
VERSION, CURRENT_VERSION = "1.32", "1.32.4"
NAME_RULE = "The name can contain only letters, digits, '-' and '_' and must be 1 to 63 characters long."


def default_pool(given: dict[str, Any]) -> dict[str, Any]:
    pool = {k: v for k, v in given.items() if v not in ("", None)}
    name = str(pool.get("name") or "nodepool1")
    if not POOL_RE.match(name):
        raise ServiceError(errors.INVALID_POOL, name=name)
    windows = str(pool.get("osType", "Linux")).lower() == "windows"
    if windows and len(name) > 6:
        raise ServiceError(errors.WINDOWS_POOL_NAME)
    count = int(pool.get("count", 3))
    if count < 0 or count > 1000:
        raise ServiceError(errors.INVALID_COUNT)
    pool.update({"name": name, "count": count, "vmSize": pool.get("vmSize", "Standard_DS2_v2"),
                 "osType": "Windows" if windows else pool.get("osType", "Linux"),
                 "osSKU": pool.get("osSKU", "Windows2022" if windows else "Ubuntu"),
                 "mode": pool.get("mode", "System"), "type": pool.get("type", "VirtualMachineScaleSets"),
                 "maxPods": int(pool.get("maxPods", 110)), "osDiskSizeGB": int(pool.get("osDiskSizeGB", 128)),
                 "orchestratorVersion": pool.get("orchestratorVersion", VERSION),
                 "currentOrchestratorVersion": CURRENT_VERSION,
                 "nodeImageVersion": pool.get("nodeImageVersion", node_image(pool)), "provisioningState": "Succeeded",
                 "powerState": {"code": "Stopped" if (pool.get("powerState") or {}).get("code") == "Stopped"
                                else "Running"}})
    return pool


def check_windows(props: dict[str, Any]) -> None:
    """AKS's checks on a Windows pool: Azure CNI, and a Windows profile on the cluster."""
    if not any(platform(p)[0] == "windows" for p in props["agentPoolProfiles"]):
        return
    if props["networkProfile"].get("networkPlugin") != "azure":
        raise ServiceError(errors.WINDOWS_NEEDS_AZURE_CNI)
    if not props.get("windowsProfile"):
        raise ServiceError(errors.WINDOWS_PROFILE_MISSING)


def windows_profile(given: dict[str, Any], old: dict[str, Any] | None, network: dict[str, Any]) -> dict[str, Any]:
    """The cluster's Windows profile: the one given (its password never echoed), the one it has, or, for a new
    Azure CNI cluster, the one AKS generates (``azureuser``)."""
    wanted = given.get("windowsProfile")
    if isinstance(wanted, dict) and wanted.get("adminUsername"):
        return {"adminUsername": wanted["adminUsername"], "enableCSIProxy": wanted.get("enableCSIProxy", True)}
    if old is not None:
        return dict(old.get("windowsProfile") or {})
    return {"adminUsername": "azureuser", "enableCSIProxy": True} if network.get("networkPlugin") == "azure" else {}


def stopped(cluster: Resource) -> bool:
    return (cluster.body["properties"].get("powerState") or {}).get("code") == "Stopped"


def pool_body(cluster: Resource, pool: dict[str, Any]) -> dict[str, Any]:
    return {"id": f"{cluster.id}/agentPools/{pool['name']}", "name": pool["name"], "type": POOL_TYPE,
            "properties": {k: v for k, v in pool.items() if k != "name"}}


class ManagedClusters:
    resource_type = CLUSTER_TYPE
    long_running_delete = True
    actions = frozenset({"listclusterusercredential", "listclusteradmincredential",
                         "listclustermonitoringusercredential", "stop", "start"})

    def __init__(self, identities: ClusterIdentities, fleet: NodeFleet, clusters: Clusters, sealer: Sealer,
                 ids: IdFactory, ca_pem: bytes, store: ArmStore, clock: Clock) -> None:
        self.identities = identities
        self.fleet = fleet
        self.clusters = clusters
        self.sealer = sealer
        self.ids = ids
        self.ca_pem = ca_pem
        self.store = store
        self.clock = clock

    # PUT ------------------------------------------------------------------------------------------
    def build(self, request: PutRequest) -> dict[str, Any]:
        ref, body = request.ref, request.body
        old = request.existing.body if request.existing else {}
        if not NAME_RE.match(ref.name):
            raise ServiceError(arm_errors.INVALID_NAME, name=ref.name, rule=NAME_RULE)
        location = str(body.get("location") or old.get("location") or "").lower().replace(" ", "")
        if not location:
            raise ServiceError(arm_errors.LOCATION_REQUIRED)
        given = body.get("properties") or {}
        props = self._properties(ref.subscription, ref.group or "", ref.name, location, given, old.get("properties"))
        result: dict[str, Any] = {"id": ref.id, "location": location, "name": ref.name, "type": CLUSTER_TYPE,
                                  "tags": body.get("tags") or old.get("tags") or {},
                                  "sku": body.get("sku") or old.get("sku") or {"name": "Base", "tier": "Free"},
                                  "properties": props, "_private": dict(old.get("_private") or {})}
        self._identities(result, body, old, given)
        self._tokens(result["_private"])
        result["eTag"] = self.ids.hex(8)
        return result

    def _properties(self, sub: str, group: str, name: str, location: str, given: dict[str, Any],
                    old: dict[str, Any] | None) -> dict[str, Any]:
        props: dict[str, Any] = dict(old or {})
        if (props.get("powerState") or {}).get("code") == "Stopped":
            counts = {p.get("name"): p.get("count") for p in props.get("agentPoolProfiles") or []}
            scaling = any(counts.get(p.get("name")) != p.get("count") for p in given.get("agentPoolProfiles") or [])
            raise ServiceError(errors.CLUSTER_STOPPED, power="Stopped", operation="scaling" if scaling else "updating")
        prefix = given.get("dnsPrefix") or props.get("dnsPrefix") or f"{name[:10]}-{group[:16]}-{sub[:6]}"
        suffix = props.get("fqdn", "").split(".")[0].rsplit("-", 1)[-1] if props.get("fqdn") else self.ids.hex(4)
        pools = given.get("agentPoolProfiles") or props.get("agentPoolProfiles") or []
        if not pools:
            raise ServiceError(errors.NO_POOLS)
        props.update({
            "provisioningState": "Succeeded", "powerState": props.get("powerState") or {"code": "Running"},
            "kubernetesVersion": given.get("kubernetesVersion") or props.get("kubernetesVersion") or VERSION,
            "currentKubernetesVersion": CURRENT_VERSION, "dnsPrefix": prefix,
            "fqdn": f"{prefix}-{suffix}.hcp.{location}.azmk8s.io",
            "azurePortalFQDN": f"{prefix}-{suffix}.portal.hcp.{location}.azmk8s.io",
            "agentPoolProfiles": [default_pool(p) for p in pools],
            "nodeResourceGroup": given.get("nodeResourceGroup") or props.get("nodeResourceGroup")
            or f"MC_{group}_{name}_{location}",
            "enableRBAC": given.get("enableRBAC", props.get("enableRBAC", True)), "maxAgentPools": 100,
            "supportPlan": "KubernetesOfficial", "disableLocalAccounts": False,
            "addonProfiles": given.get("addonProfiles") or props.get("addonProfiles") or {},
            "networkProfile": {"networkPlugin": "kubenet", "podCidr": "10.244.0.0/16", "serviceCidr": "10.0.0.0/16",
                               "dnsServiceIP": "10.0.0.10", "outboundType": "loadBalancer",
                               "loadBalancerSku": "standard", **(given.get("networkProfile") or {})},
            "oidcIssuerProfile": {"enabled": False}, "securityProfile": {},
            "autoUpgradeProfile": {"nodeOSUpgradeChannel": "NodeImage"},
        })
        check_pod_room(props, props["agentPoolProfiles"])
        profile = windows_profile(given, old, props["networkProfile"])
        props.pop("windowsProfile", None)
        if profile:
            props["windowsProfile"] = profile
        check_windows(props)
        return props

    def _identities(self, result: dict[str, Any], body: dict[str, Any], old: dict[str, Any],
                    given: dict[str, Any]) -> None:
        props, private = result["properties"], result["_private"]
        identity = self.identities.control_plane(result["id"], body.get("identity", old.get("identity")))
        sp_profile = given.get("servicePrincipalProfile") or {}
        if identity is None:
            client_id = str(sp_profile.get("clientId") or "")
            if not client_id or client_id == "msi":
                raise ServiceError(errors.NO_IDENTITY)
            secret = sp_profile.get("secret")
            if secret is None and private.get("sp_client_id") == client_id:
                secret = self.sealer.open(private["sp_secret"])
            self.identities.check_service_principal(client_id, secret)
            private.update({"sp_client_id": client_id, "sp_secret": self.sealer.seal(str(secret)),
                            "nodes": "sp"})
            props["servicePrincipalProfile"] = {"clientId": client_id}
            props.pop("identityProfile", None)
            result.pop("identity", None)
            return
        result["identity"] = identity
        props["servicePrincipalProfile"] = {"clientId": "msi"}
        if private.get("nodes") == "sp":
            return  # migrated control plane; nodes keep the service principal until a node image upgrade
        self._kubelet(result, given.get("identityProfile") or props.get("identityProfile"), identity)

    def _kubelet(self, result: dict[str, Any], profile: Any, identity: dict[str, Any]) -> None:
        props = result["properties"]
        wanted = (profile or {}).get("kubeletidentity") if isinstance(profile, dict) else None
        current = ((props.get("identityProfile") or {}).get("kubeletidentity") or {}).get("resourceId", "")
        if wanted and wanted.get("resourceId"):
            # an update echoes the cluster's own kubelet identity back (az aks update sends the whole body)
            if identity["type"] != "UserAssigned" and str(wanted["resourceId"]).lower() != current.lower():
                raise ServiceError(errors.KUBELET_NEEDS_USER_ASSIGNED)
            kubelet = self.identities.user_assigned(wanted["resourceId"])
        else:
            sub = result["id"].split("/")[2]
            kubelet = self.identities.created_kubelet(sub, props["nodeResourceGroup"], result["location"],
                                                      result["name"], result["id"])
        props["identityProfile"] = {"kubeletidentity": {"resourceId": kubelet["resourceId"],
                                                        "clientId": kubelet["clientId"],
                                                        "objectId": kubelet["principalId"]}}
        result["_private"]["nodes"] = "msi"

    def _tokens(self, private: dict[str, Any]) -> None:
        for user in ("clusterUser", "clusterAdmin"):
            if f"token_{user}" not in private:
                private[f"token_{user}"] = self.sealer.seal(self.ids.hex(32))

    # the Kubernetes side -------------------------------------------------------------------------------
    def activate(self, resource: Resource) -> None:
        """Open (or update) the cluster's Kubernetes side after the ARM body is stored."""
        private = resource.body["_private"]
        digests = {user: Clusters.token_digest(self.sealer.open(private[f"token_{user}"]))
                   for user in ("clusterUser", "clusterAdmin")}
        props = resource.body["properties"]
        cluster = self.clusters.open(resource.id, props["fqdn"], digests, props["currentKubernetesVersion"])
        cluster.stopped = (props.get("powerState") or {}).get("code") == "Stopped"
        ensure_cluster(cluster.tracker)
        addons.sync(cluster.tracker, props)
        kubelet = props.get("identityProfile", {}).get("kubeletidentity", {}).get("resourceId")
        self.fleet.sync(cluster, resource.body, kubelet if private.get("nodes") == "msi" else None)

    def upgrade_node_image(self, resource: Resource, pool_name: str | None = None) -> None:
        """``upgradeNodeImageVersion``: reimaged nodes (a new boot, an empty image cache) pick up the
        cluster's current identity."""
        body = resource.body
        if body["_private"].get("nodes") == "sp" and body.get("identity"):
            body["_private"]["previous_sp_client_id"] = body["_private"].get("sp_client_id")
            self._kubelet(body, None, body["identity"])
        reimaged = body["_private"].setdefault("reimaged", {})
        for pool in body["properties"]["agentPoolProfiles"]:
            pool["nodeImageVersion"] = node_image(pool)
            if pool_name is None or pool["name"] == pool_name:
                reimaged[pool["name"]] = int(reimaged.get(pool["name"], 0)) + 1

    def node_auth(self, resource: Resource, node: str) -> NodeAuth:
        private, props = resource.body["_private"], resource.body["properties"]
        credential = self.fleet.credential(node)
        tenant = self.identities.directory.tenant.id
        if private.get("nodes") == "sp":
            return NodeAuth(tenant, "sp", private["sp_client_id"], self.sealer.open(private["sp_secret"]), credential)
        return NodeAuth(tenant, "msi", props["identityProfile"]["kubeletidentity"]["clientId"], None, credential)

    # ARM provider contract -------------------------------------------------------------------------------
    def stored(self, resource: Resource) -> None:
        self.save_cluster(resource)

    def save_cluster(self, cluster: Resource) -> None:
        """Store the cluster, its pool rows, and bring its Kubernetes side up to date."""
        self.store.put(cluster, self.clock.now())
        wanted = {p["name"] for p in cluster.body["properties"]["agentPoolProfiles"]}
        for child in self.store.children(cluster.id):
            if child.type.lower() == POOL_TYPE.lower() and child.name not in wanted:
                self.store.delete(child.id)
        for pool in cluster.body["properties"]["agentPoolProfiles"]:
            body = pool_body(cluster, pool)
            self.store.put(Resource(body["id"], POOL_TYPE, pool["name"], cluster.subscription, cluster.group, body),
                           self.clock.now())
        self.activate(cluster)

    def render(self, resource: Resource, api_version: str) -> dict[str, Any]:
        return {k: v for k, v in resource.body.items() if not k.startswith("_")}

    def deleted(self, resource: Resource, *, cascade: bool) -> None:
        cluster = self.clusters.get(resource.id)
        if cluster is not None:
            self.fleet.remove(cluster)
            self.clusters.remove(resource.id)
        self.identities.directory.delete_managed_identity(resource.id)
        sub = resource.id.split("/")[2]
        self.identities.remove_node_group(sub, resource.body["properties"]["nodeResourceGroup"])

    def power(self, resource: Resource, action: str) -> tuple[int, Any]:
        """``stop``/``start``: the cluster's and every pool's powerState; stopped, the nodes are deallocated
        (drained and gone) and the API server does not answer; started, the nodes boot again."""
        code = "Stopped" if action == "stop" else "Running"
        if (resource.body["properties"].get("powerState") or {}).get("code", "Running") == code:
            raise ServiceError(errors.CLUSTER_STOPPED, power=code,
                               operation="stopping" if action == "stop" else "starting")
        resource.body["properties"]["powerState"] = {"code": code}
        for pool in resource.body["properties"]["agentPoolProfiles"]:
            pool["powerState"] = {"code": code}
        if code == "Running":
            reimaged = resource.body["_private"].setdefault("reimaged", {})
            for pool in resource.body["properties"]["agentPoolProfiles"]:
                reimaged[pool["name"]] = int(reimaged.get(pool["name"], 0)) + 1  # a new boot of every node
        self.save_cluster(resource)
        return 204, None

    def action(self, resource: Resource, action: str, payload: dict[str, Any], caller: Caller) -> tuple[int, Any]:
        if action.lower() in ("stop", "start"):
            return self.power(resource, action.lower())
        user = "clusterAdmin" if action.lower() == "listclusteradmincredential" else "clusterUser"
        token = self.sealer.open(resource.body["_private"][f"token_{user}"])
        group = resource.id.split("/")[4]
        text = kubeconfig(resource.name, group, resource.body["properties"]["fqdn"], self.ca_pem, user, token)
        return 200, {"kubeconfigs": [{"name": user, "value": base64.b64encode(text.encode()).decode()}]}
