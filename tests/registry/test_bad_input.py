"""Bad input to the data plane, in-process: every refusal with its OCI code, status and message,
and the protocol corners (ranges, chunked uploads, mounts, pagination, referrers, deletes, manifest
kinds); then over sockets against a served emulator: an upload cut off halfway, two clients pushing
the same blob at once, and ``kill -9`` during a push."""

from __future__ import annotations

import base64
import json
import os
import threading
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import httpx2 as httpx
import pytest
from starlette.testclient import TestClient

from pullproof.core.jwt import LEEWAY_SECONDS
from tests.conftest import Local, Served, start_served, stop_served
from tests.registry.support import assign, basic, bearer_for, create_app, create_registry, digest
from tests.registry.wire import (
    DOCKER_LIST,
    DOCKER_MANIFEST,
    OCI_INDEX,
    OCI_MANIFEST,
    image_manifest,
    index_manifest,
    oci_error,
    push_simple,
    put_manifest,
    send_partial_patch,
    served_registry,
    upload,
    wire_for,
)

LOGIN = "badinput.azurecr.io"
CHALLENGE = f'Bearer realm="https://{LOGIN}/oauth2/token",service="{LOGIN}"'


@dataclass
class Acr:
    http: TestClient
    auth: dict[str, str]
    local: Local
    registry_id: str


@pytest.fixture
def acr(local: Local) -> Iterator[Acr]:
    registry_id = create_registry(local, "badinput")
    op = local.emulator.operator
    with local.client(LOGIN) as http:
        yield Acr(http, basic(op.client_id, op.client_secret), local, registry_id)


# uploads --------------------------------------------------------------------------------------------------
def test_wrong_digest_on_completion_is_digest_invalid(acr: Acr) -> None:
    started = acr.http.post("/v2/app/blobs/uploads/", headers=acr.auth)
    done = acr.http.put(started.headers["Location"], params={"digest": digest(b"other")}, content=b"data",
                        headers=acr.auth)
    assert oci_error(done) == (400, "DIGEST_INVALID", "provided digest did not match uploaded content")
    missing = acr.http.put(started.headers["Location"], content=b"", headers=acr.auth)
    assert oci_error(missing)[1] == "DIGEST_INVALID"
    malformed = acr.http.put(started.headers["Location"], params={"digest": "sha256:abc"}, headers=acr.auth)
    assert oci_error(malformed)[:2] == (400, "DIGEST_INVALID")
    assert acr.http.head(f"/v2/app/blobs/{digest(b'data')}", headers=acr.auth).status_code == 404


def test_chunked_patch_with_content_range_and_a_wrong_start(acr: Acr) -> None:
    data = bytes(range(256)) * 40
    location = acr.http.post("/v2/app/blobs/uploads/", headers=acr.auth).headers["Location"]
    first = acr.http.patch(location, content=data[:4000], headers={
        **acr.auth, "Content-Range": "0-3999", "Content-Type": "application/octet-stream"})
    assert first.status_code == 202 and first.headers["Range"] == "0-3999"
    assert first.headers["Docker-Upload-UUID"] == location.rsplit("/", 1)[1]
    wrong = acr.http.patch(location, content=data[4000:], headers={**acr.auth, "Content-Range": "3000-10239"})
    assert oci_error(wrong) == (416, "RANGE_INVALID", "invalid content range")
    assert wrong.headers["Location"] == location and wrong.headers["Range"] == "0-3999"
    status = acr.http.get(location, headers=acr.auth)
    assert status.status_code == 204 and status.headers["Range"] == "0-3999"
    second = acr.http.patch(location, content=data[4000:], headers={**acr.auth, "Content-Range": "4000-10239"})
    assert second.headers["Range"] == "0-10239"
    done = acr.http.put(location, params={"digest": digest(data)}, headers=acr.auth)
    assert done.status_code == 201 and done.headers["Docker-Content-Digest"] == digest(data)
    assert acr.http.get(f"/v2/app/blobs/{digest(data)}", headers=acr.auth).content == data


