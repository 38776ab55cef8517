"""A registry client that behaves as containerd 1.7's resolver and fetcher: the same requests,
the same token fallbacks, and the same error texts (``failed to fetch anonymous token: unexpected
status from GET request to …: 401 Unauthorized``)."""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

import httpx

from pullproof.kube.node.images import ImageRef

ACCEPT = ("application/vnd.oci.image.manifest.v1+json, application/vnd.oci.image.index.v1+json, "
          "application/vnd.docker.distribution.manifest.v2+json, "
          "application/vnd.docker.distribution.manifest.list.v2+json, */*")
PARAM_RE = re.compile(r'(\w+)="([^"]*)"')
INDEXES = ("application/vnd.oci.image.index.v1+json", "application/vnd.docker.distribution.manifest.list.v2+json")


class PullError(Exception):
    """A failed pull; ``message`` is the runtime's text, ``not_found`` marks gRPC NotFound."""

    def __init__(self, message: str, not_found: bool = False, steps: list[dict[str, Any]] | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.not_found = not_found
        self.steps = steps or []


@dataclass
class Pulled:
    digest: str
    size: int
    steps: list[dict[str, Any]] = field(default_factory=list)


def _status(response: httpx.Response) -> str:
    return f"{response.status_code} {response.reason_phrase}"


class Puller:
    def __init__(self, http: httpx.AsyncClient, correlation: str | None = None) -> None:
        """``correlation`` is sent as ``x-ms-client-request-id`` on every request, so the registry's
        decisions can be tied to this pull."""
        self.http = http
        self.base = {"x-ms-client-request-id": correlation} if correlation else {}

    def with_correlation(self, correlation: str) -> Puller:
        return Puller(self.http, correlation)

    def _h(self, extra: dict[str, str] | None = None) -> dict[str, str]:
        return {**self.base, **(extra or {})}

    async def pull(self, image: ImageRef, username: str, secret: str) -> Pulled:
        steps: list[dict[str, Any]] = []
        try:
            bearer = await self._resolve(image, username, secret, steps)
            return await self._fetch(image, bearer, steps)
        except PullError as exc:
            exc.steps = steps
            prefix = "rpc error: code = NotFound desc = " if exc.not_found else ""
            ref = image.normalized
            raise PullError(f'{prefix}failed to pull and unpack image "{ref}": failed to resolve reference "{ref}": '
                            f"{exc.message}", exc.not_found, steps) from None

    def _url(self, image: ImageRef, kind: str, ref: str) -> str:
        return f"https://{image.host}/v2/{image.repository}/{kind}/{ref}"

    async def _resolve(self, image: ImageRef, username: str, secret: str, steps: list[dict[str, Any]]) -> str | None:
        url = self._url(image, "manifests", image.reference)
        first = await self.http.head(url, headers=self._h({"Accept": ACCEPT}))
        steps.append({"step": "resolve", "url": url, "status": first.status_code})
        if first.status_code == 200:
            return None
        if first.status_code != 401:
            raise self._unexpected(first, image)
        challenge = dict(PARAM_RE.findall(first.headers.get("www-authenticate", "")))
        token = await self._token(image, challenge, username, secret, steps)
        again = await self.http.head(url, headers=self._h({"Accept": ACCEPT, "Authorization": f"Bearer {token}"}))
        steps.append({"step": "resolve-authorized", "url": url, "status": again.status_code})
        if again.status_code == 401:
            raise PullError("pull access denied, repository does not exist or may require authorization: server "
                            "message: insufficient_scope: authorization failed")
        if again.status_code != 200:
            raise self._unexpected(again, image)
        return token

    def _unexpected(self, response: httpx.Response, image: ImageRef) -> PullError:
        if response.status_code == 421:  # a host the emulator does not serve: as offline DNS would answer
            return PullError(f'failed to do request: Head "{response.request.url}": dial tcp: lookup {image.host}: '
                             "no such host")
        if response.status_code == 404:
            return PullError(f"{image.normalized}: not found", not_found=True)
        return PullError(f"unexpected status from HEAD request to {response.request.url}: {_status(response)}")

    async def _token(self, image: ImageRef, challenge: dict[str, str], username: str, secret: str,
                     steps: list[dict[str, Any]]) -> str:
        realm = challenge.get("realm")
        if not realm:
            raise PullError("failed to authorize: no realm specified for token auth challenge")
        scopes = sorted({s for s in (challenge.get("scope"), f"repository:{image.repository}:pull") if s})
        query = urlencode(sorted([("scope", s) for s in scopes] + [("service", challenge.get("service", ""))]))
        get_url = f"{realm}?{query}"
        if not secret:
            response = await self.http.get(get_url, headers=self._h())
            steps.append({"step": "token", "method": "GET", "anonymous": True, "status": response.status_code})
            if response.status_code // 100 != 2:
                raise PullError(f"failed to authorize: failed to fetch anonymous token: unexpected status from GET "
                                f"request to {get_url}: {_status(response)}")
            return str(response.json().get("token") or response.json().get("access_token"))
        form = {"scope": " ".join(scopes), "service": challenge.get("service", ""), "client_id": "containerd-client"}
        form.update({"grant_type": "password", "username": username, "password": secret} if username
                    else {"grant_type": "refresh_token", "refresh_token": secret})
        posted = await self.http.post(realm, data=form, headers=self._h())
        steps.append({"step": "token", "method": "POST", "grant": form["grant_type"], "status": posted.status_code})
        if posted.status_code // 100 == 2:
            return str(posted.json().get("access_token") or posted.json().get("token"))
        if posted.status_code not in (400, 401, 404) and not (posted.status_code == 405 and username):
            raise PullError(f"failed to authorize: failed to fetch oauth token: unexpected status from POST request "
                            f"to {realm}: {_status(posted)}")
        response = await self.http.get(get_url, auth=(username, secret), headers=self._h())
        steps.append({"step": "token", "method": "GET", "basic": True, "status": response.status_code})
        if response.status_code // 100 != 2:
            raise PullError(f"failed to authorize: failed to fetch oauth token: unexpected status from GET request "
                            f"to {get_url}: {_status(response)}")
        return str(response.json().get("token") or response.json().get("access_token"))

    async def _fetch(self, image: ImageRef, bearer: str | None, steps: list[dict[str, Any]]) -> Pulled:
        headers = self._h({"Accept": ACCEPT, **({"Authorization": f"Bearer {bearer}"} if bearer else {})})
        response = await self.http.get(self._url(image, "manifests", image.reference), headers=headers)
        if response.status_code != 200:
            raise self._unexpected(response, image)
        manifest, digest = response.content, response.headers.get("docker-content-digest", "")
        document = json.loads(manifest)
        if document.get("mediaType") in INDEXES or "manifests" in document:
            chosen = next((m for m in document.get("manifests", [])
                           if (m.get("platform") or {}).get("architecture", "amd64") == "amd64"), None)
            if chosen is None:
                raise PullError(f"{image.normalized}: not found", not_found=True)
            response = await self.http.get(self._url(image, "manifests", chosen["digest"]), headers=headers)
            document = json.loads(response.content)
        size = len(manifest)
        for blob in [document.get("config") or {}, *document.get("layers", [])]:
            size += await self._blob(image, blob, headers)
        steps.append({"step": "fetch", "status": 200, "digest": digest, "size": size})
        return Pulled(digest, size, steps)

    async def _blob(self, image: ImageRef, descriptor: dict[str, Any], headers: dict[str, str]) -> int:
        digest = str(descriptor.get("digest", ""))
        response = await self.http.get(self._url(image, "blobs", digest), headers=headers)
        if response.status_code != 200:
            raise PullError(f"failed to copy: httpReadSeeker: failed open: unexpected status code "
                            f"{self._url(image, 'blobs', digest)}: {_status(response)}")
        if "sha256:" + hashlib.sha256(response.content).hexdigest() != digest:
            raise PullError(f"failed to copy: digest mismatch for {digest}")
        return len(response.content)
