"""``storage.k8s.io/v1`` CSIDriver: the printer (``printCSIDriver``)."""

from __future__ import annotations

from typing import Any

from pullproof.kube.apiserver.kinds.base import Obj, Strategy
from pullproof.kube.apiserver.printing.durations import Ages
from pullproof.kube.apiserver.printing.printers import AGE, NAME, Column, Printer


def _row(obj: Obj, ages: Ages) -> list[Any]:
    meta, spec = obj.get("metadata") or {}, obj.get("spec") or {}
    modes = ",".join(spec.get("volumeLifecycleModes") or []) or "<none>"
    audiences = ",".join(t.get("audience", "") for t in spec.get("tokenRequests") or []) or "<unset>"
    return [meta.get("name", ""), bool(spec.get("attachRequired", True)), bool(spec.get("podInfoOnMount")),
            bool(spec.get("storageCapacity")), audiences,
            bool(spec.get("requiresRepublish")), modes, ages.since(meta.get("creationTimestamp"))]


def _col(name: str, kind: str = "boolean") -> Column:
    return Column(name, kind, name)


STRATEGIES: dict[str, Strategy] = {
    "csidrivers.storage.k8s.io": Strategy(printer=Printer((
        NAME, _col("AttachRequired"), _col("PodInfoOnMount"), _col("StorageCapacity"), _col("TokenRequests", "string"),
        _col("RequiresRepublish"), _col("Modes", "string"), AGE), _row)),
}
