"""The causal chain of one recorded pull attempt, step by step, in the order the kubelet went."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from pullproof.core.reasons import REASON_TEXT, Reason
from pullproof.core.trace import TraceEntry
from pullproof.explain.findings import Status, Step
from pullproof.kube.node.models import (
    CredentialAttempt,
    CredentialSource,
    ProviderRun,
    PullRecord,
    StepKind,
    to_dict,
)

SOURCES = {CredentialSource.PROVIDER: "ACR credential provider", CredentialSource.ANONYMOUS: "anonymous"}


def _status(code: Any) -> Status:
    return "ok" if isinstance(code, int) and code // 100 == 2 else "fail"


def relevant(entry: TraceEntry) -> bool:
    """Registry decisions worth showing: the pull checks and the non-RBAC verdicts (not the exchange's
    push/delete probes, nor its summary, which repeats the pull check)."""
    if entry.surface != "registry" or entry.decision.reason is Reason.NO_REGISTRY_PERMISSION:
        return False
    action = entry.action or ""
    if action.startswith("Microsoft.ContainerRegistry/"):
        return action.endswith(("/pull/read", "/content/read", "/catalog/read"))
    return not entry.decision.allowed or action not in ("token", "")


def rbac_steps(entries: list[TraceEntry]) -> Iterator[Step]:
    """The registry's RBAC decisions recorded while serving one credential attempt."""
    for entry in entries:
        if not relevant(entry):
            continue
        evidence = entry.decision.evidence
        if "scopes_checked" not in evidence:
            detail = (f"{entry.action} for {entry.principal_id or 'anonymous'}: {entry.decision.reason.value} "
                      f"({REASON_TEXT[entry.decision.reason]}).")
            yield Step("Registry decision", "ok" if entry.decision.allowed else "fail", detail,
                       entry.decision.to_dict())
            continue
        found = evidence.get("assignments") or []
        repository = (evidence.get("attributes") or {}).get("repository")
        assignments = ", ".join(f"{a['role']} at {a['scope']}" + _condition_note(a, repository)
                                for a in found) or "none"
        checked = " > ".join(evidence.get("scopes_checked", [])) or entry.scope or ""
        detail = (f"{entry.action} for {entry.principal_id or 'anonymous'}: {entry.decision.reason.value} "
                  f"({REASON_TEXT[entry.decision.reason]}). Scopes checked: {checked}. Assignments found: "
                  f"{assignments}.")
        yield Step("RBAC decision", "ok" if entry.decision.allowed else "fail", detail, entry.decision.to_dict())


def _condition_note(assignment: dict[str, Any], repository: str | None) -> str:
    if "condition_met" not in assignment:
        return ""
    met = "met" if assignment["condition_met"] else "not met"
    return f" (condition {met}" + (f" for repository '{repository}')" if repository else ")")


def _provider(run: ProviderRun, decisions: dict[str, list[TraceEntry]]) -> Iterator[Step]:
    if run.mode == "sp":
        yield Step("ACR credential provider", "info",
                   f"service-principal cluster: hands client id {run.client_id} and its secret to the runtime",
                   to_dict(run))
        return
    for step in run.steps:
        code = step.status
        if step.step is StepKind.IMDS:
            yield Step("IMDS token (containerregistry.azure.net)", _status(code),
                       f"kubelet identity client id {step.client_id}: HTTP {code}", to_dict(step))
        elif step.step is StepKind.CHALLENGE:
            yield Step("Registry challenge GET /v2/", _status(200 if code == 401 else code),
                       f"HTTP {code} with {step.challenges} Www-Authenticate header(s)", to_dict(step))
        elif step.step is StepKind.EXCHANGE:
            yield Step("Token exchange POST /oauth2/exchange", _status(code), f"HTTP {code}", to_dict(step))
        elif step.step is StepKind.PROVIDER and step.cached:
            yield Step("ACR credential provider", "info", "credentials from the provider's cache", to_dict(step))
    yield from rbac_steps(decisions.get(run.correlation, []))


def _label(attempt: CredentialAttempt) -> str:
    if attempt.source is CredentialSource.PULL_SECRET:
        return f"pull secret {attempt.secret}"
    return SOURCES[attempt.source]


def chain_of(record: PullRecord, decisions: dict[str, list[TraceEntry]]) -> Iterator[Step]:
    yield Step("Pull", "ok" if record.ok else "fail", f"{record.image} on node {record.node}",
               {"container": record.container})
    if record.provider is not None:
        yield from _provider(record.provider, decisions)
    for attempt in record.attempts:
        user = attempt.username or "(none)"
        tokens = [s for s in attempt.steps if s.step is StepKind.TOKEN]
        detail = "; ".join(f"{t.method} /oauth2/token → HTTP {t.status}" for t in tokens)
        yield Step(f"Credential: {_label(attempt)} (user {user})", "ok" if attempt.ok else "fail",
                   detail or ("pulled" if attempt.ok else attempt.error), to_dict(attempt))
        yield from rbac_steps(decisions.get(attempt.correlation, []))
    if not record.ok:
        yield Step("Result", "fail", record.message, {})
