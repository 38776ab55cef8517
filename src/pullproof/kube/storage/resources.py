"""The resource types this API server serves, as data: group, version, kind, names, scope, verbs,
subresources and the field-selector labels each one supports.

``key`` is the name objects are filed under in the tracker (``pods``, ``deployments.apps``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

ALL_VERBS = ("create", "delete", "deletecollection", "get", "list", "patch", "update", "watch")
STATUS_VERBS = ("get", "patch", "update")
COMMON_FIELDS = ("metadata.name", "metadata.namespace")

POD_LOGS = "podlogs"  # the container logs a kubelet keeps per pod, an object in the tracker (not served)


@dataclass(frozen=True)
class Subresource:
    name: str
    kind: str
    verbs: tuple[str, ...]
    group: str | None = None
    version: str | None = None


@dataclass(frozen=True)
class PrinterColumn:
    """An ``additionalPrinterColumns`` entry of a CustomResourceDefinition version."""

    name: str
    type: str
    json_path: str
    format: str = ""
    description: str = ""
    priority: int = 0


@dataclass(frozen=True)
class ScalePaths:
    """The ``scale`` subresource of a CustomResourceDefinition version (JSONPaths into the object)."""

    spec_replicas: str
    status_replicas: str
    label_selector: str = ""


@dataclass(frozen=True)
class CustomSpec:
    """What a custom resource type carries beyond the static kinds: the version's schema (a plain
    ``openAPIV3Schema`` mapping, or None to keep any field), printer columns and scale paths."""

    schema: Any = field(default=None, compare=False, hash=False)
    columns: tuple[PrinterColumn, ...] = ()
    scale: ScalePaths | None = None


@dataclass(frozen=True)
class ResourceType:
    group: str
    version: str
    kind: str
    plural: str
    singular: str
    namespaced: bool
    message: str
    verbs: tuple[str, ...] = ALL_VERBS
    short_names: tuple[str, ...] = ()
    categories: tuple[str, ...] = ()
    subresources: tuple[Subresource, ...] = ()
    fields: tuple[str, ...] = ()
    has_generation: bool = False
    returns_deleted: bool = False
    """DELETE answers with the object (pods, namespaces) instead of a ``Status`` of success."""
    custom: CustomSpec | None = None
    """Set for a custom resource (served from a CustomResourceDefinition of the cluster)."""
    stored_as: str = ""
    """Set for a view of another kind's storage: that kind's key. Objects are stored in that version
    and converted on the way in and out (``kube/apiserver/conversion.py``)."""

    @property
    def key(self) -> str:
        if self.stored_as:
            return f"{self.plural}.{self.version}.{self.group}" if self.group else f"{self.plural}.{self.version}"
        return self.resource

    @property
    def resource(self) -> str:
        """``plural.group``: how errors name the resource."""
        return f"{self.plural}.{self.group}" if self.group else self.plural

    @property
    def api_version(self) -> str:
        return f"{self.group}/{self.version}" if self.group else self.version

    @property
    def group_version(self) -> str:
        return self.api_version

    @property
    def qualified_kind(self) -> str:
        """``Deployment.apps`` / ``Pod``: how Invalid messages name the kind."""
        return f"{self.kind}.{self.group}" if self.group else self.kind

    def subresource(self, name: str) -> Subresource | None:
        return next((s for s in self.subresources if s.name == name), None)

    def field_labels(self) -> tuple[str, ...]:
        return COMMON_FIELDS + self.fields


def _status(kind: str) -> Subresource:
    return Subresource("status", kind, STATUS_VERBS)


def _scale() -> Subresource:
    return Subresource("scale", "Scale", STATUS_VERBS, "autoscaling", "v1")


POD_FIELDS = ("spec.nodeName", "spec.restartPolicy", "spec.schedulerName", "spec.serviceAccountName",
              "spec.hostNetwork", "status.phase", "status.podIP", "status.podIPs", "status.nominatedNodeName")
EVENTS_V1_FIELDS = ("regarding.kind", "regarding.namespace", "regarding.name", "regarding.uid", "regarding.apiVersion",
                    "regarding.resourceVersion", "regarding.fieldPath", "reason", "reportingController", "type")
EVENT_FIELDS = ("involvedObject.kind", "involvedObject.namespace", "involvedObject.name", "involvedObject.uid",
                "involvedObject.apiVersion", "involvedObject.resourceVersion", "involvedObject.fieldPath", "reason",
                "reportingComponent", "source", "type")

JOB_FIELDS = ("status.successful",)
STORAGE = "storage.k8s.io"
NETWORKING = "networking.k8s.io"
RBAC = "rbac.authorization.k8s.io"


def _kind(group: str, kind: str, plural: str, namespaced: bool = True, *, short: tuple[str, ...] = (),
          all_category: bool = False, subresources: tuple[Subresource, ...] = (), fields: tuple[str, ...] = (),
          generation: bool = False, version: str = "v1", verbs: tuple[str, ...] = ALL_VERBS) -> ResourceType:
    """A kind whose protobuf message is ``<group prefix>.<version>.<Kind>`` (``batch.v1.Job``)."""
    prefix = (group.split(".")[0] if group else "core") if group != RBAC else "rbac"
    if group == "apiextensions.k8s.io":
        prefix = "apiextensions"
    return ResourceType(group, version, kind, plural, kind.lower(), namespaced, f"{prefix}.{version}.{kind}",
                        verbs=verbs, short_names=short, categories=("all",) if all_category else (),
                        subresources=subresources, fields=fields, has_generation=generation)


RESOURCES: tuple[ResourceType, ...] = (
    ResourceType("", "v1", "ConfigMap", "configmaps", "configmap", True, "core.v1.ConfigMap", short_names=("cm",)),
    _kind("", "Endpoints", "endpoints", short=("ep",)),
    ResourceType("", "v1", "Event", "events", "event", True, "core.v1.Event", short_names=("ev",),
                 fields=EVENT_FIELDS),
    _kind("", "LimitRange", "limitranges", short=("limits",)),
    ResourceType("", "v1", "Namespace", "namespaces", "namespace", False, "core.v1.Namespace",
                 verbs=("create", "delete", "get", "list", "patch", "update", "watch"), short_names=("ns",),
                 subresources=(_status("Namespace"),), fields=("status.phase",), returns_deleted=True),
    ResourceType("", "v1", "Node", "nodes", "node", False, "core.v1.Node", short_names=("no",),
                 subresources=(_status("Node"),), fields=("spec.unschedulable",)),
    _kind("", "PersistentVolumeClaim", "persistentvolumeclaims", short=("pvc",),
          subresources=(_status("PersistentVolumeClaim"),)),
    _kind("", "PersistentVolume", "persistentvolumes", False, short=("pv",),
          subresources=(_status("PersistentVolume"),)),
    ResourceType("", "v1", "Pod", "pods", "pod", True, "core.v1.Pod", short_names=("po",), categories=("all",),
                 subresources=(Subresource("eviction", "Eviction", ("create",), "policy", "v1"),
                               Subresource("log", "Pod", ("get",)), _status("Pod")),
                 fields=POD_FIELDS, returns_deleted=True),
    _kind("", "PodTemplate", "podtemplates"),
    _kind("", "ResourceQuota", "resourcequotas", short=("quota",), subresources=(_status("ResourceQuota"),)),
    ResourceType("", "v1", "Secret", "secrets", "secret", True, "core.v1.Secret", fields=("type",)),
    ResourceType("", "v1", "ServiceAccount", "serviceaccounts", "serviceaccount", True, "core.v1.ServiceAccount",
                 short_names=("sa",)),
    _kind("", "Service", "services", short=("svc",), all_category=True, subresources=(_status("Service"),)),
    _kind("apiextensions.k8s.io", "CustomResourceDefinition", "customresourcedefinitions", False,
          short=("crd", "crds"), subresources=(_status("CustomResourceDefinition"),), generation=True),
    _kind("apps", "ControllerRevision", "controllerrevisions"),
    _kind("apps", "DaemonSet", "daemonsets", short=("ds",), all_category=True,
          subresources=(_status("DaemonSet"),), generation=True),
    ResourceType("apps", "v1", "Deployment", "deployments", "deployment", True, "apps.v1.Deployment",
                 short_names=("deploy",), categories=("all",), subresources=(_scale(), _status("Deployment")),
                 has_generation=True),
    ResourceType("apps", "v1", "ReplicaSet", "replicasets", "replicaset", True, "apps.v1.ReplicaSet",
                 short_names=("rs",), categories=("all",), subresources=(_scale(), _status("ReplicaSet")),
                 fields=("status.replicas",), has_generation=True),
    _kind("apps", "StatefulSet", "statefulsets", short=("sts",), all_category=True,
          subresources=(_scale(), _status("StatefulSet")), generation=True),
    _kind("autoscaling", "HorizontalPodAutoscaler", "horizontalpodautoscalers", short=("hpa",), all_category=True,
          subresources=(_status("HorizontalPodAutoscaler"),), version="v2"),
    ResourceType("autoscaling", "v1", "HorizontalPodAutoscaler", "horizontalpodautoscalers", "horizontalpodautoscaler",
                 True, "autoscaling.v1.HorizontalPodAutoscaler", short_names=("hpa",), categories=("all",),
                 subresources=(_status("HorizontalPodAutoscaler"),), stored_as="horizontalpodautoscalers.autoscaling"),
    _kind("batch", "CronJob", "cronjobs", short=("cj",), all_category=True, subresources=(_status("CronJob"),),
          generation=True),
    _kind("batch", "Job", "jobs", all_category=True, subresources=(_status("Job"),), fields=JOB_FIELDS,
          generation=True),
    _kind("coordination.k8s.io", "Lease", "leases"),
    _kind("discovery.k8s.io", "EndpointSlice", "endpointslices"),
    ResourceType("events.k8s.io", "v1", "Event", "events", "event", True, "events.v1.Event", short_names=("ev",),
                 fields=EVENTS_V1_FIELDS, stored_as="events"),
    _kind(NETWORKING, "IngressClass", "ingressclasses", False),
    _kind(NETWORKING, "Ingress", "ingresses", short=("ing",), subresources=(_status("Ingress"),), generation=True),
    _kind(NETWORKING, "NetworkPolicy", "networkpolicies", short=("netpol",), generation=True),
    _kind("policy", "PodDisruptionBudget", "poddisruptionbudgets", short=("pdb",),
          subresources=(_status("PodDisruptionBudget"),), generation=True),
    _kind(RBAC, "ClusterRoleBinding", "clusterrolebindings", False),
    _kind(RBAC, "ClusterRole", "clusterroles", False),
    _kind(RBAC, "RoleBinding", "rolebindings"),
    _kind(RBAC, "Role", "roles"),
    _kind("scheduling.k8s.io", "PriorityClass", "priorityclasses", False, short=("pc",)),
    _kind(STORAGE, "CSIDriver", "csidrivers", False),
    _kind(STORAGE, "StorageClass", "storageclasses", False, short=("sc",)),
)

# in the order a real API server lists its groups (legacy first, then by group priority)
GROUP_VERSIONS: tuple[tuple[str, str], ...] = (
    ("", "v1"), ("apps", "v1"), ("events.k8s.io", "v1"), ("autoscaling", "v2"), ("autoscaling", "v1"),
    ("batch", "v1"),
    (NETWORKING, "v1"), ("policy", "v1"), (RBAC, "v1"), (STORAGE, "v1"), ("apiextensions.k8s.io", "v1"),
    ("scheduling.k8s.io", "v1"), ("coordination.k8s.io", "v1"), ("discovery.k8s.io", "v1"))


def in_group_version(group: str, version: str) -> list[ResourceType]:
    return [r for r in RESOURCES if r.group == group and r.version == version]


def find(group: str, version: str, plural: str) -> ResourceType | None:
    return next((r for r in RESOURCES if (r.group, r.version, r.plural) == (group, version, plural)), None)


def by_key(key: str) -> ResourceType | None:
    return next((r for r in RESOURCES if r.key == key), None)


def for_kind(api_version: str, kind: str) -> ResourceType | None:
    return next((r for r in RESOURCES if r.api_version == api_version and r.kind == kind), None)


def serves_group_version(group: str, version: str) -> bool:
    return (group, version) in GROUP_VERSIONS
