"""The TTL-after-finished controller: a finished Job with ``ttlSecondsAfterFinished`` is deleted (with
its pods, background propagation) once that many seconds have passed since its ``Complete`` or
``Failed`` condition."""

from __future__ import annotations

from pullproof.core.clock import Clock
from pullproof.kube.controllers import jobpods
from pullproof.kube.storage.tracker import Tracker


class TTLAfterFinishedController:
    def __init__(self, tracker: Tracker, clock: Clock) -> None:
        self.tracker = tracker
        self.clock = clock

    def reconcile(self) -> None:
        now = self.clock.now()
        for job in self.tracker.list(jobpods.JOBS)[0]:
            ttl = (job.get("spec") or {}).get("ttlSecondsAfterFinished")
            done = jobpods.finish_time(job)
            if ttl is None or done is None or job["metadata"].get("deletionTimestamp"):
                continue
            if now >= done + int(ttl):
                jobpods.delete_job(self.tracker, self.clock, job)
