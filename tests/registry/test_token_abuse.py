"""What an ACR token may and may not be used for: only a refresh token from ``/oauth2/exchange``
buys access tokens (with the null-GUID user, the refresh grant, or Basic), never an access token;
a refresh token is no bearer token, never renews itself, and belongs to one registry."""

from __future__ import annotations

import base64
import json
from dataclasses import dataclass

import pytest
from starlette.testclient import TestClient

from pullproof.core.jwt import LEEWAY_SECONDS
from pullproof.registry.tokens import REFRESH_SECONDS
from tests.conftest import Local, Served
from tests.registry.support import App, assign, basic, create_app, create_registry, push_image
from tests.registry.wire import Wire, basic_header, oci_error, push_simple, served_registry

LOGIN = "acrtokens.azurecr.io"
OTHER = "acrtokensb.azurecr.io"
NULL_GUID = "00000000-0000-0000-0000-000000000000"
BASIC_CHALLENGE = 'Basic realm="Azure Container Registry"'


def claims_of(token: str) -> dict[str, object]:
    payload = token.split(".")[1]
    return dict(json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4))))


def aad_token(local: Local, app: App) -> str:
    with local.client("login.microsoftonline.com") as login:
        response = login.post(f"/{local.emulator.operator.tenant_id}/oauth2/v2.0/token", data={
            "grant_type": "client_credentials", "client_id": app.client_id, "client_secret": app.secret,
            "scope": "https://containerregistry.azure.net/.default"})
    assert response.status_code == 200, response.text
    return str(response.json()["access_token"])


def exchange(acr: TestClient, login: str, aad: str) -> str:
    response = acr.post("/oauth2/exchange", data={"grant_type": "access_token", "service": login,
                                                  "access_token": aad})
    assert response.status_code == 200, response.text
    return str(response.json()["refresh_token"])


def access(acr: TestClient, login: str, refresh: str, scope: str) -> str:
    response = acr.post("/oauth2/token", data={"grant_type": "refresh_token", "service": login, "scope": scope,
                                               "refresh_token": refresh})
    assert response.status_code == 200, response.text
    assert set(response.json()) == {"access_token"}  # never a refresh token back
    return str(response.json()["access_token"])


@dataclass
class Setup:
    local: Local
    acr: TestClient
    refresh: str
    app_token: str


@pytest.fixture
def setup(local: Local) -> Setup:
    """A pusher with AcrPush on the registry, which holds app:v1 and other:v1; its refresh token and an
    access token for ``repository:app:pull`` only."""
    registry = create_registry(local, "acrtokens")
    create_registry(local, "acrtokensb")
    pusher = create_app(local, "pusher")
    assign(local, pusher.object_id, "AcrPush", registry)
    acr = local.client(LOGIN)
    refresh = exchange(acr, LOGIN, aad_token(local, pusher))
    for repository in ("app", "other"):
        token = access(acr, LOGIN, refresh, f"repository:{repository}:pull,push")
        push_image(acr, repository, "v1", {"Authorization": f"Bearer {token}"})
    return Setup(local, acr, refresh, access(acr, LOGIN, refresh, "repository:app:pull"))


def test_an_access_token_is_no_password_for_the_null_guid_user(setup: Setup) -> None:
    acr, token = setup.acr, setup.app_token
    assert claims_of(token)["grant_type"] == "access_token"
    wanted = "repository:other:pull registry:catalog:*"
    posted = acr.post("/oauth2/token", data={"grant_type": "password", "service": LOGIN, "scope": wanted,
                                             "username": NULL_GUID, "password": token})
    fetched = acr.get("/oauth2/token", params={"service": LOGIN, "scope": wanted}, headers=basic(NULL_GUID, token))
    for refused in (posted, fetched):
        assert oci_error(refused) == (401, "UNAUTHORIZED", "authentication required, visit "
                                      "https://aka.ms/acr/authorization for more information.")
    for path in ("/v2/other/manifests/v1", "/v2/_catalog", "/v2/app/manifests/v1", "/v2/"):
        direct = acr.get(path, headers=basic(NULL_GUID, token))
        assert direct.status_code == 401 and direct.headers.get_list("www-authenticate") == [BASIC_CHALLENGE]
    as_refresh = acr.post("/oauth2/token", data={"grant_type": "refresh_token", "service": LOGIN,
                                                 "scope": wanted, "refresh_token": token})
    assert as_refresh.status_code == 401
    # the token still does what it was issued for
    assert acr.get("/v2/app/manifests/v1", headers={"Authorization": f"Bearer {token}"}).status_code == 200


def test_the_refresh_token_with_the_null_guid_user_still_works_everywhere(setup: Setup) -> None:
    acr, refresh = setup.acr, setup.refresh
    posted = acr.post("/oauth2/token", data={"grant_type": "password", "service": LOGIN, "username": NULL_GUID,
                                             "password": refresh, "scope": "repository:other:pull"})
    assert posted.status_code == 200
    fetched = acr.get("/oauth2/token", params={"service": LOGIN, "scope": "registry:catalog:*"},
                      headers=basic(NULL_GUID, refresh))
    assert claims_of(fetched.json()["access_token"])["access"] == [
        {"type": "registry", "name": "catalog", "actions": ["*"]}]
    assert acr.get("/v2/other/manifests/v1", headers=basic(NULL_GUID, refresh)).status_code == 200


