"""Shared CLI plumbing: the data-dir option and opening the emulator a command works on."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path
from typing import Any, NoReturn

import typer

from pullproof.app import Emulator, Endpoints
from pullproof.core import datadir
from pullproof.front.server import runtime_path
from pullproof.settings import Settings

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


def open_emulator(data_dir: Path | None, must_exist: bool = True) -> Emulator:
    """The emulator state in ``data_dir`` (whether or not a server is running on it)."""
    settings = settings_for(data_dir)
    if must_exist and not (settings.data_dir / "pullproof.db").exists():
        typer.echo(f"no pullproof state in {settings.data_dir}; run 'pullproof up' first", err=True)
        raise typer.Exit(EXIT_NOT_RUNNING)
    info = runtime(settings) or {}
    endpoints = Endpoints(str(info.get("direct", f"https://127.0.0.1:{settings.port}")),
                          str(info.get("proxy", f"http://127.0.0.1:{settings.proxy_port}")))
    return Emulator(replace(settings, time_scale=None), endpoints)  # readers follow the data dir's timeline
