"""The text report: what was linted, a table of the findings, the details of each (why, fix, the
module to add), the preflight's pods with the explanation of those not Running, and a summary."""

from __future__ import annotations

from pathlib import Path

from rich.console import Console
from rich.table import Table
from rich.text import Text

from pullproof.explain.render import render
from pullproof.lint.model import LintFinding, Preflight, Report

COLOURS = {"error": "red", "warning": "yellow", "note": "cyan"}


def _where(finding: LintFinding) -> str:
    loc = finding.location
    return f"{loc.relative()}:{loc.line}:{loc.column}"


def _names(paths: list[Path]) -> str:
    return ", ".join(Path(p).name for p in paths) or "none"


def _code(console: Console, label: str, text: str) -> None:
    console.print(Text(label, style="bold"))
    for line in text.rstrip().splitlines():
        console.print(Text("    " + line, style="cyan"), soft_wrap=True)


def _details(console: Console, finding: LintFinding) -> None:
    rule = finding.rule
    colour = COLOURS[rule.severity]
    console.print(Text.assemble((f"{rule.id} ", f"bold {colour}"), (f"{rule.severity} ", colour),
                                (_where(finding), "bold"), f"  {rule.title}"), soft_wrap=True)
    console.print(Text("  " + finding.message), soft_wrap=True)
    console.print(Text.assemble(("  Why: ", "bold"), rule.why), soft_wrap=True)
    fix = finding.fix
    console.print(Text.assemble(("  Fix: ", "bold"), fix.summary if fix else rule.fix), soft_wrap=True)
    if fix is not None:
        if fix.az:
            _code(console, "  az:", fix.az)
        if fix.bicep:
            _code(console, f"  Add the module {fix.bicep_path or 'aks-acr-role.bicep'}:", fix.bicep)
        if fix.snippet:
            _code(console, f"  And use it in {fix.snippet_path}:", fix.snippet)
        if fix.yaml:
            _code(console, "  Manifest:", fix.yaml)
    console.print()


def _table(findings: list[LintFinding]) -> Table:
    table = Table(title=None, show_lines=False, header_style="bold")
    for column in ("rule", "severity", "location", "finding"):
        table.add_column(column, overflow="fold")
    for f in findings:
        table.add_row(f.rule_id, Text(f.severity, style=COLOURS[f.severity]), _where(f), f.rule.title)
    return table


def _preflight(console: Console, result: Preflight) -> None:
    console.rule(f"[bold]Preflight on cluster {result.cluster or '(none)'}", align="left")
    for image in result.pushed:
        console.print(f"  pushed placeholder {image}", soft_wrap=True, highlight=False)
    for item in result.skipped:
        console.print(f"  skipped {item}", soft_wrap=True, highlight=False)
    table = Table(header_style="bold", box=None)
    for column in ("NAMESPACE", "NAME", "STATUS"):
        table.add_column(column, no_wrap=True)
    for pod in result.pods:
        table.add_row(pod.namespace, pod.name, Text(pod.reason or pod.phase,
                                                    style="green" if pod.running else "red"))
    console.print(table)
    shown: set[tuple[str, str]] = set()
    for pod in result.pods:
        if pod.running:
            continue
        console.print(Text(f"  {pod.name}: {pod.message}"), soft_wrap=True)
        key = (pod.explanation.code.code if pod.explanation else "", pod.message.split(": ", 1)[-1])
        if pod.explanation is not None and key not in shown:
            shown.add(key)
            render(pod.explanation, console)
    console.print()


def summary(report: Report) -> str:
    counts = report.counts()
    text = f"{counts['error']} error(s), {counts['warning']} warning(s), {counts['note']} note(s)"
    if report.preflight is not None:
        running = sum(1 for p in report.preflight.pods if p.running)
        text += f"; preflight: {running}/{len(report.preflight.pods)} pods Running"
    return text + f"; exit {report.exit_code}"


def render_text(report: Report, console: Console) -> None:
    scanned = report.scanned
    console.print(f"pullproof lint: templates {_names(scanned.get('templates', []))}; manifests "
                  f"{_names(scanned.get('manifests', []))}; workflows {_names(scanned.get('workflows', []))}",
                  soft_wrap=True, highlight=False)
    if report.findings:
        console.print(_table(report.findings))
        console.print()
        for finding in report.findings:
            _details(console, finding)
    if report.preflight is not None:
        _preflight(console, report.preflight)
    mark, colour = ("✔", "green") if report.exit_code == 0 else ("✘", "red")
    console.print(Text.assemble((f"{mark} ", colour), (summary(report), "bold")), soft_wrap=True)
