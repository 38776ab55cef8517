"""The demo's server, as the demo sees it: where it listens, the operator it acts as, the state it explains
from, and how to serve. The CLI builds one (``pullproof/tools.py``) and passes it in."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from pullproof.explain.state import ToolState


@dataclass(frozen=True)
class Login:
    """The operator service principal (Owner of the default subscription)."""

    tenant_id: str
    subscription_id: str
    client_id: str
    client_secret: str


class DemoServer(Protocol):
    @property
    def direct(self) -> str: ...

    @property
    def proxy(self) -> str: ...

    @property
    def ca_path(self) -> Path:
        """The CA bundle real clients verify the server with."""
        ...

    @property
    def operator(self) -> Login: ...

    @property
    def state(self) -> ToolState: ...

    async def serve(self, on_ready: Callable[[], None], stop: asyncio.Event) -> None:
        """Serve until ``stop`` is set; ``on_ready`` once the listeners answer."""
        ...
