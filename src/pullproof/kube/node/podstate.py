"""A pod's status as the kubelet writes it: container states (running, terminated with an exit code,
waiting), restart counts, conditions and the phase (kubelet 1.32 ``getPhase``)."""

from __future__ import annotations

import copy
import hashlib
from typing import Any

from pullproof.core.clock import Clock, parse_time
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

    def fresh(self) -> bool:
        return self._was_fresh

    def _initialize(self, host_ip: str, pod_ip: str) -> None:
        now = kube_time(self.clock.now())
        self.status.update({"phase": "Pending", "hostIP": host_ip, "hostIPs": [{"ip": host_ip}], "podIP": pod_ip,
                            "podIPs": [{"ip": pod_ip}], "startTime": now, "qosClass": "BestEffort"})
        self.status["containerStatuses"] = [
            {"name": c["name"], "image": c.get("image", ""), "imageID": "", "ready": False, "restartCount": 0,
             "started": False, "state": {"waiting": {"reason": "ContainerCreating"}}, "lastState": {}}
            for c in self.pod["spec"].get("containers", [])]
        self._settle()

    def _container(self, name: str) -> dict[str, Any]:
        return next(c for c in self.status["containerStatuses"] if c["name"] == name)

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
        container.update({"state": {"running": {"startedAt": kube_time(started)}}, "ready": True,
                          "started": True, "image": image, "imageID": f"{image.split(':')[0]}@sha256:{digest}",
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
            "ready": False, "started": False})
        self._settle()

    def _phase(self) -> str:
        running = stopped = succeeded = waiting = 0
        for container in self.status.get("containerStatuses") or []:
            state = container.get("state") or {}
            if "running" in state:
                running += 1
            elif "terminated" in state:
                stopped += 1
                succeeded += int(state["terminated"].get("exitCode") or 0) == 0
            elif (container.get("lastState") or {}).get("terminated"):
                stopped += 1
            else:
                waiting += 1
        policy = self.pod["spec"].get("restartPolicy") or "Always"
        if waiting:
            return "Pending"
        if running or policy == "Always":
            return "Running"
        if stopped == succeeded:
            return "Succeeded"
        return "Failed" if policy == "Never" else "Running"

    def _settle(self) -> None:
        self.status["phase"] = self._phase()
        statuses = self.status.get("containerStatuses") or []
        self._conditions(bool(statuses) and all(c.get("ready") for c in statuses))

    def _conditions(self, ready: bool) -> None:
        now = kube_time(self.clock.now())
        old = {c["type"]: c for c in self.status.get("conditions", [])}
        waiting = [c["name"] for c in self.status.get("containerStatuses", []) if not c.get("ready")]
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
            condition("PodReadyToStartContainers", not self.terminal()), condition("Initialized", True),
            condition("Ready", ready, "ContainersNotReady"), condition("ContainersReady", ready, "ContainersNotReady"),
            condition("PodScheduled", True)]
