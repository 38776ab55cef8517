"""Fuzzing the three patch flavours and the request-body decoder of the kube API: any patch document
applies or is refused with a 4xx ``ServiceError``; media-type parsing never fails."""

from __future__ import annotations

import json
from typing import Any

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from pullproof.core.errors import ServiceError
from pullproof.kube.apiserver.media import (
    JSON,
    decode_object,
    parse_accept,
    patch_type,
    table_version,
    wants_aggregated,
)
from pullproof.kube.apiserver.patch import json_patch, merge_patch, strategic_merge
from pullproof.kube.apiserver.protobuf import ProtobufCodec
from tests.fuzzing import json_bodies, json_values

POD = {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "p", "labels": {"a": "b"}, "finalizers": ["f"]},
       "spec": {"containers": [{"name": "c", "image": "i", "env": [{"name": "E", "value": "1"}],
                                "ports": [{"containerPort": 80}]}], "imagePullSecrets": [{"name": "s"}]}}
KEYS = st.sampled_from(["metadata", "spec", "containers", "name", "image", "env", "labels", "finalizers", "ports",
                        "$patch", "$retainKeys", "$setElementOrder/containers", "$setElementOrder/finalizers",
                        "$deleteFromPrimitiveList/finalizers", "containerPort", "value", "x"])
DIRECTIVES = st.sampled_from(["replace", "merge", "delete", "bogus"])
PATCH_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers(-3, 3) | st.text(max_size=5) | DIRECTIVES,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(KEYS, inner, max_size=4), max_leaves=14)
POINTERS = st.one_of(st.sampled_from(["", "/", "/metadata", "/metadata/name", "/metadata/name/x",
                                      "/metadata/labels/a", "/spec/containers/0", "/spec/containers/-",
                                      "/spec/containers/9", "/spec/containers/-1", "/spec/containers/0/name/0",
                                      "/metadata/finalizers/0/x", "/spec/containers/x", "/a~1b/~0", "nope",
                                      "/spec/containers/²", "/spec/containers/01"]),
                     st.lists(st.text(max_size=4), max_size=4).map(lambda p: "/" + "/".join(p)))
OPERATIONS = st.fixed_dictionaries(
    {"op": st.sampled_from(["add", "remove", "replace", "move", "copy", "test", "bogus"]), "path": POINTERS},
    optional={"value": json_values(), "from": POINTERS})


def _apply(fn: Any, original: Any, patch: Any) -> None:
    try:
        result = fn(original, patch)
    except ServiceError as exc:
        assert 400 <= exc.status < 500
        return
    json.dumps(result)


@given(PATCH_VALUES)
@example({"$retainKeys": [{}]})
@example({"$deleteFromPrimitiveList/finalizers": 5})
@example({"metadata": {"$setElementOrder/finalizers": 7}})
@example({"spec": {"containers": [{"name": "c", "$patch": "delete"}, 3]}})
def test_strategic_merge_patches(patch: Any) -> None:
    _apply(strategic_merge, POD, patch)


@given(json_values(), json_values())
def test_merge_patches(original: Any, patch: Any) -> None:
    _apply(merge_patch, original, patch)


@given(st.lists(OPERATIONS, max_size=4) | json_values())
@example([{"op": "remove", "path": "/metadata/name/x"}])
@example([{"op": "add", "path": "/metadata/name/x", "value": 1}])
@example([{"op": "move", "from": "/spec", "path": "/spec/containers"}])
@example([{"op": "add", "path": "/spec/containers/-1", "value": 1}])
def test_json_patches(operations: Any) -> None:
    _apply(json_patch, POD, operations)


@given(json_bodies(), st.sampled_from([JSON, "application/yaml", "", "application/merge-patch+json", "text/plain",
                                        "application/vnd.kubernetes.protobuf", "application/json; charset=x"]))
def test_request_bodies_decode_or_are_refused(body: bytes, content_type: str) -> None:
    try:
        obj = decode_object(body, content_type, "core.v1.ConfigMap", ProtobufCodec())
    except ServiceError as exc:
        assert 400 <= exc.status < 500
        return
    assert isinstance(obj, dict)


@given(st.text(max_size=80))
@example("application/json;as=Table;v=v1;g=meta.k8s.io;;=;a==b")
@example(",,;;")
def test_accept_and_content_type_headers(header: str) -> None:
    parse_accept(header)
    assert table_version(header) in (None, "v1", "v1beta1")
    assert wants_aggregated(header) in (True, False)
    try:
        patch_type(header)
    except ServiceError as exc:
        assert exc.status == 415


@pytest.mark.parametrize("operations", [
    [{"op": "remove", "path": "/metadata/name/x"}],
    [{"op": "replace", "path": "/metadata/name/x", "value": 1}],
    [{"op": "move", "from": "/metadata/name/x", "path": "/spec/y"}],
])
def test_json_patch_into_a_string_is_invalid(operations: list[dict[str, Any]]) -> None:
    with pytest.raises(ServiceError) as caught:
        json_patch(POD, operations)
    assert caught.value.status == 422
