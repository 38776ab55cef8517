"""Protobuf request bodies as kubectl 1.32's typed clients send them; and pod logs."""

from __future__ import annotations

import base64
import json
from typing import Any

from pullproof.kube.apiserver.protobuf import ProtobufCodec
from tests.conftest import Local
from tests.kube.api_support import TOKEN, api, pod

PROTOBUF = "application/vnd.kubernetes.protobuf"


def _varint(value: int) -> bytes:
    value &= (1 << 64) - 1
    out = bytearray()
    while True:
        byte = value & 0x7F
        value >>= 7
        if value:
            out.append(byte | 0x80)
        else:
            out.append(byte)
            return bytes(out)


def _bytes(number: int, data: bytes) -> bytes:
    return _varint(number << 3 | 2) + _varint(len(data)) + data


def _text(number: int, text: str) -> bytes:
    return _bytes(number, text.encode())


def _int(number: int, value: int) -> bytes:
    return _varint(number << 3) + _varint(value)


def _entry(number: int, key: str, value: bytes) -> bytes:
    return _bytes(number, _text(1, key) + _bytes(2, value))


def envelope(api_version: str, kind: str, raw: bytes) -> bytes:
    return b"k8s\x00" + _bytes(1, _text(1, api_version) + _text(2, kind)) + _bytes(2, raw) + _text(3, "") + \
        _text(4, "")


def docker_secret(name: str, config: dict[str, Any]) -> bytes:
    zero_time = _bytes(8, b"")  # gogo-proto writes Go's zero creationTimestamp as an empty message
    meta = _text(1, name) + _text(2, "") + _text(3, "") + zero_time
    raw = _bytes(1, meta) + _entry(2, ".dockerconfigjson", json.dumps(config).encode()) + \
        _text(3, "kubernetes.io/dockerconfigjson") + _int(99, 7)  # an unknown field, skipped
    return envelope("v1", "Secret", raw)


def test_create_secret_docker_registry_in_protobuf(local: Local) -> None:
    config = {"auths": {"acrwizdev.azurecr.io": {"username": "u", "password": "p", "email": "e@x.io",
                                                 "auth": base64.b64encode(b"u:p").decode()}}}
    with api(local) as k:
        path = "/api/v1/namespaces/default/secrets?fieldManager=kubectl-create&fieldValidation=Strict"
        response = k.client.post(path, content=docker_secret("acr-auth", config),
                                 headers={"Authorization": f"Bearer {TOKEN}", "Content-Type": PROTOBUF,
                                          "Accept": "application/vnd.kubernetes.protobuf,application/json"})
        assert response.status_code == 201, response.text
        assert response.headers["content-type"] == "application/json"
        secret = k.get("/api/v1/namespaces/default/secrets/acr-auth").json()
        assert secret["type"] == "kubernetes.io/dockerconfigjson"
        assert json.loads(base64.b64decode(secret["data"][".dockerconfigjson"])) == config
        assert "generateName" not in secret["metadata"]
        assert secret["metadata"]["creationTimestamp"].startswith("2027-")


def test_pod_and_namespace_messages_decode() -> None:
    codec = ProtobufCodec()
    port = _int(3, 80) + _text(4, "TCP")
    container = _text(1, "web") + _text(2, "nginx") + _bytes(6, port) + _int(16, 0)
    spec = _bytes(2, container) + _text(3, "Always") + _int(4, 30)
    raw = _bytes(1, _text(1, "web") + _entry(11, "run", b"web")) + _bytes(2, spec)
    api_version, kind, obj = codec.decode(envelope("v1", "Pod", raw), "core.v1.Pod")
    assert (api_version, kind) == ("v1", "Pod")
    assert obj["metadata"] == {"name": "web", "labels": {"run": "web"}}
    assert obj["spec"]["containers"] == [{"name": "web", "image": "nginx",
                                          "ports": [{"containerPort": 80, "protocol": "TCP"}]}]
    assert obj["spec"]["restartPolicy"] == "Always" and obj["spec"]["terminationGracePeriodSeconds"] == 30
    _, _, namespace = codec.decode(envelope("v1", "Namespace", _bytes(1, _text(1, "team"))), "core.v1.Namespace")
    assert namespace == {"metadata": {"name": "team"}, "apiVersion": "v1", "kind": "Namespace"}


def test_undecodable_bodies_are_refused(local: Local) -> None:
    with api(local) as k:
        headers = {"Authorization": f"Bearer {TOKEN}", "Content-Type": PROTOBUF}
        garbage = k.client.post("/api/v1/namespaces/default/secrets", content=b"k8s\x00\x0a\xff", headers=headers)
        assert garbage.status_code == 400 and garbage.json()["reason"] == "BadRequest"
        unknown = k.client.post("/api/v1/namespaces/default/secrets", content=b"x",
                                headers={**headers, "Content-Type": "application/cbor"})
        assert unknown.status_code == 415 and unknown.json()["reason"] == "UnsupportedMediaType"


def _running(k: Any, name: str, state: dict[str, Any]) -> None:
    current = k.tracker.get("pods", "default", name)
    current["spec"]["nodeName"] = "node-1"
    current["status"]["containerStatuses"] = [{"name": "guestbook", "ready": False, "restartCount": 0,
                                               "state": state}]
    k.tracker.update("pods", "default", current)


def test_logs_come_from_the_kubelets_podlogs(local: Local) -> None:
    with api(local) as k:
        k.post("/api/v1/namespaces/default/pods", pod("web"))
        assert k.get("/api/v1/namespaces/default/pods/web/log").text == ""  # not scheduled yet
        _running(k, "web", {"waiting": {"reason": "ImagePullBackOff", "message": "Back-off pulling image"}})
        waiting = k.get("/api/v1/namespaces/default/pods/web/log").json()
        assert (waiting["code"], waiting["message"]) == (400, 'container "guestbook" in pod "web" is waiting to '
                                                              "start: trying and failing to pull image")
        _running(k, "web", {"waiting": {"reason": "ErrImagePull"}})
        assert "image can't be pulled" in k.get("/api/v1/namespaces/default/pods/web/log").json()["message"]
        _running(k, "web", {"running": {"startedAt": "2027-01-15T08:00:00Z"}})
        k.tracker.create("podlogs", "default", {"metadata": {"name": "web"},
                                                "containers": {"guestbook": "one\ntwo\nthree\n"}})
        response = k.get("/api/v1/namespaces/default/pods/web/log?container=guestbook&tailLines=2")
        assert response.text == "two\nthree\n" and response.headers["content-type"].startswith("text/plain")
        wrong = k.get("/api/v1/namespaces/default/pods/web/log?container=nope").json()
        assert wrong["message"] == "container nope is not valid for pod web"
        assert k.get("/api/v1/namespaces/default/pods/nosuch/log").status_code == 404
