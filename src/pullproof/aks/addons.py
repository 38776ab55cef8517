"""The system components AKS runs in ``kube-system`` (``addons.json``): the Deployments (coredns,
coredns-autoscaler, metrics-server, konnectivity-agent), the DaemonSets (kube-proxy, azure-ip-masq-agent,
cloud-node-manager, the Azure Disk and Azure File CSI node plugins, azure-cns with Azure CNI overlay), their
ServiceAccounts and the ``kube-dns`` Service, with AKS's labels, priority classes, tolerations, node
affinity and resource requests. Images are the mcr.microsoft.com ones of the cluster's Kubernetes minor
version; when that version changes, the pod templates move to the new images (the controllers roll them)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from pullproof.kube.apiserver import defaults
from pullproof.kube.storage.tracker import Tracker

DATA: dict[str, Any] = json.loads(Path(__file__).with_name("addons.json").read_text())
NAMESPACE = "kube-system"
MANAGED = {"addonmanager.kubernetes.io/mode": "Reconcile", "kubernetes.azure.com/managedby": "aks"}
CRITICAL = {"key": "CriticalAddonsOnly", "operator": "Exists"}
Obj = dict[str, Any]


def minor(version: str) -> str:
    """The table's minor version for ``version`` (``1.32.4`` -> ``1.32``); a minor it lacks: the newest one."""
    wanted = ".".join(version.split(".")[:2])
    return wanted if wanted in DATA["versions"] else max(DATA["versions"], key=lambda v: tuple(map(int, v.split("."))))


def images(version: str) -> dict[str, str]:
    """Each component's image reference for the cluster's Kubernetes version."""
    table = {**DATA["common"], **DATA["versions"][minor(version)]}
    return {key: f"{DATA['mcr']}/{repository}" for key, repository in table.items()}


def _container(spec: Obj, refs: dict[str, str], props: Obj) -> Obj:
    pod_cidr = str((props.get("networkProfile") or {}).get("podCidr") or "10.244.0.0/16")
    container: Obj = {"name": spec["name"], "image": refs[spec["image"]],
                      "resources": {"requests": spec["requests"], **({"limits": spec["limits"]}
                                                                    if spec.get("limits") else {})}}
    if spec.get("command"):
        container["command"] = list(spec["command"])
    if spec.get("args"):
        container["args"] = [a.replace("{podCidr}", pod_cidr) for a in spec["args"]]
    if spec.get("ports"):
        container["ports"] = [{"containerPort": p, "name": n, "protocol": proto} for p, n, proto in spec["ports"]]
    if spec.get("privileged"):
        container["securityContext"] = {"privileged": True}
    return container


def _affinity(daemon: bool) -> Obj:
    required = [{"key": "kubernetes.azure.com/cluster", "operator": "Exists"},
                {"key": "type", "operator": "NotIn", "values": ["virtual-kubelet"]},
                {"key": "kubernetes.io/os", "operator": "In", "values": ["linux"]}]
    node: Obj = {"requiredDuringSchedulingIgnoredDuringExecution": {"nodeSelectorTerms": [
        {"matchExpressions": required}]}}
    if not daemon:
        node["preferredDuringSchedulingIgnoredDuringExecution"] = [{"weight": 100, "preference": {
            "matchExpressions": [{"key": "kubernetes.azure.com/mode", "operator": "In", "values": ["system"]}]}}]
    return {"nodeAffinity": node}


def _template(spec: Obj, refs: dict[str, str], props: Obj, daemon: bool) -> Obj:
    labels = {"k8s-app": spec["app"], "kubernetes.azure.com/managedby": "aks",
              **({"component": spec["component"]} if spec.get("component") else {})}
    pod: Obj = {"priorityClassName": spec["priority"], "serviceAccountName": spec["name"],
                "nodeSelector": {"kubernetes.io/os": "linux"}, "affinity": _affinity(daemon),
                "tolerations": [CRITICAL, {"operator": "Exists", "effect": "NoExecute"},
                                {"operator": "Exists", "effect": "NoSchedule"}] if daemon else
                [CRITICAL, {"key": "node-role.kubernetes.io/master", "operator": "Equal", "value": "true",
                            "effect": "NoSchedule"}],
                "containers": [_container(c, refs, props) for c in spec["containers"]]}
    if spec.get("init"):
        pod["initContainers"] = [_container(c, refs, props) for c in spec["init"]]
    if spec.get("hostNetwork"):
        pod["hostNetwork"] = True
    defaults.pod_spec(pod)
    return {"metadata": {"creationTimestamp": None, "labels": labels}, "spec": pod}


