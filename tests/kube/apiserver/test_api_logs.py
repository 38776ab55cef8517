"""``pods/log`` with ``previous``: which container instance's log the API server reads."""

from __future__ import annotations

from typing import Any

import pytest

from pullproof.kube.apiserver.logs import read_log
from pullproof.kube.storage.resources import POD_LOGS
from tests.conftest import Local
from tests.kube.controllers.support import open_cluster

EXITED = {"terminated": {"exitCode": 255, "reason": "Error", "containerID": "containerd://" + "a" * 64}}


def pod_with(state: dict[str, Any], last: dict[str, Any]) -> dict[str, Any]:
    return {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "web", "namespace": "default"},
            "spec": {"nodeName": "aks-pool-10000000-vmss000000", "containers": [{"name": "app", "image": "x"}]},
            "status": {"containerStatuses": [{"name": "app", "state": state, "lastState": last}]}}


@pytest.mark.parametrize("previous", ["false", "true"])
def test_a_crash_looping_container_shows_its_last_exit_either_way(local: Local, previous: str) -> None:
    """Waiting in CrashLoopBackOff, the current and the previous instance are both ``lastState.terminated``."""
    tracker = open_cluster(local).tracker
    tracker.create("pods", "default", pod_with({"waiting": {"reason": "CrashLoopBackOff"}}, EXITED))
    tracker.create(POD_LOGS, "default", {"metadata": {"name": "web", "namespace": "default"},
                                         "containers": {"app": "exec /app: exec format error\n"}})
    assert read_log(tracker, "default", "web", {"previous": previous}) == "exec /app: exec format error\n"


def test_a_running_container_keeps_its_previous_log_apart(local: Local) -> None:
    tracker = open_cluster(local).tracker
    tracker.create("pods", "default", pod_with({"running": {"startedAt": "2025-01-01T00:00:00Z"}}, EXITED))
    tracker.create(POD_LOGS, "default", {"metadata": {"name": "web", "namespace": "default"},
                                         "containers": {"app": "now\n", "app/previous": "before\n"}})
    assert read_log(tracker, "default", "web", {}) == "now\n"
    assert read_log(tracker, "default", "web", {"previous": "true"}) == "before\n"
