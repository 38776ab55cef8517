"""Rules over the compiled templates (every nested module deployment included) and the manifests:
principalType for fresh identities, roleDefinitionIds that are not built-in roles, service-principal
clusters, and removed Kubernetes API versions."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from pullproof.explain.manifest import REMOVED, explain_manifest
from pullproof.lint.context import ASSIGNMENT, CLUSTER
from pullproof.lint.inputs import Inputs, TemplateInput
from pullproof.lint.model import LintFinding, LintFix, Location
from pullproof.lint.sources import Declaration
from pullproof.rbac.builtin import ACR_PULL

GUID = re.compile(r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}")
REFERENCE = re.compile(r"(parameters|variables)\('([^']+)'\)")
Env = dict[str, str]


def _literal(value: Any, env: Env) -> str | None:
    if not isinstance(value, str):
        return None
    whole = re.fullmatch(r"\[(parameters|variables)\('([^']+)'\)\]", value)
    if whole:
        return env.get(f"{whole.group(1)}:{whole.group(2)}")
    return None if value.startswith("[") else value


def _env(template: dict[str, Any], passed: dict[str, Any], parent: Env) -> Env:
    env: Env = {}
    for name, decl in (template.get("parameters") or {}).items():
        given = passed.get(name.lower())
        value = _literal(given, parent) if given is not None else _literal((decl or {}).get("defaultValue"), {})
        if value is not None:
            env[f"parameters:{name}"] = value
    for name, value in (template.get("variables") or {}).items():
        text = _literal(value, env)
        if text is not None:
            env[f"variables:{name}"] = text
    return env


def walk(template: dict[str, Any], passed: dict[str, Any], parent: Env) -> Iterator[tuple[dict[str, Any], Env]]:
    """Every resource of the template and of its nested deployments, with the literal values of the
    parameters and variables it can see."""
    env = _env(template, passed, parent)
    resources = template.get("resources") or []
    for resource in resources.values() if isinstance(resources, dict) else resources:
        if not isinstance(resource, dict):
            continue
        yield resource, env
        props = resource.get("properties") or {}
        if isinstance(props.get("template"), dict):
            given = {k.lower(): v.get("value") for k, v in (props.get("parameters") or {}).items()
                     if isinstance(v, dict)}
            yield from walk(props["template"], given, env)


def _expand(text: str, env: Env) -> str:
    return REFERENCE.sub(lambda m: f"'{env.get(f'{m.group(1)}:{m.group(2)}', m.group(0))}'", text)


def _missing_type(d: Declaration) -> bool:
    return "principalid" in d.block.lower() and "principaltype" not in d.block.lower()


def _assignment_rules(entry: TemplateInput, resource: dict[str, Any], env: Env, roles: set[str]) -> list[LintFinding]:
    out = []
    props = resource.get("properties") or {}
    principal = props.get("principalId")
    if "principalType" not in props and isinstance(principal, str) and principal.startswith("["):
        decl = entry.sources.find(ASSIGNMENT, prefer=_missing_type)
        out.append(LintFinding("PP104", f"Role assignment {resource.get('name')} gives a role to {principal} without "
                               "principalType; if that identity was created in the same deployment, ARM may not "
                               "find it yet (PrincipalNotFound).",
                               decl.property_location("principalId") if decl else entry.sources.location(ASSIGNMENT),
                               LintFix("Add principalType: 'ServicePrincipal' next to principalId."),
                               {"principalId": principal}))
    role_text = _expand(str(props.get("roleDefinitionId") or ""), env)
    guids = GUID.findall(role_text)
    if guids and guids[-1].lower() not in roles:
        decl = entry.sources.find(ASSIGNMENT, guids[-1])
        where = decl.property_location("roleDefinitionId") if decl else entry.sources.location(ASSIGNMENT)
        out.append(LintFinding("PP109", f"roleDefinitionId {guids[-1]} is not a built-in role (AcrPull is "
                               f"{ACR_PULL}).", where,
                               LintFix("Use the built-in role's GUID.",
                                       "az role definition list --name AcrPull --query [].name -o tsv"),
                               {"roleDefinitionId": guids[-1]}))
    return out


def _sp_cluster(entry: TemplateInput, resource: dict[str, Any], env: Env) -> LintFinding | None:
    identity = resource.get("identity") or {}
    client = ((resource.get("properties") or {}).get("servicePrincipalProfile") or {}).get("clientId")
    if (isinstance(identity, dict) and identity.get("type") not in (None, "None")) or client in (None, "msi"):
        return None
    client = _literal(client, env) or client
    decl = entry.sources.find(CLUSTER, "servicePrincipalProfile")
    where = decl.property_location("servicePrincipalProfile") if decl else entry.sources.location(CLUSTER)
    return LintFinding("PP108", f"AKS cluster {resource.get('name')} signs in with a service principal "
                       f"(servicePrincipalProfile.clientId {client}); its secret expires and the nodes stop pulling.",
                       where, LintFix("Use identity: { type: 'SystemAssigned' } and drop servicePrincipalProfile.",
                                      "az aks update -g <resource-group> -n <cluster> --enable-managed-identity\n"
                                      "az aks nodepool upgrade -g <resource-group> --cluster-name <cluster> "
                                      "-n <pool> --node-image-only"), {})


def template_rules(entry: TemplateInput, params: dict[str, str], roles: set[str]) -> list[LintFinding]:
    out: list[LintFinding] = []
    for resource, env in walk(entry.template, {k.lower(): v for k, v in params.items()}, {}):
        rtype = str(resource.get("type", "")).lower()
        if rtype == ASSIGNMENT.lower():
            out += _assignment_rules(entry, resource, env, roles)
        elif rtype == CLUSTER.lower():
            found = _sp_cluster(entry, resource, env)
            out += [found] if found else []
    return out


def manifest_rules(inputs: Inputs) -> list[LintFinding]:
    """PP110: the manifests' removed API versions, with the apps/v1 version of the object as the fix."""
    out = []
    for path in dict.fromkeys(d.path for d in inputs.manifests):
        removed = [d for d in inputs.manifests if d.path == path and (d.api_version, d.kind) in REMOVED]
        for doc, finding in zip(removed, explain_manifest(Path(path)), strict=False):
            fix = finding.fix
            out.append(LintFinding("PP110", f"{doc.kind} {doc.name or '(unnamed)'} uses {doc.api_version}, which "
                                   "the cluster no longer serves (removed in Kubernetes 1.16): " +
                                   finding.chain[0].detail, Location(doc.path, doc.line, doc.column),
                                   LintFix(fix.summary if fix else "Use apps/v1.", yaml=fix.az if fix else None),
                                   {"apiVersion": doc.api_version, "kind": doc.kind}))
    return out
