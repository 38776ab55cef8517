"""``pullproof check-acr``: what ``az aks check-acr`` should have been. It runs a node's real
credential path — the token exchange (where canipull stops), a repository-scoped token and a
manifest fetch — prints PASS/FAIL per step and, on failure, the explanation."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from pullproof.explain.engine import Explainer
from pullproof.explain.facts import ClusterFacts, PodFacts
from pullproof.explain.findings import Finding
from pullproof.kube.node.images import parse_image
from pullproof.kube.node.pulllog import PullRecord

if TYPE_CHECKING:
    from pullproof.app import Emulator

LABELS = {"imds": "Kubelet identity token from IMDS", "challenge": "Registry challenge (GET /v2/)",
          "exchange": "Token exchange (POST /oauth2/exchange)", "token": "Repository token (/oauth2/token)",
          "resolve": "Manifest (HEAD, anonymous)", "resolve-authorized": "Manifest (HEAD, with token)",
          "fetch": "Manifest and layers fetched"}


@dataclass
class CheckResult:
    ok: bool
    rows: list[tuple[str, bool, str]]
    finding: Finding | None


def _rows(tried: list[dict[str, Any]]) -> list[tuple[str, bool, str]]:
    rows = []
    for attempt in tried:
        source = attempt.get("source", "")
        for step in attempt.get("steps", []):
            kind, code = step.get("step"), step.get("status")
            if kind not in LABELS:
                continue
            passed = code == 401 if kind in ("challenge", "resolve") else isinstance(code, int) and code // 100 == 2
            note = f"HTTP {code}" + (f" ({step.get('method')}, {source})" if kind == "token" else "")
            rows.append((LABELS[kind], passed, note))
        if attempt.get("error"):
            rows.append((f"Pull as {attempt.get('source')}", False, str(attempt["error"])))
    return rows


async def check_acr(emulator: Emulator, cluster: ClusterFacts, acr: str, image: str | None) -> CheckResult:
    login = acr if "." in acr else f"{acr}.azurecr.io"
    live = emulator.clusters.get(cluster.id)
    nodes = sorted(n["metadata"]["name"] for n in live.tracker.list("nodes")[0]) if live else []
    if live is None or not nodes:
        raise ValueError(f"cluster {cluster.name} has no nodes")
    ref = parse_image(f"{login}/{image}" if image else f"{login}/canipull-probe:latest")
    assert ref is not None
    kubelets = emulator.runtimes.get(live).kubelets
    correlation = f"check-acr/{emulator.ids.guid()}"
    attempt = await kubelets.attempt(nodes[0], ref, [], correlation)
    emulator.trace.flush()
    record = PullRecord(0, cluster.id, nodes[0], "default", "check-acr", "", "check-acr", ref.spec,
                        emulator.clock.now(), attempt.ok, attempt.message, attempt.tried)
    facts = PodFacts(cluster, "default", "check-acr", None, [record])
    for entry in attempt.tried:
        if entry.get("correlation"):
            facts.decisions[entry["correlation"]] = emulator.trace.entries(correlation=entry["correlation"])
    rows = _rows(attempt.tried)
    ok = attempt.ok or (image is None and any(r[0].startswith("Token exchange") and r[1] for r in rows)
                        and ": not found" in attempt.message)
    finding = None if ok else Explainer(emulator).pod(facts)
    return CheckResult(ok, rows, finding)
