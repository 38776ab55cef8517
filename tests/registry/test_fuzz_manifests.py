"""Fuzzing OCI manifests, references and digests: any document a client PUTs is stored or refused with
an OCI error (4xx), never another exception; what is stored reads back byte for byte."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from pullproof.core.errors import ServiceError
from pullproof.registry.content import check_digest
from pullproof.registry.manifests import Manifests, Reference
from pullproof.registry.models import MANIFEST_TYPES
from tests.conftest import Local, make_local
from tests.fuzzing import json_values, mutated
from tests.registry.support import basic, create_registry, digest, push_image
from tests.registry.wire import OCI_INDEX, OCI_MANIFEST

LOGIN = "acrfuzz.azurecr.io"
MEDIA = st.sampled_from([*sorted(MANIFEST_TYPES), "", "application/json", "text/plain; x=y", OCI_MANIFEST + ";q=1"])


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Local, bytes]]:
    """One registry with a pushed image; yields the emulator and that image's manifest."""
    local = make_local(Path(tmp_path_factory.mktemp("manifests")))
    create_registry(local, "acrfuzz")
    op = local.emulator.operator
    with local.client(LOGIN) as acr:
        token = acr.get("/oauth2/token", params={"service": LOGIN, "scope": "repository:app:*"},
                        headers=basic(op.client_id, op.client_secret)).json()["access_token"]
        manifest_digest = push_image(acr, "app", "v1", {"Authorization": f"Bearer {token}"})
        body = acr.get(f"/v2/app/manifests/{manifest_digest}", headers={"Authorization": f"Bearer {token}",
                                                                         "Accept": OCI_MANIFEST}).content
    yield local, body
    local.emulator.close()


def descriptors(known: list[dict[str, Any]]) -> st.SearchStrategy[Any]:
    odd = st.fixed_dictionaries({}, optional={"digest": st.text(max_size=80) | st.integers() | st.none(),
                                              "size": json_values(), "mediaType": json_values(),
                                              "annotations": json_values(), "platform": json_values()})
    return st.one_of(st.sampled_from(known), odd, json_values())


@st.composite
def documents(draw: st.DrawFn, base: dict[str, Any]) -> dict[str, Any]:
    """The real manifest with some of its fields replaced, removed or joined by odd ones."""
    known = [base["config"], *base["layers"]]
    doc = dict(base)
    for key in draw(st.lists(st.sampled_from(["schemaVersion", "mediaType", "config", "layers", "manifests",
                                              "subject", "artifactType", "annotations"]), max_size=4)):
        choice = draw(st.integers(0, 3))
        if choice == 0:
            doc.pop(key, None)
        elif choice == 1:
            doc[key] = draw(json_values())
        elif key in ("layers", "manifests"):
            doc[key] = draw(st.lists(descriptors(known), max_size=3))
        elif key in ("config", "subject"):
            doc[key] = draw(descriptors(known))
        else:
            doc[key] = draw(MEDIA)
    return doc


def _put(manifests: Manifests, ref: str, media_type: str | None, data: bytes) -> None:
    try:
        record = manifests.put(LOGIN, "app", Reference.parse(ref), media_type, data)
    except ServiceError as exc:
        assert 400 <= exc.status < 500, exc
        return
    assert manifests.body(record) == data and record.digest == digest(data)


@given(st.data(), MEDIA, st.sampled_from(["fuzz", "v1", "x" * 129, "-bad", "sha256:00", "a:b"]))
def test_structured_manifests(world: tuple[Local, bytes], data: st.DataObject, media: str, ref: str) -> None:
    local, body = world
    document = data.draw(documents(json.loads(body)))
    _put(local.emulator.manifests, ref, media or None, json.dumps(document).encode())


@given(st.data(), MEDIA)
def test_mutated_manifests(world: tuple[Local, bytes], data: st.DataObject, media: str) -> None:
    local, body = world
    _put(local.emulator.manifests, "fuzz", media or None, data.draw(mutated(body)))


@given(json_values(), MEDIA)
@example({"schemaVersion": 2, "mediaType": OCI_INDEX, "manifests": [], "subject": {"digest": "sha256:" + "0" * 64},
          "config": [1]}, OCI_INDEX)
@example({"schemaVersion": 2, "mediaType": OCI_INDEX, "manifests": [], "artifactType": {"a": 1}}, OCI_INDEX)
@example({"schemaVersion": 2, "mediaType": OCI_INDEX, "manifests": [], "subject": {"digest": ["x"]}}, OCI_INDEX)
def test_any_json_document(world: tuple[Local, bytes], document: Any, media: str) -> None:
    local, _ = world
    _put(local.emulator.manifests, "fuzz", media or None, json.dumps(document).encode())


@given(st.text(max_size=140))
@example("sha256:" + "A" * 64)
@example("sha512:" + "a" * 128)
@example("sha256:" + "٣" * 64)
def test_references_and_digests(text: str) -> None:
    for parse in (Reference.parse, check_digest):
        try:
            parse(text)
        except ServiceError as exc:
            assert exc.status in (400, 404)
