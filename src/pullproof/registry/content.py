"""Blobs and upload sessions over the ``BlobDriver`` port, content-addressed and shared by every
repository. Blob bytes live at ``blobs/<algorithm>/<2 hex>/<hex>``; an upload session's bytes at
``uploads/<id>``; its committed length is in the database, so a session survives a restart.

A blob's bytes are placed and its row recorded under that digest's placing lock, which collection
holds too (``registry/reclaim.py``): so a blob being pushed again is never collected half-way. A
session lives ``UPLOAD_LIFETIME`` from its start; then it is unknown, and reclaimed by the sweep.
A monolithic upload (``POST ?digest=``) opens no session: its bytes go straight to a writer of the
blob's path, visible only once the digest is verified."""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import threading
from collections.abc import AsyncIterator, Callable, Iterator

from pullproof.blobstore.base import BlobDriver, PathNotFound, Truncatable
from pullproof.core.clock import Clock
from pullproof.core.errors import ServiceError
from pullproof.core.ids import IdFactory
from pullproof.registry import errors
from pullproof.registry.models import Upload
from pullproof.registry.scope import DIGEST_RE
from pullproof.registry.store import RegistryStore

ALGORITHMS = {"sha256": 64, "sha512": 128}
UPLOAD_LIFETIME = 168 * 3600.0  # distribution's default upload purge age (ACR's is not published)
PLACING_STRIPES = 64


def blob_path(digest: str) -> str:
    algorithm, _, hexpart = digest.partition(":")
    return f"blobs/{algorithm}/{hexpart[:2]}/{hexpart}"


def check_digest(digest: str) -> str:
    algorithm, _, hexpart = digest.partition(":")
    if (not DIGEST_RE.match(digest) or ALGORITHMS.get(algorithm) != len(hexpart)
            or any(c not in "0123456789abcdef" for c in hexpart)):
        raise ServiceError(errors.DIGEST_INVALID, detail_object={"digest": digest})
    return digest


class Hashing:
    """Running digests of live upload sessions; after a restart the digest is recomputed from the bytes."""

    def __init__(self) -> None:
        self._hashers: dict[str, tuple[int, hashlib._Hash]] = {}
        self._lock = threading.Lock()

    def update(self, upload_id: str, offset: int, data: bytes) -> None:
        with self._lock:
            known = self._hashers.get(upload_id)
            if known is None and offset == 0:
                known = (0, hashlib.sha256())
            if known is None or known[0] != offset:
                self._hashers.pop(upload_id, None)
                return
            known[1].update(data)
            self._hashers[upload_id] = (offset + len(data), known[1])

    def digest(self, upload_id: str, size: int) -> str | None:
        with self._lock:
            known = self._hashers.get(upload_id)
            return f"sha256:{known[1].hexdigest()}" if known and known[0] == size else None

    def forget(self, upload_id: str) -> None:
        with self._lock:
            self._hashers.pop(upload_id, None)


