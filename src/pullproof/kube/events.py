"""Events as client-go's recorder writes them: one object per (source, object, type, reason,
message), its count and lastTimestamp bumped on repeats; names ``<object>.<hex nanoseconds>``."""

from __future__ import annotations

from typing import Any

from pullproof.core.clock import Clock
from pullproof.kube.tracker import Tracker, kube_time


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
        existing, _ = self.tracker.list("events", namespace, lambda e: (
            e.get("involvedObject", {}).get("uid") == meta.get("uid") and e.get("reason") == reason
            and e.get("message") == message and e.get("type") == type_ and e.get("source") == source))
        if existing:
            event = existing[0]
            event["count"] = int(event.get("count", 1)) + 1
            event["lastTimestamp"] = kube_time(now)
            return self.tracker.update("events", namespace, event, check_version=False)
        nanos = int(now * 1e9)
        while self.tracker.find("events", namespace, f"{meta['name']}.{nanos:x}") is not None:
            nanos += 1
        body = {"apiVersion": "v1", "kind": "Event",
                "metadata": {"name": f"{meta['name']}.{nanos:x}", "namespace": namespace},
                "involvedObject": involved, "reason": reason, "message": message, "source": source,
                "firstTimestamp": kube_time(now), "lastTimestamp": kube_time(now), "count": 1, "type": type_,
                "eventTime": None, "reportingComponent": self.component, "reportingInstance": self.host or ""}
        return self.tracker.create("events", namespace, body)
