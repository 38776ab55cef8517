"""Views: a resource type served from another kind's storage (``events.k8s.io/v1`` Events are core
``v1`` Events, ``autoscaling/v1`` HorizontalPodAutoscalers are ``autoscaling/v2`` ones), as a real API
server keeps one storage version per resource and converts each request's version on the way in and
out. ``ViewTracker`` wraps a cluster's tracker for the API server's paths: a view's key reads and
writes its storage key through the view's pair of conversions, so resourceVersions are shared and a
watch through either version sees the writes made through the other."""

from __future__ import annotations

import builtins
import contextlib
import dataclasses
from collections.abc import Callable, Iterator
from typing import Any

from pullproof.core.errors import ServiceError
from pullproof.kube import errors
from pullproof.kube.apiserver.kinds import autoscalingv1, events
from pullproof.kube.apiserver.kinds.base import Conversion
from pullproof.kube.storage.resources import RESOURCES, ResourceType
from pullproof.kube.storage.tracker import Event, Tracker, Watcher

Obj = dict[str, Any]
CONVERSIONS: dict[str, Conversion] = {**events.CONVERSIONS, **autoscalingv1.CONVERSIONS}
"""View key -> its conversions to and from the storage version."""
VIEWS: dict[str, ResourceType] = {r.key: r for r in RESOURCES if r.stored_as}
RENAMED = (errors.NOT_FOUND, errors.ALREADY_EXISTS, errors.CONFLICT)


def to_storage(rtype: ResourceType, obj: Obj) -> Obj:
    found = CONVERSIONS.get(rtype.key)
    return found.to_storage(obj) if found is not None else obj


def from_storage(rtype: ResourceType, obj: Obj) -> Obj:
    found = CONVERSIONS.get(rtype.key)
    return found.from_storage(obj) if found is not None else obj


class ViewTracker(Tracker):
    """The tracker as the API server's paths see it: every key of ``resources.py`` is served, views
    through their conversions; any other key, attribute or method is the wrapped tracker's."""

    def __init__(self, inner: Tracker) -> None:
        self.inner = inner

    def __getattr__(self, name: str) -> Any:
        return getattr(self.inner, name)

    @contextlib.contextmanager
    def batch(self) -> Iterator[None]:
        with self.inner.batch():
            yield

    @property
    def resource_version(self) -> int:
        return self.inner.resource_version

    @property
    def oldest(self) -> int:
        return self.inner.oldest

    @property
    def history(self) -> tuple[int, int]:
        return self.inner.history

    @property
    def watchers(self) -> int:
        return self.inner.watchers

    def _view(self, resource: str) -> tuple[str, Conversion | None]:
        view = VIEWS.get(resource)
        return (view.stored_as, CONVERSIONS[resource]) if view is not None else (resource, None)

    @contextlib.contextmanager
    def _named(self, resource: str) -> Iterator[None]:
        """Errors name the view's resource (``events.events.k8s.io "x" not found``)."""
        try:
            yield
        except ServiceError as exc:
            view = VIEWS.get(resource)
            if view is None or exc.code not in RENAMED:
                raise
            raise ServiceError(exc.code, exc.headers, **{**exc.params, "resource": view.resource,
                                                          "detail_kind": view.plural,
                                                          "detail_group": view.group or None}) from None

    def get(self, resource: str, namespace: str, name: str) -> Obj:
        stored, conv = self._view(resource)
        with self._named(resource):
            found = self.inner.get(stored, namespace, name)
        return conv.from_storage(found) if conv else found

    def find(self, resource: str, namespace: str, name: str) -> Obj | None:
        stored, conv = self._view(resource)
        found = self.inner.find(stored, namespace, name)
        return conv.from_storage(found) if conv and found is not None else found

    def list(self, resource: str, namespace: str | None = None,
             predicate: Callable[[Obj], bool] | None = None) -> tuple[list[Obj], int]:
        stored, conv = self._view(resource)
        if conv is None:
            return self.inner.list(resource, namespace, predicate)
        items, rv = self.inner.list(stored, namespace)
        converted = [conv.from_storage(o) for o in items]
        return [o for o in converted if predicate is None or predicate(o)], rv

    def scan(self, resource: str, namespace: str | None = None,
             predicate: Callable[[Obj], bool] | None = None) -> builtins.list[Obj]:
        if resource not in VIEWS:
            return self.inner.scan(resource, namespace, predicate)
        return self.list(resource, namespace, predicate)[0]

    def create(self, resource: str, namespace: str, obj: Obj) -> Obj:
        stored, conv = self._view(resource)
        with self._named(resource):
            created = self.inner.create(stored, namespace, conv.to_storage(obj) if conv else obj)
        return conv.from_storage(created) if conv else created

    def update(self, resource: str, namespace: str, obj: Obj, check_version: bool = True) -> Obj:
        stored, conv = self._view(resource)
        with self._named(resource):
            updated = self.inner.update(stored, namespace, conv.to_storage(obj) if conv else obj, check_version)
        return conv.from_storage(updated) if conv else updated

    def delete(self, resource: str, namespace: str, name: str) -> Obj:
        stored, conv = self._view(resource)
        with self._named(resource):
            gone = self.inner.delete(stored, namespace, name)
        return conv.from_storage(gone) if conv else gone

    def watch(self, resource: str, namespace: str | None, since: int | None) -> Watcher:
        stored, conv = self._view(resource)
        watcher = self.inner.watch(stored, namespace, since)
        if conv is not None:
            def convert(event: Event) -> Event:
                return dataclasses.replace(event, resource=resource, obj=conv.from_storage(event.obj))
            watcher.convert = convert
            watcher.pending = [convert(e) for e in watcher.pending]
        return watcher

    def stop(self, watcher: Watcher) -> None:
        self.inner.stop(watcher)

    def close_all(self) -> None:
        self.inner.close_all()

    def watching(self, resource: str, namespace: str | None) -> int:
        return self.inner.watching(self._view(resource)[0], namespace)


def wrap(tracker: Tracker) -> Tracker:
    return tracker if isinstance(tracker, ViewTracker) else ViewTracker(tracker)