def test_a_refresh_token_is_no_bearer_token(setup: Setup) -> None:
    scope = "repository:app:pull"
    refused = setup.acr.get("/v2/app/manifests/v1", headers={"Authorization": f"Bearer {setup.refresh}"})
    assert refused.status_code == 401
    assert refused.headers.get_list("www-authenticate") == [
        f'Bearer realm="https://{LOGIN}/oauth2/token",service="{LOGIN}",scope="{scope}",error="invalid_token"']
    assert setup.acr.get("/v2/", headers={"Authorization": f"Bearer {setup.refresh}"}).status_code == 401


def test_a_refresh_token_keeps_the_lifetime_the_exchange_gave_it(setup: Setup) -> None:
    acr, refresh, clock = setup.acr, setup.refresh, setup.local.clock
    expires = claims_of(refresh)["exp"]
    again = acr.post("/oauth2/exchange", data={"grant_type": "refresh_token", "service": LOGIN,
                                               "refresh_token": refresh, "access_token": refresh})
    assert again.status_code == 401  # the exchange takes Entra tokens only
    clock.advance(REFRESH_SECONDS - 60)
    late = access(acr, LOGIN, refresh, "repository:app:pull")
    assert claims_of(late)["grant_type"] == "access_token" and "refresh_token" not in acr.get(
        "/oauth2/token", params={"service": LOGIN, "scope": "repository:app:pull"},
        headers=basic(NULL_GUID, refresh)).json()
    clock.advance(60 + LEEWAY_SECONDS + 1)
    assert clock.now() > float(expires)  # type: ignore[arg-type]
    for refused in (
        acr.post("/oauth2/token", data={"grant_type": "refresh_token", "service": LOGIN,
                                        "scope": "repository:app:pull", "refresh_token": refresh}),
        acr.get("/oauth2/token", params={"service": LOGIN, "scope": "repository:app:pull"},
                headers=basic(NULL_GUID, refresh)),
        acr.post("/oauth2/token", data={"grant_type": "password", "service": LOGIN, "scope": "repository:app:pull",
                                        "username": NULL_GUID, "password": late}),
    ):
        assert refused.status_code == 401


def test_a_refresh_token_works_on_its_own_registry_only(setup: Setup) -> None:
    refresh = setup.refresh
    with setup.local.client(OTHER) as other:
        for refused in (
            other.post("/oauth2/token", data={"grant_type": "refresh_token", "service": OTHER,
                                              "scope": "repository:app:pull", "refresh_token": refresh}),
            other.post("/oauth2/token", data={"grant_type": "password", "service": OTHER, "username": NULL_GUID,
                                              "password": refresh, "scope": "repository:app:pull"}),
            other.get("/oauth2/token", params={"service": OTHER, "scope": "repository:app:pull"},
                      headers=basic(NULL_GUID, refresh)),
        ):
            assert oci_error(refused)[:2] == (401, "UNAUTHORIZED")
        direct = other.get("/v2/", headers=basic(NULL_GUID, refresh))
        assert direct.status_code == 401 and direct.headers.get_list("www-authenticate") == [BASIC_CHALLENGE]
        bearer = other.get("/v2/", headers={"Authorization": f"Bearer {setup.app_token}"})
        assert bearer.status_code == 401


# over sockets, against a served emulator, with raw httpx ----------------------------------------------------
def test_the_access_token_chain_attack_over_the_wire(served: Served) -> None:
    values = served.env()
    wire = Wire(values["HTTPS_PROXY"], values["SSL_CERT_FILE"])
    login = served_registry(wire, values, "wiretokens")
    operator = basic_header(values["PULLPROOF_CLIENT_ID"], values["PULLPROOF_CLIENT_SECRET"])
    with wire.client("login.microsoftonline.com") as entra:
        aad = entra.post(f"/{values['PULLPROOF_TENANT_ID']}/oauth2/v2.0/token", data={
            "grant_type": "client_credentials", "client_id": values["PULLPROOF_CLIENT_ID"],
            "client_secret": values["PULLPROOF_CLIENT_SECRET"],
            "scope": "https://containerregistry.azure.net/.default"}).json()["access_token"]
    with wire.client(login) as http:
        push_simple(http, "app", "v1", operator)
        push_simple(http, "secret", "v1", operator, seed=b"s")
        refresh = http.post("/oauth2/exchange", data={"grant_type": "access_token", "service": login,
                                                      "access_token": aad}).json()["refresh_token"]
        narrow = http.post("/oauth2/token", data={"grant_type": "refresh_token", "service": login,
                                                  "scope": "repository:app:pull", "refresh_token": refresh})
        token = narrow.json()["access_token"]
        wanted = "repository:secret:pull registry:catalog:*"
        attempts = [
            http.post("/oauth2/token", data={"grant_type": "password", "service": login, "scope": wanted,
                                             "username": NULL_GUID, "password": token}),
            http.get("/oauth2/token", params={"service": login, "scope": wanted},
                     headers=basic_header(NULL_GUID, token)),
            http.get("/v2/secret/manifests/v1", headers=basic_header(NULL_GUID, token)),
            http.get("/v2/_catalog", headers=basic_header(NULL_GUID, token)),
            http.post("/oauth2/token", data={"grant_type": "refresh_token", "service": login, "scope": wanted,
                                             "refresh_token": token}),
            http.get("/v2/app/manifests/v1", headers={"Authorization": f"Bearer {refresh}"}),
        ]
        assert [a.status_code for a in attempts] == [401] * len(attempts)
        assert all(a.json()["errors"][0]["code"] == "UNAUTHORIZED" for a in attempts)
        assert http.get("/v2/app/manifests/v1", headers={"Authorization": f"Bearer {token}"}).status_code == 200
        with_refresh = http.get("/v2/secret/manifests/v1", headers=basic_header(NULL_GUID, refresh))
        assert with_refresh.status_code == 200
