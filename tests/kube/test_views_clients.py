"""Real clients over the views: kubectl 1.32 (``autoscale``, ``get hpa``, ``describe hpa``, ``events``,
``get events.events.k8s.io``) and the official Python client (``EventsV1Api``, ``AutoscalingV1Api``,
and every served resource walked from discovery, deserialized into the client's typed models)."""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any

import pytest
from kubernetes import client as k8s
from kubernetes import watch

from pullproof.core.clock import ManualClock
from tests.kube import test_kubectl as base
from tests.kube.inprocess import InProcessServer

pytestmark = pytest.mark.realclient


@pytest.fixture(scope="module")
def kubectl(tmp_path_factory: pytest.TempPathFactory) -> Iterator[base.Kubectl]:
    clock = ManualClock(time.time())  # kubectl checks the served certificates against wall time
    server = InProcessServer(tmp_path_factory.mktemp("views") / "data", clock).start()
    try:
        tmp = tmp_path_factory.mktemp("kubectl")
        cluster = server.open_cluster("/subscriptions/s/resourcegroups/rg/providers/microsoft.containerservice/"
                                      "managedclusters/mycluster", base.HOST, "tok")
        yield base.Kubectl(server, cluster, tmp, server.kubeconfig(tmp / "config", base.HOST, "tok"))
    finally:
        server.stop()


def _api(kubectl: base.Kubectl) -> k8s.ApiClient:
    config = k8s.Configuration(host=f"https://{base.HOST}:443", api_key={"authorization": "Bearer tok"})
    config.proxy = kubectl.server.proxy
    config.ssl_ca_cert = str(kubectl.server.emulator.ca.cert_path)
    return k8s.ApiClient(config)


def test_kubectl_autoscale_get_and_describe_hpa(kubectl: base.Kubectl) -> None:
    assert kubectl("create", "deployment", "web", "--image=busybox:1.37").returncode == 0
    made = kubectl("autoscale", "deployment", "web", "--min=2", "--max=5", "--cpu-percent=80")
    assert made.returncode == 0, made.stderr
    listed = kubectl("get", "hpa")
    assert listed.stdout.split("\n")[0].split() == ["NAME", "REFERENCE", "TARGETS", "MINPODS", "MAXPODS",
                                                    "REPLICAS", "AGE"]
    assert listed.stdout.split("\n")[1].split()[:5] == ["web", "Deployment/web", "cpu:", "<unknown>/80%", "2"]
    v1 = kubectl("get", "horizontalpodautoscalers.v1.autoscaling", "web", "-o",
                 "jsonpath={.apiVersion} {.spec.targetCPUUtilizationPercentage}")
    assert v1.stdout == "autoscaling/v1 80", v1.stderr
    described = kubectl("describe", "hpa", "web")
    assert described.returncode == 0 and "Min replicas:" in described.stdout, described.stderr


def test_kubectl_events_and_events_k8s_io(kubectl: base.Kubectl) -> None:
    kubectl.cluster.tracker.create("events", "default", {
        "apiVersion": "v1", "kind": "Event", "metadata": {"name": "web.1", "namespace": "default"},
        "involvedObject": {"kind": "Deployment", "name": "web", "namespace": "default"}, "reason": "Scaled",
        "message": "scaled up", "type": "Normal", "count": 1, "source": {"component": "deployment-controller"},
        "firstTimestamp": "2026-01-01T00:00:00Z", "lastTimestamp": "2026-01-01T00:00:00Z"})
    got = kubectl("get", "events.events.k8s.io", "-A")
    assert got.returncode == 0, got.stderr
    assert got.stdout.split("\n")[0].split() == ["NAMESPACE", "LAST", "SEEN", "TYPE", "REASON", "OBJECT", "MESSAGE"]
    assert "deployment/web" in got.stdout and "scaled up" in got.stdout
    listed = kubectl("events", "-n", "default")
    assert listed.returncode == 0 and "scaled up" in listed.stdout, listed.stderr


