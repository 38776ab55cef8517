"""Helpers for the identity suite: clients per host, token requests, managed identities, nodes."""

from __future__ import annotations

import base64
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import jwt
import pytest
from starlette.testclient import TestClient

from pullproof.app import Emulator, Endpoints
from pullproof.core.clock import ManualClock
from pullproof.core.ids import SeededIds
from pullproof.identity.models import AZ_CLI_CLIENT_ID, ServicePrincipal
from pullproof.settings import Settings
from tests.conftest import DIRECT, Local, make_local

ARM_SCOPE = "https://management.core.windows.net//.default"
GRAPH_SCOPE = "https://graph.microsoft.com/.default"
ACR_SCOPE = "https://containerregistry.azure.net/.default"
USER_SCOPE = "https://management.core.windows.net//.default offline_access openid profile"


@pytest.fixture(scope="session")
def booted(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One first start (tenant, signing key, CA, operator, default user), closed and kept as a template."""
    root = tmp_path_factory.mktemp("identity-template")
    instance = make_local(root)
    instance.emulator.close()
    return root / "data"


@pytest.fixture
def local(booted: Path, tmp_path: Path) -> Iterator[Local]:
    """The shared ``local`` fixture, but reopened from a copy of the first start: a restart of the
    same data dir, without an RSA key and a scrypt hash per test. Ids continue from another seed."""
    data = tmp_path / "data"
    shutil.copytree(booted, data)
    clock = ManualClock()
    emulator = Emulator(Settings(data_dir=data), Endpoints(DIRECT, "http://127.0.0.1:8080"), clock=clock,
                        ids=SeededIds(8))
    yield Local(emulator, clock)
    emulator.close()


@pytest.fixture
def login(local: Local) -> Iterator[TestClient]:
    """HTTPS client for ``login.microsoftonline.com``."""
    with local.client("login.microsoftonline.com") as client:
        yield client


@pytest.fixture
def imds(local: Local) -> Iterator[TestClient]:
    """Plain-HTTP client for the IMDS address, as a VM reaches it."""
    with TestClient(local.emulator.asgi(), base_url="http://169.254.169.254") as client:
        yield client


@pytest.fixture
def tid(local: Local) -> str:
    return local.emulator.operator.tenant_id


def claims(token: str) -> dict[str, Any]:
    """The claims of a JWT, without verifying it (verification has its own tests)."""
    decoded: dict[str, Any] = jwt.decode(token, options={"verify_signature": False})
    return decoded


def header(token: str) -> dict[str, Any]:
    return dict(jwt.get_unverified_header(token))


def client_credentials(login: TestClient, local: Local, scope: str = ARM_SCOPE, *,
                       client_id: str | None = None, secret: str | None = None, tenant: str | None = None,
                       version: str = "v2.0") -> Any:
    """POST a client-credentials grant (the operator's by default) and return the httpx response."""
    op = local.emulator.operator
    form = {"grant_type": "client_credentials", "client_id": client_id or op.client_id,
            "client_secret": op.client_secret if secret is None else secret}
    if version == "v2.0":
        form["scope"] = scope
        path = f"/{tenant or op.tenant_id}/oauth2/v2.0/token"
    else:
        form["resource"] = scope
        path = f"/{tenant or op.tenant_id}/oauth2/token"
    return login.post(path, data=form)


def app_token(login: TestClient, local: Local, scope: str = ARM_SCOPE, **kwargs: Any) -> str:
    response = client_credentials(login, local, scope, **kwargs)
    assert response.status_code == 200, response.text
    return str(response.json()["access_token"])


def password_grant(login: TestClient, local: Local, scope: str = USER_SCOPE, version: str = "v2.0",
                   password: str | None = None) -> Any:
    op = local.emulator.operator
    form = {"grant_type": "password", "client_id": AZ_CLI_CLIENT_ID, "username": op.username,
            "password": op.password if password is None else password, "client_info": "1"}
    if version == "v2.0":
        form["scope"] = scope
        return login.post(f"/{op.tenant_id}/oauth2/v2.0/token", data=form)
    form["resource"] = scope
    return login.post(f"/{op.tenant_id}/oauth2/token", data=form)


def identity_id(local: Local, name: str, group: str = "RG-Nodes") -> str:
    sub = local.emulator.operator.subscription_id
    return (f"/subscriptions/{sub}/resourceGroups/{group}/providers/Microsoft.ManagedIdentity/"
            f"userAssignedIdentities/{name}")


def make_identity(local: Local, name: str, group: str = "RG-Nodes") -> ServicePrincipal:
    """A user-assigned managed identity, as the ARM provider creates it."""
    return local.emulator.directory.create_managed_identity(identity_id(local, name, group), name)


def make_app(local: Local, name: str) -> tuple[str, str, str]:
    """An application with a service principal and a secret: (client id, secret, object id)."""
    directory = local.emulator.directory
    app = directory.create_application(name)
    sp = directory.create_service_principal(app)
    return app.app_id, directory.add_password(app.app_id, "test").secret_text, sp.object_id


def proxy_auth(credential: str) -> dict[str, str]:
    """What an HTTP client sends for ``HTTP_PROXY=http://node:secret@proxy``."""
    return {"Proxy-Authorization": "Basic " + base64.b64encode(credential.encode()).decode()}
