"""The scheduler: binds pending pods to nodes, as a level-triggered reconciler over the tracker."""

from __future__ import annotations

from pullproof.core.clock import Clock
from pullproof.kube.storage.events import EventRecorder
from pullproof.kube.storage.tracker import Tracker, clone, kube_time


class Scheduler:
    """Binds pending pods to the node with the fewest pods (ties by name)."""

    def __init__(self, tracker: Tracker, clock: Clock) -> None:
        self.tracker = tracker
        self.clock = clock
        self.events = EventRecorder(tracker, clock, "default-scheduler")

    def reconcile(self) -> None:
        nodes = sorted(n["metadata"]["name"] for n in self.tracker.scan("nodes"))
        if not nodes:
            return
        pods = self.tracker.scan("pods")
        load = {n: sum(1 for p in pods if p["spec"].get("nodeName") == n) for n in nodes}
        for pod in pods:
            if pod["spec"].get("nodeName") or pod["metadata"].get("deletionTimestamp"):
                continue
            node = min(nodes, key=lambda n: (load[n], n))
            load[node] += 1
            pod = clone(pod)
            pod["spec"]["nodeName"] = node
            status = pod.setdefault("status", {})
            status["conditions"] = [{"type": "PodScheduled", "status": "True", "lastProbeTime": None,
                                     "lastTransitionTime": kube_time(self.clock.now())}]
            updated = self.tracker.update("pods", pod["metadata"]["namespace"], pod, check_version=False)
            self.events.record(updated, "Pod", "Normal", "Scheduled",
                               f"Successfully assigned {pod['metadata']['namespace']}/{pod['metadata']['name']} "
                               f"to {node}")
