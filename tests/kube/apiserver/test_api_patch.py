"""Strategic merge patch, JSON merge patch, JSON patch and server-side apply."""

from __future__ import annotations

import json
from typing import Any

from pullproof.kube.apiserver.patch import json_patch, merge_patch, strategic_merge
from tests.conftest import Local
from tests.kube.api_support import api, deployment

DEPLOYMENTS = "/apis/apps/v1/namespaces/default/deployments"


def test_smp_merges_lists_by_their_merge_keys() -> None:
    first = {"name": "a", "image": "a:1", "env": [{"name": "X", "value": "1"}]}
    original: dict[str, Any] = {"spec": {"containers": [first, {"name": "b", "image": "b:1"}]}}
    patch = {"spec": {"containers": [{"name": "a", "image": "a:2", "env": [{"name": "Y", "value": "2"}]}]}}
    merged = strategic_merge(original, patch)
    assert merged["spec"]["containers"] == [
        {"name": "a", "image": "a:2", "env": [{"name": "X", "value": "1"}, {"name": "Y", "value": "2"}]},
        {"name": "b", "image": "b:1"}]
    assert original["spec"]["containers"][0]["image"] == "a:1"


def test_smp_directives() -> None:
    original = {"metadata": {"finalizers": ["a", "b"], "labels": {"x": "1", "y": "2"}},
                "spec": {"containers": [{"name": "a"}, {"name": "b"}, {"name": "c"}],
                         "args": ["1", "2"], "strategy": {"type": "RollingUpdate", "rollingUpdate": {"maxSurge": 1}}}}
    patch = {"metadata": {"$deleteFromPrimitiveList/finalizers": ["a"], "labels": {"y": None}},
             "spec": {"$setElementOrder/containers": [{"name": "c"}, {"name": "a"}],
                      "containers": [{"name": "b", "$patch": "delete"}],
                      "args": ["3"],
                      "strategy": {"$retainKeys": ["type"], "type": "Recreate"}}}
    merged = strategic_merge(original, patch)
    assert merged["metadata"] == {"finalizers": ["b"], "labels": {"x": "1"}}
    assert [c["name"] for c in merged["spec"]["containers"]] == ["c", "a"]
    assert merged["spec"]["args"] == ["3"]
    assert merged["spec"]["strategy"] == {"type": "Recreate"}
    replaced = strategic_merge(original, {"spec": {"containers": [{"name": "z"}, {"$patch": "replace"}]}})
    assert replaced["spec"]["containers"] == [{"name": "z"}]
    whole = strategic_merge(original, {"metadata": {"$patch": "replace", "name": "n"}})
    assert whole["metadata"] == {"name": "n"}


def test_json_merge_patch_and_json_patch() -> None:
    assert merge_patch({"a": {"b": 1, "c": 2}, "l": [1, 2]}, {"a": {"b": None}, "l": [3]}) == {"a": {"c": 2},
                                                                                                "l": [3]}
    doc = {"spec": {"replicas": 1, "list": ["x"]}}
    ops = [{"op": "replace", "path": "/spec/replicas", "value": 3}, {"op": "add", "path": "/spec/list/-",
                                                                       "value": "y"},
           {"op": "test", "path": "/spec/replicas", "value": 3}, {"op": "copy", "from": "/spec/replicas",
                                                                  "path": "/spec/copy"},
           {"op": "move", "from": "/spec/copy", "path": "/spec/moved"}, {"op": "remove", "path": "/spec/list/0"}]
    assert json_patch(doc, ops) == {"spec": {"replicas": 3, "list": ["y"], "moved": 3}}


def test_client_side_apply_patch_bumps_the_image_and_generation(local: Local) -> None:
    with api(local) as k:
        k.post(DEPLOYMENTS, deployment())
        last = json.dumps(deployment("guestbook-app", "acrwizdev.azurecr.io/guestbook:v2")) + "\n"
        patch = {"metadata": {"annotations": {"kubectl.kubernetes.io/last-applied-configuration": last}},
                 "spec": {"template": {"spec": {"$setElementOrder/containers": [{"name": "guestbook"}],
                                                "containers": [{"image": "acrwizdev.azurecr.io/guestbook:v2",
                                                                "name": "guestbook"}]}}}}
        patched = k.patch(f"{DEPLOYMENTS}/guestbook-app?fieldManager=kubectl-client-side-apply&fieldValidation=Strict",
                          patch)
        assert patched.status_code == 200, patched.text
        body = patched.json()
        assert body["metadata"]["generation"] == 2
        container = body["spec"]["template"]["spec"]["containers"][0]
        assert container["image"] == "acrwizdev.azurecr.io/guestbook:v2"
        assert container["ports"] == [{"containerPort": 80, "protocol": "TCP"}]
        assert body["metadata"]["annotations"]["kubectl.kubernetes.io/last-applied-configuration"] == last
        merged = k.patch(f"{DEPLOYMENTS}/guestbook-app", {"spec": {"replicas": 5}}, "application/merge-patch+json")
        assert merged.json()["spec"]["replicas"] == 5 and merged.json()["metadata"]["generation"] == 3
        jp = k.patch(f"{DEPLOYMENTS}/guestbook-app", [{"op": "replace", "path": "/spec/replicas", "value": 1}],
                     "application/json-patch+json")
        assert jp.json()["spec"]["replicas"] == 1


def test_patch_errors(local: Local) -> None:
    with api(local) as k:
        assert k.patch(f"{DEPLOYMENTS}/nosuch", {}).status_code == 404
        k.post(DEPLOYMENTS, deployment())
        wrong = k.patch(f"{DEPLOYMENTS}/guestbook-app", {}, "application/json")
        assert wrong.status_code == 415
        assert wrong.json()["message"] == ("the body of the request was in an unknown format - accepted media types "
                                           "include: application/json-patch+json, application/merge-patch+json, "
                                           "application/apply-patch+yaml, application/strategic-merge-patch+json")
        failed = k.patch(f"{DEPLOYMENTS}/guestbook-app", [{"op": "test", "path": "/spec/replicas", "value": 9}],
                         "application/json-patch+json")
        assert failed.status_code == 422
        strict = k.patch(f"{DEPLOYMENTS}/guestbook-app?fieldValidation=Strict", {"spec": {"bogus": 1}})
        assert strict.status_code == 400 and 'unknown field "spec.bogus"' in strict.json()["message"]


def test_server_side_apply_creates_then_updates(local: Local) -> None:
    with api(local) as k:
        config = {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "ssa"}, "data": {"x": "1"}}
        path = "/api/v1/namespaces/default/configmaps/ssa?fieldManager=kubectl&fieldValidation=Strict&force=false"
        created = k.patch(path, config, "application/apply-patch+yaml")
        assert created.status_code == 201
        entry = created.json()["metadata"]["managedFields"][0]
        assert (entry["manager"], entry["operation"]) == ("kubectl", "Apply")
        assert entry["fieldsV1"] == {"f:data": {"f:x": {}}}
        updated = k.patch(path, {**config, "data": {"x": "2"}}, "application/apply-patch+yaml")
        assert updated.status_code == 200 and updated.json()["data"] == {"x": "2"}
        assert len(updated.json()["metadata"]["managedFields"]) == 1