def test_streamed_patch_without_content_length(acr: Acr) -> None:
    parts = [b"a" * 1000, b"b" * 3000, b"c" * 7]
    location = acr.http.post("/v2/app/blobs/uploads/", headers=acr.auth).headers["Location"]

    def body() -> Iterator[bytes]:
        yield from parts

    streamed = acr.http.patch(location, content=body(), headers=acr.auth)
    assert streamed.status_code == 202 and streamed.headers["Range"] == "0-4006"
    data = b"".join(parts)
    assert acr.http.put(location, params={"digest": digest(data)}, headers=acr.auth).status_code == 201


def test_monolithic_post_and_unknown_or_cancelled_sessions(acr: Acr) -> None:
    posted = acr.http.post("/v2/app/blobs/uploads/", params={"digest": digest(b"one-shot")}, content=b"one-shot",
                           headers=acr.auth)
    assert posted.status_code == 201 and posted.headers["Location"] == f"/v2/app/blobs/{digest(b'one-shot')}"
    unknown = acr.http.patch("/v2/app/blobs/uploads/not-a-session", content=b"x", headers=acr.auth)
    assert oci_error(unknown) == (404, "BLOB_UPLOAD_UNKNOWN", "blob upload unknown to registry")
    location = acr.http.post("/v2/app/blobs/uploads/", headers=acr.auth).headers["Location"]
    elsewhere = acr.http.get(location.replace("/v2/app/", "/v2/other/"), headers=acr.auth)
    assert oci_error(elsewhere)[1] == "BLOB_UPLOAD_UNKNOWN"
    assert acr.http.delete(location, headers=acr.auth).status_code == 204
    assert oci_error(acr.http.get(location, headers=acr.auth))[1] == "BLOB_UPLOAD_UNKNOWN"


def test_cross_repository_mount_and_its_fallback(acr: Acr) -> None:
    blob = upload(acr.http, "source", b"shared layer", acr.auth)
    mounted = acr.http.post("/v2/target/blobs/uploads/", params={"mount": blob, "from": "source"}, headers=acr.auth)
    assert mounted.status_code == 201 and mounted.headers["Location"] == f"/v2/target/blobs/{blob}"
    assert acr.http.get(f"/v2/target/blobs/{blob}", headers=acr.auth).content == b"shared layer"
    missing = acr.http.post("/v2/target/blobs/uploads/", params={"mount": digest(b"nope"), "from": "source"},
                            headers=acr.auth)
    assert missing.status_code == 202 and "/v2/target/blobs/uploads/" in missing.headers["Location"]


def test_mount_from_a_repository_the_token_does_not_cover_falls_back(acr: Acr) -> None:
    blob = upload(acr.http, "source", b"private layer", acr.auth)
    op = acr.local.emulator.operator
    headers = bearer_for(acr.http, LOGIN, op.client_id, op.client_secret, "repository:target:pull,push")
    fallback = acr.http.post("/v2/target/blobs/uploads/", params={"mount": blob, "from": "source"}, headers=headers)
    assert fallback.status_code == 202 and "/v2/target/blobs/uploads/" in fallback.headers["Location"]
    assert acr.http.head(f"/v2/target/blobs/{blob}", headers=acr.auth).status_code == 404


# unknown things and invalid names ----------------------------------------------------------------------
def test_unknown_blob_manifest_and_repository(acr: Acr) -> None:
    push_simple(acr.http, "app", "v1", acr.auth)
    blob = acr.http.get(f"/v2/app/blobs/{digest(b'absent')}", headers=acr.auth)
    assert oci_error(blob) == (404, "BLOB_UNKNOWN", "blob unknown to registry")
    by_digest = acr.http.get(f"/v2/app/manifests/{digest(b'absent')}", headers=acr.auth)
    assert oci_error(by_digest) == (404, "MANIFEST_UNKNOWN", "manifest unknown")
    by_tag = acr.http.get("/v2/app/manifests/x", headers=acr.auth)
    assert oci_error(by_tag) == (404, "MANIFEST_UNKNOWN", 'manifest tagged by "x" is not found')
    for path in ("/v2/nothing/manifests/v1", "/v2/nothing/tags/list", "/acr/v1/nothing/_tags"):
        assert oci_error(acr.http.get(path, headers=acr.auth)) == (
            404, "NAME_UNKNOWN", "repository name not known to registry"), path
    head = acr.http.head("/v2/app/manifests/x", headers=acr.auth)
    assert head.status_code == 404 and head.content == b""


