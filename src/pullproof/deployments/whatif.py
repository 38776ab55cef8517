"""What-if: the changes a deployment would make, from what the dry run would have written.

Each write is compared with the resource as it is now: absent → ``Create``; every property the
template sets already has that value → ``NoChange``; otherwise ``Modify`` with a ``delta``.
Resources whose id depends on values only the deployment can know are ``Unsupported``; other
resources of the resource groups the deployment targets are ``Ignore`` (incremental mode).
"""

from __future__ import annotations

from typing import Any

from pullproof.deployments.backend import Change, DryBackend
from pullproof.iac.records import plain
from pullproof.iac.resource_ids import normalize
from pullproof.iac.values import arm_equals, merged
from pullproof.rbac.models import is_guid

IDENTITY_KEYS = ("id", "name", "type", "apiVersion")


def _same(before: Any, after: Any, key: str = "") -> bool:
    if isinstance(before, str) and isinstance(after, str):
        if key.lower() == "location":
            return before.lower().replace(" ", "") == after.lower().replace(" ", "")
        if before.startswith("/") or is_guid(before):
            return before.lower() == after.lower()
    return arm_equals(before, after)


def _delta(before: dict[str, Any], after: dict[str, Any], prefix: str = "") -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    lowered = {k.lower(): (k, v) for k, v in before.items()}
    for key, value in after.items():
        if not prefix and key in IDENTITY_KEYS:
            continue
        path = f"{prefix}{key}"
        if key.lower() not in lowered:
            out.append({"path": path, "propertyChangeType": "Create", "after": value})
            continue
        old = lowered[key.lower()][1]
        if isinstance(value, dict) and isinstance(old, dict):
            out += _delta(old, value, path + ".")
        elif isinstance(value, str) and value.startswith("[") and value.endswith("]"):
            out.append({"path": path, "propertyChangeType": "NoEffect", "before": old, "after": value})
        elif not _same(old, value, key):
            out.append({"path": path, "propertyChangeType": "Modify", "before": old, "after": value})
    return out


def _change(change: Change, full: bool) -> dict[str, Any]:
    after = plain(change.after)
    entry: dict[str, Any] = {"resourceId": change.resource_id}
    if change.before is None:
        entry["changeType"] = "Create"
        if full:
            entry["after"] = after
        return entry
    delta = [d for d in _delta(change.before, after) if d["propertyChangeType"] != "NoEffect"]
    entry["changeType"] = "Modify" if delta else "NoChange"
    if full:
        entry.update({"before": change.before, "after": merged(change.before, after)})
        if delta:
            entry["delta"] = delta
    return entry


def changes(dry: DryBackend, result_format: str, existing: list[str]) -> list[dict[str, Any]]:
    """The ``changes`` of a what-if result; ``existing`` are ids now in the targeted resource groups."""
    full = result_format.lower() != "resourceidonly"
    latest: dict[str, Change] = {}
    for change in dry.changes:
        latest[normalize(change.resource_id)] = change
    out = [_change(c, full) for c in latest.values()]
    out += [{"resourceId": label, "changeType": "Unsupported", "unsupportedReason": reason}
            for label, reason in dry.unsupported]
    out += [{"resourceId": rid, "changeType": "Ignore"} for rid in existing if normalize(rid) not in latest]
    return sorted(out, key=lambda c: str(c["resourceId"]).lower())
