"""The apps kinds beyond Deployments and ReplicaSets: StatefulSets, DaemonSets and ControllerRevisions,
as ``pkg/registry/apps/*/strategy.go``, ``pkg/apis/apps/v1/defaults.go`` and
``pkg/apis/apps/validation/validation.go`` of Kubernetes 1.32 have them."""

from __future__ import annotations

import json
import re
from typing import Any

from pullproof.kube.apiserver import defaults, validation
from pullproof.kube.apiserver.kinds.appsprint import CONTROLLER_REVISION, DAEMON_SET, STATEFUL_SET
from pullproof.kube.apiserver.kinds.base import AdmissionContext, Obj, Strategy
from pullproof.kube.apiserver.selectors import selector_matches
from pullproof.kube.apiserver.validation import Cause, invalid_value, required

TEMPLATE_GENERATION = "deprecated.daemonset.template.generation"
NONNEGATIVE = "must be greater than or equal to 0"
STS_FORBIDDEN = ("Forbidden: updates to statefulset spec for fields other than 'replicas', 'ordinals', 'template', "
                 "'updateStrategy', 'persistentVolumeClaimRetentionPolicy' and 'minReadySeconds' are forbidden")
STS_MUTABLE = ("replicas", "ordinals", "template", "updateStrategy", "persistentVolumeClaimRetentionPolicy",
               "minReadySeconds")
DNS1035_RE = re.compile(r"^[a-z]([-a-z0-9]*[a-z0-9])?$")
DNS1035_MSG = ("a DNS-1035 label must consist of lower case alphanumeric characters or '-', start with an alphabetic "
               "character, and end with an alphanumeric character (e.g. 'my-name',  or 'abc-123', regex used for "
               "validation is '[a-z]([-a-z0-9]*[a-z0-9])?')")
PERCENT_RE = re.compile(r"^(\d+)%$")


def _template(spec: Obj) -> None:
    template = spec.setdefault("template", {})
    template.setdefault("metadata", {}).setdefault("creationTimestamp", None)
    defaults.pod_spec(template.setdefault("spec", {}))


def default_statefulset(obj: Obj) -> None:
    spec = obj.setdefault("spec", {})
    spec.setdefault("replicas", 1)
    spec.setdefault("podManagementPolicy", "OrderedReady")
    strategy = spec.setdefault("updateStrategy", {})
    strategy.setdefault("type", "RollingUpdate")
    if strategy["type"] == "RollingUpdate":
        strategy.setdefault("rollingUpdate", {}).setdefault("partition", 0)
    spec.setdefault("revisionHistoryLimit", 10)
    policy = spec.setdefault("persistentVolumeClaimRetentionPolicy", {})
    policy.setdefault("whenDeleted", "Retain")
    policy.setdefault("whenScaled", "Retain")
    for claim in spec.get("volumeClaimTemplates") or []:
        claim.setdefault("apiVersion", "v1")
        claim.setdefault("kind", "PersistentVolumeClaim")
        claim.setdefault("metadata", {}).setdefault("creationTimestamp", None)
        claim.setdefault("spec", {}).setdefault("volumeMode", "Filesystem")
        claim.setdefault("status", {}).setdefault("phase", "Pending")
    _template(spec)


def default_daemonset(obj: Obj) -> None:
    spec = obj.setdefault("spec", {})
    strategy = spec.setdefault("updateStrategy", {})
    strategy.setdefault("type", "RollingUpdate")
    if strategy["type"] == "RollingUpdate":
        rolling = strategy.setdefault("rollingUpdate", {})
        rolling.setdefault("maxUnavailable", 1)
        rolling.setdefault("maxSurge", 0)
    spec.setdefault("revisionHistoryLimit", 10)
    _template(spec)


def _nonnegative(spec: Obj, key: str, path: str) -> list[Cause]:
    value = spec.get(key)
    return [invalid_value(path, value, NONNEGATIVE)] if isinstance(value, int) and value < 0 else []


def _not_supported(path: str, value: Any, supported: tuple[str, ...]) -> Cause:
    shown = ", ".join(json.dumps(s) for s in supported)
    return Cause("FieldValueNotSupported", path, f"Unsupported value: {json.dumps(value)}: supported values: {shown}")


