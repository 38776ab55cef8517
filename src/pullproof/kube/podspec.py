"""What the API server does to a pod before storing it: defaults and service-account admission
(the pod gets its service account's imagePullSecrets when it names none)."""

from __future__ import annotations

import copy
from typing import Any

from pullproof.core.errors import ServiceError
from pullproof.kube import errors
from pullproof.kube.tracker import Tracker

TOLERATIONS = [
    {"key": "node.kubernetes.io/not-ready", "operator": "Exists", "effect": "NoExecute", "tolerationSeconds": 300},
    {"key": "node.kubernetes.io/unreachable", "operator": "Exists", "effect": "NoExecute", "tolerationSeconds": 300},
]


def pull_policy(image: str) -> str:
    last = image.split("@")[0].rsplit("/", 1)[-1]
    tag = last.split(":", 1)[1] if ":" in last else None
    return "Always" if "@" not in image and (tag is None or tag == "latest") else "IfNotPresent"


def default_container(container: dict[str, Any]) -> None:
    container.setdefault("imagePullPolicy", pull_policy(str(container.get("image", ""))))
    container.setdefault("terminationMessagePath", "/dev/termination-log")
    container.setdefault("terminationMessagePolicy", "File")
    container.setdefault("resources", {})
    for port in container.get("ports") or []:
        port.setdefault("protocol", "TCP")


def default_pod_spec(spec: dict[str, Any]) -> None:
    for container in [*spec.get("initContainers", []), *spec.get("containers", [])]:
        default_container(container)
    spec.setdefault("restartPolicy", "Always")
    spec.setdefault("terminationGracePeriodSeconds", 30)
    spec.setdefault("dnsPolicy", "ClusterFirst")
    spec.setdefault("securityContext", {})
    spec.setdefault("schedulerName", "default-scheduler")
    spec.setdefault("serviceAccountName", spec.get("serviceAccount") or "default")
    spec.setdefault("serviceAccount", spec["serviceAccountName"])
    spec.setdefault("enableServiceLinks", True)
    spec.setdefault("preemptionPolicy", "PreemptLowerPriority")
    spec.setdefault("priority", 0)
    spec.setdefault("tolerations", copy.deepcopy(TOLERATIONS))


def admit_pod(tracker: Tracker, namespace: str, pod: dict[str, Any]) -> dict[str, Any]:
    """Defaults plus service-account admission; raises Forbidden when the service account is missing."""
    body = copy.deepcopy(pod)
    spec = body.setdefault("spec", {})
    default_pod_spec(spec)
    account = spec["serviceAccountName"]
    found = tracker.find("serviceaccounts", namespace, account)
    if found is None:
        name = body.get("metadata", {}).get("name") or body.get("metadata", {}).get("generateName", "")
        raise ServiceError(errors.FORBIDDEN, resource="pods", name=name,
                           detail=f"error looking up service account {namespace}/{account}: serviceaccount "
                                  f'"{account}" not found')
    if not spec.get("imagePullSecrets") and found.get("imagePullSecrets"):
        spec["imagePullSecrets"] = copy.deepcopy(found["imagePullSecrets"])
    body.setdefault("status", {"phase": "Pending", "qosClass": "BestEffort"})
    return body
