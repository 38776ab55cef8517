"""The ACR credential provider records its run, and why it gave no credentials, as a kind."""

from __future__ import annotations

import asyncio

import httpx

from pullproof.core.clock import ManualClock
from pullproof.kube.node.credentials import IMDS_TOKEN, AcrCredentialProvider, Credential
from pullproof.kube.node.images import parse_image
from pullproof.kube.node.models import CredentialSource, FailureKind, HttpStep, ProviderRun, StepKind
from pullproof.kube.node.nodeauth import NodeAuth

LOGIN = "acrkinds.azurecr.io"
MSI = NodeAuth("tenant", "msi", "client-1", None, "node-0:node-secret")


def run(handler: httpx.MockTransport, auth: NodeAuth = MSI, host: str = LOGIN,
        provider: AcrCredentialProvider | None = None) -> tuple[list[Credential], ProviderRun | None]:
    image = parse_image(f"{host}/app:v1")
    assert image is not None

    async def go() -> tuple[list[Credential], ProviderRun | None]:
        async with httpx.AsyncClient(transport=handler) as http:
            return await (provider or AcrCredentialProvider(http, ManualClock())).credentials(
                "node-0", auth, image, "uid/app/1.000/provider")
    return asyncio.run(go())


def azure(exchange: int = 200) -> httpx.MockTransport:
    def handle(request: httpx.Request) -> httpx.Response:
        if request.url.host == "169.254.169.254":
            return httpx.Response(200, json={"access_token": "aad"})
        if request.url.path == "/v2/":
            return httpx.Response(401, headers={"Www-Authenticate": f'Bearer realm="https://{LOGIN}/oauth2/token"'})
        if exchange != 200:
            return httpx.Response(exchange, json={"errors": [{"code": "UNAUTHORIZED", "message": "x"}]})
        return httpx.Response(200, json={"refresh_token": "refresh"})
    return httpx.MockTransport(handle)


def test_an_exchange_gives_the_null_guid_and_an_anonymous_entry() -> None:
    creds, provider = run(azure())
    assert [(c.source, c.username, c.identity) for c in creds] == [
        (CredentialSource.PROVIDER, "00000000-0000-0000-0000-000000000000", "client-1"),
        (CredentialSource.PROVIDER, "", "client-1")]
    assert provider is not None and provider.failure is None and provider.exchanged
    assert [(s.step, s.status) for s in provider.steps] == [(StepKind.IMDS, 200), (StepKind.CHALLENGE, 401),
                                                            (StepKind.EXCHANGE, 200)]


def test_a_refused_exchange_is_unauthorized() -> None:
    creds, provider = run(azure(exchange=401))
    assert creds == [] and provider is not None and provider.failure is not None
    assert (provider.failure.kind, provider.failure.status) == (FailureKind.UNAUTHORIZED_CREDENTIALS, 401)


def test_no_answer_from_imds_is_a_kind_and_leaves_the_node_anonymous() -> None:
    def handle(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("connect failed") from ConnectionRefusedError(111, "Connection refused")
    creds, provider = run(httpx.MockTransport(handle))
    assert creds == [] and provider is not None and provider.failure is not None
    assert provider.failure.kind is FailureKind.CONNECTION_REFUSED
    assert provider.steps == (HttpStep(StepKind.IMDS, None, url=IMDS_TOKEN),)


def test_a_second_run_is_served_from_the_cache() -> None:
    async def twice() -> ProviderRun | None:
        image = parse_image(f"{LOGIN}/app:v1")
        assert image is not None
        async with httpx.AsyncClient(transport=azure()) as http:
            provider = AcrCredentialProvider(http, ManualClock())
            await provider.credentials("node-0", MSI, image, "a/provider")
            return (await provider.credentials("node-0", MSI, image, "b/provider"))[1]
    cached = asyncio.run(twice())
    assert cached is not None and cached.steps == (HttpStep(StepKind.PROVIDER, cached=True),) and cached.exchanged


def test_a_service_principal_node_and_a_host_outside_acr() -> None:
    sp = NodeAuth("tenant", "sp", "app-1", "secret", "node-0:node-secret")
    creds, provider = run(azure(), auth=sp)
    assert [(c.username, c.secret) for c in creds] == [("app-1", "secret")]
    assert provider is not None and provider.mode == "sp"
    assert provider.steps == (HttpStep(StepKind.PROVIDER, mode="servicePrincipal", client_id="app-1"),)
    assert run(azure(), host="docker.io") == ([], None)
