"""Jobs and CronJobs through the API: defaults, the generated selector, validation with the API server's
messages, what an update may not change, and the Tables kubectl prints."""

from __future__ import annotations

import json
from typing import Any

import pytest

from pullproof.kube.apiserver import cronschedule
from pullproof.kube.storage.tracker import kube_time
from tests.conftest import Local
from tests.kube.api_support import api

JOBS = "/apis/batch/v1/namespaces/default/jobs"
CRONJOBS = "/apis/batch/v1/namespaces/default/cronjobs"


def job(name: str = "pi", restart: str | None = "Never", **spec: Any) -> dict[str, Any]:
    pod_spec: dict[str, Any] = {"containers": [{"name": name, "image": "busybox", "command": ["echo", "hi"]}]}
    if restart is not None:
        pod_spec["restartPolicy"] = restart
    return {"apiVersion": "batch/v1", "kind": "Job", "metadata": {"name": name},
            "spec": {"template": {"spec": pod_spec}, **spec}}


def cronjob(name: str = "tick", schedule: str = "*/5 * * * *", **spec: Any) -> dict[str, Any]:
    template = job(name)["spec"]
    return {"apiVersion": "batch/v1", "kind": "CronJob", "metadata": {"name": name},
            "spec": {"schedule": schedule, "jobTemplate": {"spec": template}, **spec}}


def causes(response: Any) -> list[tuple[str, str]]:
    assert response.status_code == 422, response.text
    body = response.json()
    assert body["reason"] == "Invalid"
    return [(c["field"], c["message"]) for c in body["details"]["causes"]]


def test_a_job_is_defaulted_and_gets_its_generated_selector(local: Local) -> None:
    with api(local) as k:
        created = k.post(JOBS, job())
        assert created.status_code == 201, created.text
        body = created.json()
        uid, spec = body["metadata"]["uid"], body["spec"]
        assert {k: spec[k] for k in ("completions", "parallelism", "backoffLimit", "completionMode", "suspend",
                                     "podReplacementPolicy")} == {
            "completions": 1, "parallelism": 1, "backoffLimit": 6, "completionMode": "NonIndexed", "suspend": False,
            "podReplacementPolicy": "TerminatingOrFailed"}
        assert spec["selector"] == {"matchLabels": {"batch.kubernetes.io/controller-uid": uid}}
        labels = {"batch.kubernetes.io/controller-uid": uid, "batch.kubernetes.io/job-name": "pi",
                  "controller-uid": uid, "job-name": "pi"}
        assert spec["template"]["metadata"]["labels"] == labels
        assert body["metadata"]["labels"] == labels
        assert spec["template"]["spec"]["restartPolicy"] == "Never"
        assert body["status"] == {}
        assert k.get(f"{JOBS}/pi").json()["metadata"]["uid"] == uid


def test_parallelism_alone_leaves_completions_unset_and_a_manual_selector_is_kept(local: Local) -> None:
    with api(local) as k:
        spec = k.post(JOBS, job("work", parallelism=3)).json()["spec"]
        assert "completions" not in spec and spec["parallelism"] == 3
        manual = job("manual", manualSelector=True, selector={"matchLabels": {"app": "x"}})
        manual["spec"]["template"]["metadata"] = {"labels": {"app": "x"}}
        kept = k.post(JOBS, manual).json()
        assert kept["spec"]["selector"] == {"matchLabels": {"app": "x"}}
        assert kept["spec"]["template"]["metadata"]["labels"] == {"app": "x"}


def test_a_job_needs_on_failure_or_never(local: Local) -> None:
    with api(local) as k:
        refused = k.post(JOBS, job(restart=None))
        assert causes(refused) == [("spec.template.spec.restartPolicy",
                                    'Required value: valid values: "OnFailure", "Never"')]
        assert refused.json()["message"] == ('Job.batch "pi" is invalid: spec.template.spec.restartPolicy: Required '
                                             'value: valid values: "OnFailure", "Never"')
        assert causes(k.post(JOBS, job(restart="Always")))[0][1] == 'Required value: valid values: "OnFailure", "Never"'
        assert k.post(JOBS, job(restart="OnFailure")).status_code == 201


def test_negative_counts_and_an_unknown_completion_mode_are_refused(local: Local) -> None:
    with api(local) as k:
        refused = k.post(JOBS, job(parallelism=-1, completions=-2, backoffLimit=-1, activeDeadlineSeconds=-5,
                                   ttlSecondsAfterFinished=-1))
        assert causes(refused) == [
            ("spec.parallelism", "Invalid value: -1: must be greater than or equal to 0"),
            ("spec.completions", "Invalid value: -2: must be greater than or equal to 0"),
            ("spec.activeDeadlineSeconds", "Invalid value: -5: must be greater than or equal to 0"),
            ("spec.backoffLimit", "Invalid value: -1: must be greater than or equal to 0"),
            ("spec.ttlSecondsAfterFinished", "Invalid value: -1: must be greater than or equal to 0")]
        assert causes(k.post(JOBS, job(completionMode="Sometimes"))) == [
            ("spec.completionMode", 'Unsupported value: "Sometimes": supported values: "NonIndexed", "Indexed"')]
        assert causes(k.post(JOBS, job(completionMode="Indexed", parallelism=2))) == [
            ("spec.completions", "Required value: when completion mode is Indexed")]


