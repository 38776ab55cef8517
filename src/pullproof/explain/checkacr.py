"""``pullproof check-acr``: what ``az aks check-acr`` should have been. It runs a node's real
credential path — the token exchange (where canipull stops), a repository-scoped token and a
manifest fetch — prints PASS/FAIL per step and, on failure, the explanation. The probe runs on a
sandbox over a copy of the state (``Probe``), so the data dir it checks is left as it was."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from pullproof.explain.engine import Explainer
from pullproof.explain.facts import ClusterFacts, PodFacts
from pullproof.explain.findings import Finding
from pullproof.kube.node.images import parse_image
from pullproof.kube.node.pulllog import PullRecord

if TYPE_CHECKING:
    from pullproof.explain.state import Probe

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
                        state.now(), attempt.ok, attempt.message, attempt.tried)
    facts = PodFacts(cluster, "default", "check-acr", None, [record])
    for entry in attempt.tried:
        if entry.get("correlation"):
            facts.decisions[entry["correlation"]] = state.decisions(entry["correlation"])
    rows = _rows(attempt.tried)
    ok = attempt.ok or (image is None and any(r[0].startswith("Token exchange") and r[1] for r in rows)
                        and ": not found" in attempt.message)
    finding = None if ok else Explainer(state).pod(facts)
    return CheckResult(ok, rows, finding)
