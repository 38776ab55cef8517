"""Watch streams: newline-delimited JSON events (``ADDED``, ``MODIFIED``, ``DELETED``, ``BOOKMARK``,
``ERROR``) after a resourceVersion (unset or ``0``: the current objects first, as ADDED), filtered by
label/field selectors (an object leaving the selection is sent as DELETED), closed after
``timeoutSeconds``; a resourceVersion older than the tracker's history gives one ERROR event with
a 410 ``Expired`` Status. With a Table Accept each object is a one-row Table."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from typing import Any

from pullproof.core.errors import ServiceError
from pullproof.kube import errors
from pullproof.kube.apiserver.options import parse_resource_version
from pullproof.kube.apiserver.printing.tables import table
from pullproof.kube.apiserver.service import typed
from pullproof.kube.storage.resources import ResourceType
from pullproof.kube.storage.tracker import Event, Tracker, Watcher

Obj = dict[str, Any]
DEFAULT_TIMEOUT = 1800.0


@dataclass(frozen=True)
class WatchRequest:
    rtype: ResourceType
    namespace: str | None
    predicate: Callable[[Obj], bool]
    since: int | None
    timeout: float
    table_version: str | None = None
    include: str = "Metadata"
    bookmarks: bool = False


def since_of(resource_version: str) -> int | None:
    """The version a watch starts after; None (unset or ``0``) starts with the current objects."""
    return parse_resource_version(resource_version) or None


def _line(kind: str, obj: Obj) -> bytes:
    return json.dumps({"type": kind, "object": obj}, separators=(",", ":")).encode() + b"\n"


class WatchStream:
    def __init__(self, tracker: Tracker, request: WatchRequest, now: Callable[[], float]) -> None:
        self.tracker = tracker
        self.request = request
        self.now = now
        self.seen: set[tuple[str, str]] = set()
        self.headers_sent = False

    def _encode(self, kind: str, obj: Obj) -> bytes:
        request = self.request
        if request.table_version is None:
            return _line(kind, typed(request.rtype, obj))
        meta = {"resourceVersion": (obj.get("metadata") or {}).get("resourceVersion", "")}
        rows = table(request.rtype, [typed(request.rtype, obj)], self.now(), request.table_version, meta,
                     request.include, headers=not self.headers_sent)
        self.headers_sent = True
        return _line(kind, rows)

    def _translate(self, event: Event) -> tuple[str, Obj] | None:
        meta = event.obj.get("metadata") or {}
        key = (str(meta.get("namespace") or ""), str(meta.get("name") or ""))
        matches = self.request.predicate(event.obj)
        if event.type == "DELETED":
            known = key in self.seen
            self.seen.discard(key)
            return ("DELETED", event.obj) if matches or known else None
        if matches:
            kind = "ADDED" if key not in self.seen else event.type
            self.seen.add(key)
            return kind, event.obj
        if key in self.seen:
            self.seen.discard(key)
            return "DELETED", event.obj
        return None

    async def events(self) -> AsyncIterator[bytes]:
        request = self.request
        try:
            watcher = self.tracker.watch(request.rtype.key, request.namespace, request.since)
        except ServiceError as exc:
            yield _line("ERROR", errors.status_body(exc))
            return
        if request.since is not None:
            items, _ = self.tracker.list(request.rtype.key, request.namespace, request.predicate)
            self.seen = {(str(o["metadata"].get("namespace") or ""), o["metadata"]["name"]) for o in items}
        try:
            for event in watcher.pending:
                translated = self._translate(event)
                if translated:
                    yield self._encode(*translated)
            async for chunk in self._follow(watcher):
                yield chunk
        finally:
            self.tracker.stop(watcher)

    async def _follow(self, watcher: Watcher) -> AsyncIterator[bytes]:
        deadline = asyncio.get_running_loop().time() + self.request.timeout
        while True:
            try:
                event = await watcher.next(deadline)
            except TimeoutError:
                break
            if event is None:
                return  # closed: the server stopped, or the client fell too far behind
            translated = self._translate(event)
            if translated:
                yield self._encode(*translated)
        if self.request.bookmarks and self.request.table_version is None:
            bookmark = {"kind": self.request.rtype.kind, "apiVersion": self.request.rtype.api_version,
                        "metadata": {"resourceVersion": str(self.tracker.resource_version)}}
            yield _line("BOOKMARK", bookmark)
