"""``pullproof image load REF FILE``: an OCI layout (directory or tar) or a docker save archive goes
into a registry of the data dir, offline; a bad file gets one line, exit 2, and adds nothing."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from pullproof.cli.main import app
from tests.conftest import make_local
from tests.registry.layouts import docker_save, oci_layout, sha, tar_of

ACCEPT = {"Accept": "application/vnd.oci.image.manifest.v1+json, application/vnd.docker.distribution.manifest.v2+json"}


def run(tmp_path: Path, *args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(app, ["image", "load", *args, "--data-dir", str(tmp_path / "data")])
    return result.exit_code, result.stdout, result.stderr


def manifest(tmp_path: Path, host: str, path: str) -> tuple[int, bytes, str]:
    local = make_local(tmp_path)
    try:
        with local.client(host) as client:
            answer = client.get(path, headers=ACCEPT)
            return answer.status_code, answer.content, answer.headers.get("docker-content-digest", "")
    finally:
        local.emulator.close()


@pytest.mark.parametrize("as_tar", [False, True])
def test_loads_an_oci_layout(tmp_path: Path, as_tar: bool) -> None:
    layout = tmp_path / "layout"
    digest = oci_layout(layout)
    source = tar_of(layout, tmp_path / "layout.tar") if as_tar else layout
    code, out, err = run(tmp_path, "mcr.microsoft.com/azuredocs/aks-helloworld:v1", str(source))
    assert (code, err) == (0, "")
    assert out.strip() == f"loaded mcr.microsoft.com/azuredocs/aks-helloworld:v1@{digest}"
    status, _, served = manifest(tmp_path, "mcr.microsoft.com", "/v2/azuredocs/aks-helloworld/manifests/v1")
    assert (status, served) == (200, digest)


def test_loads_a_docker_save_archive_under_the_normalised_docker_hub_name(tmp_path: Path) -> None:
    archive = docker_save(tmp_path / "nginx.tar", "nginx:1.27")
    code, out, _ = run(tmp_path, "nginx:1.27", str(archive))
    assert code == 0 and out.startswith("loaded registry-1.docker.io/library/nginx:1.27@sha256:")
    local = make_local(tmp_path)
    try:
        rows = local.emulator.registry_store.tags("registry-1.docker.io", "library/nginx")
        assert [r["name"] for r in rows] == ["1.27"]
        document = json.loads(local.emulator.content.read_all(rows[0]["digest"]))
        assert document["mediaType"] == "application/vnd.docker.distribution.manifest.v2+json"
        for blob in [document["config"], *document["layers"]]:
            assert sha(local.emulator.content.read_all(blob["digest"])) == blob["digest"]
    finally:
        local.emulator.close()


@pytest.mark.parametrize("damage", ["truncated", "not-a-tar", "bad-digest"])
def test_a_corrupt_file_gets_one_line_and_adds_nothing(tmp_path: Path, damage: str) -> None:
    target = tmp_path / "bad.tar"
    if damage == "truncated":
        whole = docker_save(tmp_path / "whole.tar", "nginx:1.27").read_bytes()
        target.write_bytes(whole[: len(whole) // 2 + 100])
    elif damage == "not-a-tar":
        target.write_bytes(b"\x00garbage" * 300)
    else:
        layout = tmp_path / "layout"
        oci_layout(layout)
        blob = next(p for p in (layout / "blobs" / "sha256").iterdir() if p.stat().st_size > 1000)
        blob.write_bytes(blob.read_bytes()[:-1] + b"!")
        tar_of(layout, target)
    code, out, err = run(tmp_path, "nginx:1.27", str(target))
    assert code == 2 and out == ""
    assert err.startswith(f"pullproof: cannot load {target}: ") and err.count("\n") == 1
    local = make_local(tmp_path)
    try:
        assert local.emulator.registry_store.repositories("registry-1.docker.io") == []
        assert local.emulator.registry_store.repository("registry-1.docker.io", "library/nginx") is None
        stored = local.emulator.registry_store.blob_digests()
    finally:
        local.emulator.close()
    fresh = make_local(tmp_path / "fresh")  # what every data dir holds: the images pullproof ships
    try:
        assert stored == fresh.emulator.registry_store.blob_digests()
    finally:
        fresh.emulator.close()


def test_a_registry_that_is_not_here_is_refused(tmp_path: Path) -> None:
    layout = tmp_path / "layout"
    oci_layout(layout)
    code, _, err = run(tmp_path, "gcr.io/team/app:v1", str(layout))
    assert code == 2 and "no registry 'gcr.io' here" in err
