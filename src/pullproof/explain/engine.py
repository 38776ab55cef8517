"""Explanations: classify the recorded facts of a failing pull into one finding, with its causal
chain and fix. Pure reading: nothing here re-evaluates RBAC or re-runs a pull."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from pullproof.core.reasons import Reason
from pullproof.core.trace import TraceEntry
from pullproof.explain.chain import chain_of, relevant
from pullproof.explain.codes import by_code
from pullproof.explain.conditions import condition_denial, condition_finding
from pullproof.explain.facts import PodFacts
from pullproof.explain.findings import Finding, Fix, Step
from pullproof.explain.fixes import grant_pull
from pullproof.explain.secrets import secret_finding
from pullproof.kube.node.images import parse_image
from pullproof.kube.node.models import FailureKind, ProviderRun
from pullproof.rbac.models import ancestors
from pullproof.registry.scope import PULL_READ as PULL

if TYPE_CHECKING:
    from pullproof.explain.state import ToolState



def registry_decision(entries: list[TraceEntry]) -> TraceEntry | None:
    """The decision that settled a registry request: the last denial of the registry surface."""
    denials = [e for e in entries if relevant(e) and not e.decision.allowed]
    preferred = [e for e in denials if e.decision.reason in (Reason.LEGACY_ROLE_IGNORED,
                                                             Reason.ASSIGNMENT_NOT_PROPAGATED)]
    pick = preferred or [e for e in denials if e.decision.reason is not Reason.NO_REGISTRY_PERMISSION] or denials
    return pick[0] if pick else None


class Explainer:
    def __init__(self, state: ToolState) -> None:
        self.state = state

    def pod(self, facts: PodFacts) -> Finding:
        subject = f"pod {facts.namespace}/{facts.name}"
        record = facts.latest
        if record is None:
            return Finding(by_code("NO_PULL_RECORDED"), subject, "No pull attempt is recorded for this pod yet.", ())
        chain = tuple(chain_of(record, facts.decisions))
        base = {"image": record.image, "node": record.node, "message": record.message}
        if record.ok:
            return Finding(by_code("PULL_OK"), subject, f"{record.image} was pulled on {record.node}.", chain,
                           facts=base)
        if record.failed_with(FailureKind.NOT_FOUND, FailureKind.PLATFORM_MISMATCH):
            return self._not_found(subject, record.image, chain, base)
        found = secret_finding(self.state, facts, subject, chain, base)
        if found is not None:
            return found
        provider = record.provider
        if provider is None or (provider.mode != "sp" and not provider.exchanged):
            return Finding(by_code("ANONYMOUS_PULL_DISABLED"), subject,
                           f"Nothing but an anonymous token request reached the registry for {record.image}"
                           + (" (the node's identity gave no token)." if provider else "."),
                           chain, self._fix_for_node_identity(facts, record.image), base)
        if provider.mode == "sp":
            return self._service_principal(facts, subject, chain, base)
        return self._managed_identity(facts, subject, chain, base, provider)

    def _not_found(self, subject: str, image: str, chain: tuple[Step, ...], base: dict[str, Any]) -> Finding:
        ref = parse_image(image)
        tags: list[str] = []
        if ref is not None:
            tags = self.state.tags(ref.host.lower(), ref.repository)
        known = f" Tags in {ref.repository if ref else image}: {', '.join(tags) or 'none'}." if ref else ""
        fix = Fix("Push the image or correct the reference in the pod spec.",
                  f"az acr repository show-tags -n {ref.host.split('.')[0] if ref else '<acr>'} "
                  f"--repository {ref.repository if ref else '<repo>'} -o table")
        return Finding(by_code("IMAGE_NOT_FOUND"), subject, f"{image} does not exist in the registry.{known}", chain,
                       fix, {**base, "tags": tags})

    def _registry_id(self, image: str) -> str | None:
        ref = parse_image(image)
        found = self.state.registry(ref.host) if ref else None
        return found.resource_id if found else None

    def _fix_for_node_identity(self, facts: PodFacts, image: str) -> Fix | None:
        registry = self._registry_id(image)
        if registry is None or facts.cluster.kubelet_principal is None:
            return None
        return grant_pull("Grant AcrPull on the registry to the kubelet identity.", registry,
                          facts.cluster.kubelet_principal,
                          extra_az=f"az aks update -n {facts.cluster.name} -g {facts.cluster.group} "
                                   f"--attach-acr {registry}")

    def _service_principal(self, facts: PodFacts, subject: str, chain: tuple[Step, ...],
                           base: dict[str, Any]) -> Finding:
        record = facts.latest
        assert record is not None
        reasons = {e.decision.reason for entries in facts.decisions.values() for e in entries}
        sp = self.state.service_principal(app_id=facts.cluster.sp_client_id or "")
        registry = self._registry_id(record.image)
        if Reason.CLIENT_SECRET_EXPIRED in reasons:
            fix = Fix("Reset the service principal's secret and give it to the cluster, or move the cluster to "
                      "managed identity.",
                      f"SECRET=$(az ad sp credential reset --id {facts.cluster.sp_client_id} --query password -o tsv)\n"
                      f"az aks update-credentials -g {facts.cluster.group} -n {facts.cluster.name} "
                      f"--reset-service-principal --service-principal {facts.cluster.sp_client_id} "
                      f"--client-secret $SECRET")
            return Finding(by_code("SERVICE_PRINCIPAL_SECRET_EXPIRED"), subject,
                           f"The cluster's service principal {facts.cluster.sp_client_id} signs in with an expired "
                           "secret.", chain, fix, base)
        fix = grant_pull("Grant AcrPull on the registry to the service principal the nodes use.", registry or
                         "<acr id>", sp.object_id if sp else "<object id>")
        if facts.cluster.control_plane_principal and facts.cluster.control_plane_principal != (sp.object_id if sp
                                                                                               else None):
            return Finding(by_code("KUBELET_STILL_ON_SERVICE_PRINCIPAL"), subject,
                           "The control plane uses a managed identity, but the nodes still pull with the service "
                           f"principal {facts.cluster.sp_client_id}, which has no pull role on the registry.", chain,
                           Fix(fix.summary + " Or finish the migration and attach the registry to the new kubelet "
                               "identity.", fix.az + f"\n# or: az aks nodepool upgrade -g {facts.cluster.group} "
                               f"--cluster-name {facts.cluster.name} -n nodepool1 --node-image-only && az aks "
                               f"update -n {facts.cluster.name} -g {facts.cluster.group} --attach-acr {registry}",
                               fix.bicep, fix.terraform), base)
        return Finding(by_code("SERVICE_PRINCIPAL_NO_ACRPULL"), subject,
                       f"The service principal {facts.cluster.sp_client_id} has no pull role on the registry.",
                       chain, fix, base)

    def _managed_identity(self, facts: PodFacts, subject: str, chain: tuple[Step, ...], base: dict[str, Any],
                          provider: ProviderRun) -> Finding:
        record = facts.latest
        assert record is not None
        entry = registry_decision(facts.decisions.get(provider.correlation, []))
        registry = self._registry_id(record.image) or "<acr id>"
        kubelet = facts.cluster.kubelet_principal or "<kubelet objectId>"
        fix = self._fix_for_node_identity(facts, record.image)
        evidence = entry.decision.evidence if entry else {}
        facts_out = {**base, "decision": entry.decision.to_dict() if entry else None}
        if entry and entry.decision.reason is Reason.LEGACY_ROLE_IGNORED:
            return Finding(by_code("REGISTRY_IGNORES_ACRPULL"), subject,
                           f"The kubelet identity holds {evidence.get('ignored_role')} on the registry, which the "
                           "registry's repository-permission mode ignores.", chain,
                           grant_pull("Grant a Container Registry Repository role instead (or switch the registry "
                                      "back with az acr update --role-assignment-mode rbac).", registry, kubelet,
                                      role="Container Registry Repository Reader"), facts_out)
        conditioned = condition_denial(e for entries in facts.decisions.values() for e in entries)
        if conditioned is not None:
            return condition_finding(subject, chain, facts_out, registry, kubelet,
                                     "The kubelet identity", conditioned.decision.evidence)
        if entry and entry.decision.reason is Reason.ASSIGNMENT_NOT_PROPAGATED:
            return Finding(by_code("ROLE_NOT_PROPAGATED"), subject,
                           "A matching role assignment exists but had not taken effect when the kubelet pulled; "
                           "the next pull after propagation succeeds (delete the pod to skip the back-off).", chain,
                           Fix("Wait, then recreate the pods.", "kubectl delete pod -n "
                               f"{facts.namespace} {facts.name}"), facts_out)
        return self._role_analysis(facts, subject, chain, facts_out, registry, fix)

    def _holds_pull(self, principal: str, registry: str) -> bool:
        """Whether a role assignment lets the principal pull (propagated or not: a process reading the
        data dir may run on a clock behind a sped-up server's)."""
        decision = self.state.evaluate(principal, PULL, registry)
        return decision.allowed or decision.reason is Reason.ASSIGNMENT_NOT_PROPAGATED

    def _role_analysis(self, facts: PodFacts, subject: str, chain: tuple[Step, ...], facts_out: dict[str, Any],
                       registry: str, fix: Fix | None) -> Finding:
        cluster = facts.cluster
        if cluster.control_plane_principal and self._holds_pull(cluster.control_plane_principal, registry):
            return Finding(by_code("ACRPULL_ON_CONTROL_PLANE_IDENTITY"), subject,
                           f"AcrPull is assigned to the control-plane identity {cluster.control_plane_principal}; "
                           f"the nodes pull as the kubelet identity {cluster.kubelet_principal}.", chain, fix,
                           facts_out)
        here = set(ancestors(registry))
        elsewhere = [a for a in self.state.assignments((cluster.kubelet_principal or "").lower())
                     if "microsoft.containerregistry/registries/" in a.scope_key and a.scope_key not in here]
        if elsewhere:
            return Finding(by_code("ACRPULL_ON_OTHER_REGISTRY"), subject,
                           f"The kubelet identity has a role on {elsewhere[0].scope}, not on {registry}.", chain,
                           fix, {**facts_out, "elsewhere": [a.scope for a in elsewhere]})
        previous = self.state.service_principal(app_id=cluster.previous_sp_client_id or "")
        if previous is not None and self._holds_pull(previous.object_id, registry):
            return Finding(by_code("KUBELET_IDENTITY_REPLACED"), subject,
                           f"The node image upgrade moved the nodes from the service principal "
                           f"{cluster.previous_sp_client_id} (which can pull) to the kubelet identity "
                           f"{cluster.kubelet_principal} (which cannot).", chain, fix, facts_out)
        return Finding(by_code("KUBELET_IDENTITY_NO_ACRPULL"), subject,
                       f"The kubelet identity {cluster.kubelet_principal} has no role that allows pulling from "
                       f"{registry.rsplit('/', 1)[-1]}.", chain, fix, facts_out)
