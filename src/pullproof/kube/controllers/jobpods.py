"""What the job, TTL and cronjob controllers share: a Job's pods (made from the template, with the
tracking finalizer and, for Indexed jobs, the completion index), their outcome, their release and
deletion, and a Job's deletion with its pods (the garbage collector's part, done at once)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from pullproof.core.clock import Clock, parse_time
from pullproof.kube.controllers.replicasets import owned_by, owner_ref
from pullproof.kube.storage import resources
from pullproof.kube.storage.resources import POD_LOGS
from pullproof.kube.storage.tracker import Tracker, clone, kube_time

Obj = dict[str, Any]
JOBS = "jobs.batch"
FINALIZER = "batch.kubernetes.io/job-tracking"
INDEX = "batch.kubernetes.io/job-completion-index"


def pods_type() -> resources.ResourceType:
    found = resources.find("", "v1", "pods")
    assert found is not None
    return found


def terminal(pod: Obj) -> bool:
    return (pod.get("status") or {}).get("phase") in ("Succeeded", "Failed")


def finished(job: Obj) -> bool:
    return any(c.get("type") in ("Complete", "Failed") and c.get("status") == "True"
               for c in (job.get("status") or {}).get("conditions") or [])


def finish_time(job: Obj) -> float | None:
    for c in (job.get("status") or {}).get("conditions") or []:
        if c.get("type") in ("Complete", "Failed") and c.get("status") == "True":
            return parse_time(c["lastTransitionTime"])
    return None


def condition(kind: str, reason: str, message: str, now: float, status: str = "True") -> Obj:
    return {"type": kind, "status": status, "lastProbeTime": kube_time(now), "lastTransitionTime": kube_time(now),
            "reason": reason, "message": message}


def finished_at(pod: Obj, now: float) -> float:
    """When the pod's last container stopped (now when the kubelet did not say)."""
    stamps = [parse_time(s["state"]["terminated"]["finishedAt"])
              for s in (pod.get("status") or {}).get("containerStatuses") or []
              if ((s.get("state") or {}).get("terminated") or {}).get("finishedAt")]
    return max(stamps) if stamps else now


def index_of(pod: Obj) -> int | None:
    value = (pod["metadata"].get("annotations") or {}).get(INDEX)
    return int(value) if value is not None and str(value).isdigit() else None


def parse_indexes(text: str) -> set[int]:
    found: set[int] = set()
    for part in filter(None, text.split(",")):
        low, _, high = part.partition("-")
        found.update(range(int(low), int(high or low) + 1))
    return found


def format_indexes(indexes: Iterable[int]) -> str:
    """``completedIndexes``: ascending, consecutive runs as ``a-b`` (``1,3-5,7``)."""
    runs: list[list[int]] = []
    for i in sorted(indexes):
        if runs and runs[-1][1] == i - 1:
            runs[-1][1] = i
        else:
            runs.append([i, i])
    return ",".join(str(a) if a == b else f"{a}-{b}" for a, b in runs)


def missing_indexes(spec: Obj, status: Obj, active: list[Obj]) -> list[int]:
    """The indexes neither completed nor running, lowest first."""
    done = parse_indexes(status.get("completedIndexes", ""))
    running = {index_of(p) for p in active}
    return [i for i in range(int(spec.get("completions") or 0)) if i not in done and i not in running]


def pod_for(job: Obj, index: int | None, suffix: str) -> Obj:
    """The pod the job controller creates: the template, ``<job>-[<index>-]<suffix>`` (5 characters of the
    name generator's alphabet), owned by the job."""
    name, namespace = job["metadata"]["name"], job["metadata"]["namespace"]
    template = clone(job["spec"]["template"])
    meta = {k: v for k, v in (template.get("metadata") or {}).items() if k != "creationTimestamp"}
    spec = template.get("spec") or {}
    prefix = f"{name}-" if index is None else f"{name}-{index}-"
    if index is not None:
        meta["annotations"] = {**(meta.get("annotations") or {}), INDEX: str(index)}
        meta["labels"] = {**(meta.get("labels") or {}), INDEX: str(index)}
        spec.setdefault("hostname", f"{name}-{index}")
        env = {"name": "JOB_COMPLETION_INDEX", "valueFrom": {"fieldRef": {
            "apiVersion": "v1", "fieldPath": f"metadata.annotations['{INDEX}']"}}}
        for container in [*(spec.get("initContainers") or []), *(spec.get("containers") or [])]:
            container["env"] = [*(container.get("env") or []), env]
    return {"apiVersion": "v1", "kind": "Pod",
            "metadata": {**meta, "name": f"{prefix[:58]}{suffix}", "generateName": prefix, "namespace": namespace,
                         "ownerReferences": [owner_ref(job, "Job", "batch/v1")], "finalizers": [FINALIZER]},
            "spec": spec}


def _remove(tracker: Tracker, pod: Obj) -> None:
    meta = pod["metadata"]
    tracker.delete("pods", meta["namespace"], meta["name"])
    if tracker.find(POD_LOGS, meta["namespace"], meta["name"]) is not None:
        tracker.delete(POD_LOGS, meta["namespace"], meta["name"])


def release(tracker: Tracker, pod: Obj) -> None:
    """Drop the tracking finalizer; a pod whose deletion waited only on it (unbound, or stopped) goes."""
    meta = pod["metadata"]
    current = tracker.find("pods", meta["namespace"], meta["name"])
    if current is None or current["metadata"]["uid"] != meta["uid"]:
        return
    current["metadata"]["finalizers"] = [f for f in current["metadata"].get("finalizers") or [] if f != FINALIZER]
    if not current["metadata"]["finalizers"]:
        current["metadata"].pop("finalizers")
    deleted = meta.get("deletionTimestamp") or current["metadata"].get("deletionTimestamp")
    waiting = deleted and not current["metadata"].get("finalizers")
    if waiting and (not (current.get("spec") or {}).get("nodeName") or terminal(current)):
        _remove(tracker, current)
        return
    tracker.update("pods", meta["namespace"], current, check_version=False)


def delete_pod(tracker: Tracker, clock: Clock, pod: Obj) -> Obj:
    """Mark the pod deleted (its finalizer holds it until it is counted; a bound pod's kubelet stops it)."""
    marked = clone(pod)
    marked["metadata"]["deletionTimestamp"] = kube_time(clock.now())
    marked["metadata"]["deletionGracePeriodSeconds"] = int(
        (pod.get("spec") or {}).get("terminationGracePeriodSeconds", 30) or 0)
    return tracker.update("pods", pod["metadata"]["namespace"], marked, check_version=False)


def delete_job(tracker: Tracker, clock: Clock, job: Obj) -> None:
    """Background deletion: the job, then its pods (their finalizer released, a bound running pod left
    to its kubelet)."""
    namespace = job["metadata"]["namespace"]
    tracker.delete(JOBS, namespace, job["metadata"]["name"])
    for pod in tracker.scan("pods", namespace, lambda p: owned_by(p, job)):
        copy = clone(pod)
        if (pod.get("spec") or {}).get("nodeName") and not terminal(pod):
            copy = delete_pod(tracker, clock, copy)
        else:
            copy["metadata"]["deletionTimestamp"] = kube_time(clock.now())
        release(tracker, copy)
