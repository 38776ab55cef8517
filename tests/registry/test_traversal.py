"""Path traversal through the registry's names, references, digests and upload ids: every attempt is a
4xx in the OCI error format, and nothing is read or written outside the data dir's blob store."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.conftest import Local
from tests.registry.support import basic, create_registry

LOGIN = "traverse.azurecr.io"
DOTS = "%2e%2e"
SLASH = "%2F"

ATTEMPTS = [
    ("GET", f"/v2/{DOTS}/{DOTS}/etc/manifests/latest"),
    ("GET", f"/v2/app/{DOTS}/{DOTS}/manifests/latest"),
    ("GET", f"/v2/app/manifests/{DOTS}{SLASH}{DOTS}{SLASH}passwd"),
    ("PUT", f"/v2/app/manifests/{DOTS}"),
    ("GET", f"/v2/app/blobs/sha256:{DOTS}{SLASH}{DOTS}{SLASH}passwd"),
    ("GET", f"/v2/app/blobs/{DOTS}:{'a' * 64}"),
    ("GET", f"/v2/app/blobs/sha256:{'a' * 62}{DOTS}"),
    ("PATCH", f"/v2/app/blobs/uploads/{DOTS}{SLASH}{DOTS}{SLASH}x"),
    ("PUT", f"/v2/app/blobs/uploads/{DOTS}?digest=sha256:{'a' * 64}"),
    ("DELETE", f"/v2/app/blobs/uploads/{DOTS}{SLASH}_tmp~"),
    ("GET", f"/v2/app/referrers/sha256:{DOTS}{SLASH}x"),
    ("GET", f"/acr/v1/{DOTS}{SLASH}{DOTS}/_tags"),
]


def _tree(root: Path) -> set[str]:
    return {str(p.relative_to(root)) for p in root.rglob("*")}


@pytest.mark.parametrize(("method", "path"), ATTEMPTS)
def test_traversal_is_refused_in_the_oci_format(local: Local, tmp_path: Path, method: str, path: str) -> None:
    create_registry(local, "traverse")
    op = local.emulator.operator
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "passwd").write_text("secret")
    before_outside, before_data = _tree(tmp_path), _tree(local.emulator.settings.data_dir)
    with local.client(LOGIN) as http:
        response = http.request(method, path, headers={**basic(op.client_id, op.client_secret),
                                                       "Content-Type": "application/octet-stream"}, content=b"x")
    assert 400 <= response.status_code < 500, (path, response.status_code, response.text)
    assert "secret" not in response.text
    errors = response.json()["errors"] if response.content else [{"code": "(no body for HEAD-like answers)"}]
    assert errors and all("code" in error for error in errors)
    assert _tree(tmp_path) - before_outside <= {f"data/{p}" for p in _tree(local.emulator.settings.data_dir)}
    assert not any(".." in p for p in _tree(local.emulator.settings.data_dir) - before_data)


def test_a_mount_from_a_traversing_name_falls_back_to_a_fresh_upload(local: Local) -> None:
    """distribution ignores a mount it cannot honour and starts an upload of its own id instead."""
    create_registry(local, "traverse")
    op = local.emulator.operator
    with local.client(LOGIN) as http:
        response = http.post(f"/v2/app/blobs/uploads/?mount=sha256:{DOTS}&from={DOTS}{SLASH}{DOTS}",
                             headers=basic(op.client_id, op.client_secret))
    assert response.status_code == 202, response.text
    location = response.headers["location"]
    assert location.startswith("/v2/app/blobs/uploads/") and ".." not in location
