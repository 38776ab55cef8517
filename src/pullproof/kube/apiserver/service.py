"""The API server's object verbs for one cluster: get, list, create, update and patch, with
decoding checks, defaulting, admission, validation and ``metadata.generation``. Framework-free."""

from __future__ import annotations

import base64
import binascii
import builtins
import json
from dataclasses import dataclass, field
from typing import Any

from pullproof.core import jsonbody
from pullproof.core.clock import Clock
from pullproof.core.errors import ServiceError
from pullproof.core.ids import IdFactory
from pullproof.kube import errors
from pullproof.kube.apiserver import admission, conversion, defaults, kinds, managed, structural, validation
from pullproof.kube.apiserver.bootstrap import namespace_created
from pullproof.kube.apiserver.kinds.base import AdmissionContext
from pullproof.kube.apiserver.options import ListOptions, WriteOptions, parse_resource_version
from pullproof.kube.apiserver.patch import json_patch, merge_patch, strategic_merge
from pullproof.kube.apiserver.schema import SchemaChecker
from pullproof.kube.apiserver.selectors import FieldTerm, field_selector, field_terms, label_selector
from pullproof.kube.storage.resources import ResourceType
from pullproof.kube.storage.tracker import Tracker, kube_time

Obj = dict[str, Any]
SERVER_FIELDS = ("uid", "creationTimestamp", "deletionTimestamp", "deletionGracePeriodSeconds", "generation")
STATUS_RESET = {"pods": None, "deployments.apps": {}, "replicasets.apps": {"replicas": 0}}


@dataclass
class Written:
    """The outcome of a write: the object, whether it was created, and warnings for the client."""

    obj: Obj
    created: bool = False
    warnings: builtins.list[str] = field(default_factory=list)


def typed(rtype: ResourceType, obj: Obj) -> Obj:
    rest = {k: v for k, v in obj.items() if k not in ("kind", "apiVersion")}
    return {"kind": rtype.kind, "apiVersion": rtype.api_version, **rest}


