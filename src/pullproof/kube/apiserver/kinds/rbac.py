"""``rbac.authorization.k8s.io/v1``: Role, ClusterRole, RoleBinding, ClusterRoleBinding: defaults
(``pkg/apis/rbac/v1/defaults.go``), validation (``pkg/apis/rbac/validation``: rules, roleRef, subjects;
roleRef cannot change) and printers. Stored, not enforced: every authenticated user acts as
cluster-admin."""

from __future__ import annotations

import json
from typing import Any

from pullproof.kube.apiserver.kinds.base import Obj, Strategy
from pullproof.kube.apiserver.printing.durations import Ages
from pullproof.kube.apiserver.printing.printers import AGE, NAME, Column, Printer
from pullproof.kube.apiserver.validation import Cause, invalid_value, required

GROUP = "rbac.authorization.k8s.io"
ROLE_REF_DOC = {False: "RoleRef can reference a Role in the current namespace or a ClusterRole in the global "
                       "namespace. If the RoleRef cannot be resolved, the Authorizer must return an error. This field "
                       "is immutable.",
                True: "RoleRef can only reference a ClusterRole in the global namespace. If the RoleRef cannot be "
                      "resolved, the Authorizer must return an error. This field is immutable."}


def not_supported(field: str, value: Any, supported: list[str]) -> Cause:
    shown = ", ".join(json.dumps(s) for s in supported)
    return Cause("FieldValueNotSupported", field, f"Unsupported value: {json.dumps(value)}: supported values: {shown}")


def _go_strings(values: list[str]) -> str:
    return "[]string{" + ", ".join(json.dumps(v) for v in values) + "}"


def default_binding(obj: Obj) -> None:
    ref = obj.get("roleRef")
    if isinstance(ref, dict) and not ref.get("apiGroup"):
        ref["apiGroup"] = GROUP
    for subject in obj.get("subjects") or []:
        if isinstance(subject, dict) and not subject.get("apiGroup") and subject.get("kind") in ("User", "Group"):
            subject["apiGroup"] = GROUP


def _rules(obj: Obj, namespaced: bool) -> list[Cause]:
    causes: list[Cause] = []
    for index, rule in enumerate(obj.get("rules") or []):
        path = f"rules[{index}]"
        if not rule.get("verbs"):
            causes.append(required(f"{path}.verbs", "verbs must contain at least one value"))
        urls = rule.get("nonResourceURLs") or []
        if urls:
            shown = f"Invalid value: {_go_strings(urls)}: "
            if namespaced:
                causes.append(Cause("FieldValueInvalid", f"{path}.nonResourceURLs",
                                    shown + "namespaced rules cannot apply to non-resource URLs"))
            if rule.get("apiGroups") or rule.get("resources") or rule.get("resourceNames"):
                causes.append(Cause("FieldValueInvalid", f"{path}.nonResourceURLs",
                                    shown + "rules cannot apply to both regular resources and non-resource URLs"))
            continue
        if not rule.get("apiGroups"):
            causes.append(required(f"{path}.apiGroups", "resource rules must supply at least one api group"))
        if not rule.get("resources"):
            causes.append(required(f"{path}.resources", "resource rules must supply at least one resource"))
    return causes


def _subject(subject: Obj, namespaced: bool, path: str) -> list[Cause]:
    causes = [] if subject.get("name") else [required(f"{path}.name")]
    kind, group = subject.get("kind"), subject.get("apiGroup") or ""
    if kind == "ServiceAccount":
        if group:
            causes.append(not_supported(f"{path}.apiGroup", group, [""]))
        if not namespaced and not subject.get("namespace"):
            causes.append(required(f"{path}.namespace"))
    elif kind in ("User", "Group"):
        if group != GROUP:
            causes.append(not_supported(f"{path}.apiGroup", group, [GROUP]))
    else:
        causes.append(not_supported(f"{path}.kind", kind or "", ["ServiceAccount", "User", "Group"]))
    return causes


