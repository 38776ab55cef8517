"""The objects the API server and AKS put in every cluster: the bootstrap ClusterRoles and
ClusterRoleBindings (``plugin/pkg/auth/authorizer/rbac/bootstrappolicy``, a summary of their rules),
the built-in PriorityClasses and AKS's Azure Disk and Azure Files CSIDrivers."""

from __future__ import annotations

from typing import Any

from pullproof.core.errors import ServiceError
from pullproof.kube import errors
from pullproof.kube.storage.tracker import Tracker

Obj = dict[str, Any]
RBAC = "rbac.authorization.k8s.io"
BOOTSTRAP = {"labels": {"kubernetes.io/bootstrapping": "rbac-defaults"},
             "annotations": {"rbac.authorization.kubernetes.io/autoupdate": "true"}}
READ = ["get", "list", "watch"]
WRITE = ["create", "delete", "deletecollection", "patch", "update"]
CORE_READ = ["configmaps", "endpoints", "persistentvolumeclaims", "pods", "replicationcontrollers", "services",
             "serviceaccounts", "events", "limitranges", "namespaces", "resourcequotas"]
APPS = ["daemonsets", "deployments", "replicasets", "statefulsets"]


def _rule(verbs: list[str], groups: list[str], resources: list[str]) -> Obj:
    return {"verbs": verbs, "apiGroups": groups, "resources": resources}


def _aggregated(name: str) -> Obj:
    return {"clusterRoleSelectors": [{"matchLabels": {f"rbac.authorization.k8s.io/aggregate-to-{name}": "true"}}]}


VIEW = [_rule(READ, [""], CORE_READ), _rule(READ, ["apps"], APPS), _rule(READ, ["batch"], ["cronjobs", "jobs"]),
        _rule(READ, ["autoscaling"], ["horizontalpodautoscalers"]),
        _rule(READ, ["networking.k8s.io"], ["ingresses", "networkpolicies"]),
        _rule(READ, ["policy"], ["poddisruptionbudgets"]), _rule(READ, ["discovery.k8s.io"], ["endpointslices"])]
EDIT = [_rule(READ + WRITE, [""], ["configmaps", "endpoints", "persistentvolumeclaims", "pods", "secrets",
                                   "services", "serviceaccounts"]),
        _rule(["create"], [""], ["pods/eviction", "serviceaccounts/token"]),
        _rule(READ + WRITE, ["apps"], [*APPS, "deployments/scale", "statefulsets/scale"]),
        _rule(READ + WRITE, ["batch"], ["cronjobs", "jobs"]),
        _rule(READ + WRITE, ["autoscaling"], ["horizontalpodautoscalers"]),
        _rule(READ + WRITE, ["networking.k8s.io"], ["ingresses", "networkpolicies"]),
        _rule(READ + WRITE, ["policy"], ["poddisruptionbudgets"]), *VIEW]
ADMIN = [_rule(READ + WRITE, [RBAC], ["rolebindings", "roles"]), _rule(["create"], ["authorization.k8s.io"],
                                                                      ["localsubjectaccessreviews"]), *EDIT]
