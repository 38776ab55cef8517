"""What an AKS user applies first, with the real az and kubectl on one cluster: the AKS store demo
quickstart (a manifest of its shape in tests/fixtures/quickstarts), the
aks-helloworld ingress sample, a kustomize overlay, the imperative ``kubectl create``/``expose``
commands, the read-only views (``get all -A``, events, ``describe``, ``top``), and the invalid
objects kubectl reports with the API server's own words.

The module runs its own ``pullproof up --time-scale 30``; the images the manifests name are loaded
under their real names beforehand (as ``pullproof image load`` does)."""

from __future__ import annotations

import json
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from pullproof.cli.context import open_emulator
from pullproof.registry.loader import read_image, store_image
from tests.conftest import Served
from tests.registry.layouts import oci_layout
from tests.scenarios.images import Kubectl, cluster_kubectl, fast_served, operator_az, pods_in, wait_for

pytestmark = pytest.mark.realclient

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "quickstarts"
GROUP, CLUSTER = "myResourceGroup", "myAKSCluster"
IMAGES = [  # (registry, repository, tag): every image the samples name, busybox as containerd normalises it
    ("mcr.microsoft.com", "mirror/docker/library/rabbitmq", "3.10-management-alpine"),
    ("docker.io", "library/busybox", "latest"),
    ("ghcr.io", "azure-samples/aks-store-demo/order-service", "latest"),
    ("ghcr.io", "azure-samples/aks-store-demo/product-service", "latest"),
    ("ghcr.io", "azure-samples/aks-store-demo/store-front", "latest"),
    ("mcr.microsoft.com", "azuredocs/aks-helloworld", "v1"),
    ("docker.io", "library/nginx", "1.27"),
]


@dataclass(frozen=True)
class World:
    served: Served
    kubectl: Kubectl
    home: Path


def load_images(served: Served, root: Path) -> None:
    """Each image stored at its real name in the data dir of the running server, as ``pullproof image load`` does."""
    emulator = open_emulator(served.data_dir)
    try:
        for registry, repository, tag in IMAGES:
            layout = root / repository.replace("/", "_")
            oci_layout(layout, text=repository)
            profile = emulator.public.profile(registry)  # docker.io is served as registry-1.docker.io
            assert profile is not None, registry
            store_image(read_image(layout), profile.host, repository, tag, emulator.content, emulator.registry_store,
                        emulator.clock)
    finally:
        emulator.close()


