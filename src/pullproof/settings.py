"""The one typed settings object. Environment variables are read here and nowhere else.

Each field may be set by ``PULLPROOF_<FIELD>`` (upper case) or by the command-line flag named in
its comment; flags win over the environment, the environment over the defaults.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field, fields, replace
from pathlib import Path
from typing import Any


def _default_data_dir() -> Path:
    return Path.home() / ".pullproof"


@dataclass(frozen=True)
class Settings:
    """Emulator settings (version 1)."""

    data_dir: Path = field(default_factory=_default_data_dir)
    """Where state, the CA and the operator credentials live (``--data-dir``)."""
    host: str = "127.0.0.1"
    """Address the listeners bind to (``--host``); loopback unless told otherwise."""
    port: int = 8443
    """Direct HTTPS listener, also the custom-cloud endpoint (``--port``; 0 = any free port)."""
    proxy_port: int = 8080
    """HTTP proxy (CONNECT) and plain-HTTP IMDS listener (``--proxy-port``; 0 = any free port)."""
    time_scale: float | None = None
    """Speed-up of emulated time against wall-clock time (``--time-scale``); unset keeps the data dir's (1 if new)."""
    propagation_delay: float = 0.0
    """Seconds (emulated) before a new role assignment takes effect (``--propagation-delay``)."""
    location: str = "eastus"
    """Default Azure region of the default resources."""
    max_body_bytes: int = 4 * 1024 * 1024
    """Largest ARM, Graph or token request body accepted (ARM's own limit is 4 MiB)."""
    blob_driver: str = "filesystem"
    """Where registry blobs live: ``filesystem`` (under the data dir) or ``memory`` (``--blob-driver``)."""
    version: int = 1

    @classmethod
    def from_env(cls, environ: dict[str, str] | None = None, **overrides: Any) -> Settings:
        env = dict(os.environ if environ is None else environ)
        values: dict[str, Any] = {}
        for item in fields(cls):
            raw = env.get(f"PULLPROOF_{item.name.upper()}")
            if raw is not None and item.name != "version":
                values[item.name] = _coerce(item.type, raw)
        values.update({k: v for k, v in overrides.items() if v is not None})
        return replace(cls(), **values)


def _coerce(kind: object, raw: str) -> Any:
    name = kind if isinstance(kind, str) else getattr(kind, "__name__", "str")
    name = name.removesuffix(" | None")
    if name == "Path":
        return Path(raw).expanduser()
    if name == "int":
        return int(raw)
    if name == "float":
        return float(raw)
    return raw
