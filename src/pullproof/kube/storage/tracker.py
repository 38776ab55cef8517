"""The object tracker of one cluster: objects by (resource, namespace, name), one monotonically
increasing resourceVersion, watches, and copies in and out (callers never share state with it).

Writes are synchronous and durable (write-through to the database; see ``batch`` for the controllers'
passes); an object larger than etcd's
request limit is refused, as etcd refuses it. The history that watches resume from is a window
bounded by events and by bytes; its events share the stored objects (which are replaced, never
changed, on write). Watchers are fed through bounded per-watcher buffers, safe from any thread.
"""

from __future__ import annotations

import asyncio
import contextlib
import contextvars
import json
import threading
from collections import deque
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any, TypeVar, cast

from pullproof.core.clock import Clock
from pullproof.core.errors import ServiceError
from pullproof.core.ids import IdFactory
from pullproof.kube import errors
from pullproof.kube.storage.store import Key, KubeStore
from pullproof.kube.storage.watchers import WATCH_BUFFER_BYTES, WATCH_BUFFER_EVENTS, Event, Watcher

HISTORY_EVENTS = 20000
HISTORY_BYTES = 32 * 1024 * 1024
MAX_OBJECT_BYTES = 1572864  # etcd's default --max-request-bytes (1.5 MiB)
T = TypeVar("T")
Objects = list[dict[str, Any]]
Keyed = list[tuple[tuple[str, str], dict[str, Any]]]  # objects with their (namespace, name)
Hook = Callable[[str, str, dict[str, Any]], None]
__all__ = ["Event", "Limits", "Tracker", "Watcher", "clone", "kube_time"]


@dataclass(frozen=True)
class Limits:
    """How much one cluster keeps: the watch history window, object size, per-watcher buffers."""

    history_events: int = HISTORY_EVENTS
    history_bytes: int = HISTORY_BYTES
    object_bytes: int = MAX_OBJECT_BYTES
    watch_events: int = WATCH_BUFFER_EVENTS
    watch_bytes: int = WATCH_BUFFER_BYTES


def clone(value: T) -> T:
    """A deep copy of JSON-shaped data (dicts, lists, scalars): several times faster than copy.deepcopy."""
    if isinstance(value, dict):
        return cast(T, {k: clone(v) for k, v in value.items()})
    if isinstance(value, list):
        return cast(T, [clone(v) for v in value])
    return value