def _selector_and_template(spec: Obj, empty_message: str) -> list[Cause]:
    selector, template = spec.get("selector"), spec.get("template") or {}
    labels = (template.get("metadata") or {}).get("labels") or {}
    causes: list[Cause] = []
    chooses = isinstance(selector, dict) and bool(selector.get("matchLabels") or selector.get("matchExpressions"))
    if selector is None:
        causes.append(required("spec.selector"))
    elif not chooses:
        causes.append(Cause("FieldValueInvalid", "spec.selector",
                            f"Invalid value: {validation._selector_go(selector)}: {empty_message}"))
    elif not selector_matches(selector, labels):
        causes.append(invalid_value("spec.template.metadata.labels", labels,
                                    "`selector` does not match template `labels`"))
    pod_spec = template.get("spec") or {}
    if pod_spec.get("restartPolicy", "Always") != "Always":
        causes.append(_not_supported("spec.template.spec.restartPolicy", pod_spec["restartPolicy"], ("Always",)))
    return causes + validation._containers(pod_spec, "spec.template.spec")


def validate_statefulset(obj: Obj) -> list[Cause]:
    spec = obj.get("spec") or {}
    causes: list[Cause] = []
    policy = spec.get("podManagementPolicy")
    if policy not in ("OrderedReady", "Parallel"):
        causes.append(invalid_value("spec.podManagementPolicy", policy, "must be 'OrderedReady' or 'Parallel'"))
    strategy = spec.get("updateStrategy") or {}
    if strategy.get("type") == "OnDelete" and strategy.get("rollingUpdate") is not None:
        causes.append(Cause("FieldValueInvalid", "spec.updateStrategy.rollingUpdate",
                            "Invalid value: only allowed for updateStrategy 'RollingUpdate'"))
    elif strategy.get("type") == "RollingUpdate":
        causes += _nonnegative(strategy.get("rollingUpdate") or {}, "partition",
                               "spec.updateStrategy.rollingUpdate.partition")
    elif strategy.get("type") != "OnDelete":
        causes.append(Cause("FieldValueInvalid", "spec.updateStrategy",
                            "Invalid value: must be 'RollingUpdate' or 'OnDelete'"))
    retention = spec.get("persistentVolumeClaimRetentionPolicy") or {}
    for key in ("whenDeleted", "whenScaled"):
        if retention.get(key) not in ("Retain", "Delete"):
            causes.append(_not_supported(f"spec.persistentVolumeClaimRetentionPolicy.{key}", retention.get(key),
                                         ("Retain", "Delete")))
    for key in ("replicas", "minReadySeconds", "revisionHistoryLimit"):
        causes += _nonnegative(spec, key, f"spec.{key}")
    causes += _nonnegative(spec.get("ordinals") or {}, "start", "spec.ordinals.start")
    service = spec.get("serviceName")
    if service and (len(service) > 63 or not DNS1035_RE.match(service)):
        causes.append(invalid_value("spec.serviceName", service, DNS1035_MSG))
    causes += _selector_and_template(spec, "empty selector is not valid for statefulset.")
    if (spec.get("template") or {}).get("spec", {}).get("activeDeadlineSeconds") is not None:
        causes.append(invalid_value("spec.template.spec.activeDeadlineSeconds",
                                    spec["template"]["spec"]["activeDeadlineSeconds"], "must not be specified"))
    return causes


def validate_statefulset_update(current: Obj, new: Obj) -> list[Cause]:
    old_spec, new_spec = current.get("spec") or {}, new.get("spec") or {}
    fixed_old = {k: v for k, v in old_spec.items() if k not in STS_MUTABLE}
    fixed_new = {k: v for k, v in new_spec.items() if k not in STS_MUTABLE}
    return [] if fixed_old == fixed_new else [Cause("FieldValueForbidden", "spec", STS_FORBIDDEN)]


def _int_or_percent(value: Any) -> int | None:
    """The number an IntOrString holds (a percent as its figure); None if it is neither."""
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    found = PERCENT_RE.match(str(value))
    return int(found.group(1)) if found else None


def _intstr_go(value: Any) -> str:
    if isinstance(value, str):
        return f'intstr.IntOrString{{Type:1, IntVal:0, StrVal:"{value}"}}'
    return f'intstr.IntOrString{{Type:0, IntVal:{value}, StrVal:""}}'