@pytest.fixture(scope="module")
def served_fast(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    yield from fast_served(tmp_path_factory, "quickstarts")


@pytest.fixture(scope="module")
def world(served_fast: Served, tmp_path_factory: pytest.TempPathFactory) -> World:
    """``az group create`` + ``az aks create`` + ``az aks get-credentials``, as the quickstart runs them."""
    home = tmp_path_factory.mktemp("quickstart-clients")
    load_images(served_fast, home / "images")
    az = operator_az(served_fast, home / "az")
    az.run("group", "create", "--name", GROUP, "--location", "eastus")
    az.run("aks", "create", "-g", GROUP, "-n", CLUSTER, "--node-count", "1", "--generate-ssh-keys")
    return World(served_fast, cluster_kubectl(az, GROUP, CLUSTER, home / "kube"), home)


def _external_ip(kubectl: Kubectl, service: str, namespace: str = "default") -> str:
    """``kubectl get service --watch`` until a row shows an EXTERNAL-IP; the IP."""
    command = ["kubectl", "--kubeconfig", str(kubectl.kubeconfig), "--cache-dir", str(kubectl.cache), "get",
               "service", service, "-n", namespace, "--watch"]
    with subprocess.Popen(command, env=kubectl.env(), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                          cwd=kubectl.cache.parent) as watching:
        try:
            assert watching.stdout is not None
            header = watching.stdout.readline().split()
            assert header == ["NAME", "TYPE", "CLUSTER-IP", "EXTERNAL-IP", "PORT(S)", "AGE"], header
            for line in watching.stdout:
                row = line.split()
                assert row[:2] == [service, "LoadBalancer"], row
                if row[3] != "<pending>":
                    return row[3]
        finally:
            watching.kill()
    raise AssertionError("the watch ended without an EXTERNAL-IP")


def test_the_aks_store_quickstart_runs(world: World) -> None:
    kubectl = world.kubectl
    applied = kubectl("apply", "-f", str(FIXTURES / "aks-store-quickstart.yaml"))
    assert applied.returncode == 0, applied.stderr
    assert applied.stdout.splitlines() == [
        "statefulset.apps/rabbitmq created", "configmap/rabbitmq-enabled-plugins created", "service/rabbitmq created",
        "deployment.apps/order-service created", "service/order-service created",
        "deployment.apps/product-service created", "service/product-service created",
        "deployment.apps/store-front created", "service/store-front created"]
    pods = pods_in(kubectl, "app in (rabbitmq,order-service,product-service,store-front)", "Running", 4)
    assert "rabbitmq-0" in pods, pods
    ip = _external_ip(kubectl, "store-front")
    assert ip.count(".") == 3, ip
    for name in ("order-service", "product-service", "store-front"):
        rolled = kubectl("rollout", "status", f"deployment/{name}", "--timeout=60s", timeout=90)
        assert rolled.stdout.endswith(f'deployment "{name}" successfully rolled out\n'), rolled
    rolled = kubectl("rollout", "status", "statefulset/rabbitmq", "--timeout=60s", timeout=90)
    assert "partitioned roll out complete: 1 new pods have been updated...\n" in rolled.stdout, rolled
    waited = kubectl("wait", "--for=condition=Available", "deployment", "--all", "--timeout=60s", timeout=90)
    assert sorted(waited.stdout.splitlines()) == [
        "deployment.apps/order-service condition met", "deployment.apps/product-service condition met",
        "deployment.apps/store-front condition met"], waited
    shown = [line.split() for line in kubectl.ok("get", "service", "store-front").splitlines()]
    assert shown[1][:5] == ["store-front", "LoadBalancer", shown[1][2], ip, "80:" + shown[1][4][3:]], shown



def test_the_aks_helloworld_ingress_sample_runs(world: World) -> None:
    kubectl = world.kubectl
    kubectl.ok("create", "namespace", "ingress-basic")
    applied = kubectl("apply", "-n", "ingress-basic", "-f", str(FIXTURES / "aks-helloworld.yaml"))
    assert applied.stdout.splitlines() == [
        "deployment.apps/aks-helloworld-one created", "service/aks-helloworld-one created",
        "deployment.apps/aks-helloworld-two created", "service/aks-helloworld-two created",
        "ingress.networking.k8s.io/hello-world-ingress created",
        "ingress.networking.k8s.io/hello-world-ingress-static created"], applied.stderr
    pods_in(kubectl, "app in (aks-helloworld-one,aks-helloworld-two)", "Running", 2, "ingress-basic")
    waited = kubectl("wait", "-n", "ingress-basic", "--for=condition=Available", "deployment", "--all",
                     "--timeout=60s", timeout=90)
    assert waited.returncode == 0, waited.stderr
    ingresses = [line.split() for line in kubectl.ok("get", "ingress", "-n", "ingress-basic").splitlines()]
    assert ingresses[0] == ["NAME", "CLASS", "HOSTS", "ADDRESS", "PORTS", "AGE"], ingresses
    assert [row[:3] for row in ingresses[1:]] == [["hello-world-ingress", "nginx", "*"],
                                                 ["hello-world-ingress-static", "nginx", "*"]], ingresses
    described = kubectl.ok("describe", "ingress", "hello-world-ingress", "-n", "ingress-basic")
    assert "/hello-world-two(/|$)(.*)   aks-helloworld-two:80 (10." in described, described


KUSTOMIZE = {
    "base/kustomization.yaml": "resources:\n- deployment.yaml\n- service.yaml\n",
    "base/deployment.yaml": ("apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\nspec:\n"
                             "  replicas: 1\n  selector:\n    matchLabels:\n      app: web\n  template:\n"
                             "    metadata:\n      labels:\n        app: web\n    spec:\n      containers:\n"
                             "      - name: web\n        image: nginx\n        envFrom:\n        - configMapRef:\n"
                             "            name: web-settings\n"),
    "base/service.yaml": ("apiVersion: v1\nkind: Service\nmetadata:\n  name: web\nspec:\n  selector:\n"
                          "    app: web\n  ports:\n  - port: 80\n"),
    "prod/kustomization.yaml": ("namespace: shop\nnamePrefix: prod-\ncommonLabels:\n  env: prod\n"
                                "resources:\n- ../base\nimages:\n- name: nginx\n  newTag: \"1.27\"\n"
                                "configMapGenerator:\n- name: web-settings\n  literals:\n  - MODE=prod\n"),
}


def test_kubectl_apply_k_with_a_base_and_an_overlay(world: World) -> None:
    kubectl, root = world.kubectl, world.home / "kustomize"
    for path, text in KUSTOMIZE.items():
        (root / path).parent.mkdir(parents=True, exist_ok=True)
        (root / path).write_text(text)
    kubectl.ok("create", "namespace", "shop")
    applied = kubectl("apply", "-k", str(root / "prod"))
    assert applied.returncode == 0, applied.stderr
    lines = applied.stdout.splitlines()
    assert lines[1:] == ["service/prod-web created", "deployment.apps/prod-web created"], lines
    generated = lines[0].removeprefix("configmap/").removesuffix(" created")
    assert generated.startswith("prod-web-settings-") and len(generated) == len("prod-web-settings-") + 10, lines
    deployment = json.loads(kubectl.ok("get", "deployment", "prod-web", "-n", "shop", "-o", "json"))
    template = deployment["spec"]["template"]
    assert deployment["metadata"]["labels"] == {"env": "prod"}
    assert deployment["spec"]["selector"]["matchLabels"] == {"app": "web", "env": "prod"}
    assert template["spec"]["containers"][0]["image"] == "nginx:1.27"
    assert template["spec"]["containers"][0]["envFrom"] == [{"configMapRef": {"name": generated}}]
    pods_in(kubectl, "env=prod", "Running", 1, "shop")
    data = json.loads(kubectl.ok("get", "configmap", generated, "-n", "shop", "-o", "json"))["data"]
    assert data == {"MODE": "prod"}
    again = kubectl("apply", "-k", str(root / "prod"))
    assert again.stdout.splitlines() == [f"configmap/{generated} unchanged", "service/prod-web unchanged",
                                         "deployment.apps/prod-web unchanged"], again


STATEFULSET = """apiVersion: apps/v1
kind: StatefulSet
metadata:
  name: db
spec:
  serviceName: db
  replicas: 1
  selector:
    matchLabels:
      app: db
  template:
    metadata:
      labels:
        app: db
    spec:
      containers:
      - name: db
        image: nginx:1.27
"""


def test_imperative_commands_and_the_read_only_views(world: World) -> None:
    kubectl = world.kubectl
    kubectl.ok("create", "namespace", "tools")

    def tools(*args: str, stdin: str | None = None) -> str:
        return kubectl.ok("-n", "tools", *args, stdin=stdin)

    assert tools("create", "job", "hello", "--image=busybox", "--", "echo", "hi") == "job.batch/hello created\n"
    assert tools("create", "cronjob", "tick", "--image=busybox", "--schedule=*/5 * * * *", "--",
                 "date") == "cronjob.batch/tick created\n"
    assert tools("create", "deployment", "web", "--image=nginx:1.27") == "deployment.apps/web created\n"
    assert tools("expose", "deployment", "web", "--port=80", "--type=LoadBalancer") == "service/web exposed\n"
    assert tools("apply", "-f", "-", stdin=STATEFULSET) == "statefulset.apps/db created\n"
    wait_for(lambda: "Complete" in tools("get", "job", "hello"), "the job to complete")
    pods_in(kubectl, "app in (web,db)", "Running", 2, "tools")
    everything = kubectl.ok("get", "all", "-A")
    rows = {tuple(line.split()[:2]) for line in everything.splitlines()}
    for kind_name in ("deployment.apps/web", "statefulset.apps/db", "cronjob.batch/tick", "job.batch/hello",
                      "service/web", "pod/db-0"):
        assert ("tools", kind_name) in rows, everything
    assert ("kube-system", "daemonset.apps/kube-proxy") in rows and ("kube-system", "service/kube-dns") in rows
    assert "NAME                 SCHEDULE      TIMEZONE   SUSPEND   ACTIVE" in everything, everything
    events = kubectl("get", "events", "-A", "--sort-by=.lastTimestamp")
    assert events.returncode == 0 and events.stdout.split("\n")[0].split() == [
        "NAMESPACE", "LAST", "SEEN", "TYPE", "REASON", "OBJECT", "MESSAGE"], events
    assert "job/hello" in events.stdout and "Job completed" in events.stdout, events.stdout
    described = {kind: kubectl.ok("describe", *args) for kind, args in {
        "service": ("service", "web", "-n", "tools"), "statefulset": ("statefulset", "db", "-n", "tools"),
        "daemonset": ("daemonset", "kube-proxy", "-n", "kube-system"), "job": ("job", "hello", "-n", "tools"),
        "node": ("node",)}.items()}
    assert "Type:                     LoadBalancer" in described["service"]
    assert "LoadBalancer Ingress:     " in described["service"] and " (VIP)\n" in described["service"]
    assert "Pods Status:        1 Running / 0 Waiting / 0 Succeeded / 0 Failed" in described["statefulset"]
    assert "create Pod db-0 in StatefulSet db successful" in described["statefulset"]
    assert "Number of Nodes Scheduled with Available Pods: 1" in described["daemonset"]
    assert "Pods Statuses:    0 Active (0 Ready) / 1 Succeeded / 0 Failed" in described["job"]
    assert "Kubelet Version:            v1.32" in described["node"] and "Non-terminated Pods:" in described["node"]
    assert "  tools                       db-0     " in described["node"], described["node"]


def test_kubectl_top_fails_plainly_without_the_metrics_api(world: World) -> None:
    """AKS runs metrics-server (its pods are here), but pullproof serves no metrics.k8s.io: kubectl says
    so at once, as it does on a cluster whose metrics API is not registered."""
    for args in (("top", "node"), ("top", "pod", "-A")):
        result = world.kubectl(*args, timeout=20)
        assert (result.returncode, result.stdout, result.stderr) == (1, "", "error: Metrics API not available\n")


INVALID = [  # (resource, name, manifest, the message kubectl prints)
    ("services", "noports", "apiVersion: v1\nkind: Service\nmetadata:\n  name: noports\nspec:\n  selector:\n"
     "    app: web\n", 'The Service "noports" is invalid: spec.ports: Required value\n'),
    ("cronjobs.batch", "badschedule", "apiVersion: batch/v1\nkind: CronJob\nmetadata:\n  name: badschedule\nspec:\n"
     "  schedule: every minute\n  jobTemplate:\n    spec:\n      template:\n        spec:\n"
     "          restartPolicy: OnFailure\n          containers:\n          - name: c\n            image: busybox\n",
     'The CronJob "badschedule" is invalid: spec.schedule: Invalid value: "every minute": expected exactly 5 '
     "fields, found 2: [every minute]\n"),
    ("deployments.apps", "mismatch", "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: mismatch\nspec:\n"
     "  selector:\n    matchLabels:\n      app: web\n  template:\n    metadata:\n      labels:\n        app: api\n"
     "    spec:\n      containers:\n      - name: c\n        image: nginx:1.27\n",
     'The Deployment "mismatch" is invalid: spec.template.metadata.labels: Invalid value: '
     'map[string]string{"app":"api"}: `selector` does not match template `labels`\n'),
    ("jobs.batch", "always", "apiVersion: batch/v1\nkind: Job\nmetadata:\n  name: always\nspec:\n  template:\n"
     "    spec:\n      restartPolicy: Always\n      containers:\n      - name: c\n        image: busybox\n",
     'The Job "always" is invalid: spec.template.spec.restartPolicy: Required value: valid values: "OnFailure", '
     '"Never"\n'),
]


@pytest.mark.parametrize(("kind", "name", "manifest", "message"), INVALID, ids=[case[1] for case in INVALID])
def test_an_invalid_object_is_refused_with_the_api_servers_words(world: World, kind: str, name: str, manifest: str,
                                                                 message: str) -> None:
    refused = world.kubectl.apply(manifest)
    assert (refused.returncode, refused.stdout, refused.stderr) == (1, "", message)
    missing = world.kubectl("get", kind, name)
    assert (missing.returncode, missing.stderr) == (1, f'Error from server (NotFound): {kind} "{name}" not found\n')
