"""The endpoints controller (``pkg/controller/endpoint``): for each Service with a selector, an Endpoints
object of the same name whose subsets hold the selected pods' addresses (Ready ones in ``addresses``,
the others in ``notReadyAddresses``) and the Service's ports with named target ports resolved per pod."""

from __future__ import annotations

from typing import Any

from pullproof.core.clock import Clock
from pullproof.kube.apiserver.selectors import selector_matches
from pullproof.kube.controllers.replicasets import pod_ready
from pullproof.kube.storage.tracker import Tracker

Obj = dict[str, Any]
HEADLESS = "service.kubernetes.io/headless"


def selected_pods(tracker: Tracker, service: Obj) -> list[Obj]:
    """Pods the Service's selector picks that have an IP and are not finished, by name."""
    selector = (service.get("spec") or {}).get("selector") or {}
    namespace = service["metadata"]["namespace"]
    pods = [p for p in tracker.scan("pods", namespace)
            if selector_matches({"matchLabels": selector}, (p["metadata"].get("labels") or {}))
            and (p.get("status") or {}).get("podIP")
            and (p.get("status") or {}).get("phase") not in ("Succeeded", "Failed")]
    return sorted(pods, key=lambda p: str(p["metadata"]["name"]))


def target_port(pod: Obj, port: Obj) -> int | None:
    """``podutil.FindPort``: a number as is, a name from the pod's container ports (same protocol)."""
    target = port.get("targetPort", port.get("port"))
    if isinstance(target, int):
        return target
    for container in (pod.get("spec") or {}).get("containers") or []:
        for declared in container.get("ports") or []:
            if declared.get("name") == target and declared.get("protocol", "TCP") == port.get("protocol", "TCP"):
                return int(declared["containerPort"])
    return None


def resolved_ports(pod: Obj, service: Obj) -> list[Obj] | None:
    ports = []
    for port in (service.get("spec") or {}).get("ports") or []:
        number = target_port(pod, port)
        if number is None:
            return None
        ports.append({k: v for k, v in (("name", port.get("name")), ("port", number),
                                         ("protocol", port.get("protocol", "TCP"))) if v is not None})
    return ports


def pod_ref(pod: Obj) -> Obj:
    meta = pod["metadata"]
    return {"kind": "Pod", "namespace": meta["namespace"], "name": meta["name"], "uid": meta.get("uid")}


def managed(service: Obj) -> bool:
    spec = service.get("spec") or {}
    return bool(spec.get("selector")) and spec.get("type") != "ExternalName"


class EndpointsController:
    def __init__(self, tracker: Tracker, clock: Clock) -> None:
        self.tracker = tracker
        self.clock = clock

    def reconcile(self) -> None:
        for service in self.tracker.scan("services"):
            if managed(service):
                self._sync(service)

    def _subsets(self, service: Obj) -> list[Obj]:
        groups: dict[str, Obj] = {}
        publish = bool((service.get("spec") or {}).get("publishNotReadyAddresses"))
        for pod in selected_pods(self.tracker, service):
            ports = resolved_ports(pod, service)
            if ports is None:
                continue
            address = {"ip": pod["status"]["podIP"], "targetRef": pod_ref(pod)}
            if pod["spec"].get("nodeName"):
                address["nodeName"] = pod["spec"]["nodeName"]
            subset = groups.setdefault(repr(ports), {"ports": ports} if ports else {})
            bucket = "addresses" if publish or pod_ready(pod) else "notReadyAddresses"
            subset.setdefault(bucket, []).append(address)
        for subset in groups.values():
            for bucket in ("addresses", "notReadyAddresses"):
                if bucket in subset:
                    subset[bucket].sort(key=lambda a: a["ip"])
        return [groups[k] for k in sorted(groups)]

    def _sync(self, service: Obj) -> None:
        meta = service["metadata"]
        labels = dict(meta.get("labels") or {})
        if (service.get("spec") or {}).get("clusterIP") == "None":
            labels[HEADLESS] = ""
        subsets = self._subsets(service)
        current = self.tracker.find("endpoints", meta["namespace"], meta["name"])
        if current is None:
            body: Obj = {"apiVersion": "v1", "kind": "Endpoints",
                         "metadata": {"name": meta["name"], "namespace": meta["namespace"], **(
                             {"labels": labels} if labels else {})}}
            if subsets:
                body["subsets"] = subsets
            self.tracker.create("endpoints", meta["namespace"], body)
            return
        if (current.get("subsets") or []) == subsets and (current["metadata"].get("labels") or {}) == labels:
            return
        current["subsets"] = subsets
        if not subsets:
            current.pop("subsets")
        current["metadata"]["labels"] = labels
        self.tracker.update("endpoints", meta["namespace"], current, check_version=False)
