"""Strategies of the core (``v1``) kinds beyond the first ones: Service (``pkg/registry/core/service``:
defaults, validation, ClusterIP and NodePort allocation, type changes) and the printers of Service,
Endpoints, PersistentVolumeClaim, PersistentVolume, ResourceQuota and LimitRange."""

from __future__ import annotations

import ipaddress
import json
from typing import Any

from pullproof.core.errors import ServiceError
from pullproof.kube import errors
from pullproof.kube.apiserver.kinds import coreprint, quota, storage
from pullproof.kube.apiserver.kinds.base import AdmissionContext, Obj, Strategy
from pullproof.kube.apiserver.validation import LABEL_MSG, LABEL_RE, Cause, invalid_value, required

SERVICE_CIDR = ipaddress.ip_network("10.0.0.0/16")  # AKS's default serviceCidr
RESERVED = {"10.0.0.1": ("default", "kubernetes"), "10.0.0.10": ("kube-system", "kube-dns")}
NODE_PORTS = range(30000, 32768)  # --service-node-port-range 30000-32767
TYPES = ("ClusterIP", "ExternalName", "LoadBalancer", "NodePort")
PROTOCOLS = ("SCTP", "TCP", "UDP")
PORT_MSG = "must be between 1 and 65535, inclusive"
IP_MSG = "must be a valid IP address, (e.g. 10.9.8.7 or 2001:db8::ffff)"
SERVICE_KIND = ("Service", "services")


def _spec(obj: Obj) -> Obj:
    spec: Obj = obj.setdefault("spec", {})
    return spec


def default_service(obj: Obj) -> None:
    """``SetDefaults_Service`` and the REST strategy's preparation."""
    spec = _spec(obj)
    kind = spec.setdefault("type", "ClusterIP")
    spec.setdefault("sessionAffinity", "None")
    if spec["sessionAffinity"] == "ClientIP":
        spec.setdefault("sessionAffinityConfig", {"clientIP": {"timeoutSeconds": 10800}})
    for port in spec.get("ports") or []:
        port.setdefault("protocol", "TCP")
        if port.get("targetPort") in (None, 0, ""):
            port["targetPort"] = port.get("port")
    if kind in ("NodePort", "LoadBalancer"):
        spec.setdefault("externalTrafficPolicy", "Cluster")
    if kind == "LoadBalancer":
        spec.setdefault("allocateLoadBalancerNodePorts", True)
    if kind != "ExternalName":
        spec.setdefault("internalTrafficPolicy", "Cluster")
        if spec.get("clusterIP") and not spec.get("clusterIPs"):
            spec["clusterIPs"] = [spec["clusterIP"]]
        spec.setdefault("ipFamilies", ["IPv4"])
        spec.setdefault("ipFamilyPolicy", "SingleStack")


def _unsupported(field: str, value: Any, allowed: tuple[str, ...]) -> Cause:
    listed = ", ".join(json.dumps(a) for a in allowed)
    return Cause("FieldValueNotSupported", field, f"Unsupported value: {json.dumps(value)}: supported values: {listed}")


def _port_causes(port: Obj, here: str, require_name: bool, names: set[str]) -> list[Cause]:
    causes: list[Cause] = []
    name = str(port.get("name") or "")
    if require_name and not name:
        causes.append(required(f"{here}.name"))
    elif name:
        if not LABEL_RE.match(name) or len(name) > 63:
            causes.append(invalid_value(f"{here}.name", name, LABEL_MSG))
        elif name in names:
            causes.append(Cause("FieldValueDuplicate", f"{here}.name", f"Duplicate value: {json.dumps(name)}"))
        names.add(name)
    number = port.get("port")
    if not isinstance(number, int) or not 1 <= number <= 65535:
        causes.append(invalid_value(f"{here}.port", number, PORT_MSG))
    protocol = port.get("protocol")
    if protocol not in PROTOCOLS:
        causes.append(_unsupported(f"{here}.protocol", protocol, PROTOCOLS))
    target = port.get("targetPort")
    if isinstance(target, int) and not 1 <= target <= 65535:
        causes.append(invalid_value(f"{here}.targetPort", target, PORT_MSG))
    node_port = port.get("nodePort")
    if isinstance(node_port, int) and node_port and not 1 <= node_port <= 65535:
        causes.append(invalid_value(f"{here}.nodePort", node_port, PORT_MSG))
    return causes


def headless(spec: Obj) -> bool:
    return spec.get("clusterIP") == "None"


