"""Repository-scoped roles (ABAC) on the token path: the exchange names no repository, so a role whose
condition limits it to some repositories passes it; the condition decides at ``/oauth2/token``."""

from __future__ import annotations

import base64
import json

import pytest
from starlette.testclient import TestClient

from tests.conftest import Local
from tests.registry.support import App, assign, basic, create_app, create_registry, push_image
from tests.registry.wire import oci_error

LOGIN = "acrprobe1.azurecr.io"
ATTRIBUTE = "@Request[Microsoft.ContainerRegistry/registries/repositories:name]"
APP_ONLY = (
    "((!(ActionMatches{'Microsoft.ContainerRegistry/registries/repositories/content/read'}) AND "
    "!(ActionMatches{'Microsoft.ContainerRegistry/registries/repositories/metadata/read'})) OR "
    f"({ATTRIBUTE} StringEqualsIgnoreCase 'app'))")
READER = "Container Registry Repository Reader"


def aad_token(local: Local, app: App) -> str:
    with local.client("login.microsoftonline.com") as login:
        response = login.post(f"/{local.emulator.operator.tenant_id}/oauth2/v2.0/token", data={
            "grant_type": "client_credentials", "client_id": app.client_id, "client_secret": app.secret,
            "scope": "https://containerregistry.azure.net/.default"})
    return str(response.json()["access_token"])


def granted(response: object) -> list[dict[str, object]]:
    token = response.json()["access_token"]  # type: ignore[attr-defined]
    payload = token.split(".")[1]
    return list(json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))["access"])


@pytest.fixture
def registry(local: Local) -> str:
    """acrprobe1 in repository-permission mode, holding app:v1 and other:v1."""
    registry_id = create_registry(local, "acrprobe1", roleAssignmentMode="AbacRepositoryPermissions")
    op = local.emulator.operator
    assign(local, op.object_id, "Container Registry Repository Writer", registry_id)
    with local.client(LOGIN) as acr:
        for repository in ("app", "other"):
            token = acr.get("/oauth2/token", params={"service": LOGIN, "scope": f"repository:{repository}:pull,push"},
                            headers=basic(op.client_id, op.client_secret)).json()["access_token"]
            push_image(acr, repository, "v1", {"Authorization": f"Bearer {token}"})
    return registry_id


def exchange(acr: TestClient, aad: str) -> tuple[int, str]:
    response = acr.post("/oauth2/exchange", data={"grant_type": "access_token_refresh_token", "service": LOGIN,
                                                  "access_token": aad, "refresh_token": aad})
    return response.status_code, str(response.json().get("refresh_token", ""))


@pytest.mark.parametrize("condition", [APP_ONLY, f"{ATTRIBUTE} StringEqualsIgnoreCase 'app'",
                                       f"{ATTRIBUTE} StringStartsWithIgnoreCase 'ap'"])
def test_a_conditioned_repository_reader_exchanges_and_pulls_only_its_repository(
        local: Local, registry: str, condition: str) -> None:
    kubelet = create_app(local, "kubelet")
    assign(local, kubelet.object_id, READER, registry, condition=condition)
    with local.client(LOGIN) as acr:
        status, refresh = exchange(acr, aad_token(local, kubelet))
        assert status == 200
        form = {"grant_type": "password", "service": LOGIN, "username": "00000000-0000-0000-0000-000000000000",
                "password": refresh, "client_id": "containerd-client"}
        app = acr.post("/oauth2/token", data={**form, "scope": "repository:app:pull"})
        assert granted(app) == [{"type": "repository", "name": "app", "actions": ["pull"]}]
        pulled = acr.get("/v2/app/manifests/v1", headers={"Authorization": f"Bearer {app.json()['access_token']}"})
        assert pulled.status_code == 200
        for scope in ("repository:other:pull", "registry:catalog:*"):
            refused = acr.post("/oauth2/token", data={**form, "scope": scope})
            assert oci_error(refused)[:2] == (401, "UNAUTHORIZED")
        fallback = acr.get("/oauth2/token", params={"service": LOGIN, "scope": "repository:other:pull"},
                           headers=basic("00000000-0000-0000-0000-000000000000", refresh))
        assert fallback.status_code == 401
        mixed = acr.post("/oauth2/token", data={**form, "scope": "repository:app:pull repository:other:pull"})
        assert granted(mixed) == [{"type": "repository", "name": "app", "actions": ["pull"]},
                                  {"type": "repository", "name": "other", "actions": []}]


def test_the_exchange_still_refuses_a_condition_that_allows_nothing(local: Local, registry: str) -> None:
    """A condition false for every repository for each action the role has (here: it only lets writes
    through, and a Reader cannot write) is no permission at all."""
    kubelet = create_app(local, "kubelet")
    writes_only = ("ActionMatches{'Microsoft.ContainerRegistry/registries/repositories/content/write'} AND "
                   f"{ATTRIBUTE} StringEquals 'app'")
    assign(local, kubelet.object_id, READER, registry, condition=writes_only)
    with local.client(LOGIN) as acr:
        assert exchange(acr, aad_token(local, kubelet))[0] == 401


def test_the_unconditioned_reader_and_acrpull_in_abac_mode_are_unchanged(local: Local, registry: str) -> None:
    reader, puller = create_app(local, "reader"), create_app(local, "puller")
    assign(local, reader.object_id, READER, registry)
    assign(local, puller.object_id, "AcrPull", registry)
    with local.client(LOGIN) as acr:
        status, refresh = exchange(acr, aad_token(local, reader))
        assert status == 200
        other = acr.post("/oauth2/token", data={"grant_type": "refresh_token", "service": LOGIN,
                                                "scope": "repository:other:pull", "refresh_token": refresh})
        assert granted(other) == [{"type": "repository", "name": "other", "actions": ["pull"]}]
        assert exchange(acr, aad_token(local, puller))[0] == 401
