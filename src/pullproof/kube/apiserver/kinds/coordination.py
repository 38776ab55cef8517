"""``coordination.k8s.io/v1`` Lease: the printer (``printLease``)."""

from __future__ import annotations

from typing import Any

from pullproof.kube.apiserver.kinds.base import Obj, Strategy
from pullproof.kube.apiserver.printing.durations import Ages
from pullproof.kube.apiserver.printing.printers import AGE, NAME, Column, Printer


def _row(obj: Obj, ages: Ages) -> list[Any]:
    meta = obj.get("metadata") or {}
    holder = (obj.get("spec") or {}).get("holderIdentity") or ""
    return [meta.get("name", ""), holder, ages.since(meta.get("creationTimestamp"))]


STRATEGIES: dict[str, Strategy] = {
    "leases.coordination.k8s.io": Strategy(printer=Printer((NAME, Column(
        "Holder", description="holderIdentity contains the identity of the holder of a current lease. If "
        "Coordinated Leader Election is used, the holder identity must be equal to the elected LeaseCandidate."
        "metadata.name field."), AGE), _row)),
}
