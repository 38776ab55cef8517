"""The objects every AKS cluster has from the start besides namespaces: the ``kubernetes`` Service
(10.0.0.1) with its Endpoints and EndpointSlice pointing at the API server's public address, the
``kube-dns`` Service (10.0.0.10), and AKS's built-in StorageClasses."""

from __future__ import annotations

import hashlib
import ipaddress
from typing import Any

from pullproof.core.errors import ServiceError
from pullproof.kube import errors
from pullproof.kube.apiserver.kinds.core import default_service
from pullproof.kube.storage.tracker import Tracker

Obj = dict[str, Any]
ADDON = {"addonmanager.kubernetes.io/mode": "EnsureExists", "kubernetes.io/cluster-service": "true"}
DISK, FILE = "disk.csi.azure.com", "file.csi.azure.com"
FILE_MOUNTS = ["mfsymlinks", "actimeo=30", "nosharesock"]
CLASSES: tuple[tuple[str, str, dict[str, str]], ...] = (
    ("azurefile", FILE, {"skuName": "Standard_LRS"}),
    ("azurefile-csi", FILE, {"skuName": "Standard_LRS"}),
    ("azurefile-csi-premium", FILE, {"skuName": "Premium_LRS"}),
    ("azurefile-premium", FILE, {"skuName": "Premium_LRS"}),
    ("default", DISK, {"skuname": "StandardSSD_LRS"}),
    ("managed", DISK, {"kind": "Managed", "cachingmode": "ReadOnly", "skuname": "StandardSSD_LRS"}),
    ("managed-csi", DISK, {"skuname": "StandardSSD_LRS"}),
    ("managed-csi-premium", DISK, {"skuname": "Premium_LRS"}),
    ("managed-premium", DISK, {"kind": "Managed", "cachingmode": "ReadOnly", "skuname": "Premium_LRS"}),
)


def api_server_ip(cluster: str) -> str:
    """The public address the ``kubernetes`` Endpoints name (AKS's API server is reached through a public
    IP): stable per cluster, in 20.0.0.0/8 as the load balancers' addresses."""
    digest = int.from_bytes(hashlib.sha256(f"apiserver/{cluster}".encode()).digest()[:4], "big")
    return str(ipaddress.ip_address(int(ipaddress.ip_address("20.0.0.1")) + digest % (2**24 - 2)))


def _create(tracker: Tracker, resource: str, namespace: str, obj: Obj) -> None:
    if tracker.find(resource, namespace, obj["metadata"]["name"]) is not None:
        return
    try:
        tracker.create(resource, namespace, obj)
    except ServiceError as exc:
        if exc.code is not errors.ALREADY_EXISTS:
            raise


def _service(namespace: str, name: str, ip: str, ports: list[Obj], labels: dict[str, str],
             selector: dict[str, str] | None) -> Obj:
    body: Obj = {"apiVersion": "v1", "kind": "Service", "metadata": {"name": name, "namespace": namespace,
                                                                     "labels": labels},
                 "spec": {"clusterIP": ip, "ports": ports, **({"selector": selector} if selector else {})},
                 "status": {"loadBalancer": {}}}
    default_service(body)
    return body


def _storage_class(name: str, driver: str, params: dict[str, str]) -> Obj:
    meta: Obj = {"name": name, "labels": dict(ADDON)}
    if name == "default":
        meta["annotations"] = {"storageclass.kubernetes.io/is-default-class": "true"}
    body: Obj = {"apiVersion": "storage.k8s.io/v1", "kind": "StorageClass", "metadata": meta, "provisioner": driver,
                 "parameters": params, "reclaimPolicy": "Delete", "allowVolumeExpansion": True,
                 "volumeBindingMode": "WaitForFirstConsumer" if driver == DISK else "Immediate"}
    if driver == FILE:
        body["mountOptions"] = [*FILE_MOUNTS, "file_mode=0777", "dir_mode=0777", "uid=0", "gid=0"]
    return body


def ensure_objects(tracker: Tracker) -> None:
    https = [{"name": "https", "port": 443, "protocol": "TCP", "targetPort": 443}]
    _create(tracker, "services", "default", _service(
        "default", "kubernetes", "10.0.0.1", https, {"component": "apiserver", "provider": "kubernetes"}, None))
    address = api_server_ip(tracker.cluster)
    _create(tracker, "endpoints", "default", {
        "apiVersion": "v1", "kind": "Endpoints", "metadata": {"name": "kubernetes", "namespace": "default",
                                                              "labels": {"endpointslice.kubernetes.io/skip-mirror":
                                                                         "true"}},
        "subsets": [{"addresses": [{"ip": address}], "ports": [{"name": "https", "port": 443, "protocol": "TCP"}]}]})
    _create(tracker, "endpointslices.discovery.k8s.io", "default", {
        "apiVersion": "discovery.k8s.io/v1", "kind": "EndpointSlice",
        "metadata": {"name": "kubernetes", "namespace": "default", "labels": {"kubernetes.io/service-name":
                                                                              "kubernetes"}},
        "addressType": "IPv4", "endpoints": [{"addresses": [address], "conditions": {"ready": True}}],
        "ports": [{"name": "https", "port": 443, "protocol": "TCP"}]})
    dns = [{"name": "dns", "port": 53, "protocol": "UDP", "targetPort": 53},
           {"name": "dns-tcp", "port": 53, "protocol": "TCP", "targetPort": 53}]
    _create(tracker, "services", "kube-system", _service(
        "kube-system", "kube-dns", "10.0.0.10", dns, {**ADDON, "k8s-app": "kube-dns", "kubernetes.io/name": "CoreDNS"},
        {"k8s-app": "kube-dns"}))
    for name, driver, params in CLASSES:
        _create(tracker, "storageclasses.storage.k8s.io", "", _storage_class(name, driver, params))
