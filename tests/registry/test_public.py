"""The public registries, anonymously: each one's challenge, token endpoint and "not found", and
writes refused as each refuses them."""

from __future__ import annotations

from pathlib import Path

import pytest
from starlette.testclient import TestClient

from pullproof.registry.loader import read_image, store_image
from tests.conftest import Local
from tests.registry.layouts import oci_layout

ACCEPT = {"Accept": "application/vnd.oci.image.manifest.v1+json"}
# host, token host, token path, service, the fields of the token answer
TOKENED = [("registry-1.docker.io", "auth.docker.io", "/token", "registry.docker.io",
            {"token", "access_token", "expires_in", "issued_at"}),
           ("ghcr.io", "ghcr.io", "/token", "ghcr.io", {"token"}),
           ("quay.io", "quay.io", "/v2/auth", "quay.io", {"token"})]
OPEN = ["mcr.microsoft.com", "registry.k8s.io"]


def load(local: Local, tmp_path: Path, registry: str, repository: str, tag: str) -> str:
    layout = tmp_path / f"layout-{registry}-{repository.replace('/', '_')}-{tag}"
    digest = oci_layout(layout)
    e = local.emulator
    store_image(read_image(layout), registry, repository, tag, e.content, e.registry_store, e.clock)
    return digest


def token(client: TestClient, path: str, service: str, scope: str) -> str:
    answer = client.get(path, params={"service": service, "scope": scope})
    assert answer.status_code == 200, answer.text
    return str(answer.json()["token"])


@pytest.mark.parametrize("host", OPEN)
def test_open_registry_needs_no_token_and_answers_404_for_what_is_missing(local: Local, tmp_path: Path,
                                                                           host: str) -> None:
    digest = load(local, tmp_path, host, "azuredocs/aks-helloworld", "v1")
    with local.client(host) as client:
        assert client.get("/v2/").status_code == 200
        found = client.get("/v2/azuredocs/aks-helloworld/manifests/v1", headers=ACCEPT)
        assert found.status_code == 200 and found.headers["docker-content-digest"] == digest
        tag = client.get("/v2/azuredocs/aks-helloworld/manifests/v2", headers=ACCEPT)
        assert tag.status_code == 404 and tag.json()["errors"][0]["code"] == "MANIFEST_UNKNOWN"
        repo = client.get("/v2/azuredocs/nothing/manifests/v1", headers=ACCEPT)
        assert repo.status_code == 404 and repo.json()["errors"][0]["code"] == "NAME_UNKNOWN"
        assert client.get("/oauth2/token", params={"service": host}).status_code == 404
        assert client.get("/token").status_code == 404


@pytest.mark.parametrize("host", OPEN)
def test_open_registry_refuses_writes(local: Local, tmp_path: Path, host: str) -> None:
    load(local, tmp_path, host, "app", "v1")
    with local.client(host) as client:
        push = client.post("/v2/app/blobs/uploads/")
        assert push.status_code == 405 and push.json()["errors"][0]["code"] == "UNSUPPORTED"
        delete = client.delete("/v2/app/manifests/v1")
        assert delete.status_code == 405


@pytest.mark.parametrize(("host", "token_host", "path", "service", "shape"), TOKENED)
def test_challenge_token_and_pull(local: Local, tmp_path: Path, host: str, token_host: str, path: str,
                                  service: str, shape: set[str]) -> None:
    digest = load(local, tmp_path, host, "library/nginx", "1.27")
    realm = f'Bearer realm="https://{token_host}{path}",service="{service}"'
    with local.client(host) as client:
        ping = client.get("/v2/")
        assert ping.status_code == 401 and ping.headers["www-authenticate"] == realm
        bare = client.get("/v2/library/nginx/manifests/1.27", headers=ACCEPT)
        assert bare.status_code == 401
        assert bare.headers["www-authenticate"] == realm + ',scope="repository:library/nginx:pull"'
        assert bare.json()["errors"][0] == {"code": "UNAUTHORIZED", "message": "authentication required", "detail": [
            {"Type": "repository", "Class": "", "Name": "library/nginx", "Action": "pull"}]}
    with local.client(token_host) as tokens:
        answer = tokens.get(path, params={"service": service, "scope": "repository:library/nginx:pull"})
        assert answer.status_code == 200 and set(answer.json()) == shape
        issued = answer.json()["token"]
    with local.client(host) as client:
        pulled = client.get("/v2/library/nginx/manifests/1.27", headers={**ACCEPT, "Authorization": f"Bearer {issued}"})
        assert pulled.status_code == 200 and pulled.headers["docker-content-digest"] == digest