class ObjectService:
    def __init__(self, tracker: Tracker, clock: Clock, ids: IdFactory, checker: SchemaChecker) -> None:
        self.tracker = conversion.wrap(tracker)
        self.clock = clock
        self.ids = ids
        self.checker = checker

    # reads ------------------------------------------------------------------------------------------
    def get(self, rtype: ResourceType, namespace: str, name: str) -> Obj:
        return typed(rtype, self.tracker.get(rtype.key, namespace, name))

    def list(self, rtype: ResourceType, namespace: str | None, opts: ListOptions) -> tuple[builtins.list[Obj], Obj]:
        """Items (without kind/apiVersion, as in a typed list) and the list metadata."""
        predicate = self.predicate(rtype, opts.label_selector, opts.field_selector)
        start = self._continue_from(opts) if opts.continue_token else None
        parse_resource_version(opts.resource_version)
        items, rv = self.tracker.list(rtype.key, namespace, predicate)
        if start is not None:
            items = [o for o in items if _position(o) > start]
        meta: Obj = {"resourceVersion": str(rv)}
        if opts.limit and len(items) > opts.limit:
            remaining = len(items) - opts.limit
            items = items[:opts.limit]
            meta["continue"] = _encode_continue(rv, _position(items[-1]))
            meta["remainingItemCount"] = remaining
        return [{k: v for k, v in o.items() if k not in ("kind", "apiVersion")} for o in items], meta

    def _continue_from(self, opts: ListOptions) -> tuple[str, str]:
        """Where a continued list resumes; a token older than the history window is ``410`` (with a
        token that continues from the current state), as after an etcd compaction."""
        token_rv, start = _decode_continue(opts.continue_token)
        if opts.resource_version not in ("", "0"):
            raise ServiceError(errors.BAD_REQUEST,
                               detail="specifying resource version is not allowed when using continue")
        if 0 <= token_rv < self.tracker.oldest:
            raise ServiceError(errors.CONTINUE_EXPIRED, list_continue=_encode_continue(-1, start))
        return start

    def predicate(self, rtype: ResourceType, labels: str, fields: str) -> Any:
        """Both selectors of a list or watch, checked in the API server's order: the field selector's
        syntax, the label selector, then the field labels the kind supports."""
        terms = field_terms(fields)
        by_label = label_selector(labels)
        for term in terms:
            if term.field not in rtype.field_labels():
                raise ServiceError(errors.BAD_REQUEST, detail=f"field label not supported: {term.field}")
        by_field = field_selector([FieldTerm("source.component", t.equal, t.value) if t.field == "source" else t
                                   for t in terms])
        return lambda obj: by_label(obj) and by_field(obj)

    # create -----------------------------------------------------------------------------------------
    def create(self, rtype: ResourceType, namespace: str, body: Obj, opts: WriteOptions) -> Written:
        obj, warnings = self._decoded(rtype, namespace, body, opts)
        meta = obj.setdefault("metadata", {})
        if meta.get("resourceVersion"):
            raise ServiceError(errors.BAD_REQUEST, detail="resourceVersion should not be set on objects to be created")
        for key in SERVER_FIELDS:
            meta.pop(key, None)
        self._reset_status(rtype, obj)
        self._default(rtype, obj)
        shown = str(meta.get("name") or meta.get("generateName") or "")
        admission.namespace_lifecycle(self.tracker, rtype, namespace, shown)
        if rtype.key == "pods":
            admission.pod(self.tracker, self.ids, rtype, obj)
        if not meta.get("name") and meta.get("generateName"):
            meta["name"] = admission.generated_name(self.ids, str(meta["generateName"]))
        self._admit(rtype, obj, None, opts, mutating=True)
        self._validate(rtype, obj)
        self._admit(rtype, obj, None, opts, mutating=False)
        if rtype.has_generation:
            meta["generation"] = 1
        return Written(self._store_new(rtype, namespace, obj, opts), True, warnings + _strategy_warnings(rtype, obj))

    def check(self, rtype: ResourceType, obj: Obj, mode: str) -> builtins.list[str]:
        """The decoding checks: the typed schema of a built-in kind, or the structural schema of a
        custom resource (pruning, then its defaults). Raises for Strict; returns the warnings."""
        if rtype.custom is None:
            return self.checker.check(rtype, obj, mode)
        schema = rtype.custom.schema
        if not isinstance(schema, dict):
            return []
        messages = [f'unknown field "{path}"' for path in structural.prune(schema, obj)]
        if messages and mode == "Strict":
            raise ServiceError(errors.BAD_REQUEST, detail=f'{rtype.kind} in version "{rtype.version}" cannot be '
                                                          f"handled as a {rtype.kind}: strict decoding error: "
                                                          + ", ".join(messages))
        structural.default(schema, obj)
        return messages if mode != "Ignore" else []

    @staticmethod
    def _reset_status(rtype: ResourceType, obj: Obj) -> None:
        """A create ignores ``status`` where the kind has a status subresource."""
        strategy = kinds.strategy(rtype.key)
        if rtype.custom is not None:
            if rtype.subresource("status") is not None:
                obj.pop("status", None)
        elif rtype.key in STATUS_RESET:
            obj.pop("status", None)
            if STATUS_RESET[rtype.key] is not None:
                obj["status"] = dict(STATUS_RESET[rtype.key] or {})
        elif strategy is not None and rtype.subresource("status") is not None:
            obj.pop("status", None)
            if strategy.initial_status is not None:
                obj["status"] = json.loads(json.dumps(strategy.initial_status))

    @staticmethod
    def _default(rtype: ResourceType, obj: Obj) -> None:
        defaults.apply(rtype.key, obj)
        strategy = kinds.strategy(rtype.key)
        if strategy is not None:
            strategy.default(obj)

    @staticmethod
    def _validate(rtype: ResourceType, obj: Obj, current: Obj | None = None) -> None:
        strategy = kinds.strategy(rtype.key)
        more = strategy.validate(obj) if strategy is not None else []
        if rtype.custom is not None and isinstance(rtype.custom.schema, dict):
            more += structural.validate(rtype.custom.schema, obj)
        validation.validate(rtype, obj, more)
        if current is not None:
            validation.immutable(rtype, current, obj)
            if strategy is not None:
                validation.raise_invalid(rtype, str(obj["metadata"]["name"]), strategy.validate_update(current, obj))

    def _admit(self, rtype: ResourceType, obj: Obj, current: Obj | None, opts: WriteOptions, *,
               mutating: bool) -> None:
        context = AdmissionContext(self.tracker, self.ids, opts.dry_run)
        for step in kinds.admission(rtype.key, mutating):
            step(context, obj, current)

    def _store_new(self, rtype: ResourceType, namespace: str, obj: Obj, opts: WriteOptions) -> Obj:
        if opts.dry_run:
            if self.tracker.find(rtype.key, namespace, obj["metadata"]["name"]) is not None:
                name = obj["metadata"]["name"]
                raise ServiceError(errors.ALREADY_EXISTS, resource=rtype.key, name=name, detail_name=name,
                                   detail_kind=rtype.plural, detail_group=rtype.group or None)
            obj["metadata"].update({"uid": self.ids.guid(), "creationTimestamp": kube_time(self.clock.now())})
            return typed(rtype, obj)
        stored = self.tracker.create(rtype.key, namespace, typed(rtype, obj))
        if rtype.key == "namespaces":
            namespace_created(self.tracker, stored["metadata"]["name"])
        return typed(rtype, stored)

    def _decoded(self, rtype: ResourceType, namespace: str, body: Obj,
                 opts: WriteOptions) -> tuple[Obj, builtins.list[str]]:
        obj = json.loads(json.dumps(body))
        api_version = obj.get("apiVersion")
        if api_version and api_version != rtype.api_version:
            raise ServiceError(errors.BAD_REQUEST, detail=f"the API version in the data ({api_version}) does not "
                                                          f"match the expected API version ({rtype.api_version})")
        if obj.get("kind") and obj["kind"] != rtype.kind:
            raise ServiceError(errors.BAD_REQUEST, detail=f'{rtype.kind} in version "{rtype.version}" cannot be '
                                                          f"handled as a {rtype.kind}: kind {obj['kind']} does not "
                                                          f"match {rtype.kind}")
        warnings = self.check(rtype, obj, opts.field_validation)
        meta = obj.setdefault("metadata", {})
        if rtype.namespaced:
            if meta.get("namespace") and meta["namespace"] != namespace:
                raise ServiceError(errors.BAD_REQUEST, detail="the namespace of the provided object does not match "
                                                              "the namespace sent on the request")
            meta["namespace"] = namespace
        else:
            meta.pop("namespace", None)
        return obj, warnings

    # update and patch -----------------------------------------------------------------------------------
    def update(self, rtype: ResourceType, namespace: str, name: str, body: Obj, opts: WriteOptions) -> Written:
        current = self.tracker.get(rtype.key, namespace, name)
        obj, warnings = self._decoded(rtype, namespace, body, opts)
        stored = self._replace(rtype, namespace, name, current, obj, opts)
        return Written(stored, False, warnings + _strategy_warnings(rtype, stored))

    def _replace(self, rtype: ResourceType, namespace: str, name: str, current: Obj, obj: Obj,
                 opts: WriteOptions) -> Obj:
        meta = obj.setdefault("metadata", {})
        if meta.get("name") and meta["name"] != name:
            raise ServiceError(errors.BAD_REQUEST, detail=f"the name of the object ({meta['name']}) does not match "
                                                          f"the name on the URL ({name})")
        meta["name"] = name
        for key in SERVER_FIELDS:
            meta.pop(key, None)
            if key in current.get("metadata", {}):
                meta[key] = current["metadata"][key]
        if "managedFields" not in meta and current["metadata"].get("managedFields"):
            meta["managedFields"] = current["metadata"]["managedFields"]
        if rtype.key in STATUS_RESET or rtype.key in ("namespaces", "nodes") or \
                ((kinds.strategy(rtype.key) is not None or rtype.custom is not None)
                 and rtype.subresource("status") is not None):
            obj.pop("status", None)
            if "status" in current:
                obj["status"] = current["status"]
        self._default(rtype, obj)
        self._admit(rtype, obj, current, opts, mutating=True)
        self._validate(rtype, obj, current)
        self._admit(rtype, obj, current, opts, mutating=False)
        if rtype.custom is not None:
            meta["generation"] = _custom_generation(rtype, current, obj)
        elif rtype.has_generation:
            meta["generation"] = defaults.next_generation(current, obj)
        return self.commit(rtype, namespace, obj, opts)

    def commit(self, rtype: ResourceType, namespace: str, obj: Obj, opts: WriteOptions) -> Obj:
        """Writes an updated object; one whose deletion was waiting only on finalizers goes away."""
        meta = obj["metadata"]
        if opts.dry_run:
            current = self.tracker.get(rtype.key, namespace, meta["name"])
            wanted = meta.get("resourceVersion")
            if wanted and wanted != current["metadata"]["resourceVersion"]:
                raise ServiceError(errors.CONFLICT, resource=rtype.key, name=meta["name"], detail_name=meta["name"],
                                   detail_kind=rtype.plural, detail_group=rtype.group or None)
            return typed(rtype, obj)
        stored = self.tracker.update(rtype.key, namespace, typed(rtype, obj))
        if meta.get("deletionTimestamp") and not meta.get("finalizers") and not _awaits_kubelet(rtype, stored):
            stored = self.tracker.delete(rtype.key, namespace, meta["name"])
        return typed(rtype, stored)

    def patch(self, rtype: ResourceType, namespace: str, name: str, kind: str, body: Any,
              opts: WriteOptions) -> Written:
        current = self.tracker.find(rtype.key, namespace, name)
        if current is None:
            if kind != "apply":
                raise ServiceError(errors.NOT_FOUND, resource=rtype.key, name=name, detail_name=name,
                                   detail_kind=rtype.plural, detail_group=rtype.group or None)
            applied = _object(body)
            obj = {**applied, "metadata": {**(applied.get("metadata") or {}), "name": name}}
            managed.record_apply(obj, applied, opts.field_manager or "kubectl", rtype.api_version,
                                 kube_time(self.clock.now()))
            return self.create(rtype, namespace, obj, opts)
        patched = self.apply_patch(rtype, typed(rtype, current), kind, body, opts)
        obj, warnings = self._decoded(rtype, namespace, patched, opts)
        stored = self._replace(rtype, namespace, name, current, obj, opts)
        return Written(stored, False, warnings + _strategy_warnings(rtype, stored))

    def apply_patch(self, rtype: ResourceType, current: Obj, kind: str, body: Any, opts: WriteOptions) -> Obj:
        if kind == "strategic":
            result = strategic_merge(current, _object(body))
        elif kind == "merge":
            result = merge_patch(current, _object(body))
        elif kind == "json":
            result = json_patch(current, body)
        else:
            applied = _object(body)
            # no patch strategies in a custom resource: its lists are atomic, its maps merged
            result = merge_patch(current, applied) if rtype.custom is not None else strategic_merge(current, applied)
            managed.record_apply(result, applied, opts.field_manager or "kubectl", rtype.api_version,
                                 kube_time(self.clock.now()))
        if not isinstance(result, dict):
            raise ServiceError(errors.BAD_REQUEST, detail="the patch did not produce an object")
        return result