def test_template_selector_and_completions_are_immutable(local: Local) -> None:
    with api(local) as k:
        stored = k.post(JOBS, job()).json()
        changed = dict(stored, spec={**stored["spec"], "completions": 3})
        assert causes(k.put(f"{JOBS}/pi", changed)) == [("spec.completions", "Invalid value: 3: field is immutable")]
        image = stored["spec"]["template"]["spec"]["containers"][0]
        image["image"] = "busybox:2"
        template = causes(k.put(f"{JOBS}/pi", stored))
        assert template == [("spec.template", "Invalid value: core.PodTemplateSpec{...}: field is immutable")]
        stored = k.get(f"{JOBS}/pi").json()
        stored["spec"]["suspend"] = True
        assert k.put(f"{JOBS}/pi", stored).status_code == 200  # suspend and parallelism may change
        stored = k.get(f"{JOBS}/pi").json()
        stored["spec"]["selector"] = {"matchLabels": {"batch.kubernetes.io/controller-uid": "other"}}
        fields = [f for f, _ in causes(k.put(f"{JOBS}/pi", stored))]
        assert fields[:1] == ["spec.selector"] and "spec.selector" in fields


def test_a_cronjob_is_defaulted(local: Local) -> None:
    with api(local) as k:
        created = k.post(CRONJOBS, cronjob())
        assert created.status_code == 201, created.text
        spec = created.json()["spec"]
        assert {k: spec[k] for k in ("concurrencyPolicy", "suspend", "successfulJobsHistoryLimit",
                                     "failedJobsHistoryLimit")} == {
            "concurrencyPolicy": "Allow", "suspend": False, "successfulJobsHistoryLimit": 3,
            "failedJobsHistoryLimit": 1}
        assert "selector" not in spec["jobTemplate"]["spec"]


@pytest.mark.parametrize(("schedule", "message"), [
    ("bad", 'Invalid value: "bad": expected exactly 5 fields, found 1: [bad]'),
    ("* * * *", 'Invalid value: "* * * *": expected exactly 5 fields, found 4: [* * * *]'),
    ("61 * * * *", 'Invalid value: "61 * * * *": end of range (61) above maximum (59): 61'),
    ("* * * * mon-x", 'Invalid value: "* * * * mon-x": failed to parse int from x: strconv.Atoi: parsing "x": '
                      'invalid syntax'),
    ("*/0 * * * *", 'Invalid value: "*/0 * * * *": step of range should be a positive number: */0'),
    ("5-1 * * * *", 'Invalid value: "5-1 * * * *": beginning of range (5) beyond end of range (1): 5-1'),
    ("* * 0 * *", 'Invalid value: "* * 0 * *": beginning of range (0) below minimum (1): 0'),
    ("@fortnightly", 'Invalid value: "@fortnightly": unrecognized descriptor: @fortnightly'),
    ("@every soon", 'Invalid value: "@every soon": failed to parse duration @every soon: time: invalid duration '
                    '"soon"'),
    ("CRON_TZ=UTC 0 * * * *", 'Invalid value: "CRON_TZ=UTC 0 * * * *": cannot use TZ or CRON_TZ in schedule, use '
                              'timeZone field instead'),
])
def test_a_bad_schedule_is_refused_with_the_parsers_message(local: Local, schedule: str, message: str) -> None:
    with api(local) as k:
        assert causes(k.post(CRONJOBS, cronjob(schedule=schedule))) == [("spec.schedule", message)]


@pytest.mark.parametrize("schedule", ["@hourly", "@every 90m", "0 9 * * MON-FRI", "5/15 1-3,22 ? jan-jun *",
                                      "0 0 1 */3 *"])
def test_the_schedules_robfig_accepts_are_accepted(local: Local, schedule: str) -> None:
    with api(local) as k:
        assert k.post(CRONJOBS, cronjob(schedule=schedule)).status_code == 201


