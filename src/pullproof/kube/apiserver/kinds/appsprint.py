"""Table printers of StatefulSets, DaemonSets and ControllerRevisions (``printers.go`` of Kubernetes 1.32)."""

from __future__ import annotations

from typing import Any

from pullproof.kube.apiserver.printing.durations import Ages
from pullproof.kube.apiserver.printing.printers import AGE, NAME, Column, Printer, selector_string

Obj = dict[str, Any]
CONTAINERS = Column("Containers", priority=1, description="Names of each container in the template.")
IMAGES = Column("Images", priority=1, description="Images referenced by each container in the template.")
DS_DOC = "https://kubernetes.io/docs/concepts/workloads/controllers/daemonset/"


def _containers(obj: Obj) -> list[str]:
    containers = (((obj.get("spec") or {}).get("template") or {}).get("spec") or {}).get("containers") or []
    return [",".join(c.get("name", "") for c in containers), ",".join(c.get("image", "") for c in containers)]


def _labels(labels: dict[str, str] | None) -> str:
    """``labels.FormatLabels``: sorted ``k=v`` pairs, ``<none>`` when there are none."""
    return ",".join(f"{k}={v}" for k, v in sorted((labels or {}).items())) or "<none>"


def _statefulset(obj: Obj, ages: Ages) -> list[Any]:
    spec, status = obj.get("spec") or {}, obj.get("status") or {}
    ready = f"{status.get('readyReplicas', 0)}/{spec.get('replicas', 0)}"
    return [obj["metadata"].get("name", ""), ready, ages.since(obj["metadata"].get("creationTimestamp")),
            *_containers(obj)]


def _daemonset(obj: Obj, ages: Ages) -> list[Any]:
    spec, status = obj.get("spec") or {}, obj.get("status") or {}
    node_selector = ((spec.get("template") or {}).get("spec") or {}).get("nodeSelector")
    return [obj["metadata"].get("name", ""), status.get("desiredNumberScheduled", 0),
            status.get("currentNumberScheduled", 0), status.get("numberReady", 0),
            status.get("updatedNumberScheduled", 0), status.get("numberAvailable", 0), _labels(node_selector),
            ages.since(obj["metadata"].get("creationTimestamp")), *_containers(obj),
            selector_string(spec.get("selector"))]


def _revision(obj: Obj, ages: Ages) -> list[Any]:
    controller = next((r for r in obj["metadata"].get("ownerReferences") or [] if r.get("controller")), None)
    shown = "<none>"
    if controller is not None:
        api_version = str(controller.get("apiVersion", ""))
        group = api_version.split("/")[0] if "/" in api_version else ""
        kind = f"{controller.get('kind', '')}.{group}" if group else str(controller.get("kind", ""))
        shown = f"{kind.lower()}/{controller.get('name', '')}"
    return [obj["metadata"].get("name", ""), shown, obj.get("revision", 0),
            ages.since(obj["metadata"].get("creationTimestamp"))]


STATEFUL_SET = Printer((NAME, Column("Ready", description="Number of the pod with ready state"), AGE, CONTAINERS,
                        IMAGES), _statefulset)
DAEMON_SET = Printer((
    NAME,
    Column("Desired", "integer", "The total number of nodes that should be running the daemon pod (including nodes "
           f"correctly running the daemon pod). More info: {DS_DOC}"),
    Column("Current", "integer", "The number of nodes that are running at least 1 daemon pod and are supposed to "
           f"run the daemon pod. More info: {DS_DOC}"),
    Column("Ready", "integer", "numberReady is the number of nodes that should be running the daemon pod and have "
           "one or more of the daemon pod running with a Ready Condition."),
    Column("Up-to-date", "integer", "The total number of nodes that are running updated daemon pod"),
    Column("Available", "integer", "The number of nodes that should be running the daemon pod and have one or more "
           "of the daemon pod running and available (ready for at least spec.minReadySeconds)"),
    Column("Node Selector", description="NodeSelector is a selector which must be true for the pod to fit on a "
           "node. Selector which must match a node's labels for the pod to be scheduled on that node. More info: "
           "https://kubernetes.io/docs/concepts/configuration/assign-pod-node/"),
    AGE, CONTAINERS, IMAGES,
    Column("Selector", priority=1, description="A label query over pods that are managed by the daemon set. Must "
           "match in order to be controlled. It must match the pod template's labels. More info: "
           "https://kubernetes.io/docs/concepts/overview/working-with-objects/labels/#label-selectors")),
    _daemonset)
CONTROLLER_REVISION = Printer((NAME, Column("Controller", description="Controller of the object"),
                               Column("Revision", "integer", "Revision indicates the revision of the state "
                                      "represented by Data."), AGE), _revision)
