"""The kind of a failed request, decided where it fails: from the HTTP status and the registry's OCI
error code, or from the type of the transport exception (and the OS error under it) — never from a
message. The texts are Go's ``net/http`` ones, as containerd prints them."""

from __future__ import annotations

import socket
import ssl
from collections.abc import Iterator

import httpx

from pullproof.kube.node.models import FailureKind

MISDIRECTED = 421  # the front door's answer for a host it does not serve: as offline DNS would answer
OCI_KINDS = {"MANIFEST_UNKNOWN": FailureKind.NOT_FOUND, "NAME_UNKNOWN": FailureKind.NOT_FOUND,
             "BLOB_UNKNOWN": FailureKind.NOT_FOUND, "DENIED": FailureKind.FORBIDDEN,
             "MANIFEST_INVALID": FailureKind.BAD_MANIFEST, "MANIFEST_BLOB_UNKNOWN": FailureKind.BAD_MANIFEST,
             "UNSUPPORTED": FailureKind.BAD_MANIFEST}


def oci_code(response: httpx.Response) -> str | None:
    """The first OCI error code of a registry's ``{"errors": [...]}`` body, if it has one."""
    if response.request.method == "HEAD" or "json" not in response.headers.get("content-type", ""):
        return None
    try:
        errors = response.json().get("errors") or []
        code = errors[0].get("code") if errors and isinstance(errors[0], dict) else None
    except (ValueError, AttributeError):
        return None
    return str(code) if code else None


def kind_of_status(status: int, code: str | None, unauthorized: FailureKind) -> FailureKind:
    """A registry answer's kind; ``unauthorized`` is the 401 variant of the step that got it."""
    if status == 401:
        return unauthorized
    if status == MISDIRECTED:
        return FailureKind.DNS
    if code in OCI_KINDS:
        return OCI_KINDS[code]
    return {403: FailureKind.FORBIDDEN, 404: FailureKind.NOT_FOUND}.get(status, FailureKind.OTHER)


def _causes(exc: BaseException) -> Iterator[BaseException]:
    seen: set[int] = set()
    pending = [exc]
    while pending:
        current = pending.pop()
        if id(current) in seen:
            continue
        seen.add(id(current))
        yield current
        pending += [e for e in (current.__cause__, current.__context__) if e is not None]
        if isinstance(current, BaseExceptionGroup):
            pending += list(current.exceptions)


def kind_of_exception(exc: httpx.TransportError) -> FailureKind:
    if isinstance(exc, httpx.TimeoutException):
        return FailureKind.TIMEOUT
    for cause in _causes(exc):
        if isinstance(cause, socket.gaierror):
            return FailureKind.DNS
        if isinstance(cause, ssl.SSLError):
            return FailureKind.TLS
        if isinstance(cause, ConnectionRefusedError):
            return FailureKind.CONNECTION_REFUSED
    return FailureKind.OTHER


def transport_text(kind: FailureKind, exc: httpx.TransportError, host: str) -> str:
    """What Go's client says for a request that got no answer (after ``Method "url": ``)."""
    address = host if ":" in host else f"{host}:443"
    if kind is FailureKind.DNS:
        return f"dial tcp: lookup {host.partition(':')[0]}: no such host"
    if kind is FailureKind.CONNECTION_REFUSED:
        return f"dial tcp {address}: connect: connection refused"
    if kind is FailureKind.TLS:
        if any(isinstance(c, ssl.SSLCertVerificationError) for c in _causes(exc)):
            return "tls: failed to verify certificate: x509: certificate signed by unknown authority"
        return "remote error: tls: handshake failure"
    if isinstance(exc, httpx.ConnectTimeout):
        return f"dial tcp {address}: i/o timeout"
    if kind is FailureKind.TIMEOUT:
        return "net/http: timeout awaiting response headers"
    return str(exc) or type(exc).__name__
