"""The job controller (``pkg/controller/job``, 1.32): pods for a Job up to its parallelism, with the
tracking finalizer; their outcomes counted into ``status`` once (then the finalizer goes); the pod failure
back-off; ``SuccessCriteriaMet`` then ``Complete``, or ``FailureTarget`` then ``Failed``
(``BackoffLimitExceeded``, ``DeadlineExceeded``); suspension; Indexed completion."""

from __future__ import annotations

from dataclasses import dataclass, field

from pullproof.core.clock import Clock, parse_time
from pullproof.core.errors import ServiceError
from pullproof.core.ids import IdFactory
from pullproof.kube.apiserver import admission, defaults
from pullproof.kube.controllers import jobpods
from pullproof.kube.controllers.jobpods import FINALIZER, JOBS, Obj
from pullproof.kube.controllers.replicasets import owned_by, pod_ready
from pullproof.kube.storage.events import EventRecorder
from pullproof.kube.storage.tracker import Tracker, clone, kube_time

BACKOFF_SECONDS, BACKOFF_CAP = 10.0, 360.0  # the pod failure back-off: 10 s, doubling, at most six minutes
BACKOFF_MESSAGE = "Job has reached the specified backoff limit"
DEADLINE_MESSAGE = "Job was active longer than specified deadline"
DONE_MESSAGE = "Reached expected number of succeeded pods"


@dataclass
class Backoff:
    failures: int = 0
    last: float = 0.0

    def ready_at(self) -> float:
        if not self.failures:
            return 0.0
        return self.last + min(BACKOFF_SECONDS * 2.0 ** (self.failures - 1), BACKOFF_CAP)


@dataclass
class Pass:
    """One job's state during a reconcile pass."""

    job: Obj
    pods: list[Obj]
    status: Obj
    now: float
    finished: list[Obj] = field(default_factory=list)

    @property
    def spec(self) -> Obj:
        return dict(self.job["spec"])

    def active(self) -> list[Obj]:
        return [p for p in self.pods if not jobpods.terminal(p) and not p["metadata"].get("deletionTimestamp")]

    def terminating(self) -> list[Obj]:
        return [p for p in self.pods if not jobpods.terminal(p) and p["metadata"].get("deletionTimestamp")]