def validate_service(obj: Obj) -> list[Cause]:
    """``ValidateService`` (``pkg/apis/core/validation``), the checks a manifest commonly trips."""
    spec = obj.get("spec") or {}
    kind = spec.get("type")
    ports = spec.get("ports") or []
    causes: list[Cause] = []
    if kind == "ExternalName":
        if not spec.get("externalName"):
            causes.append(required("spec.externalName"))
        if spec.get("clusterIP"):
            causes.append(Cause("FieldValueForbidden", "spec.clusterIP",
                                "Forbidden: may not be set for ExternalName services"))
    elif not ports and not headless(spec):
        causes.append(required("spec.ports"))
    if kind not in TYPES:
        causes.append(_unsupported("spec.type", kind, TYPES))
    names: set[str] = set()
    for index, port in enumerate(ports):
        causes += _port_causes(port, f"spec.ports[{index}]", len(ports) > 1, names)
        if kind == "ClusterIP" and port.get("nodePort"):
            causes.append(Cause("FieldValueForbidden", f"spec.ports[{index}].nodePort",
                                "Forbidden: may not be used when `type` is 'ClusterIP'"))
    if spec.get("sessionAffinity") not in ("ClientIP", "None"):
        causes.append(_unsupported("spec.sessionAffinity", spec.get("sessionAffinity"), ("ClientIP", "None")))
    for index, ip in enumerate(spec.get("clusterIPs") or []):
        if ip != "None" and not _is_ip(ip):
            causes.append(invalid_value(f"spec.clusterIPs[{index}]", ip, IP_MSG))
    if spec.get("externalTrafficPolicy") and kind not in ("NodePort", "LoadBalancer"):
        causes.append(invalid_value("spec.externalTrafficPolicy", spec["externalTrafficPolicy"],
                                    "may only be set when `type` is 'NodePort' or 'LoadBalancer'"))
    return causes


def _is_ip(text: Any) -> bool:
    try:
        ipaddress.ip_address(str(text))
    except ValueError:
        return False
    return True


def _go_strings(values: list[Any]) -> str:
    return "[]string{" + ", ".join(json.dumps(str(v)) for v in values) + "}"


def validate_service_update(current: Obj, new: Obj) -> list[Cause]:
    """The primary ClusterIP may not change unless the type moves to or from ExternalName."""
    old_ips, new_ips = (o.get("spec", {}).get("clusterIPs") or [] for o in (current, new))
    types = {current.get("spec", {}).get("type"), new.get("spec", {}).get("type")}
    if old_ips and new_ips and old_ips[0] != new_ips[0] and "ExternalName" not in types:
        return [Cause("FieldValueInvalid", "spec.clusterIPs[0]",
                      f"Invalid value: {_go_strings(new_ips)}: may not change once set")]
    return []


def keep_allocated(_context: AdmissionContext, obj: Obj, current: Obj | None) -> None:
    """``patchAllocatedValues``: an update that leaves ClusterIP or a NodePort out keeps the allocated one;
    a move to ExternalName drops them, a move to ClusterIP drops the NodePorts."""
    if current is None:
        return
    spec, old = _spec(obj), current.get("spec") or {}
    kind = spec.get("type")
    if kind == "ExternalName":
        for key in ("clusterIP", "clusterIPs", "ipFamilies", "ipFamilyPolicy", "internalTrafficPolicy"):
            if spec.get(key) == old.get(key):
                spec.pop(key, None)
    elif old.get("type") != "ExternalName" and not spec.get("clusterIP"):
        spec["clusterIP"], spec["clusterIPs"] = old.get("clusterIP"), old.get("clusterIPs")
    for key, kinds in (("externalTrafficPolicy", ("NodePort", "LoadBalancer")),
                       ("allocateLoadBalancerNodePorts", ("LoadBalancer",))):
        if kind not in kinds and key in spec and spec.get(key) == old.get(key):
            spec.pop(key)
    old_ports = {(p.get("port"), p.get("protocol")): p.get("nodePort") for p in old.get("ports") or []}
    for port in spec.get("ports") or []:
        if kind == "ClusterIP" or kind == "ExternalName":
            if port.get("nodePort") == old_ports.get((port.get("port"), port.get("protocol"))):
                port.pop("nodePort", None)
        elif not port.get("nodePort") and old_ports.get((port.get("port"), port.get("protocol"))):
            port["nodePort"] = old_ports[(port.get("port"), port.get("protocol"))]


def _used(context: AdmissionContext, obj: Obj) -> tuple[set[str], set[int]]:
    meta = obj.get("metadata") or {}
    ips: set[str] = set(RESERVED)
    ports: set[int] = set()
    for svc in context.tracker.scan("services"):
        other = svc["metadata"]
        if (other.get("namespace"), other.get("name")) == (meta.get("namespace"), meta.get("name")):
            continue
        ips.update(svc.get("spec", {}).get("clusterIPs") or [])
        ports.update(p.get("nodePort") for p in svc.get("spec", {}).get("ports") or [] if p.get("nodePort"))
    for ip, (namespace, name) in RESERVED.items():
        if (meta.get("namespace"), meta.get("name")) == (namespace, name):
            ips.discard(ip)
    return ips, ports


