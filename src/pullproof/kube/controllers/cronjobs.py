"""The cronjob controller (``pkg/controller/cronjob``, 1.32) on the injected clock: the most recent
unmet schedule time (with the "too many missed start times" warning past 100), the starting deadline,
the concurrency policy, a Job named ``<cronjob>-<scheduled minutes since the epoch>``, the ``active``
list and ``lastScheduleTime``/``lastSuccessfulTime``, and the finished jobs' history limits."""

from __future__ import annotations

import math
from typing import Any

from pullproof.core.clock import Clock, parse_time
from pullproof.core.errors import ServiceError
from pullproof.core.ids import IdFactory
from pullproof.kube import errors
from pullproof.kube.apiserver import cronschedule
from pullproof.kube.apiserver.kinds import batch
from pullproof.kube.apiserver.kinds.base import AdmissionContext
from pullproof.kube.controllers import jobpods
from pullproof.kube.controllers.jobpods import JOBS
from pullproof.kube.controllers.replicasets import owned_by, owner_ref
from pullproof.kube.storage.events import EventRecorder
from pullproof.kube.storage.tracker import Tracker, clone, kube_time

Obj = dict[str, Any]
CRONJOBS = "cronjobs.batch"
SCHEDULED = "batch.kubernetes.io/cronjob-scheduled-timestamp"
MANY_MISSED = 100
TOO_MANY = "too many missed start times. Set or decrease .spec.startingDeadlineSeconds or check clock skew"
FORBID = "Not starting job because prior execution is running and concurrency policy is Forbid"


def job_ref(job: Obj) -> Obj:
    meta = job["metadata"]
    return {"kind": "Job", "namespace": meta["namespace"], "name": meta["name"], "uid": meta["uid"],
            "apiVersion": "batch/v1", "resourceVersion": meta.get("resourceVersion", "")}


def outcome(job: Obj) -> str | None:
    """``getFinishedStatus``: the first true ``Complete`` or ``Failed`` condition."""
    for c in (job.get("status") or {}).get("conditions") or []:
        if c.get("type") in ("Complete", "Failed") and c.get("status") == "True":
            return str(c["type"])
    return None


