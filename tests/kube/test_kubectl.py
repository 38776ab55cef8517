"""The real kubectl 1.32 (through the gcloud dispatcher) against a cluster's API server, over the
proxy and TLS, exactly as a user runs it."""

from __future__ import annotations

import base64
import contextlib
import json
import os
import re
import shutil
import subprocess
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from pullproof.aks.nodebody import node_body
from pullproof.kube.storage.clusters import Cluster
from pullproof.kube.storage.tracker import kube_time
from tests.kube.inprocess import InProcessServer

pytestmark = pytest.mark.realclient
MISSING = "kubectl is not installed: bash scripts/install-kubectl.sh installs it"

HOST = "mycluster-abcd1234.hcp.eastus.azmk8s.io"
DEPLOYMENT = """apiVersion: apps/v1
kind: Deployment
metadata:
  name: guestbook-app
spec:
  replicas: 2
  selector:
    matchLabels:
      app: guestbook
  template:
    metadata:
      labels:
        app: guestbook
    spec:
      containers:
      - name: guestbook
        image: acrwizdev.azurecr.io/guestbook:v1
        ports:
        - containerPort: 80
      imagePullSecrets:
      - name: acr-auth
"""
SEED = """apiVersion: apps/v1beta1
kind: Deployment
metadata:
  name: acr-auth-example
spec:
  template:
    metadata:
      labels:
        app: acr-auth-example
    spec:
      containers:
      - name: acr-auth-example
        image: myregistry.azurecr.io/acr-auth-example
      imagePullSecrets:
      - name: acr-auth
"""


@dataclass
class Kubectl:
    server: InProcessServer
    cluster: Cluster
    home: Path
    kubeconfig: Path

    def _command(self, args: tuple[str, ...], config: Path | None = None) -> tuple[list[str], dict[str, str]]:
        if shutil.which("kubectl") is None:
            pytest.fail(MISSING)
        env = {k: v for k, v in os.environ.items() if not k.lower().endswith("_proxy") and not k.startswith("KUBE")}
        env.update({"HTTPS_PROXY": self.server.proxy, "HOME": str(self.home)})
        return ["kubectl", "--kubeconfig", str(config or self.kubeconfig), "--cache-dir", str(self.home / "cache"),
                *args], env

    def __call__(self, *args: str, config: Path | None = None, timeout: float = 30) -> subprocess.CompletedProcess[str]:
        command, env = self._command(args, config)
        return subprocess.run(command, env=env, capture_output=True, text=True, timeout=timeout, cwd=self.home)

    @contextlib.contextmanager
    def start(self, *args: str) -> Iterator[subprocess.Popen[str]]:
        """kubectl running in the background (a watch), its output piped; killed if the block fails."""
        command, env = self._command(args)
        with subprocess.Popen(command, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                              cwd=self.home) as process:
            try:
                yield process
            finally:
                if process.poll() is None:
                    process.kill()
                    process.communicate()


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[InProcessServer]:
    server = InProcessServer(tmp_path_factory.mktemp("kubectl") / "data").start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def kubectl(server: InProcessServer, tmp_path: Path, request: pytest.FixtureRequest) -> Kubectl:
    """A fresh cluster of each test's own (its own id and host) in the module's server."""
    name = re.sub(r"[^a-z0-9]", "", request.node.name.lower())[-40:]
    host = HOST.replace("mycluster", name)
    cluster = server.open_cluster("/subscriptions/s/resourcegroups/rg/providers/microsoft.containerservice/"
                                  f"managedclusters/{name}", host, "tok")
    return Kubectl(server, cluster, tmp_path, server.kubeconfig(tmp_path / "config", host, "tok"))


def test_version_and_namespaces(kubectl: Kubectl) -> None:
    version = kubectl("version")
    assert version.returncode == 0, version.stderr
    assert "Server Version: v1.32.4" in version.stdout
    namespaces = kubectl("get", "ns")
    assert namespaces.stdout.splitlines()[0].split() == ["NAME", "STATUS", "AGE"]
    assert [line.split()[:2] for line in namespaces.stdout.splitlines()[1:]] == [
        ["default", "Active"], ["kube-node-lease", "Active"], ["kube-public", "Active"], ["kube-system", "Active"]]
    created = kubectl("create", "namespace", "team-a")
    assert created.stdout == "namespace/team-a created\n", created.stderr


