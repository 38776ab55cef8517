"""``Manifests``: references, tags that move, deletes, and how referrers get their artifact type."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator

import anyio
import pytest

from pullproof.core.errors import ServiceError
from pullproof.registry.manifests import Manifests, Reference
from tests.conftest import Local
from tests.registry.support import digest
from tests.registry.wire import OCI_MANIFEST, image_manifest

LOGIN = "manifests.azurecr.io"


async def _body(data: bytes) -> AsyncIterator[bytes]:
    yield data


def blobs(local: Local, repository: str, *items: bytes) -> None:
    content = local.emulator.content
    for data in items:
        upload = content.start_upload(LOGIN, repository)
        anyio.run(content.append, upload, _body(data))
        content.finish(content.upload(LOGIN, repository, upload.id), digest(data))


def put(manifests: Manifests, ref: str, body: bytes) -> str:
    return manifests.put(LOGIN, "app", Reference.parse(ref), OCI_MANIFEST, body).digest


def test_reference_parsing() -> None:
    assert Reference.parse("v1.0_rc-1") == Reference("v1.0_rc-1", None)
    assert Reference.parse("sha256:" + "0" * 64) == Reference(None, "sha256:" + "0" * 64)
    for bad, code in (("v1!", "TAG_INVALID"), ("sha256:ABC", "DIGEST_INVALID"), ("", "TAG_INVALID")):
        with pytest.raises(ServiceError) as refused:
            Reference.parse(bad)
        assert refused.value.code.code == code


def test_a_tag_moves_and_deleting_a_manifest_drops_its_tags(local: Local) -> None:
    manifests = local.emulator.manifests
    blobs(local, "app", b"{}", b"one", b"two")
    first = put(manifests, "latest", image_manifest(b"{}", [b"one"]))
    put(manifests, "v1", image_manifest(b"{}", [b"one"]))
    second = put(manifests, "latest", image_manifest(b"{}", [b"two"]))
    assert manifests.resolve(LOGIN, "app", Reference.parse("latest")).digest == second
    assert manifests.store.tags_of(LOGIN, "app", first) == ["v1"]
    manifests.delete(LOGIN, "app", Reference.parse(first))
    assert manifests.store.tag(LOGIN, "app", "v1") is None
    assert manifests.resolve(LOGIN, "app", Reference.parse("latest")).digest == second


def test_referrer_artifact_type_falls_back_to_the_config_media_type(local: Local) -> None:
    manifests = local.emulator.manifests
    blobs(local, "app", b"{}", b"one")
    subject = put(manifests, "v1", image_manifest(b"{}", [b"one"]))
    described = {"mediaType": OCI_MANIFEST, "digest": subject, "size": 10}
    body = json.loads(image_manifest(b"{}", [], subject=described))
    body["config"]["mediaType"] = "application/vnd.example.signature.config+json"
    signature = put(manifests, digest(json.dumps(body).encode()), json.dumps(body).encode())
    index = manifests.referrers(LOGIN, "app", subject, None)
    assert [(m["digest"], m["artifactType"]) for m in index["manifests"]] == [
        (signature, "application/vnd.example.signature.config+json")]
    assert manifests.referrers(LOGIN, "app", subject, "other/type")["manifests"] == []


def test_a_subject_that_is_not_there_yet_is_accepted(local: Local) -> None:
    """OCI 1.1: a referrer may be pushed before its subject."""
    manifests = local.emulator.manifests
    blobs(local, "app", b"{}")
    absent = {"mediaType": OCI_MANIFEST, "digest": digest(b"later"), "size": 5}
    body = image_manifest(b"{}", [], artifactType="application/vnd.example", subject=absent)
    put(manifests, digest(body), body)
    assert [m["digest"] for m in manifests.referrers(LOGIN, "app", digest(b"later"), None)["manifests"]] == \
        [digest(body)]
