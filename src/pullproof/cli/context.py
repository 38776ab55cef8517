"""Shared CLI plumbing: the data-dir option and opening the emulator a command works on."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, ExitStack, contextmanager
from dataclasses import replace
from pathlib import Path
from typing import Any, NoReturn

import typer

from pullproof.app import Emulator, Endpoints
from pullproof.core import datadir
from pullproof.explain.state import Probe
from pullproof.front.server import runtime_path
from pullproof.settings import Settings
from pullproof.tools import NotInitialised, ServicesState, open_probe, open_state

EXIT_NOT_RUNNING = 3
EXIT_UNSAFE_DATA_DIR = 4
DataDir = typer.Option(None, "--data-dir", help="State directory (default ~/.pullproof or PULLPROOF_DATA_DIR).")


def refuse(exc: datadir.UnsafeDataDir) -> NoReturn:
    """One line on stderr and the documented exit code: never a traceback, never a file read or written."""
    typer.echo(f"pullproof: refusing the data dir: {exc}", err=True)
    raise SystemExit(EXIT_UNSAFE_DATA_DIR)


def settings_for(data_dir: Path | None, **overrides: Any) -> Settings:
    """The settings of a command that works on a data dir, once the data dir has passed ``datadir.check``."""
    settings = Settings.from_env(data_dir=data_dir, **overrides)
    try:
        datadir.check(settings.data_dir)
    except datadir.UnsafeDataDir as exc:
        refuse(exc)
    return settings


def runtime(settings: Settings) -> dict[str, object] | None:
    path = runtime_path(settings.data_dir)
    return json.loads(path.read_text("utf-8")) if path.exists() else None


def endpoints_of(settings: Settings) -> Endpoints:
    info = runtime(settings) or {}
    return Endpoints(str(info.get("direct", f"https://127.0.0.1:{settings.port}")),
                     str(info.get("proxy", f"http://127.0.0.1:{settings.proxy_port}")))


def not_initialised(settings: Settings) -> NoReturn:
    typer.echo(f"no pullproof state in {settings.data_dir}; run 'pullproof up' first", err=True)
    raise typer.Exit(EXIT_NOT_RUNNING)


def open_emulator(data_dir: Path | None, must_exist: bool = True) -> Emulator:
    """The emulator state in ``data_dir`` (whether or not a server is running on it), for commands that write."""
    settings = settings_for(data_dir)
    if must_exist and not (settings.data_dir / "pullproof.db").exists():
        not_initialised(settings)
    return Emulator(replace(settings, time_scale=None), endpoints_of(settings))  # follows the data dir's timeline


@contextmanager
def read_state(data_dir: Path | None) -> Iterator[ServicesState]:
    """The state in ``data_dir`` for a command that only reads it: nothing in the data dir is written."""
    settings = settings_for(data_dir)
    with ExitStack() as stack:
        try:
            state = stack.enter_context(open_state(settings))
        except NotInitialised:
            not_initialised(settings)
        yield state


def probe_factory(data_dir: Path | None) -> Callable[[], AbstractContextManager[Probe]]:
    """check-acr's sandboxes over a copy of ``data_dir``."""
    settings = settings_for(data_dir)
    if not (settings.data_dir / "pullproof.db").exists():
        not_initialised(settings)
    return lambda: open_probe(settings, endpoints_of(settings))
