"""When the kubelet restarts a container that exited: the pod's ``restartPolicy`` decides whether, and
the kubelet 1.32 crash back-off when (``backOffPeriod`` 10 s doubling to ``MaxContainerBackOff``
300 s, per container; an entry is forgotten when the container finished more than twice the cap, 600 s,
after the last restart, i.e. after it ran 10 minutes). Texts are the kubelet's
(``kuberuntime_manager.go`` ``doBackOff``)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

CRASH_BACKOFF_START, CRASH_BACKOFF_MAX = 10.0, 300.0


def wants_restart(pod: dict[str, Any], exit_code: int) -> bool:
    policy = (pod.get("spec") or {}).get("restartPolicy") or "Always"
    return policy == "Always" or (policy == "OnFailure" and exit_code != 0)


def format_pod(pod: dict[str, Any]) -> str:
    """``format.Pod``: ``name_namespace(uid)``."""
    meta = pod["metadata"]
    return f"{meta['name']}_{meta['namespace']}({meta['uid']})"


def go_duration(seconds: float) -> str:
    """A whole number of seconds as Go's ``time.Duration.String`` prints it (``10s``, ``1m20s``, ``5m0s``)."""
    whole = int(seconds)
    hours, rest = divmod(whole, 3600)
    minutes, secs = divmod(rest, 60)
    if hours:
        return f"{hours}h{minutes}m{secs}s"
    return f"{minutes}m{secs}s" if minutes else f"{secs}s"


def crash_message(period: float, container: str, pod: dict[str, Any]) -> str:
    return f"back-off {go_duration(period)} restarting failed container={container} pod={format_pod(pod)}"


def backoff_event(container: str, pod: dict[str, Any]) -> str:
    return f"Back-off restarting failed container {container} in pod {format_pod(pod)}"


@dataclass
class _Entry:
    period: float
    last_update: float


@dataclass
class CrashBackoff:
    """client-go's ``flowcontrol.Backoff`` as the kubelet uses it (no jitter), keyed by (pod uid, container)."""

    entries: dict[tuple[str, str], _Entry] = field(default_factory=dict)

    def _expired(self, entry: _Entry, finished: float) -> bool:
        return finished - entry.last_update > 2 * CRASH_BACKOFF_MAX

    def blocked(self, key: tuple[str, str], finished: float, now: float) -> float | None:
        """The current period if a restart now is still inside it (``IsInBackOffSince(key, finishedAt)``)."""
        entry = self.entries.get(key)
        if entry is None or self._expired(entry, finished):
            return None
        return entry.period if now - finished < entry.period else None

    def next(self, key: tuple[str, str], finished: float, now: float) -> None:
        entry = self.entries.get(key)
        if entry is None or self._expired(entry, finished):
            self.entries[key] = _Entry(CRASH_BACKOFF_START, now)
        else:
            self.entries[key] = _Entry(min(entry.period * 2, CRASH_BACKOFF_MAX), now)

    def forget(self, uid: str) -> None:
        self.entries = {k: v for k, v in self.entries.items() if k[0] != uid}
