"""Fuzzing the registry's data plane over HTTP in process: random paths, methods, headers and bodies;
chunked uploads with any ``Content-Range`` and ``Range``; the token endpoints with any form. Every
answer is below 500 and every error is an OCI ``{"errors":[…]}`` body (empty for HEAD)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlencode

import pytest
from hypothesis import example, given
from hypothesis import strategies as st
from starlette.testclient import TestClient

from tests.conftest import Local, make_local
from tests.fuzzing import (
    LATIN1_HEADERS,
    METHODS,
    budget,
    json_bodies,
    mutated,
    no_server_error,
    oci_error,
    routing_text,
)
from tests.registry.support import basic, create_registry, digest, push_image

LOGIN = "acrhttp.azurecr.io"
RANGES = st.one_of(st.sampled_from(["0-0", "0-4", "bytes=0-4", "bytes 0-4/5", "bytes 0-4/*", "5-9", "0-", "-1",
                                    "1-0", "0-99999999999999999999", "²-³", "bytes=0-0,2-3", "", " 0-4 ",
                                    "0-4/abc", "bytes=-", "bytes=9-", "bytes=-3"]),
                   st.tuples(st.integers(-2, 12), st.integers(-2, 12)).map(lambda t: f"{t[0]}-{t[1]}"),
                   st.text(max_size=16))


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Local, TestClient, dict[str, str], str]]:
    local = make_local(Path(tmp_path_factory.mktemp("acrfuzz")))
    create_registry(local, "acrhttp")
    op = local.emulator.operator
    acr = TestClient(local.emulator.asgi(), base_url=f"https://{LOGIN}", raise_server_exceptions=False)
    token = acr.get("/oauth2/token", params={"service": LOGIN, "scope": "repository:app:*"},
                    headers=basic(op.client_id, op.client_secret)).json()["access_token"]
    auth = {"Authorization": f"Bearer {token}"}
    manifest = push_image(acr, "app", "v1", auth)
    yield local, acr, auth, manifest
    local.emulator.close()


def _check(response: Any, method: str) -> None:
    no_server_error(response)
    if response.status_code >= 400 and not routing_text(response):
        oci_error(response, method)


@st.composite
def registry_paths(draw: st.DrawFn, manifest: str) -> str:
    repo = draw(st.sampled_from(["app", "other", "App", "a/b/c", "-x", "a" * 300, "%2e%2e", "app/"])
                | st.text(max_size=10).map(lambda s: quote(s, safe="/")))
    ref = draw(st.sampled_from(["v1", manifest, digest(b"layer-one"), "sha256:" + "0" * 64, "sha256:zz", "latest",
                                "sha512:" + "a" * 128, "", "list", "uuid", "..", "x" * 200])
               | st.text(max_size=10).map(lambda s: quote(s, safe="")))
    kind = draw(st.sampled_from(["manifests", "blobs", "blobs/uploads", "tags", "referrers", "nothing"]))
    return draw(st.sampled_from([f"/v2/{repo}/{kind}/{ref}", f"/v2/{repo}/{kind}/", "/v2/", "/v2/_catalog",
                                 f"/acr/v1/{repo}", f"/acr/v1/{repo}/_tags/{ref}", f"/acr/v1/{repo}/_manifests/{ref}",
                                 "/acr/v1/_catalog", f"/v2/{repo}/tags/list", "/oauth2/exchange", "/nothing"]))


@budget(1.0)
@given(st.data(), METHODS, LATIN1_HEADERS, st.booleans(), json_bodies() | st.binary(max_size=64),
       st.dictionaries(st.sampled_from(["n", "last", "digest", "mount", "from", "orderby", "artifactType"]),
                       st.sampled_from(["1", "0", "-1", "²", "99999999999999999999", "app", "timedesc", ""]),
                       max_size=3))
def test_random_requests(world: tuple[Local, TestClient, dict[str, str], str], data: st.DataObject, method: str,
                         headers: dict[str, Any], authenticated: bool, body: bytes, query: dict[str, str]) -> None:
    _, acr, auth, manifest = world
    path = data.draw(registry_paths(manifest))
    if authenticated:
        headers = {**headers, **auth}
    response = acr.request(method, path, params=query, headers=headers,
                           content=body if method in ("PUT", "POST", "PATCH") else None)
    _check(response, method)


@budget(1.0)
@given(RANGES, st.binary(max_size=12), st.booleans(), st.sampled_from(["digest", "wrong", "none", "bad"]))
@example("0-4", b"hello", True, "digest")
@example("²-³", b"hello", False, "none")
def test_chunked_uploads(world: tuple[Local, TestClient, dict[str, str], str], content_range: str, chunk: bytes,
                         declare_length: bool, finish: str) -> None:
    _, acr, auth, _ = world
    started = acr.post("/v2/app/blobs/uploads/", headers=auth)
    assert started.status_code == 202, started.text
    location = started.headers["Location"]
    headers = {k.encode(): v.encode() for k, v in auth.items()}
    headers[b"Content-Range"] = content_range.encode("utf-8")
    if not declare_length:
        headers[b"Content-Length"] = b"7"
    patched = acr.patch(location, content=chunk, headers=headers)
    _check(patched, "PATCH")
    wanted = {"digest": digest(chunk), "wrong": digest(chunk + b"!"), "none": None, "bad": "sha256:xyz"}[finish]
    done = acr.put(location, params={"digest": wanted} if wanted else {}, headers=auth)
    _check(done, "PUT")
    if patched.status_code == 202 and done.status_code == 201:
        got = acr.get(f"/v2/app/blobs/{digest(chunk)}", headers=auth)
        assert got.status_code == 200 and got.content == chunk


@budget(1.0)
@given(RANGES, st.sampled_from(["GET", "HEAD"]))
def test_blob_ranges(world: tuple[Local, TestClient, dict[str, str], str], wanted: str, method: str) -> None:
    _, acr, auth, _ = world
    headers = {k.encode(): v.encode() for k, v in auth.items()}
    headers[b"Range"] = wanted.encode("utf-8")
    response = acr.request(method, f"/v2/app/blobs/{digest(b'layer-one')}", headers=headers)
    _check(response, method)
    if response.status_code == 206 and method == "GET":
        first, _, last = response.headers["Content-Range"].removeprefix("bytes ").partition("/")[0].partition("-")
        assert response.content == b"layer-one"[int(first):int(last) + 1]


@budget(1.0)
@given(st.fixed_dictionaries({}, optional={
    k: st.sampled_from(["refresh_token", "access_token", "password", "", LOGIN, "x", "repository:app:pull",
                        "00000000-0000-0000-0000-000000000000", "a.b.c"]) | st.text(max_size=10)
    for k in ("grant_type", "service", "scope", "refresh_token", "access_token", "username", "password",
              "tenant")}), st.sampled_from(["/oauth2/token", "/oauth2/exchange"]), st.sampled_from(["POST", "GET"]))
def test_token_forms(world: tuple[Local, TestClient, dict[str, str], str], form: dict[str, str], path: str,
                     method: str) -> None:
    _, acr, _, _ = world
    if method == "GET":
        response = acr.get(path, params=form)
    else:
        response = acr.post(path, content=urlencode(form).encode(),
                            headers={"Content-Type": "application/x-www-form-urlencoded"})
    _check(response, method)


@budget(1.0)
@given(st.data())
def test_mutated_manifest_puts(world: tuple[Local, TestClient, dict[str, str], str], data: st.DataObject) -> None:
    _, acr, auth, manifest = world
    body = acr.get(f"/v2/app/manifests/{manifest}", headers={**auth, "Accept": "application/vnd.oci.image.manifest"
                                                                               ".v1+json"}).content
    mangled = data.draw(mutated(body))
    response = acr.put("/v2/app/manifests/fuzz", content=mangled,
                       headers={**auth, "Content-Type": "application/vnd.oci.image.manifest.v1+json"})
    _check(response, "PUT")


@pytest.mark.parametrize("path", ["/v2/_catalog?n=%C2%B2", "/v2/app/tags/list?n=%C2%B2",
                                  "/acr/v1/app/_tags?n=%C2%B2", "/acr/v1/_catalog?n=%C2%B2"])
def test_non_ascii_page_sizes_are_ignored(world: tuple[Local, TestClient, dict[str, str], str], path: str) -> None:
    local, acr, _, _ = world
    op = local.emulator.operator
    response = acr.get(path, headers=basic(op.client_id, op.client_secret))
    assert response.status_code == 200, response.text


def test_manifest_with_a_non_object_subject_is_invalid(world: tuple[Local, TestClient, dict[str, str], str]) -> None:
    _, acr, auth, _ = world
    body = json.dumps({"schemaVersion": 2, "mediaType": "application/vnd.oci.image.index.v1+json", "manifests": [],
                       "subject": {"digest": ["x"]}}).encode()
    response = acr.put("/v2/app/manifests/bad", content=body,
                       headers={**auth, "Content-Type": "application/vnd.oci.image.index.v1+json"})
    assert response.status_code == 400
    assert response.json()["errors"][0]["code"] == "MANIFEST_INVALID"


def test_a_path_no_route_takes_is_an_oci_error(world: tuple[Local, TestClient, dict[str, str], str]) -> None:
    _, acr, auth, _ = world
    response = acr.get("/v2/app/manifests/a%0Ab", headers=auth)
    assert response.status_code == 404, response.text
    assert response.json()["errors"][0]["code"] == "NOT_FOUND"


def test_an_access_token_is_no_refresh_token(world: tuple[Local, TestClient, dict[str, str], str]) -> None:
    _, acr, auth, _ = world
    access = auth["Authorization"].removeprefix("Bearer ")
    response = acr.get("/oauth2/token", params={"service": LOGIN, "scope": "repository:app:pull"},
                       headers=basic("00000000-0000-0000-0000-000000000000", access))
    assert response.status_code == 401