def test_invalid_repository_names(acr: Acr) -> None:
    for name in ("App", "app..x", "app/-x", "-app", "a" * 256, "app/X", "app_-x"):
        response = acr.http.get(f"/v2/{name}/manifests/v1", headers=acr.auth)
        assert oci_error(response) == (400, "NAME_INVALID", "invalid repository name"), name
    assert oci_error(acr.http.get("/acr/v1/App/_tags", headers=acr.auth))[:2] == (400, "NAME_INVALID")


def test_invalid_references(acr: Acr) -> None:
    for reference in ("-v1", ".v1", "v" * 129, "v1!", "sha256:zz", "sha256:" + "a" * 63, "md5:" + "a" * 32):
        response = acr.http.put(f"/v2/app/manifests/{reference}", content=b"{}",
                                headers={**acr.auth, "Content-Type": OCI_MANIFEST})
        expected = "TAG_INVALID" if ":" not in reference else "DIGEST_INVALID"
        assert oci_error(response)[:2] == (400, expected), reference
    assert oci_error(acr.http.get("/v2/app/manifests/v1!", headers=acr.auth))[:2] == (400, "TAG_INVALID")


def test_manifest_referencing_a_missing_blob(acr: Acr) -> None:
    config = b'{"os":"linux"}'
    upload(acr.http, "app", config, acr.auth)
    body = image_manifest(config, [b"never uploaded"])
    response = put_manifest(acr.http, "app", "v1", body, OCI_MANIFEST, acr.auth)
    assert oci_error(response) == (400, "MANIFEST_BLOB_UNKNOWN", "blob unknown to registry")
    assert response.json()["errors"][0]["detail"] == {"digest": digest(b"never uploaded")}
    index = index_manifest([(OCI_MANIFEST, body)])
    assert oci_error(put_manifest(acr.http, "app", "multi", index, OCI_INDEX, acr.auth))[1] == \
        "MANIFEST_BLOB_UNKNOWN"


def test_oversized_and_malformed_manifests(acr: Acr) -> None:
    config = b'{"os":"linux"}'
    upload(acr.http, "app", config, acr.auth)
    huge = image_manifest(config, [], annotations={"pad": "x" * (4 * 1024 * 1024)})
    too_large = put_manifest(acr.http, "app", "v1", huge, OCI_MANIFEST, acr.auth)
    assert oci_error(too_large) == (413, "MANIFEST_INVALID", "manifest invalid: manifest is larger than 4194304 bytes")
    for body, kind in ((b"not json", OCI_MANIFEST), (b'{"schemaVersion":1}', OCI_MANIFEST),
                       (image_manifest(config, []), DOCKER_MANIFEST), (image_manifest(config, []), "text/plain")):
        assert oci_error(put_manifest(acr.http, "app", "v1", body, kind, acr.auth))[:2] == (400, "MANIFEST_INVALID")
    wrong_digest = put_manifest(acr.http, "app", digest(b"other"), image_manifest(config, []), OCI_MANIFEST, acr.auth)
    assert oci_error(wrong_digest)[:2] == (400, "DIGEST_INVALID")


def test_deeply_nested_manifest_is_manifest_invalid(acr: Acr) -> None:
    deep = b"[" * 100_000 + b"]" * 100_000
    for body in (deep, b'{"schemaVersion": 2, "annotations": {"a": ' + deep + b"}}"):
        refused = put_manifest(acr.http, "app", "v1", body, OCI_MANIFEST, acr.auth)
        assert oci_error(refused) == (400, "MANIFEST_INVALID", "manifest invalid")
        assert refused.json()["errors"][0]["detail"] == {"reason": "invalid character '[' exceeded max depth"}


