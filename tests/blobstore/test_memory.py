"""The memory driver passes the conformance suite; ``create_driver`` builds drivers by name."""

from __future__ import annotations

from pathlib import Path

import pytest

from pullproof.blobstore.base import BlobDriver, Truncatable
from pullproof.blobstore.factory import create_driver
from pullproof.blobstore.filesystem import FilesystemDriver
from pullproof.blobstore.memory import MemoryDriver
from tests.conformance.blobstore_suite import BlobDriverSuite


class TestMemoryDriver(BlobDriverSuite):
    def make_driver(self, tmp_path: Path) -> BlobDriver:
        return MemoryDriver()


def test_create_driver_by_name(tmp_path: Path) -> None:
    memory = create_driver("memory", None)
    assert isinstance(memory, MemoryDriver) and memory.name == "memory"
    filesystem = create_driver("filesystem", tmp_path / "blobs")
    assert isinstance(filesystem, FilesystemDriver) and filesystem.name == "filesystem"
    assert filesystem.root == tmp_path / "blobs"
    assert isinstance(memory, Truncatable) and isinstance(filesystem, Truncatable)


def test_create_driver_rejects_unknown_names_and_a_missing_root() -> None:
    with pytest.raises(ValueError, match=r"unknown blob driver 's3'; known drivers: filesystem, memory"):
        create_driver("s3", None)
    with pytest.raises(ValueError, match="needs a root"):
        create_driver("filesystem", None)
