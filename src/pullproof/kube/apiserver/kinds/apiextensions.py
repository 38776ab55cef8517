"""``apiextensions.k8s.io``: the CustomResourceDefinition strategy (``pkg/registry/.../customresource
definition/strategy.go`` and ``pkg/apis/apiextensions/validation/validation.go`` of 1.32). The
controllers that accept names and establish a CRD are folded into admission: a valid CRD is stored
with ``NamesAccepted`` and ``Established`` True, its storage version recorded in ``storedVersions``."""

from __future__ import annotations

import json
from typing import Any

from pullproof.kube.apiserver.kinds.base import AdmissionContext, Strategy
from pullproof.kube.apiserver.printing.custom import CRD_PRINTER
from pullproof.kube.apiserver.validation import (
    LABEL_MSG,
    LABEL_RE,
    SUBDOMAIN_MSG,
    SUBDOMAIN_RE,
    Cause,
    invalid_value,
    required,
)
from pullproof.kube.storage.customtypes import CRDS
from pullproof.kube.storage.tracker import kube_time

Obj = dict[str, Any]
SCOPES = ("Cluster", "Namespaced")
CEL_WARNING = "pullproof does not evaluate x-kubernetes-validations rules"


def default(obj: Obj) -> None:
    spec = obj.get("spec")
    if not isinstance(spec, dict):
        return
    names = spec.get("names")
    if isinstance(names, dict) and names.get("kind"):
        names.setdefault("singular", str(names["kind"]).lower())
        names.setdefault("listKind", f"{names['kind']}List")
    if not spec.get("conversion"):
        spec["conversion"] = {"strategy": "None"}
    service = ((spec["conversion"].get("webhook") or {}).get("clientConfig") or {}).get("service")
    if isinstance(service, dict):
        service.setdefault("port", 443)


def _go_versions(versions: list[Obj]) -> str:
    """The Go rendering of ``spec.versions`` in a message, abbreviated to name, served and storage."""
    items = ", ".join(f'apiextensions.CustomResourceDefinitionVersion{{Name:{json.dumps(v.get("name", ""))}, '
                      f'Served:{str(bool(v.get("served"))).lower()}, Storage:{str(bool(v.get("storage"))).lower()}}}'
                      for v in versions)
    return f"[]apiextensions.CustomResourceDefinitionVersion{{{items}}}"


def _names(names: Obj) -> list[Cause]:
    causes = []
    for key in ("plural", "singular"):
        value = str(names.get(key) or "")
        if not value and key == "plural":
            causes.append(required(f"spec.names.{key}"))
        elif value and not LABEL_RE.match(value):
            causes.append(invalid_value(f"spec.names.{key}", value, LABEL_MSG))
    for key in ("kind", "listKind"):
        if not names.get(key):
            causes.append(required(f"spec.names.{key}"))
    return causes


def _versions(versions: list[Obj]) -> list[Cause]:
    causes: list[Cause] = []
    seen: set[str] = set()
    for index, version in enumerate(versions):
        here = f"spec.versions[{index}]"
        name = str(version.get("name") or "")
        if not name:
            causes.append(required(f"{here}.name"))
        elif name in seen:
            causes.append(Cause("FieldValueDuplicate", f"{here}.name", f"Duplicate value: {json.dumps(name)}"))
        seen.add(name)
        schema = (version.get("schema") or {}).get("openAPIV3Schema")
        if not isinstance(schema, dict):
            causes.append(required(f"{here}.schema.openAPIV3Schema", "schemas are required"))
        else:
            causes += _structural(schema, f"{here}.schema.openAPIV3Schema", root=True)
    if sum(1 for v in versions if v.get("storage")) != 1:
        causes.append(Cause("FieldValueInvalid", "spec.versions", f"Invalid value: {_go_versions(versions)}: "
                                                                  "must have exactly one version marked as storage "
                                                                  "version"))
    return causes


