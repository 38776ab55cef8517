"""What every cluster has from the start: the ``default``, ``kube-system``, ``kube-public`` and
``kube-node-lease`` namespaces, and a ``default`` ServiceAccount in each namespace (the
ServiceAccount controller's job; components that create namespaces through the tracker directly
call ``namespace_created`` themselves)."""

from __future__ import annotations

from typing import Any

from pullproof.core.errors import ServiceError
from pullproof.kube import errors
from pullproof.kube.apiserver import clusterobjects, defaults, systemobjects
from pullproof.kube.storage.tracker import Tracker

SYSTEM_NAMESPACES = ("default", "kube-node-lease", "kube-public", "kube-system")


def _create_missing(tracker: Tracker, resource: str, namespace: str, obj: dict[str, Any]) -> None:
    if tracker.find(resource, namespace, obj["metadata"]["name"]) is not None:
        return
    try:
        tracker.create(resource, namespace, obj)
    except ServiceError as exc:
        if exc.code is not errors.ALREADY_EXISTS:
            raise


def namespace_created(tracker: Tracker, name: str) -> None:
    """Gives a new namespace its ``default`` ServiceAccount."""
    account = {"apiVersion": "v1", "kind": "ServiceAccount", "metadata": {"name": "default", "namespace": name}}
    _create_missing(tracker, "serviceaccounts", name, account)


def ensure_cluster(tracker: Tracker) -> None:
    """Creates the system namespaces (and their ServiceAccounts) where absent; idempotent."""
    for name in SYSTEM_NAMESPACES:
        namespace: dict[str, Any] = {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": name}}
        defaults.namespace(namespace)
        _create_missing(tracker, "namespaces", "", namespace)
        namespace_created(tracker, name)
    clusterobjects.ensure_objects(tracker)
    systemobjects.ensure(tracker)
