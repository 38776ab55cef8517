"""Reference pages generated from the registries (errors, reasons, findings), so the docs cannot drift.

The generator knows no service: the caller passes the error registries and the finding table
(``pullproof.catalog`` assembles them)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Protocol

from pullproof.core.errors import ErrorRegistry
from pullproof.core.reasons import REASON_TEXT, Reason


class FindingRow(Protocol):
    """One row of the findings table (``pullproof.explain.codes.FindingCode`` is one)."""

    @property
    def code(self) -> str: ...
    @property
    def category(self) -> str: ...
    @property
    def exit_code(self) -> int: ...
    @property
    def title(self) -> str: ...
    @property
    def why(self) -> str: ...


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def render_errors(registries: Iterable[ErrorRegistry]) -> str:
    lines = [
        "# Error reference",
        "",
        "Generated from the error registries by `scripts/gen_docs.py`; do not edit by hand.",
        "Each surface renders its errors in the body its real service uses (see the service pages).",
        "`{name}` in a message is filled in from the request.",
    ]
    for registry in registries:
        lines += ["", f"## {registry.title} (`{registry.surface}`)", "",
                  "| code | HTTP | message | when |", "| --- | --- | --- | --- |"]
        for entry in registry.all():
            code = f"{entry.code} ({entry.number})" if entry.number is not None else entry.code
            shown = f"`{code}`" if code else "(none)"
            lines.append(f"| {shown} | {entry.status} | {_cell(entry.message)} | {_cell(entry.description)} |")
    return "\n".join(lines) + "\n"


def render_reasons() -> str:
    lines = [
        "# Reason codes",
        "",
        "Generated from `pullproof.core.reasons` by `scripts/gen_docs.py`; do not edit by hand.",
        "Every allow/deny decision the emulator makes carries one of these stable codes in the trace;",
        "the wire stays as terse as Azure's, the trace says why.",
        "",
        "| reason | meaning |",
        "| --- | --- |",
    ]
    lines += [f"| `{reason.value}` | {REASON_TEXT[reason]} |" for reason in Reason]
    return "\n".join(lines) + "\n"


def render_findings(codes: Iterable[FindingRow]) -> str:
    lines = [
        "# Findings and exit codes",
        "",
        "Generated from `pullproof.explain.codes` by `scripts/gen_docs.py`; do not edit by hand.",
        "`pullproof explain …` and `pullproof check-acr` exit with the code of the finding they report",
        "(several findings: the highest). 1 is an internal error, 2 a usage error or nothing recorded,",
        "3 no emulator state in the data dir, 4 the data dir is refused (another user could change it).",
        "",
        "| code | category | exit | title | why |",
        "| --- | --- | --- | --- | --- |",
    ]
    lines += [f"| `{c.code}` | {c.category} | {c.exit_code} | {_cell(c.title)} | {_cell(c.why)} |" for c in codes]
    return "\n".join(lines) + "\n"


def pages(registries: Iterable[ErrorRegistry], codes: Iterable[FindingRow]) -> dict[str, str]:
    return {"errors.md": render_errors(registries), "reasons.md": render_reasons(),
            "findings.md": render_findings(codes)}