def test_lone_surrogate_in_a_manifest_is_kept_and_read_back_as_a_replacement_character(acr: Acr) -> None:
    """distribution decodes with Go's encoding/json, which turns an unpaired ``\\ud800`` into U+FFFD."""
    subject = push_simple(acr.http, "app", "v1", acr.auth)
    empty = b"{}"
    upload(acr.http, "app", empty, acr.auth)
    body = image_manifest(empty, [], artifactType="application/spdx+json", annotations={"note": "HERE"},
                          subject={"mediaType": OCI_MANIFEST, "digest": digest(subject), "size": len(subject)})
    body = body.replace(b"HERE", b"a\\ud800b")
    assert put_manifest(acr.http, "app", digest(body), body, OCI_MANIFEST, acr.auth).status_code == 201
    assert acr.http.get(f"/v2/app/manifests/{digest(body)}", headers=acr.auth).content == body
    listed = acr.http.get(f"/v2/app/referrers/{digest(subject)}", headers=acr.auth)
    assert listed.status_code == 200
    assert [e["annotations"] for e in listed.json()["manifests"]] == [{"note": "a\ufffdb"}]


# tokens ---------------------------------------------------------------------------------------------------
def test_expired_tampered_and_foreign_tokens_get_the_challenge(acr: Acr) -> None:
    push_simple(acr.http, "app", "v1", acr.auth)
    create_registry(acr.local, "otherreg")
    op = acr.local.emulator.operator
    scope = "repository:app:pull"
    good = bearer_for(acr.http, LOGIN, op.client_id, op.client_secret, scope)
    assert acr.http.get("/v2/app/manifests/v1", headers=good).status_code == 200
    header, payload, signature = good["Authorization"].removeprefix("Bearer ").split(".")
    claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    claims["access"][0]["actions"] = ["*"]
    forged = base64.urlsafe_b64encode(json.dumps(claims).encode()).decode().rstrip("=")
    with TestClient(acr.local.emulator.asgi(), base_url="https://otherreg.azurecr.io") as other:
        foreign = bearer_for(other, "otherreg.azurecr.io", op.client_id, op.client_secret, scope)
    expected = CHALLENGE + f',scope="{scope}",error="invalid_token"'
    for token in (f"{header}.{forged}.{signature}", foreign["Authorization"].removeprefix("Bearer "), "garbage"):
        refused = acr.http.get("/v2/app/manifests/v1", headers={"Authorization": f"Bearer {token}"})
        assert refused.status_code == 401 and refused.headers.get_list("www-authenticate") == [expected]
        assert oci_error(refused)[1] == "UNAUTHORIZED"
    acr.local.clock.advance(4500 + LEEWAY_SECONDS + 1)
    expired = acr.http.get("/v2/app/manifests/v1", headers=good)
    assert expired.status_code == 401 and expired.headers["www-authenticate"] == expected


def test_token_lifetime_is_75_minutes_plus_the_leeway(acr: Acr) -> None:
    push_simple(acr.http, "app", "v1", acr.auth)
    op = acr.local.emulator.operator
    good = bearer_for(acr.http, LOGIN, op.client_id, op.client_secret, "repository:app:pull")
    acr.local.clock.advance(4500 + LEEWAY_SECONDS)
    assert acr.http.get("/v2/app/manifests/v1", headers=good).status_code == 200
    acr.local.clock.advance(1)
    assert acr.http.get("/v2/app/manifests/v1", headers=good).status_code == 401


def test_wrong_basic_credentials_and_a_star_scope_without_every_role(acr: Acr) -> None:
    push_simple(acr.http, "app", "v1", acr.auth)
    wrong = acr.http.get("/v2/app/manifests/v1", headers=basic(acr.local.emulator.operator.client_id, "nope"))
    assert wrong.status_code == 401 and oci_error(wrong)[1] == "UNAUTHORIZED"
    assert wrong.headers.get_list("www-authenticate") == ['Basic realm="Azure Container Registry"']
    puller = create_app(acr.local, "puller")
    assign(acr.local, puller.object_id, "AcrPull", acr.registry_id)
    only_star = acr.http.get("/oauth2/token", params={"service": LOGIN, "scope": "repository:app:*"},
                             headers=basic(puller.client_id, puller.secret))
    assert only_star.status_code == 401
    star = bearer_for(acr.http, LOGIN, puller.client_id, puller.secret, "repository:app:pull,*")
    payload = star["Authorization"].split(".")[1]
    claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    assert claims["access"] == [{"type": "repository", "name": "app", "actions": ["pull"]}]
    assert acr.http.get("/v2/app/manifests/v1", headers=star).status_code == 200
    assert acr.http.post("/v2/app/blobs/uploads/", headers=star).status_code == 401
    assert acr.http.delete("/v2/app/manifests/v1", headers=star).status_code == 401


