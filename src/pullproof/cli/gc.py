"""``pullproof gc``: garbage collection by the blob store's one writer.

While a server runs on the data dir (it holds the data dir's lock), the server collects: this
command asks it through ``POST /pullproof/gc`` on its direct listener (``runtime.json`` says where),
with a token the operator's credentials (``operator.json``) get from the emulator's own token
endpoint. With no server, this process collects, holding the lock, so that no server starts
meanwhile. A server starting or stopping is waited for, up to ``WAIT_SECONDS``.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import httpx
import typer

from pullproof.bootstrap import read_operator
from pullproof.cli.context import EXIT_NOT_RUNNING, DataDir, open_emulator, runtime, settings_for
from pullproof.core.lockfile import DataDirLock
from pullproof.core.tls import ca_file, trusting
from pullproof.front.local_api import GC_PATH
from pullproof.registry.reclaim import Reclaimed
from pullproof.settings import Settings

EXIT_FAILED = 1
WAIT_SECONDS = 30.0
ARM_SCOPE = "https://management.core.windows.net//.default"


def gc_command(data_dir: Path | None = DataDir) -> None:
    """Delete what the registry no longer needs: blobs no repository references, expired upload
    sessions, and files no record names (a deleted registry's, a killed server's)."""
    settings = settings_for(data_dir)
    if not (settings.data_dir / "pullproof.db").exists():
        typer.echo(f"no pullproof state in {settings.data_dir}; run 'pullproof up' first", err=True)
        raise typer.Exit(EXIT_NOT_RUNNING)
    lock = DataDirLock(settings.data_dir)
    deadline, waiting = time.monotonic() + WAIT_SECONDS, False
    while True:
        if lock.acquire():
            try:
                reclaimed = _offline(data_dir)
            finally:
                lock.release()
            break
        info = runtime(settings)
        found = _ask_server(settings, str(info["direct"])) if info else None
        if found is not None:
            reclaimed = found
            break
        if time.monotonic() > deadline:
            typer.echo(f"ERROR: {lock.busy()}: it did not answer or let go within {WAIT_SECONDS:g} s (a server "
                       "that does not answer, or another gc that has not finished)", err=True)
            raise typer.Exit(EXIT_FAILED)
        if not waiting:
            typer.echo(f"waiting up to {WAIT_SECONDS:g} s: {lock.busy()}", err=True)
            waiting = True
        time.sleep(0.2)
    _report(reclaimed)


def _offline(data_dir: Path | None) -> Reclaimed:
    emulator = open_emulator(data_dir)
    try:
        return emulator.reclaimer.collect()
    finally:
        emulator.close()


def _ask_server(settings: Settings, direct: str) -> Reclaimed | None:
    """The server's answer; None if it cannot be reached (starting, or stopping)."""
    operator = read_operator(settings.data_dir)
    try:
        with httpx.Client(base_url=direct, verify=trusting(ca_file(settings.data_dir)), timeout=600) as http:
            token = http.post(f"/{operator.tenant_id}/oauth2/v2.0/token", data={
                "grant_type": "client_credentials", "client_id": operator.client_id,
                "client_secret": operator.client_secret, "scope": ARM_SCOPE})
            _check(token)
            done = http.post(GC_PATH, headers={"Authorization": f"Bearer {token.json()['access_token']}"})
            _check(done)
            body: dict[str, Any] = done.json()
            return Reclaimed.from_json(body)
    except httpx.TransportError:
        return None


def _check(response: httpx.Response) -> None:
    if response.status_code != 200:
        typer.echo(f"ERROR: the server refused: {response.status_code} {response.text}", err=True)
        raise typer.Exit(EXIT_FAILED)


def _report(reclaimed: Reclaimed) -> None:
    for count, what, items in ((len(reclaimed.blobs), "unreferenced blob(s)", reclaimed.blobs),
                               (len(reclaimed.sessions), "expired upload session(s)", reclaimed.sessions),
                               (len(reclaimed.orphans), "orphaned file(s)", reclaimed.orphans),
                               (len(reclaimed.staging), "staging file(s)", reclaimed.staging)):
        typer.echo(f"removed {count} {what}")
        for item in items:
            typer.echo(f"  {item}")
