"""Admission on create (k8s 1.32 defaults that AKS runs): NamespaceLifecycle, ServiceAccount (pull
secrets copied from the ServiceAccount, the ``kube-api-access-*`` token volume),
DefaultTolerationSeconds and Priority. No RBAC: every authenticated user may do everything."""

from __future__ import annotations

from typing import Any

from pullproof.core.errors import ServiceError
from pullproof.core.ids import IdFactory
from pullproof.kube import errors
from pullproof.kube.storage.resources import ResourceType
from pullproof.kube.storage.tracker import Tracker

Obj = dict[str, Any]
NAME_ALPHABET = "bcdfghjklmnpqrstvwxz2456789"
TOKEN_PATH = "/var/run/secrets/kubernetes.io/serviceaccount"
TOLERATED_TAINTS = ("node.kubernetes.io/not-ready", "node.kubernetes.io/unreachable")


def random_suffix(ids: IdFactory, length: int = 5) -> str:
    """``utilrand.String(n)``: characters from the alphabet the API server's name generator uses."""
    raw = bytes.fromhex(ids.hex(length))
    return "".join(NAME_ALPHABET[b % len(NAME_ALPHABET)] for b in raw)


def generated_name(ids: IdFactory, base: str) -> str:
    return base[:58] + random_suffix(ids)


def forbidden(rtype: ResourceType, name: str, detail: str) -> ServiceError:
    return ServiceError(errors.FORBIDDEN, resource=rtype.key, name=name, detail=detail, detail_name=name,
                        detail_kind=rtype.plural, detail_group=rtype.group or None)


def namespace_lifecycle(tracker: Tracker, rtype: ResourceType, namespace: str, name: str) -> None:
    if not rtype.namespaced:
        return
    found = tracker.find("namespaces", "", namespace)
    if found is None:
        raise ServiceError(errors.NOT_FOUND, resource="namespaces", name=namespace, detail_name=namespace,
                           detail_kind="namespaces")
    if (found.get("status") or {}).get("phase") == "Terminating":
        raise forbidden(rtype, name, f"unable to create new content in namespace {namespace} because it is "
                                     "being terminated")


def pod(tracker: Tracker, ids: IdFactory, rtype: ResourceType, obj: Obj) -> None:
    """ServiceAccount, DefaultTolerationSeconds and Priority admission of a new pod."""
    meta, spec = obj.setdefault("metadata", {}), obj.setdefault("spec", {})
    namespace = meta.get("namespace", "")
    account_name = spec.get("serviceAccountName") or spec.get("serviceAccount") or "default"
    spec["serviceAccountName"] = spec["serviceAccount"] = account_name
    account = tracker.find("serviceaccounts", namespace, account_name)
    if account is None:
        shown = meta.get("name") or meta.get("generateName") or ""
        raise forbidden(rtype, shown, f"error looking up service account {namespace}/{account_name}: "
                                      f'serviceaccount "{account_name}" not found')
    if not spec.get("imagePullSecrets") and account.get("imagePullSecrets"):
        spec["imagePullSecrets"] = [{"name": s.get("name", "")} for s in account["imagePullSecrets"]]
    automount = spec.get("automountServiceAccountToken")
    if automount is None:
        automount = account.get("automountServiceAccountToken")
    if automount is not False:
        _token_volume(ids, spec)
    _tolerations(spec)
    spec.setdefault("priority", 0)
    spec.setdefault("preemptionPolicy", "PreemptLowerPriority")


def _token_volume(ids: IdFactory, spec: Obj) -> None:
    containers = [*(spec.get("initContainers") or []), *(spec.get("containers") or [])]
    if all(any(m.get("mountPath") == TOKEN_PATH for m in c.get("volumeMounts") or []) for c in containers):
        return
    name = "kube-api-access-" + random_suffix(ids)
    spec.setdefault("volumes", []).append({"name": name, "projected": {"defaultMode": 420, "sources": [
        {"serviceAccountToken": {"expirationSeconds": 3607, "path": "token"}},
        {"configMap": {"name": "kube-root-ca.crt", "items": [{"key": "ca.crt", "path": "ca.crt"}]}},
        {"downwardAPI": {"items": [{"path": "namespace",
                                    "fieldRef": {"apiVersion": "v1", "fieldPath": "metadata.namespace"}}]}}]}})
    for container in containers:
        mounts = container.setdefault("volumeMounts", [])
        if not any(m.get("mountPath") == TOKEN_PATH for m in mounts):
            mounts.append({"name": name, "readOnly": True, "mountPath": TOKEN_PATH})


def _tolerations(spec: Obj) -> None:
    tolerations = spec.setdefault("tolerations", [])
    for key in TOLERATED_TAINTS:
        if not any((t.get("key") == key and t.get("effect") in ("NoExecute", None, "")) or
                   (t.get("operator") == "Exists" and not t.get("key")) for t in tolerations):
            tolerations.append({"key": key, "operator": "Exists", "effect": "NoExecute", "tolerationSeconds": 300})
