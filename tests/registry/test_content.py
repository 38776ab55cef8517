"""``Content``: upload sessions that survive crashes at each step, and garbage collection that
never removes bytes a repository still links to."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import anyio
import pytest

from pullproof.blobstore.base import BlobDriver, BlobWriter, Truncatable
from pullproof.blobstore.filesystem import FilesystemDriver
from pullproof.blobstore.memory import MemoryDriver
from pullproof.core.errors import ServiceError
from pullproof.registry.content import Content, blob_path
from tests.conftest import Local
from tests.registry.support import digest

LOGIN = "content.azurecr.io"


async def _chunks(*parts: bytes) -> AsyncIterator[bytes]:
    for part in parts:
        yield part


def append(content: Content, upload_id: str, *parts: bytes) -> int:
    return anyio.run(content.append, content.upload(LOGIN, "app", upload_id), _chunks(*parts))


def finish(content: Content, upload_id: str, data: bytes) -> int:
    return content.finish(content.upload(LOGIN, "app", upload_id), digest(data))


def test_a_session_resumes_after_bytes_past_the_committed_length(local: Local) -> None:
    """A crash between the driver's commit and the database's record leaves extra bytes: they are dropped."""
    content = local.emulator.content
    upload = content.start_upload(LOGIN, "app")
    assert append(content, upload.id, b"first-") == 6
    stray = content.driver.writer(f"uploads/{upload.id}", append=True)
    stray.write(b"never recorded")
    stray.commit()
    assert append(content, upload.id, b"second") == 12
    assert finish(content, upload.id, b"first-second") == 12
    assert content.read_all(digest(b"first-second")) == b"first-second"


def _driver(kind: str, root: Path) -> BlobDriver:
    return FilesystemDriver(root / "blobs") if kind == "filesystem" else MemoryDriver()


def _with_stray_bytes(content: Content) -> str:
    """A session holding ``first-`` as recorded, with bytes a crash left past that length."""
    upload = content.start_upload(LOGIN, "app")
    assert append(content, upload.id, b"first-") == 6
    stray = content.driver.writer(f"uploads/{upload.id}", append=True)
    stray.write(b"never recorded")
    stray.commit()
    return upload.id


@pytest.mark.parametrize("kind", ["memory", "filesystem"])
def test_each_blob_driver_truncates_a_session_back_to_its_recorded_length(local: Local, tmp_path: Path,
                                                                         kind: str) -> None:
    driver = _driver(kind, tmp_path)
    assert isinstance(driver, Truncatable)
    emulator = local.emulator
    content = Content(emulator.registry_store, driver, emulator.clock, emulator.ids)
    upload_id = _with_stray_bytes(content)
    assert driver.stat(f"uploads/{upload_id}") == 20
    assert append(content, upload_id, b"second") == 12
    assert driver.stat(f"uploads/{upload_id}") == 12
    assert finish(content, upload_id, b"first-second") == 12
    assert content.read_all(digest(b"first-second")) == b"first-second"


class Untruncatable:
    """A ``BlobDriver`` without the optional ``Truncatable`` capability."""

    def __init__(self, inner: MemoryDriver) -> None:
        self.inner = inner
        self.name = "untruncatable"

    def stat(self, path: str) -> int:
        return self.inner.stat(path)

    def reader(self, path: str, offset: int = 0, length: int | None = None,
               chunk_size: int = 1 << 20) -> Iterator[bytes]:
        return self.inner.reader(path, offset, length, chunk_size)

    def writer(self, path: str, append: bool = False) -> BlobWriter:
        return self.inner.writer(path, append)

    def move(self, source: str, destination: str) -> None:
        self.inner.move(source, destination)

    def delete(self, path: str) -> None:
        self.inner.delete(path)

    def sweep_staging(self) -> list[str]:
        return self.inner.sweep_staging()

    def list(self, prefix: str) -> list[str]:
        return self.inner.list(prefix)


def test_a_driver_that_cannot_truncate_refuses_a_session_with_stray_bytes(local: Local) -> None:
    """Without ``Truncatable`` the stray bytes cannot be dropped: the session is refused, its bytes left alone."""
    driver = Untruncatable(MemoryDriver())
    assert not isinstance(driver, Truncatable)
    emulator = local.emulator
    content = Content(emulator.registry_store, driver, emulator.clock, emulator.ids)
    upload_id = _with_stray_bytes(content)
    with pytest.raises(ServiceError) as refused:
        append(content, upload_id, b"second")
    assert refused.value.code.code == "BLOB_UPLOAD_INVALID"
    assert driver.stat(f"uploads/{upload_id}") == 20


def test_a_session_whose_bytes_are_gone_is_unknown(local: Local) -> None:
    """A crash after the bytes moved into the blob store but before the record: the client starts over."""
    content = local.emulator.content
    upload = content.start_upload(LOGIN, "app")
    append(content, upload.id, b"abc")
    content.driver.delete(f"uploads/{upload.id}")
    with pytest.raises(ServiceError) as refused:
        append(content, upload.id, b"def")
    assert refused.value.code.code == "BLOB_UPLOAD_UNKNOWN"
    with pytest.raises(ServiceError) as forgotten:
        content.upload(LOGIN, "app", upload.id)
    assert forgotten.value.code.code == "BLOB_UPLOAD_UNKNOWN"


def test_a_wrong_digest_keeps_the_session_for_another_try(local: Local) -> None:
    content = local.emulator.content
    upload = content.start_upload(LOGIN, "app")
    append(content, upload.id, b"payload")
    with pytest.raises(ServiceError) as refused:
        finish(content, upload.id, b"something else")
    assert refused.value.code.code == "DIGEST_INVALID"
    assert finish(content, upload.id, b"payload") == 7


def test_digest_is_recomputed_when_the_running_hash_was_lost(local: Local) -> None:
    """After a restart the in-memory hash is gone; completing still verifies against the bytes."""
    content = local.emulator.content
    upload = content.start_upload(LOGIN, "app")
    append(content, upload.id, b"part one, ")
    content.hashing.forget(upload.id)
    append(content, upload.id, b"part two")
    with pytest.raises(ServiceError):
        finish(content, upload.id, b"part two")
    assert finish(content, upload.id, b"part one, part two") == 18


def test_collect_keeps_blobs_another_repository_links(local: Local) -> None:
    content, store = local.emulator.content, local.emulator.registry_store
    for repository in ("one", "two"):
        upload = content.start_upload(LOGIN, repository)
        anyio.run(content.append, upload, _chunks(b"shared"))
        content.finish(content.upload(LOGIN, repository, upload.id), digest(b"shared"))
    only = content.start_upload(LOGIN, "one")
    anyio.run(content.append, only, _chunks(b"only in one"))
    content.finish(content.upload(LOGIN, "one", only.id), digest(b"only in one"))
    store.delete_repository(LOGIN, "one")
    assert content.collect() == [digest(b"only in one")]
    assert content.read_all(digest(b"shared")) == b"shared"
    assert store.linked_size(LOGIN, "two", digest(b"shared")) == 6
    assert store.forget_blob(digest(b"shared")) is False
    assert content.driver.stat(blob_path(digest(b"shared"))) == 6
