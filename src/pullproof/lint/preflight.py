"""``--preflight``: after the deployments, push placeholder images for the workloads' ACR images,
apply the manifests to the cluster (through the API server's object verbs: defaulting, admission,
validation), run the controllers and kubelets on the manual clock, and report every pod, with the
explain engine's explanation for each pod that is not Running."""

from __future__ import annotations

import asyncio
from dataclasses import replace
from typing import Any

from pullproof.arm.models import Resource
from pullproof.explain.engine import Explainer
from pullproof.explain.facts import cluster_facts, pod_facts
from pullproof.explain.findings import Finding
from pullproof.kube.storage.clusters import Cluster
from pullproof.lint.context import Context, acr_of
from pullproof.lint.manifests import ManifestDoc
from pullproof.lint.model import LintFinding, LintFix, Location, PodResult, Preflight
from pullproof.lint.placeholder import push_placeholder
from pullproof.lint.workloads import Applier, attach_from_workflows, rewrite, workloads
from pullproof.lint.world import World

PASSES = 60
TRANSIENT = ("ErrImagePull", "ContainerCreating", "PodInitializing")


def target_cluster(ctx: Context) -> Resource | None:
    clusters = ctx.clusters()
    wanted = [name.lower() for flow in ctx.inputs.workflows for name in flow.clusters]
    named = [c for c in clusters if c.name.lower() in wanted]
    found = named or clusters
    return found[0] if found else None


def _push(ctx: Context, docs: list[ManifestDoc], result: Preflight) -> dict[str, str]:
    """Push a placeholder for every image in a registry the templates create; a digest reference
    cannot exist in a fresh registry, so it is replaced by the placeholder's digest."""
    known = {r.name.lower() for r in ctx.registries()}
    replaced: dict[str, str] = {}
    for image in dict.fromkeys(i for d in docs for i in d.images()):
        acr = acr_of(image)
        if acr is None or acr not in known:
            continue
        digest = asyncio.run(push_placeholder(ctx.world, image))
        result.pushed.append(image)
        if "@" in image:
            replaced[image] = f"{image.split('@', 1)[0]}@{digest}"
            result.skipped.append(f"digest of {image} (ran the placeholder's digest {digest[:19]}… instead)")
    return replaced


async def _run(world: World, cluster: Cluster, namespaces: set[str], expected: int) -> None:
    """Step until every pod runs; after PASSES seconds, until no pod is between two pull attempts
    (``ErrImagePull``, ``ContainerCreating``), so the report shows the state that lasts."""
    for done in range(2 * PASSES):
        await world.step()
        pods = _pods(cluster, namespaces)
        if len(pods) >= expected and all((p.get("status") or {}).get("phase") == "Running" for p in pods):
            return
        if done >= PASSES and not any(_waiting(p)[0] in TRANSIENT for p in pods):
            return
        world.clock.advance(1)


def _pods(cluster: Cluster, namespaces: set[str]) -> list[dict[str, Any]]:
    return [p for ns in sorted(namespaces) for p in cluster.tracker.list("pods", ns)[0]]


def _waiting(pod: dict[str, Any]) -> tuple[str, str]:
    status = pod.get("status") or {}
    for container in status.get("containerStatuses") or []:
        waiting = (container.get("state") or {}).get("waiting")
        if waiting:
            return str(waiting.get("reason", "")), str(waiting.get("message", ""))
    condition: dict[str, Any] = next((c for c in status.get("conditions") or [] if c.get("status") == "False"), {})
    return str(condition.get("reason", "")), str(condition.get("message", ""))


def scrub(finding: Finding, secrets: dict[str, str]) -> Finding:
    """The explanation with the throw-away pullproof's ids as placeholders, and without the Bicep and
    Terraform of explain's fix (the lint findings carry the module to add)."""
    if finding.fix is None:
        return finding

    def clean(text: str | None) -> str | None:
        for value, shown in secrets.items():
            text = text.replace(value, shown) if text else text
        return text

    fix = replace(finding.fix, az=clean(finding.fix.az) or "", bicep=None, terraform=None)
    return replace(finding, fix=fix)


def _results(world: World, cluster: Resource, live: Cluster, namespaces: set[str]) -> list[PodResult]:
    state = world.state
    facts = cluster_facts(state, cluster.id)
    ids = {state.subscription_id: "<subscription-id>", state.tenant_id: "<tenant-id>"}
    if facts is not None and facts.kubelet_principal:
        ids[facts.kubelet_principal] = "<kubelet-objectId>"
    out = []
    for pod in _pods(live, namespaces):
        meta, phase = pod["metadata"], str((pod.get("status") or {}).get("phase", "Pending"))
        reason, message = ("Running", "") if phase == "Running" else _waiting(pod)
        explanation = None
        if phase != "Running" and facts is not None:
            found = Explainer(state).pod(pod_facts(state, facts, meta["namespace"], meta["name"]))
            explanation = scrub(found, ids)
        out.append(PodResult(meta["namespace"], meta["name"], phase, reason, message, explanation))
    return out


def _finding(pod: PodResult, where: Location) -> LintFinding:
    text = f"pod {pod.namespace}/{pod.name} is {pod.phase}" + (f" ({pod.reason}): {pod.message}" if pod.reason else "")
    explained = pod.explanation
    fix = LintFix(f"{explained.code.title}. {explained.fix.summary}" if explained and explained.fix
                  else "See the explanation.")
    return LintFinding("PP120", text, where, fix, {"pod": pod.name, "namespace": pod.namespace, "phase": pod.phase,
                                                     "reason": pod.reason}, explained)


def run_preflight(world: World, ctx: Context, findings: list[LintFinding]) -> Preflight:
    cluster = target_cluster(ctx)
    where = Location(ctx.deployed[0].entry.path if ctx.deployed else ctx.inputs.paths[0])
    if cluster is None or (live := world.cluster(cluster.id)) is None:
        findings.append(LintFinding("PP121", "No AKS cluster was deployed by the templates: preflight has nowhere to "
                                    "run the workloads.", where))
        return Preflight(None)
    result = Preflight(cluster.name)
    docs = workloads(ctx)
    replaced = _push(ctx, docs, result)
    docs = [rewrite(d, replaced) for d in docs]
    attach_from_workflows(ctx, cluster)
    applier = Applier(world, live, {r.name.lower() for r in ctx.registries()})
    result.expected = applier.apply(docs, findings, result)
    asyncio.run(_run(world, live, applier.namespaces, result.expected))
    result.pods = _results(world, cluster, live, applier.namespaces)
    for pod in result.pods:
        if not pod.running:
            findings.append(_finding(pod, applier.location_of(pod.name, where)))
    return result