def test_the_python_client_reads_both_versions(kubectl: base.Kubectl) -> None:
    with _api(kubectl) as api:
        body = k8s.EventsV1Event(metadata=k8s.V1ObjectMeta(name="py.1"), event_time="2026-01-01T00:00:00.000000Z",
                                 reporting_controller="example.com/py", reporting_instance="py-1", action="Test",
                                 reason="Tested", note="from python", type="Normal",
                                 regarding=k8s.V1ObjectReference(kind="Pod", name="p", namespace="default"))
        events_api = k8s.EventsV1Api(api)
        events_api.create_namespaced_event("default", body)
        assert k8s.CoreV1Api(api).read_namespaced_event("py.1", "default").message == "from python"
        read = events_api.read_namespaced_event("py.1", "default")
        assert (read.note, read.regarding.name) == ("from python", "p")
        stream = list(watch.Watch().stream(events_api.list_namespaced_event, "default",
                                           field_selector="regarding.name=p", timeout_seconds=1))
        assert [e["object"].metadata.name for e in stream] == ["py.1"]
        hpa = k8s.AutoscalingV1Api(api)
        hpa.create_namespaced_horizontal_pod_autoscaler("default", k8s.V1HorizontalPodAutoscaler(
            metadata=k8s.V1ObjectMeta(name="py"), spec=k8s.V1HorizontalPodAutoscalerSpec(
                scale_target_ref=k8s.V1CrossVersionObjectReference(kind="Deployment", name="web"), max_replicas=3,
                target_cpu_utilization_percentage=50)))
        assert k8s.AutoscalingV2Api(api).read_namespaced_horizontal_pod_autoscaler(
            "py", "default").spec.metrics[0].resource.target.average_utilization == 50
        names = [h.metadata.name for h in hpa.list_horizontal_pod_autoscaler_for_all_namespaces().items]
        assert "py" in names


def _walk(api: k8s.ApiClient) -> Iterator[tuple[str, dict[str, Any]]]:
    """(path of the list, resource) for every listable resource of discovery."""
    core = api.call_api("/api/v1", "GET", response_type="object", auth_settings=["BearerToken"])[0]
    for resource in core["resources"]:
        yield "/api/v1", resource
    groups = api.call_api("/apis", "GET", response_type="object", auth_settings=["BearerToken"])[0]
    for group in groups["groups"]:
        for version in group["versions"]:
            prefix = f"/apis/{version['groupVersion']}"
            found = api.call_api(prefix, "GET", response_type="object", auth_settings=["BearerToken"])[0]
            for resource in found["resources"]:
                yield prefix, resource


def _model(group_version: str, kind: str) -> str | None:
    group, _, version = group_version.rpartition("/")
    prefix = "".join(p.capitalize() for p in group.split(".")[0:1]) if group else ""
    name = f"{prefix}{version.capitalize()}{kind}" if group else f"V1{kind}"
    if group and not hasattr(k8s, name):
        name = f"{version.capitalize()}{kind}"
    return name if hasattr(k8s, name) else None


def test_every_served_resource_lists_watches_and_reads_into_the_typed_models(kubectl: base.Kubectl) -> None:
    seen = []
    with _api(kubectl) as api:
        for prefix, resource in _walk(api):
            if "/" in resource["name"] or "list" not in resource["verbs"]:
                continue
            group_version = prefix.removeprefix("/apis/").removeprefix("/api/")
            listed = api.call_api(f"{prefix}/{resource['name']}", "GET", response_type="object",
                                  auth_settings=["BearerToken"])[0]
            model = _model(group_version, resource["kind"])
            if model == "EventsV1Event":  # the client refuses the null eventTime of an Event written through v1
                listed["items"] = [i for i in listed["items"] if i.get("eventTime")]
            if model is not None:
                api.deserialize(_Raw(listed), f"{model}List")
            streamed = api.call_api(f"{prefix}/{resource['name']}", "GET", query_params=[
                ("watch", "true"), ("timeoutSeconds", "1")], _preload_content=False,
                auth_settings=["BearerToken"])[0]
            assert streamed.status == 200
            for item in listed["items"][:1]:
                meta = item["metadata"]
                where = f"/namespaces/{meta['namespace']}" if meta.get("namespace") else ""
                one = api.call_api(f"{prefix}{where}/{resource['name']}/{meta['name']}", "GET",
                                   response_type="object", auth_settings=["BearerToken"])[0]
                if model is not None:
                    api.deserialize(_Raw(one), model)
            seen.append(f"{resource['name']}.{group_version}")
    assert "events.events.k8s.io/v1" in seen and "horizontalpodautoscalers.autoscaling/v1" in seen


class _Raw:
    def __init__(self, data: Any) -> None:
        import json

        self.data = json.dumps(data)
