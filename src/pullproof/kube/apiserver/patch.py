"""Patches: strategic merge patch (merge keys and ``$`` directives as kubectl's client-side apply
sends them), JSON merge patch (RFC 7386) and JSON patch (RFC 6902).

Merge keys are looked up by list field name (context-free, which is unambiguous for the kinds
served here); lists without one are replaced, ``finalizers`` merge as a set of strings.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping
from types import MappingProxyType
from typing import Any

from pullproof.core.errors import ServiceError
from pullproof.kube import errors

MERGE_KEYS: Mapping[str, str] = MappingProxyType({
    "containers": "name", "initContainers": "name", "ephemeralContainers": "name", "env": "name",
    "volumes": "name", "imagePullSecrets": "name", "secrets": "name", "ports": "containerPort",
    "volumeMounts": "mountPath", "volumeDevices": "devicePath", "conditions": "type", "ownerReferences": "uid",
    "hostAliases": "ip", "topologySpreadConstraints": "topologyKey", "resourceClaims": "name",
    "schedulingGates": "name", "podIPs": "ip", "addresses": "type", "resizePolicy": "resourceName",
})
MERGED_PRIMITIVES = frozenset({"finalizers"})
ORDER = "$setElementOrder/"
DELETE_PRIMITIVES = "$deleteFromPrimitiveList/"


def _bad(detail: str) -> ServiceError:
    return ServiceError(errors.BAD_REQUEST, detail=detail)


def strategic_merge(original: Any, patch: Any) -> Any:
    """Apply a strategic merge patch to ``original`` (neither is modified)."""
    if not isinstance(patch, dict):
        return copy.deepcopy(patch)
    return _merge_map(copy.deepcopy(original) if isinstance(original, dict) else {}, patch)


def _merge_map(result: dict[str, Any], patch: dict[str, Any]) -> dict[str, Any]:
    directive = patch.get("$patch")
    if directive == "replace":
        stripped: dict[str, Any] = _strip(patch)
        return stripped
    if directive not in (None, "merge", "delete"):
        raise _bad(f"Unknown patch type: {directive!r}")
    orders = {k[len(ORDER):]: _list_of(k, v) for k, v in patch.items() if k.startswith(ORDER)}
    for key, value in patch.items():
        if key.startswith(DELETE_PRIMITIVES):
            field, current = key[len(DELETE_PRIMITIVES):], result.get(key[len(DELETE_PRIMITIVES):])
            doomed = _list_of(key, value)
            result[field] = [x for x in (current if isinstance(current, list) else []) if x not in doomed]
        elif key.startswith("$"):
            continue
        elif value is None:
            result.pop(key, None)
        elif isinstance(value, dict):
            if value.get("$patch") == "delete":
                result.pop(key, None)
            else:
                current = result.get(key)
                result[key] = _merge_map(current if isinstance(current, dict) else {}, value)
        elif isinstance(value, list):
            result[key] = _merge_list(key, result.get(key), value)
        else:
            result[key] = value
    for field, order in orders.items():
        if isinstance(result.get(field), list):
            result[field] = _reorder(field, result[field], order)
    if isinstance(patch.get("$retainKeys"), list):
        keep = {k for k in patch["$retainKeys"] if isinstance(k, str)}
        result = {k: v for k, v in result.items() if k in keep}
    return result


def _list_of(directive: str, value: Any) -> list[Any]:
    """The list a ``$`` directive carries (``null`` is an empty one)."""
    if value is None:
        return []
    if not isinstance(value, list):
        raise _bad(f"invalid value for {directive}: expected a list, got {type(value).__name__}")
    return value


def _strip(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _strip(v) for k, v in value.items() if not k.startswith("$")}
    if isinstance(value, list):
        return [_strip(v) for v in value]
    return value


def _merge_list(field: str, original: Any, patch: list[Any]) -> list[Any]:
    current = list(original) if isinstance(original, list) else []
    key = MERGE_KEYS.get(field)
    if field in MERGED_PRIMITIVES:
        return current + [x for x in patch if x not in current]
    if key is None or not all(isinstance(x, dict) for x in patch):
        return [_strip(x) for x in patch if not (isinstance(x, dict) and x.get("$patch"))]
    if any(x.get("$patch") == "replace" for x in patch):
        return [_strip(x) for x in patch if x.get("$patch") != "replace"]
    for item in patch:
        index = next((i for i, x in enumerate(current) if isinstance(x, dict) and x.get(key) == item.get(key)), None)
        if item.get("$patch") == "delete":
            if index is not None:
                current.pop(index)
        elif index is None:
            current.append(_merge_map({}, item))
        else:
            current[index] = _merge_map(current[index], item)
    return current


def _reorder(field: str, items: list[Any], order: list[Any]) -> list[Any]:
    key = MERGE_KEYS.get(field)
    ident = [o.get(key) if key and isinstance(o, dict) else o for o in order]

    def rank(item: Any) -> int:
        value = item.get(key) if key and isinstance(item, dict) else item
        return ident.index(value) if value in ident else len(ident)

    return sorted(items, key=rank)


def merge_patch(original: Any, patch: Any) -> Any:
    """RFC 7386 JSON merge patch."""
    if not isinstance(patch, dict):
        return copy.deepcopy(patch)
    result = copy.deepcopy(original) if isinstance(original, dict) else {}
    for key, value in patch.items():
        if value is None:
            result.pop(key, None)
        else:
            result[key] = merge_patch(result.get(key), value)
    return result


def _pointer(path: str) -> list[str]:
    if path == "":
        return []
    if not path.startswith("/"):
        raise _bad(f"invalid JSON pointer: {path!r}")
    return [p.replace("~1", "/").replace("~0", "~") for p in path[1:].split("/")]


def _parent(doc: Any, parts: list[str]) -> Any:
    node = doc
    for part in parts[:-1]:
        node = node[int(part)] if isinstance(node, list) else node[part]
    return node


def _get(doc: Any, parts: list[str]) -> Any:
    node = doc
    for part in parts:
        node = node[int(part)] if isinstance(node, list) else node[part]
    return node


def _remove(doc: Any, parts: list[str]) -> Any:
    parent = _parent(doc, parts)
    return parent.pop(int(parts[-1])) if isinstance(parent, list) else parent.pop(parts[-1])


def _add(doc: Any, parts: list[str], value: Any) -> Any:
    if not parts:
        return value
    parent = _parent(doc, parts)
    if isinstance(parent, list):
        parent.insert(len(parent) if parts[-1] == "-" else int(parts[-1]), value)
    else:
        parent[parts[-1]] = value
    return doc


def json_patch(original: Any, operations: Any) -> Any:
    """RFC 6902 JSON patch."""
    if not isinstance(operations, list):
        raise _bad("json: cannot unmarshal object into Go value of type jsonpatch.Patch")
    doc = copy.deepcopy(original)
    for op in operations:
        if not isinstance(op, dict):
            raise _bad("invalid JSON patch operation")
        try:
            doc = _apply_op(doc, op)
        except (KeyError, IndexError, ValueError, TypeError, AttributeError) as exc:  # a path through a scalar
            raise ServiceError(errors.INVALID_PATCH, detail=f"the server rejected our request due to an error "
                                                            f"in our request: {exc}") from exc
    return doc


def _apply_op(doc: Any, op: dict[str, Any]) -> Any:
    kind, parts = op.get("op"), _pointer(str(op.get("path", "")))
    if kind == "add":
        return _add(doc, parts, copy.deepcopy(op.get("value")))
    if kind == "remove":
        _remove(doc, parts)
        return doc
    if kind == "replace":
        if not parts:
            return copy.deepcopy(op.get("value"))
        _get(doc, parts)
        _remove(doc, parts)
        return _add(doc, parts, copy.deepcopy(op.get("value")))
    source = _pointer(str(op.get("from", "")))
    if kind == "move":
        return _add(doc, parts, _remove(doc, source))
    if kind == "copy":
        return _add(doc, parts, copy.deepcopy(_get(doc, source)))
    if kind == "test":
        if _get(doc, parts) != op.get("value"):
            raise ValueError(f"testing value {op.get('path')} failed")
        return doc
    raise ValueError(f"Unexpected kind: {kind}")
