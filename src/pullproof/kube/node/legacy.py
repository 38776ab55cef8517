"""Pull-log rows written before records were typed: a list of dicts, the credential provider's run
first (the entry without ``ok``), then each credential. They had no failure kind; it is taken from
the recorded HTTP steps (the status of the step that failed), never from the message. A failure those
steps do not settle (one after the reference resolved) reads back as ``other``."""

from __future__ import annotations

from typing import Any

from pullproof.kube.node.failures import kind_of_status
from pullproof.kube.node.models import (
    CredentialAttempt,
    CredentialSource,
    Failure,
    FailureKind,
    HttpStep,
    ProviderRun,
    StepKind,
    step_of,
)

SECRET_PREFIX = "pullSecret:"


def legacy_attempts(stored: list[dict[str, Any]]) -> tuple[ProviderRun | None, tuple[CredentialAttempt, ...]]:
    provider: ProviderRun | None = None
    attempts: list[CredentialAttempt] = []
    for entry in stored:
        steps = tuple(step_of(s) for s in entry.get("steps", []))
        if "ok" not in entry:
            failed = next((s for s in steps if s.status is not None and not s.ok
                           and not (s.step is StepKind.CHALLENGE and s.status == 401)), None)
            failure = Failure(kind_of_status(failed.status or 0, None, FailureKind.UNAUTHORIZED_CREDENTIALS), "",
                              failed.status) if failed else None
            provider = ProviderRun(entry.get("mode"), entry.get("client_id"), str(entry.get("correlation", "")),
                                   steps, failure)
            continue
        source = str(entry.get("source", ""))
        secret = source[len(SECRET_PREFIX):] if source.startswith(SECRET_PREFIX) else None
        error = entry.get("error")
        attempts.append(CredentialAttempt(
            CredentialSource.PULL_SECRET if secret is not None else CredentialSource(source),
            str(entry.get("username", "")), str(entry.get("correlation", "")), bool(entry["ok"]), secret,
            entry.get("identity"), steps, entry.get("digest"),
            Failure(_kind(steps), str(error), _failed_status(steps)) if error else None))
    return provider, tuple(attempts)


def _failed_status(steps: tuple[HttpStep, ...]) -> int | None:
    last = steps[-1] if steps else None
    return last.status if last is not None and last.status not in (200, None) else None


def _kind(steps: tuple[HttpStep, ...]) -> FailureKind:
    """The kind the recorded steps show: the last step, if it failed."""
    if not steps:
        return FailureKind.OTHER
    last = steps[-1]
    status = last.status or 0
    if last.step is StepKind.RESOLVE and status == 401:
        return FailureKind.UNAUTHORIZED_CHALLENGE  # a challenge, and no token request after it
    if last.step is StepKind.TOKEN and not last.ok:
        variant = FailureKind.UNAUTHORIZED_ANONYMOUS if last.anonymous else FailureKind.UNAUTHORIZED_CREDENTIALS
        return kind_of_status(status, None, variant)
    if last.step in (StepKind.RESOLVE, StepKind.RESOLVE_AUTHORIZED) and status != 200:
        return kind_of_status(status, None, FailureKind.UNAUTHORIZED_SCOPE)
    return FailureKind.OTHER

