"""The seed incident, step by step: registry and managed-identity cluster, an image pushed, two
replicas stuck in ImagePullBackOff with ACR's real 401, the explanation, the seed's fix (the AcrPull
role assignment of aks-acr-role.bicep), and the pods Running."""

from __future__ import annotations

import base64
import time
from collections.abc import Callable
from typing import Any

import yaml
from rich.console import Console
from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

from pullproof.demo.client import DemoClient, Kube
from pullproof.demo.server import DemoServer
from pullproof.demo.views import pod_status, pod_table, rollout_line
from pullproof.explain.engine import Explainer
from pullproof.explain.facts import cluster_facts, pod_facts
from pullproof.explain.render import render
from pullproof.iac.names import arm_guid
from pullproof.rbac.builtin import ACR_PULL

GROUP, ACR, CLUSTER, LOCATION = "rg-wiz-exercise-a", "acrwizdev", "aks-wiz-dev", "japaneast"
TAG = "8edd399546e2808cc356e1fd28af9f4fbdaf2d3d"
IMAGE = f"{ACR}.azurecr.io/guestbook:{TAG}"


class Story:
    def __init__(self, server: DemoServer, console: Console) -> None:
        self.state = server.state
        self.console = console
        self.client = DemoClient(server.operator, server.proxy, server.ca_path)
        self.kube: Kube | None = None
        self.failures: list[str] = []

    def step(self, title: str) -> None:
        self.console.rule(f"[bold]{title}", align="left", style="blue")

    def ok(self, text: str) -> None:
        self.console.print(f"  [green]✔[/green] {text}")

    def wait(self, label: str, done: Callable[[], bool], limit: float = 60.0) -> bool:
        with Progress(SpinnerColumn(), TextColumn("{task.description}"), TimeElapsedColumn(),
                      console=self.console, transient=True) as progress:
            progress.add_task(label)
            deadline = time.monotonic() + limit
            while time.monotonic() < deadline:
                if done():
                    return True
                time.sleep(0.2)
        self.failures.append(label)
        return False

    def infrastructure(self) -> dict[str, Any]:
        self.step("1. Infrastructure: the ACR and AKS modules, deployed separately (no role assignment)")
        c = self.client
        c.arm("PUT", f"{c.sub}/resourcegroups/{GROUP}", "2024-11-01", {"location": LOCATION})
        self.ok(f"az group create -n {GROUP} -l {LOCATION}")
        registry = c.arm("PUT", f"{c.sub}/resourceGroups/{GROUP}/providers/Microsoft.ContainerRegistry/registries/"
                         f"{ACR}", "2025-11-01", {"location": LOCATION, "sku": {"name": "Standard"}})
        self.ok(f"az acr create -n {ACR} --sku Standard  → {registry['properties']['loginServer']}")
        cluster = c.arm("PUT", f"{c.sub}/resourceGroups/{GROUP}/providers/Microsoft.ContainerService/managedClusters/"
                        f"{CLUSTER}", "2026-06-01", {"location": LOCATION, "identity": {"type": "SystemAssigned"},
                                                     "properties": {"dnsPrefix": CLUSTER, "agentPoolProfiles": [
                                                         {"name": "nodepool1", "count": 2, "mode": "System"}]}})
        kubelet = cluster["properties"]["identityProfile"]["kubeletidentity"]
        self.ok(f"az aks create -n {CLUSTER} --enable-managed-identity  → kubelet identity {CLUSTER}-agentpool "
                f"({kubelet['objectId']})")
        return {"registry": registry, "cluster": cluster}

    def application(self, cluster: dict[str, Any]) -> None:
        self.step("2. Application: push the image, apply the Deployment (2 replicas)")
        digest = self.client.push(f"{ACR}.azurecr.io", "guestbook", TAG)
        self.ok(f"docker push {IMAGE}  ({digest[:19]}…)")
        credentials = self.client.arm("POST", f"{cluster['id']}/listClusterUserCredential", "2026-06-01")
        config = yaml.safe_load(base64.b64decode(credentials["kubeconfigs"][0]["value"]))
        host = config["clusters"][0]["cluster"]["server"].split("//")[1].split(":")[0]
        self.kube = Kube(self.client.http, host, config["users"][0]["user"]["token"])
        self.ok(f"az aks get-credentials -n {CLUSTER}  → {host}")
        self.kube.post("/apis/apps/v1/namespaces/default/deployments", deployment())
        self.ok("kubectl apply -f deployment.yaml  → deployment.apps/guestbook-app created")

    def pods(self) -> list[dict[str, Any]]:
        assert self.kube is not None
        return list(self.kube.get("/api/v1/namespaces/default/pods", labelSelector="app=guestbook")["items"])

    def stuck(self) -> None:
        self.step("3. The incident: ImagePullBackOff with 401 Unauthorized")
        self.wait("waiting for the kubelets to pull…", lambda: len(self.pods()) == 2 and all(
            pod_status(p) == "ImagePullBackOff" for p in self.pods()))
        self.console.print(pod_table(self.pods(), self.state.now()))
        assert self.kube is not None
        name = self.pods()[0]["metadata"]["name"]
        events = self.kube.get("/api/v1/namespaces/default/events", fieldSelector=f"involvedObject.name={name}")
        failed = next((e["message"] for e in events["items"] if e["message"].startswith("Failed to pull")), "")
        self.console.print(f"\n  [bold]Warning  Failed[/bold]  kubelet  {failed}\n", soft_wrap=True)
        if "401 Unauthorized" not in failed:
            self.failures.append("the 401 event")
        _, line = rollout_line(self.kube.get("/apis/apps/v1/namespaces/default/deployments/guestbook-app"))
        self.console.print(f"  $ kubectl rollout status deployment/guestbook-app\n  {line}")

    def explain(self, cluster: dict[str, Any]) -> str:
        self.step("4. pullproof explain pod")
        facts = cluster_facts(self.state, cluster["id"])
        assert facts is not None
        pod = self.pods()[0]["metadata"]["name"]
        finding = Explainer(self.state).pod(pod_facts(self.state, facts, "default", pod))
        render(finding, self.console)
        if finding.code.code != "KUBELET_IDENTITY_NO_ACRPULL":
            self.failures.append(f"explanation ({finding.code.code})")
        return str(facts.kubelet_principal)

    def fix(self, registry: dict[str, Any], principal: str) -> None:
        self.step("5. The fix: aks-acr-role.bicep (AcrPull for the kubelet identity), then recreate the pods")
        name = arm_guid(registry["id"], principal, "AcrPull")
        self.client.arm("PUT", f"{registry['id']}/providers/Microsoft.Authorization/roleAssignments/{name}",
                        "2022-04-01", {"properties": {
                            "roleDefinitionId": f"{self.client.sub}/providers/Microsoft.Authorization/roleDefinitions/"
                                                f"{ACR_PULL}", "principalId": principal,
                            "principalType": "ServicePrincipal"}})
        self.ok(f"roleAssignments/{name}  (guid(acr.id, kubeletIdentityPrincipalId, 'AcrPull'))")
        assert self.kube is not None
        for pod in self.pods():
            self.kube.delete(f"/api/v1/namespaces/default/pods/{pod['metadata']['name']}")
        self.ok("kubectl delete pods -n default -l app=guestbook")

    def running(self) -> None:
        self.step("6. Running")
        assert self.kube is not None
        kube = self.kube
        self.wait("waiting for the new pods…", lambda: len(self.pods()) == 2 and all(
            pod_status(p) == "Running" for p in self.pods()))
        self.console.print(pod_table(self.pods(), self.state.now()))
        self.wait("waiting for the rollout…", lambda: rollout_line(
            kube.get("/apis/apps/v1/namespaces/default/deployments/guestbook-app"))[0])
        done, line = rollout_line(kube.get("/apis/apps/v1/namespaces/default/deployments/guestbook-app"))
        self.console.print(f"  $ kubectl rollout status deployment/guestbook-app\n  {line}")
        if not done:
            self.failures.append("rollout")

    def run(self) -> bool:
        made = self.infrastructure()
        self.application(made["cluster"])
        self.stuck()
        principal = self.explain(made["cluster"])
        self.fix(made["registry"], principal)
        self.running()
        return not self.failures


def deployment() -> dict[str, Any]:
    return {"apiVersion": "apps/v1", "kind": "Deployment",
            "metadata": {"name": "guestbook-app", "namespace": "default", "labels": {"app": "guestbook"}},
            "spec": {"replicas": 2, "selector": {"matchLabels": {"app": "guestbook"}},
                     "template": {"metadata": {"labels": {"app": "guestbook"}},
                                  "spec": {"containers": [{"name": "guestbook", "image": IMAGE,
                                                           "ports": [{"containerPort": 80}]}]}}}}