def _structural(schema: Obj, path: str, root: bool = False) -> list[Cause]:
    """The structural-schema rule that every specified node has a type (the int-or-string and
    preserve-unknown-fields nodes excepted), and an object at the root."""
    causes: list[Cause] = []
    typeless = schema.get("x-kubernetes-int-or-string") or schema.get("x-kubernetes-preserve-unknown-fields")
    if not schema.get("type") and not typeless:
        where = "must not be empty at the root" if root else "must not be empty for specified object fields"
        causes.append(required(f"{path}.type", where))
    elif root and schema.get("type") not in ("object", None):
        causes.append(invalid_value(f"{path}.type", schema.get("type"), "must be object at the root"))
    for key, sub in (schema.get("properties") or {}).items():
        if isinstance(sub, dict):
            causes += _structural(sub, f"{path}.properties[{key}]")
    for key in ("items", "additionalProperties"):
        if isinstance(schema.get(key), dict):
            causes += _structural(schema[key], f"{path}.{key}")
    return causes


def validate(obj: Obj) -> list[Cause]:
    spec = obj.get("spec") if isinstance(obj.get("spec"), dict) else {}
    assert isinstance(spec, dict)
    names = spec.get("names") if isinstance(spec.get("names"), dict) else {}
    assert isinstance(names, dict)
    causes = []
    name, group, plural = (obj.get("metadata") or {}).get("name", ""), str(spec.get("group") or ""), \
        str(names.get("plural") or "")
    if name and name != f"{plural}.{group}":
        causes.append(invalid_value("metadata.name", name, 'must be spec.names.plural+"."+spec.group'))
    if not group:
        causes.append(required("spec.group"))
    elif not SUBDOMAIN_RE.match(group):
        causes.append(invalid_value("spec.group", group, SUBDOMAIN_MSG))
    elif "." not in group:
        causes.append(invalid_value("spec.group", group, "should be a domain with at least one dot"))
    scope = str(spec.get("scope") or "")
    if not scope:
        causes.append(required("spec.scope"))
    elif scope not in SCOPES:
        causes.append(Cause("FieldValueNotSupported", "spec.scope", f'Unsupported value: {json.dumps(scope)}: '
                                                                     'supported values: "Cluster", "Namespaced"'))
    return causes + _names(names) + _versions(list(spec.get("versions") or []))


def validate_update(current: Obj, new: Obj) -> list[Cause]:
    before, after = (current.get("spec") or {}).get("scope"), (new.get("spec") or {}).get("scope")
    return [invalid_value("spec.scope", after, "field is immutable")] if before != after else []


def _condition(kind: str, reason: str, message: str, now: str, previous: list[Obj]) -> Obj:
    old = next((c for c in previous if c.get("type") == kind and c.get("status") == "True"), None)
    return {"type": kind, "status": "True", "lastTransitionTime": (old or {}).get("lastTransitionTime", now),
            "reason": reason, "message": message}


def establish(context: AdmissionContext, obj: Obj, current: Obj | None) -> None:
    """What the naming and establishing controllers record once a CRD is accepted."""
    spec = obj.get("spec") or {}
    status = obj.get("status") if isinstance(obj.get("status"), dict) else {}
    assert isinstance(status, dict)
    previous = list(status.get("conditions") or [])
    now = kube_time(context.tracker.clock.now())
    stored = list(status.get("storedVersions") or [])
    for version in spec.get("versions") or []:
        if version.get("storage") and version.get("name") not in stored:
            stored.append(version.get("name"))
    names = {k: v for k, v in (spec.get("names") or {}).items()}
    obj["status"] = {"conditions": [
        _condition("NamesAccepted", "NoConflicts", "no conflicts found", now, previous),
        _condition("Established", "InitialNamesAccepted", "the initial names have been accepted", now, previous)],
        "acceptedNames": names, "storedVersions": stored}


def _has_rules(schema: Any) -> bool:
    if isinstance(schema, dict):
        return "x-kubernetes-validations" in schema or any(_has_rules(v) for v in schema.values())
    if isinstance(schema, list):
        return any(_has_rules(v) for v in schema)
    return False


def warnings(obj: Obj) -> list[str]:
    versions = (obj.get("spec") or {}).get("versions") or []
    return [CEL_WARNING] if any(_has_rules(v.get("schema")) for v in versions if isinstance(v, dict)) else []


STRATEGIES: dict[str, Strategy] = {
    CRDS: Strategy(default=default, validate=validate, validate_update=validate_update, printer=CRD_PRINTER,
                   mutate=(establish,), warnings=warnings),
}