# reads ------------------------------------------------------------------------------------------------------
def test_range_requests(acr: Acr) -> None:
    data = bytes(range(200))
    blob = upload(acr.http, "app", data, acr.auth)
    path = f"/v2/app/blobs/{blob}"
    part = acr.http.get(path, headers={**acr.auth, "Range": "bytes=10-19"})
    assert part.status_code == 206 and part.content == data[10:20]
    assert part.headers["Content-Range"] == "bytes 10-19/200" and part.headers["Content-Length"] == "10"
    assert acr.http.get(path, headers={**acr.auth, "Range": "bytes=-5"}).content == data[-5:]
    assert acr.http.get(path, headers={**acr.auth, "Range": "bytes=190-"}).content == data[190:]
    assert acr.http.get(path, headers={**acr.auth, "Range": "bytes=150-999"}).content == data[150:]
    for bad in ("bytes=200-", "bytes=50-10", "items=0-1", "bytes=-"):
        refused = acr.http.get(path, headers={**acr.auth, "Range": bad})
        assert refused.status_code == 416 and refused.headers["Content-Range"] == "bytes */200", bad
    head = acr.http.head(path, headers=acr.auth)
    assert head.headers["Content-Length"] == "200" and head.headers["Docker-Content-Digest"] == blob


def test_tag_list_and_catalog_pagination(acr: Acr) -> None:
    for tag in ("d", "a", "c", "b", "e"):
        push_simple(acr.http, "app", tag, acr.auth, seed=tag.encode())
    first = acr.http.get("/v2/app/tags/list", params={"n": 2}, headers=acr.auth)
    assert first.json() == {"name": "app", "tags": ["a", "b"]}
    assert first.headers["Link"] == '</v2/app/tags/list?last=b&n=2>; rel="next"'
    last = acr.http.get("/v2/app/tags/list", params={"n": 2, "last": "d"}, headers=acr.auth)
    assert last.json()["tags"] == ["e"] and "Link" not in last.headers
    assert acr.http.get("/v2/app/tags/list", headers=acr.auth).json()["tags"] == ["a", "b", "c", "d", "e"]
    for repo in ("zeta", "beta/one"):
        push_simple(acr.http, repo, "v1", acr.auth)
    page = acr.http.get("/v2/_catalog", params={"n": 2}, headers=acr.auth)
    assert page.json() == {"repositories": ["app", "beta/one"]}
    assert page.headers["Link"] == '</v2/_catalog?last=beta%2Fone&n=2>; rel="next"'
    rest = acr.http.get("/v2/_catalog", params={"n": 2, "last": "beta/one"}, headers=acr.auth)
    assert rest.json() == {"repositories": ["zeta"]} and "Link" not in rest.headers
    anonymous = acr.http.get("/v2/_catalog")
    assert anonymous.headers["www-authenticate"] == CHALLENGE + ',scope="registry:catalog:*"'


def test_referrers_with_and_without_artifact_type(acr: Acr) -> None:
    subject = push_simple(acr.http, "app", "v1", acr.auth)
    described = {"mediaType": OCI_MANIFEST, "digest": digest(subject), "size": len(subject)}
    empty = b"{}"
    upload(acr.http, "app", empty, acr.auth)
    sbom = image_manifest(empty, [], artifactType="application/spdx+json", subject=described,
                          annotations={"org.example": "sbom"})
    signature = image_manifest(empty, [], artifactType="application/vnd.cncf.notary.signature", subject=described)
    for body in (sbom, signature):
        put = put_manifest(acr.http, "app", digest(body), body, OCI_MANIFEST, acr.auth)
        assert put.status_code == 201 and put.headers["OCI-Subject"] == digest(subject)
    listed = acr.http.get(f"/v2/app/referrers/{digest(subject)}", headers=acr.auth)
    assert listed.headers["content-type"] == OCI_INDEX and "OCI-Filters-Applied" not in listed.headers
    entries = listed.json()["manifests"]
    assert sorted(e["digest"] for e in entries) == sorted([digest(sbom), digest(signature)])
    filtered = acr.http.get(f"/v2/app/referrers/{digest(subject)}", params={"artifactType": "application/spdx+json"},
                            headers=acr.auth)
    assert filtered.headers["OCI-Filters-Applied"] == "artifactType"
    assert filtered.json()["manifests"] == [{"mediaType": OCI_MANIFEST, "digest": digest(sbom), "size": len(sbom),
                                             "artifactType": "application/spdx+json",
                                             "annotations": {"org.example": "sbom"}}]
    none = acr.http.get(f"/v2/app/referrers/{digest(b'no subject')}", headers=acr.auth)
    assert none.status_code == 200 and none.json()["manifests"] == []


