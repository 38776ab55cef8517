"""``pullproof demo [--keep]``: exit 0 only if every step of the story ended as it should."""

from __future__ import annotations

import shlex
import tempfile
import time
from pathlib import Path

import typer
from rich.console import Console

from pullproof.cli.context import settings_for
from pullproof.cli.env import exports
from pullproof.demo.background import Background
from pullproof.demo.story import Story
from pullproof.settings import Settings
from pullproof.tools import ServedDemo, demo_server

KEEP = typer.Option(False, "--keep", help="Leave the emulator running afterwards.")
SCALE = typer.Option(30.0, "--time-scale", help="Emulated seconds per second.")
FOLDER = typer.Option(None, "--data-dir", help="Default: a throw-away directory.")


def demo_command(keep: bool = KEEP, time_scale: float = SCALE, data_dir: Path | None = FOLDER) -> None:
    """The seed incident end to end, in seconds: 401, explanation, fix, Running."""
    console = Console(highlight=False)
    folder = settings_for(data_dir).data_dir if data_dir else Path(tempfile.mkdtemp(prefix="pullproof-demo-"))
    started = time.monotonic()
    server = demo_server(Settings(data_dir=folder, port=0, proxy_port=0, time_scale=time_scale))
    background = Background(server)
    background.start()
    console.print(f"[bold]pullproof demo[/bold]  emulator at {server.direct} (proxy {server.proxy}), data in {folder}")
    story = Story(server, console)
    try:
        ok = story.run()
    finally:
        story.client.close()
    took = time.monotonic() - started
    if ok:
        console.print(f"\n[bold green]✔ The incident reproduced, explained and fixed in {took:.1f}s.[/bold green]")
    else:
        console.print(f"\n[bold red]✘ Some steps did not end as expected: {', '.join(story.failures)}[/bold red]")
    if keep:
        _keep(server, console)
    background.stop()
    raise typer.Exit(0 if ok else 1)


def _keep(server: ServedDemo, console: Console) -> None:
    lines = exports(server.running.emulator, server.proxy, None, [], False)
    console.print("\nThe emulator keeps running. In another shell:\n")
    for name, value in lines:
        typer.echo(f"export {name}={shlex.quote(value)}")
    console.print("\nPress Ctrl-C to stop.")
    try:
        while True:
            time.sleep(1)
    except KeyboardInterrupt:
        pass