def _invalid(obj: Obj, field: str, value: str, message: str) -> ServiceError:
    name = str(obj["metadata"]["name"])
    cause = Cause("FieldValueInvalid", field, f"Invalid value: {value}: {message}")
    return ServiceError(errors.INVALID, kind="Service", name=name, causes=cause.text(), detail_name=name,
                        detail_group=None, detail_kind="Service", causes_list=[cause.wire()])


def allocate(context: AdmissionContext, obj: Obj, current: Obj | None) -> None:
    """The service REST storage's allocators: a ClusterIP from 10.0.0.0/16 (10.0.0.1 and 10.0.0.10 are
    the ``kubernetes`` and ``kube-dns`` Services'), NodePorts from 30000-32767."""
    spec = _spec(obj)
    if spec.get("type") == "ExternalName":
        return
    ips, node_ports = _used(context, obj)
    wanted = spec.get("clusterIPs") or []
    first = wanted[0] if wanted else ""
    keeping = current is not None and first and first in ((current.get("spec") or {}).get("clusterIPs") or [])
    if first and first != "None" and not keeping:
        if ipaddress.ip_address(first) not in SERVICE_CIDR:
            raise _invalid(obj, "spec.clusterIPs", _go_strings(wanted),
                           f"failed to allocate IP {first}: the provided IP ({first}) is not in the valid range. "
                           f"The range of valid IPs is {SERVICE_CIDR}")
        if first in ips:
            raise _invalid(obj, "spec.clusterIPs", _go_strings(wanted),
                           f"failed to allocate IP {first}: provided IP is already allocated")
    elif not first:
        ip = _free_ip(context, ips)
        spec["clusterIP"], spec["clusterIPs"] = ip, [ip]
    if spec.get("type") in ("NodePort", "LoadBalancer") and spec.get("allocateLoadBalancerNodePorts", True):
        _node_ports(context, obj, node_ports, current)


def _free_ip(context: AdmissionContext, used: set[str]) -> str:
    """The dynamic band (above the first 256 addresses, kept for static ones), from a random offset."""
    base, size = int(SERVICE_CIDR.network_address), SERVICE_CIDR.num_addresses
    start = int(context.ids.hex(4), 16) % (size - 258)
    for step in range(size - 258):
        ip = str(ipaddress.ip_address(base + 256 + (start + step) % (size - 258)))
        if ip not in used:
            return ip
    raise _invalid({"metadata": {"name": ""}}, "spec.clusterIPs", "[]string{}", "range is full")


def _node_ports(context: AdmissionContext, obj: Obj, used: set[int], current: Obj | None) -> None:
    old = {p.get("nodePort") for p in ((current or {}).get("spec") or {}).get("ports") or []}
    for index, port in enumerate(_spec(obj).get("ports") or []):
        number = port.get("nodePort")
        if number and number not in old:
            if number not in NODE_PORTS:
                raise _invalid(obj, f"spec.ports[{index}].nodePort", str(number),
                               "provided port is not in the valid range. The range of valid ports is 30000-32767")
            if number in used:
                raise _invalid(obj, f"spec.ports[{index}].nodePort", str(number), "provided port is already allocated")
        elif not number:
            start = int(context.ids.hex(4), 16) % len(NODE_PORTS)
            number = next(NODE_PORTS[(start + i) % len(NODE_PORTS)] for i in range(len(NODE_PORTS))
                          if NODE_PORTS[(start + i) % len(NODE_PORTS)] not in used)
            port["nodePort"] = number
        used.add(number)


STRATEGIES: dict[str, Strategy] = {
    "services": Strategy(default=default_service, validate=validate_service,
                         validate_update=validate_service_update, printer=coreprint.SERVICE,
                         initial_status={"loadBalancer": {}}, mutate=(keep_allocated,), admit=(allocate,)),
    "endpoints": Strategy(printer=coreprint.ENDPOINTS),
    "persistentvolumeclaims": Strategy(default=storage.default_claim, validate=storage.validate_claim,
                                       validate_update=storage.validate_claim_update,
                                       printer=coreprint.CLAIM, initial_status={"phase": "Pending"},
                                       mutate=(storage.default_class,)),
    "persistentvolumes": Strategy(default=storage.default_volume, printer=coreprint.VOLUME,
                                  initial_status={"phase": "Pending"}),
    "resourcequotas": Strategy(printer=coreprint.QUOTA),
    "limitranges": Strategy(default=quota.default_limit_range, printer=coreprint.LIMIT_RANGE),
}
