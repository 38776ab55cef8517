"""The cronjob controller on a manual clock: jobs at the schedule's times, the ``active`` list and the
last schedule/success times, the concurrency policies, the history limits, the starting deadline, many
missed times, suspension and time zones."""

from __future__ import annotations

from pathlib import Path

from pullproof.kube.controllers.cronjobs import SCHEDULED
from pullproof.kube.controllers.jobpods import JOBS
from tests.kube.controllers.batch_support import START, Batch, harness

MINUTE = int(START // 60)


def _jobs(b: Batch) -> list[str]:
    return sorted(j["metadata"]["name"] for j in b.tracker.list(JOBS, "default")[0])


def _finish(b: Batch, job: str, phase: str = "Succeeded") -> None:
    for pod in b.pods(job):
        if pod.get("status", {}).get("phase") not in ("Succeeded", "Failed"):
            b.finish(pod, phase)
    b.sync()
    b.sync()


def test_a_job_is_created_at_each_scheduled_time(tmp_path: Path) -> None:
    b = harness(tmp_path)
    cronjob = b.create_cronjob()
    b.sync()
    assert _jobs(b) == []
    b.clock.advance(299)
    b.sync()
    assert _jobs(b) == []
    b.clock.advance(1)
    b.sync()
    name = f"tick-{MINUTE + 5}"
    assert _jobs(b) == [name]
    job = b.job(name)
    assert job["metadata"]["annotations"] == {SCHEDULED: "2026-01-01T00:05:00Z"}
    assert job["metadata"]["ownerReferences"][0]["kind"] == "CronJob"
    assert job["metadata"]["ownerReferences"][0]["uid"] == cronjob["metadata"]["uid"]
    assert job["spec"]["selector"] == {"matchLabels": {"batch.kubernetes.io/controller-uid": job["metadata"]["uid"]}}
    assert len(b.pods(name)) == 1  # the job controller ran it
    status = b.cronjob()["status"]
    assert status["lastScheduleTime"] == "2026-01-01T00:05:00Z"
    assert [r["name"] for r in status["active"]] == [name]
    assert status["active"][0]["kind"] == "Job" and status["active"][0]["apiVersion"] == "batch/v1"
    b.clock.advance(60)
    _finish(b, name)
    status = b.cronjob()["status"]
    assert "active" not in status and status["lastSuccessfulTime"] == "2026-01-01T00:06:00Z"
    assert b.events("tick") == [("Normal", "SuccessfulCreate", f"Created job {name}"),
                                ("Normal", "SawCompletedJob", f"Saw completed job: {name}, condition: Complete")]


def test_forbid_skips_a_run_while_the_last_one_is_active(tmp_path: Path) -> None:
    b = harness(tmp_path)
    b.create_cronjob(concurrencyPolicy="Forbid")
    b.clock.advance(300)
    b.sync()
    b.clock.advance(300)
    b.sync()
    assert _jobs(b) == [f"tick-{MINUTE + 5}"]
    assert ("Normal", "JobAlreadyActive",
            "Not starting job because prior execution is running and concurrency policy is Forbid") in b.events("tick")


def test_allow_runs_them_side_by_side_and_replace_deletes_the_running_one(tmp_path: Path) -> None:
    b = harness(tmp_path)
    b.create_cronjob()
    b.create_cronjob("swap", concurrencyPolicy="Replace")
    for _ in range(2):
        b.clock.advance(300)
        b.sync()
    assert _jobs(b) == sorted([f"swap-{MINUTE + 10}", f"tick-{MINUTE + 5}", f"tick-{MINUTE + 10}"])
    assert [r["name"] for r in b.cronjob("swap")["status"]["active"]] == [f"swap-{MINUTE + 10}"]
    assert ("Normal", "SuccessfulDelete", f"Deleted job swap-{MINUTE + 5}") in b.events("swap")
    assert len(b.cronjob()["status"]["active"]) == 2


def test_the_history_limits_keep_the_newest_finished_jobs(tmp_path: Path) -> None:
    b = harness(tmp_path)
    b.create_cronjob(successfulJobsHistoryLimit=1, failedJobsHistoryLimit=0)
    b.clock.advance(300)
    b.sync()
    _finish(b, f"tick-{MINUTE + 5}")
    b.clock.advance(300)
    b.sync()
    _finish(b, f"tick-{MINUTE + 10}")
    assert _jobs(b) == [f"tick-{MINUTE + 10}"]
    assert ("Normal", "SuccessfulDelete", f"Deleted job tick-{MINUTE + 5}") in b.events("tick")
    assert b.pods(f"tick-{MINUTE + 5}") == []
    b.clock.advance(300)
    b.sync()
    job = b.job(f"tick-{MINUTE + 15}")
    job["spec"]["backoffLimit"] = 0
    b.tracker.update(JOBS, "default", job)
    _finish(b, f"tick-{MINUTE + 15}", "Failed")
    assert _jobs(b) == [f"tick-{MINUTE + 10}"]  # no failed job kept


def test_too_many_missed_times_warn_and_only_the_latest_runs(tmp_path: Path) -> None:
    b = harness(tmp_path)
    b.create_cronjob(schedule="* * * * *")
    b.clock.advance(200 * 60 + 30)
    b.sync()
    assert _jobs(b) == [f"tick-{MINUTE + 200}"]
    assert ("Warning", "TooManyMissedTimes", "too many missed start times. Set or decrease "
            ".spec.startingDeadlineSeconds or check clock skew") in b.events("tick")
    b.sync()
    assert [e for e in b.events("tick") if e[1] == "TooManyMissedTimes"] == [b.events("tick")[0]]


def test_a_time_past_the_starting_deadline_is_skipped(tmp_path: Path) -> None:
    b = harness(tmp_path)
    b.create_cronjob(schedule="@hourly", startingDeadlineSeconds=10)
    b.clock.advance(3600 + 11)
    b.sync()
    assert _jobs(b) == []
    b.clock.advance(3600 - 11)
    b.sync()
    assert _jobs(b) == [f"tick-{MINUTE + 120}"]


def test_a_suspended_cronjob_creates_nothing(tmp_path: Path) -> None:
    b = harness(tmp_path)
    b.create_cronjob(suspend=True)
    b.clock.advance(3600)
    b.sync()
    assert _jobs(b) == [] and "lastScheduleTime" not in b.cronjob().get("status", {})


def test_the_schedule_is_read_in_the_time_zone(tmp_path: Path) -> None:
    b = harness(tmp_path)
    b.create_cronjob(schedule="0 9 * * *", timeZone="Europe/Paris")
    b.clock.advance(8 * 3600 - 1)
    b.sync()
    assert _jobs(b) == []
    b.clock.advance(1)
    b.sync()
    [name] = _jobs(b)
    assert name == f"tick-{MINUTE + 480}"
    assert b.job(name)["metadata"]["annotations"][SCHEDULED] == "2026-01-01T09:00:00+01:00"