def _binding(obj: Obj, cluster: bool) -> list[Cause]:
    ref = obj.get("roleRef") or {}
    causes: list[Cause] = []
    if ref.get("apiGroup") != GROUP:
        causes.append(not_supported("roleRef.apiGroup", ref.get("apiGroup") or "", [GROUP]))
    kinds = ["ClusterRole"] if cluster else ["Role", "ClusterRole"]
    if ref.get("kind") not in kinds:
        causes.append(not_supported("roleRef.kind", ref.get("kind") or "", kinds))
    if not ref.get("name"):
        causes.append(required("roleRef.name"))
    else:
        causes += [invalid_value("roleRef.name", ref["name"], m) for m in path_segment(str(ref["name"]))]
    for index, subject in enumerate(obj.get("subjects") or []):
        causes += _subject(subject, not cluster, f"subjects[{index}]")
    return causes


def path_segment(name: str) -> list[str]:
    """``path.IsValidPathSegmentName``."""
    if name in (".", ".."):
        return [f"may not be '{name}'"]
    return [f"may not contain '{c}'" for c in "/%" if c in name]


def _ref_go(ref: Obj) -> str:
    return (f"rbac.RoleRef{{APIGroup:{json.dumps(ref.get('apiGroup', ''))}, Kind:{json.dumps(ref.get('kind', ''))}, "
            f"Name:{json.dumps(ref.get('name', ''))}}}")


def _ref_unchanged(current: Obj, new: Obj) -> list[Cause]:
    ref = new.get("roleRef") or {}
    if (current.get("roleRef") or {}) == ref:
        return []
    return [Cause("FieldValueInvalid", "roleRef", f"Invalid value: {_ref_go(ref)}: cannot change roleRef")]


def subjects_strings(obj: Obj) -> tuple[str, str, str]:
    """``rbac.SubjectsStrings``: users, groups and ``namespace/name`` service accounts."""
    users, groups, accounts = [], [], []
    for subject in obj.get("subjects") or []:
        kind, name = subject.get("kind"), subject.get("name", "")
        if kind == "User":
            users.append(name)
        elif kind == "Group":
            groups.append(name)
        elif kind == "ServiceAccount":
            accounts.append(f"{subject.get('namespace', '')}/{name}")
    return ", ".join(users), ", ".join(groups), ", ".join(accounts)


def _role_row(obj: Obj, _ages: Ages) -> list[Any]:
    meta = obj.get("metadata") or {}
    return [meta.get("name", ""), meta.get("creationTimestamp", "")]


def _binding_row(obj: Obj, ages: Ages) -> list[Any]:
    meta, ref = obj.get("metadata") or {}, obj.get("roleRef") or {}
    return [meta.get("name", ""), f"{ref.get('kind', '')}/{ref.get('name', '')}",
            ages.since(meta.get("creationTimestamp")), *subjects_strings(obj)]


def _binding_printer(cluster: bool) -> Printer:
    return Printer((NAME, Column("Role", description=ROLE_REF_DOC[cluster]), AGE,
                    Column("Users", priority=1, description="Users in the roleBinding"),
                    Column("Groups", priority=1, description="Groups in the roleBinding"),
                    Column("ServiceAccounts", priority=1, description="ServiceAccounts in the roleBinding")),
                   _binding_row)


ROLE_PRINTER = Printer((NAME, Column("Created At", "date", AGE.description)), _role_row)

STRATEGIES: dict[str, Strategy] = {
    f"roles.{GROUP}": Strategy(validate=lambda o: _rules(o, True), printer=ROLE_PRINTER),
    f"clusterroles.{GROUP}": Strategy(validate=lambda o: _rules(o, False), printer=ROLE_PRINTER),
    f"rolebindings.{GROUP}": Strategy(default=default_binding, validate=lambda o: _binding(o, False),
                                      validate_update=_ref_unchanged, printer=_binding_printer(False)),
    f"clusterrolebindings.{GROUP}": Strategy(default=default_binding, validate=lambda o: _binding(o, True),
                                             validate_update=_ref_unchanged, printer=_binding_printer(True)),
}
