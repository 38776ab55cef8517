"""``networking.k8s.io/v1``: Ingress, IngressClass and NetworkPolicy: defaults, validation
(``pkg/apis/networking/validation``) and printers. No ingress controller runs (an Ingress keeps an
empty status) and NetworkPolicies are stored, not enforced."""

from __future__ import annotations

import ipaddress
import json
from typing import Any

from pullproof.kube.apiserver.kinds.base import Obj, Strategy
from pullproof.kube.apiserver.kinds.rbac import not_supported
from pullproof.kube.apiserver.printing.durations import Ages
from pullproof.kube.apiserver.printing.printers import AGE, NAME, Column, Printer, selector_string
from pullproof.kube.apiserver.validation import SUBDOMAIN_MSG, SUBDOMAIN_RE, Cause, invalid_value, required

PATH_TYPES = ["Exact", "ImplementationSpecific", "Prefix"]
PROTOCOLS = ["SCTP", "TCP", "UDP"]
POLICY_TYPES = ["Egress", "Ingress"]
WILDCARD_MSG = ("a wildcard DNS-1123 subdomain must start with '*.', followed by a valid DNS subdomain, which must "
                "consist of lower case alphanumeric characters, '-' or '.' and end with an alphanumeric character "
                "(e.g. '*.example.com', regex used for validation is '\\*\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]"
                "([-a-z0-9]*[a-z0-9])?)*')")
CIDR_MSG = "must be a valid CIDR value, (e.g. 10.9.8.0/24 or 2001:db8::/64)"
PORT_MSG = "must be between 1 and 65535, inclusive"


def _is_ip(host: str) -> bool:
    try:
        ipaddress.ip_address(host)
        return True
    except ValueError:
        return False


def _host(host: str, field: str) -> list[Cause]:
    if _is_ip(host):
        return [invalid_value(field, host, "must be a DNS name, not an IP address")]
    if host.startswith("*"):
        ok = host.startswith("*.") and bool(SUBDOMAIN_RE.match(host[2:]))
        return [] if ok else [invalid_value(field, host, WILDCARD_MSG)]
    return [] if SUBDOMAIN_RE.match(host) else [invalid_value(field, host, SUBDOMAIN_MSG)]


def _backend(backend: Obj, field: str) -> list[Cause]:
    service, resource = backend.get("service"), backend.get("resource")
    if service is not None and resource is not None:
        return [Cause("FieldValueInvalid", field, "Invalid value: \"\": cannot set both resource and service "
                                                  "backends")]
    if service is None:
        return [] if resource is not None else [required(field, "at least one backend must be specified")]
    causes = [] if service.get("name") else [required(f"{field}.service.name")]
    port = service.get("port") or {}
    if port.get("name") and port.get("number"):
        causes.append(Cause("FieldValueInvalid", f"{field}.service.port",
                            "Invalid value: \"\": cannot set both port name & port number"))
    elif not port.get("name") and not port.get("number"):
        causes.append(required(f"{field}.service.port", "port name or number is required"))
    elif port.get("number") is not None and not 1 <= int(port["number"]) <= 65535:
        causes.append(invalid_value(f"{field}.service.port.number", port["number"], PORT_MSG))
    return causes


def _path(path: Obj, field: str) -> list[Cause]:
    kind = path.get("pathType")
    causes: list[Cause] = []
    if kind is None:
        causes.append(required(f"{field}.pathType", "pathType must be specified"))
    elif kind not in PATH_TYPES:
        causes.append(not_supported(f"{field}.pathType", kind, PATH_TYPES))
    elif kind in ("Exact", "Prefix") and not str(path.get("path") or "").startswith("/"):
        causes.append(invalid_value(f"{field}.path", path.get("path") or "", "must be an absolute path"))
    return causes + _backend(path.get("backend") or {}, f"{field}.backend")


