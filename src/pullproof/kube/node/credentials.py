"""The kubelet's credentials for one image, in its order: pod pull secrets (the service account's
were copied into the pod at admission), then the node keyring — the ACR credential provider
(managed identity: IMDS → ``/v2/`` challenge → ``/oauth2/exchange``; or the cluster's service
principal) — and, when nothing matched, an anonymous pull."""

from __future__ import annotations

import base64
import binascii
import fnmatch
from dataclasses import dataclass, replace
from typing import Any
from urllib.parse import urlsplit

import httpx

from pullproof.core import jsonbody
from pullproof.core.clock import Clock
from pullproof.kube.node.failures import kind_of_exception, kind_of_status, transport_text
from pullproof.kube.node.images import ImageRef
from pullproof.kube.node.models import CredentialSource, Failure, FailureKind, HttpStep, ProviderRun, StepKind
from pullproof.kube.node.nodeauth import NodeAuth

ACR_PATTERNS = ("*.azurecr.io", "*.azurecr.cn", "*.azurecr.de", "*.azurecr.us")
NULL_GUID = "00000000-0000-0000-0000-000000000000"
PROVIDER_CACHE_SECONDS = 300.0
ACR_AUDIENCE = "https://containerregistry.azure.net"
IMDS_TOKEN = "http://169.254.169.254/metadata/identity/oauth2/token"


@dataclass(frozen=True)
class Credential:
    source: CredentialSource
    username: str
    secret: str
    identity: str | None = None
    secret_name: str | None = None  # the pull secret it came from


ANONYMOUS = Credential(CredentialSource.ANONYMOUS, "", "")


def urls_match(pattern: str, host: str) -> bool:
    """kubelet's ``URLsMatch`` on host names: same number of labels, each label a glob."""
    glob_labels, host_labels = pattern.split("."), host.split(".")
    return len(glob_labels) == len(host_labels) and all(fnmatch.fnmatchcase(h, g)
                                                        for g, h in zip(glob_labels, host_labels, strict=True))


def _key_host(key: str) -> tuple[str, str]:
    parsed = urlsplit(key if "://" in key else f"https://{key}")
    path = parsed.path if not parsed.path.startswith(("/v1", "/v2")) else ""
    return (parsed.netloc, path.rstrip("/"))


def secret_credentials(name: str, secret: dict[str, Any], image: ImageRef) -> list[Credential]:
    """Entries of a dockerconfigjson/dockercfg secret whose key matches the image, most specific first."""
    data = secret.get("data") or {}
    kind = secret.get("type")
    try:
        if kind == "kubernetes.io/dockerconfigjson":
            auths = jsonbody.loads(base64.b64decode(data.get(".dockerconfigjson", "")) or b"{}").get("auths", {})
        elif kind == "kubernetes.io/dockercfg":
            auths = jsonbody.loads(base64.b64decode(data.get(".dockercfg", "")) or b"{}")
        else:
            return []
    except (ValueError, binascii.Error):
        return []
    found = []
    for key in sorted(auths, reverse=True):
        host, path = _key_host(key)
        if not urls_match(host, image.host) or (path and not f"/{image.repository}".startswith(path)):
            continue
        entry = auths[key] or {}
        username, password = entry.get("username", ""), entry.get("password", "")
        if entry.get("auth"):
            username, _, password = base64.b64decode(entry["auth"]).decode("utf-8", "replace").partition(":")
        found.append(Credential(CredentialSource.PULL_SECRET, username, password, secret_name=name))
    return found


