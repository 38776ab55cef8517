"""Events as client-go's recorder writes them: one object per (source, object, type, reason,
message), its count and lastTimestamp bumped on repeats; names ``<object>.<hex nanoseconds>``."""

from __future__ import annotations

from typing import Any

from pullproof.core.clock import Clock
from pullproof.kube.storage.tracker import Tracker, kube_time


class EventRecorder:
    def __init__(self, tracker: Tracker, clock: Clock, component: str, host: str | None = None) -> None:
        self.tracker = tracker
        self.clock = clock
        self.component = component
        self.host = host

    def record(self, obj: dict[str, Any], kind: str, type_: str, reason: str, message: str,
               field_path: str | None = None) -> dict[str, Any]:
        meta = obj["metadata"]
        namespace = meta.get("namespace", "default")
        now = self.clock.now()
        involved = {"kind": kind, "namespace": namespace, "name": meta["name"], "uid": meta.get("uid"),
                    "apiVersion": obj.get("apiVersion", "v1"), "resourceVersion": meta.get("resourceVersion")}
        if field_path:
            involved["fieldPath"] = field_path
        source = {"component": self.component, **({"host": self.host} if self.host else {})}
        key = (namespace, meta.get("uid"), reason, message, type_, self.component, self.host)
        known = self.tracker.event_index.get(key)
        event = self.tracker.find("events", namespace, known) if known else None
        if event is not None:
            event["count"] = int(event.get("count", 1)) + 1
            event["lastTimestamp"] = kube_time(now)
            return self.tracker.update("events", namespace, event, check_version=False)
        nanos = max(int(now * 1e9), self.tracker.last_event_nanos + 1)
        self.tracker.last_event_nanos = nanos
        body = {"apiVersion": "v1", "kind": "Event",
                "metadata": {"name": f"{meta['name']}.{nanos:x}", "namespace": namespace},
                "involvedObject": involved, "reason": reason, "message": message, "source": source,
                "firstTimestamp": kube_time(now), "lastTimestamp": kube_time(now), "count": 1, "type": type_,
                "eventTime": None, "reportingComponent": self.component, "reportingInstance": self.host or ""}
        created = self.tracker.create("events", namespace, body)
        self.tracker.event_index[key] = created["metadata"]["name"]
        return created