# deletes and manifest kinds -------------------------------------------------------------------------------
def test_manifest_delete_by_tag_and_by_digest_and_blob_delete(acr: Acr) -> None:
    body = push_simple(acr.http, "app", "v1", acr.auth)
    put_manifest(acr.http, "app", "v2", body, OCI_MANIFEST, acr.auth)
    assert acr.http.delete("/v2/app/manifests/v1", headers=acr.auth).status_code == 202
    gone = acr.http.get("/v2/app/manifests/v1", headers=acr.auth)
    assert oci_error(gone)[2] == 'manifest tagged by "v1" is not found'
    assert acr.http.get("/v2/app/manifests/v2", headers=acr.auth).status_code == 200
    assert acr.http.delete(f"/v2/app/manifests/{digest(body)}", headers=acr.auth).status_code == 202
    assert oci_error(acr.http.get("/v2/app/manifests/v2", headers=acr.auth))[1] == "MANIFEST_UNKNOWN"
    assert oci_error(acr.http.get(f"/v2/app/manifests/{digest(body)}", headers=acr.auth))[1] == "MANIFEST_UNKNOWN"
    again = acr.http.delete(f"/v2/app/manifests/{digest(body)}", headers=acr.auth)
    assert oci_error(again)[:2] == (404, "MANIFEST_UNKNOWN")
    layer = digest(b"layer-x")
    assert acr.http.delete(f"/v2/app/blobs/{layer}", headers=acr.auth).status_code == 202
    assert acr.http.head(f"/v2/app/blobs/{layer}", headers=acr.auth).status_code == 404
    assert oci_error(acr.http.delete(f"/v2/app/blobs/{layer}", headers=acr.auth))[1] == "BLOB_UNKNOWN"


@pytest.mark.parametrize(("child_type", "list_type"), [(DOCKER_MANIFEST, DOCKER_LIST), (OCI_MANIFEST, OCI_INDEX)])
def test_image_manifests_and_their_lists(acr: Acr, child_type: str, list_type: str) -> None:
    children = []
    for arch in ("amd64", "arm64"):
        config, layer = json.dumps({"architecture": arch, "os": "linux"}).encode(), f"rootfs-{arch}".encode()
        upload(acr.http, "multi", config, acr.auth)
        upload(acr.http, "multi", layer, acr.auth)
        body = image_manifest(config, [layer], media_type=child_type)
        assert put_manifest(acr.http, "multi", digest(body), body, child_type, acr.auth).status_code == 201
        children.append((child_type, body))
    index = index_manifest(children, media_type=list_type)
    created = put_manifest(acr.http, "multi", "latest", index, list_type, acr.auth)
    assert created.status_code == 201 and created.headers["Docker-Content-Digest"] == digest(index)
    got = acr.http.get("/v2/multi/manifests/latest", headers={**acr.auth, "Accept": list_type})
    assert got.content == index and got.headers["content-type"] == list_type
    child = acr.http.get(f"/v2/multi/manifests/{digest(children[1][1])}", headers=acr.auth)
    assert child.content == children[1][1] and child.headers["content-type"] == child_type


