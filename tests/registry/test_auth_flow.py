"""The ACR token dance in-process: challenge, exchange, token, and RBAC on every verb."""

from __future__ import annotations

import base64
import json

from tests.conftest import Local
from tests.registry.support import assign, basic, bearer_for, create_app, create_registry, push_image

LOGIN = "acrwizdev.azurecr.io"
CHALLENGE = 'Bearer realm="https://acrwizdev.azurecr.io/oauth2/token",service="acrwizdev.azurecr.io"'


def test_ping_challenges_with_exactly_one_bearer_header(local: Local) -> None:
    create_registry(local, "acrwizdev")
    with local.client(LOGIN) as acr:
        response = acr.get("/v2/")
    assert response.status_code == 401
    assert response.headers.get_list("www-authenticate") == [CHALLENGE]
    assert response.content == (b'{"errors":[{"code":"UNAUTHORIZED","message":"authentication required, visit '
                                b'https://aka.ms/acr/authorization for more information.","detail":null}]}\n')
    assert response.headers["docker-distribution-api-version"] == "registry/2.0"


def test_anonymous_token_is_401_the_seed_incident(local: Local) -> None:
    create_registry(local, "acrwizdev")
    with local.client(LOGIN) as acr:
        head = acr.head("/v2/guestbook/manifests/v1")
        assert head.headers["www-authenticate"] == CHALLENGE + ',scope="repository:guestbook:pull"'
        token = acr.get("/oauth2/token?scope=repository%3Aguestbook%3Apull&service=acrwizdev.azurecr.io")
    assert token.status_code == 401


def test_exchange_then_token_for_a_pusher_and_a_puller(local: Local) -> None:
    registry = create_registry(local, "acrwizdev")
    pusher, puller, stranger = (create_app(local, n) for n in ("pusher", "puller", "stranger"))
    assign(local, pusher.object_id, "AcrPush", registry)
    assign(local, puller.object_id, "AcrPull", registry)
    with local.client(LOGIN) as acr:
        headers = bearer_for(acr, LOGIN, pusher.client_id, pusher.secret, "repository:guestbook:pull,push")
        manifest_digest = push_image(acr, "guestbook", "v1", headers)
        pull = bearer_for(acr, LOGIN, puller.client_id, puller.secret, "repository:guestbook:pull,push")
        assert acr.get("/v2/guestbook/manifests/v1", headers=pull).headers["docker-content-digest"] == manifest_digest
        denied = acr.post("/v2/guestbook/blobs/uploads/", headers=pull)
        assert denied.status_code == 401
        assert 'error="insufficient_scope"' in denied.headers["www-authenticate"]
        none = acr.get("/oauth2/token", params={"service": LOGIN, "scope": "repository:guestbook:pull"},
                       headers=basic(stranger.client_id, stranger.secret))
        assert none.status_code == 401


def test_aad_exchange_and_null_guid_user(local: Local) -> None:
    registry = create_registry(local, "acrwizdev")
    app = create_app(local, "kubelet")
    assign(local, app.object_id, "AcrPull", registry)
    tenant = local.emulator.operator.tenant_id
    with local.client("login.microsoftonline.com") as login:
        aad = login.post(f"/{tenant}/oauth2/v2.0/token", data={
            "grant_type": "client_credentials", "client_id": app.client_id, "client_secret": app.secret,
            "scope": "https://containerregistry.azure.net/.default"}).json()["access_token"]
    with local.client(LOGIN) as acr:
        exchanged = acr.post("/oauth2/exchange", data={"grant_type": "access_token_refresh_token", "service": LOGIN,
                                                       "tenant": tenant, "access_token": aad, "refresh_token": aad})
        assert exchanged.status_code == 200, exchanged.text
        refresh = exchanged.json()["refresh_token"]
        payload = refresh.split(".")[1]
        assert "-" not in payload and "_" not in payload
        claims = json.loads(base64.b64decode(payload + "=" * (-len(payload) % 4)))
        assert claims["iss"] == "Azure Container Registry" and claims["aud"] == LOGIN
        assert claims["exp"] - claims["iat"] == 3 * 3600 and claims["tenant"] == tenant
        token = acr.post("/oauth2/token", data={"grant_type": "password", "service": LOGIN,
                                                "scope": "repository:guestbook:pull", "username":
                                                "00000000-0000-0000-0000-000000000000", "password": refresh,
                                                "client_id": "containerd-client"})
        assert token.status_code == 200
        no_scope = acr.post("/oauth2/token", data={"grant_type": "password", "service": LOGIN, "username":
                                                   "00000000-0000-0000-0000-000000000000", "password": refresh})
        assert no_scope.status_code == 400