def test_docker_registry_secret_is_sent_as_protobuf_and_stored_exactly(kubectl: Kubectl) -> None:
    args = ("create", "secret", "docker-registry", "acr-auth", "--docker-server", "acrwizdev.azurecr.io",
            "--docker-username", "11111111-2222-3333-4444-555555555555", "--docker-password", "s3cr3t~pw",
            "--docker-email", "ops@example.com")
    created = kubectl(*args)
    assert created.stdout == "secret/acr-auth created\n", created.stderr
    shown = kubectl("get", "secret", "acr-auth", "-o", "jsonpath={.data.\\.dockerconfigjson}")
    auth = base64.b64encode(b"11111111-2222-3333-4444-555555555555:s3cr3t~pw").decode()
    assert base64.b64decode(shown.stdout).decode() == (
        '{"auths":{"acrwizdev.azurecr.io":{"username":"11111111-2222-3333-4444-555555555555",'
        f'"password":"s3cr3t~pw","email":"ops@example.com","auth":"{auth}"}}}}}}')
    again = kubectl(*args)
    assert again.returncode == 1
    assert again.stderr == 'error: failed to create secret secrets "acr-auth" already exists\n'


def test_apply_creates_leaves_unchanged_and_configures(kubectl: Kubectl) -> None:
    manifest = kubectl.home / "deployment.yaml"
    manifest.write_text(DEPLOYMENT)
    assert kubectl("apply", "-f", str(manifest)).stdout == "deployment.apps/guestbook-app created\n"
    assert kubectl("apply", "-f", str(manifest)).stdout == "deployment.apps/guestbook-app unchanged\n"
    manifest.write_text(DEPLOYMENT.replace("guestbook:v1", "guestbook:v2"))
    configured = kubectl("apply", "-f", str(manifest))
    assert configured.stdout == "deployment.apps/guestbook-app configured\n", configured.stderr
    shown = kubectl("get", "deploy", "guestbook-app", "-o",
                    "jsonpath={.spec.template.spec.containers[0].image} {.metadata.generation}")
    assert shown.stdout == "acrwizdev.azurecr.io/guestbook:v2 2"
    listed = kubectl("get", "deploy", "-o", "wide")
    assert listed.stdout.splitlines()[0].split() == ["NAME", "READY", "UP-TO-DATE", "AVAILABLE", "AGE", "CONTAINERS",
                                                     "IMAGES", "SELECTOR"]
    row = listed.stdout.splitlines()[1].split()
    assert (row[0], row[-3:]) == ("guestbook-app", ["guestbook", "acrwizdev.azurecr.io/guestbook:v2",
                                                    "app=guestbook"])


def test_the_seeds_apps_v1beta1_manifest_fails_like_a_real_cluster(kubectl: Kubectl) -> None:
    (kubectl.home / "seed.yaml").write_text(SEED)
    result = kubectl("apply", "-f", "seed.yaml")
    assert result.returncode == 1
    assert result.stderr == ('error: resource mapping not found for name: "acr-auth-example" namespace: "" from '
                             '"seed.yaml": no matches for kind "Deployment" in version "apps/v1beta1"\n'
                             "ensure CRDs are installed first\n")


