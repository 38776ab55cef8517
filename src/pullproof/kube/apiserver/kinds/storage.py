"""StorageClass and CSIDriver (``storage.k8s.io``) and the claim side of PersistentVolumeClaim / PersistentVolume:
defaults, the checks of ``ValidatePersistentVolumeClaim``, the DefaultStorageClass admission plugin
and the StorageClass printer (``(default)`` after the default class's name)."""

from __future__ import annotations

import json
from typing import Any

from pullproof.kube.apiserver.kinds.base import AdmissionContext, Obj, Strategy
from pullproof.kube.apiserver.printing.durations import Ages
from pullproof.kube.apiserver.printing.printers import AGE, NAME, Column, Printer
from pullproof.kube.apiserver.validation import Cause, required

DEFAULT_CLASS = "storageclass.kubernetes.io/is-default-class"
BETA_DEFAULT_CLASS = "storageclass.beta.kubernetes.io/is-default-class"
ACCESS_MODES = ("ReadOnlyMany", "ReadWriteMany", "ReadWriteOnce", "ReadWriteOncePod")
CLAIM_IMMUTABLE = ("Forbidden: spec is immutable after creation except resources.requests and "
                   "volumeAttributesClassName for bound claims")


def default_claim(obj: Obj) -> None:
    spec = obj.setdefault("spec", {})
    spec.setdefault("volumeMode", "Filesystem")


def default_volume(obj: Obj) -> None:
    spec = obj.setdefault("spec", {})
    spec.setdefault("persistentVolumeReclaimPolicy", "Retain")
    spec.setdefault("volumeMode", "Filesystem")


def validate_claim(obj: Obj) -> list[Cause]:
    spec = obj.get("spec") or {}
    causes: list[Cause] = []
    modes = spec.get("accessModes") or []
    if not modes:
        causes.append(required("spec.accessModes", "at least 1 access mode is required"))
    for mode in modes:
        if mode not in ACCESS_MODES:
            allowed = ", ".join(json.dumps(m) for m in ACCESS_MODES)
            causes.append(Cause("FieldValueNotSupported", "spec.accessModes",
                                f"Unsupported value: {json.dumps(mode)}: supported values: {allowed}"))
    if "storage" not in ((spec.get("resources") or {}).get("requests") or {}):
        causes.append(required("spec.resources[storage]"))
    return causes


def validate_claim_update(current: Obj, new: Obj) -> list[Cause]:
    def shape(obj: Obj) -> Obj:
        spec = dict(obj.get("spec") or {})
        spec.pop("volumeAttributesClassName", None)
        if current.get("status", {}).get("phase") == "Bound":
            spec["resources"] = {k: v for k, v in (spec.get("resources") or {}).items() if k != "requests"}
        if not (current.get("spec") or {}).get("volumeName"):
            spec.pop("volumeName", None)
        return spec
    return [] if shape(current) == shape(new) else [Cause("FieldValueForbidden", "spec", CLAIM_IMMUTABLE)]


def is_default(sc: Obj) -> bool:
    annotations = (sc.get("metadata") or {}).get("annotations") or {}
    return annotations.get(DEFAULT_CLASS) == "true" or annotations.get(BETA_DEFAULT_CLASS) == "true"


def default_class(context: AdmissionContext, obj: Obj, current: Obj | None) -> None:
    """The DefaultStorageClass admission plugin: a new claim without ``storageClassName`` gets the default
    class (the newest one when several are marked)."""
    spec = obj.setdefault("spec", {})
    if current is not None or "storageClassName" in spec:
        return
    marked = [sc for sc in context.tracker.scan("storageclasses.storage.k8s.io") if is_default(sc)]
    if marked:
        newest = max(marked, key=lambda sc: (sc["metadata"].get("creationTimestamp", ""), sc["metadata"]["name"]))
        spec["storageClassName"] = newest["metadata"]["name"]


def default_storage_class(obj: Obj) -> None:
    obj.setdefault("reclaimPolicy", "Delete")
    obj.setdefault("volumeBindingMode", "Immediate")


def _class_row(obj: Obj, ages: Ages) -> list[Any]:
    name = str(obj["metadata"].get("name", "")) + (" (default)" if is_default(obj) else "")
    return [name, obj.get("provisioner", ""), obj.get("reclaimPolicy") or "Delete",
            obj.get("volumeBindingMode") or "Immediate", bool(obj.get("allowVolumeExpansion")),
            ages.since(obj["metadata"].get("creationTimestamp"))]


CLASS_PRINTER = Printer((NAME, Column("Provisioner", description="Indicates the type of the provisioner."),
                         Column("ReclaimPolicy", description="Indicates the type of the reclaim policy."),
                         Column("VolumeBindingMode", description="Indicates the volume binding mode."),
                         Column("AllowVolumeExpansion", description="Indicates whether the storage class allows "
                                "volume expansion."), AGE), _class_row)
def _driver_row(obj: Obj, ages: Ages) -> list[Any]:
    meta, spec = obj.get("metadata") or {}, obj.get("spec") or {}
    modes = ",".join(spec.get("volumeLifecycleModes") or []) or "<none>"
    audiences = ",".join(t.get("audience", "") for t in spec.get("tokenRequests") or []) or "<unset>"
    return [meta.get("name", ""), bool(spec.get("attachRequired", True)), bool(spec.get("podInfoOnMount")),
            bool(spec.get("storageCapacity")), audiences,
            bool(spec.get("requiresRepublish")), modes, ages.since(meta.get("creationTimestamp"))]


def _driver_col(name: str, kind: str = "boolean") -> Column:
    return Column(name, kind, name)


STRATEGIES: dict[str, Strategy] = {
    "storageclasses.storage.k8s.io": Strategy(default=default_storage_class, printer=CLASS_PRINTER),
    "csidrivers.storage.k8s.io": Strategy(printer=Printer((
        NAME, _driver_col("AttachRequired"), _driver_col("PodInfoOnMount"), _driver_col("StorageCapacity"),
        _driver_col("TokenRequests", "string"), _driver_col("RequiresRepublish"), _driver_col("Modes", "string"), AGE),
        _driver_row)),
}
