"""ControllerRevisions as the StatefulSet and DaemonSet controllers keep them (``pkg/controller/history``):
the pod template stored as a strategic merge patch, named ``<owner>-<hash>``, numbered, an equal older
revision renumbered on a rollback, the oldest unused ones dropped beyond ``revisionHistoryLimit``."""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any

from pullproof.kube.controllers.replicasets import owned_by, owner_ref, safe_encode
from pullproof.kube.storage.tracker import Tracker, clone

REVISIONS = "controllerrevisions.apps"
HASH_LABEL = "controller-revision-hash"
Obj = dict[str, Any]


def go_json(value: Any) -> bytes:
    """``json.Marshal`` of a decoded object: map keys sorted, compact, ``<>&`` escaped."""
    text = json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026").encode()


def fnv32(data: bytes, fnv_a: bool = False) -> int:
    value = 0x811C9DC5
    for byte in data:
        value = ((value ^ byte) * 0x01000193) & 0xFFFFFFFF if fnv_a else ((value * 0x01000193) & 0xFFFFFFFF) ^ byte
    return value


def template_patch(template: Obj) -> Obj:
    """What both controllers store as a revision's ``data`` (``getPatch``): the pod template, replacing."""
    return {"spec": {"template": {**clone(template), "$patch": "replace"}}}


def revision_hash(data: Obj, collisions: int = 0) -> str:
    """``HashControllerRevision``: fnv32 over the data's bytes and the collision count."""
    raw = go_json(data) + (str(collisions).encode() if collisions else b"")
    return safe_encode(str(fnv32(raw)))


def template_hash(template: Obj, collisions: int = 0) -> str:
    """``controller.ComputeHash`` of a pod template (the DaemonSet's hash): fnv32a over its dump."""
    raw = go_json(template) + (str(collisions).encode() if collisions else b"")
    return safe_encode(str(fnv32(raw, fnv_a=True)))


def owned(tracker: Tracker, owner: Obj) -> list[Obj]:
    """The owner's revisions, oldest revision first."""
    found = tracker.scan(REVISIONS, owner["metadata"]["namespace"], lambda r: owned_by(r, owner))
    return sorted(found, key=lambda r: (int(r.get("revision", 0)), r["metadata"]["name"]))


def ensure(tracker: Tracker, owner: Obj, kind: str, digest: str, data: Obj, revisions: list[Obj]) -> Obj:
    """The revision holding ``data``: the newest as it is, an older equal one renumbered to come last
    (a rollback), or a new one."""
    number = max((int(r.get("revision", 0)) for r in revisions), default=0) + 1
    equal = [r for r in revisions if r.get("data") == data]
    if equal:
        newest = equal[-1]
        if newest is revisions[-1]:
            return newest
        fresh = clone(newest)
        fresh["revision"] = number
        return tracker.update(REVISIONS, owner["metadata"]["namespace"], fresh, check_version=False)
    meta = owner["metadata"]
    labels = dict(((owner["spec"].get("template") or {}).get("metadata") or {}).get("labels") or {})
    labels[HASH_LABEL] = digest
    body: Obj = {"apiVersion": "apps/v1", "kind": "ControllerRevision",
                 "metadata": {"name": f"{meta['name'][:223]}-{digest}", "namespace": meta["namespace"],
                              "labels": labels, "ownerReferences": [owner_ref(owner, kind, "apps/v1")]},
                 "data": data, "revision": number}
    if meta.get("annotations"):
        body["metadata"]["annotations"] = dict(meta["annotations"])
    return tracker.create(REVISIONS, meta["namespace"], body)


def truncate(tracker: Tracker, owner: Obj, revisions: list[Obj], live: Iterable[str]) -> None:
    """Delete the oldest revisions no pod and no status names, beyond ``revisionHistoryLimit``."""
    keep = set(live)
    history = [r for r in revisions if r["metadata"]["name"] not in keep]
    limit = int(owner["spec"].get("revisionHistoryLimit", 10))
    for revision in history[: max(0, len(history) - limit)]:
        tracker.delete(REVISIONS, owner["metadata"]["namespace"], revision["metadata"]["name"])
