"""The kubelet's credentials for one image, in its order: pod pull secrets (the service account's
were copied into the pod at admission), then the node keyring — the ACR credential provider
(managed identity: IMDS → ``/v2/`` challenge → ``/oauth2/exchange``; or the cluster's service
principal) — and, when nothing matched, an anonymous pull."""

from __future__ import annotations

import base64
import binascii
import fnmatch
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

import httpx

from pullproof.core import jsonbody
from pullproof.core.clock import Clock
from pullproof.kube.node.images import ImageRef
from pullproof.kube.node.nodeauth import NodeAuth

ACR_PATTERNS = ("*.azurecr.io", "*.azurecr.cn", "*.azurecr.de", "*.azurecr.us")
NULL_GUID = "00000000-0000-0000-0000-000000000000"
PROVIDER_CACHE_SECONDS = 300.0
ACR_AUDIENCE = "https://containerregistry.azure.net"


@dataclass(frozen=True)
class Credential:
    source: str  # "pullSecret:<name>" | "acr-credential-provider" | "anonymous"
    username: str
    secret: str
    identity: str | None = None


@dataclass
class Keyring:
    credentials: list[Credential] = field(default_factory=list)
    missing_secrets: list[str] = field(default_factory=list)
    provider_steps: list[dict[str, Any]] = field(default_factory=list)


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
        found.append(Credential(f"pullSecret:{name}", username, password))
    return found


class AcrCredentialProvider:
    """The out-of-tree ``acr-credential-provider`` of an AKS node, with its cache."""

    def __init__(self, http: httpx.AsyncClient, clock: Clock) -> None:
        self.http = http
        self.clock = clock
        self._cache: dict[tuple[str, str], tuple[float, list[Credential]]] = {}

    def invalidate(self, node: str) -> None:
        self._cache = {k: v for k, v in self._cache.items() if k[0] != node}

    async def credentials(self, node: str, auth: NodeAuth, image: ImageRef, steps: list[dict[str, Any]],
                          correlation: str | None = None) -> list[Credential]:
        if not any(urls_match(p, image.host) for p in ACR_PATTERNS):
            return []
        cached = self._cache.get((node, image.host))
        if cached and cached[0] > self.clock.now():
            steps.append({"step": "credential-provider", "cached": True})
            return cached[1]
        if auth.mode == "sp":
            creds = [Credential("acr-credential-provider", auth.client_id, auth.client_secret or "", auth.client_id)]
            steps.append({"step": "credential-provider", "mode": "servicePrincipal", "client_id": auth.client_id})
        else:
            creds = await self._exchange(auth, image, steps, correlation)
        if creds:
            self._cache[(node, image.host)] = (self.clock.now() + PROVIDER_CACHE_SECONDS, creds)
        return creds

    async def _exchange(self, auth: NodeAuth, image: ImageRef, steps: list[dict[str, Any]],
                        correlation: str | None) -> list[Credential]:
        base = {"x-ms-client-request-id": correlation} if correlation else {}
        node_name, _, node_secret = auth.node_credential.partition(":")
        basic = base64.b64encode(f"{node_name}:{node_secret}".encode()).decode()
        imds = await self.http.get(
            "http://169.254.169.254/metadata/identity/oauth2/token",
            params={"api-version": "2018-02-01", "resource": ACR_AUDIENCE, "client_id": auth.client_id},
            headers={**base, "Metadata": "true", "Proxy-Authorization": f"Basic {basic}"})
        steps.append({"step": "imds", "status": imds.status_code, "client_id": auth.client_id})
        if imds.status_code != 200:
            return []
        aad = imds.json()["access_token"]
        agent = {**base, "User-Agent": "kubernetes-credentialprovider-acr"}
        ping = await self.http.get(f"https://{image.host}/v2/", headers=agent)
        challenges = ping.headers.get_list("www-authenticate")
        steps.append({"step": "challenge", "status": ping.status_code, "challenges": len(challenges)})
        if ping.status_code != 401 or len(challenges) != 1:
            return []
        exchange = await self.http.post(f"https://{image.host}/oauth2/exchange", data={
            "grant_type": "access_token_refresh_token", "service": image.host, "tenant": auth.tenant_id,
            "access_token": aad, "refresh_token": aad}, headers=agent)
        steps.append({"step": "exchange", "status": exchange.status_code})
        if exchange.status_code != 200:
            return []
        refresh = exchange.json()["refresh_token"]
        return [Credential("acr-credential-provider", NULL_GUID, refresh, auth.client_id),
                Credential("acr-credential-provider", "", "", auth.client_id)]
