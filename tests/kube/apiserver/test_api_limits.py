"""Request bodies and object sizes at the API server's limits: nesting, Unicode, the 3 MiB body,
1 MiB of Secret/ConfigMap data, 256 KiB of annotations, etcd's 1.5 MiB per object."""

from __future__ import annotations

import base64
import json
from typing import Any

import pytest

from pullproof.core.jsonbody import MAX_DEPTH
from pullproof.kube.apiserver.protobuf import ProtobufCodec
from tests.conftest import Local
from tests.kube.api_support import SMP, TOKEN, api, pod
from tests.kube.apiserver.test_api_protobuf import PROTOBUF, _bytes, _text, envelope

CONFIGMAPS = "/api/v1/namespaces/default/configmaps"
SECRETS = "/api/v1/namespaces/default/secrets"
DEEP = b"[" * 100_000 + b"]" * 100_000
DEPTH_MESSAGE = "error decoding request body: invalid character '{}' exceeded max depth"
MIB = 1024 * 1024


def _send(k: Any, method: str, path: str, content: bytes, content_type: str = "application/json") -> Any:
    return k.client.request(method, path, content=content,
                            headers={"Authorization": f"Bearer {TOKEN}", "Content-Type": content_type})


def _status(response: Any) -> tuple[int, str, str]:
    body = response.json()
    assert body["kind"] == "Status" and body["code"] == response.status_code
    return response.status_code, body.get("reason", ""), body["message"]


@pytest.mark.parametrize(("method", "path", "content_type"), [
    ("POST", CONFIGMAPS, "application/json"),
    ("PUT", f"{CONFIGMAPS}/cm", "application/json"),
    ("PATCH", f"{CONFIGMAPS}/cm", SMP),
    ("PATCH", f"{CONFIGMAPS}/cm", "application/merge-patch+json"),
    ("PATCH", f"{CONFIGMAPS}/cm", "application/json-patch+json"),
    ("PATCH", f"{CONFIGMAPS}/cm", "application/apply-patch+yaml"),
    ("PUT", "/api/v1/namespaces/default/pods/web/status", "application/json"),
    ("PUT", "/apis/apps/v1/namespaces/default/deployments/d/scale", "application/json"),
    ("DELETE", f"{CONFIGMAPS}/cm", "application/json"),
])
def test_deep_json_is_a_bad_request_status(local: Local, method: str, path: str, content_type: str) -> None:
    with api(local) as k:
        k.post(CONFIGMAPS, {"metadata": {"name": "cm"}, "data": {"k": "v"}})
        k.post("/api/v1/namespaces/default/pods", pod("web"))
        for body, char in ((DEEP, "["), (b'{"metadata": {"name": "cm"}, "data": ' + b'{"a":' * 200 + b"1" + b"}" * 201,
                                         "{")):
            assert _status(_send(k, method, path, body, content_type)) == (
                400, "BadRequest", DEPTH_MESSAGE.format(char))
        assert k.get(f"{CONFIGMAPS}/cm").json()["data"] == {"k": "v"}


def test_nesting_up_to_the_limit_is_served(local: Local) -> None:
    """The limit leaves room for the copies, merges and encodings an object goes through."""
    fields: Any = {}
    for _ in range(MAX_DEPTH - 5):
        fields = {"f:x": fields}
    managed = [{"manager": "m", "operation": "Update", "apiVersion": "v1", "fieldsType": "FieldsV1",
                "fieldsV1": fields}]
    with api(local) as k:
        created = k.post(CONFIGMAPS, {"metadata": {"name": "deep", "managedFields": managed}, "data": {"a": "b"}})
        assert created.status_code == 201, created.text
        patched = k.patch(f"{CONFIGMAPS}/deep", {"metadata": {"managedFields": managed}, "data": {"a": "c"}})
        assert patched.status_code == 200, patched.text


def test_lone_surrogates_become_replacement_characters_as_in_go(local: Local) -> None:
    with api(local) as k:
        body = b'{"metadata": {"name": "cm", "annotations": {"note": "\\udc00"}}, "data": {"k": "a\\ud800b"}}'
        created = _send(k, "POST", CONFIGMAPS, body)
        assert created.status_code == 201, created.text
        stored = k.get(f"{CONFIGMAPS}/cm").json()
        assert stored["data"] == {"k": "a\ufffdb"} and stored["metadata"]["annotations"] == {"note": "\ufffd"}
        patched = _send(k, "PATCH", f"{CONFIGMAPS}/cm", b'{"data": {"k": "\\ud83d\\ude00 \\udbff"}}', SMP)
        assert patched.json()["data"] == {"k": "\U0001F600 \ufffd"}


def test_protobuf_bodies_with_deep_embedded_json_are_refused(local: Local) -> None:
    entry = _text(1, "kubectl") + _bytes(7, _bytes(1, DEEP))
    raw = _bytes(1, _text(1, "cm") + _bytes(17, entry)) + _bytes(2, _text(1, "k") + _bytes(2, b"v"))
    with api(local) as k:
        refused = _send(k, "POST", CONFIGMAPS, envelope("v1", "ConfigMap", raw), PROTOBUF)
        assert _status(refused) == (400, "BadRequest", "failed to decode protobuf body: embedded JSON does not "
                                                       "decode: The JSON nests deeper than 128 levels.")


