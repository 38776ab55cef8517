"""Table printers of Service, Endpoints, PersistentVolumeClaim, PersistentVolume, ResourceQuota and
LimitRange, as ``pkg/printers/internalversion/printers.go`` (1.32) prints them."""

from __future__ import annotations

from typing import Any

from pullproof.kube.apiserver.printing.durations import Ages
from pullproof.kube.apiserver.printing.printers import AGE, NAME, Column, Printer

Obj = dict[str, Any]
MODES = (("ReadWriteOnce", "RWO"), ("ReadOnlyMany", "ROX"), ("ReadWriteMany", "RWX"), ("ReadWriteOncePod", "RWOP"))


def _col(name: str, description: str, priority: int = 0, kind: str = "string") -> Column:
    return Column(name, kind, description, priority)


def _name(obj: Obj) -> str:
    return str((obj.get("metadata") or {}).get("name", ""))


def _age(obj: Obj, ages: Ages) -> str:
    return ages.since((obj.get("metadata") or {}).get("creationTimestamp"))


def format_labels(labels: dict[str, str] | None) -> str:
    """``labels.FormatLabels``: sorted ``k=v`` pairs, ``<none>`` when empty."""
    return ",".join(f"{k}={v}" for k, v in sorted((labels or {}).items())) or "<none>"


def _external_ip(spec: Obj, status: Obj) -> str:
    kind, external = spec.get("type"), list(spec.get("externalIPs") or [])
    if kind in ("ClusterIP", "NodePort"):
        return ",".join(external) or "<none>"
    if kind == "LoadBalancer":
        ingress = [i.get("ip") or i.get("hostname") or "" for i in (status.get("loadBalancer") or {}).get(
            "ingress") or []]
        return ",".join([i for i in ingress if i] + external) or "<pending>"
    if kind == "ExternalName":
        return str(spec.get("externalName", ""))
    return "<unknown>"


def port_string(ports: list[Obj]) -> str:
    pieces = []
    for port in ports:
        if port.get("nodePort"):
            pieces.append(f"{port.get('port')}:{port['nodePort']}/{port.get('protocol', '')}")
        else:
            pieces.append(f"{port.get('port')}/{port.get('protocol', '')}")
    return ",".join(pieces)


def _service(obj: Obj, ages: Ages) -> list[Any]:
    spec, status = obj.get("spec") or {}, obj.get("status") or {}
    ips = spec.get("clusterIPs") or []
    return [_name(obj), spec.get("type", ""), ips[0] if ips else "<none>", _external_ip(spec, status),
            port_string(spec.get("ports") or []) or "<none>", _age(obj, ages), format_labels(spec.get("selector"))]


def format_endpoints(obj: Obj) -> str:
    subsets = obj.get("subsets") or []
    if not subsets:
        return "<none>"
    shown: list[str] = []
    count = 0
    for subset in subsets:
        addresses = [a.get("ip", "") for a in subset.get("addresses") or []]
        ports = subset.get("ports") or []
        for port in ports or [None]:
            count += len(addresses)
            for ip in addresses:
                if len(shown) < 3:
                    host = f"[{ip}]" if ":" in ip else ip
                    shown.append(ip if port is None else f"{host}:{port.get('port')}")
    text = ",".join(shown)
    return f"{text} + {count - 3} more..." if count > 3 else text


def _endpoints(obj: Obj, ages: Ages) -> list[Any]:
    return [_name(obj), format_endpoints(obj), _age(obj, ages)]


def access_modes(modes: list[str] | None) -> str:
    given = set(modes or [])
    return ",".join(short for mode, short in MODES if mode in given)


def _claim(obj: Obj, ages: Ages) -> list[Any]:
    spec, status, meta = obj.get("spec") or {}, obj.get("status") or {}, obj.get("metadata") or {}
    phase = "Terminating" if meta.get("deletionTimestamp") else status.get("phase", "")
    capacity = modes = ""
    if spec.get("volumeName"):
        modes = access_modes(status.get("accessModes"))
        capacity = str((status.get("capacity") or {}).get("storage", ""))
    return [_name(obj), phase, spec.get("volumeName", ""), capacity, modes, spec.get("storageClassName") or "",
            spec.get("volumeAttributesClassName") or "<unset>", _age(obj, ages), spec.get("volumeMode") or "<unset>"]


