"""A registry client that behaves as containerd 1.7's resolver and fetcher: the same requests,
the same token fallbacks, and the same error texts (``failed to fetch anonymous token: unexpected
status from GET request to …: 401 Unauthorized``). Each failure carries its kind, decided here."""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode, urlsplit

import httpx

from pullproof.kube.node.failures import MISDIRECTED, kind_of_exception, kind_of_status, oci_code, transport_text
from pullproof.kube.node.images import ImageRef
from pullproof.kube.node.models import Failure, FailureKind, HttpStep, StepKind

ACCEPT = ("application/vnd.oci.image.manifest.v1+json, application/vnd.oci.image.index.v1+json, "
          "application/vnd.docker.distribution.manifest.v2+json, "
          "application/vnd.docker.distribution.manifest.list.v2+json, */*")
PARAM_RE = re.compile(r'(\w+)="([^"]*)"')
INDEXES = ("application/vnd.oci.image.index.v1+json", "application/vnd.docker.distribution.manifest.list.v2+json")
MANIFESTS = ("application/vnd.oci.image.manifest.v1+json", "application/vnd.docker.distribution.manifest.v2+json")
DO_REQUEST = "failed to do request: "
ANONYMOUS_TOKEN = "failed to authorize: failed to fetch anonymous token: "
OAUTH_TOKEN = "failed to authorize: failed to fetch oauth token: "
OPEN_BLOB = "failed to copy: httpReadSeeker: failed open: "


