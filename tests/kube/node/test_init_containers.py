"""Init containers and sidecars in the simulated kubelet (1.32): init containers run in order, each to
exit 0, before the app containers; their statuses, the ``Initialized`` condition, the STATUS column
(``Init:0/2``, ``Init:1/2``, ``PodInitializing``, ``Init:Error``, ``Init:CrashLoopBackOff``,
``Init:ErrImagePull``, ``Init:ImagePullBackOff``); sidecars start in order, run alongside and are stopped
when the app containers are done."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

from pullproof.kube.apiserver.logs import read_log
from pullproof.kube.apiserver.printing.durations import Ages
from pullproof.kube.apiserver.printing.podstatus import cells
from pullproof.kube.storage.clusters import Cluster
from tests.aks.support import events_for, step
from tests.conftest import Local
from tests.kube.node.test_container_lifecycle import IMAGE, _cluster, _conditions, _get

Obj = dict[str, Any]


def _c(name: str, script: str, **extra: Any) -> Obj:
    return {"name": name, "image": IMAGE, "command": ["sh", "-c", script], **extra}


def _pod(cluster: Cluster, name: str, inits: list[Obj], apps: list[Obj], policy: str = "Always") -> None:
    cluster.tracker.create("pods", "default", {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": name},
                                               "spec": {"initContainers": inits, "containers": apps,
                                                        "restartPolicy": policy}})


def _column(local: Local, pod: Obj) -> str:
    return str(cells(pod, Ages(local.clock.now()))[2])


def _watch(local: Local, cluster: Cluster, name: str) -> list[str]:
    """The STATUS column of every status the kubelet writes for the pod, in order, without repeats."""
    seen: list[str] = []

    def hook(_kind: str, resource: str, obj: Obj) -> None:
        if resource == "pods" and obj["metadata"]["name"] == name and (obj.get("status") or {}).get("phase"):
            column = _column(local, obj)
            if not seen or seen[-1] != column:
                seen.append(column)

    cluster.tracker.hooks.append(hook)
    return seen


def _pass(local: Local, seconds: float = 0) -> None:
    local.clock.advance(seconds)
    asyncio.run(local.emulator.runtimes.step())


def _init(cluster: Cluster, pod: str, index: int) -> Obj:
    return dict(_get(cluster, pod)["status"]["initContainerStatuses"][index])


def test_init_containers_run_in_order_before_the_app(local: Local, tmp_path: Path) -> None:
    cluster = _cluster(local, tmp_path)
    seen = _watch(local, cluster, "web")
    _pod(cluster, "web", [_c("fetch", "echo fetched; sleep 5"), _c("migrate", "echo migrated")],
         [_c("app", "sleep infinity")])
    step(local)
    pod = _get(cluster, "web")
    assert pod["status"]["phase"] == "Pending"
    assert _conditions(pod)["Initialized"] == ("False", "ContainersNotInitialized")
    assert next(c for c in pod["status"]["conditions"] if c["type"] == "Initialized")["message"] == \
        "containers with incomplete status: [fetch migrate]"
    assert _conditions(pod)["PodReadyToStartContainers"] == ("True", None)
    assert "running" in _init(cluster, "web", 0)["state"]
    assert _init(cluster, "web", 1)["state"] == {"waiting": {"reason": "PodInitializing"}}
    assert pod["status"]["containerStatuses"][0]["state"] == {"waiting": {"reason": "PodInitializing"}}
    assert _column(local, pod) == "Init:0/2"
    step(local, 6)
    pod = _get(cluster, "web")
    assert pod["status"]["phase"] == "Running"
    assert _conditions(pod)["Initialized"] == ("True", None) and _conditions(pod)["Ready"] == ("True", None)
    first, second = _init(cluster, "web", 0), _init(cluster, "web", 1)
    assert (first["state"]["terminated"]["reason"], first["ready"], first["started"]) == ("Completed", True, False)
    assert second["state"]["terminated"]["exitCode"] == 0
    assert parse_order(first, second)
    assert seen == ["Init:0/2", "Init:1/2", "PodInitializing", "Running"]
    assert read_log(cluster.tracker, "default", "web", {"container": "fetch"}) == "fetched\n"
    started = [message for reason, message in events_for(cluster, "web") if reason == "Started"]
    assert started == ["Started container fetch", "Started container migrate", "Started container app"]
    paths = {e["involvedObject"].get("fieldPath") for e in cluster.tracker.list("events", "default")[0]
             if e["involvedObject"]["name"] == "web" and e["reason"] == "Created"}
    assert paths == {"spec.initContainers{fetch}", "spec.initContainers{migrate}", "spec.containers{app}"}


def parse_order(first: Obj, second: Obj) -> bool:
    """The second init container started no earlier than the first finished."""
    return str(second["state"]["terminated"]["startedAt"]) >= str(first["state"]["terminated"]["finishedAt"])


def test_a_failing_init_container_crash_loops_and_the_app_waits(local: Local, tmp_path: Path) -> None:
    cluster = _cluster(local, tmp_path)
    seen = _watch(local, cluster, "bad")
    _pod(cluster, "bad", [_c("check", "echo no; exit 2")], [_c("app", "sleep infinity")])
    step(local)
    assert seen[-2:] == ["Init:Error", "Init:0/1"]  # the first exit restarts at once
    step(local)
    status = _init(cluster, "bad", 0)
    assert status["state"]["waiting"]["reason"] == "CrashLoopBackOff"
    assert (status["restartCount"], status["lastState"]["terminated"]["exitCode"]) == (1, 2)
    assert _column(local, _get(cluster, "bad")) == "Init:CrashLoopBackOff"
    pod = _get(cluster, "bad")
    assert pod["status"]["phase"] == "Pending"
    assert pod["status"]["containerStatuses"][0]["state"] == {"waiting": {"reason": "PodInitializing"}}
    _pass(local, 15)  # the 10 s back-off has passed, and the pod worker's re-sync (10-15 s after an error)
    assert _init(cluster, "bad", 0)["restartCount"] == 2


def test_a_failing_init_container_fails_a_never_restarting_pod(local: Local, tmp_path: Path) -> None:
    cluster = _cluster(local, tmp_path)
    _pod(cluster, "once", [_c("check", "exit 1")], [_c("app", "echo hi")], policy="Never")
    step(local, 3)
    pod = _get(cluster, "once")
    assert pod["status"]["phase"] == "Failed"
    assert _init(cluster, "once", 0)["restartCount"] == 0
    assert pod["status"]["containerStatuses"][0]["state"] == {"waiting": {"reason": "PodInitializing"}}
    assert _column(local, pod) == "Init:Error"


def test_an_init_image_that_cannot_be_pulled_gives_init_reasons(local: Local, tmp_path: Path) -> None:
    cluster = _cluster(local, tmp_path)
    _pod(cluster, "pull", [{"name": "missing", "image": "busybox:0.0.404"}], [_c("app", "sleep infinity")])
    step(local)
    assert _init(cluster, "pull", 0)["state"]["waiting"]["reason"] == "ErrImagePull"
    assert _column(local, _get(cluster, "pull")) == "Init:ErrImagePull"
    _pass(local, 15)
    _pass(local, 15)
    assert _column(local, _get(cluster, "pull")) == "Init:ImagePullBackOff"
    failed = [message for reason, message in events_for(cluster, "pull") if reason == "Failed"]
    assert failed[-1] == "Error: ImagePullBackOff"
    assert _get(cluster, "pull")["status"]["containerStatuses"][0]["state"]["waiting"]["reason"] == \
        "PodInitializing"


def test_sidecars_start_in_order_and_run_with_the_app(local: Local, tmp_path: Path) -> None:
    cluster = _cluster(local, tmp_path)
    proxy = _c("proxy", "echo proxying; sleep infinity", restartPolicy="Always",
               startupProbe={"exec": {"command": ["true"]}})
    _pod(cluster, "mesh", [proxy, _c("setup", "echo ready")], [_c("app", "sleep infinity")])
    step(local, 2)
    pod = _get(cluster, "mesh")
    sidecar = _init(cluster, "mesh", 0)
    assert "running" in sidecar["state"] and (sidecar["ready"], sidecar["started"]) == (True, True)
    assert _init(cluster, "mesh", 1)["state"]["terminated"]["exitCode"] == 0
    assert pod["status"]["phase"] == "Running" and _conditions(pod)["Ready"] == ("True", None)
    assert cells(pod, Ages(local.clock.now()))[1:3] == ["2/2", "Running"]
    assert read_log(cluster.tracker, "default", "mesh", {"container": "proxy"}) == "proxying\n"


def test_sidecars_do_not_keep_a_job_pod_from_succeeding(local: Local, tmp_path: Path) -> None:
    cluster = _cluster(local, tmp_path)
    proxy = _c("proxy", "sleep infinity", restartPolicy="Always")
    _pod(cluster, "job", [proxy], [_c("work", "echo done; sleep 3")], policy="Never")
    step(local)
    assert _get(cluster, "job")["status"]["phase"] == "Running"
    step(local, 4)
    pod = _get(cluster, "job")
    assert pod["status"]["phase"] == "Succeeded"
    assert _init(cluster, "job", 0)["state"]["terminated"]["exitCode"] == 0
    assert _column(local, pod) == "Completed"
    assert ("Killing", "Stopping container proxy") in events_for(cluster, "job")


def test_a_sidecar_that_exits_restarts_whatever_the_pod_policy(local: Local, tmp_path: Path) -> None:
    cluster = _cluster(local, tmp_path)
    _pod(cluster, "flaky", [_c("proxy", "sleep 2; exit 1", restartPolicy="Always")], [_c("app", "sleep infinity")],
         policy="Never")
    step(local, 3)
    status = _init(cluster, "flaky", 0)
    assert status["restartCount"] >= 1 and status["lastState"]["terminated"]["exitCode"] == 1
    assert _get(cluster, "flaky")["status"]["phase"] == "Running"


def test_a_pod_running_without_init_statuses_is_taken_as_initialized(local: Local, tmp_path: Path) -> None:
    cluster = _cluster(local, tmp_path)
    node = cluster.tracker.list("nodes", "")[0][0]["metadata"]["name"]
    _pod(cluster, "old", [_c("prime", "sleep 60"), _c("proxy", "sleep infinity", restartPolicy="Always")],
         [_c("app", "sleep infinity")])
    pod = _get(cluster, "old")
    pod["spec"]["nodeName"] = node
    pod["status"] = {"phase": "Running", "startTime": "2027-01-15T08:00:00Z", "containerStatuses": [
        {"name": "app", "image": IMAGE, "ready": True, "restartCount": 0, "started": True, "lastState": {},
         "containerID": "containerd://0", "state": {"running": {"startedAt": "2027-01-15T08:00:00Z"}}}]}
    cluster.tracker.update("pods", "default", pod, check_version=False)
    step(local)
    prime, proxy = _init(cluster, "old", 0), _init(cluster, "old", 1)
    assert prime["state"]["terminated"]["reason"] == "Completed"
    assert "running" in proxy["state"]
    assert _get(cluster, "old")["status"]["containerStatuses"][0]["containerID"] == "containerd://0"
    assert _conditions(_get(cluster, "old"))["Initialized"] == ("True", None)
