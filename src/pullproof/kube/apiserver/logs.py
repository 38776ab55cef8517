"""``GET pods/{name}/log``: container logs the simulated kubelet keeps in the tracker as a
``podlogs`` object named after the pod (``{"metadata": {"name": pod}, "containers": {name: text}}``),
with the kubelet's refusals (``is waiting to start: trying and failing to pull image``) as 400s.
An unscheduled pod has no logs (an empty body, as the API server answers); ``follow`` returns
what exists and ends."""

from __future__ import annotations

from typing import Any

from pullproof.core.errors import ServiceError
from pullproof.kube import errors
from pullproof.kube.storage.resources import POD_LOGS
from pullproof.kube.storage.tracker import Tracker

Obj = dict[str, Any]
WAITING = {"ErrImagePull": "image can't be pulled", "ImagePullBackOff": "trying and failing to pull image"}


def _bad(detail: str) -> ServiceError:
    return ServiceError(errors.BAD_REQUEST, detail=detail)


def choose_container(pod: Obj, wanted: str) -> str:
    """The container a log request is for (the only one when none is named)."""
    name = str(pod["metadata"]["name"])
    spec = pod.get("spec") or {}
    containers = [str(c.get("name", "")) for c in spec.get("containers") or []]
    every = [str(c.get("name", "")) for key in ("initContainers", "containers", "ephemeralContainers")
             for c in spec.get(key) or []]
    if not wanted:
        if len(containers) == 1:
            return containers[0]
        if not containers:
            raise _bad(f"a container name must be specified for pod {name}")
        raise _bad(f"a container name must be specified for pod {name}, choose one of: [{' '.join(every)}]")
    if wanted not in every:
        raise _bad(f"container {wanted} is not valid for pod {name}")
    return wanted


def _check_state(pod: Obj, container: str, previous: bool) -> None:
    name = pod["metadata"]["name"]
    status = pod.get("status") or {}
    statuses = [*(status.get("initContainerStatuses") or []), *(status.get("containerStatuses") or [])]
    found = next((s for s in statuses if s.get("name") == container), None)
    if found is None:
        raise _bad(f'container "{container}" in pod "{name}" is not available')
    state, last = found.get("state") or {}, found.get("lastState") or {}
    if previous:
        if not (last.get("terminated") or {}).get("containerID"):
            raise _bad(f'previous terminated container "{container}" in pod "{name}" not found')
        return
    if state.get("running") is not None or (state.get("terminated") or {}).get("containerID"):
        return
    if state.get("terminated") is not None or last.get("terminated") is not None:
        if not (last.get("terminated") or {}).get("containerID"):
            raise _bad(f'container "{container}" in pod "{name}" is terminated')
        return
    waiting = state.get("waiting")
    if waiting is not None:
        reason = str(waiting.get("reason") or "")
        raise _bad(f'container "{container}" in pod "{name}" is waiting to start: {WAITING.get(reason, reason)}')
    raise _bad(f'container "{container}" in pod "{name}" is waiting to start - no logs yet')


def _has_current(pod: Obj, container: str) -> bool:
    """Whether the container has an instance of its own (running, or terminated with an id). Otherwise, as in
    a crash loop's waiting state, the kubelet reads both the current and the previous log from
    ``lastState.terminated``: the same container."""
    status = pod.get("status") or {}
    statuses = [*(status.get("initContainerStatuses") or []), *(status.get("containerStatuses") or [])]
    state = next((s.get("state") or {} for s in statuses if s.get("name") == container), {})
    return state.get("running") is not None or bool((state.get("terminated") or {}).get("containerID"))


def _tail(text: str, lines: str | None, limit: str | None) -> str:
    if lines not in (None, "") and str(lines).isascii() and str(lines).lstrip("-").isdigit() and int(str(lines)) >= 0:
        kept = text.splitlines(keepends=True)
        text = "".join(kept[len(kept) - int(str(lines)):]) if int(str(lines)) else ""
    if limit not in (None, "") and str(limit).isascii() and str(limit).isdigit():
        text = text.encode()[: int(str(limit))].decode("utf-8", "ignore")
    return text


def read_log(tracker: Tracker, namespace: str, name: str, query: dict[str, str]) -> str:
    pod = tracker.get("pods", namespace, name)
    container = choose_container(pod, query.get("container", ""))
    if not (pod.get("spec") or {}).get("nodeName"):
        return ""  # not scheduled: the API server streams nothing
    previous = query.get("previous", "").lower() == "true"
    _check_state(pod, container, previous)
    stored = tracker.find(POD_LOGS, namespace, name) or {}
    key = f"{container}/previous" if previous and _has_current(pod, container) else container
    text = str((stored.get("containers") or {}).get(key, ""))
    return _tail(text, query.get("tailLines"), query.get("limitBytes"))
