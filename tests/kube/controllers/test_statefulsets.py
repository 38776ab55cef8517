"""The StatefulSet controller in-process on a manual clock: ordered creation and deletion, identity,
claims, revisions, partitioned rolling updates, OnDelete, Parallel, and the status it writes."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from pullproof.core.clock import ManualClock
from pullproof.core.ids import SeededIds
from pullproof.core.sealing import Sealer
from pullproof.db.engine import Database
from pullproof.kube.apiserver.kinds.apps import default_statefulset
from pullproof.kube.controllers.revisions import REVISIONS
from pullproof.kube.controllers.statefulsets import STATEFULSETS, StatefulSetController
from pullproof.kube.storage.store import KubeStore
from pullproof.kube.storage.tracker import Tracker, kube_time


class Sts:
    def __init__(self, tmp_path: Path) -> None:
        self.clock = ManualClock()
        ids = SeededIds(3)
        self.tracker = Tracker("c1", KubeStore(Database(tmp_path / "kube.db"), Sealer(tmp_path / "seal.key")),
                               self.clock, ids)
        self.tracker.create("namespaces", "", {"apiVersion": "v1", "kind": "Namespace",
                                               "metadata": {"name": "default"}})
        self.tracker.create("serviceaccounts", "default", {"apiVersion": "v1", "kind": "ServiceAccount",
                                                          "metadata": {"name": "default"}})
        self.controller = StatefulSetController(self.tracker, self.clock, ids)

    def create(self, replicas: int = 3, **spec: Any) -> None:
        body: dict[str, Any] = {
            "apiVersion": "apps/v1", "kind": "StatefulSet", "metadata": {"name": "web", "generation": 1},
            "spec": {"replicas": replicas, "serviceName": "nginx", "selector": {"matchLabels": {"app": "web"}},
                     "template": {"metadata": {"labels": {"app": "web"}},
                                  "spec": {"containers": [{"name": "web", "image": "nginx:1"}]}}, **spec}}
        default_statefulset(body)
        self.tracker.create(STATEFULSETS, "default", body)

    def sts(self) -> dict[str, Any]:
        return self.tracker.get(STATEFULSETS, "default", "web")

    def change(self, **spec: Any) -> None:
        sts = self.sts()
        for key, value in spec.items():
            if key == "image":
                sts["spec"]["template"]["spec"]["containers"][0]["image"] = value
            else:
                sts["spec"][key] = value
        sts["metadata"]["generation"] += 1
        self.tracker.update(STATEFULSETS, "default", sts)

    def pods(self) -> dict[str, dict[str, Any]]:
        return {p["metadata"]["name"]: p for p in self.tracker.list("pods", "default")[0]}

    def images(self) -> dict[str, str]:
        return {n: p["spec"]["containers"][0]["image"] for n, p in sorted(self.pods().items())}

    def ready(self) -> None:
        for pod in self.tracker.list("pods", "default")[0]:
            if pod["status"].get("phase") != "Running":
                pod["status"]["phase"] = "Running"
                pod["status"]["conditions"] = [{"type": "Ready", "status": "True",
                                                "lastTransitionTime": kube_time(self.clock.now())}]
                self.tracker.update("pods", "default", pod)

    def settle(self, limit: int = 30) -> None:
        for _ in range(limit):
            before = self.tracker.resource_version
            self.controller.reconcile()
            self.ready()
            if self.tracker.resource_version == before:
                return
        raise AssertionError("the controller did not settle")


def test_ordered_ready_creates_one_pod_at_a_time_with_identity_and_claims(tmp_path: Path) -> None:
    s = Sts(tmp_path)
    s.create(volumeClaimTemplates=[{"metadata": {"name": "data"},
                                    "spec": {"accessModes": ["ReadWriteOnce"],
                                             "resources": {"requests": {"storage": "1Gi"}}}}])
    default_statefulset(s.sts())
    s.controller.reconcile()
    s.controller.reconcile()
    assert list(s.pods()) == ["web-0"]  # web-1 waits until web-0 is Running and Ready
    pod = s.pods()["web-0"]
    sts = s.sts()
    assert pod["metadata"]["labels"] == {"app": "web", "statefulset.kubernetes.io/pod-name": "web-0",
                                         "apps.kubernetes.io/pod-index": "0",
                                         "controller-revision-hash": sts["status"]["updateRevision"]}
    assert (pod["spec"]["hostname"], pod["spec"]["subdomain"]) == ("web-0", "nginx")
    assert pod["spec"]["volumes"][0] == {"name": "data", "persistentVolumeClaim": {"claimName": "data-web-0"}}
    claim = s.tracker.get("persistentvolumeclaims", "default", "data-web-0")
    assert claim["metadata"]["labels"] == {"app": "web"} and claim["status"] == {"phase": "Pending"}
    s.ready()
    s.controller.reconcile()
    assert list(s.pods()) == ["web-0", "web-1"]
    s.settle()
    status = s.sts()["status"]
    assert {k: v for k, v in status.items() if "Revision" not in k} == {
        "observedGeneration": 1, "replicas": 3, "readyReplicas": 3, "currentReplicas": 3, "updatedReplicas": 3,
        "availableReplicas": 3, "collisionCount": 0}
    assert status["currentRevision"] == status["updateRevision"]
    messages = [e["message"] for e in s.tracker.list("events", "default")[0]]
    assert messages[:3] == ["create Claim data-web-0 Pod web-0 in StatefulSet web success",
                            "create Pod web-0 in StatefulSet web successful",
                            "create Claim data-web-1 Pod web-1 in StatefulSet web success"]


def test_scale_down_deletes_in_reverse_one_at_a_time(tmp_path: Path) -> None:
    s = Sts(tmp_path)
    s.create(replicas=3)
    s.settle()
    s.change(replicas=1)
    s.controller.reconcile()
    assert list(s.pods()) == ["web-0", "web-1"]
    s.controller.reconcile()
    assert list(s.pods()) == ["web-0"]
    reasons = [(e["reason"], e["message"]) for e in s.tracker.list("events", "default")[0]][-2:]
    assert reasons == [("SuccessfulDelete", "delete Pod web-2 in StatefulSet web successful"),
                       ("SuccessfulDelete", "delete Pod web-1 in StatefulSet web successful")]


def test_parallel_creates_every_pod_at_once(tmp_path: Path) -> None:
    s = Sts(tmp_path)
    s.create(replicas=3, podManagementPolicy="Parallel")
    s.controller.reconcile()
    assert list(s.pods()) == ["web-0", "web-1", "web-2"]


def test_rolling_update_goes_down_from_the_highest_ordinal_to_the_partition(tmp_path: Path) -> None:
    s = Sts(tmp_path)
    s.create(replicas=3)
    s.settle()
    first = s.sts()["status"]["currentRevision"]
    s.change(image="nginx:2", updateStrategy={"type": "RollingUpdate", "rollingUpdate": {"partition": 1}})
    s.controller.reconcile()
    assert list(s.pods()) == ["web-0", "web-1"]  # web-2 deleted first
    s.settle()
    assert s.images() == {"web-0": "nginx:1", "web-1": "nginx:2", "web-2": "nginx:2"}
    status = s.sts()["status"]
    assert (status["currentRevision"], status["currentReplicas"], status["updatedReplicas"]) == (first, 1, 2)
    s.change(updateStrategy={"type": "RollingUpdate", "rollingUpdate": {"partition": 0}})
    s.settle()
    status = s.sts()["status"]
    assert s.images() == {"web-0": "nginx:2", "web-1": "nginx:2", "web-2": "nginx:2"}
    assert status["currentRevision"] == status["updateRevision"] != first
    revisions = sorted((r["revision"], r["metadata"]["name"]) for r in s.tracker.list(REVISIONS, "default")[0])
    assert revisions == [(1, first), (2, status["updateRevision"])]
    data = s.tracker.get(REVISIONS, "default", first)["data"]
    assert data["spec"]["template"]["$patch"] == "replace"


def test_a_rollback_renumbers_the_equal_revision(tmp_path: Path) -> None:
    s = Sts(tmp_path)
    s.create(replicas=1)
    s.settle()
    first = s.sts()["status"]["currentRevision"]
    s.change(image="nginx:2")
    s.settle()
    s.change(image="nginx:1")
    s.settle()
    assert s.sts()["status"]["updateRevision"] == first
    assert s.tracker.get(REVISIONS, "default", first)["revision"] == 3


def test_on_delete_replaces_only_deleted_pods(tmp_path: Path) -> None:
    s = Sts(tmp_path)
    s.create(replicas=2, updateStrategy={"type": "OnDelete"})
    s.settle()
    s.change(image="nginx:2")
    s.settle()
    assert s.images() == {"web-0": "nginx:1", "web-1": "nginx:1"}
    s.tracker.delete("pods", "default", "web-1")
    s.settle()
    assert s.images() == {"web-0": "nginx:1", "web-1": "nginx:2"}
    assert s.sts()["status"]["updatedReplicas"] == 1
