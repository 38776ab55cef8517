"""The job controller on a manual clock: pods with the tracking finalizer, counting, completion and
failure conditions, the pod failure back-off, the deadline, suspension, Indexed jobs, the TTL."""

from __future__ import annotations

from pathlib import Path

from pullproof.kube.controllers.jobpods import FINALIZER, INDEX, JOBS
from tests.kube.controllers.batch_support import harness


def test_a_job_runs_one_pod_to_completion(tmp_path: Path) -> None:
    b = harness(tmp_path)
    job = b.create_job()
    b.sync()
    [pod] = b.pods()
    meta = pod["metadata"]
    assert meta["name"].startswith("pi-") and len(meta["name"]) == 8 and meta["generateName"] == "pi-"
    assert meta["finalizers"] == [FINALIZER]
    assert meta["ownerReferences"] == [{"apiVersion": "batch/v1", "kind": "Job", "name": "pi",
                                        "uid": job["metadata"]["uid"], "controller": True,
                                        "blockOwnerDeletion": True}]
    assert meta["labels"]["batch.kubernetes.io/job-name"] == "pi"
    status = b.job()["status"]
    assert status == {"active": 1, "ready": 0, "terminating": 0, "startTime": "2026-01-01T00:00:00Z",
                      "uncountedTerminatedPods": {}}
    b.ready(pod)
    b.sync()
    assert b.job()["status"]["ready"] == 1
    b.clock.advance(42)
    b.finish(pod, "Succeeded")
    b.sync()
    status = b.job()["status"]
    assert status["succeeded"] == 1 and "active" not in status and status["completionTime"] == "2026-01-01T00:00:42Z"
    assert b.conditions() == [("SuccessCriteriaMet", "True", "CompletionsReached"),
                              ("Complete", "True", "CompletionsReached")]
    assert b.job()["status"]["conditions"][1]["message"] == "Reached expected number of succeeded pods"
    [done] = b.pods()
    assert "finalizers" not in done["metadata"]  # counted once, then released
    assert b.events("pi") == [("Normal", "SuccessfulCreate", f"Created pod: {meta['name']}"),
                              ("Normal", "Completed", "Job completed")]
    b.sync()
    assert b.job()["status"]["succeeded"] == 1 and len(b.pods()) == 1


def test_completions_with_parallelism(tmp_path: Path) -> None:
    b = harness(tmp_path)
    b.create_job(completions=3, parallelism=2)
    b.sync()
    assert len(b.pods()) == 2
    b.finish(b.pods()[0], "Succeeded")
    b.sync()
    running = [p for p in b.pods() if p.get("status", {}).get("phase") != "Succeeded"]
    assert len(running) == 2 and b.job()["status"]["succeeded"] == 1  # one more, at most two at once
    for pod in running:
        b.finish(pod, "Succeeded")
    b.sync()
    assert b.job()["status"]["succeeded"] == 3 and b.conditions()[-1][0] == "Complete"


def test_failed_pods_are_replaced_after_the_back_off_until_the_limit(tmp_path: Path) -> None:
    b = harness(tmp_path)
    b.create_job(backoffLimit=2)
    b.sync()
    delays = []
    for _ in range(2):
        [pod] = [p for p in b.pods() if p.get("status", {}).get("phase") != "Failed"]
        b.finish(pod, "Failed", 3)
        b.sync()
        failed_at = b.clock.now()
        while len(b.pods()) == len([p for p in b.pods() if p["status"].get("phase") == "Failed"]):
            b.clock.advance(1)
            b.sync()
        delays.append(b.clock.now() - failed_at)
    assert delays == [10, 20]  # 10 s, doubling
    assert b.job()["status"]["failed"] == 2 and b.conditions() == []
    [pod] = [p for p in b.pods() if p.get("status", {}).get("phase") != "Failed"]
    b.finish(pod, "Failed", 3)
    b.sync()
    assert b.conditions() == [("FailureTarget", "True", "BackoffLimitExceeded"),
                              ("Failed", "True", "BackoffLimitExceeded")]
    status = b.job()["status"]
    assert status["failed"] == 3 and "completionTime" not in status
    assert status["conditions"][1]["message"] == "Job has reached the specified backoff limit"
    assert ("Warning", "BackoffLimitExceeded", "Job has reached the specified backoff limit") in b.events("pi")
    b.clock.advance(3600)
    b.sync()
    assert len(b.pods()) == 3  # no pod after the job failed


