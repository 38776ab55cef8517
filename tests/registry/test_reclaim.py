"""Reclaiming storage, in-process on the manual clock: upload sessions expire and are swept, a failed
monolithic upload leaves nothing, files no row names (a deleted registry's, a killed process's) are
collected, and collection beside pushes never removes what was acknowledged."""

from __future__ import annotations

import hashlib
import os
import threading
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor

import pytest
from starlette.testclient import TestClient

from pullproof.blobstore.filesystem import FilesystemDriver
from pullproof.registry.content import UPLOAD_LIFETIME, blob_path
from pullproof.registry.reclaim import SWEEP_INTERVAL, digest_of
from pullproof.registry.shipped import IMAGES, build
from tests.conftest import Local
from tests.registry.support import basic, create_registry, digest, push_image
from tests.registry.wire import oci_error

LOGIN = "reclaim.azurecr.io"
UNKNOWN = (404, "BLOB_UPLOAD_UNKNOWN", "blob upload unknown to registry")


@pytest.fixture
def acr(local: Local) -> Iterator[tuple[TestClient, dict[str, str]]]:
    create_registry(local, "reclaim")
    op = local.emulator.operator
    with local.client(LOGIN) as http:
        yield http, basic(op.client_id, op.client_secret)


def _shipped() -> set[str]:
    """The blob files of the images every data dir ships (mcr.microsoft.com's AKS system images)."""
    digests = {d for i in IMAGES for image in [build(i)] for d in [*image.blobs, *(m[0] for m in image.manifests)]}
    return {f"blobs/sha256/{d[7:9]}/{d[7:]}" for d in digests}


SHIPPED = _shipped()


def stored(local: Local) -> list[str]:
    """The files of the blob store but the shipped images'."""
    return [path for path in local.emulator.blob_driver.list("") if path not in SHIPPED]


def staged(local: Local) -> list[str]:
    driver = local.emulator.blob_driver
    assert isinstance(driver, FilesystemDriver)
    return sorted(os.listdir(driver.temp_dir))


def start(http: TestClient, auth: dict[str, str], data: bytes, repo: str = "app") -> str:
    location = str(http.post(f"/v2/{repo}/blobs/uploads/", headers=auth).headers["Location"])
    assert http.patch(location, content=data, headers=auth).status_code == 202
    return location


def session_id(location: str) -> str:
    return location.rsplit("/", 1)[1]


def test_an_upload_session_expires_168_hours_after_it_started(local: Local,
                                                              acr: tuple[TestClient, dict[str, str]]) -> None:
    http, auth = acr
    location = start(http, auth, b"partial")
    local.clock.advance(UPLOAD_LIFETIME - 1)
    assert http.get(location, headers=auth).status_code == 204
    assert http.patch(location, content=b" more", headers=auth).status_code == 202  # activity does not extend it
    local.clock.advance(1)
    assert oci_error(http.get(location, headers=auth)) == UNKNOWN
    assert oci_error(http.patch(location, content=b"x", headers=auth)) == UNKNOWN
    assert oci_error(http.put(location, params={"digest": digest(b"partial more")}, headers=auth)) == UNKNOWN
    assert oci_error(http.delete(location, headers=auth)) == UNKNOWN
    assert stored(local) == [f"uploads/{session_id(location)}"]  # unknown at once; the sweep or gc reclaims it
    collected = local.emulator.reclaimer.collect()
    assert (collected.sessions, collected.orphans) == ([session_id(location)], [])
    assert stored(local) == [] and local.emulator.registry_store.upload_ids() == set()


def test_the_sweep_runs_on_the_clock_and_reclaims_expired_sessions(local: Local,
                                                                    acr: tuple[TestClient, dict[str, str]]) -> None:
    http, auth = acr
    reclaimer, store = local.emulator.reclaimer, local.emulator.registry_store
    assert reclaimer.due() is not None  # the first pass runs at once (a server runs it as it starts)
    old = start(http, auth, b"old bytes")
    local.clock.advance(SWEEP_INTERVAL / 2)
    young = start(http, auth, b"young bytes")
    assert reclaimer.due() is None
    local.clock.advance(UPLOAD_LIFETIME - SWEEP_INTERVAL / 2)
    swept = reclaimer.due()
    assert swept is not None and swept.sessions == [session_id(old)] and swept.orphans == []
    assert store.upload(session_id(old)) is None and stored(local) == [f"uploads/{session_id(young)}"]
    assert reclaimer.due() is None
    done = http.put(young, params={"digest": digest(b"young bytes")}, headers=auth)
    assert done.status_code == 201, done.text
    local.clock.advance(SWEEP_INTERVAL)
    swept = reclaimer.due()
    assert swept is not None and swept.sessions == [] and store.upload_ids() == set()


