"""Server-side Tables: columns, cells, pod STATUS precedence, ages (HumanDuration)."""

from __future__ import annotations

from typing import Any

import pytest

from pullproof.kube.apiserver.printing.durations import Ages, human_duration
from pullproof.kube.apiserver.printing.podstatus import cells
from pullproof.kube.apiserver.printing.printers import selector_string
from pullproof.kube.storage.tracker import kube_time
from tests.conftest import Local
from tests.kube.api_support import api, deployment, pod

NOW = 1_800_000_000.0


@pytest.mark.parametrize(("seconds", "text"), [
    (-5, "<invalid>"), (-1, "0s"), (0, "0s"), (119, "119s"), (120, "2m"), (298, "4m58s"), (600, "10m"),
    (10799, "179m"), (10800, "3h"), (3 * 3600 + 1800, "3h30m"), (8 * 3600, "8h"), (47 * 3600, "47h"),
    (48 * 3600, "2d"), (50 * 3600, "2d2h"), (8 * 86400, "8d"), (800 * 86400, "2y70d"), (9 * 365 * 86400, "9y")])
def test_human_duration(seconds: int, text: str) -> None:
    assert human_duration(seconds) == text


def _pod(**status: Any) -> dict[str, Any]:
    return {"metadata": {"name": "p", "creationTimestamp": kube_time(NOW - 298)},
            "spec": {"containers": [{"name": "a"}, {"name": "b"}], "nodeName": "node-1"},
            "status": {"phase": "Pending", **status}}


def _waiting(name: str, reason: str) -> dict[str, Any]:
    return {"name": name, "ready": False, "restartCount": 0, "state": {"waiting": {"reason": reason}}}


def test_pod_status_cell_rules() -> None:
    ages = Ages(NOW)
    backoff = _pod(containerStatuses=[_waiting("a", "ImagePullBackOff"), _waiting("b", "ErrImagePull")])
    assert cells(backoff, ages)[:5] == ["p", "0/2", "ImagePullBackOff", "0", "4m58s"]
    running = {"name": "a", "ready": True, "restartCount": 2, "state": {"running": {}},
               "lastState": {"terminated": {"exitCode": 1, "finishedAt": kube_time(NOW - 60)}}}
    mixed = _pod(phase="Running", containerStatuses=[running, _waiting("b", "CrashLoopBackOff")])
    assert cells(mixed, ages)[1:4] == ["1/2", "CrashLoopBackOff", "2 (60s ago)"]
    done = _pod(phase="Running", containerStatuses=[{"name": "a", "state": {"terminated": {"exitCode": 0,
                                                                                          "reason": "Completed"}}},
                                                    {**running, "lastState": {}}])
    done["status"]["conditions"] = [{"type": "Ready", "status": "False"}]
    assert cells(done, ages)[2] == "NotReady"
    init = _pod(initContainerStatuses=[_waiting("i", "ErrImagePull")])
    init["spec"]["initContainers"] = [{"name": "i"}]
    assert cells(init, ages)[2] == "Init:ErrImagePull"
    terminating = _pod(containerStatuses=[_waiting("a", "ImagePullBackOff")])
    terminating["metadata"]["deletionTimestamp"] = kube_time(NOW)
    assert cells(terminating, ages)[2] == "Terminating"
    assert cells(_pod(), ages)[5:] == ["<none>", "node-1", "<none>", "<none>"]


def test_selector_strings() -> None:
    assert selector_string({"matchLabels": {"b": "2", "a": "1"}}) == "a=1,b=2"
    assert selector_string({"matchExpressions": [{"key": "t", "operator": "In", "values": ["y", "x"]},
                                                 {"key": "a", "operator": "DoesNotExist"}]}) == "!a,t in (x,y)"


def test_tables_over_http(local: Local) -> None:
    with api(local) as k:
        k.post("/api/v1/namespaces/default/pods", pod("web"))
        local.clock.advance(125)
        table = k.table("/api/v1/namespaces/default/pods")
        assert table["kind"] == "Table" and table["apiVersion"] == "meta.k8s.io/v1"
        assert [c["name"] for c in table["columnDefinitions"]] == ["Name", "Ready", "Status", "Restarts", "Age",
                                                                   "IP", "Node", "Nominated Node", "Readiness Gates"]
        assert [c["priority"] for c in table["columnDefinitions"]][4:] == [0, 1, 1, 1, 1]
        row = table["rows"][0]
        assert row["cells"] == ["web", "0/1", "Pending", "0", "2m5s", "<none>", "<none>", "<none>", "<none>"]
        assert row["object"]["kind"] == "PartialObjectMetadata" and row["object"]["metadata"]["name"] == "web"
        assert table["metadata"]["resourceVersion"] == str(k.tracker.resource_version)
        single = k.table("/api/v1/namespaces/default/pods/web")
        assert len(single["rows"]) == 1
        full = k.table("/api/v1/namespaces/default/pods?includeObject=Object")
        assert full["rows"][0]["object"]["kind"] == "Pod"
        k.post("/apis/apps/v1/namespaces/default/deployments", deployment())
        deployments = k.table("/apis/apps/v1/namespaces/default/deployments")
        assert deployments["rows"][0]["cells"] == ["guestbook-app", "0/2", 0, 0, "0s", "guestbook",
                                                   "acrwizdev.azurecr.io/guestbook:v1", "app=guestbook"]
        secrets = k.table("/api/v1/namespaces/default/serviceaccounts")
        assert secrets["rows"][0]["cells"] == ["default", 0, "2m5s"]
        v1beta1 = k.get("/api/v1/namespaces", {"Accept": "application/json;as=Table;v=v1beta1;g=meta.k8s.io"})
        assert v1beta1.json()["apiVersion"] == "meta.k8s.io/v1beta1"
        plain = k.get("/api/v1/namespaces/default/pods", {"Accept": "application/json"}).json()
        assert plain["kind"] == "PodList"


def test_event_and_node_tables(local: Local) -> None:
    with api(local) as k:
        first = kube_time(local.clock.now() - 7200)
        last = kube_time(local.clock.now() - 30)
        k.tracker.create("events", "default", {
            "metadata": {"name": "web.17a"}, "type": "Warning", "reason": "Failed", "count": 5,
            "involvedObject": {"kind": "Pod", "name": "web", "namespace": "default",
                               "fieldPath": "spec.containers{web}"},
            "message": "Error: ImagePullBackOff ", "source": {"component": "kubelet", "host": "node-1"},
            "firstTimestamp": first, "lastTimestamp": last})
        row = k.table("/api/v1/namespaces/default/events")["rows"][0]["cells"]
        assert row == ["30s", "Warning", "Failed", "pod/web", "spec.containers{web}", "kubelet, node-1",
                       "Error: ImagePullBackOff", "120m", 5, "web.17a"]
        k.tracker.create("nodes", "", {
            "metadata": {"name": "aks-nodepool1-1", "labels": {"kubernetes.azure.com/role": "agent"}},
            "status": {"conditions": [{"type": "Ready", "status": "True"}],
                       "addresses": [{"type": "InternalIP", "address": "10.224.0.4"}],
                       "nodeInfo": {"kubeletVersion": "v1.32.4", "osImage": "Ubuntu 22.04.5 LTS",
                                    "containerRuntimeVersion": "containerd://1.7.27-1"}}})
        node = k.table("/api/v1/nodes")["rows"][0]["cells"]
        assert node == ["aks-nodepool1-1", "Ready", "<none>", "0s", "v1.32.4", "10.224.0.4", "<none>",
                        "Ubuntu 22.04.5 LTS", "<unknown>", "containerd://1.7.27-1"]
