"""A pod's status as the kubelet writes it: container states, conditions and phase."""

from __future__ import annotations

import copy
import hashlib
from typing import Any

from pullproof.core.clock import Clock
from pullproof.kube.storage.tracker import kube_time


class PodState:
    def __init__(self, pod: dict[str, Any], clock: Clock) -> None:
        self.pod = pod
        self.clock = clock
        self.status: dict[str, Any] = copy.deepcopy(pod.get("status") or {})
        self._was_fresh = not self.status.get("containerStatuses")
        if self._was_fresh:
            self._initialize()

    def fresh(self) -> bool:
        return self._was_fresh

    def _initialize(self) -> None:
        now = kube_time(self.clock.now())
        name = self.pod["metadata"]["name"]
        octet = int(hashlib.sha256(name.encode()).hexdigest()[:2], 16)
        self.status.update({"phase": "Pending", "hostIP": "10.224.0.4", "hostIPs": [{"ip": "10.224.0.4"}],
                            "podIP": f"10.244.0.{octet % 250 + 2}", "startTime": now, "qosClass": "BestEffort"})
        self.status["podIPs"] = [{"ip": self.status["podIP"]}]
        self.status["containerStatuses"] = [
            {"name": c["name"], "image": c.get("image", ""), "imageID": "", "ready": False, "restartCount": 0,
             "started": False, "state": {"waiting": {"reason": "ContainerCreating"}}, "lastState": {}}
            for c in self.pod["spec"].get("containers", [])]
        self._conditions(False)

    def _container(self, name: str) -> dict[str, Any]:
        return next(c for c in self.status["containerStatuses"] if c["name"] == name)

    def running(self, name: str) -> bool:
        return bool({"running", "terminated"} & set(self._container(name).get("state", {})))

    def all_running(self) -> bool:
        """Nothing left to do: every container runs or has run to completion."""
        statuses = self.status.get("containerStatuses") or []
        return bool(statuses) and all({"running", "terminated"} & set(c.get("state", {})) for c in statuses)

    def waiting(self, name: str, image: str, reason: str, message: str) -> None:
        container = self._container(name)
        container.update({"state": {"waiting": {"reason": reason, "message": message}}, "ready": False,
                          "started": False, "image": image})
        self._conditions(False)

    def run(self, name: str, image: str, index: int) -> None:
        digest = hashlib.sha256(image.encode()).hexdigest()
        container = self._container(name)
        container.update({"state": {"running": {"startedAt": kube_time(self.clock.now())}}, "ready": True,
                          "started": True, "image": image, "imageID": f"{image.split(':')[0]}@sha256:{digest}",
                          "containerID": f"containerd://{hashlib.sha256(f'{name}{index}'.encode()).hexdigest()}"})
        ready = self.all_running()
        if ready:
            self.status["phase"] = "Running"
        self._conditions(ready)

    def crashed(self, name: str, image: str, index: int) -> int:
        """A container that exited at once (exit 255): CrashLoopBackOff, the back-off
        10 s doubling to 300 s by restarts; returns the back-off in seconds."""
        now = kube_time(self.clock.now())
        container = self._container(name)
        restarts = int(container.get("restartCount") or 0) + 1
        backoff: int = min(10 * 2 ** (restarts - 1), 300)
        meta = self.pod["metadata"]
        shown = f"{backoff // 60}m{backoff % 60}s" if backoff >= 60 else f"{backoff}s"
        container.update({
            "state": {"waiting": {"reason": "CrashLoopBackOff", "message": f"back-off {shown} restarting failed "
                                  f"container={name} pod={meta['name']}_{meta['namespace']}({meta['uid']})"}},
            "lastState": {"terminated": {"exitCode": 255, "reason": "Error", "startedAt": now,
                                         "finishedAt": now, "containerID": "containerd://" + hashlib.sha256(
                                             f"{name}{index}{restarts}".encode()).hexdigest()}},
            "ready": False, "started": False, "image": image, "restartCount": restarts})
        self.status["phase"] = "Running"
        self._conditions(False)
        return backoff

    def finish(self, name: str, image: str, exit_code: int, index: int) -> None:
        """A container that ran to completion; the pod ends Succeeded or Failed."""
        now = kube_time(self.clock.now())
        self._container(name).update({
            "state": {"terminated": {"exitCode": exit_code, "reason": "Completed" if exit_code == 0 else "Error",
                                     "startedAt": now, "finishedAt": now,
                                     "containerID": f"containerd://{hashlib.sha256(name.encode()).hexdigest()}"}},
            "ready": False, "started": False, "image": image})
        self.status["phase"] = "Succeeded" if exit_code == 0 else "Failed"
        self._conditions(False)

    def _conditions(self, ready: bool) -> None:
        now = kube_time(self.clock.now())
        old = {c["type"]: c for c in self.status.get("conditions", [])}
        waiting = [c["name"] for c in self.status.get("containerStatuses", []) if not c.get("ready")]
        message = f"containers with unready status: [{' '.join(waiting)}]"

        def condition(kind: str, status: bool, failing: str | None = None) -> dict[str, Any]:
            value = "True" if status else "False"
            previous = old.get(kind)
            entry: dict[str, Any] = {"type": kind, "status": value, "lastProbeTime": None,
                                     "lastTransitionTime": previous["lastTransitionTime"]
                                     if previous and previous["status"] == value else now}
            if not status and failing:
                entry.update({"reason": failing, "message": message})
            return entry

        self.status["conditions"] = [
            condition("PodReadyToStartContainers", True), condition("Initialized", True),
            condition("Ready", ready, "ContainersNotReady"), condition("ContainersReady", ready, "ContainersNotReady"),
            condition("PodScheduled", True)]
