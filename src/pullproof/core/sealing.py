"""Secrets that must be readable again (ACR admin passwords, which ``listCredentials`` returns) are
sealed with a key kept in the data dir (Fernet: AES-128-CBC + HMAC-SHA256); nothing readable is
stored in the database."""

from __future__ import annotations

import os
from pathlib import Path

from cryptography.fernet import Fernet


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
