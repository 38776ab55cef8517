"""The lint rules as data: stable ids, severity, title, why and the general fix. Rendered into
docs/lint.md (``rules_markdown``) and into SARIF's ``tool.driver.rules``."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from pullproof.rbac.builtin import ACR_PULL

Severity = Literal["error", "warning", "note"]


@dataclass(frozen=True)
class Rule:
    id: str
    name: str
    severity: Severity
    title: str
    why: str
    fix: str


RULES: tuple[Rule, ...] = (
    Rule("PP100", "deployment-failed", "error", "The template does not deploy",
         "ARM refused the template or a resource in it failed, so nothing after the failure exists; the "
         "throw-away pullproof answered as Azure would.",
         "Correct the template as the ARM error says, then lint again."),
    Rule("PP101", "kubelet-no-acrpull", "error",
         "The kubelet identity has no AcrPull on a registry the workloads pull from",
         "Nodes pull with the cluster's kubelet identity. Without AcrPull (or another role with "
         "registries/pull/read) on the registry or above, the token exchange is refused, containerd falls back to "
         "an anonymous token and ACR answers 401 Unauthorized: the pods stay in ImagePullBackOff.",
         "Add a role assignment module (aks-acr-role.bicep) that grants AcrPull on the registry to "
         "properties.identityProfile.kubeletidentity.objectId, or run 'az aks update --attach-acr'."),
    Rule("PP102", "acrpull-on-other-registry", "error", "AcrPull is granted on another registry",
         "A role assignment applies at its scope and below; AcrPull on one registry grants nothing on the "
         "registry the workloads pull from.",
         "Scope the AcrPull assignment to the registry the images live in (or add one for it)."),
    Rule("PP103", "acrpull-on-control-plane", "error",
         "AcrPull is granted to the control-plane identity instead of the kubelet identity",
         "The control-plane identity (identity.principalId) manages Azure resources for the cluster; image "
         "pulls use the kubelet identity (<cluster>-agentpool), which still has no pull role.",
         "Use properties.identityProfile.kubeletidentity.objectId as the principalId of the AcrPull assignment."),
    Rule("PP104", "principal-type-missing", "warning",
         "A role assignment for a freshly created identity has no principalType",
         "Without principalType ARM looks the principal up in Entra ID, which may not have replicated a "
         "managed identity created seconds earlier: the deployment fails now and then with PrincipalNotFound.",
         "Add principalType: 'ServicePrincipal' to the role assignment."),
    Rule("PP105", "pull-role-too-broad", "warning",
         "The kubelet identity holds more than AcrPull on the registry",
         "Nodes only pull. AcrPush, Contributor or Owner also let anything on a node push, delete or reconfigure "
         "the registry (least privilege).",
         "Grant AcrPull instead and remove the broader assignment."),
    Rule("PP106", "admin-user-enabled", "warning", "The registry's admin user is enabled",
         "The admin user is one shared username and password with push and pull rights on the whole registry; "
         "it cannot be scoped, audited per caller or protected by Entra ID policies.",
         "Set adminUserEnabled: false; push from CI with an Entra identity that holds AcrPush, pull with AcrPull."),
    Rule("PP107", "anonymous-pull-enabled", "warning", "Anonymous pull is enabled on the registry",
         "Anyone on the internet can pull every repository of the registry without credentials.",
         "Set anonymousPullEnabled: false and grant AcrPull to the identities that pull."),
    Rule("PP108", "service-principal-cluster", "warning", "The cluster uses a service principal",
         "A service-principal cluster pulls with the principal's client secret, which expires (one year by "
         "default): image pulls and Azure operations stop on that day (AADSTS7000222).",
         "Use identity: { type: 'SystemAssigned' } (or a user-assigned identity) instead of servicePrincipalProfile."),
    Rule("PP109", "role-not-built-in", "error", "The roleDefinitionId is not a built-in role",
         "The GUID in roleDefinitionId names no built-in role (a typo, a role from another cloud, or a custom role "
         "this template does not create): ARM answers RoleDefinitionDoesNotExist.",
         f"Use the built-in role's GUID, e.g. AcrPull {ACR_PULL}."),
    Rule("PP110", "removed-api-version", "error", "The manifest uses an API version the cluster no longer serves",
         "apps/v1beta1, apps/v1beta2 and extensions/v1beta1 workloads were removed in Kubernetes 1.16; kubectl "
         "apply fails with 'no matches for kind'.",
         "Use apps/v1, which also requires spec.selector."),
    Rule("PP111", "acrpull-granted-by-workflow", "note", "AcrPull is granted by a workflow step, not by the templates",
         "The templates give the kubelet identity no pull role; a workflow's 'az aks update --attach-acr' does. "
         "Pulls work once that step has run, but a fresh deployment of the templates alone cannot pull.",
         "Move the grant into the templates (aks-acr-role.bicep) so that infrastructure is complete on its own."),
    Rule("PP112", "registry-not-in-templates", "note", "A workload pulls from a registry the templates do not create",
         "pullproof can check only registries the given templates deploy; this one is outside them.",
         "Lint it together with the templates that create the registry, or grant AcrPull on it separately."),
    Rule("PP120", "pod-not-running", "error", "Preflight: a pod does not become Running",
         "The workloads were rolled out on the deployed cluster in a throw-away pullproof; this pod did not start. "
         "The explanation follows the pull through the kubelet identity, the token exchange and RBAC.",
         "Apply the explanation's fix, then run lint --preflight again."),
    Rule("PP121", "preflight-apply-failed", "error", "Preflight: the manifests cannot be applied",
         "The API server refused an object of the manifests, or no AKS cluster was deployed to run them on.",
         "Correct the manifest (or deploy a cluster) as the message says."),
)

LEVELS: dict[str, int] = {"error": 0, "warning": 1, "note": 2}


def rule(rule_id: str) -> Rule:
    return next(r for r in RULES if r.id == rule_id)


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def rules_markdown() -> str:
    """The rules table of docs/lint.md."""
    lines = ["| id | severity | what | why | fix |", "| --- | --- | --- | --- | --- |"]
    for r in RULES:
        lines.append(f"| `{r.id}` {r.name} | {r.severity} | {_cell(r.title)} | {_cell(r.why)} | {_cell(r.fix)} |")
    return "\n".join(lines) + "\n"
