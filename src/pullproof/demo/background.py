"""An emulator served from a background thread (real sockets), stopped when the demo ends."""

from __future__ import annotations

import asyncio
import threading

from pullproof.demo.server import DemoServer


class Background:
    def __init__(self, server: DemoServer) -> None:
        self.server = server
        self._ready = threading.Event()
        self._stop: asyncio.Event | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread = threading.Thread(target=self._run, name="pullproof-demo", daemon=True)

    def _run(self) -> None:
        async def main() -> None:
            self._loop = asyncio.get_running_loop()
            self._stop = asyncio.Event()
            await self.server.serve(self._ready.set, self._stop)

        asyncio.run(main())

    def start(self) -> None:
        self._thread.start()
        if not self._ready.wait(60):
            raise RuntimeError("the emulator did not start")

    def stop(self) -> None:
        if self._loop is not None and self._stop is not None:
            self._loop.call_soon_threadsafe(self._stop.set)
        self._thread.join(30)
