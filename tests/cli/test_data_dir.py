"""The data dir is the user's alone: ``pullproof up`` keeps it 0700 with every file 0600, and every command
refuses a data dir (or a secret file in it) that another user owns or that group or others may write."""

from __future__ import annotations

import contextlib
import hashlib
import os
import sqlite3
import stat
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import httpx
import pytest

from pullproof.core.sealing import Sealer
from pullproof.core.tls import trusting
from tests.conftest import Served, make_local, start_served, stop_served

NOBODY = 65534
EXIT_REFUSED = 4
REGISTRY_API = "2025-11-01"


def _modes(root: Path) -> dict[str, int]:
    return {str(path.relative_to(root)): stat.S_IMODE(path.lstat().st_mode) for path in [root, *root.rglob("*")]}


def _activity(served: Served) -> None:
    """A token, a group, a registry and a blob pushed through the proxy: every kind of file gets written."""
    values = served.env()
    served.env("--node", "vm-files")
    ca, direct = values["REQUESTS_CA_BUNDLE"], values["PULLPROOF_DIRECT_URL"]
    tenant, sub = values["PULLPROOF_TENANT_ID"], values["PULLPROOF_SUBSCRIPTION_ID"]
    client_id, secret = values["PULLPROOF_CLIENT_ID"], values["PULLPROOF_CLIENT_SECRET"]
    with httpx.Client(base_url=direct, verify=trusting(ca), timeout=60) as http:
        token = http.post(f"/{tenant}/oauth2/v2.0/token", data={
            "grant_type": "client_credentials", "client_id": client_id, "client_secret": secret,
            "scope": "https://management.core.windows.net//.default"}).json()["access_token"]
        headers = {"Authorization": f"Bearer {token}"}
        group = f"/subscriptions/{sub}/resourceGroups/rg-files"
        assert http.put(f"{group}?api-version=2024-11-01", json={"location": "eastus"}, headers=headers).is_success
        created = http.put(f"{group}/providers/Microsoft.ContainerRegistry/registries/acrfiles?api-version="
                           f"{REGISTRY_API}", json={"location": "eastus", "sku": {"name": "Standard"}}, headers=headers)
        assert created.is_success, created.text
    blob = b"a layer kept in the data dir"
    digest = "sha256:" + hashlib.sha256(blob).hexdigest()
    with httpx.Client(base_url="https://acrfiles.azurecr.io", proxy=values["HTTPS_PROXY"], verify=trusting(ca),
                      timeout=60) as acr:
        token = acr.get("/oauth2/token", params={"service": "acrfiles.azurecr.io", "scope": "repository:app:push,pull"},
                        auth=(client_id, secret)).json()["access_token"]
        headers = {"Authorization": f"Bearer {token}"}
        started = acr.post("/v2/app/blobs/uploads/", headers=headers)
        pushed = acr.put(started.headers["Location"], params={"digest": digest}, content=blob, headers=headers)
        assert pushed.status_code == 201, pushed.text


def _assert_private(root: Path) -> dict[str, int]:
    modes = _modes(root)
    for name, mode in modes.items():
        path = root / name
        if path.is_dir():
            assert mode == 0o700, f"{name} is {mode:04o}"
        else:
            assert mode & 0o077 == 0, f"{name} is {mode:04o}"
    return modes


def test_a_served_data_dir_is_0700_with_every_file_0600(tmp_path: Path) -> None:
    root = tmp_path / "data"
    served = start_served(root)
    try:
        _activity(served)
        running = _assert_private(root)
    finally:
        stop_served(served)
    assert {"pullproof.db", "pullproof.db-wal", "pullproof.db-shm", "runtime.json", "operator.json", "node.key",
            "seal.key", "tls", "tls/ca.key", "tls/ca.pem", "tls/leaf", "blobs"} <= set(running)
    assert any(name.startswith("blobs/blobs/") for name in running), "the blob was written"
    _assert_private(root)


def _unseal_signing_keys(root: Path) -> None:
    """Store the signing keys in clear, as versions before sealing did."""
    sealer = Sealer(root / "seal.key")
    with contextlib.closing(sqlite3.connect(root / "pullproof.db")) as conn, conn:
        for kid, stored in conn.execute("SELECT kid, private_pem FROM signing_keys").fetchall():
            conn.execute("UPDATE signing_keys SET private_pem = ? WHERE kid = ?", (sealer.open_value(stored), kid))


def test_up_tightens_and_seals_a_data_dir_an_earlier_version_left(tmp_path: Path) -> None:
    root = tmp_path / "data"
    stop_served(start_served(root))
    _unseal_signing_keys(root)
    os.chmod(root, 0o755)
    for name in ("pullproof.db", "operator.json", "tls/ca.pem"):
        os.chmod(root / name, 0o644)
    os.chmod(root / "tls", 0o755)
    assert b"PRIVATE KEY-----" in (root / "pullproof.db").read_bytes()
    stop_served(start_served(root))
    _assert_private(root)
    assert b"PRIVATE KEY-----" not in b"".join(p.read_bytes() for p in root.glob("pullproof.db*"))


