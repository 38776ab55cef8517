"""Each failure kind the puller records, decided where the pull fails: against the in-process registry
where it can produce the case, through an ``httpx.MockTransport`` where only the network can (DNS,
TLS, refused, timeout) or where the registry refuses to store the content (a bad manifest)."""

from __future__ import annotations

import asyncio
import json
import socket
import ssl
from collections.abc import Callable

import httpx
import pytest

from pullproof.kube.node.images import ImageRef, parse_image
from pullproof.kube.node.models import FailureKind, StepKind
from pullproof.kube.node.puller import Pulled, Puller, PullError
from tests.conftest import Local
from tests.registry.support import App, assign, bearer_for, create_app, create_registry, digest, push_image
from tests.registry.wire import OCI_INDEX, OCI_MANIFEST, push_simple, put_manifest

ACR = "acrkinds"
LOGIN = f"{ACR}.azurecr.io"
Handler = Callable[[httpx.Request], httpx.Response]


def image(spec: str) -> ImageRef:
    ref = parse_image(spec)
    assert ref is not None
    return ref


def pull(transport: httpx.AsyncBaseTransport, spec: str, user: str = "", secret: str = "") -> Pulled:
    async def run() -> Pulled:
        async with httpx.AsyncClient(transport=transport) as http:
            return await Puller(http).pull(image(spec), user, secret)
    return asyncio.run(run())


def failure(transport: httpx.AsyncBaseTransport, spec: str, user: str = "", secret: str = "") -> PullError:
    with pytest.raises(PullError) as caught:
        pull(transport, spec, user, secret)
    return caught.value


@pytest.fixture
def puller_app(local: Local) -> App:
    """A registry with guestbook:v1 and an arm64-only index, and an app that holds AcrPull on it."""
    registry = create_registry(local, ACR)
    app = create_app(local, "puller")
    assign(local, app.object_id, "AcrPush", registry)
    with local.client(LOGIN) as acr:
        push_image(acr, "guestbook", "v1", bearer_for(acr, LOGIN, app.client_id, app.secret,
                                                      "repository:guestbook:pull,push"))
        auth = bearer_for(acr, LOGIN, app.client_id, app.secret, "repository:multi:pull,push")
        child = push_simple(acr, "multi", "arm64-only-child", auth)
        index = json.dumps({"schemaVersion": 2, "mediaType": OCI_INDEX, "manifests": [
            {"mediaType": OCI_MANIFEST, "digest": digest(child), "size": len(child),
             "platform": {"architecture": "arm64", "os": "linux"}}]}).encode()
        assert put_manifest(acr, "multi", "arm", index, OCI_INDEX, auth).status_code == 201
    return app


def inprocess(local: Local) -> httpx.AsyncBaseTransport:
    return httpx.ASGITransport(app=local.emulator.app)


def test_a_pull_with_a_pull_role_succeeds_and_records_its_steps(local: Local, puller_app: App) -> None:
    pulled = pull(inprocess(local), f"{LOGIN}/guestbook:v1", puller_app.client_id, puller_app.secret)
    assert [s.step for s in pulled.steps] == [StepKind.RESOLVE, StepKind.TOKEN, StepKind.RESOLVE_AUTHORIZED,
                                              StepKind.FETCH]
    assert pulled.steps[1].method == "POST" and pulled.steps[1].grant == "password" and pulled.size > 0


def test_not_found(local: Local, puller_app: App) -> None:
    caught = failure(inprocess(local), f"{LOGIN}/guestbook:v2", puller_app.client_id, puller_app.secret)
    assert (caught.kind, caught.status) == (FailureKind.NOT_FOUND, 404)
    assert caught.message.startswith("rpc error: code = NotFound desc = ")


def test_unauthorized_anonymous(local: Local, puller_app: App) -> None:
    caught = failure(inprocess(local), f"{LOGIN}/guestbook:v1")
    assert (caught.kind, caught.status) == (FailureKind.UNAUTHORIZED_ANONYMOUS, 401)
    assert caught.kind.unauthorized and caught.steps[-1].anonymous


def test_unauthorized_credentials(local: Local, puller_app: App) -> None:
    caught = failure(inprocess(local), f"{LOGIN}/guestbook:v1", puller_app.client_id, "not-the-secret")
    assert (caught.kind, caught.status) == (FailureKind.UNAUTHORIZED_CREDENTIALS, 401)
    assert [(s.method, s.status) for s in caught.steps if s.step is StepKind.TOKEN] == [("POST", 401), ("GET", 401)]


def test_platform_mismatch_has_containerds_text(local: Local, puller_app: App) -> None:
    caught = failure(inprocess(local), f"{LOGIN}/multi:arm", puller_app.client_id, puller_app.secret)
    assert caught.kind is FailureKind.PLATFORM_MISMATCH
    assert caught.message == (f'rpc error: code = NotFound desc = failed to pull and unpack image "{LOGIN}/multi:arm"'
                              ": no match for platform in manifest: not found")


