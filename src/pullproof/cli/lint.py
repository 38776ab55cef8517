"""``pullproof lint PATH… [--preflight] [--output text|json|sarif]``.

Exit codes: 0 no error-level finding (and, with --preflight, every pod Running); 1 error-level
findings or pods not Running; 2 usage or input errors (a path that does not exist, a Bicep syntax
error with its file and line, JSON or YAML that does not parse)."""

from __future__ import annotations

import json
from pathlib import Path

import typer
from rich.console import Console

from pullproof.lint.engine import Options, lint
from pullproof.lint.errors import InputError
from pullproof.lint.report import render_text
from pullproof.lint.sarif import to_sarif
from pullproof.tools import lint_world

EXIT_USAGE = 2
OUTPUTS = ("text", "json", "sarif")


def _pairs(values: list[str]) -> dict[str, str]:
    pairs = {}
    for item in values:
        key, sep, value = item.partition("=")
        if not sep or not key:
            typer.echo(f"ERROR: --param takes k=v, not {item!r}", err=True)
            raise typer.Exit(EXIT_USAGE)
        pairs[key] = value
    return pairs


def lint_command(
    paths: list[Path] = typer.Argument(..., metavar="PATH", help="Bicep/ARM files, manifests, workflows, or "
                                       "directories holding them."),
    preflight: bool = typer.Option(False, "--preflight", help="Also deploy into a throw-away pullproof, roll out the "
                                   "manifests' images and report whether every pod becomes Running."),
    output: str = typer.Option("text", "--output", "-o", help="text, json or sarif"),
    param: list[str] = typer.Option([], "--param", help="k=v template parameter (repeatable)."),
    location: str | None = typer.Option(None, "--location", "-l", help="Location of subscription-scope "
                                        "deployments (default: the template's location default, else eastus)."),
) -> None:
    """Check Bicep/ARM templates (with their manifests and workflows) for AKS→ACR pull problems."""
    if output not in OUTPUTS:
        typer.echo(f"ERROR: --output must be one of {', '.join(OUTPUTS)}", err=True)
        raise typer.Exit(EXIT_USAGE)
    try:
        report = lint(paths, lint_world, Options(_pairs(param), location, preflight))
    except InputError as exc:
        typer.echo(f"ERROR: {exc.message}", err=True)
        raise typer.Exit(EXIT_USAGE) from None
    if output == "json":
        typer.echo(json.dumps(report.to_json(), indent=2, ensure_ascii=False))
    elif output == "sarif":
        typer.echo(json.dumps(to_sarif(report), indent=2, ensure_ascii=False))
    else:
        render_text(report, Console(highlight=False, soft_wrap=False))
    raise typer.Exit(report.exit_code)
