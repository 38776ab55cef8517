"""The kubelet's puller against the public registries: a loaded image pulls anonymously (Docker Hub
short names go to ``registry-1.docker.io/library/…``); one nobody loaded fails with the text
containerd prints for that registry, never a success."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest

from pullproof.kube.node.models import FailureKind, StepKind
from pullproof.registry.loader import read_image, store_image
from tests.conftest import Local
from tests.kube.node.test_puller import failure, pull
from tests.registry.layouts import oci_layout


def loaded(local: Local, tmp_path: Path, registry: str, repository: str, tag: str) -> str:
    layout = tmp_path / f"{registry}-{repository.replace('/', '_')}"
    digest = oci_layout(layout)
    e = local.emulator
    store_image(read_image(layout), registry, repository, tag, e.content, e.registry_store, e.clock)
    return digest


def transport(local: Local) -> httpx.ASGITransport:
    return httpx.ASGITransport(app=local.emulator.asgi())


@pytest.mark.parametrize(("spec", "registry", "repository", "tokens"), [
    ("nginx:1.27", "registry-1.docker.io", "library/nginx", 1),
    ("mcr.microsoft.com/azuredocs/aks-helloworld:v1", "mcr.microsoft.com", "azuredocs/aks-helloworld", 0),
    ("ghcr.io/org/app:v1", "ghcr.io", "org/app", 1),
    ("quay.io/org/app:v1", "quay.io", "org/app", 1),
    ("registry.k8s.io/pause:3.10", "registry.k8s.io", "pause", 0)])
def test_a_loaded_image_pulls_anonymously(local: Local, tmp_path: Path, spec: str, registry: str, repository: str,
                                          tokens: int) -> None:
    tag = spec.rsplit(":", 1)[1]
    digest = loaded(local, tmp_path, registry, repository, tag)
    pulled = pull(transport(local), spec)
    assert pulled.digest == digest
    assert sum(1 for s in pulled.steps if s.step is StepKind.TOKEN and s.anonymous) == tokens


def test_docker_hub_missing_repository_is_pull_access_denied(local: Local) -> None:
    error = failure(transport(local), "nginx:9.99")
    assert error.message == (
        'failed to pull and unpack image "docker.io/library/nginx:9.99": failed to resolve reference '
        '"docker.io/library/nginx:9.99": pull access denied, repository does not exist or may require '
        "authorization: server message: insufficient_scope: authorization failed")
    assert error.kind is FailureKind.UNAUTHORIZED_SCOPE


def test_docker_hub_missing_tag_is_not_found(local: Local, tmp_path: Path) -> None:
    loaded(local, tmp_path, "registry-1.docker.io", "library/nginx", "1.27")
    error = failure(transport(local), "nginx:1.28")
    assert error.message == ('rpc error: code = NotFound desc = failed to pull and unpack image '
                             '"docker.io/library/nginx:1.28": failed to resolve reference '
                             '"docker.io/library/nginx:1.28": docker.io/library/nginx:1.28: not found')
    assert error.kind is FailureKind.NOT_FOUND


@pytest.mark.parametrize("spec", ["mcr.microsoft.com/azuredocs/aks-helloworld:v1", "registry.k8s.io/pause:3.10"])
def test_open_registry_missing_image_is_not_found(local: Local, spec: str) -> None:
    error = failure(transport(local), spec)
    assert error.message == (f'rpc error: code = NotFound desc = failed to pull and unpack image "{spec}": '
                             f'failed to resolve reference "{spec}": {spec}: not found')
    assert error.kind is FailureKind.NOT_FOUND and error.not_found


def test_ghcr_missing_repository_is_a_refused_anonymous_token(local: Local) -> None:
    error = failure(transport(local), "ghcr.io/someone/private:v1")
    assert error.message == (
        'failed to pull and unpack image "ghcr.io/someone/private:v1": failed to resolve reference '
        '"ghcr.io/someone/private:v1": failed to authorize: failed to fetch anonymous token: unexpected status '
        "from GET request to https://ghcr.io/token?scope=repository%3Asomeone%2Fprivate%3Apull&service=ghcr.io: "
        "403 Forbidden")
    assert error.kind is FailureKind.FORBIDDEN


def test_a_host_nobody_emulates_still_does_not_resolve(local: Local) -> None:
    error = failure(transport(local), "gcr.io/team/app:v1")
    assert "dial tcp: lookup gcr.io: no such host" in error.message and error.kind is FailureKind.DNS
