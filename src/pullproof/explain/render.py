"""Findings for people (Rich text) and for tools (JSON)."""

from __future__ import annotations

import json

from rich.console import Console, Group
from rich.panel import Panel
from rich.syntax import Syntax
from rich.table import Table
from rich.text import Text

from pullproof.explain.findings import Finding

MARKS = {"ok": ("✔", "green"), "fail": ("✘", "red"), "skip": ("·", "dim"), "info": ("•", "cyan")}


def to_json(finding: Finding) -> str:
    return json.dumps(finding.to_json(), indent=2, sort_keys=True)


def chain_table(finding: Finding) -> Table:
    table = Table(show_header=False, box=None, pad_edge=False, expand=False)
    table.add_column(width=2)
    table.add_column(style="bold", no_wrap=True)
    table.add_column(overflow="fold")
    for step in finding.chain:
        mark, colour = MARKS[step.status]
        table.add_row(Text(mark, style=colour), Text(step.label), Text(step.detail))  # never markup
    return table


def render(finding: Finding, console: Console) -> None:
    colour = "green" if finding.code.exit_code == 0 else "red"
    head = Text.assemble((f"{finding.code.code}", f"bold {colour}"), "  ", (finding.code.title, "bold"))
    parts: list[object] = [head, Text(finding.summary), Text(""), Text("Why: ", style="bold").append(
        finding.code.why, style="default"), Text(""), chain_table(finding)]
    if finding.fix is not None:
        parts += [Text(""), Text("Fix: ", style="bold").append(finding.fix.summary, style="default"),
                  Syntax(finding.fix.az, "bash", word_wrap=True, background_color="default")]
        if finding.fix.bicep:
            parts += [Text("Bicep module (aks-acr-role.bicep):", style="bold"),
                      Syntax(finding.fix.bicep.rstrip(), "ruby", word_wrap=True, background_color="default")]
        if finding.fix.terraform:
            parts += [Text("Terraform:", style="bold"),
                      Syntax(finding.fix.terraform.rstrip(), "hcl", word_wrap=True, background_color="default")]
    console.print(Panel(Group(*parts), title=finding.subject, title_align="left", border_style=colour))  # type: ignore[arg-type]
