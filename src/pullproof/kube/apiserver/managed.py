"""A minimal ``metadata.managedFields`` for server-side apply: one ``Apply`` entry per field manager
listing the fields of its last applied configuration (FieldsV1). Ownership conflicts are not
computed: every apply wins, as with ``--force-conflicts``."""

from __future__ import annotations

import json
from typing import Any

from pullproof.kube.apiserver.patch import MERGE_KEYS

SKIPPED = frozenset({"apiVersion", "kind"})
SKIPPED_META = frozenset({"name", "namespace", "managedFields", "resourceVersion", "uid", "creationTimestamp"})


def fields_v1(value: dict[str, Any], top: bool = False, meta: bool = False) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, item in value.items():
        if (top and key in SKIPPED) or (meta and key in SKIPPED_META):
            continue
        if isinstance(item, dict):
            inner = fields_v1(item, meta=top and key == "metadata")
            if inner or not (top and key == "metadata"):
                out[f"f:{key}"] = inner
        elif isinstance(item, list) and MERGE_KEYS.get(key) and all(isinstance(x, dict) for x in item):
            merge_key = MERGE_KEYS[key]
            out[f"f:{key}"] = {f"k:{json.dumps({merge_key: x.get(merge_key)}, separators=(',', ':'))}":
                               {".": {}, **fields_v1(x)} for x in item}
        else:
            out[f"f:{key}"] = {}
    return out


def record_apply(obj: dict[str, Any], applied: dict[str, Any], manager: str, api_version: str, now: str) -> None:
    meta = obj.setdefault("metadata", {})
    entries = [e for e in meta.get("managedFields") or []
               if not (e.get("manager") == manager and e.get("operation") == "Apply")]
    entries.append({"manager": manager, "operation": "Apply", "apiVersion": api_version, "time": now,
                    "fieldsType": "FieldsV1", "fieldsV1": fields_v1(applied, top=True)})
    meta["managedFields"] = entries