def _other_owner(root: Path) -> None:
    os.chown(root, NOBODY, NOBODY)


def _group_writable(root: Path) -> None:
    os.chmod(root, 0o770)


def _other_writable(root: Path) -> None:
    os.chmod(root, 0o703)


def _secret_file(name: str, change: Callable[[Path], None]) -> Callable[[Path], None]:
    def prepare(root: Path) -> None:
        path = root / name
        path.parent.mkdir(mode=0o700, exist_ok=True)
        path.write_text("planted")
        os.chmod(path, 0o600)
        change(path)

    return prepare


def _chown_nobody(path: Path) -> None:
    os.chown(path, NOBODY, NOBODY)


def _writable_by_others(path: Path) -> None:
    os.chmod(path, 0o666)


UNSAFE: dict[str, Callable[[Path], None]] = {
    "dir owned by another user": _other_owner,
    "dir writable by group": _group_writable,
    "dir writable by others": _other_writable,
    "node.key owned by another user": _secret_file("node.key", _chown_nobody),
    "seal.key owned by another user": _secret_file("seal.key", _chown_nobody),
    "runtime.json writable by others": _secret_file("runtime.json", _writable_by_others),
    "operator.json owned by another user": _secret_file("operator.json", _chown_nobody),
    "pullproof.db writable by group and others": _secret_file("pullproof.db", _writable_by_others),
    "tls/ca.key owned by another user": _secret_file("tls/ca.key", _chown_nobody),
}


def _snapshot(root: Path) -> dict[str, tuple[int, int, int, int]]:
    return {str(p.relative_to(root)): (p.lstat().st_mode, p.lstat().st_uid, p.lstat().st_size, p.lstat().st_mtime_ns)
            for p in [root, *root.rglob("*")]}


def _pullproof(*args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.upper().endswith("_PROXY")}
    return subprocess.run([sys.executable, "-m", "pullproof", *args], capture_output=True, text=True, timeout=30,
                          env=env)


def _assert_refused(result: subprocess.CompletedProcess[str], root: Path) -> None:
    assert result.returncode == EXIT_REFUSED, (result.returncode, result.stdout, result.stderr)
    lines = result.stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith("pullproof: refusing the data dir: "), result.stderr
    assert str(root) in lines[0]
    assert result.stdout == ""


@pytest.mark.parametrize("case", sorted(UNSAFE))
def test_up_and_env_refuse_an_unsafe_data_dir_and_write_nothing(tmp_path: Path, case: str) -> None:
    root = tmp_path / "data"
    root.mkdir(mode=0o700)
    os.chmod(root, 0o700)
    UNSAFE[case](root)
    before = _snapshot(root)
    _assert_refused(_pullproof("up", "--data-dir", str(root), "--port", "0", "--proxy-port", "0"), root)
    _assert_refused(_pullproof("env", "--data-dir", str(root)), root)
    assert _snapshot(root) == before


@pytest.mark.parametrize("command", [
    ["gc"], ["explain", "principal", "00000000-0000-0000-0000-000000000000", "--registry", "acr", "--repository", "r"],
    ["explain", "pod", "p", "--cluster", "rg/aks"], ["check-acr", "--cluster", "rg/aks", "--acr", "acr"],
    ["deploy", "TEMPLATE", "--location", "eastus"], ["demo"],
])
def test_every_command_on_a_data_dir_refuses_one_owned_by_another_user(tmp_path: Path, command: list[str]) -> None:
    local = make_local(tmp_path)
    local.emulator.close()
    root = local.emulator.settings.data_dir
    template = tmp_path / "empty.json"
    template.write_text('{"$schema": "https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#",'
                        ' "contentVersion": "1.0.0.0", "resources": []}')
    _other_owner(root)
    before = _snapshot(root)
    args = [str(template) if arg == "TEMPLATE" else arg for arg in command]
    _assert_refused(_pullproof(*args, "--data-dir", str(root)), root)
    assert _snapshot(root) == before


def test_a_fresh_data_dir_the_user_made_is_accepted(tmp_path: Path) -> None:
    root = tmp_path / "pp"
    root.mkdir(mode=0o755)
    os.chmod(root, 0o755)  # mkdir /tmp/pp as in the README: readable by others, writable only by its owner
    served = start_served(root)
    try:
        assert served.env()["PULLPROOF_CLIENT_SECRET"]
    finally:
        stop_served(served)
    assert stat.S_IMODE(root.stat().st_mode) == 0o700
