"""The scheduler: binds pending pods to nodes as kube-scheduler 1.32 does, as a level-triggered
reconciler over the tracker: filter (``filters.py``), then score by least allocation (ties by name); a pod
no node fits stays Pending with ``PodScheduled=False`` and the scheduler's ``FailedScheduling`` text."""

from __future__ import annotations

from collections import Counter
from typing import Any

from pullproof.core.clock import Clock
from pullproof.kube.controllers.filters import Status, Usage, pod_requests, run_filters
from pullproof.kube.controllers.volumes import missing_claim
from pullproof.kube.storage.events import EventRecorder
from pullproof.kube.storage.quantity import milli, whole
from pullproof.kube.storage.tracker import Tracker, clone, kube_time

DEFAULT_CPU = 100  # millicores a pod without requests counts for scoring (schedutil.DefaultMilliCPURequest)
DEFAULT_MEMORY = 200 * 2**20  # bytes (schedutil.DefaultMemoryRequest)
RETRY_SECONDS = 300  # podMaxInUnschedulablePodsDuration: an unchanged unschedulable pod is retried this often
NOT_HELPFUL = "Preemption is not helpful for scheduling"
NO_VICTIMS = "No preemption victims found for incoming pod"
NO_NODES = "no nodes available to schedule pods"  # ErrNoNodesAvailable: UnschedulableAndUnresolvable
MIN_FEASIBLE = 100  # minFeasibleNodesToFind
BASE_PERCENTAGE = 50  # the adaptive percentageOfNodesToScore starts here...
MIN_PERCENTAGE = 5  # ...and falls by 1 per 125 nodes to this floor


