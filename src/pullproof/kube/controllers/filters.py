"""kube-scheduler's filter plugins, in its order (NodeUnschedulable, TaintToleration, NodeAffinity,
NodeResourcesFit): each says why a pod does not fit a node, with kube-scheduler 1.32's reason text."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from pullproof.kube.storage.quantity import milli, whole

UNSCHEDULABLE = "node(s) were unschedulable"
AFFINITY = "node(s) didn't match Pod's node affinity/selector"
UNSCHEDULABLE_TAINT = {"key": "node.kubernetes.io/unschedulable", "effect": "NoSchedule"}


@dataclass
class Usage:
    """What the pods bound to a node request (the scheduler cache's view of it)."""
    cpu: int = 0  # millicores
    memory: int = 0  # bytes
    pods: int = 0
    scored_cpu: int = 0  # as scoring counts them: a pod that requests none counts 100m and 200Mi
    scored_memory: int = 0


@dataclass(frozen=True)
class Status:
    reasons: tuple[str, ...]
    resolvable: bool  # False: UnschedulableAndUnresolvable (preemption cannot help on this node)


Filter = Callable[[dict[str, Any], dict[str, Any], Usage], Status | None]


def tolerates(tolerations: list[dict[str, Any]], taint: dict[str, Any]) -> bool:
    """v1 Toleration.ToleratesTaint: an empty effect matches every effect, an empty key with Exists every key."""
    for toleration in tolerations:
        if toleration.get("effect") and toleration["effect"] != taint.get("effect"):
            continue
        if toleration.get("key") and toleration["key"] != taint.get("key"):
            continue
        operator = toleration.get("operator") or "Equal"
        if operator == "Exists" or (operator == "Equal" and toleration.get("value", "") == taint.get("value", "")):
            return True
    return False


def node_unschedulable(pod: dict[str, Any], node: dict[str, Any], usage: Usage) -> Status | None:
    if node.get("spec", {}).get("unschedulable") and not tolerates(pod["spec"].get("tolerations") or [],
                                                                     UNSCHEDULABLE_TAINT):
        return Status((UNSCHEDULABLE,), False)
    return None


def taint_toleration(pod: dict[str, Any], node: dict[str, Any], usage: Usage) -> Status | None:
    tolerations = pod["spec"].get("tolerations") or []
    for taint in node.get("spec", {}).get("taints") or []:
        if taint.get("effect") in ("NoSchedule", "NoExecute") and not tolerates(tolerations, taint):
            return Status((f"node(s) had untolerated taint {{{taint['key']}: {taint.get('value', '')}}}",), False)
    return None


def _requirement(expression: dict[str, Any], labels: dict[str, str]) -> bool:
    key, operator, values = expression.get("key", ""), expression.get("operator"), expression.get("values") or []
    if operator == "In":
        return key in labels and labels[key] in values
    if operator == "NotIn":
        return key not in labels or labels[key] not in values
    if operator == "Exists":
        return key in labels
    if operator == "DoesNotExist":
        return key not in labels
    if operator in ("Gt", "Lt") and key in labels and len(values) == 1:
        try:
            have, want = int(labels[key]), int(values[0])
        except ValueError:
            return False
        return have > want if operator == "Gt" else have < want
    return False


def _term(term: dict[str, Any], node: dict[str, Any]) -> bool:
    """A node selector term: its expressions ANDed; a term with none matches no node."""
    expressions = term.get("matchExpressions") or []
    fields = term.get("matchFields") or []
    if not expressions and not fields:
        return False
    labels = node["metadata"].get("labels") or {}
    return all(_requirement(e, labels) for e in expressions) and \
        all(_requirement(f, {"metadata.name": node["metadata"]["name"]}) for f in fields)


def node_affinity(pod: dict[str, Any], node: dict[str, Any], usage: Usage) -> Status | None:
    labels = node["metadata"].get("labels") or {}
    selector = pod["spec"].get("nodeSelector") or {}
    required = (((pod["spec"].get("affinity") or {}).get("nodeAffinity") or {})
                .get("requiredDuringSchedulingIgnoredDuringExecution"))
    if any(labels.get(k) != v for k, v in selector.items()) or \
            (required is not None and not any(_term(t, node) for t in required.get("nodeSelectorTerms") or [])):
        return Status((AFFINITY,), False)
    return None


def pod_requests(pod: dict[str, Any]) -> tuple[int, int]:
    """(millicores, bytes) the pod requests: its containers summed, at least its largest init container
    (a request left out but a limit given counts the limit, as the API server's defaulting does)."""
    def one(container: dict[str, Any], name: str) -> str | None:
        res = container.get("resources") or {}
        value = (res.get("requests") or {}).get(name, (res.get("limits") or {}).get(name))
        return None if value is None else str(value)

    spec = pod["spec"]
    cpu = sum(milli(one(c, "cpu") or 0) for c in spec.get("containers") or [])
    memory = sum(whole(one(c, "memory") or 0) for c in spec.get("containers") or [])
    for init in spec.get("initContainers") or []:
        cpu, memory = max(cpu, milli(one(init, "cpu") or 0)), max(memory, whole(one(init, "memory") or 0))
    return cpu, memory


def node_resources_fit(pod: dict[str, Any], node: dict[str, Any], usage: Usage) -> Status | None:
    allocatable = node.get("status", {}).get("allocatable") or {}
    reasons = []
    if usage.pods + 1 > whole(allocatable.get("pods", 0)):
        reasons.append("Too many pods")
    cpu, memory = pod_requests(pod)
    if cpu > 0 and cpu > milli(allocatable.get("cpu", 0)) - usage.cpu:
        reasons.append("Insufficient cpu")
    if memory > 0 and memory > whole(allocatable.get("memory", 0)) - usage.memory:
        reasons.append("Insufficient memory")
    return Status(tuple(reasons), True) if reasons else None


FILTERS: tuple[Filter, ...] = (node_unschedulable, taint_toleration, node_affinity, node_resources_fit)


def run_filters(pod: dict[str, Any], node: dict[str, Any], usage: Usage) -> Status | None:
    """The first filter that rejects the node, as kube-scheduler stops at the first failing plugin."""
    for check in FILTERS:
        status = check(pod, node, usage)
        if status is not None:
            return status
    return None