def _strategy_warnings(rtype: ResourceType, obj: Obj) -> builtins.list[str]:
    strategy = kinds.strategy(rtype.key)
    return strategy.warnings(obj) if strategy is not None else []


def _custom_generation(rtype: ResourceType, current: Obj, new: Obj) -> int:
    """A custom resource's generation moves with any change but to metadata (and to status, where
    it has a status subresource)."""
    ignored = ("metadata", "kind", "apiVersion") + (("status",) if rtype.subresource("status") else ())
    generation = int((current.get("metadata") or {}).get("generation") or 1)
    before = {k: v for k, v in current.items() if k not in ignored}
    after = {k: v for k, v in new.items() if k not in ignored}
    return generation + 1 if before != after else generation


def _object(body: Any) -> Obj:
    if not isinstance(body, dict):
        raise ServiceError(errors.BAD_REQUEST, detail="the patch body must be a JSON object")
    return body


def _awaits_kubelet(rtype: ResourceType, obj: Obj) -> bool:
    """A pod bound to a node is removed by that node's kubelet once its containers have stopped."""
    return rtype.key == "pods" and bool((obj.get("spec") or {}).get("nodeName"))


def _position(obj: Obj) -> tuple[str, str]:
    meta = obj.get("metadata") or {}
    return str(meta.get("namespace") or ""), str(meta.get("name") or "")


def _encode_continue(rv: int, position: tuple[str, str]) -> str:
    raw = json.dumps({"v": "meta.k8s.io/v1", "rv": rv, "start": list(position)}, separators=(",", ":"))
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def _decode_continue(token: str) -> tuple[int, tuple[str, str]]:
    try:
        data = jsonbody.loads(base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)))
        namespace, name = (str(p) for p in data["start"])
        return int(data["rv"]), (namespace, name)
    except (ValueError, KeyError, TypeError, binascii.Error):
        raise ServiceError(errors.BAD_REQUEST, detail="continue key is not valid: illegal base64 data") from None