def validate_ingress(obj: Obj) -> list[Cause]:
    spec = obj.get("spec") or {}
    rules = spec.get("rules") or []
    causes: list[Cause] = []
    if not rules and spec.get("defaultBackend") is None:
        causes.append(Cause("FieldValueInvalid", "spec", "Invalid value: \"\": either `defaultBackend` or `rules` "
                                                         "must be specified"))
    if spec.get("defaultBackend") is not None:
        causes += _backend(spec["defaultBackend"], "spec.defaultBackend")
    for i, rule in enumerate(rules):
        if rule.get("host"):
            causes += _host(str(rule["host"]), f"spec.rules[{i}].host")
        http = rule.get("http")
        if http is not None and not http.get("paths"):
            causes.append(required(f"spec.rules[{i}].http.paths"))
        for j, path in enumerate((http or {}).get("paths") or []):
            causes += _path(path, f"spec.rules[{i}].http.paths[{j}]")
    for i, tls in enumerate(spec.get("tls") or []):
        for j, host in enumerate(tls.get("hosts") or []):
            if host.startswith("*"):
                ok = host.startswith("*.") and bool(SUBDOMAIN_RE.match(host[2:]))
                causes += [] if ok else [invalid_value(f"spec.tls[{i}].hosts[{j}]", host, WILDCARD_MSG)]
            elif not SUBDOMAIN_RE.match(host):
                causes.append(invalid_value(f"spec.tls[{i}].hosts[{j}]", host, SUBDOMAIN_MSG))
    return causes


def _ingress_row(obj: Obj, ages: Ages) -> list[Any]:
    meta, spec = obj.get("metadata") or {}, obj.get("spec") or {}
    klass = spec.get("ingressClassName") or (meta.get("annotations") or {}).get("kubernetes.io/ingress.class")
    hosts = ",".join(r.get("host") or "*" for r in spec.get("rules") or []) or "*"
    balancer = ((obj.get("status") or {}).get("loadBalancer") or {}).get("ingress") or []
    address = ",".join(i.get("ip") or i.get("hostname") or "" for i in balancer)
    ports = "80, 443" if spec.get("tls") else "80"
    return [meta.get("name", ""), klass or "<none>", hosts, address, ports, ages.since(meta.get("creationTimestamp"))]


def _class_row(obj: Obj, ages: Ages) -> list[Any]:
    meta, spec = obj.get("metadata") or {}, obj.get("spec") or {}
    params = spec.get("parameters")
    shown = "<none>"
    if params:
        shown = f"{params.get('kind', '')}/{params.get('name', '')}"
        if params.get("apiGroup"):
            shown = f"{params['apiGroup']}/{shown}"
    return [meta.get("name", ""), spec.get("controller", ""), shown, ages.since(meta.get("creationTimestamp"))]


def default_policy(obj: Obj) -> None:
    """``SetDefaults_NetworkPolicy``: Ingress always, Egress when egress rules exist; ports default to TCP."""
    spec = obj.setdefault("spec", {})
    if not isinstance(spec, dict):
        return
    if not spec.get("policyTypes"):
        spec["policyTypes"] = ["Ingress"] + (["Egress"] if spec.get("egress") else [])
    for direction in ("ingress", "egress"):
        for rule in spec.get(direction) or []:
            for port in rule.get("ports") or []:
                port.setdefault("protocol", "TCP")


def _peer(peer: Obj, field: str) -> list[Cause]:
    block = peer.get("ipBlock")
    if block is None:
        return []
    cidr = block.get("cidr")
    if not cidr:
        return [required(f"{field}.ipBlock.cidr")]
    try:
        network = ipaddress.ip_network(cidr, strict=False)
    except ValueError:
        return [invalid_value(f"{field}.ipBlock.cidr", cidr, CIDR_MSG)]
    causes: list[Cause] = []
    for k, text in enumerate(block.get("except") or []):
        here = f"{field}.ipBlock.except[{k}]"
        try:
            inner = ipaddress.ip_network(text, strict=False)
        except ValueError:
            causes.append(invalid_value(here, text, CIDR_MSG))
            continue
        if inner.version != network.version or not inner.subnet_of(network) or inner == network:  # type: ignore[arg-type]
            causes.append(invalid_value(here, text, "must be a strict subset of `cidr`"))
    return causes


