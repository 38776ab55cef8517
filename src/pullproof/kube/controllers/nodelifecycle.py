"""The node lifecycle controller's TaintNodesByCondition for a cordon: a node whose ``spec.unschedulable``
is true carries the ``node.kubernetes.io/unschedulable:NoSchedule`` taint, taken away when it is uncordoned
(kube-controller-manager's nodelifecycle controller)."""

from __future__ import annotations

from typing import Any

from pullproof.kube.storage.tracker import Tracker, clone

UNSCHEDULABLE_KEY = "node.kubernetes.io/unschedulable"


def wanted_taints(node: dict[str, Any]) -> list[dict[str, Any]]:
    """The node's taints with the cordon taint present exactly when the node is unschedulable."""
    spec = node.get("spec") or {}
    taints = [t for t in spec.get("taints") or [] if t.get("key") != UNSCHEDULABLE_KEY]
    if spec.get("unschedulable"):
        taints.append({"key": UNSCHEDULABLE_KEY, "effect": "NoSchedule"})
    return taints


class NodeLifecycleController:
    def __init__(self, tracker: Tracker) -> None:
        self.tracker = tracker

    def reconcile(self) -> None:
        for node in self.tracker.scan("nodes"):
            have = [t for t in (node.get("spec") or {}).get("taints") or [] if t.get("key") == UNSCHEDULABLE_KEY]
            cordoned = bool((node.get("spec") or {}).get("unschedulable"))
            if bool(have) == cordoned and len(have) <= 1:
                continue
            updated = clone(node)
            taints = wanted_taints(node)
            if taints:
                updated["spec"]["taints"] = taints
            else:
                updated["spec"].pop("taints", None)
            self.tracker.update("nodes", "", updated, check_version=False)