def test_the_protobuf_schema_has_no_recursive_message() -> None:
    """The decoder recurses once per nested message, so an acyclic schema bounds its depth."""
    schema = ProtobufCodec().schema

    def children(name: str) -> set[str]:
        kinds = [spec[1] for spec in schema[name].values()]
        return {k.rsplit("m:", 1)[1] for k in kinds if "m:" in k and k.rsplit("m:", 1)[1] in schema}

    depth: dict[str, int] = {}
    for root in sorted(schema):
        stack, path = [(root, iter(sorted(children(root))))], [root]
        while stack:
            name, pending = stack[-1]
            child = next(pending, None)
            if child is None:
                depth[name] = 1 + max((depth[c] for c in children(name)), default=0)
                stack.pop()
                path.pop()
            elif child in path:
                raise AssertionError(f"recursive message: {' -> '.join([*path, child])}")
            elif child not in depth:
                stack.append((child, iter(sorted(children(child)))))
                path.append(child)
    assert max(depth.values()) < 32


# sizes ----------------------------------------------------------------------------------------------------
def test_body_over_3_mib_is_413(local: Local) -> None:
    with api(local) as k:
        body = json.dumps({"metadata": {"name": "big"}, "data": {"k": "x" * (3 * MIB)}}).encode()
        assert _status(_send(k, "POST", CONFIGMAPS, body)) == (
            413, "RequestEntityTooLarge", "Request entity too large: limit is 3145728")


def test_configmap_data_over_1_mib_is_invalid(local: Local) -> None:
    with api(local) as k:
        at_limit = k.post(CONFIGMAPS, {"metadata": {"name": "full"}, "data": {"a": "x" * (MIB - 3), "b": "é"}})
        assert at_limit.status_code == 201, at_limit.text
        refused = k.post(CONFIGMAPS, {"metadata": {"name": "big"}, "data": {"a": "x" * MIB},
                                      "binaryData": {"b": base64.b64encode(b"\x00").decode()}})
        assert _status(refused) == (422, "Invalid", 'ConfigMap "big" is invalid: '
                                                    "[]: Too long: may not be more than 1048576 bytes")
        assert refused.json()["details"]["causes"] == [
            {"reason": "FieldValueTooLong", "message": "Too long: may not be more than 1048576 bytes", "field": "[]"}]
        grown = k.patch(f"{CONFIGMAPS}/full", {"data": {"c": "yy"}})
        assert _status(grown)[:2] == (422, "Invalid")


def test_secret_data_over_1_mib_is_invalid(local: Local) -> None:
    with api(local) as k:
        encoded = base64.b64encode(b"\x01" * (MIB + 1)).decode()
        refused = k.post(SECRETS, {"metadata": {"name": "big"}, "data": {"blob": encoded}})
        assert _status(refused) == (422, "Invalid",
                                    'Secret "big" is invalid: data: Too long: may not be more than 1048576 bytes')
        from_strings = k.post(SECRETS, {"metadata": {"name": "s"}, "stringData": {"a": "x" * (MIB + 1)}})
        assert _status(from_strings)[2].endswith("data: Too long: may not be more than 1048576 bytes")


def test_annotations_over_256_kib_are_invalid(local: Local) -> None:
    with api(local) as k:
        refused = k.post(CONFIGMAPS, {"metadata": {"name": "a", "annotations": {"k": "x" * (256 * 1024)}}})
        assert _status(refused) == (422, "Invalid", 'ConfigMap "a" is invalid: metadata.annotations: Too long: '
                                                    "may not be more than 262144 bytes")


def test_an_object_over_etcds_limit_is_etcds_error(local: Local) -> None:
    """Under the body limit and every field limit, but more than etcd's 1.5 MiB request: the API
    server passes etcd's error through unclassified."""
    with api(local) as k:
        assert k.get("/api/v1/namespaces/default/pods").status_code == 200
        before = k.tracker.resource_version
        big = pod("big")
        big["spec"]["containers"][0]["env"] = [{"name": "PAD", "value": "x" * (MIB + MIB // 2)}]
        refused = k.post("/api/v1/namespaces/default/pods", big)
        assert (refused.status_code, refused.json()) == (500, {
            "kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Failure",
            "message": "etcdserver: request is too large", "code": 500})
        assert k.get("/api/v1/namespaces/default/pods/big").status_code == 404
        assert k.tracker.resource_version == before
        k.post(CONFIGMAPS, {"metadata": {"name": "cm"}, "data": {"a": "x" * (MIB - 10)}})
        annotated = k.patch(f"{CONFIGMAPS}/cm", {"metadata": {"annotations": {"k": "y" * (200 * 1024)}},
                                                 "data": {"b": "z" * 5}})
        assert annotated.status_code == 200, annotated.text  # 1.2 MiB: stored