class AcrCredentialProvider:
    """The out-of-tree ``acr-credential-provider`` of an AKS node, with its cache."""

    def __init__(self, http: httpx.AsyncClient, clock: Clock) -> None:
        self.http = http
        self.clock = clock
        self._cache: dict[tuple[str, str], tuple[float, list[Credential]]] = {}

    def invalidate(self, node: str) -> None:
        self._cache = {k: v for k, v in self._cache.items() if k[0] != node}

    async def credentials(self, node: str, auth: NodeAuth, image: ImageRef,
                          correlation: str) -> tuple[list[Credential], ProviderRun | None]:
        """The provider's credentials for the image and the record of its run (None: not an ACR host)."""
        if not any(urls_match(p, image.host) for p in ACR_PATTERNS):
            return [], None
        run = ProviderRun(auth.mode, auth.client_id, correlation)
        cached = self._cache.get((node, image.host))
        if cached and cached[0] > self.clock.now():
            return cached[1], replace(run, steps=(HttpStep(StepKind.PROVIDER, cached=True),))
        if auth.mode == "sp":
            creds = [Credential(CredentialSource.PROVIDER, auth.client_id, auth.client_secret or "", auth.client_id)]
            run = replace(run, steps=(HttpStep(StepKind.PROVIDER, mode="servicePrincipal", client_id=auth.client_id),))
        else:
            steps: list[HttpStep] = []
            try:
                creds = await self._exchange(auth, image, steps, correlation)
            except ProviderFailed as exc:
                creds, run = [], replace(run, failure=exc.failure)
            run = replace(run, steps=tuple(steps))
        if creds:
            self._cache[(node, image.host)] = (self.clock.now() + PROVIDER_CACHE_SECONDS, creds)
        return creds, run

    async def _send(self, method: str, url: str, step: StepKind, steps: list[HttpStep],
                    **options: Any) -> httpx.Response:
        try:
            return await self.http.request(method, url, **options)
        except httpx.TransportError as exc:
            kind = kind_of_exception(exc)
            steps.append(HttpStep(step, None, url=url))
            text = transport_text(kind, exc, urlsplit(url).netloc)
            raise ProviderFailed(Failure(kind, f'{method.title()} "{url}": {text}')) from None

    async def _exchange(self, auth: NodeAuth, image: ImageRef, steps: list[HttpStep],
                        correlation: str) -> list[Credential]:
        base = {"x-ms-client-request-id": correlation}
        node_name, _, node_secret = auth.node_credential.partition(":")
        basic = base64.b64encode(f"{node_name}:{node_secret}".encode()).decode()
        imds = await self._send(
            "GET", IMDS_TOKEN, StepKind.IMDS, steps,
            params={"api-version": "2018-02-01", "resource": ACR_AUDIENCE, "client_id": auth.client_id},
            headers={**base, "Metadata": "true", "Proxy-Authorization": f"Basic {basic}"})
        steps.append(HttpStep(StepKind.IMDS, imds.status_code, client_id=auth.client_id))
        if imds.status_code != 200:
            raise ProviderFailed(_refused(imds, "IMDS token"))
        aad = imds.json()["access_token"]
        agent = {**base, "User-Agent": "kubernetes-credentialprovider-acr"}
        ping = await self._send("GET", f"https://{image.host}/v2/", StepKind.CHALLENGE, steps, headers=agent)
        challenges = ping.headers.get_list("www-authenticate")
        steps.append(HttpStep(StepKind.CHALLENGE, ping.status_code, challenges=len(challenges)))
        if ping.status_code != 401 or len(challenges) != 1:
            kind = FailureKind.UNAUTHORIZED_CHALLENGE if ping.status_code == 401 else kind_of_status(
                ping.status_code, None, FailureKind.UNAUTHORIZED_CHALLENGE)
            raise ProviderFailed(Failure(kind, f"GET /v2/: {ping.status_code} with {len(challenges)} challenge(s)",
                                         ping.status_code))
        exchange = await self._send("POST", f"https://{image.host}/oauth2/exchange", StepKind.EXCHANGE, steps, data={
            "grant_type": "access_token_refresh_token", "service": image.host, "tenant": auth.tenant_id,
            "access_token": aad, "refresh_token": aad}, headers=agent)
        steps.append(HttpStep(StepKind.EXCHANGE, exchange.status_code))
        if exchange.status_code != 200:
            raise ProviderFailed(_refused(exchange, "token exchange"))
        refresh = exchange.json()["refresh_token"]
        return [Credential(CredentialSource.PROVIDER, NULL_GUID, refresh, auth.client_id),
                Credential(CredentialSource.PROVIDER, "", "", auth.client_id)]


class ProviderFailed(Exception):
    def __init__(self, failure: Failure) -> None:
        super().__init__(failure.message)
        self.failure = failure


def _refused(response: httpx.Response, what: str) -> Failure:
    kind = kind_of_status(response.status_code, None, FailureKind.UNAUTHORIZED_CREDENTIALS)
    return Failure(kind, f"{what}: {response.status_code} {response.reason_phrase}", response.status_code)