def kube_time(epoch: float) -> str:
    from datetime import UTC, datetime

    return datetime.fromtimestamp(epoch, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def serialized(obj: dict[str, Any]) -> str:
    return json.dumps(obj, separators=(",", ":"))


class Tracker:
    """Kubernetes objects of one cluster (``cluster`` is its stable id)."""

    def __init__(self, cluster: str, store: KubeStore, clock: Clock, ids: IdFactory,
                 limits: Limits | None = None) -> None:
        self.cluster = cluster
        self.store = store
        self.clock = clock
        self.ids = ids
        self.limits = limits or Limits()
        self._lock = threading.RLock()
        self._rv, loaded = store.load(cluster)
        self._objects: dict[str, dict[tuple[str, str], dict[str, Any]]] = {}
        self._order: dict[tuple[str, str | None], list[tuple[str, str]]] = {}  # sorted keys per listing
        for (resource, namespace, name), obj in loaded.items():
            self._objects.setdefault(resource, {})[(namespace, name)] = obj
        self._texts: dict[Key, str] = {}  # each stored object's JSON: copies out are parsed from it
        for resource, objects in self._objects.items():
            for (namespace, name), obj in objects.items():
                self._texts[(resource, namespace, name)] = serialized(obj)
        self._history: deque[Event] = deque()
        self._history_bytes = 0
        self._oldest = self._rv
        self._watchers: list[Watcher] = []
        self.hooks: list[Hook] = []
        self.event_index: dict[tuple[Any, ...], str] = {}
        self.last_event_nanos = 0
        self._deferred = contextvars.ContextVar(f"deferred-{cluster}", default=False)

    @contextlib.contextmanager
    def batch(self) -> Iterator[None]:
        """Writes made in this context (this task or thread, and the tasks it starts) reach the database
        together when it ends: a controller's or kubelet's pass is one transaction, not one per write.
        Nothing a client was answered is deferred: writes from other contexts stay write-through, and
        each one also commits the deferred writes before it."""
        token = self._deferred.set(True)
        try:
            yield
        finally:
            self._deferred.reset(token)
            self.store.flush()

    @property
    def resource_version(self) -> int:
        with self._lock:
            return self._rv

    @property
    def oldest(self) -> int:
        """Every event after this resourceVersion is still in the history window."""
        with self._lock:
            return self._oldest

    @property
    def history(self) -> tuple[int, int]:
        """(events, bytes) in the history window."""
        with self._lock:
            return len(self._history), self._history_bytes

    # reads ------------------------------------------------------------------------------------------
    def get(self, resource: str, namespace: str, name: str) -> dict[str, Any]:
        with self._lock:
            text = self._texts.get((resource, namespace, name))
            if text is None:
                raise ServiceError(errors.NOT_FOUND, resource=resource, name=name, detail_name=name,
                                   detail_kind=resource.split(".")[0], detail_group=_group(resource))
            return _parsed(text)

    def find(self, resource: str, namespace: str, name: str) -> dict[str, Any] | None:
        with self._lock:
            text = self._texts.get((resource, namespace, name))
            return _parsed(text) if text is not None else None

    def list(self, resource: str, namespace: str | None = None,
             predicate: Callable[[dict[str, Any]], bool] | None = None) -> tuple[list[dict[str, Any]], int]:
        with self._lock:
            texts = self._texts
            return [_parsed(texts[(resource, *key)]) for key, _ in self._select(resource, namespace, predicate)], \
                self._rv

    def scan(self, resource: str, namespace: str | None = None,
             predicate: Callable[[dict[str, Any]], bool] | None = None) -> Objects:
        """Like ``list`` but without copies, for in-process readers on hot paths: the objects returned
        are the stored ones and must not be changed (``clone`` one before editing it)."""
        with self._lock:
            return [obj for _, obj in self._select(resource, namespace, predicate)]

    def _select(self, resource: str, namespace: str | None, predicate: Callable[[dict[str, Any]], bool] | None
                ) -> Keyed:
        """The stored objects of ``resource`` with their (namespace, name), by namespace then name."""
        objects = self._objects.get(resource, {})
        keys = self._order.get((resource, namespace))
        if keys is None:  # sorted once, kept until an object of the kind comes or goes
            keys = sorted(objects) if namespace is None else sorted(k for k in objects if k[0] == namespace)
            self._order[(resource, namespace)] = keys
        return [(k, obj) for k, obj in ((k, objects[k]) for k in keys) if predicate is None or predicate(obj)]

    # writes -------------------------------------------------------------------------------------------
    def _next(self) -> int:
        self._rv += 1
        return self._rv

    def create(self, resource: str, namespace: str, obj: dict[str, Any]) -> dict[str, Any]:
        body = clone(obj)
        meta = body.setdefault("metadata", {})
        name = meta.get("name")
        with self._lock:
            if (namespace, name) in self._objects.get(resource, {}):
                raise ServiceError(errors.ALREADY_EXISTS, resource=resource, name=name, detail_name=name,
                                   detail_kind=resource.split(".")[0], detail_group=_group(resource))
            rv = self._next()
            meta.update({"uid": meta.get("uid") or self.ids.guid(), "resourceVersion": str(rv),
                         "creationTimestamp": meta.get("creationTimestamp") or kube_time(self.clock.now())})
            if namespace:
                meta["namespace"] = namespace
            return self._commit("ADDED", resource, namespace, body, rv)

    def update(self, resource: str, namespace: str, obj: dict[str, Any], check_version: bool = True) -> dict[str, Any]:
        body = clone(obj)
        meta = body.setdefault("metadata", {})
        name = meta.get("name")
        with self._lock:
            current = self._objects.get(resource, {}).get((namespace, name))
            if current is None:
                raise ServiceError(errors.NOT_FOUND, resource=resource, name=name, detail_name=name,
                                   detail_kind=resource.split(".")[0], detail_group=_group(resource))
            wanted = meta.get("resourceVersion")
            if check_version and wanted and wanted != current["metadata"]["resourceVersion"]:
                raise ServiceError(errors.CONFLICT, resource=resource, name=name, detail_name=name,
                                   detail_kind=resource.split(".")[0], detail_group=_group(resource))
            for key in ("uid", "creationTimestamp"):
                meta[key] = current["metadata"].get(key)
            # compared with what was stored, not the live dict: a caller may have edited a scanned object
            if _same_but_version(body, _parsed(self._texts[(resource, namespace, name)])):
                return _parsed(self._texts[(resource, namespace, name)])
            rv = self._next()
            meta["resourceVersion"] = str(rv)
            return self._commit("MODIFIED", resource, namespace, body, rv)

    def delete(self, resource: str, namespace: str, name: str) -> dict[str, Any]:
        key: Key = (resource, namespace, name)
        with self._lock:
            current = self._objects.get(resource, {}).pop((namespace, name), None)
            self._forget_order(resource)
            if current is None:
                raise ServiceError(errors.NOT_FOUND, resource=resource, name=name, detail_name=name,
                                   detail_kind=resource.split(".")[0], detail_group=_group(resource))
            rv = self._next()
            gone = {**current, "metadata": {**current["metadata"], "resourceVersion": str(rv)}}
            text = self._texts.pop(key, None)
            size = len(text) if text is not None else len(serialized(gone))
            self.store.delete(self.cluster, key, rv, self._deferred.get())
            self._publish(Event(rv, "DELETED", resource, namespace, gone, size))
            return clone(gone)

    def _commit(self, kind: str, resource: str, namespace: str, body: dict[str, Any], rv: int) -> dict[str, Any]:
        key: Key = (resource, namespace, body["metadata"]["name"])
        text = serialized(body)
        if len(text.encode("utf-8")) > self.limits.object_bytes:
            self._rv -= 1  # nothing was written: the version is not used
            raise ServiceError(errors.STORAGE_TOO_LARGE)
        self.store.put(self.cluster, key, rv, text, self._deferred.get())
        objects = self._objects.setdefault(resource, {})
        if (namespace, key[2]) not in objects:
            self._forget_order(resource)
        objects[(namespace, key[2])] = body
        self._texts[key] = text
        self._publish(Event(rv, kind, resource, namespace, body, len(text)))
        return _parsed(text)

    def _forget_order(self, resource: str) -> None:
        for listing in [k for k in self._order if k[0] == resource]:
            del self._order[listing]

    def _publish(self, event: Event) -> None:
        self._history.append(event)
        self._history_bytes += event.size
        limits = self.limits
        while len(self._history) > limits.history_events or self._history_bytes > limits.history_bytes:
            dropped = self._history.popleft()
            self._history_bytes -= dropped.size
            self._oldest = dropped.rv
        for watcher in list(self._watchers):
            if watcher.wants(event) and not watcher.push(event):
                self._watchers.remove(watcher)  # closed: it fell too far behind
        for hook in list(self.hooks):
            hook(event.type, event.resource, clone(event.obj))

    # watches ------------------------------------------------------------------------------------------
    def watch(self, resource: str, namespace: str | None, since: int | None) -> Watcher:
        """A watcher receiving events after ``since`` (``None``: from now, after synthetic ADDED events)."""
        loop = asyncio.get_running_loop()
        with self._lock:
            watcher = Watcher(resource, namespace, loop, self.limits.watch_events, self.limits.watch_bytes)
            if since is None:
                watcher.pending = [Event(int(o["metadata"]["resourceVersion"]), "ADDED", resource,
                                         o["metadata"].get("namespace", ""), o) for o in self.scan(resource, namespace)]
            else:
                if since < self._oldest:
                    raise ServiceError(errors.GONE, requested=since, oldest=self._oldest)
                watcher.pending = [e for e in self._history if e.rv > since and e.resource == resource
                                   and namespace in (None, e.namespace)]
            self._watchers.append(watcher)
            return watcher

    def stop(self, watcher: Watcher) -> None:
        with self._lock:
            watcher.close()
            if watcher in self._watchers:
                self._watchers.remove(watcher)

    def close_all(self) -> None:
        with self._lock:
            for watcher in self._watchers:
                watcher.close()
            self._watchers.clear()

    @property
    def watchers(self) -> int:
        with self._lock:
            return len(self._watchers)

    def watching(self, resource: str, namespace: str | None) -> int:
        """How many open watches follow ``resource`` in ``namespace`` (``None``: across namespaces)."""
        with self._lock:
            return sum(1 for w in self._watchers if (w.resource, w.namespace) == (resource, namespace) and not w.closed)


def _parsed(text: str) -> dict[str, Any]:
    """A copy of a stored object from its JSON (parsing is several times faster than copying the dict)."""
    parsed: dict[str, Any] = json.loads(text)
    return parsed


def _group(resource: str) -> str | None:
    return resource.split(".", 1)[1] if "." in resource else None


def _same_but_version(body: dict[str, Any], current: dict[str, Any]) -> bool:
    """Equal objects, ignoring ``metadata.resourceVersion`` (compared without copying either)."""
    if body.keys() != current.keys() or any(body[k] != current[k] for k in body if k != "metadata"):
        return False
    a, b = body["metadata"], current["metadata"]
    keys = (a.keys() | b.keys()) - {"resourceVersion"}
    return all(k in a and k in b and a[k] == b[k] for k in keys)
