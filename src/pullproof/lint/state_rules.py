"""Rules over the ARM state the templates produced in the throw-away pullproof: who can pull from
which registry (decided by the RBAC engine, as a pull would be), roles broader than AcrPull, and
the registries' admin user and anonymous pull."""

from __future__ import annotations

from pullproof.arm.models import Resource
from pullproof.explain.facts import ClusterFacts, cluster_facts
from pullproof.lint.context import ASSIGNMENT, CLUSTER, REGISTRY, Context
from pullproof.lint.fixes import Target, acrpull_fix
from pullproof.lint.model import LintFinding, LintFix, Location
from pullproof.lint.sandbox import LINT_GROUP
from pullproof.rbac.builtin import ACR_PULL
from pullproof.rbac.models import scope_key

TOO_BROAD = {"AcrPush", "Owner", "Contributor"}


def _target(facts: ClusterFacts, registry: Resource) -> Target:
    group = "<resource-group>" if facts.group.lower() == LINT_GROUP else facts.group
    return Target(facts.name, group, registry.name)


def _pull_finding(ctx: Context, facts: ClusterFacts, registry: Resource, why_used: str) -> LintFinding | None:
    if ctx.can_pull(facts.kubelet_principal, registry.id):
        return None
    entry, target = ctx.entry_of(facts.id), _target(facts, registry)
    where = ctx.location(facts.id, CLUSTER)
    who = f"The kubelet identity of AKS cluster {facts.name} ({facts.name}-agentpool)"
    facts_out = {"cluster": facts.name, "registry": registry.name}
    attach = ctx.attach_for(facts.name, registry.name)
    if attach is not None:
        step, path = attach
        return LintFinding("PP111", f"{who} gets AcrPull on {registry.name} only from the workflow step "
                           f"'az aks update --attach-acr' ({path.name}, line {step.line}); the templates alone "
                           "grant it nothing, so this counts as granted.", Location(path, step.line),
                           acrpull_fix(entry, target, "Grant AcrPull in the templates instead."), facts_out)
    fix = acrpull_fix(entry, target, f"Add aks-acr-role.bicep: AcrPull on {registry.name} for the kubelet identity.")
    if ctx.can_pull(facts.control_plane_principal, registry.id):
        decl = ctx.declaration(facts.id, ASSIGNMENT, "identity.principalId", ACR_PULL)
        return LintFinding("PP103", f"AcrPull on {registry.name} is assigned to the control-plane identity of "
                           f"{facts.name} (identity.principalId); {who[0].lower() + who[1:]} still cannot pull.",
                           decl.location if decl else where, fix, facts_out)
    others = [r.name for r in ctx.registries() if r.id != registry.id and ctx.can_pull(facts.kubelet_principal, r.id)]
    if others:
        decl = ctx.declaration(facts.id, ASSIGNMENT, ACR_PULL)
        return LintFinding("PP102", f"{who} can pull from {', '.join(others)} but not from {registry.name}, "
                           f"{why_used}.", decl.location if decl else where, fix, {**facts_out, "elsewhere": others})
    return LintFinding("PP101", f"{who} has no AcrPull on registry {registry.name}, {why_used}: its pods would "
                       "get 401 Unauthorized from the registry and stay in ImagePullBackOff.", where, fix, facts_out)


def _too_broad(ctx: Context, facts: ClusterFacts, registries: list[Resource]) -> list[LintFinding]:
    out = []
    roles = ctx.world.state.roles
    for assignment in ctx.world.state.assignments((facts.kubelet_principal or "").lower()):
        role = roles.get(assignment.role_guid)
        covered = [r.name for r in registries if (scope_key(r.id) + "/").startswith(assignment.scope_key + "/")]
        if role is None or role.role_name not in TOO_BROAD or not covered:
            continue
        decl = ctx.declaration(facts.id, ASSIGNMENT, assignment.role_guid)
        scope = assignment.scope.rsplit("/", 1)[-1]
        out.append(LintFinding(
            "PP105", f"The kubelet identity of {facts.name} holds {role.role_name} on {scope}"
            f" (covering {', '.join(covered)}); pulling needs only AcrPull.",
            decl.location if decl else ctx.location(facts.id, CLUSTER),
            LintFix(f"Replace {role.role_name} ({role.guid}) with AcrPull ({ACR_PULL}) in the role assignment.",
                    f"az role assignment delete --assignee <kubelet objectId> --role {role.role_name} "
                    f"--scope <scope>\naz aks update -n {facts.name} -g {facts.group} --attach-acr {covered[0]}"),
            {"cluster": facts.name, "role": role.role_name}))
    return out


def access_rules(ctx: Context) -> list[LintFinding]:
    """PP101/PP102/PP103/PP111 (pull access) and PP105 (too broad) for every managed-identity cluster."""
    out: list[LintFinding] = []
    used = ctx.used()
    registries = ctx.registries()
    for cluster in ctx.clusters():
        facts = cluster_facts(ctx.world.state, cluster.id)
        if facts is None or facts.nodes_use == "sp" or not facts.kubelet_principal:
            continue
        for registry in registries:
            if used is not None and registry.name.lower() not in used:
                continue
            why = "which the workloads pull from" if used is not None else "deployed alongside it"
            found = _pull_finding(ctx, facts, registry, why)
            if found is not None:
                out.append(found)
        out += _too_broad(ctx, facts, registries)
    return out


def registry_rules(ctx: Context) -> list[LintFinding]:
    """PP106 (admin user) and PP107 (anonymous pull)."""
    out = []
    for registry in ctx.registries():
        props = registry.body.get("properties") or {}
        decl = ctx.declaration(registry.id, REGISTRY, registry.name)
        for key, rule, cli in (("adminUserEnabled", "PP106", "--admin-enabled false"),
                               ("anonymousPullEnabled", "PP107", "--anonymous-pull-enabled false")):
            if props.get(key) is True:
                where = decl.property_location(key) if decl else ctx.location(registry.id, REGISTRY)
                out.append(LintFinding(rule, f"Registry {registry.name} has {key}: true.", where,
                                       LintFix(f"Set {key}: false.", f"az acr update -n {registry.name} {cli}"),
                                       {"registry": registry.name}))
    return out


def unknown_registries(ctx: Context) -> list[LintFinding]:
    """PP112: workloads that pull from a registry no template creates."""
    known = {r.name.lower() for r in ctx.registries()}
    out, seen = [], set()
    for use in ctx.image_uses():
        if use.acr in known or use.acr in seen:
            continue
        seen.add(use.acr)
        out.append(LintFinding("PP112", f"{use.image} comes from registry {use.acr}, which none of the templates "
                               "creates; pullproof cannot check that the cluster may pull from it.", use.location,
                               LintFix("Lint the registry's template too, or grant AcrPull on it separately.",
                                       f"az aks check-acr -n <cluster> -g <resource-group> --acr {use.acr}.azurecr.io"),
                               {"registry": use.acr}))
    return out
