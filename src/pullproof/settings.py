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
    """Largest ARM, Graph or token request body accepted (ARM's own limit is 4 MiB); also the largest
    plain-HTTP body the proxy passes on (IMDS, App Service), beyond which it answers ``413``."""
    header_timeout: float = 60.0
    """Seconds a client has to send a request line and its headers, on every listener (the proxy, the
    HTTPS and plain-HTTP listeners, requests inside tunnels); then the connection is closed without an
    answer. nginx's ``client_header_timeout`` is 60 s (http.sys's ``HeaderWait`` 120 s); both close silently."""
    body_timeout: float = 60.0
    """Longest silence (seconds) between two reads of a request body before the connection is closed
    (nginx's ``client_body_timeout``, 60 s)."""
    send_timeout: float = 60.0
    """Longest time (seconds) a response may wait for the client to read before the connection is
    closed (nginx's ``send_timeout``, 60 s between two successful writes)."""
    keep_alive_timeout: float = 75.0
    """Seconds an idle keep-alive connection stays open between requests (nginx's ``keepalive_timeout``, 75 s)."""
    lingering_time: float = 30.0
    """After refusing a request body, seconds the proxy keeps reading and dropping what the client still
    sends, so that the client reads the refusal rather than a reset (nginx's ``lingering_time``, 30 s)."""
    tunnel_idle_timeout: float = 240.0
    """Seconds a CONNECT tunnel may carry no byte either way before both sides are closed: the 4-minute
    TCP idle timeout of the Azure Load Balancer and NAT gateway in front of Azure's endpoints."""
    max_tunnels: int = 128
    """Most CONNECT tunnels open at once; the next CONNECT is answered ``503 Service Unavailable`` (as
    Envoy's connection circuit breaker does). A tunnel holds two threads and about seven descriptors, so
    128 keeps a process within the 1024 descriptors Linux gives it by default."""
    max_header_bytes: int = 16 * 1024
    """Largest request line plus headers: 16 KiB, http.sys's ``MaxRequestBytes`` (and h11's default).
    The HTTPS and plain-HTTP listeners answer http.sys's ``400``; the proxy ``431`` (as Envoy and Go do)."""
    max_url_bytes: int = 8 * 1024
    """Longest request target; beyond it ``414``. Azure Front Door's URL limit is 8,192 bytes (nginx's
    request-line buffer is 8 KiB too)."""
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
