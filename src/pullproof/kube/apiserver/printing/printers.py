"""Per-kind Table columns and cells, after kubernetes ``pkg/printers/internalversion/printers.go``
(1.32). The server always prints the wide (priority 1) cells; kubectl hides them without ``-o wide``."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any

from pullproof.kube.apiserver.printing import podstatus
from pullproof.kube.apiserver.printing.durations import Ages
from pullproof.kube.storage.resources import ResourceType

Obj = dict[str, Any]
NAME_DOC = ("Name must be unique within a namespace. Is required when creating resources, although some resources "
            "may allow a client to request the generation of an appropriate name automatically. Name is primarily "
            "intended for creation idempotence and configuration definition. Cannot be updated. More info: "
            "https://kubernetes.io/docs/concepts/overview/working-with-objects/names#names")
AGE_DOC = ("CreationTimestamp is a timestamp representing the server time when this object was created. It is not "
           "guaranteed to be set in happens-before order across separate operations. Clients may not set this "
           "value. It is represented in RFC3339 form and is in UTC.\n\nPopulated by the system. Read-only. Null for "
           "lists. More info: https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md"
           "#metadata")


@dataclass(frozen=True)
class Column:
    name: str
    type: str = "string"
    description: str = ""
    priority: int = 0
    format: str = ""

    def definition(self) -> dict[str, Any]:
        return {"name": self.name, "type": self.type, "format": self.format, "description": self.description,
                "priority": self.priority}


NAME = Column("Name", format="name", description=NAME_DOC)
AGE = Column("Age", description=AGE_DOC)
WIDE_TEMPLATE = (Column("Containers", priority=1, description="Names of each container in the template."),
                 Column("Images", priority=1, description="Images referenced by each container in the template."),
                 Column("Selector", priority=1, description="Label selector for pods."))


@dataclass(frozen=True)
class Printer:
    cols: tuple[Column, ...]
    row: Callable[[Obj, Ages], list[Any]]
    row_conditions: Callable[[Obj], list[dict[str, Any]]] = lambda _obj: []

    def columns(self) -> list[dict[str, Any]]:
        return [c.definition() for c in self.cols]

    def cells(self, obj: Obj, ages: Ages) -> list[Any]:
        return self.row(obj, ages)

    def conditions(self, obj: Obj) -> list[dict[str, Any]]:
        return self.row_conditions(obj)


def _meta(obj: Obj) -> Obj:
    return obj.get("metadata") or {}


def _age(obj: Obj, ages: Ages) -> str:
    return ages.since(_meta(obj).get("creationTimestamp"))


def selector_string(selector: Obj | None) -> str:
    """``metav1.LabelSelectorAsSelector(sel).String()``: requirements sorted by key."""
    if not selector:
        return ""
    parts: list[tuple[str, str]] = [(k, f"{k}={v}") for k, v in (selector.get("matchLabels") or {}).items()]
    for expr in selector.get("matchExpressions") or []:
        key, op, values = expr.get("key", ""), expr.get("operator"), sorted(expr.get("values") or [])
        text = {"In": f"{key} in ({','.join(values)})", "NotIn": f"{key} notin ({','.join(values)})",
                "Exists": key, "DoesNotExist": f"!{key}"}.get(str(op), "<invalid>")
        parts.append((key, text))
    return ",".join(text for _, text in sorted(parts, key=lambda p: p[0]))


def _template_cells(obj: Obj) -> list[Any]:
    containers = (((obj.get("spec") or {}).get("template") or {}).get("spec") or {}).get("containers") or []
    return [",".join(c.get("name", "") for c in containers), ",".join(c.get("image", "") for c in containers),
            selector_string((obj.get("spec") or {}).get("selector"))]


def _deployment(obj: Obj, ages: Ages) -> list[Any]:
    spec, status = obj.get("spec") or {}, obj.get("status") or {}
    ready = f"{status.get('readyReplicas', 0)}/{spec.get('replicas', 0)}"
    return [_meta(obj).get("name", ""), ready, status.get("updatedReplicas", 0), status.get("availableReplicas", 0),
            _age(obj, ages), *_template_cells(obj)]


def _replicaset(obj: Obj, ages: Ages) -> list[Any]:
    spec, status = obj.get("spec") or {}, obj.get("status") or {}
    return [_meta(obj).get("name", ""), spec.get("replicas", 0), status.get("replicas", 0),
            status.get("readyReplicas", 0), _age(obj, ages), *_template_cells(obj)]


def _secret(obj: Obj, ages: Ages) -> list[Any]:
    return [_meta(obj).get("name", ""), obj.get("type", ""), len(obj.get("data") or {}), _age(obj, ages)]


def _configmap(obj: Obj, ages: Ages) -> list[Any]:
    count = len(obj.get("data") or {}) + len(obj.get("binaryData") or {})
    return [_meta(obj).get("name", ""), count, _age(obj, ages)]


def _serviceaccount(obj: Obj, ages: Ages) -> list[Any]:
    return [_meta(obj).get("name", ""), len(obj.get("secrets") or []), _age(obj, ages)]


def _namespace(obj: Obj, ages: Ages) -> list[Any]:
    return [_meta(obj).get("name", ""), (obj.get("status") or {}).get("phase", ""), _age(obj, ages)]


def _pod(obj: Obj, ages: Ages) -> list[Any]:
    return podstatus.cells(obj, ages)


def _pod_conditions(obj: Obj) -> list[dict[str, Any]]:
    phase = (obj.get("status") or {}).get("phase")
    if phase == "Succeeded":
        return [{"type": "Completed", "status": "True", "reason": "Succeeded",
                 "message": "The pod has completed successfully."}]
    if phase == "Failed":
        return [{"type": "Completed", "status": "True", "reason": "Failed", "message": "The pod failed."}]
    return []


def _event(obj: Obj, ages: Ages) -> list[Any]:
    first = ages.since(obj.get("firstTimestamp")) if obj.get("firstTimestamp") else ages.since(obj.get("eventTime"))
    last = ages.since(obj.get("lastTimestamp")) if obj.get("lastTimestamp") else first
    count = obj.get("count") or 0
    series = obj.get("series")
    if series:
        last, count = ages.since(series.get("lastObservedTime")), series.get("count", 0)
    elif count == 0:
        count = 1
    involved = obj.get("involvedObject") or {}
    kind = str(involved.get("kind", "")).lower()
    target = f"{kind}/{involved['name']}" if involved.get("name") else kind
    source = obj.get("source") or {}
    component = source.get("component") or obj.get("reportingComponent") or ""
    host = source.get("host") or obj.get("reportingInstance") or ""
    return [last, obj.get("type", ""), obj.get("reason", ""), target, involved.get("fieldPath", ""),
            f"{component}, {host}" if host else component, str(obj.get("message", "")).strip(), first, count,
            _meta(obj).get("name", "")]


def _node(obj: Obj, ages: Ages) -> list[Any]:
    spec, status = obj.get("spec") or {}, obj.get("status") or {}
    ready = next((c for c in status.get("conditions") or [] if c.get("type") == "Ready"), None)
    states = ["Unknown"] if ready is None else ["Ready" if ready.get("status") == "True" else "NotReady"]
    if spec.get("unschedulable"):
        states.append("SchedulingDisabled")
    info = status.get("nodeInfo") or {}
    return [_meta(obj).get("name", ""), ",".join(states), _roles(obj), _age(obj, ages), info.get("kubeletVersion", ""),
            _address(status, "InternalIP"), _address(status, "ExternalIP"), info.get("osImage") or "<unknown>",
            info.get("kernelVersion") or "<unknown>", info.get("containerRuntimeVersion") or "<unknown>"]


def _roles(obj: Obj) -> str:
    roles = set()
    for key, value in (_meta(obj).get("labels") or {}).items():
        if key.startswith("node-role.kubernetes.io/") and key.partition("/")[2]:
            roles.add(key.partition("/")[2])
        elif key == "kubernetes.io/role" and value:
            roles.add(value)
    return ",".join(sorted(roles)) or "<none>"


def _address(status: Obj, kind: str) -> str:
    return next((a.get("address", "") for a in status.get("addresses") or [] if a.get("type") == kind), "<none>")


def _col(name: str, description: str, kind: str = "string", priority: int = 0, fmt: str = "") -> Column:
    return Column(name, kind, description, priority, fmt)


POD_COLUMNS = (NAME, _col("Ready", "The aggregate readiness state of this pod for accepting traffic."),
               _col("Status", "The aggregate status of the containers in this pod."),
               _col("Restarts", "The number of times the containers in this pod have been restarted and when the "
                    "last container in this pod has restarted."), AGE,
               _col("IP", "podIP address allocated to the pod. Routable at least within the cluster. Empty if not "
                    "yet allocated.", priority=1),
               _col("Node", "NodeName indicates in which node this pod is scheduled.", priority=1),
               _col("Nominated Node", "nominatedNodeName is set only when this pod preempts other pods on the node.",
                    priority=1),
               _col("Readiness Gates", "If specified, all readiness gates will be evaluated for pod readiness.",
                    priority=1))
EVENT_COLUMNS = (_col("Last Seen", "The time at which the most recent occurrence of this event was recorded."),
                 _col("Type", "Type of this event (Normal, Warning), new types could be added in the future"),
                 _col("Reason", "This should be a short, machine understandable string that gives the reason for "
                      "the transition into the object's current status."),
                 _col("Object", "The object that this event is about."),
                 _col("Subobject", "If referring to a piece of an object instead of an entire object, this string "
                      "should contain a valid JSON/Go field access statement.", priority=1),
                 _col("Source", "The component reporting this event. Should be a short machine understandable "
                      "string.", priority=1),
                 _col("Message", "A human-readable description of the status of this operation."),
                 _col("First Seen", "The time at which the event was first recorded. (Time of server receipt is in "
                      "TypeMeta.)", priority=1),
                 _col("Count", "The number of times this event has occurred.", priority=1),
                 _col("Name", NAME_DOC, priority=1, fmt="name"))
NODE_COLUMNS = (NAME, _col("Status", "The status of the node"), _col("Roles", "The roles of the node"), AGE,
                _col("Version", "Kubelet Version reported by the node."),
                _col("Internal-IP", "List of addresses reachable to the node.", priority=1),
                _col("External-IP", "List of addresses reachable to the node.", priority=1),
                _col("OS-Image", "OS Image reported by the node from /etc/os-release (e.g. Debian GNU/Linux 7 "
                     "(wheezy)).", priority=1),
                _col("Kernel-Version", "Kernel Version reported by the node from 'uname -r' (e.g. "
                     "3.16.0-0.bpo.4-amd64).", priority=1),
                _col("Container-Runtime", "ContainerRuntime Version reported by the node through runtime remote "
                     "API (e.g. containerd://1.4.2).", priority=1))

PRINTERS: Mapping[str, Printer] = MappingProxyType({
    "pods": Printer(POD_COLUMNS, _pod, _pod_conditions),
    "deployments.apps": Printer((NAME, _col("Ready", "Number of the pod with ready state"),
                                 _col("Up-to-date", "Total number of non-terminated pods targeted by this "
                                      "deployment that have the desired template spec."),
                                 _col("Available", "Total number of available pods (ready for at least "
                                      "minReadySeconds) targeted by this deployment."), AGE, *WIDE_TEMPLATE),
                                _deployment),
    "replicasets.apps": Printer((NAME, _col("Desired", "Replicas is the number of desired replicas.", "integer"),
                                 _col("Current", "Replicas is the most recently observed number of replicas.",
                                      "integer"),
                                 _col("Ready", "The number of ready replicas for this replica set.", "integer"),
                                 AGE, *WIDE_TEMPLATE), _replicaset),
    "secrets": Printer((NAME, _col("Type", "The type of the secret"),
                        _col("Data", "The number of data entries in the secret"), AGE), _secret),
    "configmaps": Printer((NAME, _col("Data", "The number of data entries in the config map"), AGE), _configmap),
    "serviceaccounts": Printer((NAME, _col("Secrets", "Secrets is a list of the secrets in the same namespace "
                                           "that pods running using this ServiceAccount are allowed to use."), AGE),
                               _serviceaccount),
    "namespaces": Printer((NAME, _col("Status", "The status of the namespace"), AGE), _namespace),
    "events": Printer(EVENT_COLUMNS, _event),
    "nodes": Printer(NODE_COLUMNS, _node),
})
DEFAULT = Printer((NAME, AGE), lambda obj, ages: [_meta(obj).get("name", ""), _age(obj, ages)])


def printer_for(rtype: ResourceType) -> Printer:
    return PRINTERS.get(rtype.key, DEFAULT)
