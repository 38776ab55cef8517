"""Node heartbeats: each node's kubelet holds the Lease ``kube-node-lease/<node>`` and renews it every
10 s (``nodeLeaseRenewIntervalFraction`` 0.25 of the 40 s ``nodeLeaseDurationSeconds``)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from pullproof.core.clock import Clock, parse_time
from pullproof.kube.storage.tracker import Tracker, clone

LEASES = "leases.coordination.k8s.io"
NAMESPACE = "kube-node-lease"
DURATION_SECONDS = 40
RENEW_SECONDS = 10.0


def micro_time(epoch: float) -> str:
    """``metav1.MicroTime`` as it is serialised (RFC 3339 with microseconds)."""
    return datetime.fromtimestamp(epoch, UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def _lease(node: dict[str, Any], now: float) -> dict[str, Any]:
    meta = node["metadata"]
    return {"apiVersion": "coordination.k8s.io/v1", "kind": "Lease",
            "metadata": {"name": meta["name"], "namespace": NAMESPACE,
                         "ownerReferences": [{"apiVersion": "v1", "kind": "Node", "name": meta["name"],
                                              "uid": meta.get("uid", "")}]},
            "spec": {"holderIdentity": meta["name"], "leaseDurationSeconds": DURATION_SECONDS,
                     "renewTime": micro_time(now)}}


def renew_leases(tracker: Tracker, clock: Clock) -> None:
    """Creates each node's Lease, and renews those last renewed ``RENEW_SECONDS`` or more ago."""
    now = clock.now()
    for node in tracker.scan("nodes"):
        name = node["metadata"]["name"]
        lease = tracker.find(LEASES, NAMESPACE, name)
        if lease is None:
            if tracker.find("namespaces", "", NAMESPACE) is not None:
                tracker.create(LEASES, NAMESPACE, _lease(node, now))
            continue
        renewed = (lease.get("spec") or {}).get("renewTime")
        if renewed and now - parse_time(renewed) < RENEW_SECONDS:
            continue
        updated = clone(lease)
        updated.setdefault("spec", {}).update({"holderIdentity": name, "leaseDurationSeconds": DURATION_SECONDS,
                                               "renewTime": micro_time(now)})
        tracker.update(LEASES, NAMESPACE, updated, check_version=False)
