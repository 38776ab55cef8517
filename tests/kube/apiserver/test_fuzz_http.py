"""Fuzzing a cluster's API server over HTTP in process: random resource paths, query parameters, media
types, object bodies (JSON and protobuf), patches and delete options. Every answer is below 500 and
every error is a ``Status``. (Watches stream for ``timeoutSeconds`` of real time: the watch guards below
use their own bounded requests.)"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest
from hypothesis import given
from hypothesis import strategies as st
from starlette.testclient import TestClient

from pullproof.core.errors import ServiceError
from pullproof.kube.apiserver.logs import _tail
from pullproof.kube.apiserver.options import timeout_seconds
from pullproof.kube.storage.clusters import Clusters
from tests.conftest import Local, make_local
from tests.fuzzing import LATIN1_HEADERS, budget, json_bodies, json_values, kube_status, no_server_error
from tests.kube.api_support import HOST, SMP, TOKEN, deployment, pod

RESOURCES = st.sampled_from([("", "v1", "configmaps"), ("", "v1", "secrets"), ("", "v1", "pods"),
                             ("", "v1", "namespaces"), ("", "v1", "serviceaccounts"), ("", "v1", "events"),
                             ("", "v1", "nodes"), ("apps", "v1", "deployments"), ("apps", "v1", "replicasets"),
                             ("", "v1", "nothing"), ("apps", "v2", "deployments"), ("batch", "v1", "jobs")])
NAMES = st.sampled_from(["cm", "guestbook", "default", "kube-system", "x" * 300, "UPPER", "a.b", "-", "..", "p"]) \
    | st.text(max_size=8).map(lambda s: quote(s, safe="") or "x")
SUBRESOURCES = st.sampled_from(["", "status", "scale", "log", "exec", "finalize", "binding", "nothing"])
QUERY = st.dictionaries(
    st.sampled_from(["labelSelector", "fieldSelector", "limit", "continue", "resourceVersion", "dryRun",
                     "fieldManager", "propagationPolicy", "gracePeriodSeconds", "container", "tailLines",
                     "limitBytes", "previous", "pretty", "force", "fieldValidation", "timestamps"]),
    st.sampled_from(["", "0", "1", "-1", "²", "99999999999999999999", "app=guestbook", "app in (a,b)", "!app",
                     "metadata.name=p", "status.phase!=Running", "All", "Foreground", "Orphan", "true", "abc",
                     "a=b,c!=d", "=", "x in ()", "kubectl"]) | st.text(max_size=10), max_size=3)
AUTH = {"Authorization": f"Bearer {TOKEN}"}
CONTENT_TYPES = st.sampled_from(["application/json", "application/yaml", "application/vnd.kubernetes.protobuf",
                                 "application/strategic-merge-patch+json", "application/merge-patch+json",
                                 "application/json-patch+json", "application/apply-patch+yaml", "text/plain",
                                 "application/apply-patch+cbor", ""])


def objects() -> st.SearchStrategy[bytes]:
    meta = st.fixed_dictionaries({}, optional={"name": NAMES | json_values(), "namespace": NAMES | json_values(),
                                               "labels": json_values(), "annotations": json_values(),
                                               "resourceVersion": json_values(), "finalizers": json_values(),
                                               "ownerReferences": json_values(), "generateName": json_values()})
    shaped = st.fixed_dictionaries({"metadata": meta}, optional={
        "apiVersion": st.sampled_from(["v1", "apps/v1", "x"]) | json_values(),
        "kind": st.sampled_from(["ConfigMap", "Pod", "Deployment", "Secret", "Status"]) | json_values(),
        "data": json_values(), "stringData": json_values(), "spec": json_values(), "status": json_values(),
        "type": json_values(), "immutable": json_values(), "binaryData": json_values()})
    seeds = st.sampled_from([pod("p"), deployment(), {"apiVersion": "v1", "kind": "ConfigMap",
                                                      "metadata": {"name": "cm"}, "data": {"a": "b"}}])
    return st.one_of(shaped.map(lambda d: json.dumps(d).encode()), seeds.map(lambda d: json.dumps(d).encode()),
                     json_bodies())


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Local, TestClient]]:
    local = make_local(Path(tmp_path_factory.mktemp("kubefuzz")))
    local.emulator.clusters.open("/subscriptions/s/resourcegroups/rg/providers/microsoft.containerservice/"
                                 "managedclusters/mycluster", HOST, {"clusterUser": Clusters.token_digest(TOKEN)},
                                 "1.32.4")
    client = TestClient(local.emulator.asgi(), base_url=f"https://{HOST}", raise_server_exceptions=False)
    for body in (pod("p"), deployment()):
        kind = "pods" if body["kind"] == "Pod" else "deployments"
        prefix = "/api/v1" if kind == "pods" else "/apis/apps/v1"
        client.post(f"{prefix}/namespaces/default/{kind}", json=body, headers={"Authorization": f"Bearer {TOKEN}"})
    yield local, client
    local.emulator.close()


def _check(response: Any, method: str) -> None:
    no_server_error(response)
    if response.status_code >= 400 and method != "HEAD":
        kube_status(response)


@st.composite
def paths(draw: st.DrawFn) -> str:
    group, version, resource = draw(RESOURCES)
    prefix = f"/apis/{group}/{version}" if group else f"/api/{version}"
    name, sub = draw(NAMES), draw(SUBRESOURCES)
    namespace = draw(st.sampled_from(["default", "kube-system", "nope", ""]))
    scoped = f"/namespaces/{namespace}" if namespace else ""
    tail = f"/{resource}" + (f"/{name}" if draw(st.booleans()) else "") + (f"/{sub}" if sub else "")
    return draw(st.sampled_from([f"{prefix}{scoped}{tail}", f"{prefix}{tail}", prefix, "/api", "/apis",
                                 f"/apis/{group or 'core'}", "/version", "/healthz/x", "/openapi/v3/api/v1",
                                 "/openapi/v2", "/nothing"]))


@budget(1.0)
@given(paths(), st.sampled_from(["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"]), QUERY, objects(),
       CONTENT_TYPES, LATIN1_HEADERS, st.booleans())
def test_random_requests(world: tuple[Local, TestClient], path: str, method: str, query: dict[str, str], body: bytes,
                         content_type: str, headers: dict[str, Any], authenticated: bool) -> None:
    _, client = world
    headers = {**headers, "Content-Type": content_type}
    if authenticated:
        headers["Authorization"] = f"Bearer {TOKEN}"
    response = client.request(method, path, params=query, headers=headers,
                              content=body if method in ("POST", "PUT", "PATCH", "DELETE") else None)
    _check(response, method)


@budget(1.0)
@given(objects(), st.sampled_from(["configmaps", "pods", "secrets"]), st.sampled_from(["POST", "PUT"]))
def test_object_bodies(world: tuple[Local, TestClient], body: bytes, resource: str, method: str) -> None:
    _, client = world
    path = f"/api/v1/namespaces/default/{resource}" + ("/cm" if method == "PUT" else "")
    response = client.request(method, path, content=body, headers={"Authorization": f"Bearer {TOKEN}",
                                                                  "Content-Type": "application/json"})
    _check(response, method)


@budget(1.0)
@given(st.one_of(objects(), st.lists(st.fixed_dictionaries(
    {"op": st.sampled_from(["add", "remove", "replace", "move", "copy", "test"]),
     "path": st.sampled_from(["/metadata/labels/x", "/spec/containers/0/image", "/spec/containers/-", "/metadata",
                              "/metadata/name/x", "/spec/replicas", "/status", ""])},
    optional={"value": json_values(), "from": st.sampled_from(["/metadata/labels", "/spec"])}),
    max_size=3).map(lambda ops: json.dumps(ops).encode())), CONTENT_TYPES,
    st.sampled_from(["pods/p", "deployments/guestbook-app", "deployments/guestbook-app/scale",
                     "deployments/guestbook-app/status", "pods/p/status"]))
def test_patches(world: tuple[Local, TestClient], body: bytes, content_type: str, target: str) -> None:
    _, client = world
    prefix = "/apis/apps/v1" if target.startswith("deployments") else "/api/v1"
    response = client.patch(f"{prefix}/namespaces/default/{target}", content=body,
                            headers={"Authorization": f"Bearer {TOKEN}", "Content-Type": content_type or SMP})
    _check(response, "PATCH")


@pytest.mark.parametrize("query", ["limit=%C2%B2", "watch=1&resourceVersion=%C2%B2"])
def test_non_ascii_numbers_are_bad_requests(world: tuple[Local, TestClient], query: str) -> None:
    _, client = world
    response = client.get(f"/api/v1/namespaces/default/configmaps?{query}", headers=AUTH)
    assert response.status_code == 400
    kube_status(response)


@pytest.mark.parametrize(("lines", "limit"), [("²", None), (None, "²"), ("-²", None)])
def test_non_ascii_log_limits_are_ignored(lines: str | None, limit: str | None) -> None:
    assert _tail("a\nb\n", lines, limit) == "a\nb\n"


def test_non_ascii_watch_timeout_is_a_bad_request() -> None:
    assert timeout_seconds({"timeoutSeconds": "7"}, 60.0) == 7.0
    with pytest.raises(ServiceError) as caught:
        timeout_seconds({"timeoutSeconds": "²"}, 60.0)
    assert caught.value.status == 400


@pytest.mark.parametrize("query", ["labelSelector=((((", "resourceVersion=abc"])
def test_malformed_selectors_and_versions_are_bad_requests(world: tuple[Local, TestClient], query: str) -> None:
    _, client = world
    response = client.get(f"/api/v1/namespaces/default/configmaps?{query}", headers=AUTH)
    assert response.status_code == 400


def test_configmap_over_one_mebibyte_is_invalid(world: tuple[Local, TestClient]) -> None:
    _, client = world
    big = {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "big"}, "data": {"a": "x" * ((1 << 20) + 1)}}
    response = client.post("/api/v1/namespaces/default/configmaps", json=big,
                           headers={"Authorization": f"Bearer {TOKEN}"})
    assert response.status_code == 422


@pytest.mark.parametrize(("target", "body", "content_type"), [
    ("deployments/guestbook-app/status", {"status": [1]}, "application/merge-patch+json"),
    ("deployments/guestbook-app/status", [{"op": "replace", "path": "/status", "value": "x"}],
     "application/json-patch+json"),
    ("deployments/guestbook-app/scale", {"spec": [1]}, "application/merge-patch+json"),
    ("deployments/guestbook-app/scale", [{"op": "replace", "path": "", "value": [1]}], "application/json-patch+json"),
])
def test_subresource_patches_of_the_wrong_shape_are_refused(world: tuple[Local, TestClient], target: str, body: Any,
                                                            content_type: str) -> None:
    _, client = world
    url = f"/apis/apps/v1/namespaces/default/{target}"
    response = client.patch(url, content=json.dumps(body).encode(), headers={**AUTH, "Content-Type": content_type})
    assert 400 <= response.status_code < 500, response.text
    kube_status(response)
    scale = client.get("/apis/apps/v1/namespaces/default/deployments/guestbook-app/scale", headers=AUTH)
    assert scale.status_code == 200, scale.text


def test_a_path_no_route_takes_is_a_status(world: tuple[Local, TestClient]) -> None:
    _, client = world
    response = client.get("/api/v1/x%0Ay", headers=AUTH)
    assert response.status_code == 404, response.text
    kube_status(response)
