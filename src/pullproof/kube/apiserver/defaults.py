"""Defaulting as the API server's ``SetDefaults_*`` functions do it (k8s 1.32): pods and pod
templates, Deployments and ReplicaSets, Secrets, Namespaces; and ``metadata.generation``."""

from __future__ import annotations

import base64
from typing import Any

Obj = dict[str, Any]
QUANTITY_KINDS = ("cpu", "memory")


def image_pull_policy(image: str) -> str:
    """``Always`` for ``:latest`` or an untagged, undigested image; else ``IfNotPresent``."""
    if "@" in image:
        return "IfNotPresent"
    last = image.rsplit("/", 1)[-1]
    tag = last.rpartition(":")[2] if ":" in last else "latest"
    return "Always" if tag == "latest" else "IfNotPresent"


def _container(container: Obj) -> None:
    if not container.get("imagePullPolicy"):
        container["imagePullPolicy"] = image_pull_policy(str(container.get("image") or ""))
    container.setdefault("terminationMessagePath", "/dev/termination-log")
    container.setdefault("terminationMessagePolicy", "File")
    container.setdefault("resources", {})
    for port in container.get("ports") or []:
        port.setdefault("protocol", "TCP")
    for probe in ("livenessProbe", "readinessProbe", "startupProbe"):
        if isinstance(container.get(probe), dict):
            _probe(container[probe])
    for env in container.get("env") or []:
        field_ref = (env.get("valueFrom") or {}).get("fieldRef")
        if isinstance(field_ref, dict):
            field_ref.setdefault("apiVersion", "v1")


def _probe(probe: Obj) -> None:
    for key, value in (("timeoutSeconds", 1), ("periodSeconds", 10), ("successThreshold", 1),
                       ("failureThreshold", 3)):
        if not probe.get(key):
            probe[key] = value
    if isinstance(probe.get("httpGet"), dict):
        probe["httpGet"].setdefault("scheme", "HTTP")


def _volume(volume: Obj) -> None:
    if len(volume) == 1:  # only a name: an emptyDir
        volume["emptyDir"] = {}
    for source in ("secret", "configMap", "projected"):
        if isinstance(volume.get(source), dict):
            volume[source].setdefault("defaultMode", 420)


def pod_spec(spec: Obj) -> None:
    spec.setdefault("restartPolicy", "Always")
    spec.setdefault("terminationGracePeriodSeconds", 30)
    spec.setdefault("dnsPolicy", "ClusterFirst")
    spec.setdefault("securityContext", {})
    spec.setdefault("schedulerName", "default-scheduler")
    for key in ("initContainers", "containers", "ephemeralContainers"):
        for container in spec.get(key) or []:
            _container(container)
    for volume in spec.get("volumes") or []:
        _volume(volume)


def qos_class(spec: Obj) -> str:
    containers = [*(spec.get("initContainers") or []), *(spec.get("containers") or [])]
    resources = [c.get("resources") or {} for c in containers]
    if not any((r.get("requests") or {}).keys() & set(QUANTITY_KINDS) or (r.get("limits") or {}).keys()
               & set(QUANTITY_KINDS) for r in resources):
        return "BestEffort"
    for res in resources:
        limits, requests = res.get("limits") or {}, res.get("requests") or {}
        if any(k not in limits or str(requests.get(k, limits[k])) != str(limits[k]) for k in QUANTITY_KINDS):
            return "Burstable"
    return "Guaranteed"


def pod(obj: Obj) -> None:
    spec = obj.setdefault("spec", {})
    for container in [*(spec.get("initContainers") or []), *(spec.get("containers") or [])]:
        resources = container.get("resources") or {}
        if resources.get("limits"):
            requests = resources.setdefault("requests", {})
            for key, value in resources["limits"].items():
                requests.setdefault(key, value)
            container["resources"] = resources
    pod_spec(spec)
    spec.setdefault("enableServiceLinks", True)
    status = obj.setdefault("status", {})
    status.setdefault("phase", "Pending")
    status.setdefault("qosClass", qos_class(spec))


def _template(spec: Obj) -> None:
    template = spec.setdefault("template", {})
    meta = template.setdefault("metadata", {})
    meta.setdefault("creationTimestamp", None)
    pod_spec(template.setdefault("spec", {}))


def deployment(obj: Obj) -> None:
    spec = obj.setdefault("spec", {})
    spec.setdefault("replicas", 1)
    strategy = spec.setdefault("strategy", {})
    strategy.setdefault("type", "RollingUpdate")
    if strategy["type"] == "RollingUpdate":
        rolling = strategy.setdefault("rollingUpdate", {})
        rolling.setdefault("maxUnavailable", "25%")
        rolling.setdefault("maxSurge", "25%")
    spec.setdefault("revisionHistoryLimit", 10)
    spec.setdefault("progressDeadlineSeconds", 600)
    _template(spec)
    obj.setdefault("status", {})


def replicaset(obj: Obj) -> None:
    spec = obj.setdefault("spec", {})
    spec.setdefault("replicas", 1)
    _template(spec)
    obj.setdefault("status", {"replicas": 0})


def secret(obj: Obj) -> None:
    """``type`` Opaque; ``stringData`` is write-only: merged into ``data`` (base64) and dropped."""
    if not obj.get("type"):
        obj["type"] = "Opaque"
    strings = obj.pop("stringData", None) or {}
    if strings:
        data = obj.setdefault("data", {})
        for key, value in strings.items():
            data[key] = base64.b64encode(str(value).encode()).decode()


def namespace(obj: Obj) -> None:
    meta = obj.setdefault("metadata", {})
    labels = meta.setdefault("labels", {})
    labels["kubernetes.io/metadata.name"] = meta.get("name", "")
    obj.setdefault("spec", {}).setdefault("finalizers", ["kubernetes"])
    obj.setdefault("status", {}).setdefault("phase", "Active")


DEFAULTERS = (("pods", pod), ("deployments.apps", deployment), ("replicasets.apps", replicaset),
              ("secrets", secret), ("namespaces", namespace))


def apply(key: str, obj: Obj) -> None:
    for resource, defaulter in DEFAULTERS:
        if resource == key:
            defaulter(obj)


def next_generation(current: Obj | None, new: Obj) -> int:
    """1 on create; +1 whenever ``spec`` changes."""
    if current is None:
        return 1
    generation = int((current.get("metadata") or {}).get("generation") or 1)
    return generation + 1 if current.get("spec") != new.get("spec") else generation
