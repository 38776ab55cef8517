from __future__ import annotations

import subprocess
import sys

from tests.conftest import Local
from tests.registry.support import basic, create_registry, digest


def test_gc_deletes_blobs_no_repository_links(local: Local) -> None:
    create_registry(local, "acrgc")
    op = local.emulator.operator
    blob = b"an orphan layer"
    with local.client("acrgc.azurecr.io") as acr:
        token = acr.get("/oauth2/token", params={"service": "acrgc.azurecr.io", "scope": "repository:app:*"},
                        headers=basic(op.client_id, op.client_secret)).json()["access_token"]
        headers = {"Authorization": f"Bearer {token}"}
        started = acr.post("/v2/app/blobs/uploads/", headers=headers)
        acr.put(started.headers["Location"], params={"digest": digest(blob)}, content=blob, headers=headers)
        assert acr.delete(f"/v2/app/blobs/{digest(blob)}", headers=headers).status_code == 202
    data_dir = local.emulator.settings.data_dir
    hexpart = digest(blob).split(":")[1]
    path = data_dir / "blobs" / "blobs" / "sha256" / hexpart[:2] / hexpart
    assert path.exists()
    local.emulator.close()
    result = subprocess.run([sys.executable, "-m", "pullproof", "gc", "--data-dir", str(data_dir)],
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    assert "removed 1 unreferenced blob(s)" in result.stdout and digest(blob) in result.stdout
    assert not path.exists()
