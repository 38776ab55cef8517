"""The endpoints, EndpointSlice, load-balancer, volume and quota controllers over a tracker, stepped by hand."""

from __future__ import annotations

from typing import Any

from pullproof.core.clock import ManualClock
from pullproof.core.ids import SeededIds
from pullproof.kube.apiserver.bootstrap import ensure_cluster
from pullproof.kube.controllers.endpoints import EndpointsController
from pullproof.kube.controllers.endpointslices import SLICES, EndpointSliceController
from pullproof.kube.controllers.loadbalancers import LoadBalancerController
from pullproof.kube.controllers.resourcequotas import ResourceQuotaController
from pullproof.kube.controllers.scheduler import Scheduler
from pullproof.kube.controllers.volumes import WAITING, VolumeController
from pullproof.kube.storage.tracker import Tracker
from tests.conftest import Local
from tests.kube.controllers.support import add_node, open_cluster


def _tracker(local: Local) -> Tracker:
    tracker = open_cluster(local).tracker
    ensure_cluster(tracker)
    return tracker


def _pod(tracker: Tracker, name: str, ip: str, ready: bool, **spec: Any) -> None:
    tracker.create("pods", "default", {
        "apiVersion": "v1", "kind": "Pod", "metadata": {"name": name, "namespace": "default",
                                                        "labels": {"app": "web"}},
        "spec": {"nodeName": "aks-nodepool1-0", "containers": [{"name": "web", "image": "nginx:1", "ports": [
            {"name": "http", "containerPort": 8080}]}], **spec},
        "status": {"phase": "Running", "podIP": ip,
                   "conditions": [{"type": "Ready", "status": "True" if ready else "False"}]}})


def _service(tracker: Tracker, **spec: Any) -> None:
    tracker.create("services", "default", {
        "apiVersion": "v1", "kind": "Service", "metadata": {"name": "web", "namespace": "default", "uid": "u1"},
        "spec": {"selector": {"app": "web"}, "clusterIP": "10.0.9.9",
                 "ports": [{"name": "http", "port": 80, "targetPort": "http", "protocol": "TCP"}], **spec}})


def test_endpoints_and_slices_follow_the_selected_pods(local: Local) -> None:
    tracker = _tracker(local)
    clock = ManualClock(0)
    _service(tracker)
    _pod(tracker, "a", "10.244.0.5", True)
    _pod(tracker, "b", "10.244.0.6", False)
    EndpointsController(tracker, clock).reconcile()
    EndpointSliceController(tracker, clock, SeededIds(1)).reconcile()
    subset = tracker.get("endpoints", "default", "web")["subsets"][0]
    assert [a["ip"] for a in subset["addresses"]] == ["10.244.0.5"]
    assert subset["addresses"][0]["targetRef"]["name"] == "a"
    assert subset["addresses"][0]["nodeName"] == "aks-nodepool1-0"
    assert [a["ip"] for a in subset["notReadyAddresses"]] == ["10.244.0.6"]
    assert subset["ports"] == [{"name": "http", "port": 8080, "protocol": "TCP"}]
    slices = [s for s in tracker.list(SLICES, "default")[0] if s["metadata"]["name"].startswith("web-")]
    assert len(slices) == 1
    assert slices[0]["metadata"]["labels"] == {"kubernetes.io/service-name": "web",
                                               "endpointslice.kubernetes.io/managed-by":
                                               "endpointslice-controller.k8s.io"}
    assert [(e["addresses"], e["conditions"]["ready"]) for e in slices[0]["endpoints"]] == [
        (["10.244.0.5"], True), (["10.244.0.6"], False)]
    for index in range(150):
        _pod(tracker, f"p{index:03}", f"10.244.1.{index}", True)
    EndpointSliceController(tracker, clock, SeededIds(1)).reconcile()
    sizes = sorted(len(s["endpoints"]) for s in tracker.list(SLICES, "default")[0]
                   if s["metadata"]["name"].startswith("web-"))
    assert sizes == [52, 100]


def test_a_load_balancer_gets_a_public_ip_with_the_service_controllers_events(local: Local) -> None:
    tracker = _tracker(local)
    _service(tracker, type="LoadBalancer")
    LoadBalancerController(tracker, ManualClock(0)).reconcile()
    ingress = tracker.get("services", "default", "web")["status"]["loadBalancer"]["ingress"]
    assert ingress[0]["ip"].startswith("20.") and ingress[0]["ipMode"] == "VIP"
    reasons = [(e["reason"], e["message"], e["source"]["component"]) for e in tracker.list("events", "default")[0]]
    assert reasons == [("EnsuringLoadBalancer", "Ensuring load balancer", "service-controller"),
                       ("EnsuredLoadBalancer", "Ensured load balancer", "service-controller")]