def nodes_to_find(total: int) -> int:
    """How many feasible nodes kube-scheduler looks for before it scores (``numFeasibleNodesToFind`` with the
    default adaptive percentage): every node below 100; then 50% less 1% per 125 nodes, at least 5% and 100."""
    if total < MIN_FEASIBLE:
        return total
    percentage = max(BASE_PERCENTAGE - total // 125, MIN_PERCENTAGE)
    return max(total * percentage // 100, MIN_FEASIBLE)


def _histogram(reasons: Counter[str]) -> str:
    return ", ".join(sorted(f"{count} {reason}" for reason, count in reasons.items()))


def fit_error(statuses: list[Status]) -> str:
    """framework.FitError's text, followed by the default preemption plugin's (no pod has a lower priority to
    evict: a node where only resources failed finds no victims, on the others preemption cannot help)."""
    total = len(statuses)
    reasons: Counter[str] = Counter(r for s in statuses for r in s.reasons)
    preemption: Counter[str] = Counter(NO_VICTIMS if s.resolvable else NOT_HELPFUL for s in statuses)
    return (f"0/{total} nodes are available: {_histogram(reasons)}. "
            f"preemption: 0/{total} nodes are available: {_histogram(preemption)}.")


def _scored(cpu: int, memory: int) -> tuple[int, int]:
    return cpu or DEFAULT_CPU, memory or DEFAULT_MEMORY


def least_allocated(node: dict[str, Any], usage: Usage, pod: tuple[int, int]) -> int:
    """NodeResourcesFit's LeastAllocated score: the mean over cpu and memory of the free share, 0..100."""
    allocatable = node.get("status", {}).get("allocatable") or {}
    scores = []
    for capacity, used in ((milli(allocatable.get("cpu", 0)), usage.scored_cpu + pod[0]),
                           (whole(allocatable.get("memory", 0)), usage.scored_memory + pod[1])):
        scores.append(0 if capacity == 0 or used > capacity else (capacity - used) * 100 // capacity)
    return sum(scores) // len(scores)


class Scheduler:
    def __init__(self, tracker: Tracker, clock: Clock) -> None:
        self.tracker = tracker
        self.clock = clock
        self.events = EventRecorder(tracker, clock, "default-scheduler")
        self._tried: dict[str, tuple[str, float]] = {}  # pod uid -> (last message, when)
        self._next_start = 0  # nextStartNodeIndex: the search resumes where the last one stopped

    def reconcile(self) -> None:
        nodes = sorted(self.tracker.scan("nodes"), key=lambda n: str(n["metadata"]["name"]))
        pods = self.tracker.scan("pods")
        usage = {n["metadata"]["name"]: Usage() for n in nodes}
        for pod in pods:
            done = pod.get("status", {}).get("phase") in ("Succeeded", "Failed")
            if pod["spec"].get("nodeName") in usage and not done:
                self._add(usage[pod["spec"]["nodeName"]], pod)
        pending = [p for p in pods if not p["spec"].get("nodeName") and not p["metadata"].get("deletionTimestamp")
                   and p["spec"].get("schedulerName", "default-scheduler") == "default-scheduler"]
        pending.sort(key=lambda p: (-int(p["spec"].get("priority") or 0), p["metadata"].get("creationTimestamp", ""),
                                    p["metadata"].get("namespace", ""), p["metadata"]["name"]))
        live = {p["metadata"].get("uid") for p in pending}
        self._tried = {k: v for k, v in self._tried.items() if k in live}
        for pod in pending:
            self._schedule(pod, nodes, usage)

    @staticmethod
    def _add(usage: Usage, pod: dict[str, Any]) -> None:
        cpu, memory = pod_requests(pod)
        scored_cpu, scored_memory = _scored(cpu, memory)
        usage.cpu, usage.memory, usage.pods = usage.cpu + cpu, usage.memory + memory, usage.pods + 1
        usage.scored_cpu, usage.scored_memory = usage.scored_cpu + scored_cpu, usage.scored_memory + scored_memory

    def _schedule(self, pod: dict[str, Any], nodes: list[dict[str, Any]], usage: dict[str, Usage]) -> None:
        if not nodes:
            self._unschedulable(pod, NO_NODES)
            return
        claim = missing_claim(self.tracker, pod, len(nodes))
        if claim is not None:  # VolumeBinding's PreFilter: unresolvable on every node
            self._unschedulable(pod, claim)
            return
        statuses: list[Status] = []
        feasible: list[dict[str, Any]] = []
        wanted_nodes, start, seen = nodes_to_find(len(nodes)), self._next_start % len(nodes), 0
        for offset in range(len(nodes)):
            node = nodes[(start + offset) % len(nodes)]
            seen += 1
            status = run_filters(pod, node, usage[node["metadata"]["name"]])
            if status is None:
                feasible.append(node)
                if len(feasible) >= wanted_nodes:
                    break
            else:
                statuses.append(status)
        self._next_start = (start + seen) % len(nodes)
        if not feasible:
            self._unschedulable(pod, fit_error(statuses))
            return
        wanted = _scored(*pod_requests(pod))
        best = min(feasible, key=lambda n: (-least_allocated(n, usage[n["metadata"]["name"]], wanted),
                                            str(n["metadata"]["name"])))
        self._add(usage[best["metadata"]["name"]], pod)
        self._bind(pod, best["metadata"]["name"])

    def _bind(self, pod: dict[str, Any], node: str) -> None:
        pod = clone(pod)
        pod["spec"]["nodeName"] = node
        status = pod.setdefault("status", {})
        status["conditions"] = [{"type": "PodScheduled", "status": "True", "lastProbeTime": None,
                                 "lastTransitionTime": kube_time(self.clock.now())}]
        updated = self.tracker.update("pods", pod["metadata"]["namespace"], pod, check_version=False)
        self.events.record(updated, "Pod", "Normal", "Scheduled",
                           f"Successfully assigned {pod['metadata']['namespace']}/{pod['metadata']['name']} to {node}")

    def _unschedulable(self, pod: dict[str, Any], message: str) -> None:
        """Condition and event, written when the verdict changes or the pod is retried after RETRY_SECONDS
        (kube-scheduler retries an unschedulable pod on a cluster change or after that long)."""
        now = self.clock.now()
        uid = str(pod["metadata"].get("uid"))
        last = self._tried.get(uid)
        if last is not None and last[0] == message and now - last[1] < RETRY_SECONDS:
            return
        self._tried[uid] = (message, now)
        pod = clone(pod)
        status = pod.setdefault("status", {})
        conditions = [c for c in status.get("conditions") or [] if c.get("type") != "PodScheduled"]
        previous: dict[str, Any] = next(
            (c for c in status.get("conditions") or [] if c.get("type") == "PodScheduled"), {})
        since = previous.get("lastTransitionTime") if previous.get("status") == "False" else None
        status["conditions"] = [{"type": "PodScheduled", "status": "False", "lastProbeTime": None,
                                 "lastTransitionTime": since or kube_time(now), "reason": "Unschedulable",
                                 "message": message}, *conditions]
        status.setdefault("phase", "Pending")
        if status != (self.tracker.find("pods", pod["metadata"]["namespace"], pod["metadata"]["name"]) or {}).get(
                "status"):
            pod = self.tracker.update("pods", pod["metadata"]["namespace"], pod, check_version=False)
        self.events.record(pod, "Pod", "Warning", "FailedScheduling", message)
