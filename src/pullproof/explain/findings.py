"""Findings: data, never printed here (see ``render.py``)."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any, Literal

from pullproof.explain.codes import FindingCode

Status = Literal["ok", "fail", "skip", "info"]


@dataclass(frozen=True)
class Step:
    """One link of the causal chain: what was tried, what happened, and the recorded evidence."""

    label: str
    status: Status
    detail: str
    evidence: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Fix:
    summary: str
    az: str
    bicep: str | None = None
    terraform: str | None = None


@dataclass(frozen=True)
class Finding:
    code: FindingCode
    subject: str
    summary: str
    chain: tuple[Step, ...]
    fix: Fix | None = None
    facts: dict[str, Any] = field(default_factory=dict)

    @property
    def exit_code(self) -> int:
        return self.code.exit_code

    def to_json(self) -> dict[str, Any]:
        return {"code": self.code.code, "category": self.code.category, "exitCode": self.code.exit_code,
                "title": self.code.title, "why": self.code.why, "subject": self.subject, "summary": self.summary,
                "chain": [asdict(step) for step in self.chain], "fix": asdict(self.fix) if self.fix else None,
                "facts": self.facts}
