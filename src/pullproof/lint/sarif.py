"""SARIF 2.1.0 for code scanning: every rule in ``tool.driver.rules``, every finding a result with
its rule, level, message and a physical location relative to the working directory."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from pullproof.core.version import version
from pullproof.lint.model import LintFinding, Report
from pullproof.lint.rules import RULES, Rule

SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"


def _rule(r: Rule) -> dict[str, Any]:
    return {"id": r.id, "name": r.name, "shortDescription": {"text": r.title},
            "fullDescription": {"text": r.why},
            "help": {"text": f"{r.why}\nFix: {r.fix}", "markdown": f"**Why:** {r.why}\n\n**Fix:** {r.fix}"},
            "defaultConfiguration": {"level": r.severity},
            "properties": {"tags": ["aks", "acr"]}}


def _message(f: LintFinding) -> str:
    text = f.message
    if f.fix is not None:
        text += f" Fix: {f.fix.summary}"
        if f.fix.bicep_path:
            text += f" (module {f.fix.bicep_path}" + (f", used from {f.fix.snippet_path})" if f.fix.snippet_path
                                                      else ")")
    return text


def _result(f: LintFinding, index: int, base: Path | None) -> dict[str, Any]:
    loc = f.location
    result: dict[str, Any] = {
        "ruleId": f.rule_id, "ruleIndex": index, "level": f.severity, "message": {"text": _message(f)},
        "locations": [{"physicalLocation": {
            "artifactLocation": {"uri": loc.relative(base), "uriBaseId": "%SRCROOT%"},
            "region": {"startLine": max(loc.line, 1), "startColumn": max(loc.column, 1)}}}],
        "properties": {"facts": f.facts}}
    if f.fix is not None and (f.fix.az or f.fix.bicep or f.fix.snippet):
        result["properties"]["fix"] = {k: v for k, v in (("az", f.fix.az), ("bicep", f.fix.bicep),
                                                         ("snippet", f.fix.snippet)) if v}
    return result


def to_sarif(report: Report, base: Path | None = None) -> dict[str, Any]:
    root = (base or Path.cwd()).resolve().as_uri() + "/"
    index = {r.id: i for i, r in enumerate(RULES)}
    return {"$schema": SCHEMA, "version": "2.1.0", "runs": [{
        "tool": {"driver": {"name": "pullproof", "version": version(),
                            "rules": [_rule(r) for r in RULES]}},
        "originalUriBaseIds": {"%SRCROOT%": {"uri": root}},
        "results": [_result(f, index[f.rule_id], base) for f in report.findings],
        "invocations": [{"executionSuccessful": True, "exitCode": report.exit_code}]}]}
