"""The real kubectl 1.32 and the official Python client against Services, Endpoints, EndpointSlices,
claims, volumes, storage classes, quotas and limit ranges on the served emulator. Pods are made Ready
(with an IP) here, the kubelet's part."""

from __future__ import annotations

from kubernetes import client as k8s
from kubernetes import watch

from pullproof.core.errors import ServiceError
from pullproof.kube.storage.tracker import kube_time
from tests.kube import test_kubectl as base

server = base.server
kubectl = base.kubectl
MANIFEST = """apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
spec:
  replicas: 2
  selector:
    matchLabels:
      app: web
  template:
    metadata:
      labels:
        app: web
    spec:
      containers:
      - name: web
        image: nginx:1
        ports:
        - containerPort: 8080
"""
CLAIM = """apiVersion: v1
kind: PersistentVolumeClaim
metadata:
  name: data
spec:
  accessModes: [ReadWriteOnce]
  resources:
    requests:
      storage: 5Gi
"""


def _serve(k: base.Kubectl) -> bool:
    tracker = k.cluster.tracker
    for index, pod in enumerate(tracker.list("pods", "default")[0]):
        status = pod.setdefault("status", {})
        if status.get("podIP"):
            continue
        status.update({"phase": "Running", "podIP": f"10.244.0.{index + 5}",
                       "conditions": [{"type": "Ready", "status": "True", "lastProbeTime": None,
                                       "lastTransitionTime": kube_time(tracker.clock.now())}]})
        try:
            tracker.update("pods", "default", pod)
        except ServiceError:
            continue
    return False


def _endpoints(k: base.Kubectl) -> bool:
    _serve(k)
    found = k.cluster.tracker.find("endpoints", "default", "web")
    return found is not None and len((found.get("subsets") or [{}])[0].get("addresses") or []) == 2


def test_expose_gives_endpoints_and_kubectl_prints_them(kubectl: base.Kubectl) -> None:
    (kubectl.home / "web.yaml").write_text(MANIFEST)
    assert kubectl("apply", "-f", str(kubectl.home / "web.yaml")).returncode == 0
    exposed = kubectl("expose", "deployment", "web", "--port=80", "--target-port=8080")
    assert exposed.stdout == "service/web exposed\n", exposed.stderr
    base.until(lambda: _endpoints(kubectl), "the endpoints of two ready pods")
    base.until(lambda: "web-" in kubectl("get", "endpointslices").stdout, "the web slice")
    listed = kubectl("get", "svc,ep,endpointslices", "-A").stdout
    ip = kubectl.cluster.tracker.get("services", "default", "web")["spec"]["clusterIP"]
    lines = [" ".join(line.split()) for line in listed.splitlines()]
    assert any(line.startswith(f"default service/web ClusterIP {ip} <none> 80/TCP ") for line in lines), listed
    assert any(line.startswith("default service/kubernetes ClusterIP 10.0.0.1 <none> 443/TCP ") for line in lines)
    assert any(line.startswith("kube-system service/kube-dns ClusterIP 10.0.0.10 <none> 53/UDP,53/TCP ")
               for line in lines)
    assert any(line.startswith("default endpoints/web 10.244.0.") and ":8080,10.244.0." in line for line in lines)
    assert any(line.startswith("default endpointslice.discovery.k8s.io/web-") and " IPv4 8080 " in line
               for line in lines), listed
    described = kubectl("describe", "svc", "web").stdout
    assert "Selector:                 app=web" in described
    assert "TargetPort:               8080/TCP" in described and "Endpoints:                10.244.0." in described


def test_claims_volumes_classes_and_a_quota_through_kubectl(kubectl: base.Kubectl) -> None:
    (kubectl.home / "claim.yaml").write_text(CLAIM)
    assert kubectl("apply", "-f", str(kubectl.home / "claim.yaml")).returncode == 0
    base.until(lambda: "WaitForFirstConsumer" in kubectl("describe", "pvc", "data").stdout, "the waiting event")
    described = kubectl("describe", "pvc", "data").stdout
    assert "waiting for first consumer to be created before binding" in described
    assert "StorageClass:  default" in described
    listed = [" ".join(line.split()) for line in kubectl("get", "pvc,pv,sc").stdout.splitlines()]
    assert "persistentvolumeclaim/data Pending default <unset> 0s" in listed or any(
        line.startswith("persistentvolumeclaim/data Pending default <unset> ") for line in listed)
    assert any(line.startswith("storageclass.storage.k8s.io/default (default) disk.csi.azure.com Delete "
                               "WaitForFirstConsumer true ") for line in listed), listed
    created = kubectl("create", "quota", "q", "--hard=pods=1")
    assert created.stdout == "resourcequota/q created\n", created.stderr
    assert kubectl("run", "one", "--image=nginx:1").returncode == 0
    refused = kubectl("run", "two", "--image=nginx:1")
    assert refused.stderr == ('Error from server (Forbidden): pods "two" is forbidden: exceeded quota: q, '
                              "requested: pods=1, used: pods=1, limited: pods=1\n")
    base.until(lambda: "pods: 1/1" in kubectl("get", "quota").stdout, "the quota's status")


def test_the_official_python_client_reads_each_kind(kubectl: base.Kubectl) -> None:
    (kubectl.home / "claim.yaml").write_text(CLAIM)
    kubectl("apply", "-f", str(kubectl.home / "claim.yaml"))
    kubectl("create", "quota", "q", "--hard=pods=5")
    kubectl("create", "service", "loadbalancer", "lb", "--tcp=80:8080")
    host = kubectl.kubeconfig.read_text().split("server: https://")[1].split("\n")[0].split(":")[0]
    config = k8s.Configuration(host=f"https://{host}:443", api_key={"authorization": "Bearer tok"})
    config.proxy = kubectl.server.proxy
    config.ssl_ca_cert = str(kubectl.server.emulator.ca.cert_path)
    with k8s.ApiClient(config) as api:
        core, discovery, storage = k8s.CoreV1Api(api), k8s.DiscoveryV1Api(api), k8s.StorageV1Api(api)
        assert core.read_namespaced_service("kubernetes", "default").spec.cluster_ip == "10.0.0.1"
        assert core.read_namespaced_endpoints("kubernetes", "default").subsets[0].ports[0].port == 443
        assert {s.metadata.name for s in core.list_service_for_all_namespaces().items} >= {"kubernetes", "kube-dns",
                                                                                           "lb"}
        assert discovery.list_namespaced_endpoint_slice("default").items[0].address_type == "IPv4"
        assert core.read_namespaced_persistent_volume_claim("data", "default").spec.storage_class_name == "default"
        assert core.list_persistent_volume().items == []
        assert len(storage.list_storage_class().items) == 9
        assert core.read_namespaced_resource_quota("q", "default").spec.hard == {"pods": "5"}
        assert core.list_namespaced_limit_range("default").items == []
        events = watch.Watch().stream(core.list_namespaced_service, "default", timeout_seconds=1)
        names = {e["object"].metadata.name for e in events}
        assert names >= {"kubernetes", "lb"}
