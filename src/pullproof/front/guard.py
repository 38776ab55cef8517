"""uvicorn's h11 protocol with the limits it lacks, for the HTTPS and plain-HTTP listeners.

uvicorn closes an idle keep-alive connection (``timeout_keep_alive``) and h11 caps an incomplete head
(``h11_max_incomplete_event_size``), but nothing bounds the time a client takes to send a head or a
body, or to read a response: a connection (or a tunnel ending here) that sends half a head stays open
for ever. This protocol adds, per connection, one timer for what the connection waits on:

- the head: from the connection (or the first byte after a response) to the end of the headers,
  ``header_timeout`` in all;
- the body: ``body_timeout`` of silence between two reads (not counted while the app is not reading);
- the response: ``send_timeout`` while the client reads nothing of what is written to it.

On expiry the connection is closed without an answer, as http.sys and nginx do. A head whose target
is longer than ``max_url_bytes`` gets ``414``, a longer head ``400``, both in http.sys's words
(``front/errors.py``), before h11 buffers more of it.
"""

from __future__ import annotations

import asyncio
from typing import Any

import h11
from uvicorn.protocols.http.h11_impl import H11Protocol

from pullproof.core.errors import ServiceError
from pullproof.front import errors
from pullproof.front.limits import Excess, Limits, head_excess


class GuardedH11Protocol(H11Protocol):
    def __init__(self, *args: Any, limits: Limits, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.limits = limits
        self._timer: asyncio.TimerHandle | None = None
        self._waiting_for: str | None = None  # "head", "body" or None
        self._send_timer: asyncio.TimerHandle | None = None
        self._refused = False
        self._last_read = 0.0

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        self._wait("head", self.limits.header_timeout)

    def connection_lost(self, exc: Exception | None) -> None:
        self._stop()
        if self._send_timer is not None:
            self._send_timer.cancel()
        super().connection_lost(exc)

    def data_received(self, data: bytes) -> None:
        if self._refused:
            return
        if self.conn.their_state is h11.IDLE:
            excess = head_excess(self.conn.trailing_data[0] + data, self.limits)
            if excess is not None:
                self._refuse(excess)
                return
            if self._waiting_for != "head":  # the first byte of the next request: its head's clock starts
                self._wait("head", self.limits.header_timeout)
        super().data_received(data)
        state = self.conn.their_state
        if state is h11.SEND_BODY:  # silence between two reads; the timer checks the time of the last
            if self._waiting_for == "body":
                self._last_read = self.loop.time()
            else:
                self._wait("body", self.limits.body_timeout)
        elif state is not h11.IDLE:
            self._stop()  # the whole request is in; the app has it

    def pause_writing(self) -> None:
        super().pause_writing()
        if self._send_timer is None:
            self._await_reader(self.transport.get_write_buffer_size())

    def resume_writing(self) -> None:
        super().resume_writing()
        if self._send_timer is not None:
            self._send_timer.cancel()
            self._send_timer = None

    def _await_reader(self, pending: int) -> None:
        """Close if none of the ``pending`` bytes waiting for the client leave within ``send_timeout``."""

        def check() -> None:
            left = self.transport.get_write_buffer_size()
            if left < pending:  # the client has read some: a new period starts
                self._await_reader(left)
            else:
                self._close()

        self._send_timer = self.loop.call_later(self.limits.send_timeout, check)

    def _refuse(self, excess: Excess) -> None:
        """Answer, then drop what the client still sends until it closes (at most ``lingering_time``):
        closing on unread bytes would reset the connection and lose the answer."""
        code = errors.URL_TOO_LONG if excess is Excess.URL else errors.HEAD_TOO_LARGE
        self._stop()
        self._refused = True
        self.transport.write(errors.render(ServiceError(code)))
        if self.transport.can_write_eof():
            self.transport.write_eof()
        self._timer = self.loop.call_later(self.limits.lingering_time, self._close)

    def _wait(self, what: str, seconds: float) -> None:
        self._stop()
        self._waiting_for = what
        self._last_read = self.loop.time()
        self._timer = self.loop.call_later(seconds, self._expired)

    def _stop(self) -> None:
        if self._timer is not None:
            self._timer.cancel()
        self._timer = None
        self._waiting_for = None

    def _expired(self) -> None:
        self._timer = None
        if self._waiting_for == "body":
            if self.flow.read_paused:  # the app is not reading: not the client's delay
                self._wait("body", self.limits.body_timeout)
                return
            quiet = self.loop.time() - self._last_read
            if quiet < self.limits.body_timeout:  # a read since the timer was set: wait for the rest
                self._timer = self.loop.call_later(self.limits.body_timeout - quiet, self._expired)
                return
        self._close()

    def _close(self) -> None:
        self._send_timer = None
        self.transport.abort()  # nothing is owed to this client; a closing transport would wait for it
