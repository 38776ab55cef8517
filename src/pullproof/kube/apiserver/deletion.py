"""Deletion: preconditions, graceful pod deletion (hand-off to the kubelet), finalizers, cascading
to dependents (the garbage collector's work, done at once), namespaces and delete-collection.

A pod bound to a node (``spec.nodeName``) is not removed here: it gets ``deletionTimestamp`` and
``deletionGracePeriodSeconds`` and the node's kubelet removes it once its containers have
stopped. An unscheduled pod, a pod in a terminal phase, or ``gracePeriodSeconds=0`` goes at once.
"""

from __future__ import annotations

from typing import Any

from pullproof.core.errors import ServiceError
from pullproof.kube import errors
from pullproof.kube.apiserver.admission import forbidden
from pullproof.kube.apiserver.options import DeleteOptions, ListOptions
from pullproof.kube.apiserver.service import ObjectService, typed
from pullproof.kube.storage.customtypes import CRDS, ResourceTypes
from pullproof.kube.storage.resources import POD_LOGS, RESOURCES, ResourceType
from pullproof.kube.storage.tracker import kube_time

Obj = dict[str, Any]
IMMORTAL_NAMESPACES = ("default", "kube-system", "kube-public")


class Deleter:
    def __init__(self, objects: ObjectService) -> None:
        self.objects = objects
        self.tracker = objects.tracker
        self.clock = objects.clock

    def delete(self, rtype: ResourceType, namespace: str, name: str, opts: DeleteOptions) -> tuple[Obj, bool]:
        """The object as it is after the request, and whether it is gone."""
        current = self.tracker.get(rtype.key, namespace, name)
        if rtype.key == "namespaces" and name in IMMORTAL_NAMESPACES:
            raise forbidden(rtype, name, "this namespace may not be deleted")
        _preconditions(current, opts.preconditions)
        grace = self._grace(rtype, current, opts)
        if grace or current["metadata"].get("finalizers"):
            return self._mark(rtype, namespace, current, grace, opts), False
        if opts.dry_run:
            return typed(rtype, current), True
        if rtype.key == "namespaces":
            return self._namespace(current), True
        gone = self.tracker.delete(rtype.key, namespace, name)
        if rtype.key == "pods" and self.tracker.find(POD_LOGS, namespace, name) is not None:
            self.tracker.delete(POD_LOGS, namespace, name)
        if rtype.key == CRDS:
            self._custom_objects(gone)
        self._cascade(rtype, gone, opts)
        return typed(rtype, gone), True

    def _grace(self, rtype: ResourceType, pod: Obj, opts: DeleteOptions) -> int:
        if rtype.key != "pods":
            return 0
        spec, status = pod.get("spec") or {}, pod.get("status") or {}
        if not spec.get("nodeName") or status.get("phase") in ("Succeeded", "Failed"):
            return 0
        if opts.grace_period is not None:
            return max(opts.grace_period, 0)
        current = pod["metadata"].get("deletionGracePeriodSeconds")
        if current is not None:
            return int(current)
        return int(spec.get("terminationGracePeriodSeconds", 30) or 0)

    def _mark(self, rtype: ResourceType, namespace: str, current: Obj, grace: int, opts: DeleteOptions) -> Obj:
        meta = current["metadata"]
        previous = meta.get("deletionGracePeriodSeconds")
        if meta.get("deletionTimestamp") and previous is not None and int(previous) <= grace:
            return typed(rtype, current)
        meta["deletionTimestamp"] = kube_time(self.clock.now() + grace)
        meta["deletionGracePeriodSeconds"] = grace
        if opts.dry_run:
            return typed(rtype, current)
        return typed(rtype, self.tracker.update(rtype.key, namespace, current, check_version=False))

    def _cascade(self, owner_type: ResourceType, owner: Obj, opts: DeleteOptions) -> None:
        uid = owner["metadata"].get("uid")
        namespace = owner["metadata"].get("namespace") or None
        # batch/v1 Jobs orphan their pods unless the request says otherwise (DefaultGarbageCollectionPolicy)
        effective = DeleteOptions(propagation="Orphan") if opts.propagation is None and \
            owner_type.key == "jobs.batch" else opts
        for rtype in _unique_keys(ResourceTypes.of(self.tracker).all):
            if not rtype.namespaced and owner_type.namespaced:
                continue
            owned, _ = self.tracker.list(rtype.key, namespace, lambda o: any(
                ref.get("uid") == uid for ref in (o.get("metadata") or {}).get("ownerReferences") or []))
            for dependent in owned:
                self._dependent(rtype, dependent, uid, effective)

    def _dependent(self, rtype: ResourceType, obj: Obj, owner_uid: str, opts: DeleteOptions) -> None:
        meta = obj["metadata"]
        if opts.propagation == "Orphan":
            meta["ownerReferences"] = [r for r in meta.get("ownerReferences") or [] if r.get("uid") != owner_uid]
            if not meta["ownerReferences"]:
                meta.pop("ownerReferences")
            self.tracker.update(rtype.key, meta.get("namespace", ""), obj, check_version=False)
            return
        try:
            self.delete(rtype, meta.get("namespace", ""), meta["name"], DeleteOptions(propagation="Background"))
        except ServiceError as exc:
            if exc.code is not errors.NOT_FOUND:
                raise

    def _namespace(self, namespace: Obj) -> Obj:
        """Namespace deletion: phase Terminating, its content removed at once, then the namespace."""
        name = namespace["metadata"]["name"]
        namespace["metadata"]["deletionTimestamp"] = kube_time(self.clock.now())
        namespace.setdefault("status", {})["phase"] = "Terminating"
        terminating = self.tracker.update("namespaces", "", namespace, check_version=False)
        types = _unique_keys(ResourceTypes.of(self.tracker).all)
        for key in [r.key for r in types if r.namespaced] + [POD_LOGS]:
            items, _ = self.tracker.list(key, name)
            for item in items:
                try:
                    self.tracker.delete(key, name, item["metadata"]["name"])
                except ServiceError as exc:
                    if exc.code is not errors.NOT_FOUND:
                        raise
        self.tracker.delete("namespaces", "", name)
        return typed(self.objects_type("namespaces"), terminating)

    def _custom_objects(self, crd: Obj) -> None:
        """A deleted CustomResourceDefinition takes its custom resources with it."""
        spec = crd.get("spec") or {}
        key = f"{(spec.get('names') or {}).get('plural', '')}.{spec.get('group', '')}"
        items, _ = self.tracker.list(key)
        for item in items:
            meta = item["metadata"]
            try:
                self.tracker.delete(key, meta.get("namespace", ""), meta["name"])
            except ServiceError as exc:
                if exc.code is not errors.NOT_FOUND:
                    raise

    @staticmethod
    def objects_type(key: str) -> ResourceType:
        return next(r for r in RESOURCES if r.key == key)

    def delete_collection(self, rtype: ResourceType, namespace: str | None, selection: ListOptions,
                          opts: DeleteOptions) -> tuple[list[Obj], Obj]:
        items, meta = self.objects.list(rtype, namespace, selection)
        deleted = []
        for item in items:
            try:
                obj, _ = self.delete(rtype, item["metadata"].get("namespace", ""), item["metadata"]["name"], opts)
            except ServiceError as exc:
                if exc.code is not errors.NOT_FOUND:
                    raise
                continue
            deleted.append({k: v for k, v in obj.items() if k not in ("kind", "apiVersion")})
        return deleted, meta


