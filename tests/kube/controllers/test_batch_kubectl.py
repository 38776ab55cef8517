"""The real kubectl 1.32 with Jobs and CronJobs against a served emulator whose clock the test moves:
``create job`` (and ``--from=cronjob/...``), ``create cronjob``, ``wait --for=condition=complete``,
``get jobs,cronjobs``, ``describe job``, ``logs job/...`` and ``delete job`` taking its pods along."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from kubernetes import client as k8s
from kubernetes import watch

from pullproof.core.clock import ManualClock
from tests.kube import test_kubectl as base
from tests.kube.clocked import busybox_cluster, clocked_server
from tests.kube.inprocess import InProcessServer

pytestmark = pytest.mark.realclient
IMAGE = "busybox:1.37"
FAILING = """apiVersion: batch/v1
kind: Job
metadata:
  name: boom
spec:
  backoffLimit: 0
  template:
    spec:
      restartPolicy: Never
      containers:
      - name: boom
        image: busybox:1.37
        command: ["sh", "-c", "exit 3"]
"""


@pytest.fixture(scope="module")
def clocked(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[InProcessServer, ManualClock]]:
    yield from clocked_server(tmp_path_factory, "batch")


@pytest.fixture
def kubectl(clocked: tuple[InProcessServer, ManualClock], tmp_path: Path, request: pytest.FixtureRequest
            ) -> base.Kubectl:
    return busybox_cluster(clocked[0], tmp_path, request)


def _job(k: base.Kubectl, name: str) -> dict[str, Any]:
    return k.cluster.tracker.get("jobs.batch", "default", name)


def _condition(k: base.Kubectl, clock: ManualClock, name: str, kind: str) -> bool:
    clock.advance(1)
    return any(c["type"] == kind and c["status"] == "True"
               for c in (_job(k, name).get("status") or {}).get("conditions") or [])


def _pods(k: base.Kubectl, job: str) -> list[dict[str, Any]]:
    return [p for p in k.cluster.tracker.list("pods", "default")[0]
            if (p["metadata"].get("labels") or {}).get("job-name") == job]


def test_a_job_runs_to_completion_and_goes_with_its_pods(kubectl: base.Kubectl,
                                                         clocked: tuple[InProcessServer, ManualClock]) -> None:
    _, clock = clocked
    created = kubectl("create", "job", "hello", f"--image={IMAGE}", "--", "sh", "-c", "echo hi")
    assert created.stdout == "job.batch/hello created\n", created.stderr
    base.until(lambda: _condition(kubectl, clock, "hello", "Complete"), "the job to complete")
    waited = kubectl("wait", "--for=condition=complete", "job/hello", "--timeout=20s")
    assert waited.stdout == "job.batch/hello condition met\n", waited.stderr
    header, row = kubectl("get", "jobs").stdout.splitlines()
    assert header.split() == ["NAME", "STATUS", "COMPLETIONS", "DURATION", "AGE"]
    assert row.split()[:3] == ["hello", "Complete", "1/1"]
    assert kubectl("logs", "job/hello").stdout == "hi\n"
    described = kubectl("describe", "job", "hello").stdout
    assert re.search(r"Pods Statuses:\s+0 Active \(0 Ready\) / 1 Succeeded / 0 Failed", described), described
    assert re.search(r"Normal\s+SuccessfulCreate\s+\S+\s+job-controller\s+Created pod: hello-", described), described
    assert re.search(r"Normal\s+Completed\s+\S+\s+job-controller\s+Job completed", described), described
    assert len(_pods(kubectl, "hello")) == 1
    deleted = kubectl("delete", "job", "hello")
    assert deleted.stdout == 'job.batch "hello" deleted\n', deleted.stderr
    base.until(lambda: not _pods(kubectl, "hello"), "the job's pods to go")


def test_a_failing_job_fails_after_its_backoff_limit(kubectl: base.Kubectl,
                                                     clocked: tuple[InProcessServer, ManualClock]) -> None:
    _, clock = clocked
    (kubectl.home / "boom.yaml").write_text(FAILING)
    assert kubectl("apply", "-f", str(kubectl.home / "boom.yaml")).stdout == "job.batch/boom created\n"
    base.until(lambda: _condition(kubectl, clock, "boom", "Failed"), "the job to fail")
    waited = kubectl("wait", "--for=condition=failed", "job/boom", "--timeout=20s")
    assert waited.stdout == "job.batch/boom condition met\n", waited.stderr
    row = kubectl("get", "job", "boom", "--no-headers").stdout.split()
    assert row[:3] == ["boom", "Failed", "0/1"]
    reason = kubectl("get", "job", "boom", "-o", "jsonpath={.status.conditions[-1].reason}").stdout
    assert reason == "BackoffLimitExceeded"


def test_cronjobs_schedule_jobs_and_create_job_from_a_cronjob(kubectl: base.Kubectl,
                                                              clocked: tuple[InProcessServer, ManualClock]) -> None:
    _, clock = clocked
    created = kubectl("create", "cronjob", "tick", f"--image={IMAGE}", "--schedule=*/1 * * * *", "--", "echo", "tock")
    assert created.stdout == "cronjob.batch/tick created\n", created.stderr
    manual = kubectl("create", "job", "by-hand", "--from=cronjob/tick")
    assert manual.stdout == "job.batch/by-hand created\n", manual.stderr
    assert _job(kubectl, "by-hand")["metadata"]["annotations"]["cronjob.kubernetes.io/instantiate"] == "manual"

    def scheduled() -> bool:
        clock.advance(5)
        return bool((kubectl.cluster.tracker.get("cronjobs.batch", "default", "tick").get("status") or {})
                    .get("lastScheduleTime"))

    base.until(scheduled, "the first scheduled job")
    listed = kubectl("get", "jobs,cronjobs").stdout
    assert re.search(r"NAME\s+SCHEDULE\s+TIMEZONE\s+SUSPEND\s+ACTIVE\s+LAST SCHEDULE\s+AGE", listed), listed
    assert re.search(r"cronjob.batch/tick\s+\*/1 \* \* \* \*\s+<none>\s+False\s+\d\s+\S+\s+\S+", listed), listed
    assert re.search(r"job.batch/tick-\d+\s+\S+\s+\d/1", listed), listed
    assert "job.batch/by-hand" in listed
    refused = kubectl("create", "cronjob", "bad", f"--image={IMAGE}", "--schedule=bad")
    assert refused.stderr == ('error: failed to create cronjob: CronJob.batch "bad" is invalid: spec.schedule: '
                              'Invalid value: "bad": expected exactly 5 fields, found 1: [bad]\n')


def test_the_official_python_client_lists_reads_and_watches_jobs_and_cronjobs(
        kubectl: base.Kubectl, clocked: tuple[InProcessServer, ManualClock]) -> None:
    server, clock = clocked
    assert kubectl("create", "cronjob", "tick", f"--image={IMAGE}", "--schedule=@every 1m", "--", "echo",
                   "tock").returncode == 0

    def finished() -> bool:
        clock.advance(5)
        cronjob = kubectl.cluster.tracker.get("cronjobs.batch", "default", "tick")
        return bool((cronjob.get("status") or {}).get("lastSuccessfulTime"))

    base.until(finished, "a scheduled job to complete")
    host = kubectl.kubeconfig.read_text().split("server: https://")[1].split("\n")[0].split(":")[0]
    config = k8s.Configuration(host=f"https://{host}:443", api_key={"authorization": "Bearer tok"})
    config.proxy = server.proxy
    config.ssl_ca_cert = str(server.emulator.ca.cert_path)
    with k8s.ApiClient(config) as api:
        batch = k8s.BatchV1Api(api)
        jobs = batch.list_namespaced_job("default").items
        done = next(j for j in jobs if j.status.completion_time is not None)
        assert done.spec.template.spec.restart_policy == "OnFailure"
        assert [c.type for c in done.status.conditions] == ["SuccessCriteriaMet", "Complete"]
        assert done.status.succeeded == 1 and done.status.uncounted_terminated_pods is not None
        read = batch.read_namespaced_job(done.metadata.name, "default")
        assert read.metadata.owner_references[0].kind == "CronJob"
        assert batch.read_namespaced_job_status(done.metadata.name, "default").status.start_time is not None
        cron = batch.read_namespaced_cron_job("tick", "default")
        assert cron.spec.schedule == "@every 1m" and cron.status.last_successful_time is not None
        assert [c.metadata.name for c in batch.list_cron_job_for_all_namespaces().items] == ["tick"]
        events = list(watch.Watch().stream(batch.list_namespaced_job, "default", timeout_seconds=1))
        added = {e["object"].metadata.name for e in events if e["type"] == "ADDED"}
        assert {j.metadata.name for j in jobs} <= added and all(e["object"].kind == "Job" for e in events)
        cron_events = list(watch.Watch().stream(batch.list_namespaced_cron_job, "default", timeout_seconds=1))
        assert {e["object"].metadata.name for e in cron_events} == {"tick"}