def test_time_zones_concurrency_policy_history_limits_and_the_name_length(local: Local) -> None:
    with api(local) as k:
        assert causes(k.post(CRONJOBS, cronjob(timeZone="Mars/Olympus"))) == [
            ("spec.timeZone", 'Invalid value: "Mars/Olympus": unknown time zone Mars/Olympus')]
        assert causes(k.post(CRONJOBS, cronjob(timeZone="Local")))[0][1].endswith(
            "timeZone must be an explicit time zone as defined in https://www.iana.org/time-zones")
        assert k.post(CRONJOBS, cronjob("tz", timeZone="Europe/Paris")).status_code == 201
        assert causes(k.post(CRONJOBS, cronjob(concurrencyPolicy="Sometimes"))) == [
            ("spec.concurrencyPolicy", 'Unsupported value: "Sometimes": supported values: "Allow", "Forbid", '
                                       '"Replace"')]
        assert causes(k.post(CRONJOBS, cronjob(successfulJobsHistoryLimit=-1))) == [
            ("spec.successfulJobsHistoryLimit", "Invalid value: -1: must be greater than or equal to 0")]
        assert causes(k.post(CRONJOBS, cronjob("c" * 53))) == [
            ("metadata.name", f'Invalid value: "{"c" * 53}": must be no more than 52 characters')]
        no_restart = cronjob("norestart")
        del no_restart["spec"]["jobTemplate"]["spec"]["template"]["spec"]["restartPolicy"]
        assert causes(k.post(CRONJOBS, no_restart)) == [
            ("spec.jobTemplate.spec.template.spec.restartPolicy", 'Required value: valid values: "OnFailure", "Never"')]


def test_job_and_cronjob_tables(local: Local) -> None:
    with api(local) as k:
        k.post(JOBS, job())
        k.post(JOBS, job("wide", parallelism=3))
        stored = k.tracker.get("jobs.batch", "default", "pi")
        now = local.clock.now()
        stored["status"] = {"succeeded": 1, "startTime": kube_time(now - 75), "completionTime": kube_time(now - 5),
                            "conditions": [{"type": "SuccessCriteriaMet", "status": "True"},
                                           {"type": "Complete", "status": "True"}]}
        k.tracker.update("jobs.batch", "default", stored)
        table = k.table(JOBS)
        assert [c["name"] for c in table["columnDefinitions"]] == [
            "Name", "Status", "Completions", "Duration", "Age", "Containers", "Images", "Selector"]
        rows = {r["cells"][0]: r["cells"] for r in table["rows"]}
        uid = stored["metadata"]["uid"]
        assert rows["pi"] == ["pi", "Complete", "1/1", "70s", "0s", "pi", "busybox",
                              f"batch.kubernetes.io/controller-uid={uid}"]
        assert rows["wide"][1:4] == ["Running", "0/1 of 3", ""]
        k.post(CRONJOBS, cronjob(timeZone="Europe/Paris"))
        cron = k.table(CRONJOBS)
        assert [c["name"] for c in cron["columnDefinitions"]] == [
            "Name", "Schedule", "Timezone", "Suspend", "Active", "Last Schedule", "Age", "Containers", "Images",
            "Selector"]
        assert cron["rows"][0]["cells"] == ["tick", "*/5 * * * *", "Europe/Paris", "False", 0, "<none>", "0s",
                                            "tick", "busybox", "<none>"]


def _owned_pod(k: Any, owner: dict[str, Any], name: str) -> None:
    k.tracker.create("pods", "default", {
        "apiVersion": "v1", "kind": "Pod", "metadata": {"name": name, "namespace": "default", "ownerReferences": [
            {"apiVersion": "batch/v1", "kind": "Job", "name": owner["metadata"]["name"],
             "uid": owner["metadata"]["uid"], "controller": True}]},
        "spec": {"containers": [{"name": "c", "image": "busybox"}]}, "status": {"phase": "Succeeded"}})


def test_deleting_a_job_orphans_its_pods_unless_the_request_propagates(local: Local) -> None:
    with api(local) as k:
        _owned_pod(k, k.post(JOBS, job("kept")).json(), "kept-pod")
        assert k.delete(f"{JOBS}/kept").status_code == 200
        assert "ownerReferences" not in k.tracker.get("pods", "default", "kept-pod")["metadata"]
        _owned_pod(k, k.post(JOBS, job("gone")).json(), "gone-pod")
        assert k.delete(f"{JOBS}/gone", {"propagationPolicy": "Background"}).status_code == 200
        assert k.tracker.find("pods", "default", "gone-pod") is None


@pytest.mark.parametrize(("flag", "watches"), [("True", True), ("t", True), ("1", True), ("false", False),
                                               ("FALSE", False), ("0", False)])
def test_the_watch_flag_reads_as_the_api_server_reads_a_query_bool(local: Local, flag: str, watches: bool) -> None:
    with api(local) as k:
        k.post(JOBS, job())
        response = k.get(f"{JOBS}?watch={flag}&timeoutSeconds=1")
        assert response.status_code == 200
        first = json.loads(response.text.splitlines()[0])
        assert (first.get("type"), first.get("kind")) == (("ADDED", None) if watches else (None, "JobList"))


def test_schedules_are_computed_in_the_time_zone() -> None:
    paris = cronschedule.parse("0 9 * * *", "Europe/Paris")
    assert cronschedule.to_utc(paris.next(1767225600)).isoformat() == "2026-01-01T08:00:00+00:00"
    every = cronschedule.parse("@every 90s")
    assert every.next(1000.5) == 1090.0
    assert cronschedule.parse("0 0 31 2 *").next(0) == float("inf")