# over sockets, against a served emulator -------------------------------------------------------------------
def test_upload_cut_off_halfway_then_resumed(served: Served) -> None:
    wire, values, auth = wire_for(served)
    login = served_registry(wire, values, "wirecutoff")
    data = os.urandom(1 << 20)
    with wire.client(login) as http:
        location = http.post("/v2/app/blobs/uploads/", headers=auth).headers["Location"]
        send_partial_patch(wire, login, location, auth, len(data), 0, data[: len(data) // 2]).close()
        assert http.head(f"/v2/app/blobs/{digest(data)}", headers=auth).status_code == 404
        assert http.get(location, headers=auth).headers["Range"] == "0-0"
        resumed = http.patch(location, content=data, headers={**auth, "Content-Range": f"0-{len(data) - 1}"})
        assert resumed.status_code == 202 and resumed.headers["Range"] == f"0-{len(data) - 1}"
        assert http.put(location, params={"digest": digest(data)}, headers=auth).status_code == 201
        assert digest(http.get(f"/v2/app/blobs/{digest(data)}", headers=auth).content) == digest(data)


def test_two_clients_push_the_same_blob_at_once(served: Served) -> None:
    wire, values, auth = wire_for(served)
    login = served_registry(wire, values, "wireconcurrent")
    layer, config = os.urandom(3 << 20), b'{"architecture":"amd64","os":"linux"}'
    barrier = threading.Barrier(4)

    def push(number: int) -> int:
        with wire.client(login) as http:
            repo = f"team{number % 2}/app"
            upload(http, repo, config, auth)
            location = http.post(f"/v2/{repo}/blobs/uploads/", headers=auth).headers["Location"]
            barrier.wait(timeout=30)
            patched = http.patch(location, content=layer, headers=auth)
            assert patched.status_code == 202, patched.text
            done = http.put(location, params={"digest": digest(layer)}, headers=auth)
            assert done.status_code == 201, done.text
            return put_manifest(http, repo, f"v{number}", image_manifest(config, [layer]), OCI_MANIFEST,
                                auth).status_code

    with ThreadPoolExecutor(max_workers=4) as pool:
        assert list(pool.map(push, range(4))) == [201] * 4
    with wire.client(login) as http:
        for repo in ("team0/app", "team1/app"):
            got = http.get(f"/v2/{repo}/blobs/{digest(layer)}", headers=auth)
            assert got.status_code == 200 and digest(got.content) == digest(layer)


def test_kill_9_during_a_push_then_restart(tmp_path: Path) -> None:
    process = start_served(tmp_path / "data")
    try:
        wire, values, auth = wire_for(process)
        login = served_registry(wire, values, "wirecrash")
        data = os.urandom(2 << 20)
        with wire.client(login) as http:
            committed = push_simple(http, "app", "v1", auth)
            location = http.post("/v2/app/blobs/uploads/", headers=auth).headers["Location"]
            half = len(data) // 2
            assert http.patch(location, content=data[:half], headers=auth).headers["Range"] == f"0-{half - 1}"
        tunnel = send_partial_patch(wire, login, location, auth, len(data) - half, half, data[half:half + 65536])
        process.process.kill()
        process.process.wait(timeout=30)
        tunnel.close()
        process = start_served(tmp_path / "data")
        wire, _, _ = wire_for(process)
        with wire.client(login) as http:
            assert_intact(http, auth, committed)
            assert http.get(location, headers=auth).headers["Range"] == f"0-{half - 1}"
            rest = http.patch(location, content=data[half:],
                              headers={**auth, "Content-Range": f"{half}-{len(data) - 1}"})
            assert rest.status_code == 202, rest.text
            assert http.put(location, params={"digest": digest(data)}, headers=auth).status_code == 201
            assert digest(http.get(f"/v2/app/blobs/{digest(data)}", headers=auth).content) == digest(data)
    finally:
        stop_served(process)


def assert_intact(http: httpx.Client, auth: dict[str, str], manifest: bytes) -> None:
    """The manifest committed before the crash, and every blob it names, verify by digest."""
    got = http.get("/v2/app/manifests/v1", headers={**auth, "Accept": OCI_MANIFEST})
    assert got.status_code == 200 and got.content == manifest
    assert got.headers["Docker-Content-Digest"] == digest(manifest)
    document = json.loads(manifest)
    for descriptor in (document["config"], *document["layers"]):
        blob = http.get(f"/v2/app/blobs/{descriptor['digest']}", headers=auth)
        assert digest(blob.content) == descriptor["digest"] and len(blob.content) == descriptor["size"]
