"""Secrets that must be readable again (ACR admin passwords, which ``listCredentials`` returns; the token
signing keys; Kubernetes Secrets) are sealed with a key kept in the data dir (Fernet: AES-128-CBC +
HMAC-SHA256); nothing readable is stored in the database.

``seal``/``open`` give and take bare Fernet tokens. Values in columns that older data dirs kept in clear
are stored with ``seal_value``, which tags them (``sealed:v1:``), so ``open_value`` can tell a sealed value
from one written before sealing and the server can seal those when it opens the data dir.
"""

from __future__ import annotations

import os
from pathlib import Path

from cryptography.fernet import Fernet

SEALED = "sealed:v1:"


class Sealer:
    def __init__(self, path: Path) -> None:
        if not path.exists():
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            with os.fdopen(fd, "wb") as handle:
                handle.write(Fernet.generate_key())
        self._fernet = Fernet(path.read_bytes().strip())

    def seal(self, text: str) -> str:
        return self._fernet.encrypt(text.encode("utf-8")).decode("ascii")

    def open(self, token: str) -> str:
        return self._fernet.decrypt(token.encode("ascii")).decode("utf-8")

    def seal_value(self, text: str) -> str:
        """``text`` sealed and tagged as such."""
        return SEALED + self.seal(text)

    def open_value(self, stored: str) -> str:
        """The clear text of a ``seal_value`` result; a value stored before sealing is returned as is."""
        return self.open(stored[len(SEALED):]) if is_sealed(stored) else stored


def is_sealed(stored: str) -> bool:
    return stored.startswith(SEALED)
