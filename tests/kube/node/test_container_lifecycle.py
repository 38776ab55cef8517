"""Containers in the simulated kubelet: what they run decides when they exit; exit codes, restartPolicy
and the crash back-off decide the status, the phase, the STATUS column and the logs."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from pullproof.core.errors import ServiceError
from pullproof.kube.apiserver.logs import read_log
from pullproof.kube.apiserver.printing.durations import Ages
from pullproof.kube.apiserver.printing.podstatus import cells
from pullproof.kube.storage.clusters import Cluster
from pullproof.registry.loader import read_image, store_image
from tests.aks.support import cluster_of, create_cluster, events_for, step
from tests.conftest import Local
from tests.registry.layouts import oci_layout

IMAGE = "busybox:1.37"


def _cluster(local: Local, tmp_path: Path, config: dict[str, Any] | None = None) -> Cluster:
    layout = tmp_path / "busybox"
    oci_layout(layout, config=config if config is not None else {"Cmd": ["sh"]})
    e = local.emulator
    store_image(read_image(layout), "registry-1.docker.io", "library/busybox", "1.37", e.content, e.registry_store,
                e.clock)
    cluster = cluster_of(local, create_cluster(local, "aks-life"))
    if cluster.tracker.find("namespaces", "", "default") is None:
        cluster.tracker.create("namespaces", "", {"apiVersion": "v1", "kind": "Namespace",
                                                  "metadata": {"name": "default"}})
    return cluster


def _pod(cluster: Cluster, name: str, policy: str, command: list[str] | None = None,
         node: str | None = None) -> None:
    container: dict[str, Any] = {"name": name, "image": IMAGE}
    if command:
        container["command"] = command
    spec: dict[str, Any] = {"containers": [container], "restartPolicy": policy}
    if node:
        spec["nodeName"] = node
    cluster.tracker.create("pods", "default", {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": name},
                                               "spec": spec})


def _get(cluster: Cluster, name: str) -> dict[str, Any]:
    return cluster.tracker.get("pods", "default", name)


def _container(cluster: Cluster, name: str) -> dict[str, Any]:
    return dict(_get(cluster, name)["status"]["containerStatuses"][0])


def _column(local: Local, cluster: Cluster, name: str) -> str:
    return str(cells(_get(cluster, name), Ages(local.clock.now()))[2])


def _conditions(pod: dict[str, Any]) -> dict[str, tuple[str, str | None]]:
    return {c["type"]: (c["status"], c.get("reason")) for c in pod["status"]["conditions"]}


def test_echo_completes_and_its_output_is_the_log(local: Local, tmp_path: Path) -> None:
    cluster = _cluster(local, tmp_path)
    _pod(cluster, "once", "Never", ["echo", "hello"])
    step(local)
    pod, status = _get(cluster, "once"), _container(cluster, "once")
    assert pod["status"]["phase"] == "Succeeded"
    term = status["state"]["terminated"]
    assert (term["exitCode"], term["reason"], status["restartCount"], status["ready"]) == (0, "Completed", 0, False)
    assert term["containerID"] == status["containerID"] and term["startedAt"] and term["finishedAt"]
    assert _conditions(pod)["Ready"] == ("False", "PodCompleted")
    assert _column(local, cluster, "once") == "Completed"
    assert read_log(cluster.tracker, "default", "once", {}) == "hello\n"


def test_a_failing_script_ends_in_error_with_its_exit_code(local: Local, tmp_path: Path) -> None:
    cluster = _cluster(local, tmp_path)
    _pod(cluster, "once", "Never", ["sh", "-c", "echo hi; exit 3"])
    step(local)
    status = _container(cluster, "once")
    assert _get(cluster, "once")["status"]["phase"] == "Failed"
    assert (status["state"]["terminated"]["exitCode"], status["state"]["terminated"]["reason"]) == (3, "Error")
    assert _conditions(_get(cluster, "once"))["Ready"] == ("False", "ContainersNotReady")
    assert _column(local, cluster, "once") == "Error"
    assert read_log(cluster.tracker, "default", "once", {}) == "hi\n"


def test_sleep_finishes_when_the_emulated_clock_has_passed_its_seconds(local: Local, tmp_path: Path) -> None:
    cluster = _cluster(local, tmp_path)
    _pod(cluster, "nap", "Never", ["sh", "-c", "echo going; sleep 30; echo back"])
    step(local)
    started = local.clock.now()
    assert _get(cluster, "nap")["status"]["phase"] == "Running" and _column(local, cluster, "nap") == "Running"
    assert _conditions(_get(cluster, "nap"))["Ready"] == ("True", None)
    step(local, 28)
    assert _container(cluster, "nap")["state"].get("running") is not None
    assert read_log(cluster.tracker, "default", "nap", {}) == "going\n"
    step(local, 3)
    term = _container(cluster, "nap")["state"]["terminated"]
    assert (term["exitCode"], _get(cluster, "nap")["status"]["phase"]) == (0, "Succeeded")
    assert read_log(cluster.tracker, "default", "nap", {}) == "going\nback\n"
    assert abs(_parse(term["finishedAt"]) - _parse(term["startedAt"]) - 30) <= 1 and started
    step(local, 60)
    assert "terminated" in _container(cluster, "nap")["state"]  # Never: it stays done


def _parse(text: str) -> float:
    from pullproof.core.clock import parse_time
    return parse_time(text)


def test_servers_run_until_stopped(local: Local, tmp_path: Path) -> None:
    cluster = _cluster(local, tmp_path)
    _pod(cluster, "web", "Always", ["nginx", "-g", "daemon off;"])
    step(local, 3600)
    status = _container(cluster, "web")
    assert ("running" in status["state"], status["restartCount"]) == (True, 0)


def test_a_crashing_container_backs_off_10s_doubling(local: Local, tmp_path: Path) -> None:
    cluster = _cluster(local, tmp_path)
    _pod(cluster, "crash", "Always", ["sh", "-c", "echo boom; exit 1"])
    uid = _get(cluster, "crash")["metadata"]["uid"]
    step(local)
    assert _container(cluster, "crash")["restartCount"] == 1  # the first exit restarts at once
    step(local, 1)
    status = _container(cluster, "crash")
    assert status["restartCount"] == 1 and "running" not in status["state"]
    waiting = status["state"]["waiting"]
    assert waiting == {"reason": "CrashLoopBackOff",
                       "message": f"back-off 10s restarting failed container=crash pod=crash_default({uid})"}
    assert status["lastState"]["terminated"]["exitCode"] == 1
    assert _get(cluster, "crash")["status"]["phase"] == "Running"
    assert _column(local, cluster, "crash") == "CrashLoopBackOff"
    assert ("BackOff", f"Back-off restarting failed container crash in pod crash_default({uid})") in events_for(
        cluster, "crash")
    counts, messages = [], []
    for _ in range(40):
        step(local, 5)
        status = _container(cluster, "crash")
        counts.append(status["restartCount"])
        message = (status["state"].get("waiting") or {}).get("message", "")
        if message and message not in messages:
            messages.append(message)
    assert counts == sorted(counts) and counts[-1] >= 5
    assert [m.split()[1] for m in messages] == ["10s", "20s", "40s", "1m20s", "2m40s"][:len(messages)]
    assert len(messages) >= 4
    assert read_log(cluster.tracker, "default", "crash", {"previous": "true"}) == "boom\n"


def test_on_failure_restarts_only_failures(local: Local, tmp_path: Path) -> None:
    cluster = _cluster(local, tmp_path)
    _pod(cluster, "ok", "OnFailure", ["true"])
    _pod(cluster, "bad", "OnFailure", ["false"])
    step(local, 30)
    assert _get(cluster, "ok")["status"]["phase"] == "Succeeded" and _container(cluster, "ok")["restartCount"] == 0
    assert _get(cluster, "bad")["status"]["phase"] == "Running" and _container(cluster, "bad")["restartCount"] >= 2


def test_the_image_cmd_runs_when_the_pod_names_no_command(local: Local, tmp_path: Path) -> None:
    cluster = _cluster(local, tmp_path, {"Entrypoint": ["sh", "-c"], "Cmd": ["echo from the image"]})
    node = cluster.tracker.list("nodes")[0][0]["metadata"]["name"]
    _pod(cluster, "first", "Never", node=node)
    step(local)
    _pod(cluster, "second", "Never", node=node)
    step(local)
    for name in ("first", "second"):
        assert read_log(cluster.tracker, "default", name, {}) == "from the image\n"
    assert ("Pulled", f'Container image "{IMAGE}" already present on machine') in events_for(cluster, "second")


def test_busybox_default_shell_exits_at_once_and_crash_loops(local: Local, tmp_path: Path) -> None:
    cluster = _cluster(local, tmp_path)
    _pod(cluster, "box", "Always")
    step(local, 15)
    status = _container(cluster, "box")
    assert status["lastState"]["terminated"]["reason"] == "Completed" and status["restartCount"] >= 1


def test_previous_log_of_a_container_that_never_restarted_is_refused(local: Local, tmp_path: Path) -> None:
    cluster = _cluster(local, tmp_path)
    _pod(cluster, "once", "Never", ["echo", "hello"])
    step(local)
    with pytest.raises(ServiceError) as refused:
        read_log(cluster.tracker, "default", "once", {"previous": "true"})
    assert refused.value.message == 'previous terminated container "once" in pod "once" not found'


def test_pod_ips_are_unique_from_the_nodes_cidr_and_host_ip_is_the_node(local: Local, tmp_path: Path) -> None:
    cluster = _cluster(local, tmp_path)
    nodes = {n["metadata"]["name"]: n for n in cluster.tracker.list("nodes")[0]}
    for index in range(6):
        _pod(cluster, f"p{index}", "Always", ["sleep", "infinity"], node=sorted(nodes)[index % len(nodes)])
    step(local)
    pods = cluster.tracker.list("pods", "default")[0]
    ips = [p["status"]["podIP"] for p in pods]
    assert len(set(ips)) == 6
    for pod in pods:
        node = nodes[pod["spec"]["nodeName"]]
        internal = next(a["address"] for a in node["status"]["addresses"] if a["type"] == "InternalIP")
        assert pod["status"]["hostIP"] == internal and pod["status"]["hostIPs"] == [{"ip": internal}]
        prefix = node["spec"]["podCIDR"].rsplit(".", 1)[0] + "."
        assert pod["status"]["podIP"].startswith(prefix) and pod["status"]["podIPs"] == [{"ip": pod["status"]["podIP"]}]
    assert sorted(ips)[0].endswith(".2")
    gone = _get(cluster, "p0")["status"]["podIP"]
    cluster.tracker.delete("pods", "default", "p0")
    _pod(cluster, "again", "Always", ["sleep", "infinity"], node=sorted(nodes)[0])
    step(local)
    assert _get(cluster, "again")["status"]["podIP"] == gone
