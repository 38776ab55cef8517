"""What a kubelet records about one image pull: the credential provider's run, each credential tried
with its HTTP steps, and a structured failure whose kind the puller decided where the failure happened
(from the status code, the registry's OCI error code or the exception type), never from a text."""

from __future__ import annotations

from dataclasses import MISSING, dataclass, field, fields, is_dataclass
from enum import StrEnum
from typing import Any


class FailureKind(StrEnum):
    NOT_FOUND = "not-found"  # 404: MANIFEST_UNKNOWN, NAME_UNKNOWN, BLOB_UNKNOWN
    UNAUTHORIZED_ANONYMOUS = "unauthorized-anonymous"  # 401 from the anonymous GET /oauth2/token
    UNAUTHORIZED_CREDENTIALS = "unauthorized-credentials"  # 401 from the password/refresh-token grants
    UNAUTHORIZED_SCOPE = "unauthorized-scope"  # a token was issued, the manifest still answers 401
    UNAUTHORIZED_CHALLENGE = "unauthorized-challenge"  # 401 without a usable Bearer challenge (no realm)
    FORBIDDEN = "forbidden"  # 403, DENIED
    DNS = "dns"  # the registry's name does not resolve (no such host)
    TLS = "tls"  # the TLS handshake or the certificate check failed
    CONNECTION_REFUSED = "connection-refused"
    TIMEOUT = "timeout"
    PLATFORM_MISMATCH = "platform-mismatch"  # an index with no manifest for linux/amd64
    BAD_MANIFEST = "bad-manifest"  # a manifest that is not JSON or of a media type the runtime cannot use
    OTHER = "other"  # anything else; the message says what

    @property
    def unauthorized(self) -> bool:
        return self.value.startswith("unauthorized-")

    @property
    def missing(self) -> bool:
        """The image (or the variant the node needs) is not in the registry."""
        return self in (FailureKind.NOT_FOUND, FailureKind.PLATFORM_MISMATCH)


class StepKind(StrEnum):
    RESOLVE = "resolve"  # HEAD manifest, without a token
    RESOLVE_AUTHORIZED = "resolve-authorized"  # HEAD manifest with the bearer token
    TOKEN = "token"  # GET or POST /oauth2/token
    FETCH = "fetch"  # manifest and layers fetched
    PROVIDER = "credential-provider"  # the provider's cache or its service-principal mode
    IMDS = "imds"
    CHALLENGE = "challenge"  # GET /v2/ for the Bearer challenge
    EXCHANGE = "exchange"  # POST /oauth2/exchange


class CredentialSource(StrEnum):
    PULL_SECRET = "pullSecret"
    PROVIDER = "acr-credential-provider"
    ANONYMOUS = "anonymous"


@dataclass(frozen=True)
class Failure:
    kind: FailureKind
    message: str
    status: int | None = None  # the HTTP status that failed, if an answer came
    code: str | None = None  # the registry's OCI error code, if it sent one


@dataclass(frozen=True)
class HttpStep:
    step: StepKind
    status: int | None = None  # None: no answer (the failure's kind says why)
    url: str | None = None
    method: str | None = None
    grant: str | None = None
    anonymous: bool = False
    basic: bool = False
    digest: str | None = None
    size: int | None = None
    client_id: str | None = None
    challenges: int | None = None
    cached: bool = False
    mode: str | None = None

    @property
    def ok(self) -> bool:
        return self.status is not None and self.status // 100 == 2


@dataclass(frozen=True)
class ProviderRun:
    """The ACR credential provider's run on the node, before any credential is tried."""

    mode: str | None  # the node's auth mode: "msi" or "sp"
    client_id: str | None
    correlation: str
    steps: tuple[HttpStep, ...] = ()
    failure: Failure | None = None  # why it gave no credentials (None: it gave some, or was not asked)

    @property
    def exchanged(self) -> bool:
        """The node's identity reached the exchange (whatever it answered), or credentials came from the cache
        (which holds only what an exchange gave)."""
        return any(s.step is StepKind.EXCHANGE or s.cached for s in self.steps)


@dataclass(frozen=True)
class CredentialAttempt:
    source: CredentialSource
    username: str
    correlation: str
    ok: bool
    secret: str | None = None  # the pull secret's name
    identity: str | None = None  # the client id the provider used
    steps: tuple[HttpStep, ...] = ()
    digest: str | None = None
    failure: Failure | None = None

    @property
    def error(self) -> str:
        return self.failure.message if self.failure else ""

    @property
    def source_name(self) -> str:
        """The source as the kubelet's logs name it (``pullSecret:<name>``, ``anonymous``...)."""
        return f"{self.source}:{self.secret}" if self.source is CredentialSource.PULL_SECRET else str(self.source)


@dataclass(frozen=True)
class PullRecord:
    seq: int
    cluster: str
    node: str
    namespace: str
    pod: str
    pod_uid: str
    container: str
    image: str
    at: float
    ok: bool
    message: str
    provider: ProviderRun | None = None
    attempts: tuple[CredentialAttempt, ...] = field(default_factory=tuple)

    def failed_with(self, *kinds: FailureKind) -> bool:
        return any(a.failure is not None and a.failure.kind in kinds for a in self.attempts)

    @property
    def correlations(self) -> list[str]:
        return ([self.provider.correlation] if self.provider else []) + [a.correlation for a in self.attempts]


def to_dict(value: Any) -> dict[str, Any]:
    """A record's dataclass fields, as JSON values, without those left at their default."""
    out: dict[str, Any] = {}
    for spec in fields(value):
        item = getattr(value, spec.name)
        if spec.default is not MISSING and item == spec.default and type(item) is type(spec.default):
            continue
        if spec.default_factory is not MISSING and not item:
            continue
        out[spec.name] = _plain(item)
    return out


def _plain(item: Any) -> Any:
    if is_dataclass(item):
        return to_dict(item)
    if isinstance(item, tuple | list):
        return [_plain(i) for i in item]
    return str(item) if isinstance(item, StrEnum) else item


def step_of(data: dict[str, Any]) -> HttpStep:
    return HttpStep(**{**data, "step": StepKind(data["step"])})


def failure_of(data: dict[str, Any] | None) -> Failure | None:
    if not data:
        return None
    return Failure(FailureKind(data["kind"]), data["message"], data.get("status"), data.get("code"))


def provider_of(data: dict[str, Any]) -> ProviderRun:
    return ProviderRun(data.get("mode"), data.get("client_id"), data["correlation"],
                       tuple(step_of(s) for s in data.get("steps", [])), failure_of(data.get("failure")))


def attempt_of(data: dict[str, Any]) -> CredentialAttempt:
    return CredentialAttempt(CredentialSource(data["source"]), data["username"], data["correlation"],
                             bool(data.get("ok")), data.get("secret"), data.get("identity"),
                             tuple(step_of(s) for s in data.get("steps", [])), data.get("digest"),
                             failure_of(data.get("failure")))