def test_an_unserved_host_is_dns(local: Local) -> None:
    caught = failure(inprocess(local), "nosuchregistry.azurecr.io/app:v1")
    assert (caught.kind, caught.status) == (FailureKind.DNS, 421)
    assert caught.message.endswith("dial tcp: lookup nosuchregistry.azurecr.io: no such host")


def challenge_then(answer: Handler) -> Handler:
    """A registry that challenges the anonymous HEAD and hands out tokens, then answers ``answer``."""
    def handle(request: httpx.Request) -> httpx.Response:
        if request.url.path == "/oauth2/token":
            return httpx.Response(200, json={"access_token": "t"})
        if "authorization" not in request.headers:
            return httpx.Response(401, headers={"Www-Authenticate": f'Bearer realm="https://{LOGIN}/oauth2/token",'
                                                                    f'service="{LOGIN}"'})
        return answer(request)
    return handle


def test_unauthorized_scope() -> None:
    caught = failure(httpx.MockTransport(challenge_then(lambda _r: httpx.Response(401))), f"{LOGIN}/app:v1", "u", "p")
    assert (caught.kind, caught.status) == (FailureKind.UNAUTHORIZED_SCOPE, 401)
    assert "insufficient_scope" in caught.message


def test_unauthorized_challenge_without_realm() -> None:
    caught = failure(httpx.MockTransport(lambda _r: httpx.Response(401, headers={"Www-Authenticate": "Basic"})),
                     f"{LOGIN}/app:v1")
    assert caught.kind is FailureKind.UNAUTHORIZED_CHALLENGE
    assert caught.message.endswith("failed to authorize: no realm specified for token auth challenge")


def test_forbidden_from_the_status_and_the_oci_code() -> None:
    """ACR's firewall refuses the token request: 403 with DENIED (a HEAD's 403 has no body: the status decides)."""
    denied = {"errors": [{"code": "DENIED", "message": "client with IP '10.0.0.4' is not allowed access"}]}
    def handle(request: httpx.Request) -> httpx.Response:
        if request.url.path == "/oauth2/token":
            return httpx.Response(403, json=denied)
        return httpx.Response(401, headers={"Www-Authenticate": f'Bearer realm="https://{LOGIN}/oauth2/token"'})
    caught = failure(httpx.MockTransport(handle), f"{LOGIN}/app:v1")
    assert (caught.kind, caught.status, caught.code) == (FailureKind.FORBIDDEN, 403, "DENIED")
    assert caught.message.endswith("failed to fetch anonymous token: unexpected status from GET request to https://"
                                   f"{LOGIN}/oauth2/token?scope=repository%3Aapp%3Apull&service=: 403 Forbidden")
    head = failure(httpx.MockTransport(challenge_then(lambda _r: httpx.Response(403))), f"{LOGIN}/app:v1", "u", "p")
    assert (head.kind, head.status, head.code) == (FailureKind.FORBIDDEN, 403, None)


def test_an_oci_code_decides_over_a_bare_status() -> None:
    unknown = {"errors": [{"code": "NAME_UNKNOWN", "message": "repository name not known to registry"}]}
    answer = challenge_then(lambda r: httpx.Response(200) if r.method == "HEAD" else httpx.Response(400, json=unknown))
    caught = failure(httpx.MockTransport(answer), f"{LOGIN}/app:v1", "u", "p")
    assert (caught.kind, caught.status, caught.code) == (FailureKind.NOT_FOUND, 400, "NAME_UNKNOWN")


def test_bad_manifest() -> None:
    schema1 = {"schemaVersion": 1, "name": "app", "tag": "v1", "fsLayers": []}
    def manifest(request: httpx.Request) -> httpx.Response:
        if request.method == "HEAD":
            return httpx.Response(200)
        return httpx.Response(200, json=schema1, headers={
            "Content-Type": "application/vnd.docker.distribution.manifest.v1+prettyjws",
            "Docker-Content-Digest": "sha256:" + "a" * 64})
    caught = failure(httpx.MockTransport(challenge_then(manifest)), f"{LOGIN}/app:v1", "u", "p")
    assert caught.kind is FailureKind.BAD_MANIFEST
    assert caught.message.endswith("unexpected media type application/vnd.docker.distribution.manifest.v1+prettyjws"
                                   f" for sha256:{'a' * 64}: not found")


def test_other_carries_the_message() -> None:
    caught = failure(httpx.MockTransport(lambda _r: httpx.Response(500)), f"{LOGIN}/app:v1")
    assert (caught.kind, caught.status) == (FailureKind.OTHER, 500)
    assert caught.failure.message == caught.message
    assert caught.message.endswith(f"unexpected status from HEAD request to https://{LOGIN}/v2/app/manifests/v1: "
                                   "500 Internal Server Error")


