"""The EndpointSlice controller (``pkg/controller/endpointslice``): for each Service with a selector,
slices labelled ``kubernetes.io/service-name`` and managed by ``endpointslice-controller.k8s.io``, at most
100 endpoints each, with ready/serving/terminating conditions, nodeName, zone and targetRef."""

from __future__ import annotations

from typing import Any

from pullproof.core.clock import Clock
from pullproof.core.ids import IdFactory
from pullproof.kube.apiserver.admission import generated_name
from pullproof.kube.controllers.endpoints import managed, pod_ref, resolved_ports, selected_pods
from pullproof.kube.controllers.replicasets import owner_ref, pod_ready
from pullproof.kube.storage.tracker import Tracker, clone

Obj = dict[str, Any]
SLICES = "endpointslices.discovery.k8s.io"
SERVICE_NAME = "kubernetes.io/service-name"
MANAGED_BY = "endpointslice.kubernetes.io/managed-by"
CONTROLLER = "endpointslice-controller.k8s.io"
MAX_ENDPOINTS = 100  # --max-endpoints-per-slice default


class EndpointSliceController:
    def __init__(self, tracker: Tracker, clock: Clock, ids: IdFactory) -> None:
        self.tracker = tracker
        self.clock = clock
        self.ids = ids

    def reconcile(self) -> None:
        for service in self.tracker.scan("services"):
            if managed(service):
                self._sync(service)

    def _endpoints(self, service: Obj) -> tuple[list[Obj], list[Obj]]:
        ports: list[Obj] | None = None
        endpoints = []
        zones = {n["metadata"]["name"]: (n["metadata"].get("labels") or {}).get("topology.kubernetes.io/zone")
                 for n in self.tracker.scan("nodes")}
        for pod in selected_pods(self.tracker, service):
            resolved = resolved_ports(pod, service)
            if resolved is None:
                continue
            ports = [{"name": "", **p} for p in resolved] if ports is None else ports  # name always set
            terminating = bool(pod["metadata"].get("deletionTimestamp"))
            ready = pod_ready(pod)
            endpoint: Obj = {"addresses": [pod["status"]["podIP"]],
                             "conditions": {"ready": ready and not terminating, "serving": ready,
                                            "terminating": terminating},
                             "targetRef": pod_ref(pod)}
            node = pod["spec"].get("nodeName")
            if node:
                endpoint["nodeName"] = node
                if zones.get(node):
                    endpoint["zone"] = zones[node]
            endpoints.append(endpoint)
        return endpoints, ports if ports is not None else []

    def _sync(self, service: Obj) -> None:
        meta = service["metadata"]
        namespace = meta["namespace"]
        endpoints, ports = self._endpoints(service)
        chunks = [endpoints[i:i + MAX_ENDPOINTS] for i in range(0, len(endpoints), MAX_ENDPOINTS)] or [[]]
        owned = sorted((s for s in self.tracker.scan(SLICES, namespace)
                        if (s["metadata"].get("labels") or {}).get(SERVICE_NAME) == meta["name"]
                        and (s["metadata"].get("labels") or {}).get(MANAGED_BY) == CONTROLLER),
                       key=lambda s: str(s["metadata"]["name"]))
        labels = {**(meta.get("labels") or {}), SERVICE_NAME: meta["name"], MANAGED_BY: CONTROLLER}
        if (service.get("spec") or {}).get("clusterIP") == "None":
            labels["service.kubernetes.io/headless"] = ""
        for index, chunk in enumerate(chunks):
            wanted = {"addressType": "IPv4", "endpoints": chunk, "ports": ports}
            if index < len(owned):
                current = clone(owned[index])  # a scanned object is the stored one: edit a copy
                if all(current.get(k) == v for k, v in wanted.items()) and current["metadata"].get("labels") == labels:
                    continue
                current.update(wanted)
                current["metadata"]["labels"] = labels
                self.tracker.update(SLICES, namespace, current, check_version=False)
            else:
                self._create(service, labels, wanted)
        for extra in owned[len(chunks):]:
            self.tracker.delete(SLICES, namespace, extra["metadata"]["name"])

    def _create(self, service: Obj, labels: dict[str, str], wanted: Obj) -> None:
        meta = service["metadata"]
        while True:  # a generated name already taken is drawn again, as the API server's generateName retry
            name = generated_name(self.ids, f"{meta['name']}-")
            if self.tracker.find(SLICES, meta["namespace"], name) is None:
                break
        self.tracker.create(SLICES, meta["namespace"], {
            "apiVersion": "discovery.k8s.io/v1", "kind": "EndpointSlice",
            "metadata": {"name": name, "generateName": f"{meta['name']}-", "namespace": meta["namespace"],
                         "labels": labels, "ownerReferences": [owner_ref(service, "Service", "v1")]},
            **wanted})
