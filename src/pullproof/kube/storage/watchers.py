"""One watch's buffer of events not yet sent, filled by writers on any thread and drained by the
watch stream on its event loop. The buffer is bounded (events and bytes): a watcher that falls
that far behind is closed, as the API server closes an unresponsive watcher, and its client
lists again. Events share the tracker's objects; the bytes are their stored sizes."""

from __future__ import annotations

import asyncio
import contextlib
import threading
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

WATCH_BUFFER_EVENTS = 1000
WATCH_BUFFER_BYTES = 8 * 1024 * 1024


@dataclass(frozen=True)
class Event:
    """A change; ``obj`` is the stored object itself (never changed once stored), ``size`` its
    serialized size."""

    rv: int
    type: str
    resource: str
    namespace: str
    obj: dict[str, Any]
    size: int = 0


@dataclass
class Watcher:
    resource: str
    namespace: str | None
    loop: asyncio.AbstractEventLoop
    max_events: int = WATCH_BUFFER_EVENTS
    max_bytes: int = WATCH_BUFFER_BYTES
    pending: list[Event] = field(default_factory=list)
    closed: bool = False
    overflowed: bool = False
    buffered_bytes: int = 0
    convert: Callable[[Event], Event] | None = None
    """Applied to each event as it is taken (a watch through a view of another kind's storage)."""
    _buffer: deque[Event] = field(default_factory=deque)
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _wake: asyncio.Event = field(default_factory=asyncio.Event)

    def wants(self, event: Event) -> bool:
        return self.resource == event.resource and self.namespace in (None, event.namespace)

    @property
    def buffered(self) -> int:
        with self._lock:
            return len(self._buffer)

    def push(self, event: Event) -> bool:
        """Buffer an event; False once closed (now or before). Overflow closes and empties the buffer."""
        with self._lock:
            if self.closed:
                return False
            if len(self._buffer) >= self.max_events or self.buffered_bytes + event.size > self.max_bytes:
                self._buffer.clear()
                self.buffered_bytes = 0
                self.closed = self.overflowed = True
            else:
                self._buffer.append(event)
                self.buffered_bytes += event.size
        self._notify()
        return not self.overflowed

    def close(self) -> None:
        with self._lock:
            self.closed = True
        self._notify()

    def _notify(self) -> None:
        with contextlib.suppress(RuntimeError):  # a loop that has ended has nobody waiting
            self.loop.call_soon_threadsafe(self._wake.set)

    async def next(self, deadline: float) -> Event | None:
        """The next event; None when the watcher is closed. ``TimeoutError`` at ``deadline`` (loop time)."""
        while True:
            with self._lock:
                if self._buffer:
                    event = self._buffer.popleft()
                    self.buffered_bytes -= event.size
                    return self.convert(event) if self.convert is not None else event
                if self.closed:
                    return None
                self._wake.clear()
            remaining = deadline - self.loop.time()
            if remaining <= 0:
                raise TimeoutError
            await asyncio.wait_for(self._wake.wait(), remaining)