class Content:
    def __init__(self, store: RegistryStore, driver: BlobDriver, clock: Clock, ids: IdFactory) -> None:
        self.store = store
        self.driver = driver
        self.clock = clock
        self.ids = ids
        self.hashing = Hashing()
        self._placing = [threading.Lock() for _ in range(PLACING_STRIPES)]

    def placing(self, digest: str) -> threading.Lock:
        """The lock under which ``digest``'s bytes are placed and recorded, or collected."""
        return self._placing[int(hashlib.sha256(digest.encode()).hexdigest()[:8], 16) % PLACING_STRIPES]

    # blobs ---------------------------------------------------------------------------------------
    def blob_size(self, registry: str, repository: str, digest: str) -> int:
        size = self.store.linked_size(registry, repository, check_digest(digest))
        if size is None:
            raise ServiceError(errors.BLOB_UNKNOWN, detail_object={"digest": digest})
        return size

    def read(self, digest: str, offset: int = 0, length: int | None = None) -> Iterator[bytes]:
        return self.driver.reader(blob_path(digest), offset, length)

    def read_all(self, digest: str) -> bytes:
        return b"".join(self.driver.reader(blob_path(digest)))

    def mount(self, registry: str, repository: str, digest: str, source: str) -> int | None:
        with self.placing(check_digest(digest)):
            size = self.store.linked_size(registry, source, digest)
            if size is not None:
                self.store.add_blob(registry, repository, digest, size, self.clock.now())
        return size

    def delete_blob(self, registry: str, repository: str, digest: str) -> None:
        if not self.store.unlink_blob(registry, repository, check_digest(digest)):
            raise ServiceError(errors.BLOB_UNKNOWN, detail_object={"digest": digest})

    def store_bytes(self, digest: str, data: bytes) -> None:
        """Put small content (a manifest) into the blob store; the caller holds ``placing(digest)``
        until its row is recorded."""
        if self.store.blob_size(digest) is None or not self._exists(digest):
            writer = self.driver.writer(blob_path(digest))
            writer.write(data)
            writer.commit()

    def _exists(self, digest: str) -> bool:
        try:
            self.driver.stat(blob_path(digest))
        except PathNotFound:
            return False
        return True

    async def put_blob(self, registry: str, repository: str, digest: str, chunks: AsyncIterator[bytes],
                       expected: int | None = None) -> int:
        """A monolithic upload: the body is the whole blob. Nothing is left behind if it fails."""
        hasher = hashlib.new(check_digest(digest).partition(":")[0])
        writer = self.driver.writer(blob_path(digest))
        try:
            async for chunk in chunks:
                if chunk:
                    writer.write(chunk)
                    hasher.update(chunk)
            if expected is not None and writer.size != expected:
                raise ServiceError(errors.SIZE_INVALID)
            if f"{hasher.name}:{hasher.hexdigest()}" != digest:
                raise ServiceError(errors.DIGEST_INVALID, detail_object={"digest": digest})
            await asyncio.to_thread(self._place, registry, repository, digest, writer.commit, writer.size)
            return writer.size
        finally:
            writer.cancel()

    def _place(self, registry: str, repository: str, digest: str, put: Callable[[], None], size: int) -> None:
        with self.placing(digest):
            put()
            self.store.add_blob(registry, repository, digest, size, self.clock.now())

    # uploads ----------------------------------------------------------------------------------------
    def start_upload(self, registry: str, repository: str) -> Upload:
        """The row first, then the (empty) bytes: a session file without a row is an orphan."""
        upload = Upload(self.ids.guid(), registry, repository, 0, self.clock.now())
        self.store.add_upload(upload)
        writer = self.driver.writer(f"uploads/{upload.id}")
        writer.commit()
        return upload

    def expired(self, upload: Upload) -> bool:
        return self.clock.now() >= upload.started + UPLOAD_LIFETIME

    def upload(self, registry: str, repository: str, upload_id: str) -> Upload:
        found = self.store.upload(upload_id) if len(upload_id) <= 64 else None
        if (found is None or found.registry != registry or found.repository != repository
                or self.expired(found)):
            raise ServiceError(errors.BLOB_UPLOAD_UNKNOWN, detail_object={"uuid": upload_id})
        return found

    async def append(self, upload: Upload, chunks: AsyncIterator[bytes], expected: int | None = None) -> int:
        """Append a request body to the session; returns the new committed length."""
        self._repair(upload)
        # A session's first bytes replace its empty object (a rename on commit); only later
        # requests append, which copies their bytes onto the end of the object.
        writer = self.driver.writer(f"uploads/{upload.id}", append=upload.committed > 0)
        offset = upload.committed
        try:
            async for chunk in chunks:
                if chunk:
                    writer.write(chunk)
                    self.hashing.update(upload.id, offset, chunk)
                    offset += len(chunk)
            if expected is not None and offset - upload.committed != expected:
                raise ServiceError(errors.SIZE_INVALID)
            await asyncio.to_thread(writer.commit)  # fsync, and the copy of an append: off the event loop
        except BaseException:
            writer.cancel()
            self.hashing.forget(upload.id)
            raise
        self.store.set_upload_offset(upload.id, offset, self.clock.now())
        return offset

    def _session_size(self, upload: Upload) -> int:
        """The size of the session's bytes; a session whose bytes are gone (a crash while it was
        being completed) is forgotten and reported unknown."""
        try:
            return self.driver.stat(f"uploads/{upload.id}")
        except PathNotFound:
            self.store.delete_upload(upload.id)
            self.hashing.forget(upload.id)
            raise ServiceError(errors.BLOB_UPLOAD_UNKNOWN, detail_object={"uuid": upload.id}) from None

    def _repair(self, upload: Upload) -> None:
        """Bytes past the committed length (a crash between commit and record) are dropped."""
        path = f"uploads/{upload.id}"
        size = self._session_size(upload)
        if size != upload.committed:
            if not isinstance(self.driver, Truncatable):
                raise ServiceError(errors.BLOB_UPLOAD_INVALID, detail_object={"uuid": upload.id})
            self.driver.truncate(path, upload.committed)
            self.hashing.forget(upload.id)

    def finish(self, upload: Upload, digest: str) -> int:
        """Verify the digest of everything uploaded, then move the bytes into the blob store."""
        check_digest(digest)
        path = f"uploads/{upload.id}"
        size = self._session_size(upload)
        actual = self.hashing.digest(upload.id, size) if digest.startswith("sha256:") else None
        if actual is None:
            hasher = hashlib.new(digest.partition(":")[0])
            for chunk in self.driver.reader(path):
                hasher.update(chunk)
            actual = f"{hasher.name}:{hasher.hexdigest()}"
        if actual != digest:
            raise ServiceError(errors.DIGEST_INVALID, detail_object={"digest": digest})
        try:
            self._place(upload.registry, upload.repository, digest,
                        lambda: self.driver.move(path, blob_path(digest)), size)
        except PathNotFound:  # reclaimed meanwhile (it expired)
            raise ServiceError(errors.BLOB_UPLOAD_UNKNOWN, detail_object={"uuid": upload.id}) from None
        self.store.delete_upload(upload.id)
        self.hashing.forget(upload.id)
        return size

    def cancel(self, upload: Upload) -> None:
        self.store.delete_upload(upload.id)
        self.hashing.forget(upload.id)
        with contextlib.suppress(PathNotFound):
            self.driver.delete(f"uploads/{upload.id}")

    # garbage collection ---------------------------------------------------------------------------------
    def collect(self) -> list[str]:
        """Delete blobs no repository links to; returns their digests."""
        removed = []
        for row in self.store.unreferenced_blobs():
            with self.placing(row["digest"]):
                if not self.store.forget_blob(row["digest"]):
                    continue  # linked again meanwhile: its bytes are in use
                with contextlib.suppress(PathNotFound):
                    self.driver.delete(blob_path(row["digest"]))
            removed.append(row["digest"])
        return removed
