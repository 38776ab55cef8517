"""The causal chain of one recorded pull attempt, step by step, in the order the kubelet went."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from pullproof.core.reasons import REASON_TEXT, Reason
from pullproof.core.trace import TraceEntry
from pullproof.explain.findings import Status, Step
from pullproof.kube.node.pulllog import PullRecord

SOURCES = {"acr-credential-provider": "ACR credential provider", "anonymous": "anonymous"}


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


def _provider(attempt: dict[str, Any], decisions: dict[str, list[TraceEntry]]) -> Iterator[Step]:
    mode = attempt.get("mode")
    if mode == "sp":
        yield Step("ACR credential provider", "info",
                   f"service-principal cluster: hands client id {attempt.get('client_id')} and its secret to the "
                   "runtime", attempt)
        return
    for step in attempt.get("steps", []):
        kind, code = step.get("step"), step.get("status")
        if kind == "imds":
            yield Step("IMDS token (containerregistry.azure.net)", _status(code),
                       f"kubelet identity client id {step.get('client_id')}: HTTP {code}", step)
        elif kind == "challenge":
            yield Step("Registry challenge GET /v2/", _status(200 if code == 401 else code),
                       f"HTTP {code} with {step.get('challenges')} Www-Authenticate header(s)", step)
        elif kind == "exchange":
            yield Step("Token exchange POST /oauth2/exchange", _status(code), f"HTTP {code}", step)
        elif kind == "credential-provider" and step.get("cached"):
            yield Step("ACR credential provider", "info", "credentials from the provider's cache", step)
    yield from rbac_steps(decisions.get(attempt.get("correlation", ""), []))


def chain_of(record: PullRecord, decisions: dict[str, list[TraceEntry]]) -> Iterator[Step]:
    yield Step("Pull", "ok" if record.ok else "fail", f"{record.image} on node {record.node}",
               {"container": record.container})
    for attempt in record.attempts:
        if "ok" not in attempt:
            yield from _provider(attempt, decisions)
            continue
        source = str(attempt.get("source"))
        label = SOURCES.get(source, source.replace("pullSecret:", "pull secret "))
        user = attempt.get("username") or "(none)"
        tokens = [s for s in attempt.get("steps", []) if s.get("step") == "token"]
        detail = "; ".join(f"{t.get('method')} /oauth2/token → HTTP {t.get('status')}" for t in tokens)
        yield Step(f"Credential: {label} (user {user})", "ok" if attempt["ok"] else "fail",
                   detail or ("pulled" if attempt["ok"] else str(attempt.get("error", ""))), attempt)
        yield from rbac_steps(decisions.get(attempt.get("correlation", ""), []))
    if not record.ok:
        yield Step("Result", "fail", record.message, {})