def _meta(name: str, app: str) -> Obj:
    return {"name": name, "namespace": NAMESPACE, "labels": {"k8s-app": app, **MANAGED}}


def deployment(spec: Obj, refs: dict[str, str], props: Obj) -> Obj:
    body: Obj = {"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {**_meta(spec["name"], spec["app"]),
                                                                             "generation": 1},
                 "spec": {"replicas": spec["replicas"], "selector": {"matchLabels": {"k8s-app": spec["app"]}},
                          "strategy": {"type": "RollingUpdate",
                                       "rollingUpdate": {"maxUnavailable": 1, "maxSurge": "25%"}},
                          "template": _template(spec, refs, props, daemon=False)}}
    defaults.deployment(body)
    return body


def daemonset(spec: Obj, refs: dict[str, str], props: Obj) -> Obj:
    return {"apiVersion": "apps/v1", "kind": "DaemonSet", "metadata": {**_meta(spec["name"], spec["app"]),
                                                                       "generation": 1},
            "spec": {"selector": {"matchLabels": {"k8s-app": spec["app"]}}, "revisionHistoryLimit": 10,
                     "updateStrategy": {"type": "RollingUpdate",
                                        "rollingUpdate": {"maxUnavailable": "10%", "maxSurge": 0}},
                     "template": _template(spec, refs, props, daemon=True)},
            "status": {"currentNumberScheduled": 0, "numberMisscheduled": 0, "desiredNumberScheduled": 0,
                       "numberReady": 0}}


def kube_dns(props: Obj) -> Obj:
    address = str((props.get("networkProfile") or {}).get("dnsServiceIP") or "10.0.0.10")
    return {"apiVersion": "v1", "kind": "Service",
            "metadata": {**_meta("kube-dns", "kube-dns"), "labels": {
                "k8s-app": "kube-dns", "kubernetes.io/cluster-service": "true", "kubernetes.io/name": "CoreDNS",
                **MANAGED}},
            "spec": {"selector": {"k8s-app": "kube-dns"}, "clusterIP": address, "clusterIPs": [address],
                     "type": "ClusterIP", "sessionAffinity": "None", "ipFamilies": ["IPv4"],
                     "ipFamilyPolicy": "SingleStack", "internalTrafficPolicy": "Cluster",
                     "ports": [{"name": "dns", "port": 53, "protocol": "UDP", "targetPort": 53},
                               {"name": "dns-tcp", "port": 53, "protocol": "TCP", "targetPort": 53}]},
            "status": {"loadBalancer": {}}}


def overlay(props: Obj) -> bool:
    network = props.get("networkProfile") or {}
    return bool(network.get("networkPlugin") == "azure" and network.get("networkPluginMode") == "overlay")


def workloads(props: Obj) -> list[tuple[str, Obj]]:
    """Every object AKS puts in kube-system for a cluster with these properties, as (resource, body)."""
    refs = images(str(props.get("currentKubernetesVersion") or props.get("kubernetesVersion") or ""))
    sets = [s for s in DATA["daemonsets"] if s.get("when") != "overlay" or overlay(props)]
    accounts = [{"apiVersion": "v1", "kind": "ServiceAccount", "metadata": _meta(s["name"], s["app"])}
                for s in [*DATA["deployments"], *sets]]
    return [*(("serviceaccounts", a) for a in accounts),
            *(("deployments.apps", deployment(s, refs, props)) for s in DATA["deployments"]),
            *(("daemonsets.apps", daemonset(s, refs, props)) for s in sets), ("services", kube_dns(props))]


def sync(tracker: Tracker, props: Obj) -> None:
    """Create what is missing; move an existing workload's pod template to the version's images (a new
    generation, so its controller rolls it). Everything else a user changed is left as it is."""
    for resource, body in workloads(props):
        current = tracker.find(resource, NAMESPACE, body["metadata"]["name"])
        if current is None:
            tracker.create(resource, NAMESPACE, body)
        elif resource in ("deployments.apps", "daemonsets.apps") and _moved(current, body):
            tracker.update(resource, NAMESPACE, current, check_version=False)


def _moved(current: Obj, body: Obj) -> bool:
    """Point the current template's containers at ``body``'s images; True if any image changed."""
    wanted = {(kind, c["name"]): c["image"] for kind in ("containers", "initContainers")
              for c in body["spec"]["template"]["spec"].get(kind) or []}
    changed = False
    for kind in ("containers", "initContainers"):
        for container in current["spec"]["template"]["spec"].get(kind) or []:
            image = wanted.get((kind, container["name"]))
            if image and container.get("image") != image:
                container["image"], changed = image, True
    if changed:
        current["metadata"]["generation"] = int(current["metadata"].get("generation") or 1) + 1
    return changed