def _rolling_daemonset(rolling: Obj) -> list[Cause]:
    path = "spec.updateStrategy.rollingUpdate"
    causes: list[Cause] = []
    for key in ("maxUnavailable", "maxSurge"):
        value = rolling.get(key, 0)
        number = _int_or_percent(value)
        if number is None or number < 0:
            causes.append(Cause("FieldValueInvalid", f"{path}.{key}",
                                f"Invalid value: {_intstr_go(value)}: {NONNEGATIVE}"))
        elif isinstance(value, str) and number > 100:
            causes.append(Cause("FieldValueInvalid", f"{path}.{key}",
                                f"Invalid value: {_intstr_go(value)}: must not be greater than 100%"))
    if _int_or_percent(rolling.get("maxUnavailable", 0)) == 0 and _int_or_percent(rolling.get("maxSurge", 0)) == 0:
        causes.append(Cause("FieldValueInvalid", f"{path}.maxUnavailable",
                            f"Invalid value: {_intstr_go(rolling.get('maxUnavailable', 0))}: may not be 0 when "
                            "`maxSurge` is 0"))
    return causes


def validate_daemonset(obj: Obj) -> list[Cause]:
    spec = obj.get("spec") or {}
    causes = _selector_and_template(spec, "empty selector is invalid for daemonset")
    if (spec.get("template") or {}).get("spec", {}).get("activeDeadlineSeconds") is not None:
        causes.append(invalid_value("spec.template.spec.activeDeadlineSeconds",
                                    spec["template"]["spec"]["activeDeadlineSeconds"],
                                    "activeDeadlineSeconds in DaemonSet is not Supported"))
    for key in ("minReadySeconds", "revisionHistoryLimit"):
        causes += _nonnegative(spec, key, f"spec.{key}")
    strategy = spec.get("updateStrategy") or {}
    if strategy.get("type") == "RollingUpdate":
        causes += _rolling_daemonset(strategy.get("rollingUpdate") or {})
    elif strategy.get("type") != "OnDelete":
        causes.append(_not_supported("spec.updateStrategy.type", strategy.get("type"), ("RollingUpdate", "OnDelete")))
    return causes


def _selector_immutable(current: Obj, new: Obj) -> list[Cause]:
    old, now = (current.get("spec") or {}).get("selector"), (new.get("spec") or {}).get("selector")
    if old == now:
        return []
    return [Cause("FieldValueInvalid", "spec.selector",
                  f"Invalid value: {validation._selector_go(now or {})}: field is immutable")]


def template_generation(_context: AdmissionContext, new: Obj, current: Obj | None) -> None:
    """The registry's template generation, kept in the ``deprecated.daemonset.template.generation``
    annotation: 1 on create, +1 whenever the pod template changes."""
    annotations = new.setdefault("metadata", {}).setdefault("annotations", {})
    if current is None:
        annotations[TEMPLATE_GENERATION] = "1"
        return
    old = int(((current.get("metadata") or {}).get("annotations") or {}).get(TEMPLATE_GENERATION) or 1)
    changed = (current.get("spec") or {}).get("template") != (new.get("spec") or {}).get("template")
    annotations[TEMPLATE_GENERATION] = str(old + 1 if changed else old)


def validate_revision(obj: Obj) -> list[Cause]:
    causes = [] if obj.get("data") is not None else [required("data", "data is mandatory")]
    return causes + _nonnegative(obj, "revision", "revision")


def validate_revision_update(current: Obj, new: Obj) -> list[Cause]:
    if current.get("data") == new.get("data"):
        return []
    return [Cause("FieldValueInvalid", "data", "Invalid value: runtime.RawExtension{...}: field is immutable")]


STRATEGIES: dict[str, Strategy] = {
    "statefulsets.apps": Strategy(default=default_statefulset, validate=validate_statefulset,
                                  validate_update=validate_statefulset_update, printer=STATEFUL_SET,
                                  initial_status={"replicas": 0, "availableReplicas": 0}),
    "daemonsets.apps": Strategy(default=default_daemonset, validate=validate_daemonset,
                                validate_update=_selector_immutable, printer=DAEMON_SET,
                                initial_status={"currentNumberScheduled": 0, "numberMisscheduled": 0,
                                                "desiredNumberScheduled": 0, "numberReady": 0},
                                mutate=(template_generation,)),
    "controllerrevisions.apps": Strategy(validate=validate_revision, validate_update=validate_revision_update,
                                         printer=CONTROLLER_REVISION),
}
