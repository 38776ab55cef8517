"""The real kubectl 1.32 and the official Python client against StatefulSets, DaemonSets and their
ControllerRevisions on the served emulator (pods made Ready here, the kubelet's part)."""

from __future__ import annotations

import pytest
from kubernetes import client as k8s
from kubernetes import watch

from pullproof.kube.controllers.statefulsets import STATEFULSETS
from tests.kube import test_kubectl as base
from tests.kube.controllers.test_rollout_kubectl import _serve_pods

server = base.server
kubectl = base.kubectl
pytestmark = pytest.mark.realclient
MANIFEST = """apiVersion: apps/v1
kind: StatefulSet
metadata:
  name: web
spec:
  replicas: 2
  serviceName: nginx
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
---
apiVersion: apps/v1
kind: DaemonSet
metadata:
  name: agent
spec:
  selector:
    matchLabels:
      app: agent
  template:
    metadata:
      labels:
        app: agent
    spec:
      containers:
      - name: agent
        image: agent:1
"""


def _rolled(k: base.Kubectl, image: str) -> bool:
    _serve_pods(k)
    sts = k.cluster.tracker.get(STATEFULSETS, "default", "web")
    status = sts.get("status") or {}
    return (sts["spec"]["template"]["spec"]["containers"][0]["image"] == image
            and status.get("currentRevision") == status.get("updateRevision")
            and status.get("readyReplicas") == status.get("updatedReplicas") == sts["spec"]["replicas"])


def test_statefulset_rollout_history_undo_scale_and_listing(kubectl: base.Kubectl) -> None:
    (kubectl.home / "app.yaml").write_text(MANIFEST)
    applied = kubectl("apply", "-f", "app.yaml")
    assert applied.stdout == "statefulset.apps/web created\ndaemonset.apps/agent created\n", applied.stderr
    base.until(lambda: _rolled(kubectl, "nginx:1"), "the first rollout")
    status = kubectl("rollout", "status", "statefulset/web", "--timeout=20s")
    assert status.stdout.endswith("partitioned roll out complete: 2 new pods have been updated...\n"), status
    kubectl("set", "image", "statefulset/web", "web=nginx:2")
    base.until(lambda: _rolled(kubectl, "nginx:2"), "the second rollout")
    history = kubectl("rollout", "history", "statefulset/web").stdout.splitlines()
    assert history[1:] == ["REVISION  CHANGE-CAUSE", "1         <none>", "2         <none>", ""], history
    one = kubectl("rollout", "history", "statefulset/web", "--revision=1").stdout
    assert "nginx:1" in one and "nginx:2" not in one, one
    undo = kubectl("rollout", "undo", "statefulset/web")
    assert undo.stdout == "statefulset.apps/web rolled back\n", undo.stderr
    base.until(lambda: _rolled(kubectl, "nginx:1"), "the rollback")
    assert kubectl("scale", "sts", "web", "--replicas=3").stdout == "statefulset.apps/web scaled\n"
    base.until(lambda: _rolled(kubectl, "nginx:1") and len(kubectl.cluster.tracker.list("pods", "default")[0]) == 3,
               "the scale up")
    listed = kubectl("get", "sts,ds,controllerrevisions", "-A").stdout.splitlines()
    assert listed[0].split() == ["NAMESPACE", "NAME", "READY", "AGE"]
    assert listed[1].split()[:3] == ["default", "statefulset.apps/web", "3/3"]
    assert listed[3].split() == ["NAMESPACE", "NAME", "DESIRED", "CURRENT", "READY", "UP-TO-DATE", "AVAILABLE",
                                 "NODE", "SELECTOR", "AGE"]
    assert listed[4].split()[:8] == ["default", "daemonset.apps/agent", "0", "0", "0", "0", "0", "<none>"]
    revisions = [line.split() for line in listed[6:] if line.strip()]
    assert revisions[0][:2] == ["NAMESPACE", "NAME"] and revisions[0][2:4] == ["CONTROLLER", "REVISION"]
    assert sorted((r[2], r[3]) for r in revisions[1:]) == [
        ("daemonset.apps/agent", "1"), ("statefulset.apps/web", "2"), ("statefulset.apps/web", "3")]
    described = kubectl("describe", "sts", "web").stdout
    assert "Pods Status:        3 Running / 0 Waiting / 0 Succeeded / 0 Failed" in described, described
    assert "create Pod web-2 in StatefulSet web successful" in described
    assert kubectl("describe", "ds", "agent").returncode == 0
    ds_status = kubectl("rollout", "status", "ds/agent", "--timeout=10s")
    assert ds_status.stdout == 'daemon set "agent" successfully rolled out\n', ds_status


def test_the_official_python_client_lists_reads_and_watches_the_kinds(kubectl: base.Kubectl) -> None:
    (kubectl.home / "app.yaml").write_text(MANIFEST)
    assert kubectl("apply", "-f", "app.yaml").returncode == 0
    base.until(lambda: bool(kubectl.cluster.tracker.list("controllerrevisions.apps", "default")[0])
               and len(kubectl.cluster.tracker.list("controllerrevisions.apps", "default")[0]) == 2, "revisions")
    server = kubectl.server
    host = kubectl.cluster.host
    config = k8s.Configuration(host=f"https://{host}:443", api_key={"authorization": "Bearer tok"})
    config.proxy = server.proxy
    config.ssl_ca_cert = str(server.emulator.ca.cert_path)
    with k8s.ApiClient(config) as api:
        apps = k8s.AppsV1Api(api)
        assert [s.metadata.name for s in apps.list_namespaced_stateful_set("default").items] == ["web"]
        sts = apps.read_namespaced_stateful_set("web", "default")
        assert sts.spec.update_strategy.rolling_update.partition == 0
        assert sts.spec.persistent_volume_claim_retention_policy.when_deleted == "Retain"
        ds = apps.read_namespaced_daemon_set("agent", "default")
        assert ds.spec.update_strategy.rolling_update.max_unavailable == 1
        assert [d.metadata.name for d in apps.list_daemon_set_for_all_namespaces().items] == ["agent"]
        revisions = apps.list_namespaced_controller_revision("default").items
        assert sorted(r.revision for r in revisions) == [1, 1]
        apps.read_namespaced_controller_revision(revisions[0].metadata.name, "default")
        for method in (apps.list_namespaced_stateful_set, apps.list_namespaced_daemon_set,
                       apps.list_namespaced_controller_revision):
            events = list(watch.Watch().stream(method, "default", timeout_seconds=1))
            assert events and events[0]["type"] == "ADDED", method
            assert events[0]["object"].metadata.namespace == "default"
