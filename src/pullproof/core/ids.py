"""Injected identifiers: GUIDs and opaque random strings."""

from __future__ import annotations

import random
import secrets
import string
import threading
import uuid
from typing import Protocol

_SECRET_FIRST = string.ascii_letters + string.digits  # never "-": a command line would read it as an option
_SECRET_ALPHABET = _SECRET_FIRST + "~._-"


class IdFactory(Protocol):
    """Source of new identifiers."""

    def guid(self) -> str:
        """A new lower-case GUID (RFC 4122 version 4)."""
        ...

    def secret(self, length: int = 40) -> str:
        """A new random secret of ``length`` characters (Entra client-secret alphabet)."""
        ...

    def hex(self, nbytes: int = 16) -> str:
        """``nbytes`` random bytes as lower-case hex."""
        ...


class RandomIds:
    """Cryptographically random identifiers; the default."""

    def guid(self) -> str:
        return str(uuid.uuid4())

    def secret(self, length: int = 40) -> str:
        return secrets.choice(_SECRET_FIRST) + "".join(secrets.choice(_SECRET_ALPHABET) for _ in range(length - 1))

    def hex(self, nbytes: int = 16) -> str:
        return secrets.token_hex(nbytes)


class SeededIds:
    """Deterministic identifiers from a seed; for tests and golden files. Never for real secrets."""

    def __init__(self, seed: int = 0) -> None:
        self._random = random.Random(seed)
        self._lock = threading.Lock()

    def guid(self) -> str:
        with self._lock:
            return str(uuid.UUID(int=self._random.getrandbits(128), version=4))

    def secret(self, length: int = 40) -> str:
        with self._lock:
            first = self._random.choice(_SECRET_FIRST)
            return first + "".join(self._random.choice(_SECRET_ALPHABET) for _ in range(length - 1))

    def hex(self, nbytes: int = 16) -> str:
        with self._lock:
            return self._random.getrandbits(nbytes * 8).to_bytes(nbytes, "big").hex()