def test_a_failed_monolithic_upload_leaves_nothing(local: Local, acr: tuple[TestClient, dict[str, str]]) -> None:
    http, auth = acr
    wrong = http.post("/v2/app/blobs/uploads/", params={"digest": digest(b"other")}, content=b"payload",
                      headers=auth)
    assert oci_error(wrong)[:2] == (400, "DIGEST_INVALID")
    malformed = http.post("/v2/app/blobs/uploads/", params={"digest": "sha256:nothex"}, content=b"payload",
                          headers=auth)
    assert oci_error(malformed)[:2] == (400, "DIGEST_INVALID")
    assert local.emulator.registry_store.upload_ids() == set()
    assert stored(local) == [] and staged(local) == []
    done = http.post("/v2/app/blobs/uploads/", params={"digest": digest(b"payload")}, content=b"payload",
                     headers=auth)
    assert done.status_code == 201, done.text
    assert stored(local) == [blob_path(digest(b"payload"))] and staged(local) == []
    assert local.emulator.registry_store.upload_ids() == set()
    assert http.get(f"/v2/app/blobs/{digest(b'payload')}", headers=auth).content == b"payload"


def test_deleting_a_registry_leaves_its_files_to_the_sweep_and_gc(local: Local,
                                                                   acr: tuple[TestClient, dict[str, str]]) -> None:
    http, auth = acr
    posted = http.post("/v2/app/blobs/uploads/", params={"digest": digest(b"layer")}, content=b"layer",
                       headers=auth)
    assert posted.status_code == 201
    location = start(http, auth, b"unfinished")
    registry_id = local.emulator.lookup.find(LOGIN)
    assert registry_id is not None
    with local.client() as arm:
        deleted = arm.delete(f"{registry_id.resource_id}?api-version=2025-11-01",
                             headers={"Authorization": f"Bearer {local.token()}"})
    assert deleted.status_code == 200, deleted.text
    files = [blob_path(digest(b"layer")), f"uploads/{session_id(location)}"]
    assert stored(local) == files  # the ARM transaction removed rows only
    swept = local.emulator.reclaimer.sweep()
    assert (swept.sessions, swept.orphans, swept.blobs) == ([], files[1:], [])
    collected = local.emulator.reclaimer.collect()
    assert (collected.blobs, collected.orphans) == ([digest(b"layer")], [])
    assert stored(local) == []


def test_gc_collects_files_no_row_names_and_keeps_live_ones(local: Local,
                                                            acr: tuple[TestClient, dict[str, str]]) -> None:
    http, auth = acr
    linked = http.post("/v2/app/blobs/uploads/", params={"digest": digest(b"kept")}, content=b"kept", headers=auth)
    assert linked.status_code == 201
    live = start(http, auth, b"live ")
    driver = local.emulator.blob_driver
    assert isinstance(driver, FilesystemDriver)
    lost = "sha256:" + hashlib.sha256(b"row never written").hexdigest()
    strays = sorted(["uploads/left-by-a-deleted-registry", blob_path(lost), "blobs/not-a-digest"])
    for path in strays:
        writer = driver.writer(path)
        writer.write(b"stray")
        writer.commit()
    (driver.temp_dir / "w-left-by-kill-9").write_bytes(b"half a chunk")
    collected = local.emulator.reclaimer.collect()
    assert (collected.blobs, collected.sessions, collected.orphans) == ([], [], strays)
    assert collected.staging == ["_tmp~/w-left-by-kill-9"] and staged(local) == []
    assert stored(local) == [blob_path(digest(b"kept")), f"uploads/{session_id(live)}"]
    assert http.put(live, params={"digest": digest(b"live end")}, content=b"end", headers=auth).status_code == 201
    assert digest_of(blob_path(lost)) == lost and digest_of("blobs/sha256/zz/" + lost[7:]) is None


def test_collection_beside_pushes_keeps_every_acknowledged_image(local: Local,
                                                                 acr: tuple[TestClient, dict[str, str]]) -> None:
    """Images are pushed, deleted and pushed again while collection loops: every image a push
    acknowledged, and not deleted since, reads back whole."""
    _, auth = acr
    done = threading.Event()

    def pusher(number: int) -> set[tuple[str, str, bytes]]:
        kept = set()
        repo = f"team{number}/app"
        with local.client(LOGIN) as http:
            for round_ in range(40):
                layer = f"layer {number} {round_ % 4}".encode()  # even rounds: 0 and 2, deleted each time
                manifest = push_image(http, repo, f"r{round_ % 4}", auth, layers=(layer,))
                for path in (f"/v2/{repo}/manifests/{manifest}", f"/v2/{repo}/blobs/{digest(layer)}"):
                    assert http.get(path, headers=auth).status_code == 200, path
                if round_ % 2 == 0:
                    assert http.delete(f"/v2/{repo}/manifests/{manifest}", headers=auth).status_code == 202
                    assert http.delete(f"/v2/{repo}/blobs/{digest(layer)}", headers=auth).status_code == 202
                else:
                    kept.add((repo, manifest, layer))
        return kept

    def collector() -> int:
        passes = 0
        while not done.is_set():
            local.emulator.reclaimer.collect()
            passes += 1
        return passes

    with ThreadPoolExecutor(3) as pool:
        collecting = pool.submit(collector)
        try:
            results = [pool.submit(pusher, n) for n in range(2)]
            kept = set().union(*(result.result() for result in results))
        finally:
            done.set()
        assert collecting.result() > 0
    local.emulator.reclaimer.collect()
    assert len(kept) == 4
    with local.client(LOGIN) as http:
        for repo, manifest, layer in kept:
            assert digest(http.get(f"/v2/{repo}/manifests/{manifest}", headers=auth).content) == manifest
            assert http.get(f"/v2/{repo}/blobs/{digest(layer)}", headers=auth).content == layer