def test_pods_wide_describe_events_logs_and_delete(kubectl: Kubectl) -> None:
    assert kubectl("run", "web", "--image=nginx:1.27", "--labels=app=web").stdout == "pod/web created\n"
    wide = kubectl("get", "pods", "-l", "app=web", "-o", "wide").stdout.splitlines()
    assert wide[0].split() == ["NAME", "READY", "STATUS", "RESTARTS", "AGE", "IP", "NODE", "NOMINATED", "NODE",
                               "READINESS", "GATES"]
    assert wide[1].split()[:4] == ["web", "0/1", "Pending", "0"]
    tracker = kubectl.cluster.tracker
    pod = tracker.get("pods", "default", "web")
    stamp = kube_time(time.time() - 90)
    tracker.create("events", "default", {
        "apiVersion": "v1", "kind": "Event", "metadata": {"name": "web.1800000000a"}, "type": "Normal",
        "involvedObject": {"kind": "Pod", "namespace": "default", "name": "web", "uid": pod["metadata"]["uid"],
                           "apiVersion": "v1", "fieldPath": "spec.containers{web}"},
        "reason": "Pulling", "message": 'Pulling image "nginx:1.27"', "count": 3,
        "source": {"component": "kubelet", "host": "aks-nodepool1-12345678-vmss000000"},
        "firstTimestamp": stamp, "lastTimestamp": stamp})
    described = kubectl("describe", "pod", "web").stdout
    assert "Tolerations:                 node.kubernetes.io/not-ready:NoExecute op=Exists for 300s" in described
    # a cluster without nodes: the scheduler's FailedScheduling event is listed after the older Pulling
    assert any(re.fullmatch(r'  Normal\s+Pulling\s+(9[01])s \(x3 over \1s\)\s+kubelet\s+Pulling image "nginx:1\.27"',
                            line) for line in described.splitlines()), described
    assert "no nodes available to schedule pods" in described.splitlines()[-1]
    events = kubectl("get", "events").stdout.splitlines()
    assert events[0].split() == ["LAST", "SEEN", "TYPE", "REASON", "OBJECT", "MESSAGE"]
    assert any(line.split()[1:4] == ["Normal", "Pulling", "pod/web"] for line in events[1:])
    pod = tracker.get("pods", "default", "web")
    pod["spec"]["nodeName"] = "aks-nodepool1-12345678-vmss000000"
    pod["status"]["containerStatuses"] = [{"name": "web", "ready": True, "restartCount": 0, "image": "nginx:1.27",
                                           "imageID": "", "started": True, "state": {"running": {"startedAt": stamp}}}]
    tracker.update("pods", "default", pod)
    tracker.create("podlogs", "default", {"metadata": {"name": "web"}, "containers": {"web": "hello\nworld\n"}})
    assert kubectl("logs", "web").stdout == "hello\nworld\n"
    # the pod is bound: the API server only marks it, kubectl waits, and the node's kubelet removes it
    deleted = kubectl("delete", "pod", "web")
    assert deleted.stdout == 'pod "web" deleted\n', deleted.stderr
    assert kubectl("get", "pods", "web").stderr == 'Error from server (NotFound): pods "web" not found\n'


