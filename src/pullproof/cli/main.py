"""The ``pullproof`` command line: thin commands over the library, with stable exit codes.

Exit codes: 0 success; 1 a step failed; 2 usage error; 3 the emulator is not running; 4 the data dir is
refused (owned by another user, or writable by group or others).
"""

from __future__ import annotations

import asyncio
import json
import shlex
from pathlib import Path

import typer
from rich.console import Console

from pullproof.app import Emulator, Endpoints
from pullproof.cli.context import EXIT_NOT_RUNNING, DataDir, refuse, settings_for
from pullproof.cli.demo import demo_command
from pullproof.cli.env import exports
from pullproof.cli.explain import check_acr_command, explain_app
from pullproof.cli.gc import gc_command
from pullproof.cli.iac import build_command, deploy_command
from pullproof.cli.image import image_app
from pullproof.cli.lint import lint_command
from pullproof.core import datadir
from pullproof.core.lockfile import DataDirBusy
from pullproof.front.server import CannotListen, Running, runtime_path

app = typer.Typer(add_completion=False, no_args_is_help=True,
                  help="Offline emulator of how AKS authenticates to ACR and pulls images.")


@app.command()
def up(
    data_dir: Path | None = DataDir,
    port: int | None = typer.Option(None, "--port", help="Direct HTTPS port (default 8443; 0 = any free port)."),
    proxy_port: int | None = typer.Option(None, "--proxy-port", help="Proxy port (default 8080; 0 = any)."),
    host: str | None = typer.Option(None, "--host", help="Address to listen on (default 127.0.0.1)."),
    time_scale: float | None = typer.Option(None, "--time-scale", help="Emulated seconds per real second."),
    propagation_delay: float | None = typer.Option(
        None, "--propagation-delay", help="Seconds before a new role assignment takes effect (default 0)."),
) -> None:
    """Run every service in the foreground; prints a line containing 'ready' once it serves."""
    settings = settings_for(data_dir, port=port, proxy_port=proxy_port, host=host, time_scale=time_scale,
                            propagation_delay=propagation_delay)
    try:
        running = Running(settings)
    except DataDirBusy as busy:
        typer.echo(f"ERROR: {busy}; stop it first", err=True)
        raise typer.Exit(1) from None
    except CannotListen as taken:
        typer.echo(f"pullproof: {taken}", err=True)
        raise typer.Exit(1) from None
    console = Console(stderr=False, highlight=False)

    def ready() -> None:
        console.print(f"pullproof ready: direct {running.endpoints.direct}  proxy {running.endpoints.proxy}  "
                      f"data {settings.data_dir}", soft_wrap=True)

    asyncio.run(running.serve(ready))


def _runtime(data_dir: Path) -> dict[str, object]:
    path = runtime_path(data_dir)
    if not path.exists():
        typer.echo(f"pullproof is not running with data dir {data_dir} (no {path.name}); start 'pullproof up'",
                   err=True)
        raise typer.Exit(EXIT_NOT_RUNNING)
    data: dict[str, object] = json.loads(path.read_text("utf-8"))
    return data


@app.command()
def env(
    data_dir: Path | None = DataDir,
    node: str | None = typer.Option(None, "--node", help="Act as this node (a machine with managed identities)."),
    identity: list[str] = typer.Option([], "--identity", help="User-assigned identity resource id the node "
                                       "carries (repeatable); with --node."),
    app_service: bool = typer.Option(False, "--app-service", help="With --node: use the App Service style "
                                     "IDENTITY_ENDPOINT/IDENTITY_HEADER instead of IMDS."),
) -> None:
    """Print the exports that point real clients (az, kubectl, skopeo, ctr, Azure SDKs) at pullproof."""
    settings = settings_for(data_dir)
    runtime = _runtime(settings.data_dir)
    emulator = Emulator(settings, Endpoints(str(runtime["direct"]), str(runtime["proxy"])))
    try:
        lines = exports(emulator, str(runtime["proxy"]), node, identity, app_service)
    finally:
        emulator.close()
    typer.echo("\n".join(f"export {k}={shlex.quote(v)}" for k, v in lines))


app.add_typer(explain_app, name="explain")
app.add_typer(image_app, name="image")
app.command("check-acr")(check_acr_command)
app.command("gc")(gc_command)
app.command("demo")(demo_command)
app.command("build")(build_command)
app.command("deploy")(deploy_command)
app.command("lint")(lint_command)


def main() -> None:
    try:
        app()
    except datadir.UnsafeDataDir as exc:  # found after the command's own check (a race)
        refuse(exc)