def test_the_back_off_is_capped_at_six_minutes(tmp_path: Path) -> None:
    from pullproof.kube.controllers.jobs import Backoff
    assert [Backoff(n, 0.0).ready_at() for n in range(1, 8)] == [10, 20, 40, 80, 160, 320, 360]


def test_the_active_deadline_fails_the_job_and_deletes_its_pods(tmp_path: Path) -> None:
    b = harness(tmp_path)
    b.create_job(activeDeadlineSeconds=30)
    b.sync()
    [pod] = b.pods()
    b.clock.advance(29)
    b.sync()
    assert b.conditions() == []
    b.clock.advance(1)
    b.sync()
    assert b.conditions() == [("FailureTarget", "True", "DeadlineExceeded")]
    assert b.pods()[0]["metadata"]["deletionTimestamp"]  # the unbound pod waits for its finalizer
    b.sync()
    assert b.pods() == []
    assert b.conditions() == [("FailureTarget", "True", "DeadlineExceeded"), ("Failed", "True", "DeadlineExceeded")]
    assert b.job()["status"]["failed"] == 1
    assert ("Warning", "DeadlineExceeded", "Job was active longer than specified deadline") in b.events("pi")
    assert ("Normal", "SuccessfulDelete", f"Deleted pod: {pod['metadata']['name']}") in b.events("pi")


def test_suspend_and_resume(tmp_path: Path) -> None:
    b = harness(tmp_path)
    b.create_job(suspend=True)
    b.sync()
    assert b.pods() == [] and b.conditions() == [("Suspended", "True", "JobSuspended")]
    assert "startTime" not in b.job()["status"]
    job = b.job()
    job["spec"]["suspend"] = False
    b.tracker.update(JOBS, "default", job)
    b.clock.advance(5)
    b.sync()
    assert len(b.pods()) == 1 and b.conditions() == [("Suspended", "False", "JobResumed")]
    assert b.job()["status"]["startTime"] == "2026-01-01T00:00:05Z"
    assert [e[1] for e in b.events("pi")] == ["Suspended", "Resumed", "SuccessfulCreate"]


def test_an_indexed_job_runs_each_index_once(tmp_path: Path) -> None:
    b = harness(tmp_path)
    b.create_job("idx", completions=3, parallelism=2, completionMode="Indexed")
    b.sync()
    pods = sorted(b.pods(), key=lambda p: p["metadata"]["annotations"][INDEX])
    assert [p["metadata"]["annotations"][INDEX] for p in pods] == ["0", "1"]
    assert [p["metadata"]["labels"][INDEX] for p in pods] == ["0", "1"]
    assert [p["spec"]["hostname"] for p in pods] == ["idx-0", "idx-1"]
    assert pods[0]["metadata"]["name"].startswith("idx-0-")
    assert pods[0]["spec"]["containers"][0]["env"] == [{"name": "JOB_COMPLETION_INDEX", "valueFrom": {"fieldRef": {
        "apiVersion": "v1", "fieldPath": f"metadata.annotations['{INDEX}']"}}}]
    b.finish(pods[1], "Succeeded")
    b.sync()
    assert b.job("idx")["status"]["completedIndexes"] == "1"
    assert sorted(p["metadata"]["annotations"][INDEX] for p in b.pods()
                  if p["status"].get("phase") != "Succeeded") == ["0", "2"]
    for pod in b.pods():
        if pod["status"].get("phase") != "Succeeded":
            b.finish(pod, "Succeeded")
    b.sync()
    assert b.job("idx")["status"]["completedIndexes"] == "0-2" and b.conditions("idx")[-1][0] == "Complete"


def test_the_ttl_controller_deletes_a_finished_job_and_its_pods(tmp_path: Path) -> None:
    b = harness(tmp_path)
    b.create_job(ttlSecondsAfterFinished=100)
    b.sync()
    b.finish(b.pods()[0], "Succeeded")
    b.sync()
    b.clock.advance(99)
    b.sync()
    assert b.tracker.find(JOBS, "default", "pi") is not None
    b.clock.advance(1)
    b.sync()
    assert b.tracker.find(JOBS, "default", "pi") is None and b.pods() == []


def test_a_pod_whose_job_is_gone_loses_the_finalizer(tmp_path: Path) -> None:
    b = harness(tmp_path)
    b.create_job()
    b.sync()
    assert b.pods()[0]["metadata"]["finalizers"] == [FINALIZER]
    b.tracker.delete(JOBS, "default", "pi")
    b.sync()
    assert "finalizers" not in b.pods()[0]["metadata"]
