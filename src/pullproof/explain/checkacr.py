"""``pullproof check-acr``: what ``az aks check-acr`` should have been. It runs a node's real
credential path — the token exchange (where canipull stops), a repository-scoped token and a
manifest fetch — prints PASS/FAIL per step and, on failure, the explanation. The probe runs on a
sandbox over a copy of the state (``Probe``), so the data dir it checks is left as it was."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from pullproof.explain.engine import Explainer
from pullproof.explain.facts import ClusterFacts, PodFacts
from pullproof.explain.findings import Finding
from pullproof.kube.node.images import parse_image
from pullproof.kube.node.models import (
    CredentialAttempt,
    CredentialSource,
    FailureKind,
    HttpStep,
    ProviderRun,
    PullRecord,
    StepKind,
)

if TYPE_CHECKING:
    from pullproof.explain.state import Probe

LABELS = {StepKind.IMDS: "Kubelet identity token from IMDS", StepKind.CHALLENGE: "Registry challenge (GET /v2/)",
          StepKind.EXCHANGE: "Token exchange (POST /oauth2/exchange)",
          StepKind.TOKEN: "Repository token (/oauth2/token)", StepKind.RESOLVE: "Manifest (HEAD, anonymous)",
          StepKind.RESOLVE_AUTHORIZED: "Manifest (HEAD, with token)", StepKind.FETCH: "Manifest and layers fetched"}


@dataclass
class CheckResult:
    ok: bool
    rows: list[tuple[str, bool, str]]
    finding: Finding | None


def _step_rows(source: str, steps: tuple[HttpStep, ...]) -> list[tuple[str, bool, str]]:
    rows = []
    for step in steps:
        kind, code = step.step, step.status
        if kind not in LABELS:
            continue
        passed = code == 401 if kind in (StepKind.CHALLENGE, StepKind.RESOLVE) else step.ok
        note = f"HTTP {code}" + (f" ({step.method}, {source})" if kind is StepKind.TOKEN else "")
        rows.append((LABELS[kind], passed, note))
    return rows


def _rows(provider: ProviderRun | None, tried: tuple[CredentialAttempt, ...]) -> list[tuple[str, bool, str]]:
    rows = _step_rows(str(CredentialSource.PROVIDER), provider.steps) if provider else []
    for attempt in tried:
        rows += _step_rows(attempt.source_name, attempt.steps)
        if attempt.error:
            rows.append((f"Pull as {attempt.source_name}", False, attempt.error))
    return rows


async def check_acr(probe: Probe, cluster: ClusterFacts, acr: str, image: str | None) -> CheckResult:
    """Run the probe on the cluster's first node; ``probe.state`` then holds the decisions it recorded."""
    login = acr if "." in acr else f"{acr}.azurecr.io"
    state = probe.state
    live = state.objects(cluster.id)
    nodes = sorted(n["metadata"]["name"] for n in live.list("nodes")[0]) if live else []
    if live is None or not nodes:
        raise ValueError(f"cluster {cluster.name} has no nodes")
    ref = parse_image(f"{login}/{image}" if image else f"{login}/canipull-probe:latest")
    assert ref is not None
    attempt = await probe.attempt(cluster.id, nodes[0], ref, probe.correlation())
    record = PullRecord(0, cluster.id, nodes[0], "default", "check-acr", "", "check-acr", ref.spec,
                        state.now(), attempt.ok, attempt.message, attempt.provider, attempt.tried)
    facts = PodFacts(cluster, "default", "check-acr", None, [record])
    for correlation in record.correlations:
        facts.decisions[correlation] = state.decisions(correlation)
    exchanged = attempt.provider is not None and any(s.step is StepKind.EXCHANGE and s.ok
                                                     for s in attempt.provider.steps)
    # the probe image need not exist: an exchange that worked and a "not found" pass, as in canipull
    ok = attempt.ok or (image is None and exchanged
                        and record.failed_with(FailureKind.NOT_FOUND, FailureKind.PLATFORM_MISMATCH))
    finding = None if ok else Explainer(state).pod(facts)
    return CheckResult(ok, _rows(attempt.provider, attempt.tried), finding)
