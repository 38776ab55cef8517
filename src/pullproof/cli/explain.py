"""``pullproof explain …`` and ``pullproof check-acr``: exit codes are the finding's (docs/findings.md)."""

from __future__ import annotations

import asyncio
from pathlib import Path

import typer
from rich.console import Console
from rich.table import Table
from rich.text import Text

from pullproof.cli.context import EXIT_NOT_RUNNING, DataDir, probe_factory, read_state
from pullproof.explain.checkacr import check_acr
from pullproof.explain.engine import Explainer
from pullproof.explain.facts import ClusterFacts, cluster_facts, cluster_id, pod_facts
from pullproof.explain.findings import Finding
from pullproof.explain.manifest import explain_manifest
from pullproof.explain.principal import explain_principal
from pullproof.explain.render import render, to_json
from pullproof.explain.state import ToolState
from pullproof.tools import NotInitialised

EXIT_USAGE = 2
explain_app = typer.Typer(no_args_is_help=True, help="Explain why a pull fails, and how to fix it.")
Output = typer.Option("text", "--output", "-o", help="text or json")
Cluster = typer.Option(..., "--cluster", help="RG/NAME of the AKS cluster (or its resource id).")


def emit(findings: list[Finding], output: str) -> None:
    console = Console(highlight=False, soft_wrap=False)
    for finding in findings:
        if output == "json":
            typer.echo(to_json(finding))
        else:
            render(finding, console)
    raise typer.Exit(max((f.exit_code for f in findings), default=0))


def _cluster(state: ToolState, spec: str) -> ClusterFacts:
    facts = cluster_facts(state, cluster_id(state, spec))
    if facts is None:
        typer.echo(f"cluster {spec} not found", err=True)
        raise typer.Exit(EXIT_USAGE)
    return facts


@explain_app.command("pod")
def pod(name: str, namespace: str = typer.Option("default", "-n", "--namespace"), cluster: str = Cluster,
        output: str = Output, data_dir: Path | None = DataDir) -> None:
    """A pod's last pull: the credentials tried, each token step, the RBAC decision, and the fix."""
    with read_state(data_dir) as state:
        facts = _cluster(state, cluster)
        findings = [Explainer(state).pod(pod_facts(state, facts, namespace, name))]
    emit(findings, output)


@explain_app.command("image")
def image(reference: str, cluster: str = Cluster, output: str = Output, data_dir: Path | None = DataDir) -> None:
    """The last pull of an image anywhere on the cluster."""
    with read_state(data_dir) as state:
        facts = _cluster(state, cluster)
        last = state.last_pull(facts.id, reference)
        if last is None:
            typer.echo(f"no pull of {reference} is recorded on {cluster}", err=True)
            raise typer.Exit(EXIT_USAGE)
        findings = [Explainer(state).pod(pod_facts(state, facts, *last))]
    emit(findings, output)


@explain_app.command("principal")
def principal(principal_id: str = typer.Argument(..., metavar="PRINCIPAL", help="Object id, app id or MI id."),
              registry: str = typer.Option(..., "--registry"), repository: str = typer.Option(..., "--repository"),
              output: str = Output, data_dir: Path | None = DataDir) -> None:
    """Whether a principal may pull a repository, and why (not)."""
    with read_state(data_dir) as state:
        try:
            finding = explain_principal(state, principal_id, registry, repository)
        except ValueError as exc:
            typer.echo(str(exc), err=True)
            raise typer.Exit(EXIT_USAGE) from None
    emit([finding], output)


@explain_app.command("manifest")
def manifest(path: Path, output: str = Output) -> None:
    """Kubernetes manifests the cluster would refuse (removed API versions)."""
    emit(explain_manifest(path), output)


def check_acr_command(cluster: str = Cluster, acr: str = typer.Option(..., "--acr"),
                      image: str | None = typer.Option(None, "--image", help="REPO:TAG to fetch."),
                      output: str = Output, data_dir: Path | None = DataDir) -> None:
    """Run a node's credential path to the exchange, a repository token and a manifest fetch."""
    sandbox = probe_factory(data_dir)
    try:
        with sandbox() as probe:
            facts = _cluster(probe.state, cluster)
            result = asyncio.run(check_acr(probe, facts, acr, image))
    except NotInitialised as exc:
        typer.echo(str(exc), err=True)
        raise typer.Exit(EXIT_NOT_RUNNING) from None
    if output == "json":
        typer.echo(to_json(result.finding) if result.finding else '{"ok": true}')
        raise typer.Exit(result.finding.exit_code if result.finding else 0)
    console = Console(highlight=False)
    table = Table(title=f"check-acr {facts.name} → {acr}", show_lines=False)
    table.add_column("step")
    table.add_column("result")
    table.add_column("detail", overflow="fold")
    for label, passed, note in result.rows:
        table.add_row(label, Text("PASS", style="green") if passed else Text("FAIL", style="red"), note)
    console.print(table)
    if result.finding is not None:
        render(result.finding, console)
        raise typer.Exit(result.finding.exit_code)
    console.print(f"[green]The cluster can pull{' ' + image if image else ''} from {acr}.[/green]")
