"""Helpers for the job and cronjob controller tests: a tracker on a manual clock, Jobs and CronJobs
stored as the API server stores them, and pod outcomes set by hand (the kubelet's part)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pullproof.core.clock import ManualClock
from pullproof.core.ids import SeededIds
from pullproof.core.sealing import Sealer
from pullproof.db.engine import Database
from pullproof.kube.apiserver.kinds import batch
from pullproof.kube.apiserver.kinds.base import AdmissionContext
from pullproof.kube.controllers.cronjobs import CRONJOBS, CronJobController
from pullproof.kube.controllers.jobpods import JOBS
from pullproof.kube.controllers.jobs import JobController
from pullproof.kube.controllers.jobttl import TTLAfterFinishedController
from pullproof.kube.storage.store import KubeStore
from pullproof.kube.storage.tracker import Tracker, kube_time

START = 1_767_225_600.0  # 2026-01-01T00:00:00Z


@dataclass
class Batch:
    tracker: Tracker
    clock: ManualClock
    ids: SeededIds
    jobs: JobController
    ttl: TTLAfterFinishedController
    cronjobs: CronJobController

    def create_job(self, name: str = "pi", restart: str = "Never", **spec: Any) -> dict[str, Any]:
        body: dict[str, Any] = {
            "apiVersion": "batch/v1", "kind": "Job", "metadata": {"name": name, "namespace": "default",
                                                                  "generation": 1},
            "spec": {"template": {"spec": {"restartPolicy": restart,
                                           "containers": [{"name": name, "image": "busybox"}]}}, **spec},
            "status": {}}
        batch.default_job(body)
        batch.generate_selector(AdmissionContext(self.tracker, self.ids), body, None)
        assert batch.validate_job(body) == []
        return self.tracker.create(JOBS, "default", body)

    def create_cronjob(self, name: str = "tick", schedule: str = "*/5 * * * *", **spec: Any) -> dict[str, Any]:
        body: dict[str, Any] = {
            "apiVersion": "batch/v1", "kind": "CronJob", "metadata": {"name": name, "namespace": "default",
                                                                      "generation": 1},
            "spec": {"schedule": schedule, "jobTemplate": {"spec": {"template": {"spec": {
                "restartPolicy": "Never", "containers": [{"name": name, "image": "busybox"}]}}}}, **spec},
            "status": {}}
        batch.default_cronjob(body)
        assert batch.validate_cronjob(body) == []
        return self.tracker.create(CRONJOBS, "default", body)

    def job(self, name: str = "pi") -> dict[str, Any]:
        return self.tracker.get(JOBS, "default", name)

    def cronjob(self, name: str = "tick") -> dict[str, Any]:
        return self.tracker.get(CRONJOBS, "default", name)

    def pods(self, job: str | None = None) -> list[dict[str, Any]]:
        pods = self.tracker.list("pods", "default")[0]
        return [p for p in pods if job is None or (p["metadata"].get("labels") or {}).get("job-name") == job]

    def finish(self, pod: dict[str, Any], phase: str, exit_code: int = 0) -> None:
        """The kubelet's part: the pod's container stopped, the pod is in ``phase``."""
        current = self.tracker.get("pods", "default", pod["metadata"]["name"])
        container = current["spec"]["containers"][0]["name"]
        current["status"] = {"phase": phase, "containerStatuses": [{
            "name": container, "ready": False, "restartCount": 0, "image": "busybox", "imageID": "",
            "state": {"terminated": {"exitCode": exit_code, "reason": "Completed" if phase == "Succeeded" else "Error",
                                     "finishedAt": kube_time(self.clock.now())}}}]}
        self.tracker.update("pods", "default", current)

    def ready(self, pod: dict[str, Any]) -> None:
        current = self.tracker.get("pods", "default", pod["metadata"]["name"])
        current["status"] = {"phase": "Running", "conditions": [
            {"type": "Ready", "status": "True", "lastTransitionTime": kube_time(self.clock.now())}]}
        self.tracker.update("pods", "default", current)

    def sync(self) -> None:
        self.cronjobs.reconcile()
        self.jobs.reconcile()
        self.ttl.reconcile()

    def conditions(self, name: str = "pi") -> list[tuple[str, str, str]]:
        return [(c["type"], c["status"], c.get("reason", "")) for c in self.job(name)["status"].get("conditions", [])]

    def events(self, name: str) -> list[tuple[str, str, str]]:
        return [(e["type"], e["reason"], e["message"]) for e in self.tracker.list("events", "default")[0]
                if e["involvedObject"]["name"] == name]


def harness(tmp_path: Path) -> Batch:
    clock = ManualClock(START)
    ids = SeededIds(7)
    tracker = Tracker("c1", KubeStore(Database(tmp_path / "kube.db"), Sealer(tmp_path / "seal.key")), clock, ids)
    tracker.create("namespaces", "", {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "default"}})
    tracker.create("serviceaccounts", "default", {"apiVersion": "v1", "kind": "ServiceAccount",
                                                  "metadata": {"name": "default"}})
    return Batch(tracker, clock, ids, JobController(tracker, clock, ids), TTLAfterFinishedController(tracker, clock),
                 CronJobController(tracker, clock, ids))