def until(condition: Callable[[], bool], what: str, timeout: float = 30) -> None:
    """Poll observable state (never a fixed sleep) until ``condition`` holds."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.02)


def test_get_watch_prints_new_rows_until_the_request_timeout(kubectl: Kubectl) -> None:
    kubectl("create", "namespace", "watched")
    kubectl("run", "first", "-n", "watched", "--image=nginx", "--labels=w=1")
    tracker = kubectl.cluster.tracker
    with kubectl.start("get", "pods", "-n", "watched", "-l", "w=1", "-w", "--request-timeout=3s") as watching:
        until(lambda: tracker.watching("pods", "watched") > 0 or watching.poll() is not None, "kubectl's watch")
        tracker.create("pods", "watched", {"apiVersion": "v1", "kind": "Pod", "metadata": {
            "name": "second", "labels": {"w": "1"}}, "spec": {"containers": [{"name": "second", "image": "nginx"}]},
            "status": {"phase": "Pending"}})
        out, err = watching.communicate(timeout=30)
    assert watching.returncode == 0, err
    lines = out.splitlines()
    assert lines[0].split() == ["NAME", "READY", "STATUS", "RESTARTS", "AGE"]
    # "first" may print again when the scheduler marks it unschedulable (the cluster has no nodes)
    assert list(dict.fromkeys(line.split()[0] for line in lines[1:])) == ["first", "second"]


def test_not_found_and_a_bad_token(kubectl: Kubectl) -> None:
    missing = kubectl("get", "pods", "nosuch")
    assert (missing.returncode, missing.stderr) == (1, 'Error from server (NotFound): pods "nosuch" not found\n')
    bad = kubectl.server.kubeconfig(kubectl.home / "bad-config", kubectl.cluster.host, "not-the-token")
    denied = kubectl("get", "pods", config=bad)
    assert denied.returncode == 1
    assert denied.stderr == "error: You must be logged in to the server (Unauthorized)\n"
    assert json.loads(kubectl("get", "ns", "default", "-o", "json").stdout)["status"] == {"phase": "Active"}


def test_malformed_selectors_and_versions_show_the_servers_message(kubectl: Kubectl) -> None:
    labels = kubectl("get", "pods", "-l", "((((")
    assert (labels.returncode, labels.stderr) == (1, 'Error from server (BadRequest): Unable to find "/v1, '
                                                     'Resource=pods" that match label selector "((((", field selector '
                                                     "\"\": found '(', expected: !, identifier, or 'end of string'\n")
    fields = kubectl("get", "pods", "--field-selector", "garbage")
    assert fields.returncode == 1
    assert fields.stderr.endswith("invalid selector: 'garbage'; can't understand 'garbage'\n"), fields.stderr
    version = kubectl("get", "--raw", "/api/v1/namespaces/default/pods?resourceVersion=abc")
    assert (version.returncode, version.stderr) == (1, "Error from server (BadRequest): resourceVersion: Invalid "
                                                       'value: "abc": strconv.ParseUint: parsing "abc": invalid '
                                                       "syntax\n")


def test_configmap_from_a_file_over_1_mib_is_refused(kubectl: Kubectl) -> None:
    big = kubectl.home / "big.txt"
    big.write_bytes(b"x" * (1024 * 1024 + 1))
    refused = kubectl("create", "configmap", "big", f"--from-file={big}")
    assert refused.returncode == 1
    assert refused.stderr == ('error: failed to create configmap: ConfigMap "big" is invalid: []: Too long: '
                              "may not be more than 1048576 bytes\n"), refused.stderr
    assert kubectl("get", "configmap", "big").returncode == 1


def test_watch_from_a_version_before_the_window(kubectl: Kubectl) -> None:
    tracker = kubectl.cluster.tracker
    tracker.create("configmaps", "default", {"metadata": {"name": "churn"}, "data": {"k": ""}})
    first = tracker.resource_version  # not 0, which asks for no particular version
    for index in range(40):
        tracker.update("configmaps", "default", {"metadata": {"name": "churn"},
                                                 "data": {"k": str(index % 10) * (1024 * 1024 - 64)}})
    watched = kubectl("get", "--raw", f"/api/v1/namespaces/default/configmaps?watch=true&resourceVersion={first}")
    assert watched.returncode == 0, watched.stderr
    assert json.loads(watched.stdout) == {"type": "ERROR", "object": {
        "kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Failure",
        "message": f"too old resource version: {first} ({tracker.oldest})", "reason": "Expired", "code": 410}}


def test_cordon_leaves_a_new_pod_pending_with_the_schedulers_event(kubectl: Kubectl) -> None:
    node = "aks-nodepool1-12345678-vmss000000"
    resource = {"id": kubectl.cluster.id, "location": "eastus", "properties": {"nodeResourceGroup": "MC_rg_c_eastus"}}
    kubectl.cluster.tracker.create("nodes", "", node_body(node, 0, 0, {"name": "nodepool1"}, resource,
                                                          kube_time(time.time())))
    cordoned = kubectl("cordon", node)
    assert cordoned.stdout == f"node/{node} cordoned\n", cordoned.stderr
    assert kubectl("get", "node", node).stdout.splitlines()[1].split()[1] == "Ready,SchedulingDisabled"
    assert kubectl("run", "web", "--image=nginx:1.27").stdout == "pod/web created\n"
    tracker = kubectl.cluster.tracker
    until(lambda: any(e["reason"] == "FailedScheduling" for e in tracker.list("events", "default")[0]),
          "the FailedScheduling event")
    described = kubectl("describe", "pod", "web").stdout
    assert re.search(r"^Status:\s+Pending$", described, re.M), described
    assert re.search(r"^  PodScheduled\s+False\s*$", described, re.M), described
    assert re.fullmatch(r"  Warning  FailedScheduling  \d+s\s+default-scheduler  0/1 nodes are available: 1 node\(s\) "
                        r"were unschedulable\. preemption: 0/1 nodes are available: 1 Preemption is not helpful for "
                        r"scheduling\.", described.splitlines()[-1]), described
    assert kubectl("uncordon", node).stdout == f"node/{node} uncordoned\n"
    until(lambda: tracker.get("pods", "default", "web")["spec"].get("nodeName") == node, "the pod to be bound")