CLUSTER_ROLES: tuple[tuple[str, list[Obj], Obj | None], ...] = (
    ("cluster-admin", [{"verbs": ["*"], "apiGroups": ["*"], "resources": ["*"]},
                       {"verbs": ["*"], "nonResourceURLs": ["*"]}], None),
    ("admin", ADMIN, _aggregated("admin")), ("edit", EDIT, _aggregated("edit")), ("view", VIEW, _aggregated("view")),
    ("system:basic-user", [_rule(["create"], ["authorization.k8s.io"], ["selfsubjectaccessreviews",
                                                                         "selfsubjectrulesreviews"])], None),
    ("system:discovery", [{"verbs": ["get"], "nonResourceURLs": ["/api", "/api/*", "/apis", "/apis/*", "/healthz",
                                                                 "/livez", "/openapi", "/openapi/*", "/readyz",
                                                                 "/version", "/version/"]}], None),
    ("system:public-info-viewer", [{"verbs": ["get"], "nonResourceURLs": ["/healthz", "/livez", "/readyz",
                                                                          "/version", "/version/"]}], None),
    ("system:node", [_rule(READ, [""], ["nodes", "pods", "services", "configmaps", "secrets"]),
                     _rule(["create", "delete", "get", "patch", "update"], [""], ["nodes", "nodes/status"]),
                     _rule(["create", "delete", "get", "patch", "update"], ["coordination.k8s.io"], ["leases"]),
                     _rule(["create", "patch", "update"], ["", "events.k8s.io"], ["events"]),
                     _rule(["patch", "update"], [""], ["pods/status"])], None),
    ("system:kube-scheduler", [_rule(READ, [""], ["nodes", "pods", "namespaces", "persistentvolumeclaims",
                                                  "persistentvolumes", "replicationcontrollers", "services"]),
                               _rule(["create"], [""], ["bindings", "pods/binding"]),
                               _rule(["patch", "update"], [""], ["pods/status"]),
                               _rule(["create", "get", "update"], ["coordination.k8s.io"], ["leases"]),
                               _rule(["create", "patch", "update"], ["", "events.k8s.io"], ["events"])], None),
    ("system:kube-controller-manager", [_rule(["*"], ["*"], ["*"])], None),
    ("system:controller:disruption-controller", [
        _rule(READ, ["apps"], APPS), _rule(READ, [""], ["pods", "replicationcontrollers"]),
        _rule(READ, ["policy"], ["poddisruptionbudgets"]), _rule(["update"], ["policy"],
                                                                 ["poddisruptionbudgets/status"])], None),
)
CLUSTER_BINDINGS = (("cluster-admin", "cluster-admin", "system:masters"),
                    ("system:basic-user", "system:basic-user", "system:authenticated"),
                    ("system:discovery", "system:discovery", "system:authenticated"),
                    ("system:public-info-viewer", "system:public-info-viewer", "system:unauthenticated"),
                    ("system:kube-scheduler", "system:kube-scheduler", None),
                    ("system:kube-controller-manager", "system:kube-controller-manager", None))
PRIORITY_CLASSES = (("system-node-critical", 2000001000, "Used for system critical pods that must not be moved "
                     "from their current node."),
                    ("system-cluster-critical", 2000000000, "Used for system critical pods that must run in the "
                     "cluster, but can be moved to another node if necessary."))
CSI_DRIVERS = ("disk.csi.azure.com", "file.csi.azure.com")


def _create(tracker: Tracker, key: str, obj: Obj) -> None:
    if tracker.find(key, "", obj["metadata"]["name"]) is not None:
        return
    try:
        tracker.create(key, "", obj)
    except ServiceError as exc:
        if exc.code is not errors.ALREADY_EXISTS:
            raise


def _binding(name: str, role: str, group: str | None) -> Obj:
    subject = {"kind": "Group", "apiGroup": RBAC, "name": group} if group else \
        {"kind": "User", "apiGroup": RBAC, "name": name}
    return {"apiVersion": f"{RBAC}/v1", "kind": "ClusterRoleBinding", "metadata": {"name": name, **BOOTSTRAP},
            "roleRef": {"apiGroup": RBAC, "kind": "ClusterRole", "name": role}, "subjects": [subject]}


def _csi_driver(name: str) -> Obj:
    return {"apiVersion": "storage.k8s.io/v1", "kind": "CSIDriver",
            "metadata": {"name": name, "labels": {"addonmanager.kubernetes.io/mode": "Reconcile"}},
            "spec": {"attachRequired": name.startswith("disk."), "podInfoOnMount": name.startswith("file."),
                     "fsGroupPolicy": "File", "requiresRepublish": False, "storageCapacity": False,
                     "seLinuxMount": False, "volumeLifecycleModes": ["Persistent", "Ephemeral"]
                     if name.startswith("file.") else ["Persistent"]}}


def ensure(tracker: Tracker) -> None:
    """Creates what is missing; idempotent."""
    for name, rules, aggregation in CLUSTER_ROLES:
        role: Obj = {"apiVersion": f"{RBAC}/v1", "kind": "ClusterRole", "metadata": {"name": name, **BOOTSTRAP},
                     "rules": rules}
        if aggregation is not None:
            role["aggregationRule"] = aggregation
        _create(tracker, f"clusterroles.{RBAC}", role)
    for name, role_name, group in CLUSTER_BINDINGS:
        _create(tracker, f"clusterrolebindings.{RBAC}", _binding(name, role_name, group))
    for name, value, description in PRIORITY_CLASSES:
        _create(tracker, "priorityclasses.scheduling.k8s.io", {
            "apiVersion": "scheduling.k8s.io/v1", "kind": "PriorityClass", "metadata": {"name": name},
            "value": value, "description": description, "preemptionPolicy": "PreemptLowerPriority"})
    for driver in CSI_DRIVERS:
        _create(tracker, "csidrivers.storage.k8s.io", _csi_driver(driver))