class JobController:
    def __init__(self, tracker: Tracker, clock: Clock, ids: IdFactory) -> None:
        self.tracker = tracker
        self.clock = clock
        self.ids = ids
        self.events = EventRecorder(tracker, clock, "job-controller")
        self.backoff: dict[str, Backoff] = {}

    def reconcile(self) -> None:
        jobs = self.tracker.list(JOBS)[0]
        for job in jobs:
            self._one(clone(job))
        live = {j["metadata"]["uid"] for j in jobs}
        self.backoff = {k: v for k, v in self.backoff.items() if k in live}
        self._orphans(live)

    def _orphans(self, live: set[str]) -> None:
        """Pods whose job is gone lose the tracking finalizer (and go, where their deletion waited on it)."""
        for pod in self.tracker.scan("pods", None, lambda p: FINALIZER in (p["metadata"].get("finalizers") or [])):
            owner = next((r for r in pod["metadata"].get("ownerReferences") or [] if r.get("kind") == "Job"), None)
            if owner is None or owner.get("uid") not in live:
                jobpods.release(self.tracker, clone(pod))

    def _one(self, job: Obj) -> None:
        namespace = job["metadata"]["namespace"]
        pods = [clone(p) for p in self.tracker.scan("pods", namespace, lambda p: owned_by(p, job))]
        step = Pass(job, pods, clone(job.get("status") or {}), self.clock.now())
        self._count(step)
        if not jobpods.finished(job):
            self._drive(step)
        self._write(step)
        for pod in step.finished:
            jobpods.release(self.tracker, pod)

    # accounting ------------------------------------------------------------------------------------
    def _count(self, step: Pass) -> None:
        """Pods that finished (or went into deletion) and still hold the finalizer are counted once."""
        record = self.backoff.setdefault(step.job["metadata"]["uid"], Backoff())
        indexes = jobpods.parse_indexes(step.status.get("completedIndexes", ""))
        for pod in step.pods:
            if FINALIZER not in (pod["metadata"].get("finalizers") or []):
                continue
            if not jobpods.terminal(pod) and not pod["metadata"].get("deletionTimestamp"):
                continue
            step.finished.append(pod)
            if (pod.get("status") or {}).get("phase") == "Succeeded":
                step.status["succeeded"] = step.status.get("succeeded", 0) + 1
                record.failures = 0
                index = jobpods.index_of(pod)
                if index is not None:
                    indexes.add(index)
            else:
                step.status["failed"] = step.status.get("failed", 0) + 1
                record.failures += 1
                record.last = max(record.last, jobpods.finished_at(pod, step.now))
        gone = {p["metadata"]["uid"] for p in step.finished if p["metadata"].get("deletionTimestamp") and (
            jobpods.terminal(p) or not (p.get("spec") or {}).get("nodeName"))}
        step.pods = [p for p in step.pods if p["metadata"]["uid"] not in gone]  # released below, so removed
        if step.spec.get("completionMode") == "Indexed":
            step.status["completedIndexes"] = jobpods.format_indexes(indexes)
            step.status["succeeded"] = len(indexes)

    # driving ---------------------------------------------------------------------------------------
    def _drive(self, step: Pass) -> None:
        spec, status = step.spec, step.status
        suspended = bool(spec.get("suspend"))
        self._suspension(step, suspended)
        if not status.get("startTime") and not suspended:
            status["startTime"] = kube_time(step.now)
        failure = self._failure(step)
        if failure is not None:
            self._terminate(step, "FailureTarget", *failure)
            return
        if self._succeeded(step):
            self._terminate(step, "SuccessCriteriaMet", "CompletionsReached", DONE_MESSAGE)
            return
        if suspended:
            self._delete_pods(step, step.active())
            return
        self._scale(step)

    def _suspension(self, step: Pass, suspended: bool) -> None:
        conditions = step.status.setdefault("conditions", [])
        known = next((c for c in conditions if c.get("type") == "Suspended"), None)
        if suspended and (known is None or known.get("status") != "True"):
            if known is not None:
                conditions.remove(known)
            conditions.append(jobpods.condition("Suspended", "JobSuspended", "Job suspended", step.now))
            self.events.record(step.job, "Job", "Normal", "Suspended", "Job suspended")
        elif not suspended and known is not None and known.get("status") == "True":
            known.update(jobpods.condition("Suspended", "JobResumed", "Job resumed", step.now, "False"))
            step.status["startTime"] = kube_time(step.now)
            self.events.record(step.job, "Job", "Normal", "Resumed", "Job resumed")
        if not conditions:
            step.status.pop("conditions")

    def _failure(self, step: Pass) -> tuple[str, str] | None:
        if any(c.get("type") == "FailureTarget" for c in step.status.get("conditions") or []):
            target = next(c for c in step.status["conditions"] if c.get("type") == "FailureTarget")
            return str(target.get("reason")), str(target.get("message"))
        spec = step.spec
        limit = int(spec.get("backoffLimit", 6))
        restarts = sum(int(c.get("restartCount", 0)) for p in step.active()
                       for c in (p.get("status") or {}).get("containerStatuses") or [])
        on_failure = spec["template"]["spec"].get("restartPolicy") == "OnFailure"
        if step.status.get("failed", 0) > limit or (on_failure and restarts and (
                restarts > 0 if limit == 0 else restarts >= limit)):
            return "BackoffLimitExceeded", BACKOFF_MESSAGE
        deadline = spec.get("activeDeadlineSeconds")
        started = step.status.get("startTime")
        if deadline is not None and started and not spec.get("suspend") and \
                step.now >= parse_time(started) + int(deadline):
            return "DeadlineExceeded", DEADLINE_MESSAGE
        return None

    def _succeeded(self, step: Pass) -> bool:
        if any(c.get("type") == "SuccessCriteriaMet" for c in step.status.get("conditions") or []):
            return True
        completions, succeeded = step.spec.get("completions"), step.status.get("succeeded", 0)
        if completions is None:
            return succeeded > 0 and not step.active()
        return bool(succeeded >= int(completions))

    def _terminate(self, step: Pass, interim: str, reason: str, message: str) -> None:
        """The interim condition at once; active pods deleted; the final one when none is left running."""
        conditions = step.status.setdefault("conditions", [])
        if not any(c.get("type") == interim for c in conditions):
            conditions.append(jobpods.condition(interim, reason, message, step.now))
        self._delete_pods(step, step.active())
        if step.terminating():
            return
        final = "Complete" if interim == "SuccessCriteriaMet" else "Failed"
        conditions.append(jobpods.condition(final, reason, message, step.now))
        if final == "Complete":
            step.status["completionTime"] = kube_time(step.now)
            self.events.record(step.job, "Job", "Normal", "Completed", "Job completed")
        else:
            self.events.record(step.job, "Job", "Warning", reason, message)

    def _scale(self, step: Pass) -> None:
        spec, active = step.spec, step.active()
        missing: list[int | None]
        if spec.get("completionMode") == "Indexed":
            missing = list(jobpods.missing_indexes(spec, step.status, active))
            wanted = min(int(spec.get("parallelism", 1)), len(active) + len(missing))
        else:
            completions = spec.get("completions")
            left = int(spec.get("parallelism", 1)) if completions is None else \
                int(completions) - step.status.get("succeeded", 0)
            wanted = max(0, min(int(spec.get("parallelism", 1)), left))
            missing = [None] * max(0, wanted - len(active))
        if len(active) > wanted:
            newest = sorted(active, key=lambda p: p["metadata"].get("creationTimestamp", ""), reverse=True)
            self._delete_pods(step, newest[: len(active) - wanted])
            return
        record = self.backoff.get(step.job["metadata"]["uid"])
        if record is not None and step.now < record.ready_at():
            return
        for index in missing[: max(0, wanted - len(active))]:
            if not self._create_pod(step, index):
                break

    # pods ------------------------------------------------------------------------------------------
    def _create_pod(self, step: Pass, index: int | None) -> bool:
        job = step.job
        pod = jobpods.pod_for(job, index, admission.random_suffix(self.ids))
        try:
            defaults.pod(pod)
            admission.pod(self.tracker, self.ids, jobpods.pods_type(), pod)
            created = self.tracker.create("pods", job["metadata"]["namespace"], pod)
        except ServiceError as exc:
            self.events.record(job, "Job", "Warning", "FailedCreate", f"Error creating: {exc.message}")
            return False
        step.pods.append(clone(created))
        self.events.record(job, "Job", "Normal", "SuccessfulCreate", f"Created pod: {created['metadata']['name']}")
        return True

    def _delete_pods(self, step: Pass, pods: list[Obj]) -> None:
        for pod in pods:
            marked = jobpods.delete_pod(self.tracker, self.clock, pod)
            step.pods = [marked if p["metadata"]["uid"] == pod["metadata"]["uid"] else p for p in step.pods]
            self.events.record(step.job, "Job", "Normal", "SuccessfulDelete",
                               f"Deleted pod: {pod['metadata']['name']}")

    def _write(self, step: Pass) -> None:
        active = step.active()
        status = step.status
        for key, value in (("active", len(active)), ("ready", sum(pod_ready(p) for p in active)),
                           ("terminating", len(step.terminating()))):
            status[key] = value
        if not status["active"]:
            status.pop("active")
        for key in ("succeeded", "failed"):
            if not status.get(key):
                status.pop(key, None)
        status.setdefault("uncountedTerminatedPods", {})
        if step.job.get("status") == status:
            return
        fresh = self.tracker.find(JOBS, step.job["metadata"]["namespace"], step.job["metadata"]["name"])
        if fresh is None or fresh["metadata"]["uid"] != step.job["metadata"]["uid"]:
            return
        fresh["status"] = status
        self.tracker.update(JOBS, fresh["metadata"]["namespace"], fresh, check_version=False)

