"""The ``/status`` and ``/scale`` subresources: status writes change only ``status``; scale reads
and writes an ``autoscaling/v1`` Scale onto ``spec.replicas`` (a spec change: generation + 1)."""

from __future__ import annotations

import copy
from typing import Any

from pullproof.core.errors import ServiceError
from pullproof.kube import errors
from pullproof.kube.apiserver import jsonpath, structural, validation
from pullproof.kube.apiserver.options import WriteOptions
from pullproof.kube.apiserver.printing.printers import selector_string
from pullproof.kube.apiserver.service import ObjectService, typed
from pullproof.kube.storage.resources import ResourceType

Obj = dict[str, Any]


class Subresources:
    def __init__(self, objects: ObjectService) -> None:
        self.objects = objects
        self.tracker = objects.tracker

    # status -----------------------------------------------------------------------------------------
    def update_status(self, rtype: ResourceType, namespace: str, name: str, body: Obj, opts: WriteOptions) -> Obj:
        current = self.tracker.get(rtype.key, namespace, name)
        wanted = _get(_get(body, "metadata"), "resourceVersion")
        return self._with_status(rtype, namespace, current, body.get("status"), wanted, opts)

    def patch_status(self, rtype: ResourceType, namespace: str, name: str, kind: str, body: Any,
                     opts: WriteOptions) -> Obj:
        current = self.tracker.get(rtype.key, namespace, name)
        patched = self.objects.apply_patch(rtype, typed(rtype, current), kind, body, opts)
        wanted = _get(_get(patched, "metadata"), "resourceVersion")
        return self._with_status(rtype, namespace, current, _get(patched, "status"), wanted, opts)

    def _with_status(self, rtype: ResourceType, namespace: str, current: Obj, status: Any, wanted: str | None,
                     opts: WriteOptions) -> Obj:
        obj = copy.deepcopy(current)
        if status is None:
            obj.pop("status", None)
        else:
            obj["status"] = status
            self.objects.check(rtype, obj, opts.field_validation)  # a status of the wrong type is a 400
            if rtype.custom is not None and isinstance(rtype.custom.schema, dict):
                validation.raise_invalid(rtype, obj["metadata"]["name"], structural.validate(rtype.custom.schema, obj))
        obj["metadata"]["resourceVersion"] = wanted or current["metadata"]["resourceVersion"]
        return self.objects.commit(rtype, namespace, obj, opts)

    # scale ----------------------------------------------------------------------------------------------
    def get_scale(self, rtype: ResourceType, namespace: str, name: str) -> Obj:
        return scale_of(self.tracker.get(rtype.key, namespace, name), rtype)

    def update_scale(self, rtype: ResourceType, namespace: str, name: str, body: Obj, opts: WriteOptions) -> Obj:
        current = self.tracker.get(rtype.key, namespace, name)
        return self._rescale(rtype, namespace, current, body, opts)

    def patch_scale(self, rtype: ResourceType, namespace: str, name: str, kind: str, body: Any,
                    opts: WriteOptions) -> Obj:
        current = self.tracker.get(rtype.key, namespace, name)
        scale = scale_of(current, rtype)
        patched = self.objects.apply_patch(rtype, scale, kind, body, opts)
        return self._rescale(rtype, namespace, current, patched, opts)

    def _rescale(self, rtype: ResourceType, namespace: str, current: Obj, scale: Any, opts: WriteOptions) -> Obj:
        for field, value in (("Scale", scale), ("Scale.spec", _get(scale, "spec")),
                             ("Scale.metadata", _get(scale, "metadata"))):
            if value is not None and not isinstance(value, dict):
                raise ServiceError(errors.BAD_REQUEST, detail=f"json: cannot unmarshal {type(value).__name__} "
                                                              f"into Go value of type {field}")
        replicas = (scale.get("spec") or {}).get("replicas", 0)
        if not isinstance(replicas, int) or isinstance(replicas, bool) or replicas < 0:
            raise ServiceError(errors.INVALID, kind="Scale.autoscaling", name=current["metadata"]["name"],
                               causes=f"spec.replicas: Invalid value: {replicas}: must be greater than or equal to 0",
                               detail_name=current["metadata"]["name"], detail_group="autoscaling",
                               detail_kind="Scale")
        obj = copy.deepcopy(current)
        wanted = (scale.get("metadata") or {}).get("resourceVersion")
        if wanted and wanted != current["metadata"]["resourceVersion"]:
            name = current["metadata"]["name"]
            raise ServiceError(errors.CONFLICT, resource=rtype.key, name=name, detail_name=name,
                               detail_kind=rtype.plural, detail_group=rtype.group or None)
        spec_path = rtype.custom.scale.spec_replicas if rtype.custom and rtype.custom.scale else ".spec.replicas"
        if jsonpath.find(obj, spec_path)[1] != replicas:
            jsonpath.put(obj, spec_path, replicas)
            obj["metadata"]["generation"] = int(obj["metadata"].get("generation") or 1) + 1
        return scale_of(self.objects.commit(rtype, namespace, obj, opts), rtype)


def _get(value: Any, key: str) -> Any:
    return value.get(key) if isinstance(value, dict) else None


def scale_of(obj: Obj, rtype: ResourceType | None = None) -> Obj:
    meta = obj.get("metadata") or {}
    scale_meta = {k: meta[k] for k in ("name", "namespace", "uid", "resourceVersion", "creationTimestamp")
                  if k in meta}
    paths = rtype.custom.scale if rtype is not None and rtype.custom is not None else None
    if paths is not None:
        spec_replicas = jsonpath.find(obj, paths.spec_replicas)[1]
        status_replicas = jsonpath.find(obj, paths.status_replicas)[1]
        selector = jsonpath.find(obj, paths.label_selector)[1] if paths.label_selector else None
        status: Obj = {"replicas": status_replicas if isinstance(status_replicas, int) else 0}
        if isinstance(selector, str) and selector:
            status["selector"] = selector
        return {"kind": "Scale", "apiVersion": "autoscaling/v1", "metadata": scale_meta,
                "spec": {"replicas": spec_replicas if isinstance(spec_replicas, int) else 0}, "status": status}
    spec, current = obj.get("spec") or {}, obj.get("status") or {}
    return {"kind": "Scale", "apiVersion": "autoscaling/v1", "metadata": scale_meta,
            "spec": {"replicas": spec.get("replicas", 0)},
            "status": {"replicas": current.get("replicas", 0), "selector": selector_string(spec.get("selector"))}}
