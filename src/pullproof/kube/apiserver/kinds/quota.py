"""ResourceQuota and LimitRanger, the admission plugins of ``plugin/pkg/admission/{resourcequota,limitranger}``:
what an object charges to a quota (shared with the quota status controller), the 403 refusals with their
messages, LimitRange defaulting and the per-container defaults and min/max checks on pods."""

from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal
from functools import partial
from typing import Any

from pullproof.core.errors import ServiceError
from pullproof.kube import errors
from pullproof.kube.apiserver.kinds.base import AdmissionContext, Obj, Plugin
from pullproof.kube.storage.quantity import quantity

COMPUTE = ("cpu", "memory", "requests.cpu", "requests.memory", "limits.cpu", "limits.memory")
COUNTED = {"pods": "pods", "services": "services", "persistentvolumeclaims": "persistentvolumeclaims",
           "secrets": "secrets", "configmaps": "configmaps", "resourcequotas": "resourcequotas",
           "replicationcontrollers": "replicationcontrollers"}
QUOTA_KEYS = ("pods", "services", "persistentvolumeclaims", "secrets", "configmaps", "deployments.apps",
              "replicasets.apps", "statefulsets.apps", "jobs.batch", "cronjobs.batch", "ingresses.networking.k8s.io")
BINARY = (("Ei", 2**60), ("Pi", 2**50), ("Ti", 2**40), ("Gi", 2**30), ("Mi", 2**20), ("Ki", 2**10))
DECIMAL = (("E", 10**18), ("P", 10**15), ("T", 10**12), ("G", 10**9), ("M", 10**6), ("k", 10**3))


def format_quantity(value: Decimal, like: str = "") -> str:
    """A quantity's canonical text, in the binary suffixes when ``like`` uses them."""
    if value != value.to_integral_value():
        milli = (value * 1000).to_integral_value(rounding="ROUND_CEILING")
        return f"{milli}m"
    number = int(value)
    if number:
        for suffix, size in BINARY if like.endswith("i") else DECIMAL:
            if number % size == 0:
                return f"{number // size}{suffix}"
    return str(number)


def _containers(pod: Obj) -> list[Obj]:
    return list((pod.get("spec") or {}).get("containers") or [])


def _pod_usage(pod: Obj) -> dict[str, Decimal]:
    if (pod.get("status") or {}).get("phase") in ("Succeeded", "Failed"):
        return {}
    usage = {"pods": Decimal(1), "count/pods": Decimal(1)}
    for kind in ("requests", "limits"):
        for resource in ("cpu", "memory"):
            total = sum((quantity(((c.get("resources") or {}).get(kind) or {}).get(resource, 0))
                         for c in _containers(pod)), Decimal(0))
            usage[f"{kind}.{resource}"] = total
            if kind == "requests":
                usage[resource] = total
    return usage


def usage(key: str, obj: Obj) -> dict[str, Decimal]:
    """What one object charges, by quota resource name (``pods``, ``requests.cpu``, ``count/services``...)."""
    if key == "pods":
        return _pod_usage(obj)
    plural, _, group = key.partition(".")
    found = {f"count/{key}": Decimal(1)}
    if key in COUNTED:
        found[COUNTED[key]] = Decimal(1)
    spec = obj.get("spec") or {}
    if key == "services":
        kind = spec.get("type")
        found["services.loadbalancers"] = Decimal(1 if kind == "LoadBalancer" else 0)
        found["services.nodeports"] = Decimal(len(spec.get("ports") or []) if kind in ("NodePort", "LoadBalancer")
                                              else 0)
    if key == "persistentvolumeclaims":
        found["requests.storage"] = quantity(((spec.get("resources") or {}).get("requests") or {}).get("storage", 0))
    del plural, group
    return found


def namespace_usage(objects: Iterable[Obj], key: str) -> dict[str, Decimal]:
    total: dict[str, Decimal] = {}
    for obj in objects:
        if (obj.get("metadata") or {}).get("deletionTimestamp") and key != "pods":
            continue
        for resource, value in usage(key, obj).items():
            total[resource] = total.get(resource, Decimal(0)) + value
    return total


def _pretty(values: dict[str, Decimal], like: dict[str, str]) -> str:
    return ",".join(f"{k}={format_quantity(values[k], like.get(k, ''))}" for k in sorted(values))


def _shown_name(obj: Obj) -> str:
    meta = obj.get("metadata") or {}
    name, generate = str(meta.get("name") or ""), str(meta.get("generateName") or "")
    return generate if generate and name.startswith(generate) and len(name) == len(generate) + 5 else name


def _forbidden(key: str, obj: Obj, detail: str) -> ServiceError:
    name = _shown_name(obj)
    plural, _, group = key.partition(".")
    return ServiceError(errors.FORBIDDEN, resource=key, name=name, detail=detail, detail_name=name,
                        detail_kind=plural, detail_group=group or None)


def _missing(pod: Obj, required: set[str]) -> str:
    missing: dict[str, set[str]] = {}
    for container in _containers(pod):
        resources = container.get("resources") or {}
        have = {f"requests.{r}" for r in (resources.get("requests") or {})} | \
            {f"limits.{r}" for r in (resources.get("limits") or {})} | set(resources.get("requests") or {})
        for resource in required - have:
            missing.setdefault(resource, set()).add(str(container.get("name")))
    return "; ".join(f"must specify {r} for: {','.join(sorted(missing[r]))}" for r in sorted(missing))


