"""A pod's status as the kubelet writes it: container states (running, terminated with an exit code,
waiting), restart counts, conditions and the phase (kubelet 1.32 ``getPhase``)."""

from __future__ import annotations

import copy
import hashlib
from typing import Any

from pullproof.core.clock import Clock, parse_time
from pullproof.kube.node.podphase import incomplete, is_sidecar, phase
from pullproof.kube.storage.tracker import kube_time

TERMINAL = ("Succeeded", "Failed")


class PodState:
    def __init__(self, pod: dict[str, Any], clock: Clock, host_ip: str = "", pod_ip: str = "") -> None:
        """``host_ip``/``pod_ip`` are used when the pod gets its first status."""
        self.pod = pod
        self.clock = clock
        self.status: dict[str, Any] = copy.deepcopy(pod.get("status") or {})
        self._was_fresh = not self.status.get("containerStatuses")
        if self._was_fresh:
            self._initialize(host_ip, pod_ip)
        elif len(self.status.get("initContainerStatuses") or []) < len(pod["spec"].get("initContainers") or []):
            self._past_init()

    def fresh(self) -> bool:
        return self._was_fresh

    def _initialize(self, host_ip: str, pod_ip: str) -> None:
        now = kube_time(self.clock.now())
        self.status.update({"phase": "Pending", "hostIP": host_ip, "hostIPs": [{"ip": host_ip}], "podIP": pod_ip,
                            "podIPs": [{"ip": pod_ip}], "startTime": now, "qosClass": "BestEffort"})
        inits = self.pod["spec"].get("initContainers") or []
        reason = "PodInitializing" if inits else "ContainerCreating"  # the kubelet's default waiting state

        def waiting(c: dict[str, Any]) -> dict[str, Any]:
            return {"name": c["name"], "image": c.get("image", ""), "imageID": "", "ready": False, "restartCount": 0,
                    "started": False, "state": {"waiting": {"reason": reason}}, "lastState": {}}

        if inits:
            self.status["initContainerStatuses"] = [waiting(c) for c in inits]
        self.status["containerStatuses"] = [waiting(c) for c in self.pod["spec"].get("containers", [])]
        self._settle()

    def _past_init(self) -> None:
        """A pod whose kubelet wrote no init container statuses (an emulator without init containers) has
        its app containers going: its regular init containers count as done, its sidecars as not started."""
        known = {c["name"] for c in self.status.get("initContainerStatuses") or []}
        at = self.status.get("startTime") or kube_time(self.clock.now())
        done = {"terminated": {"exitCode": 0, "reason": "Completed", "startedAt": at, "finishedAt": at}}
        self.status["initContainerStatuses"] = [*(self.status.get("initContainerStatuses") or []), *(
            {"name": c["name"], "image": c.get("image", ""), "imageID": "", "ready": not is_sidecar(c),
             "restartCount": 0, "started": False, "lastState": {},
             "state": {"waiting": {"reason": "PodInitializing"}} if is_sidecar(c) else done}
            for c in self.pod["spec"].get("initContainers") or [] if c["name"] not in known)]
        self._settle()

    def _container(self, name: str) -> dict[str, Any]:
        return next(c for c in [*(self.status.get("initContainerStatuses") or []), *self.status["containerStatuses"]]
                    if c["name"] == name)

    def _regular_init(self, name: str) -> bool:
        """An init container that runs to completion (not a sidecar)."""
        return any(c["name"] == name and not is_sidecar(c) for c in self.pod["spec"].get("initContainers") or [])

    def initialized(self) -> bool:
        """The ``Initialized`` condition: every init container has exited 0 or (a sidecar) started, once."""
        return any(c["type"] == "Initialized" and c["status"] == "True" for c in self.status.get("conditions", []))

    def terminal(self) -> bool:
        return self.status.get("phase") in TERMINAL

    def running(self, name: str) -> dict[str, Any] | None:
        """The running state of a container (None when it does not run)."""
        found = self._container(name).get("state", {}).get("running")
        return dict(found) if found is not None else None

    def exited(self, name: str) -> tuple[int, float] | None:
        """(exit code, finishedAt) of the container's last instance, if it has exited and not run again."""
        container = self._container(name)
        state = container.get("state") or {}
        term = state.get("terminated") or ((container.get("lastState") or {}).get("terminated")
                                           if "waiting" in state else None)
        return (int(term.get("exitCode") or 0), parse_time(term["finishedAt"])) if term else None

    def has_run(self, name: str) -> bool:
        return bool(self._container(name).get("containerID"))

    def waiting(self, name: str, image: str, reason: str, message: str) -> None:
        container = self._container(name)
        self._retire(container)
        container.update({"state": {"waiting": {"reason": reason, "message": message}}, "ready": False,
                          "started": False, "image": image})
        self._settle()

    def _retire(self, container: dict[str, Any]) -> None:
        """An exited instance becomes ``lastState`` once the kubelet moves on from it."""
        term = (container.get("state") or {}).get("terminated")
        if term is not None:
            container["lastState"] = {"terminated": term}

    def run(self, name: str, image: str, index: int, started: float) -> None:
        digest = hashlib.sha256(image.encode()).hexdigest()
        container = self._container(name)
        self._retire(container)
        if container.get("containerID"):
            container["restartCount"] = int(container.get("restartCount") or 0) + 1
        instance = f"{self.pod['metadata'].get('uid', '')}/{name}/{index}/{container.get('restartCount', 0)}"
        container.update({"state": {"running": {"startedAt": kube_time(started)}},
                          "ready": not self._regular_init(name), "started": True, "image": image,
                          "imageID": f"{image.split(':')[0]}@sha256:{digest}",
                          "containerID": f"containerd://{hashlib.sha256(instance.encode()).hexdigest()}"})
        self._settle()

    def terminate(self, name: str, exit_code: int, finished: float) -> None:
        """The container's process ended with ``exit_code`` at ``finished``."""
        container = self._container(name)
        started = (container.get("state") or {}).get("running", {}).get("startedAt") or kube_time(finished)
        container.update({
            "state": {"terminated": {"exitCode": exit_code, "reason": "Completed" if exit_code == 0 else "Error",
                                     "startedAt": started, "finishedAt": kube_time(finished),
                                     "containerID": container.get("containerID", "")}},
            "ready": exit_code == 0 and self._regular_init(name), "started": False})
        self._settle()

    def _phase(self) -> str:
        return phase(self.pod["spec"], self.status.get("initContainerStatuses") or [],
                     self.status.get("containerStatuses") or [])

    def _settle(self) -> None:
        self.status["phase"] = self._phase()
        self._conditions(bool(self._readiness()) and all(c.get("ready") for c in self._readiness()))

    def _readiness(self) -> list[dict[str, Any]]:
        """The containers the pod's readiness waits for: sidecars, then the app containers."""
        sidecars = {c["name"] for c in self.pod["spec"].get("initContainers") or [] if is_sidecar(c)}
        return [*(c for c in self.status.get("initContainerStatuses") or [] if c["name"] in sidecars),
                *(self.status.get("containerStatuses") or [])]

    def _conditions(self, ready: bool) -> None:
        now = kube_time(self.clock.now())
        old = {c["type"]: c for c in self.status.get("conditions", [])}
        waiting = [c["name"] for c in self._readiness() if not c.get("ready")]
        pending = incomplete(self.pod["spec"], self.status.get("initContainerStatuses") or [])
        initialized = not pending or old.get("Initialized", {}).get("status") == "True"
        completed = self.status.get("phase") == "Succeeded"

        def condition(kind: str, status: bool, failing: str | None = None) -> dict[str, Any]:
            value = "True" if status else "False"
            previous = old.get(kind)
            entry: dict[str, Any] = {"type": kind, "status": value, "lastProbeTime": None,
                                     "lastTransitionTime": previous["lastTransitionTime"]
                                     if previous and previous["status"] == value else now}
            if not status and failing:
                entry.update({"reason": "PodCompleted"} if completed else
                             {"reason": failing, "message": f"containers with unready status: [{' '.join(waiting)}]"})
            return entry

        self.status["conditions"] = [
            condition("PodReadyToStartContainers", not self.terminal()),
            self._initialized(condition, initialized, pending),
            condition("Ready", ready, "ContainersNotReady"), condition("ContainersReady", ready, "ContainersNotReady"),
            condition("PodScheduled", True)]

    @staticmethod
    def _initialized(condition: Any, initialized: bool, pending: list[str]) -> dict[str, Any]:
        """``Initialized``: once True it stays (the kubelet does not initialize a pod twice)."""
        entry: dict[str, Any] = condition("Initialized", initialized)
        if not initialized:
            entry.update({"reason": "ContainersNotInitialized",
                          "message": f"containers with incomplete status: [{' '.join(pending)}]"})
        return entry
