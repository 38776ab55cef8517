"""Build a ``BlobDriver`` by name (the composition root chooses it from settings)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from pullproof.blobstore.base import BlobDriver
from pullproof.blobstore.filesystem import FilesystemDriver
from pullproof.blobstore.memory import MemoryDriver


def _filesystem(root: Path | None) -> BlobDriver:
    if root is None:
        raise ValueError("the filesystem blob driver needs a root directory")
    return FilesystemDriver(root)


def _memory(root: Path | None) -> BlobDriver:
    return MemoryDriver()


def create_driver(name: str, root: Path | None) -> BlobDriver:
    """The driver called ``name``; ``root`` is its directory (ignored by ``memory``).

    ``ValueError`` for an unknown name (the message lists the known ones) or a missing root.
    """
    constructors: dict[str, Callable[[Path | None], BlobDriver]] = {
        FilesystemDriver.name: _filesystem,
        MemoryDriver.name: _memory,
    }
    constructor = constructors.get(name)
    if constructor is None:
        known = ", ".join(sorted(constructors))
        raise ValueError(f"unknown blob driver {name!r}; known drivers: {known}")
    return constructor(root)