def charge(key: str, context: AdmissionContext, obj: Obj, current: Obj | None) -> None:
    """The quota check of a create: each quota of the namespace that limits what the object uses."""
    if current is not None:
        return
    namespace = str(obj["metadata"].get("namespace", ""))
    quotas = sorted(context.tracker.scan("resourcequotas", namespace), key=lambda q: str(q["metadata"]["name"]))
    if not quotas:
        return
    delta = usage(key, obj)
    used = namespace_usage(context.tracker.scan(key, namespace), key)
    for quota in quotas:
        hard: dict[str, str] = (quota.get("spec") or {}).get("hard") or {}
        name = quota["metadata"]["name"]
        if key == "pods":
            missing = _missing(obj, set(hard) & set(COMPUTE))
            if missing:
                raise _forbidden(key, obj, f"failed quota: {name}: {missing}")
        failed = [r for r in sorted(set(hard) & set(delta)) if delta[r] and
                  used.get(r, Decimal(0)) + delta[r] > quantity(hard[r])]
        if failed:
            raise _forbidden(key, obj, f"exceeded quota: {name}, requested: "
                                       f"{_pretty({r: delta[r] for r in failed}, hard)}, used: "
                                       f"{_pretty({r: used.get(r, Decimal(0)) for r in failed}, hard)}, limited: "
                                       f"{_pretty({r: quantity(hard[r]) for r in failed}, hard)}")


def default_limit_range(obj: Obj) -> None:
    """``SetDefaults_LimitRangeItem``: a Container item's default limit falls back to max, its default
    request to the default limit, then to min."""
    for item in (obj.get("spec") or {}).get("limits") or []:
        if item.get("type") != "Container":
            continue
        default, request = item.setdefault("default", {}), item.setdefault("defaultRequest", {})
        for source, target in ((item.get("max") or {}, default), (default, request), (item.get("min") or {}, request)):
            for resource, value in source.items():
                target.setdefault(resource, value)


def _container_items(context: AdmissionContext, obj: Obj) -> list[Obj]:
    namespace = str(obj["metadata"].get("namespace", ""))
    ranges = sorted(context.tracker.scan("limitranges", namespace), key=lambda r: str(r["metadata"]["name"]))
    return [i for r in ranges for i in (r.get("spec") or {}).get("limits") or [] if i.get("type") == "Container"]


def limit_defaults(context: AdmissionContext, obj: Obj, current: Obj | None) -> None:
    """LimitRanger's mutation of a new pod: missing requests and limits from the Container defaults, noted
    in the ``kubernetes.io/limit-ranger`` annotation."""
    if current is not None:
        return
    notes: list[str] = []
    for item in _container_items(context, obj):
        for container in _containers(obj):
            resources = container.setdefault("resources", {})
            for kind, source, word in (("requests", "defaultRequest", "request"), ("limits", "default", "limit")):
                have = resources.setdefault(kind, {})
                added = sorted(r for r in item.get(source) or {} if r not in have)
                for resource in added:
                    have[resource] = item[source][resource]
                if added:
                    notes.append(f"{', '.join(added)} {word} for container {container.get('name')}")
            for kind in ("requests", "limits"):
                if not resources.get(kind):
                    resources.pop(kind, None)
    if notes:
        annotations = obj["metadata"].setdefault("annotations", {})
        annotations["kubernetes.io/limit-ranger"] = "LimitRanger plugin set: " + "; ".join(notes)


def _bound_errors(item: Obj, resources: Obj) -> list[str]:
    requests, limits = resources.get("requests") or {}, resources.get("limits") or {}
    found: list[str] = []
    for resource, bound in sorted((item.get("min") or {}).items()):
        if resource not in requests:
            found.append(f"minimum {resource} usage per Container is {bound}.  No request is specified")
        elif quantity(requests[resource]) < quantity(bound):
            found.append(f"minimum {resource} usage per Container is {bound}, but request is {requests[resource]}")
        elif resource in limits and quantity(limits[resource]) < quantity(bound):
            found.append(f"minimum {resource} usage per Container is {bound}, but limit is {limits[resource]}")
    for resource, bound in sorted((item.get("max") or {}).items()):
        if resource not in limits:
            found.append(f"maximum {resource} usage per Container is {bound}.  No limit is specified")
        elif quantity(limits[resource]) > quantity(bound):
            found.append(f"maximum {resource} usage per Container is {bound}, but limit is {limits[resource]}")
        elif resource in requests and quantity(requests[resource]) > quantity(bound):
            found.append(f"maximum {resource} usage per Container is {bound}, but request is {requests[resource]}")
    return found


def limit_check(context: AdmissionContext, obj: Obj, current: Obj | None) -> None:
    """LimitRanger's validation: each container within the Container min and max."""
    if current is not None:
        return
    found = [e for item in _container_items(context, obj) for c in _containers(obj)
             for e in _bound_errors(item, c.get("resources") or {})]
    if found:
        raise _forbidden("pods", obj, found[0] if len(found) == 1 else "[" + ", ".join(found) + "]")


def _quota_plugin(key: str) -> Plugin:
    run: Any = partial(charge, key)
    return Plugin(frozenset({key}), run)


PLUGINS: tuple[Plugin, ...] = (Plugin(frozenset({"pods"}), limit_defaults, mutating=True),
                               Plugin(frozenset({"pods"}), limit_check),
                               *(_quota_plugin(k) for k in QUOTA_KEYS))
