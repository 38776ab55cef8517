"""A pod's phase and its ``Initialized`` condition from its container statuses, after kubelet 1.32
(``getPhase``, ``GeneratePodInitializedCondition``). Sidecars (init containers with ``restartPolicy:
Always``) count as running containers; once they have exited (stopped at the pod's end) they no
longer count."""

from __future__ import annotations

from typing import Any

Obj = dict[str, Any]


def is_sidecar(container: Obj) -> bool:
    return container.get("restartPolicy") == "Always"


def _status(statuses: list[Obj], name: str) -> Obj:
    return next((s for s in statuses if s.get("name") == name), {})


def _last_exit(status: Obj) -> int | None:
    term = (status.get("lastState") or {}).get("terminated")
    return None if term is None else int(term.get("exitCode") or 0)


def _init_counts(spec: Obj, statuses: list[Obj]) -> tuple[int, int]:
    """(pending regular init containers, failed ones)."""
    pending = failed = 0
    for container in spec.get("initContainers") or []:
        if is_sidecar(container):
            continue
        status = _status(statuses, container["name"])
        state = status.get("state") or {}
        if "terminated" in state:
            failed += int(state["terminated"].get("exitCode") or 0) != 0
        elif "waiting" in state and _last_exit(status) is not None:
            failed += _last_exit(status) != 0
        else:
            pending += 1
    return pending, failed


def phase(spec: Obj, init_statuses: list[Obj], statuses: list[Obj]) -> str:
    pending_init, failed_init = _init_counts(spec, init_statuses)
    running = stopped = succeeded = waiting = pending_sidecars = 0
    for container in spec.get("initContainers") or []:
        if not is_sidecar(container):
            continue
        status = _status(init_statuses, container["name"])
        state = status.get("state") or {}
        if "running" in state:
            running += 1
            pending_sidecars += not status.get("started")
        elif "waiting" in state and _last_exit(status) is None:
            pending_sidecars += 1
            waiting += 1
    for status in statuses:
        state = status.get("state") or {}
        if "running" in state:
            running += 1
        elif "terminated" in state:
            stopped += 1
            succeeded += int(state["terminated"].get("exitCode") or 0) == 0
        elif _last_exit(status) is not None:
            stopped += 1
        else:
            waiting += 1
    policy = spec.get("restartPolicy") or "Always"
    if failed_init and policy == "Never":
        return "Failed"
    if pending_init or pending_sidecars or waiting:
        return "Pending"
    if running or policy == "Always":
        return "Running"
    if stopped == succeeded:
        return "Succeeded"
    return "Failed" if policy == "Never" else "Running"


def incomplete(spec: Obj, init_statuses: list[Obj]) -> list[str]:
    """The init containers that keep the pod from being initialized: a regular one that has not exited 0,
    a sidecar that has not started."""
    names = []
    for container in spec.get("initContainers") or []:
        status = _status(init_statuses, container["name"])
        if is_sidecar(container):
            done = bool(status.get("started"))
        else:
            term = (status.get("state") or {}).get("terminated")
            done = term is not None and int(term.get("exitCode") or 0) == 0
        if not done:
            names.append(str(container["name"]))
    return names
