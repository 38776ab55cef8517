"""The real kubectl 1.32 against a served emulator whose clock the test moves: a one-shot pod that
exits 3 ends ``Error`` with its output as the log; a crashing pod shows ``CrashLoopBackOff`` with
restarts growing as emulated time passes, and its previous instance's log; a pod with an init container
shows ``Init:0/1`` until it has run, then ``Running``, and the init container's log."""

from __future__ import annotations

import functools
import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from pullproof.core.clock import ManualClock
from tests.kube import test_kubectl as base
from tests.kube.clocked import busybox_cluster, clocked_server
from tests.kube.inprocess import InProcessServer

pytestmark = pytest.mark.realclient
IMAGE = "busybox:1.37"


@pytest.fixture(scope="module")
def clocked(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[InProcessServer, ManualClock]]:
    yield from clocked_server(tmp_path_factory, "lifetimes")


@pytest.fixture
def kubectl(clocked: tuple[InProcessServer, ManualClock], tmp_path: Path, request: pytest.FixtureRequest
            ) -> base.Kubectl:
    return busybox_cluster(clocked[0], tmp_path, request)


def _pod(k: base.Kubectl, name: str) -> dict[str, Any]:
    return k.cluster.tracker.get("pods", "default", name)


def _container(k: base.Kubectl) -> dict[str, Any]:
    return dict(((_pod(k, "crash").get("status") or {}).get("containerStatuses") or [{}])[0])


def _later(clock: ManualClock) -> bool:
    """Emulated time moves on 5 s at each look (``until`` looks every 0.02 s of real time)."""
    clock.advance(5)
    return True


def _restarted(k: base.Kubectl, clock: ManualClock, before: int) -> bool:
    return _later(clock) and int(_container(k)["restartCount"]) > before


def _row(k: base.Kubectl, name: str) -> list[str]:
    return str(k("get", "pod", name, "--no-headers").stdout).split()


def test_a_one_shot_pod_ends_in_error_with_its_exit_code_and_log(
        kubectl: base.Kubectl, clocked: tuple[InProcessServer, ManualClock]) -> None:
    created = kubectl("run", "once", f"--image={IMAGE}", "--restart=Never", "--", "sh", "-c", "echo hi; exit 3")
    assert created.stdout == "pod/once created\n", created.stderr
    base.until(lambda: (_pod(kubectl, "once").get("status") or {}).get("phase") == "Failed", "the pod to fail")
    assert _row(kubectl, "once")[:4] == ["once", "0/1", "Error", "0"]
    code = kubectl("get", "pod", "once", "-o", "jsonpath={.status.containerStatuses[0].state.terminated.exitCode}")
    assert code.stdout == "3"
    assert kubectl("logs", "once").stdout == "hi\n"
    previous = kubectl("logs", "once", "--previous")
    assert (previous.returncode, previous.stderr) == (1, 'Error from server (BadRequest): previous terminated '
                                                         'container "once" in pod "once" not found\n')


def test_a_crashing_pod_loops_with_growing_restarts(kubectl: base.Kubectl,
                                                    clocked: tuple[InProcessServer, ManualClock]) -> None:
    _, clock = clocked
    created = kubectl("run", "crash", f"--image={IMAGE}", "--", "sh", "-c", "echo boom; exit 1")
    assert created.stdout == "pod/crash created\n", created.stderr
    seen: list[tuple[str, int]] = []
    for _ in range(5):
        base.until(lambda: _container(kubectl).get("state", {}).get("waiting", {}).get("reason") == "CrashLoopBackOff",
                   "the crash loop")
        row = _row(kubectl, "crash")
        seen.append((row[2], int(row[3])))
        restarts = int(_container(kubectl)["restartCount"])
        base.until(functools.partial(_restarted, kubectl, clock, restarts), "a restart")
    assert {status for status, _ in seen} == {"CrashLoopBackOff"}
    counts = [count for _, count in seen]
    assert counts == sorted(counts) and counts[-1] > counts[0] >= 1, seen
    described = kubectl("get", "pod", "crash", "-o", "json").stdout
    waiting = json.loads(described)["status"]["containerStatuses"][0]
    assert waiting["lastState"]["terminated"]["exitCode"] == 1
    assert kubectl("logs", "crash", "--previous").stdout == "boom\n"
    events = kubectl("get", "events", "--field-selector", "reason=BackOff").stdout
    assert re.search(r"Warning\s+BackOff\s+pod/crash\s+Back-off restarting failed container crash in pod "
                     r"crash_default\(", events), events


def _init_running(k: base.Kubectl) -> bool:
    statuses = (_pod(k, "warm").get("status") or {}).get("initContainerStatuses") or [{}]
    return "running" in (statuses[0].get("state") or {})


def test_an_init_container_runs_before_the_app(kubectl: base.Kubectl,
                                               clocked: tuple[InProcessServer, ManualClock]) -> None:
    _, clock = clocked
    manifest = {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "warm"}, "spec": {
        "initContainers": [{"name": "prime", "image": IMAGE, "command": ["sh", "-c", "echo priming; sleep 30"]}],
        "containers": [{"name": "app", "image": IMAGE, "command": ["sleep", "infinity"]}]}}
    (kubectl.home / "warm.json").write_text(json.dumps(manifest))
    created = kubectl("apply", "-f", "warm.json")
    assert created.stdout == "pod/warm created\n", created.stderr
    base.until(lambda: _init_running(kubectl), "the init container to run")
    assert _row(kubectl, "warm")[:3] == ["warm", "0/1", "Init:0/1"]
    assert kubectl("logs", "warm", "-c", "prime").stdout == "priming\n"
    waiting = kubectl("logs", "warm", "-c", "app")
    assert (waiting.returncode, waiting.stderr) == (1, 'Error from server (BadRequest): container "app" in pod "warm" '
                                                       "is waiting to start: PodInitializing\n")
    clock.advance(31)
    base.until(lambda: (_pod(kubectl, "warm").get("status") or {}).get("phase") == "Running", "the app to run")
    assert _row(kubectl, "warm")[:3] == ["warm", "1/1", "Running"]
    assert kubectl("logs", "warm", "-c", "prime").stdout == "priming\n"
    described = json.loads(kubectl("get", "pod", "warm", "-o", "json").stdout)["status"]
    assert described["initContainerStatuses"][0]["state"]["terminated"]["reason"] == "Completed"
    assert {c["type"]: c["status"] for c in described["conditions"]}["Initialized"] == "True"
