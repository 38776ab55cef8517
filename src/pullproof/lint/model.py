"""What lint produces: findings located in a source file, each with its rule and fix, and the
preflight's pods. Data only; ``report.py`` and ``sarif.py`` render it."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from pullproof.explain.findings import Finding
from pullproof.lint.rules import LEVELS, Rule, rule


@dataclass(frozen=True)
class Location:
    path: Path
    line: int = 1
    column: int = 1

    def relative(self, base: Path | None = None) -> str:
        """The path relative to ``base`` (the working directory), '/'-separated."""
        root = (base or Path.cwd()).resolve()
        target = self.path.resolve()
        try:
            return target.relative_to(root).as_posix()
        except ValueError:
            return target.as_posix()

    def to_json(self, base: Path | None = None) -> dict[str, Any]:
        return {"file": self.relative(base), "line": self.line, "column": self.column}


@dataclass(frozen=True)
class LintFix:
    summary: str
    az: str | None = None
    bicep: str | None = None
    bicep_path: str | None = None
    snippet: str | None = None
    snippet_path: str | None = None
    yaml: str | None = None


@dataclass(frozen=True)
class LintFinding:
    rule_id: str
    message: str
    location: Location
    fix: LintFix | None = None
    facts: dict[str, Any] = field(default_factory=dict)
    explanation: Finding | None = None

    @property
    def rule(self) -> Rule:
        return rule(self.rule_id)

    @property
    def severity(self) -> str:
        return self.rule.severity

    def sort_key(self) -> tuple[int, str, str, int, str]:
        return (LEVELS[self.severity], self.rule_id, str(self.location.path), self.location.line, self.message)

    def to_json(self, base: Path | None = None) -> dict[str, Any]:
        r = self.rule
        out: dict[str, Any] = {"id": r.id, "name": r.name, "severity": r.severity, "title": r.title,
                               "message": self.message, "location": self.location.to_json(base), "why": r.why,
                               "fix": {k: v for k, v in asdict(self.fix).items() if v is not None}
                               if self.fix else {"summary": r.fix}, "facts": self.facts}
        if self.explanation is not None:
            out["explanation"] = self.explanation.to_json()
        return out


@dataclass(frozen=True)
class PodResult:
    namespace: str
    name: str
    phase: str
    reason: str
    message: str
    explanation: Finding | None = None

    @property
    def running(self) -> bool:
        return self.phase == "Running"

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {"namespace": self.namespace, "name": self.name, "phase": self.phase,
                               "reason": self.reason, "message": self.message}
        if self.explanation is not None:
            out["explanation"] = self.explanation.code.code
        return out


@dataclass
class Preflight:
    cluster: str | None
    pods: list[PodResult] = field(default_factory=list)
    pushed: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)
    expected: int = 0  # pods the applied workloads ask for

    @property
    def ok(self) -> bool:
        return self.cluster is not None and len(self.pods) >= self.expected and all(p.running for p in self.pods)

    def to_json(self) -> dict[str, Any]:
        return {"cluster": self.cluster, "ok": self.ok, "expected": self.expected,
                "pods": [p.to_json() for p in self.pods],
                "pushed": self.pushed, "skipped": self.skipped}


@dataclass
class Report:
    inputs: list[Path]
    findings: list[LintFinding]
    preflight: Preflight | None = None
    scanned: dict[str, list[Path]] = field(default_factory=dict)  # templates, manifests, workflows

    @property
    def exit_code(self) -> int:
        failed = any(f.severity == "error" for f in self.findings)
        if self.preflight is not None and not self.preflight.ok:
            failed = True
        return 1 if failed else 0

    def counts(self) -> dict[str, int]:
        out = {"error": 0, "warning": 0, "note": 0}
        for f in self.findings:
            out[f.severity] += 1
        return out

    def to_json(self, base: Path | None = None) -> dict[str, Any]:
        return {"tool": "pullproof lint", "inputs": [Location(p).relative(base) for p in self.inputs],
                "scanned": {k: [Location(p).relative(base) for p in v] for k, v in self.scanned.items()},
                "findings": [f.to_json(base) for f in self.findings],
                "preflight": self.preflight.to_json() if self.preflight else None,
                "summary": self.counts(), "exitCode": self.exit_code}