def raising(exc: Exception) -> httpx.MockTransport:
    def handle(request: httpx.Request) -> httpx.Response:
        raise exc
    return httpx.MockTransport(handle)


def connect_error(cause: BaseException) -> httpx.ConnectError:
    try:
        raise httpx.ConnectError("connect failed") from cause
    except httpx.ConnectError as exc:
        return exc


@pytest.mark.parametrize(("cause", "kind", "text"), [
    (socket.gaierror(-2, "Name or service not known"), FailureKind.DNS,
     f"dial tcp: lookup {LOGIN}: no such host"),
    (ssl.SSLCertVerificationError(1, "certificate verify failed"), FailureKind.TLS,
     "tls: failed to verify certificate: x509: certificate signed by unknown authority"),
    (ssl.SSLError(1, "sslv3 alert handshake failure"), FailureKind.TLS, "remote error: tls: handshake failure"),
    (ConnectionRefusedError(111, "Connection refused"), FailureKind.CONNECTION_REFUSED,
     f"dial tcp {LOGIN}:443: connect: connection refused"),
], ids=["dns", "tls-verify", "tls-handshake", "refused"])
def test_no_answer_is_decided_by_the_exception_under_it(cause: BaseException, kind: FailureKind, text: str) -> None:
    caught = failure(raising(connect_error(cause)), f"{LOGIN}/app:v1")
    assert (caught.kind, caught.status) == (kind, None)
    assert caught.message == (f'failed to pull and unpack image "{LOGIN}/app:v1": failed to resolve reference '
                              f'"{LOGIN}/app:v1": failed to do request: Head "https://{LOGIN}/v2/app/manifests/v1": '
                              f"{text}")


def test_timeout() -> None:
    caught = failure(raising(httpx.ConnectTimeout("timed out")), f"{LOGIN}/app:v1")
    assert caught.kind is FailureKind.TIMEOUT
    assert caught.message.endswith(f"dial tcp {LOGIN}:443: i/o timeout")


def test_a_timeout_on_the_token_request_keeps_its_phase() -> None:
    def handle(request: httpx.Request) -> httpx.Response:
        if request.url.path == "/oauth2/token":
            raise httpx.ReadTimeout("read timed out")
        return httpx.Response(401, headers={"Www-Authenticate": f'Bearer realm="https://{LOGIN}/oauth2/token"'})
    caught = failure(httpx.MockTransport(handle), f"{LOGIN}/app:v1")
    assert caught.kind is FailureKind.TIMEOUT
    assert "failed to authorize: failed to fetch anonymous token: Get " in caught.message


def test_a_real_refused_connection_is_refused() -> None:
    """The OS error under httpx's own transport (anyio's connect) is found too, not only a mock's."""
    with socket.socket() as bound:  # bound, never listening: a connect is refused
        bound.bind(("127.0.0.1", 0))
        port = bound.getsockname()[1]
        caught = failure(httpx.AsyncHTTPTransport(), f"127.0.0.1:{port}/app:v1")
    assert caught.kind is FailureKind.CONNECTION_REFUSED
    assert caught.message.endswith(f"dial tcp 127.0.0.1:{port}: connect: connection refused")


def test_a_missing_layer_fails_after_the_reference_resolved() -> None:
    """A fetch-phase failure is not a resolve failure: containerd names no reference resolution in it."""
    config = "sha256:" + "c" * 64
    manifest = {"schemaVersion": 2, "mediaType": OCI_MANIFEST, "config": {"digest": config}, "layers": []}
    def answer(request: httpx.Request) -> httpx.Response:
        if request.method == "HEAD":
            return httpx.Response(200)
        if "/manifests/" in request.url.path:
            return httpx.Response(200, json=manifest, headers={"Content-Type": OCI_MANIFEST})
        return httpx.Response(404, json={"errors": [{"code": "BLOB_UNKNOWN", "message": "blob unknown to registry"}]})
    caught = failure(httpx.MockTransport(challenge_then(answer)), f"{LOGIN}/app:v1", "u", "p")
    assert (caught.kind, caught.status, caught.code) == (FailureKind.NOT_FOUND, 404, "BLOB_UNKNOWN")
    assert caught.message == (f'failed to pull and unpack image "{LOGIN}/app:v1": failed to copy: httpReadSeeker: '
                              f"failed open: unexpected status code https://{LOGIN}/v2/app/blobs/{config}: "
                              "404 Not Found")


def test_a_manifest_that_is_no_json_is_bad_not_a_crash() -> None:
    def answer(request: httpx.Request) -> httpx.Response:
        if request.method == "HEAD":
            return httpx.Response(200)
        return httpx.Response(200, content=b"<html>proxy error</html>", headers={"Content-Type": "text/html"})
    caught = failure(httpx.MockTransport(challenge_then(answer)), f"{LOGIN}/app:v1", "u", "p")
    assert caught.kind is FailureKind.BAD_MANIFEST
    assert caught.message.endswith("unexpected media type text/html for v1: not found")