def _unique_keys(types: tuple[ResourceType, ...]) -> list[ResourceType]:
    """One type per tracker key (a custom resource served in several versions is stored once; a view
    of another kind's storage is that kind's)."""
    return list({r.key: r for r in reversed(types) if not r.stored_as}.values())[::-1]


def _preconditions(current: Obj, wanted: dict[str, Any]) -> None:
    meta = current["metadata"]
    if wanted.get("uid") and wanted["uid"] != meta.get("uid"):
        raise ServiceError(errors.PRECONDITION, detail=f"Precondition failed: UID in precondition: {wanted['uid']}, "
                                                       f"UID in object meta: {meta.get('uid')}")
    if wanted.get("resourceVersion") and wanted["resourceVersion"] != meta.get("resourceVersion"):
        raise ServiceError(errors.PRECONDITION, detail=f"Precondition failed: ResourceVersion in precondition: "
                                                       f"{wanted['resourceVersion']}, ResourceVersion in object meta: "
                                                       f"{meta.get('resourceVersion')}")


def success_status(rtype: ResourceType, obj: Obj) -> Obj:
    details: Obj = {"name": obj["metadata"]["name"]}
    if rtype.group:
        details["group"] = rtype.group
    details.update({"kind": rtype.plural, "uid": obj["metadata"].get("uid")})
    return {"kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Success", "details": details}
