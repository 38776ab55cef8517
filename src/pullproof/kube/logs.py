"""``GET pods/{name}/log``: container logs the simulated kubelet keeps in the tracker as a
``podlogs`` object named after the pod (``{"metadata": {"name": pod}, "containers": {name: text}}``),
with the kubelet's refusals (``is waiting to start: trying and failing to pull image``) as 400s.
``follow`` returns what exists and ends."""

from __future__ import annotations

from typing import Any

from pullproof.core.errors import ServiceError
from pullproof.kube import errors
from pullproof.kube.tracker import Tracker

Obj = dict[str, Any]
POD_LOGS = "podlogs"
WAITING = {"ErrImagePull": "image can't be pulled", "ImagePullBackOff": "trying and failing to pull image"}


def _bad(detail: str) -> ServiceError:
    return ServiceError(errors.BAD_REQUEST, detail=detail)


def choose_container(pod: Obj, wanted: str) -> str:
    name = str(pod["metadata"]["name"])
    spec = pod.get("spec") or {}
    containers = [c.get("name", "") for c in spec.get("containers") or []]
    init = [c.get("name", "") for c in spec.get("initContainers") or []]
    if not wanted:
        if len(containers) == 1 and not init:
            return str(containers[0])
        detail = f"a container name must be specified for pod {name}, choose one of: [{' '.join(containers)}]"
        if init:
            detail += f" or one of the init containers: [{' '.join(init)}]"
        raise _bad(detail)
    if wanted not in containers + init:
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


def _tail(text: str, lines: str | None, limit: str | None) -> str:
    if lines not in (None, "") and str(lines).lstrip("-").isdigit() and int(str(lines)) >= 0:
        kept = text.splitlines(keepends=True)
        text = "".join(kept[len(kept) - int(str(lines)):]) if int(str(lines)) else ""
    if limit not in (None, "") and str(limit).isdigit():
        text = text.encode()[: int(str(limit))].decode("utf-8", "ignore")
    return text


def read_log(tracker: Tracker, namespace: str, name: str, query: dict[str, str]) -> str:
    pod = tracker.get("pods", namespace, name)
    container = choose_container(pod, query.get("container", ""))
    if not (pod.get("spec") or {}).get("nodeName"):
        raise _bad(f"pod {name} does not have a host assigned")
    previous = query.get("previous", "").lower() == "true"
    _check_state(pod, container, previous)
    stored = tracker.find(POD_LOGS, namespace, name) or {}
    key = f"{container}/previous" if previous else container
    text = str((stored.get("containers") or {}).get(key, ""))
    return _tail(text, query.get("tailLines"), query.get("limitBytes"))
