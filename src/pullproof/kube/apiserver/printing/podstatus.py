"""The pod row of ``kubectl get pods``: READY, STATUS (the printer's precedence rules), RESTARTS,
and the wide cells; after ``printPod`` in kubernetes 1.32."""

from __future__ import annotations

from typing import Any

from pullproof.core.clock import parse_time
from pullproof.kube.apiserver.printing.durations import Ages

Obj = dict[str, Any]


def _restartable(container: Obj | None) -> bool:
    return bool(container) and (container or {}).get("restartPolicy") == "Always"


def _condition_true(status: Obj, kind: str) -> bool:
    return any(c.get("type") == kind and c.get("status") == "True" for c in status.get("conditions") or [])


def _terminated_reason(term: Obj, prefix: str) -> str:
    if term.get("reason"):
        return prefix + str(term["reason"])
    if term.get("signal"):
        return f"{prefix}Signal:{term['signal']}"
    return f"{prefix}ExitCode:{term.get('exitCode', 0)}"


def _later(current: float, status: Obj) -> float:
    finished = ((status.get("lastState") or {}).get("terminated") or {}).get("finishedAt")
    return max(current, parse_time(finished)) if finished else current


class _Row:
    def __init__(self, pod: Obj) -> None:
        self.spec, self.status = pod.get("spec") or {}, pod.get("status") or {}
        self.reason = self.status.get("reason") or self.status.get("phase") or ""
        if any(c.get("type") == "PodScheduled" and c.get("reason") == "SchedulingGated"
               for c in self.status.get("conditions") or []):
            self.reason = "SchedulingGated"
        self.restarts = self.ready = 0
        self.total = len(self.spec.get("containers") or [])
        self.last_restart = 0.0

    def init_containers(self) -> bool:
        """Walks init container statuses; True while the pod is initializing."""
        specs = {c.get("name"): c for c in self.spec.get("initContainers") or []}
        self.total += sum(1 for c in specs.values() if _restartable(c))
        sidecar_restarts, sidecar_last = 0, 0.0
        initializing = False
        for index, container in enumerate(self.status.get("initContainerStatuses") or []):
            self.restarts += int(container.get("restartCount") or 0)
            self.last_restart = _later(self.last_restart, container)
            sidecar = _restartable(specs.get(container.get("name")))
            if sidecar:
                sidecar_restarts += int(container.get("restartCount") or 0)
                sidecar_last = _later(sidecar_last, container)
            state = container.get("state") or {}
            term, waiting = state.get("terminated"), state.get("waiting")
            if term is not None and int(term.get("exitCode") or 0) == 0:
                continue
            if sidecar and container.get("started"):
                self.ready += 1 if container.get("ready") else 0
                continue
            if term is not None:
                self.reason = _terminated_reason(term, "Init:")
            elif waiting and waiting.get("reason") and waiting["reason"] != "PodInitializing":
                self.reason = "Init:" + waiting["reason"]
            else:
                self.reason = f"Init:{index}/{len(specs)}"
            initializing = True
            break
        self.sidecar_restarts, self.sidecar_last = sidecar_restarts, sidecar_last
        return initializing

    def containers(self) -> None:
        self.restarts, self.last_restart = self.sidecar_restarts, self.sidecar_last
        running = False
        for container in reversed(self.status.get("containerStatuses") or []):
            self.restarts += int(container.get("restartCount") or 0)
            self.last_restart = _later(self.last_restart, container)
            state = container.get("state") or {}
            waiting, term = state.get("waiting"), state.get("terminated")
            if waiting and waiting.get("reason"):
                self.reason = waiting["reason"]
            elif term is not None:
                self.reason = _terminated_reason(term, "")
            elif container.get("ready") and state.get("running") is not None:
                running = True
                self.ready += 1
        if self.reason == "Completed" and running:
            self.reason = "Running" if _condition_true(self.status, "Ready") else "NotReady"


def _wide(pod: Obj) -> list[str]:
    spec, status = pod.get("spec") or {}, pod.get("status") or {}
    ips = status.get("podIPs") or []
    gates = "<none>"
    if spec.get("readinessGates"):
        conditions = {c.get("type"): c.get("status") for c in status.get("conditions") or []}
        true = sum(1 for g in spec["readinessGates"] if conditions.get(g.get("conditionType")) == "True")
        gates = f"{true}/{len(spec['readinessGates'])}"
    return [(ips[0].get("ip") if ips else "") or "<none>", spec.get("nodeName") or "<none>",
            status.get("nominatedNodeName") or "<none>", gates]


def cells(pod: Obj, ages: Ages) -> list[Any]:
    row = _Row(pod)
    initializing = row.init_containers()
    if not initializing or _condition_true(row.status, "Initialized"):
        row.containers()
    meta = pod.get("metadata") or {}
    terminal = row.status.get("phase") in ("Succeeded", "Failed")
    if meta.get("deletionTimestamp") and row.status.get("reason") == "NodeLost":
        row.reason = "Unknown"
    elif meta.get("deletionTimestamp") and not terminal:
        row.reason = "Terminating"
    restarts = str(row.restarts)
    if row.restarts and row.last_restart:
        restarts = f"{row.restarts} ({ages.since_epoch(row.last_restart)} ago)"
    return [meta.get("name", ""), f"{row.ready}/{row.total}", row.reason, restarts,
            ages.since(meta.get("creationTimestamp")), *_wide(pod)]
