"""Object validation with the API server's messages: names (RFC 1123 subdomain / label), required
fields of the kinds served, and the ``Invalid`` Status (``Kind "name" is invalid: ...``)."""

from __future__ import annotations

import base64
import binascii
import json
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any

from pullproof.core.errors import ServiceError
from pullproof.kube import errors
from pullproof.kube.apiserver.selectors import selector_matches
from pullproof.kube.storage.resources import ResourceType

LABEL_RE = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?$")
SUBDOMAIN_RE = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$")
LABEL_MSG = ("a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start "
             "and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used for validation is "
             "'[a-z0-9]([-a-z0-9]*[a-z0-9])?')")
SUBDOMAIN_MSG = ("a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and "
                 "must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation "
                 "is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')")
LABEL_KINDS = frozenset({"namespaces"})
EMPTY_SELECTOR = ("Invalid value: v1.LabelSelector{MatchLabels:map[string]string(nil), "
                  "MatchExpressions:[]v1.LabelSelectorRequirement(nil)}: empty selector is invalid for deployment")
MAX_DATA = 1024 * 1024  # core.MaxSecretSize: the data of a Secret or ConfigMap
MAX_ANNOTATIONS = 256 * 1024  # TotalAnnotationSizeLimitB
DOCKER_TYPES = {"kubernetes.io/dockerconfigjson": ".dockerconfigjson", "kubernetes.io/dockercfg": ".dockercfg"}


@dataclass(frozen=True)
class Cause:
    reason: str
    field: str
    message: str

    def text(self) -> str:
        return f"{self.field}: {self.message}" if self.field else self.message

    def wire(self) -> dict[str, str]:
        return {"reason": self.reason, "message": self.message, "field": self.field}


def invalid_value(field: str, value: Any, detail: str) -> Cause:
    shown = json.dumps(value) if isinstance(value, str) else _go_value(value)
    return Cause("FieldValueInvalid", field, f"Invalid value: {shown}: {detail}")


def too_long(field: str, limit: int) -> Cause:
    return Cause("FieldValueTooLong", field, f"Too long: may not be more than {limit} bytes")


def required(field: str, detail: str = "") -> Cause:
    return Cause("FieldValueRequired", field, "Required value" + (f": {detail}" if detail else ""))


def _go_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dict):
        inner = ", ".join(f"{json.dumps(k)}:{json.dumps(v)}" for k, v in sorted(value.items()))
        return f"map[string]string{{{inner}}}"
    return str(value)


def name_causes(rtype: ResourceType, name: str, field: str = "metadata.name") -> list[Cause]:
    label = rtype.key in LABEL_KINDS
    limit, pattern, message = (63, LABEL_RE, LABEL_MSG) if label else (253, SUBDOMAIN_RE, SUBDOMAIN_MSG)
    causes = []
    if len(name) > limit:
        causes.append(invalid_value(field, name, f"must be no more than {limit} characters"))
    if not pattern.match(name):
        causes.append(invalid_value(field, name, message))
    return causes


def raise_invalid(rtype: ResourceType, name: str, causes: list[Cause]) -> None:
    if not causes:
        return
    texts = [c.text() for c in causes]
    joined = texts[0] if len(texts) == 1 else "[" + ", ".join(texts) + "]"
    raise ServiceError(errors.INVALID, kind=rtype.qualified_kind, name=name, causes=joined, detail_name=name,
                       detail_group=rtype.group or None, detail_kind=rtype.kind,
                       causes_list=[c.wire() for c in causes])


def validate(rtype: ResourceType, obj: dict[str, Any], more: list[Cause] | None = None) -> None:
    """The generic checks, the kind's own, and ``more`` (a strategy's causes), in one Invalid."""
    meta = obj.get("metadata") or {}
    name = str(meta.get("name") or "")
    causes = name_causes(rtype, name) if name else [required("metadata.name", "name or generateName is required")]
    if rtype.namespaced and not meta.get("namespace"):
        causes.append(required("metadata.namespace"))
    annotations = meta.get("annotations") or {}
    if sum(len(str(k).encode()) + len(str(v).encode()) for k, v in annotations.items()) > MAX_ANNOTATIONS:
        causes.append(too_long("metadata.annotations", MAX_ANNOTATIONS))
    checker = KIND_CHECKS.get(rtype.key)
    if checker is not None:
        causes += checker(obj)
    raise_invalid(rtype, name, causes + (more or []))


def _containers(spec: dict[str, Any], path: str) -> list[Cause]:
    containers = spec.get("containers") or []
    causes = [] if containers else [required(f"{path}.containers")]
    seen: set[str] = set()
    for index, container in enumerate(containers):
        here = f"{path}.containers[{index}]"
        name = str(container.get("name") or "")
        if not name:
            causes.append(required(f"{here}.name"))
        elif not LABEL_RE.match(name) or len(name) > 63:
            causes.append(invalid_value(f"{here}.name", name, LABEL_MSG))
        elif name in seen:
            causes.append(Cause("FieldValueDuplicate", f"{here}.name", f"Duplicate value: {json.dumps(name)}"))
        seen.add(name)
        if not container.get("image"):
            causes.append(required(f"{here}.image"))
    return causes


