"""Reference pages generated from the registries (errors, reasons), so the docs cannot drift."""

from __future__ import annotations

from collections.abc import Iterable

from pullproof.core.errors import ErrorRegistry
from pullproof.core.reasons import REASON_TEXT, Reason


def registries() -> list[ErrorRegistry]:
    """Every wire-error registry, in the order the docs list them."""
    from pullproof.arm.errors import ARM
    from pullproof.identity.errors import IMDS, OAUTH
    from pullproof.identity.graph.errors import GRAPH
    from pullproof.rbac.errors import AUTHZ

    return [OAUTH, IMDS, GRAPH, ARM, AUTHZ]


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def render_errors(regs: Iterable[ErrorRegistry] | None = None) -> str:
    lines = [
        "# Error reference",
        "",
        "Generated from the error registries by `scripts/gen_docs.py`; do not edit by hand.",
        "Each surface renders its errors in the body its real service uses (see the service pages).",
        "`{name}` in a message is filled in from the request.",
    ]
    for registry in regs or registries():
        lines += ["", f"## {registry.title} (`{registry.surface}`)", "",
                  "| code | HTTP | message | when |", "| --- | --- | --- | --- |"]
        for entry in registry.all():
            code = f"{entry.code} ({entry.number})" if entry.number is not None else entry.code
            lines.append(f"| `{code}` | {entry.status} | {_cell(entry.message)} | {_cell(entry.description)} |")
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


def pages() -> dict[str, str]:
    return {"errors.md": render_errors(), "reasons.md": render_reasons()}