class PullError(Exception):
    """A failed pull: ``message`` is the runtime's text, ``kind`` what failed, ``not_found`` marks gRPC
    NotFound, ``resolving`` an error before the reference resolved."""

    def __init__(self, message: str, kind: FailureKind, status: int | None = None, code: str | None = None,
                 not_found: bool = False, steps: list[HttpStep] | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.kind = kind
        self.status = status
        self.code = code
        self.not_found = not_found
        self.steps = steps or []

    @property
    def failure(self) -> Failure:
        return Failure(self.kind, self.message, self.status, self.code)


@dataclass
class Pulled:
    digest: str
    size: int
    steps: list[HttpStep] = field(default_factory=list)
    config: dict[str, Any] | None = None  # the image config blob (Entrypoint, Cmd...)


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
        steps: list[HttpStep] = []
        ref = image.normalized
        try:
            bearer = await self._resolve(image, username, secret, steps)
        except PullError as exc:
            raise _wrapped(exc, ref, f'failed to resolve reference "{ref}": ', steps) from None
        try:
            return await self._fetch(image, bearer, steps)
        except PullError as exc:
            raise _wrapped(exc, ref, "", steps) from None

    async def _send(self, method: str, url: str, context: str, **options: Any) -> httpx.Response:
        """One request; no answer at all (DNS, TLS, refused, timeout) is a failure of its own kind."""
        try:
            return await self.http.request(method, url, **options)
        except httpx.TransportError as exc:
            kind = kind_of_exception(exc)
            raise PullError(f'{context}{method.title()} "{url}": {transport_text(kind, exc, urlsplit(url).netloc)}',
                            kind) from None

    def _url(self, image: ImageRef, kind: str, ref: str) -> str:
        return f"https://{image.endpoint}/v2/{image.repository}/{kind}/{ref}"

    async def _resolve(self, image: ImageRef, username: str, secret: str, steps: list[HttpStep]) -> str | None:
        url = self._url(image, "manifests", image.reference)
        first = await self._send("HEAD", url, DO_REQUEST, headers=self._h({"Accept": ACCEPT}))
        steps.append(HttpStep(StepKind.RESOLVE, first.status_code, url=url))
        if first.status_code == 200:
            return None
        if first.status_code != 401:
            raise self._unexpected(first, image)
        challenge = dict(PARAM_RE.findall(first.headers.get("www-authenticate", "")))
        token = await self._token(image, challenge, username, secret, steps)
        again = await self._send("HEAD", url, DO_REQUEST,
                                 headers=self._h({"Accept": ACCEPT, "Authorization": f"Bearer {token}"}))
        steps.append(HttpStep(StepKind.RESOLVE_AUTHORIZED, again.status_code, url=url))
        if again.status_code == 401:
            raise PullError("pull access denied, repository does not exist or may require authorization: server "
                            "message: insufficient_scope: authorization failed", FailureKind.UNAUTHORIZED_SCOPE, 401)
        if again.status_code != 200:
            raise self._unexpected(again, image)
        return token

    def _unexpected(self, response: httpx.Response, image: ImageRef) -> PullError:
        status, code, method = response.status_code, oci_code(response), response.request.method
        kind = kind_of_status(status, code, FailureKind.UNAUTHORIZED_SCOPE)
        if status == MISDIRECTED:
            return PullError(f'{DO_REQUEST}{method.title()} "{response.request.url}": dial tcp: '
                             f"lookup {image.endpoint}: no such host", kind, status, code)
        if status == 404:
            return PullError(f"{image.normalized}: not found", kind, status, code, not_found=True)
        return PullError(f"unexpected status from {method} request to {response.request.url}: {_status(response)}",
                         kind, status, code)

    def _refused(self, response: httpx.Response, text: str, unauthorized: FailureKind) -> PullError:
        code = oci_code(response)
        return PullError(text, kind_of_status(response.status_code, code, unauthorized), response.status_code, code)

    async def _token(self, image: ImageRef, challenge: dict[str, str], username: str, secret: str,
                     steps: list[HttpStep]) -> str:
        realm = challenge.get("realm")
        if not realm:
            raise PullError("failed to authorize: no realm specified for token auth challenge",
                            FailureKind.UNAUTHORIZED_CHALLENGE, 401)
        scopes = sorted({s for s in (challenge.get("scope"), f"repository:{image.repository}:pull") if s})
        query = urlencode(sorted([("scope", s) for s in scopes] + [("service", challenge.get("service", ""))]))
        get_url = f"{realm}?{query}"
        if not secret:
            response = await self._send("GET", get_url, ANONYMOUS_TOKEN, headers=self._h())
            steps.append(HttpStep(StepKind.TOKEN, response.status_code, method="GET", anonymous=True))
            if response.status_code // 100 != 2:
                raise self._refused(response, f"{ANONYMOUS_TOKEN}unexpected status from GET request to {get_url}: "
                                    f"{_status(response)}", FailureKind.UNAUTHORIZED_ANONYMOUS)
            return str(response.json().get("token") or response.json().get("access_token"))
        form = {"scope": " ".join(scopes), "service": challenge.get("service", ""), "client_id": "containerd-client"}
        form.update({"grant_type": "password", "username": username, "password": secret} if username
                    else {"grant_type": "refresh_token", "refresh_token": secret})
        posted = await self._send("POST", realm, OAUTH_TOKEN, data=form, headers=self._h())
        steps.append(HttpStep(StepKind.TOKEN, posted.status_code, method="POST", grant=form["grant_type"]))
        if posted.status_code // 100 == 2:
            return str(posted.json().get("access_token") or posted.json().get("token"))
        if posted.status_code not in (400, 401, 404) and not (posted.status_code == 405 and username):
            raise self._refused(posted, f"{OAUTH_TOKEN}unexpected status from POST request to {realm}: "
                                f"{_status(posted)}", FailureKind.UNAUTHORIZED_CREDENTIALS)
        response = await self._send("GET", get_url, OAUTH_TOKEN, auth=(username, secret), headers=self._h())
        steps.append(HttpStep(StepKind.TOKEN, response.status_code, method="GET", basic=True))
        if response.status_code // 100 != 2:
            raise self._refused(response, f"{OAUTH_TOKEN}unexpected status from GET request to {get_url}: "
                                f"{_status(response)}", FailureKind.UNAUTHORIZED_CREDENTIALS)
        return str(response.json().get("token") or response.json().get("access_token"))

    async def _fetch(self, image: ImageRef, bearer: str | None, steps: list[HttpStep]) -> Pulled:
        headers = self._h({"Accept": ACCEPT, **({"Authorization": f"Bearer {bearer}"} if bearer else {})})
        response = await self._manifest(image, image.reference, headers)
        manifest, digest = response.content, response.headers.get("docker-content-digest", "")
        document = _document(response, digest or image.reference)
        if document.get("mediaType") in INDEXES or "manifests" in document:
            chosen = next((m for m in document.get("manifests", [])
                           if (m.get("platform") or {}).get("architecture", "amd64") == "amd64"), None)
            if chosen is None:
                raise PullError("no match for platform in manifest: not found", FailureKind.PLATFORM_MISMATCH,
                                not_found=True)
            document = _document(await self._manifest(image, chosen["digest"], headers), chosen["digest"])
        config = await self._blob(image, document.get("config") or {}, headers)
        size = len(manifest) + len(config)
        for blob in document.get("layers", []):
            size += len(await self._blob(image, blob, headers))
        steps.append(HttpStep(StepKind.FETCH, 200, digest=digest, size=size))
        return Pulled(digest, size, steps, _config(config))

    async def _manifest(self, image: ImageRef, reference: str, headers: dict[str, str]) -> httpx.Response:
        response = await self._send("GET", self._url(image, "manifests", reference), DO_REQUEST, headers=headers)
        if response.status_code != 200:
            raise self._unexpected(response, image)
        return response

    async def _blob(self, image: ImageRef, descriptor: dict[str, Any], headers: dict[str, str]) -> bytes:
        digest = str(descriptor.get("digest", ""))
        url = self._url(image, "blobs", digest)
        response = await self._send("GET", url, OPEN_BLOB + DO_REQUEST, headers=headers)
        if response.status_code != 200:
            raise self._refused(response, f"{OPEN_BLOB}unexpected status code {url}: {_status(response)}",
                                FailureKind.UNAUTHORIZED_SCOPE)
        if "sha256:" + hashlib.sha256(response.content).hexdigest() != digest:
            raise PullError(f"failed to copy: digest mismatch for {digest}", FailureKind.OTHER)
        return response.content


def _config(blob: bytes) -> dict[str, Any]:
    """The image config (an empty one if the blob is not a JSON object)."""
    try:
        found = json.loads(blob)
    except ValueError:
        return {}
    return found if isinstance(found, dict) else {}


def _wrapped(exc: PullError, ref: str, phase: str, steps: list[HttpStep]) -> PullError:
    """containerd's text around a failure: the reference, the phase, and gRPC's code for NotFound."""
    prefix = "rpc error: code = NotFound desc = " if exc.not_found else ""
    return PullError(f'{prefix}failed to pull and unpack image "{ref}": {phase}{exc.message}', exc.kind,
                     exc.status, exc.code, exc.not_found, steps)


def _document(response: httpx.Response, digest: str) -> dict[str, Any]:
    """A manifest the runtime can use: JSON, an index or an image manifest (containerd's ErrNotFound
    for any other media type)."""
    media = response.headers.get("content-type", "").partition(";")[0].strip()
    try:
        document = json.loads(response.content)
    except ValueError:
        document = None
    if isinstance(document, dict):
        media = str(document.get("mediaType") or media)
        if media in INDEXES + MANIFESTS or "manifests" in document or "layers" in document:
            return document
    raise PullError(f"unexpected media type {media} for {digest}: not found", FailureKind.BAD_MANIFEST,
                    not_found=True)