def _claim(tracker: Tracker, name: str, modes: list[str], sc: str = "default") -> None:
    tracker.create("persistentvolumeclaims", "default", {
        "apiVersion": "v1", "kind": "PersistentVolumeClaim", "metadata": {"name": name, "namespace": "default"},
        "spec": {"accessModes": modes, "storageClassName": sc, "resources": {"requests": {"storage": "5Gi"}}},
        "status": {"phase": "Pending"}})


def test_a_wait_for_first_consumer_claim_binds_once_its_pod_is_scheduled(local: Local) -> None:
    cluster = open_cluster(local)
    tracker = cluster.tracker
    ensure_cluster(tracker)
    clock = ManualClock(0)
    add_node(cluster, "aks-nodepool1-0", 0)
    _claim(tracker, "data", ["ReadWriteOnce"])
    volumes = VolumeController(tracker, clock)
    volumes.reconcile()
    assert tracker.get("persistentvolumeclaims", "default", "data")["status"]["phase"] == "Pending"
    assert [e["message"] for e in tracker.list("events", "default")[0]] == [WAITING]
    tracker.create("pods", "default", {
        "apiVersion": "v1", "kind": "Pod", "metadata": {"name": "user", "namespace": "default"},
        "spec": {"containers": [{"name": "a", "image": "nginx:1"}], "schedulerName": "default-scheduler",
                 "volumes": [{"name": "d", "persistentVolumeClaim": {"claimName": "data"}},
                             {"name": "x", "persistentVolumeClaim": {"claimName": "missing"}}]},
        "status": {"phase": "Pending"}})
    Scheduler(tracker, clock).reconcile()
    pod = tracker.get("pods", "default", "user")
    assert pod["status"]["conditions"][0]["message"] == (
        '0/1 nodes are available: persistentvolumeclaim "missing" not found. preemption: 0/1 nodes are available: '
        "1 Preemption is not helpful for scheduling.")
    pod["spec"]["volumes"].pop()
    tracker.update("pods", "default", pod)
    Scheduler(tracker, clock).reconcile()
    volumes.reconcile()
    claim = tracker.get("persistentvolumeclaims", "default", "data")
    uid = claim["metadata"]["uid"]
    assert claim["spec"]["volumeName"] == f"pvc-{uid}"
    assert claim["status"] == {"phase": "Bound", "accessModes": ["ReadWriteOnce"], "capacity": {"storage": "5Gi"}}
    volume = tracker.get("persistentvolumes", "", f"pvc-{uid}")
    assert volume["spec"]["claimRef"]["name"] == "data" and volume["status"]["phase"] == "Bound"
    events = [(e["reason"], e["source"]["component"].split("_")[0]) for e in tracker.list("events", "default")[0]
              if e["involvedObject"]["name"] == "data"]
    assert events[-3:] == [("ExternalProvisioning", "persistentvolume-controller"),
                           ("Provisioning", "disk.csi.azure.com"), ("ProvisioningSucceeded", "disk.csi.azure.com")]


def test_a_read_write_many_claim_on_a_disk_class_fails_provisioning(local: Local) -> None:
    tracker = _tracker(local)
    _claim(tracker, "shared", ["ReadWriteMany"], "managed-csi-premium")
    tracker.get("storageclasses.storage.k8s.io", "", "managed-csi-premium")
    sc = tracker.get("storageclasses.storage.k8s.io", "", "managed-csi-premium")
    sc["volumeBindingMode"] = "Immediate"
    tracker.update("storageclasses.storage.k8s.io", "", sc)
    VolumeController(tracker, ManualClock(0)).reconcile()
    failed = [e["message"] for e in tracker.list("events", "default")[0] if e["reason"] == "ProvisioningFailed"]
    assert failed == ['failed to provision volume with StorageClass "managed-csi-premium": rpc error: code = '
                      "InvalidArgument desc = Volume capability not supported"]
    assert tracker.get("persistentvolumeclaims", "default", "shared")["status"]["phase"] == "Pending"


def test_quota_status_counts_the_namespaces_objects(local: Local) -> None:
    tracker = _tracker(local)
    tracker.create("resourcequotas", "default", {
        "apiVersion": "v1", "kind": "ResourceQuota", "metadata": {"name": "q", "namespace": "default"},
        "spec": {"hard": {"pods": "10", "requests.cpu": "2", "services": "5", "limits.memory": "1Gi"}}})
    _pod(tracker, "a", "10.244.0.5", True)
    pod = tracker.get("pods", "default", "a")
    pod["spec"]["containers"][0]["resources"] = {"requests": {"cpu": "250m"}, "limits": {"memory": "256Mi"}}
    tracker.update("pods", "default", pod)
    ResourceQuotaController(tracker, ManualClock(0)).reconcile()
    status = tracker.get("resourcequotas", "default", "q")["status"]
    assert status["used"] == {"pods": "1", "requests.cpu": "250m", "services": "1", "limits.memory": "256Mi"}
    assert status["hard"]["pods"] == "10"