def _volume(obj: Obj, ages: Ages) -> list[Any]:
    spec, status, meta = obj.get("spec") or {}, obj.get("status") or {}, obj.get("metadata") or {}
    ref = spec.get("claimRef")
    claim = f"{ref.get('namespace', '')}/{ref.get('name', '')}" if ref else ""
    phase = "Terminating" if meta.get("deletionTimestamp") else status.get("phase", "")
    return [_name(obj), str((spec.get("capacity") or {}).get("storage", "")), access_modes(spec.get("accessModes")),
            spec.get("persistentVolumeReclaimPolicy", ""), phase, claim, spec.get("storageClassName") or "",
            spec.get("volumeAttributesClassName") or "<unset>", status.get("reason", ""), _age(obj, ages),
            spec.get("volumeMode") or "<unset>"]



def _quota(obj: Obj, ages: Ages) -> list[Any]:
    status = obj.get("status") or {}
    hard, used = status.get("hard") or {}, status.get("used") or {}
    requests: list[str] = []
    limits: list[str] = []
    for resource in sorted(hard):
        text = f"{resource}: {used.get(resource, '0')}/{hard[resource]}"
        (limits if resource.split(".")[0] == "limits" and "." in resource else requests).append(text)
    return [_name(obj), _age(obj, ages), ", ".join(requests), ", ".join(limits)]


def _limit_range(obj: Obj, _ages: Ages) -> list[Any]:
    return [_name(obj), (obj.get("metadata") or {}).get("creationTimestamp")]



VOLUME_MODE = _col("VolumeMode", "Shows the volume mode", 1)
SERVICE = Printer((NAME, _col("Type", "type determines how the Service is exposed."),
                   _col("Cluster-IP", "clusterIP is the IP address of the service and is usually assigned "
                        "randomly."),
                   _col("External-IP", "externalIPs is a list of IP addresses for which nodes in the cluster "
                        "will also accept traffic for this service."),
                   _col("Port(s)", "The list of ports that are exposed by this service."), AGE,
                   _col("Selector", "Route service traffic to pods with label keys and values matching this "
                        "selector.", 1)), _service)
ENDPOINTS = Printer((NAME, _col("Endpoints", "Endpoints of the service"), AGE), _endpoints)
CLAIM = Printer((NAME, _col("Status", "The phase indicates if a volume is available, bound to a claim, or released "
                            "by a claim."),
                 _col("Volume", "The binding reference to the PersistentVolume backing this claim."),
                 _col("Capacity", "The storage capacity of the volume."),
                 _col("Access Modes", "All access modes the volume supports."),
                 _col("StorageClass", "StorageClass of the pvc"),
                 _col("VolumeAttributesClass", "VolumeAttributesClass of the pvc"), AGE, VOLUME_MODE), _claim)
VOLUME = Printer((NAME, _col("Capacity", "The storage capacity of the volume."),
                  _col("Access Modes", "All access modes the volume supports."),
                  _col("Reclaim Policy", "What happens to a persistent volume when released from its claim."),
                  _col("Status", "The phase indicates if a volume is available, bound to a claim, or released by a "
                       "claim."),
                  _col("Claim", "Claim is part of a bi-directional binding between PersistentVolume and "
                       "PersistentVolumeClaim."),
                  _col("StorageClass", "StorageClass of the pv"),
                  _col("VolumeAttributesClass", "VolumeAttributesClass of the pv"),
                  _col("Reason", "A human-readable message indicating details about why the volume is in this "
                       "state."), AGE, VOLUME_MODE), _volume)
QUOTA = Printer((NAME, AGE, _col("Request", "Request represents a minimum amount of cpu/memory that a container "
                                 "may consume."),
                 _col("Limit", "Limits control the maximum amount of cpu/memory that a container may use "
                      "independent of contention on the node.")), _quota)
LIMIT_RANGE = Printer((NAME, _col("Created At", "CreationTimestamp is a timestamp representing the server time "
                                  "when this object was created.", kind="date")), _limit_range)