@pytest.mark.parametrize(("host", "token_host", "path", "service", "shape"), TOKENED)
def test_anonymous_push_is_refused(local: Local, tmp_path: Path, host: str, token_host: str, path: str,
                                   service: str, shape: set[str]) -> None:
    load(local, tmp_path, host, "team/app", "v1")
    with local.client(token_host) as tokens:
        issued = token(tokens, path, service, "repository:team/app:pull,push")
    with local.client(host) as client:
        push = client.post("/v2/team/app/blobs/uploads/", headers={"Authorization": f"Bearer {issued}"})
        assert push.status_code == 401
        assert push.headers["www-authenticate"].endswith(',scope="repository:team/app:pull,push",'
                                                         'error="insufficient_scope"')
        assert client.post("/v2/team/app/blobs/uploads/").status_code == 401


@pytest.mark.parametrize("host", ["registry-1.docker.io", "quay.io"])
def test_missing_repository_gets_a_token_without_pull(local: Local, host: str) -> None:
    """Docker Hub (and quay.io) issue a token for a repository they do not have, without ``pull``;
    the manifest then answers 401 insufficient_scope (containerd: ``pull access denied``)."""
    token_host, path, service = next((t, p, s) for h, t, p, s, _ in TOKENED if h == host)
    with local.client(token_host) as tokens:
        issued = token(tokens, path, service, "repository:library/nothing:pull")
    with local.client(host) as client:
        answer = client.head("/v2/library/nothing/manifests/latest", headers={"Authorization": f"Bearer {issued}"})
        assert answer.status_code == 401
        assert 'error="insufficient_scope"' in answer.headers["www-authenticate"]


def test_ghcr_refuses_a_token_for_a_missing_repository(local: Local) -> None:
    with local.client("ghcr.io") as client:
        answer = client.get("/token", params={"service": "ghcr.io", "scope": "repository:someone/nothing:pull"})
        assert answer.status_code == 403 and answer.json()["errors"][0]["code"] == "DENIED"


def test_a_token_is_for_one_registry_and_credentials_are_refused(local: Local, tmp_path: Path) -> None:
    load(local, tmp_path, "ghcr.io", "org/app", "v1")
    load(local, tmp_path, "quay.io", "org/app", "v1")
    with local.client("ghcr.io") as ghcr:
        issued = token(ghcr, "/token", "ghcr.io", "repository:org/app:pull")
        assert ghcr.get("/token", params={"scope": "repository:org/app:pull"},
                        auth=("user", "password")).status_code == 401
    with local.client("quay.io") as quay:
        answer = quay.get("/v2/org/app/manifests/v1", headers={**ACCEPT, "Authorization": f"Bearer {issued}"})
        assert answer.status_code == 401 and 'error="invalid_token"' in answer.headers["www-authenticate"]


def test_hosts_not_emulated_are_still_refused(local: Local) -> None:
    assert local.emulator.hosts.service_of("auth.docker.io") == "public-registry"
    assert local.emulator.hosts.service_of("gcr.io") is None
    with local.client("gcr.io") as client:
        assert client.get("/v2/").status_code == 421
    with local.client("auth.docker.io") as client:
        assert client.get("/v2/").status_code == 404