def _port(port: Obj, field: str) -> list[Cause]:
    causes: list[Cause] = []
    if port.get("protocol") is not None and port["protocol"] not in PROTOCOLS:
        causes.append(not_supported(f"{field}.protocol", port["protocol"], PROTOCOLS))
    value = port.get("port")
    if isinstance(value, int) and not 1 <= value <= 65535:
        causes.append(invalid_value(f"{field}.port", value, PORT_MSG))
    end = port.get("endPort")
    if end is not None and not isinstance(value, int):
        causes.append(Cause("FieldValueRequired", f"{field}.endPort",
                            "Required value: may not be specified when `port` is non-numeric"))
    elif isinstance(end, int) and isinstance(value, int) and end < value:
        causes.append(invalid_value(f"{field}.endPort", end, "must be greater than or equal to `port`"))
    return causes


def validate_policy(obj: Obj) -> list[Cause]:
    spec = obj.get("spec") or {}
    causes: list[Cause] = []
    for direction, peers in (("ingress", "from"), ("egress", "to")):
        for i, rule in enumerate(spec.get(direction) or []):
            for j, port in enumerate(rule.get("ports") or []):
                causes += _port(port, f"spec.{direction}[{i}].ports[{j}]")
            for j, peer in enumerate(rule.get(peers) or []):
                causes += _peer(peer, f"spec.{direction}[{i}].{peers}[{j}]")
    types = spec.get("policyTypes") or []
    for i, kind in enumerate(types):
        if kind not in POLICY_TYPES:
            causes.append(not_supported(f"spec.policyTypes[{i}]", kind, POLICY_TYPES))
    if len(types) > 2:
        causes.append(Cause("FieldValueInvalid", "spec.policyTypes",
                            f"Invalid value: []networking.PolicyType{{{', '.join(json.dumps(t) for t in types)}}}: "
                            "may not specify more than two policyTypes"))
    return causes


def _policy_row(obj: Obj, ages: Ages) -> list[Any]:
    meta = obj.get("metadata") or {}
    selector = selector_string((obj.get("spec") or {}).get("podSelector")) or "<none>"
    return [meta.get("name", ""), selector, ages.since(meta.get("creationTimestamp"))]


STRATEGIES: dict[str, Strategy] = {
    "ingresses.networking.k8s.io": Strategy(
        validate=validate_ingress, initial_status={"loadBalancer": {}},
        printer=Printer((NAME, Column("Class", description="The name of the IngressClass resource that should be "
                                      "used for ingress."),
                         Column("Hosts", description="Hosts that incoming requests are matched against before the "
                                "ingress rule"),
                         Column("Address", description="Address is a list containing ingress points for the "
                                "load-balancer"),
                         Column("Ports", description="Ports of TLS configurations that open"), AGE), _ingress_row)),
    "ingressclasses.networking.k8s.io": Strategy(
        printer=Printer((NAME, Column("Controller", description="Controller that is responsible for handling this "
                                      "class"),
                         Column("Parameters", description="A reference to a resource with additional parameters"),
                         AGE), _class_row)),
    "networkpolicies.networking.k8s.io": Strategy(
        default=default_policy, validate=validate_policy,
        printer=Printer((NAME, Column("Pod-Selector", description="Selects the pods to which this NetworkPolicy "
                                      "object applies. The array of ingress rules is applied to any pods selected "
                                      "by this field. Multiple network policies can select the same set of pods. "
                                      "In this case, the ingress rules for each are combined additively. This "
                                      "field is NOT optional and follows standard label selector semantics. An "
                                      "empty podSelector matches all pods in this namespace."), AGE), _policy_row)),
}