def _pod(obj: dict[str, Any]) -> list[Cause]:
    return _containers(obj.get("spec") or {}, "spec")


def _workload(obj: dict[str, Any]) -> list[Cause]:
    spec = obj.get("spec") or {}
    template = spec.get("template") or {}
    labels = (template.get("metadata") or {}).get("labels") or {}
    selector = spec.get("selector")
    causes: list[Cause] = []
    chooses = selector is not None and bool(selector.get("matchLabels") or selector.get("matchExpressions"))
    if selector is None:  # a missing selector selects nothing, so the template's labels are reported too
        causes.append(required("spec.selector"))
    elif not chooses:
        causes.append(Cause("FieldValueInvalid", "spec.selector", EMPTY_SELECTOR))
    if selector is None or (chooses and not _selects(selector, labels)):
        causes.append(invalid_value("spec.template.metadata.labels", labels,
                                    "`selector` does not match template `labels`"))
    if isinstance(spec.get("replicas"), int) and spec["replicas"] < 0:
        causes.append(invalid_value("spec.replicas", spec["replicas"],
                                    "must be greater than or equal to 0"))
    return causes + _containers(template.get("spec") or {}, "spec.template.spec")


def _selects(selector: dict[str, Any], labels: dict[str, str]) -> bool:
    return selector_matches(selector, labels)


def _decoded_size(value: Any) -> int:
    try:
        return len(base64.b64decode(str(value), validate=True))
    except (ValueError, binascii.Error):
        return len(str(value)) * 3 // 4


def _secret(obj: dict[str, Any]) -> list[Cause]:
    data = obj.get("data") or {}
    key = DOCKER_TYPES.get(str(obj.get("type") or ""))
    causes = [required(f"data[{key}]")] if key and key not in data else []
    if sum(_decoded_size(v) for v in data.values()) > MAX_DATA:
        causes.append(too_long("data", MAX_DATA))
    return causes


def _configmap(obj: dict[str, Any]) -> list[Cause]:
    size = sum(len(str(v).encode()) for v in (obj.get("data") or {}).values())
    size += sum(_decoded_size(v) for v in (obj.get("binaryData") or {}).values())
    return [too_long("[]", MAX_DATA)] if size > MAX_DATA else []  # "[]": the whole object (an empty path)


KIND_CHECKS: Mapping[str, Callable[[dict[str, Any]], list[Cause]]] = MappingProxyType(
    {"pods": _pod, "deployments.apps": _workload, "replicasets.apps": _workload, "secrets": _secret,
     "configmaps": _configmap})


POD_MUTABLE = ("`spec.containers[*].image`,`spec.initContainers[*].image`,`spec.activeDeadlineSeconds`,"
               "`spec.tolerations` (only additions to existing tolerations),`spec.terminationGracePeriodSeconds` "
               "(allow it to be set to 1 if it was previously negative)")


def _pod_spec_shape(spec: dict[str, Any]) -> dict[str, Any]:
    shape = {k: v for k, v in spec.items() if k not in ("activeDeadlineSeconds", "tolerations",
                                                         "terminationGracePeriodSeconds")}
    for key in ("containers", "initContainers"):
        shape[key] = [{k: v for k, v in c.items() if k != "image"} for c in spec.get(key) or []]
    return shape


def _selector_go(selector: dict[str, Any]) -> str:
    labels = selector.get("matchLabels")
    shown = "map[string]string(nil)" if labels is None else _go_value(labels)
    return (f"v1.LabelSelector{{MatchLabels:{shown}, "
            f"MatchExpressions:[]v1.LabelSelectorRequirement(nil)}}")


def immutable(rtype: ResourceType, current: dict[str, Any], new: dict[str, Any]) -> None:
    """Fields that may not change on update, with the API server's messages."""
    name = str(new["metadata"]["name"])
    old_spec, new_spec = current.get("spec") or {}, new.get("spec") or {}
    causes: list[Cause] = []
    if rtype.key == "pods" and _pod_spec_shape(old_spec) != _pod_spec_shape(new_spec):
        causes.append(Cause("FieldValueForbidden", "spec",
                            f"Forbidden: pod updates may not change fields other than {POD_MUTABLE}"))
    if rtype.key in ("deployments.apps", "replicasets.apps") and rtype.group == "apps" and \
            old_spec.get("selector") != new_spec.get("selector"):
        causes.append(Cause("FieldValueInvalid", "spec.selector",
                            f"Invalid value: {_selector_go(new_spec.get('selector') or {})}: field is immutable"))
    if rtype.key in ("secrets", "configmaps") and current.get("immutable"):
        for key in ("data", "stringData", "binaryData"):
            if current.get(key) != new.get(key) and key != "stringData":
                causes.append(Cause("FieldValueForbidden", key, "Forbidden: field is immutable when `immutable` "
                                                                "is set"))
    raise_invalid(rtype, name, causes)