class CronJobController:
    def __init__(self, tracker: Tracker, clock: Clock, ids: IdFactory) -> None:
        self.tracker = tracker
        self.clock = clock
        self.ids = ids
        self.events = EventRecorder(tracker, clock, "cronjob-controller")
        self._noted: set[tuple[str, str, float]] = set()
        """Warnings already recorded, by (cronjob uid, reason, scheduled time): each pass would repeat them."""

    def reconcile(self) -> None:
        for cronjob in self.tracker.list(CRONJOBS)[0]:
            self._one(clone(cronjob))

    def _one(self, cronjob: Obj) -> None:
        namespace = cronjob["metadata"]["namespace"]
        jobs = [clone(j) for j in self.tracker.scan(JOBS, namespace, lambda j: owned_by(j, cronjob))]
        status = clone(cronjob.get("status") or {})
        self._observe(cronjob, jobs, status)
        spec = cronjob.get("spec") or {}
        if not cronjob["metadata"].get("deletionTimestamp") and not spec.get("suspend"):
            self._schedule(cronjob, status)
        self._history(cronjob, status)
        if not status.get("active"):
            status.pop("active", None)
        if status != (cronjob.get("status") or {}):
            fresh = self.tracker.find(CRONJOBS, namespace, cronjob["metadata"]["name"])
            if fresh is not None and fresh["metadata"]["uid"] == cronjob["metadata"]["uid"]:
                fresh["status"] = status
                self.tracker.update(CRONJOBS, namespace, fresh, check_version=False)

    def _observe(self, cronjob: Obj, jobs: list[Obj], status: Obj) -> None:
        """Finished jobs leave ``active`` (``SawCompletedJob``); vanished ones too (``MissingJob``)."""
        active = status.get("active") or []
        uids = {r.get("uid") for r in active}
        for job in jobs:
            result = outcome(job)
            if job["metadata"]["uid"] in uids and result is not None:
                active = [r for r in active if r.get("uid") != job["metadata"]["uid"]]
                self.events.record(cronjob, "CronJob", "Normal", "SawCompletedJob",
                                   f"Saw completed job: {job['metadata']['name']}, condition: {result}")
            if result == "Complete" and (job.get("status") or {}).get("completionTime"):
                done = job["status"]["completionTime"]
                last = status.get("lastSuccessfulTime")
                if last is None or parse_time(done) > parse_time(last):
                    status["lastSuccessfulTime"] = done
        present = {j["metadata"]["uid"] for j in jobs}
        for ref in [r for r in active if r.get("uid") not in present]:
            self.events.record(cronjob, "CronJob", "Normal", "MissingJob", f"Active job went missing: {ref['name']}")
            active = [r for r in active if r is not ref]
        status["active"] = active

    def _note(self, cronjob: Obj, reason: str, at: float, message: str, kind: str = "Warning") -> None:
        key = (cronjob["metadata"]["uid"], reason, at)
        if key not in self._noted:
            self._noted.add(key)
            self.events.record(cronjob, "CronJob", kind, reason, message)

    def _schedule(self, cronjob: Obj, status: Obj) -> None:
        spec = cronjob["spec"]
        try:
            schedule = cronschedule.parse(str(spec.get("schedule", "")), spec.get("timeZone"))
        except cronschedule.CronError as exc:
            self._note(cronjob, "InvalidSchedule", 0.0, f"invalid schedule: {spec.get('schedule')} : {exc}")
            return
        except (ValueError, KeyError) as exc:
            self._note(cronjob, "UnknownTimeZone", 0.0, f'invalid timeZone: "{spec.get("timeZone")}": {exc}')
            return
        now = self.clock.now()
        recent, missed = most_recent(cronjob, status, schedule, now)
        if recent is None:
            return
        if missed > MANY_MISSED:
            self._note(cronjob, "TooManyMissedTimes", recent, TOO_MANY)
        deadline = spec.get("startingDeadlineSeconds")
        if deadline is not None and recent + int(deadline) < now:
            self._note(cronjob, "MissSchedule", recent,
                       f"Missed scheduled time to start a job: {cronschedule.rfc1123z(recent)}")
            return
        name = f"{cronjob['metadata']['name']}-{int(recent // 60)}"
        last = status.get("lastScheduleTime")
        if any(r.get("name") == name for r in status["active"]) or (last and parse_time(last) == recent):
            return
        policy = spec.get("concurrencyPolicy", "Allow")
        if policy == "Forbid" and status["active"]:
            self._note(cronjob, "JobAlreadyActive", recent, FORBID, "Normal")
            return
        if policy == "Replace":
            for ref in status["active"]:
                self._delete_job(cronjob, ref["name"])
            status["active"] = []
        created = self._create_job(cronjob, name, recent, schedule)
        if created is not None:
            status["active"].append(job_ref(created))
            status["lastScheduleTime"] = kube_time(recent)

    def _create_job(self, cronjob: Obj, name: str, at: float, schedule: cronschedule.Schedule) -> Obj | None:
        """``getJobFromTemplate2``, then what the API server does with a new Job."""
        namespace = cronjob["metadata"]["namespace"]
        template = clone(cronjob["spec"].get("jobTemplate") or {})
        meta = template.get("metadata") or {}
        job: Obj = {"apiVersion": "batch/v1", "kind": "Job",
               "metadata": {"name": name, "namespace": namespace, "labels": dict(meta.get("labels") or {}),
                            "annotations": {**(meta.get("annotations") or {}),
                                            SCHEDULED: cronschedule.rfc3339_in(at, schedule.zone)},
                            "ownerReferences": [owner_ref(cronjob, "CronJob", "batch/v1")], "generation": 1},
               "spec": template.get("spec") or {}, "status": {}}
        if not job["metadata"]["labels"]:
            job["metadata"].pop("labels")
        batch.default_job(job)
        batch.generate_selector(AdmissionContext(self.tracker, self.ids), job, None)
        try:
            created = self.tracker.create(JOBS, namespace, job)
        except ServiceError as exc:
            if exc.code is errors.ALREADY_EXISTS:
                return self.tracker.get(JOBS, namespace, name)
            self.events.record(cronjob, "CronJob", "Warning", "FailedCreate", f"Error creating job: {exc.message}")
            return None
        self.events.record(cronjob, "CronJob", "Normal", "SuccessfulCreate", f"Created job {name}")
        return created

    def _delete_job(self, cronjob: Obj, name: str) -> None:
        job = self.tracker.find(JOBS, cronjob["metadata"]["namespace"], name)
        if job is None:
            return
        jobpods.delete_job(self.tracker, self.clock, job)
        self.events.record(cronjob, "CronJob", "Normal", "SuccessfulDelete", f"Deleted job {name}")

    def _history(self, cronjob: Obj, status: Obj) -> None:
        """``cleanupFinishedJobs``: beyond each history limit, the jobs that started first go."""
        spec = cronjob.get("spec") or {}
        namespace = cronjob["metadata"]["namespace"]
        jobs = self.tracker.scan(JOBS, namespace, lambda j: owned_by(j, cronjob))
        for kind, key in (("Complete", "successfulJobsHistoryLimit"), ("Failed", "failedJobsHistoryLimit")):
            limit = spec.get(key)
            done = [j for j in jobs if outcome(j) == kind]
            if limit is None or len(done) <= int(limit):
                continue
            done.sort(key=lambda j: (parse_time(j["status"]["startTime"]) if (j.get("status") or {}).get(
                "startTime") else float("-inf"), j["metadata"]["name"]))
            for job in done[: len(done) - int(limit)]:
                self._delete_job(cronjob, job["metadata"]["name"])
                status["active"] = [r for r in status.get("active") or [] if r.get("uid") != job["metadata"]["uid"]]


def most_recent(cronjob: Obj, status: Obj, schedule: cronschedule.Schedule, now: float) -> tuple[float | None, int]:
    """``mostRecentScheduleTime``: the latest schedule time not after ``now`` since the last one (or the
    creation, or the starting deadline), and roughly how many were missed."""
    earliest = parse_time(status.get("lastScheduleTime") or cronjob["metadata"]["creationTimestamp"])
    deadline = (cronjob.get("spec") or {}).get("startingDeadlineSeconds")
    if deadline is not None:
        earliest = max(earliest, now - int(deadline))
    first = schedule.next(earliest)
    second = schedule.next(first)
    if now < first:
        return None, 0
    if now < second or math.isinf(second):
        return first, 1
    between = round(second - first)
    if between < 1:
        return None, 0
    missed = int(now - first) // between + 1
    recent = None
    moment = schedule.next(first + (missed - 2) * between)
    while moment <= now:
        recent, moment = moment, schedule.next(moment)
    return recent, missed
