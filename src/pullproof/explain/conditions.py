"""Findings for a repository role whose ABAC condition leaves the wanted repository out: the exchange
passed, the token for that repository was refused."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from pullproof.core.trace import TraceEntry
from pullproof.explain.codes import by_code
from pullproof.explain.findings import Finding, Step
from pullproof.explain.fixes import grant_repository
from pullproof.rbac.conditions import ConditionError, repository_tests
from pullproof.rbac.evaluate import PatternCache


def excluded_by_condition(evidence: dict[str, Any]) -> list[dict[str, Any]]:
    """The assignments of a denial for a repository whose condition was not met."""
    if not (evidence.get("attributes") or {}).get("repository"):
        return []
    return [a for a in evidence.get("assignments") or [] if isinstance(a, dict) and a.get("condition_met") is False]


def condition_denial(entries: Iterable[TraceEntry]) -> TraceEntry | None:
    """A registry RBAC denial for a repository that an assignment's condition excluded."""
    return next((e for e in entries if e.surface == "registry" and not e.decision.allowed
                 and excluded_by_condition(e.decision.evidence)), None)


def condition_finding(subject: str, chain: tuple[Step, ...], facts: dict[str, Any],
                      registry: str, principal: str, who: str, evidence: dict[str, Any]) -> Finding:
    """``who`` ("The kubelet identity") has a role on ``registry`` whose condition left the repository out."""
    repository = str(evidence["attributes"]["repository"])
    excluded = excluded_by_condition(evidence)
    roles = " and ".join(sorted({str(a["role"]) for a in excluded}))
    patterns = PatternCache()
    allowed = sorted({test for a in excluded for test in _tests(patterns, str(a.get("condition", "")))})
    fix = grant_repository(f"Extend the condition to repository '{repository}', or add an assignment for it "
                           "(below).", registry, principal, repository)
    return Finding(by_code("REPOSITORY_NOT_IN_ROLE_CONDITION"), subject,
                   f"{who}'s {roles} role on {registry.rsplit('/', 1)[-1]} has a condition that does not cover "
                   f"repository '{repository}': it allows only repositories whose name is "
                   f"{' or '.join(allowed) or 'nothing'}.", chain, fix,
                   {**facts, "repository": repository, "conditions": [a.get("condition") for a in excluded]})


def _tests(patterns: PatternCache, condition: str) -> list[str]:
    try:
        return repository_tests(patterns.condition(condition))
    except ConditionError:
        return []
