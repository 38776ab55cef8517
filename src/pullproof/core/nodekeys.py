"""Node credentials: each node's secret is an HMAC of its name under a key kept in the data dir,
so the same node always presents the same secret and nothing readable is stored in the database."""

from __future__ import annotations

import hashlib
import hmac
import os
import secrets
from pathlib import Path


class NodeKey:
    def __init__(self, path: Path) -> None:
        if not path.exists():
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            with os.fdopen(fd, "w") as handle:
                handle.write(secrets.token_hex(32))
        self._key = bytes.fromhex(path.read_text().strip())

    def secret_for(self, node: str) -> str:
        return hmac.new(self._key, node.encode("utf-8"), hashlib.sha256).hexdigest()
