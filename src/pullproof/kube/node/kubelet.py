"""Simulated kubelets of one cluster: for each pod bound to a node, resolve credentials in the
kubelet's order, pull through the registry's real token flow, and write the statuses and events
containerd 1.7 / kubelet 1.32 produce. Back-off: 10 s doubling to 300 s per (pod, image), reset
after 600 s without failure; the pod worker re-syncs 10-15 s after an error. Started containers run
the program ``lifetimes`` reads from their command line; one that exits is restarted as the pod's
``restartPolicy`` and the crash back-off (``restarts``) say. Init containers run first, in order, each to
exit 0; sidecars (``restartPolicy: Always``) start in order, run alongside and stop when the app
containers are done (``podphase``)."""

from __future__ import annotations

import asyncio
import copy
import zlib
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import Any

from pullproof.core.clock import Clock, parse_time
from pullproof.kube.node import heartbeat
from pullproof.kube.node.addresses import PodAddresses, host_ip
from pullproof.kube.node.credentials import ANONYMOUS, AcrCredentialProvider, Credential, secret_credentials
from pullproof.kube.node.images import ImageRef, parse_image
from pullproof.kube.node.lifetimes import Program, command_line, interpret
from pullproof.kube.node.models import CredentialAttempt, ProviderRun, PullRecord
from pullproof.kube.node.nodeauth import NodeAuthSource
from pullproof.kube.node.nodeimages import record_pull
from pullproof.kube.node.platforms import node_platform
from pullproof.kube.node.podphase import is_sidecar
from pullproof.kube.node.podstate import PodState
from pullproof.kube.node.programs import CanIPull, is_builtin
from pullproof.kube.node.puller import Puller, PullError
from pullproof.kube.node.pulllog import PullLog
from pullproof.kube.node.restarts import CrashBackoff, backoff_event, crash_message, wants_restart
from pullproof.kube.node.waits import reachable, waiting_log
from pullproof.kube.storage.events import EventRecorder
from pullproof.kube.storage.resources import POD_LOGS
from pullproof.kube.storage.tracker import Tracker

BACKOFF_START, BACKOFF_MAX = 10.0, 300.0


@dataclass
class Backoff:
    period: float
    last_failure: float
    message: str


@dataclass(frozen=True)
class Attempt:
    ok: bool
    message: str
    size: int
    provider: ProviderRun | None
    tried: tuple[CredentialAttempt, ...]
    config: dict[str, Any] | None = None
    digest: str = ""
    foreign: str | None = None  # the image's os/arch when the node cannot execute it
    entrypoint: str = ""

    def record(self, seq: int, cluster: str, node: str, pod: dict[str, Any], container: str, image: str,
               at: float) -> PullRecord:
        meta = pod["metadata"]
        return PullRecord(seq, cluster, node, meta["namespace"], meta["name"], meta["uid"], container, image, at,
                          self.ok, self.message, self.provider, self.tried)


@dataclass
class NodeState:
    images: dict[str, int] = field(default_factory=dict)
    configs: dict[str, dict[str, Any]] = field(default_factory=dict)  # image config per pulled image
    foreign: dict[str, str] = field(default_factory=dict)  # image -> its entrypoint, for images of another arch
    boot_id: str | None = None
    _lock: asyncio.Lock | None = None
    _loop: asyncio.AbstractEventLoop | None = None

    @property
    def pulls(self) -> asyncio.Lock:
        """The node's pull lock, for the running event loop (a lock belongs to one loop)."""
        loop = asyncio.get_running_loop()
        if self._lock is None or self._loop is not loop:
            self._lock, self._loop = asyncio.Lock(), loop
        return self._lock


class Kubelets:
    def __init__(self, tracker: Tracker, cluster_id: str, clock: Clock, auth: NodeAuthSource, puller: Puller,
                 provider: AcrCredentialProvider, log: PullLog,
                 location_of: Callable[[str], str | None] = lambda _acr: None) -> None:
        self.tracker = tracker
        self.cluster_id = cluster_id
        self.clock = clock
        self.auth = auth
        self.puller = puller
        self.provider = provider
        self.log = log
        self.location_of = location_of
        self.nodes: dict[str, NodeState] = {}
        self.backoff: dict[tuple[str, str], Backoff] = {}
        self.next_sync: dict[str, float] = {}
        self.busy: set[str] = set()
        self.crashes = CrashBackoff()
        self.programs: dict[tuple[str, str], tuple[Program, float]] = {}
        self.addresses = PodAddresses([])

    async def sync(self) -> None:
        """One pass over every bound pod; returns when every pod sync it started has finished."""
        self._boots()
        heartbeat.renew_leases(self.tracker, self.clock)
        pods = self.tracker.scan("pods", None, lambda p: bool(p["spec"].get("nodeName")))
        self.addresses = PodAddresses(pods)
        jobs = [self._sync_pod(p) for p in pods if p["metadata"]["uid"] not in self.busy]
        if jobs:
            await asyncio.gather(*jobs)

    def _boots(self) -> None:
        """A node that booted again (a reimage) has an empty image store and a fresh credential provider."""
        for node in self.tracker.scan("nodes"):
            name, boot = node["metadata"]["name"], (node.get("status") or {}).get("nodeInfo", {}).get("bootID")
            state = self.nodes.setdefault(name, NodeState())
            if state.boot_id is not None and boot != state.boot_id:
                state.images.clear()
                state.configs.clear()
                state.foreign.clear()
                self.provider.invalidate(name)
            state.boot_id = boot

    def _addresses(self, pod: dict[str, Any], node: str) -> tuple[str, str]:
        """(hostIP, podIP) for a pod starting on ``node``."""
        host = host_ip(self.tracker, node)
        return host, host if pod["spec"].get("hostNetwork") else self.addresses.allocate(self.tracker, node)

    def _recorder(self, node: str) -> EventRecorder:
        return EventRecorder(self.tracker, self.clock, "kubelet", node)

    async def _sync_pod(self, pod: dict[str, Any]) -> None:
        uid, node = pod["metadata"]["uid"], pod["spec"]["nodeName"]
        if pod["metadata"].get("deletionTimestamp"):
            self._finalize(pod)
            return
        if self.clock.now() < self.next_sync.get(uid, 0.0):
            return
        self.busy.add(uid)
        try:
            fresh = not (pod.get("status") or {}).get("containerStatuses")
            state = PodState(pod, self.clock, *(self._addresses(pod, node) if fresh else ()))
            if state.fresh():
                self._write(state)
            if state.terminal():
                return
            self._progress(pod, state)
            self._write(state)  # what the runtime shows before this sync acts on it (``Init:1/2``, ``PodInitializing``)
            await self._containers(pod, state, node)
            self._write(state)
        finally:
            self.busy.discard(uid)

    def _finalize(self, pod: dict[str, Any]) -> None:
        meta = pod["metadata"]
        if self.tracker.find("pods", meta["namespace"], meta["name"]) is not None:
            self.tracker.delete("pods", meta["namespace"], meta["name"])
        if self.tracker.find(POD_LOGS, meta["namespace"], meta["name"]) is not None:
            self.tracker.delete(POD_LOGS, meta["namespace"], meta["name"])
        self.next_sync.pop(meta["uid"], None)
        self.backoff = {k: v for k, v in self.backoff.items() if k[0] != meta["uid"]}
        self.crashes.forget(meta["uid"])
        self.programs = {k: v for k, v in self.programs.items() if k[0] != meta["uid"]}

    def _write(self, state: PodState) -> None:
        meta = state.pod["metadata"]
        current = self.tracker.find("pods", meta["namespace"], meta["name"])
        if current is None or current["metadata"]["uid"] != meta["uid"] or current["metadata"].get("deletionTimestamp"):
            return
        if current.get("status") != state.status:
            current["status"] = copy.deepcopy(state.status)
            self.tracker.update("pods", meta["namespace"], current, check_version=False)

    async def _containers(self, pod: dict[str, Any], state: PodState, node: str) -> None:
        events = self._recorder(node)
        secrets = self._pull_secrets(pod, events)
        failed = False
        if not state.initialized():
            failed = await self._init_containers(pod, state, node, secrets, events)
        if state.initialized() and not state.terminal():
            failed |= await self._app_containers(pod, state, node, secrets, events)
            self._stop_sidecars(pod, state, events)
        uid = pod["metadata"]["uid"]
        jitter = (zlib.crc32(uid.encode()) % 5000) / 1000.0
        self.next_sync[uid] = self.clock.now() + (BACKOFF_START + jitter if failed else 0.0)

    async def _init_containers(self, pod: dict[str, Any], state: PodState, node: str,
                               secrets: list[tuple[str, dict[str, Any]]], events: EventRecorder) -> bool:
        """Init containers in order: each regular one must exit 0 before the next starts; a sidecar lets the
        next start once it has started (a startupProbe counts as passed at once). True: one failed."""
        for index, container in enumerate(pod["spec"].get("initContainers") or []):
            name, sidecar = container["name"], is_sidecar(container)
            path = f"spec.initContainers{{{name}}}"
            if state.running(name) is not None:
                if sidecar:
                    continue
                return False
            exited = state.exited(name)
            if exited is not None:
                if exited[0] == 0 and not sidecar:
                    continue
                if not sidecar and (pod["spec"].get("restartPolicy") or "Always") == "Never":
                    return False  # the pod has failed
                if not self._may_restart(pod, state, container, exited[1], events, path):
                    return True
            if not await self._container(pod, state, node, container, secrets, events, path, index):
                return True
            if not sidecar:
                return False
        return False

    async def _app_containers(self, pod: dict[str, Any], state: PodState, node: str,
                              secrets: list[tuple[str, dict[str, Any]]], events: EventRecorder) -> bool:
        failed = False
        sidecars = [(i, c) for i, c in enumerate(pod["spec"].get("initContainers") or []) if is_sidecar(c)]
        containers = [(i, c, "containers") for i, c in enumerate(pod["spec"].get("containers", []))]
        for index, container, kind in [*((i, c, "initContainers") for i, c in sidecars), *containers]:
            name = container["name"]
            path = f"spec.{kind}{{{name}}}"
            if state.running(name) is not None or state.terminal():
                continue
            exited = state.exited(name)
            if exited is not None:
                if kind == "containers" and not wants_restart(pod, exited[0]):
                    continue
                if kind != "containers" and self._finished(pod, state):
                    continue
                if not self._may_restart(pod, state, container, exited[1], events, path):
                    failed = True
                    continue
            failed |= not await self._container(pod, state, node, container, secrets, events, path, index)
        return failed

    @staticmethod
    def _finished(pod: dict[str, Any], state: PodState) -> bool:
        """Every app container has exited and none will be restarted."""
        for container in pod["spec"].get("containers", []):
            exited = state.exited(container["name"])
            if state.running(container["name"]) is not None or exited is None or wants_restart(pod, exited[0]):
                return False
        return True

    def _stop_sidecars(self, pod: dict[str, Any], state: PodState, events: EventRecorder) -> None:
        """Once the app containers are done for good, the kubelet stops the sidecars (in reverse order); their
        programs have no signal handling and are taken to exit 0 on SIGTERM."""
        if not self._finished(pod, state):
            return
        for container in reversed(pod["spec"].get("initContainers") or []):
            name = container["name"]
            if is_sidecar(container) and state.running(name) is not None:
                events.record(pod, "Pod", "Normal", "Killing", f"Stopping container {name}",
                              f"spec.initContainers{{{name}}}")
                state.terminate(name, 0, self.clock.now())
                self.programs.pop((pod["metadata"]["uid"], name), None)

    def _pull_secrets(self, pod: dict[str, Any], events: EventRecorder) -> list[tuple[str, dict[str, Any]]]:
        namespace = pod["metadata"]["namespace"]
        found, missing = [], []
        for ref in pod["spec"].get("imagePullSecrets") or []:
            secret = self.tracker.find("secrets", namespace, ref.get("name", ""))
            if secret is None:
                missing.append(ref.get("name", ""))
            else:
                found.append((ref["name"], secret))
        if missing:
            events.record(pod, "Pod", "Warning", "FailedToRetrieveImagePullSecret",
                          f"Unable to retrieve some image pull secrets ({', '.join(missing)}); attempting to pull "
                          "the image may not succeed.")
        return found

    async def _container(self, pod: dict[str, Any], state: PodState, node: str, container: dict[str, Any],
                         secrets: list[tuple[str, dict[str, Any]]], events: EventRecorder, path: str,
                         index: int) -> bool:
        spec_image = str(container.get("image", ""))
        image = parse_image(spec_image)
        name = container["name"]
        if image is None:
            state.waiting(name, spec_image, "InvalidImageName", f'Failed to apply default image tag "{spec_image}": '
                          f'couldn\'t parse image name "{spec_image}": invalid reference format')
            events.record(pod, "Pod", "Warning", "InspectFailed", f'Failed to apply default image tag "{spec_image}"'
                          f': couldn\'t parse image name "{spec_image}": invalid reference format', path)
            return False
        if is_builtin(spec_image):
            await self._program(pod, state, node, container, events, path, index)
            return True
        state_of_node = self.nodes.setdefault(node, NodeState())
        async with state_of_node.pulls:  # serializeImagePulls (the kubelet default): one pull at a time per node
            return await self._pull_or_reuse(pod, state, node, container, image, spec_image, secrets, events, path,
                                             index)

    async def _pull_or_reuse(self, pod: dict[str, Any], state: PodState, node: str, container: dict[str, Any],
                             image: ImageRef, spec_image: str, secrets: list[tuple[str, dict[str, Any]]],
                             events: EventRecorder, path: str, index: int) -> bool:
        name = container["name"]
        cache = self.nodes[node].images
        policy = container.get("imagePullPolicy", "IfNotPresent")
        if policy != "Always" and image.normalized in cache:
            events.record(pod, "Pod", "Normal", "Pulled", f'Container image "{spec_image}" already present on machine',
                          path)
            self._start(pod, state, events, container, path, index, self.nodes[node].configs.get(image.normalized))
            return True
        if policy == "Never":
            message = f'Container image "{spec_image}" is not present with pull policy of Never'
            state.waiting(name, spec_image, "ErrImageNeverPull", message)
            events.record(pod, "Pod", "Warning", "ErrImageNeverPull", message, path)
            return False
        return await self._pull(pod, state, node, container, image, secrets, events, path, index)

    async def _pull(self, pod: dict[str, Any], state: PodState, node: str, container: dict[str, Any],
                    image: ImageRef, secrets: list[tuple[str, dict[str, Any]]], events: EventRecorder, path: str,
                    index: int) -> bool:
        key, now, spec_image = (pod["metadata"]["uid"], image.spec), self.clock.now(), image.spec
        known = self.backoff.get(key)
        if known and now - known.last_failure < known.period:
            events.record(pod, "Pod", "Normal", "BackOff", f'Back-off pulling image "{spec_image}"', path)
            events.record(pod, "Pod", "Warning", "Failed", "Error: ImagePullBackOff", path)
            state.waiting(container["name"], spec_image, "ImagePullBackOff",
                          f'Back-off pulling image "{spec_image}": ErrImagePull: {known.message}')
            return False
        events.record(pod, "Pod", "Normal", "Pulling", f'Pulling image "{spec_image}"', path)
        started = self.clock.now()
        result = await self._attempt(pod, node, container["name"], image, secrets)
        ok, message, size = result.ok, result.message, result.size
        if ok:
            self.backoff.pop(key, None)
            node_state = self.nodes.setdefault(node, NodeState())
            node_state.images[image.normalized] = size
            node_state.configs[image.normalized] = result.config or {}
            if result.foreign is not None:
                node_state.foreign[image.normalized] = result.entrypoint or "/bin/sh"
            record_pull(self.tracker, node, image, result.digest, size)
            took = max(self.clock.now() - started, 0.001)
            events.record(pod, "Pod", "Normal", "Pulled", f'Successfully pulled image "{spec_image}" in {took:.3f}s '
                          f"({took:.3f}s including waiting). Image size: {size} bytes.", path)
            self._start(pod, state, events, container, path, index, self.nodes[node].configs.get(image.normalized))
            return True
        expired = known is None or now - known.last_failure > 2 * BACKOFF_MAX
        period = BACKOFF_START if expired else min(known.period * 2, BACKOFF_MAX) if known else BACKOFF_START
        self.backoff[key] = Backoff(period, self.clock.now(), message)
        events.record(pod, "Pod", "Warning", "Failed", f'Failed to pull image "{spec_image}": {message}', path)
        events.record(pod, "Pod", "Warning", "Failed", "Error: ErrImagePull", path)
        state.waiting(container["name"], spec_image, "ErrImagePull", message)
        return False

    async def attempt(self, node: str, image: ImageRef, secrets: list[tuple[str, dict[str, Any]]],
                      correlation: str) -> Attempt:
        """One pull in the kubelet's credential order; every credential tried and step taken is returned."""
        credentials: list[Credential] = [c for name, s in secrets for c in secret_credentials(name, s, image)]
        auth = self.auth.node_auth(self.cluster_id, node)
        platform = node_platform(self.tracker.find("nodes", "", node))
        provider: ProviderRun | None = None
        if auth is not None:
            found, provider = await self.provider.credentials(node, auth, image, correlation + "/provider")
            credentials += found
        tried: list[CredentialAttempt] = []
        errors: list[str] = []
        for index, credential in enumerate(credentials or [ANONYMOUS]):
            record = CredentialAttempt(credential.source, credential.username, f"{correlation}/{index}", False,
                                       credential.secret_name, credential.identity)
            try:
                pulled = await self.puller.with_correlation(record.correlation).pull(
                    image, credential.username, credential.secret, platform)
            except PullError as exc:
                tried.append(replace(record, steps=tuple(exc.steps), failure=exc.failure))
                if exc.message not in errors:
                    errors.append(exc.message)
                continue
            tried.append(replace(record, ok=True, steps=tuple(pulled.steps), digest=pulled.digest))
            return Attempt(True, "", pulled.size, provider, tuple(tried), pulled.config, pulled.digest,
                           pulled.foreign, pulled.entrypoint)
        message = errors[0] if len(errors) == 1 else "[" + ", ".join(errors) + "]"
        return Attempt(False, message, 0, provider, tuple(tried))

    async def _attempt(self, pod: dict[str, Any], node: str, container: str, image: ImageRef,
                       secrets: list[tuple[str, dict[str, Any]]]) -> Attempt:
        correlation = f"{pod['metadata']['uid']}/{container}/{self.clock.now():.3f}"
        result = await self.attempt(node, image, secrets, correlation)
        self.log.add(result.record(0, self.cluster_id, node, pod, container, image.spec, self.clock.now()))
        return result

    async def _program(self, pod: dict[str, Any], state: PodState, node: str, container: dict[str, Any],
                       events: EventRecorder, path: str, index: int) -> None:
        """A program every AKS node has (canipull): run it to completion, keep its output as the log."""
        image = str(container.get("image", ""))
        events.record(pod, "Pod", "Normal", "Pulled", f'Container image "{image}" already present on machine', path)
        events.record(pod, "Pod", "Normal", "Created", f"Created container {container['name']}", path)
        events.record(pod, "Pod", "Normal", "Started", f"Started container {container['name']}", path)
        node_obj = self.tracker.find("nodes", "", node) or {}
        location = node_obj.get("metadata", {}).get("labels", {}).get("topology.kubernetes.io/region", "")
        program = CanIPull(self.puller.http, self.clock, self.location_of, location)
        outcome = await program.run([str(a) for a in container.get("args") or []],
                                    self.auth.node_auth(self.cluster_id, node))
        self._start(pod, state, events, container, path, index, None, record=False)
        self._keep_log(pod, container["name"], outcome.log)
        state.terminate(container["name"], outcome.exit_code, self.clock.now())

    def _keep_log(self, pod: dict[str, Any], container: str, text: str, restarted: bool = False) -> None:
        """The container's log; ``restarted``: a new instance begins, the last one's log becomes ``previous``."""
        namespace, name = pod["metadata"]["namespace"], pod["metadata"]["name"]
        current = self.tracker.find(POD_LOGS, namespace, name)
        body = current or {"metadata": {"name": name, "namespace": namespace}, "containers": {}}
        logs = body["containers"]
        if restarted:
            logs[f"{container}/previous"] = logs.get(container, "")
        elif logs.get(container) == text and current is not None:
            return
        logs[container] = text
        if current is None:
            self.tracker.create(POD_LOGS, namespace, body)
        else:
            self.tracker.update(POD_LOGS, namespace, body, check_version=False)

    def _start(self, pod: dict[str, Any], state: PodState, events: EventRecorder, container: dict[str, Any],
               path: str, index: int, config: dict[str, Any] | None, record: bool = True) -> None:
        name, now = container["name"], self.clock.now()
        if record:
            events.record(pod, "Pod", "Normal", "Created", f"Created container {name}", path)
            events.record(pod, "Pod", "Normal", "Started", f"Started container {name}", path)
        restarted = state.has_run(name)
        state.run(name, str(container.get("image", "")), index, now)
        program = self._foreign(pod, container) or interpret(command_line(container, config), now)
        self.programs[(pod["metadata"]["uid"], name)] = (program, now)
        if record:
            self._keep_log(pod, name, program.log(0.0), restarted)

    def _foreign(self, pod: dict[str, Any], container: dict[str, Any]) -> Program | None:
        """An image of another architecture starts and its process fails at once (runc's ``exec
        <entrypoint>: exec format error``, exit 255), so the container crash-loops."""
        node = self.nodes.get(str(pod["spec"].get("nodeName") or ""))
        if node is None or not node.foreign:
            return None
        image = parse_image(str(container.get("image", "")))
        entrypoint = node.foreign.get(image.normalized) if image is not None else None
        return None if entrypoint is None else Program(((0.0, f"exec {entrypoint}: exec format error\n"),), 0.0, 255)

    def _progress(self, pod: dict[str, Any], state: PodState) -> None:
        """Running containers write their output as emulated time passes and exit when their program ends."""
        now = self.clock.now()
        for container in [*(pod["spec"].get("initContainers") or []), *pod["spec"].get("containers", [])]:
            name = container["name"]
            running = state.running(name)
            if running is None:
                continue
            known = self.programs.get((pod["metadata"]["uid"], name))
            if known is None:  # started before this kubelet: the image config is gone with the old process
                started = parse_time(str(running.get("startedAt")))
                known = (interpret(command_line(container, None), started), started)
                self.programs[(pod["metadata"]["uid"], name)] = known
            program, started = known
            if program.wait is not None:
                program, started = self._awaited(pod, name, program, started, now)
            if program.output:  # a program that writes nothing leaves the log as it is
                self._keep_log(pod, name, program.log(now - started))
            if program.done(now - started) and program.duration is not None:
                state.terminate(name, program.exit_code, started + program.duration)

    def _awaited(self, pod: dict[str, Any], name: str, program: Program, started: float,
                 now: float) -> tuple[Program, float]:
        """A script waiting for a Service: its loop's lines so far; once the Service answers, the rest
        of the script runs from now (the lines printed while waiting stay at the head of the log)."""
        wait = program.wait
        assert wait is not None
        printed = waiting_log(wait.output, wait.period, now - started)
        if not reachable(self.tracker, pod["metadata"]["namespace"], wait.host, wait.port):
            if printed:
                self._keep_log(pod, name, printed)
            return program, started
        rest = wait.rest
        resumed = Program(((0.0, printed), *rest.output), rest.duration, rest.exit_code)
        self.programs[(pod["metadata"]["uid"], name)] = (resumed, now)
        return resumed, now

    def _may_restart(self, pod: dict[str, Any], state: PodState, container: dict[str, Any], finished: float,
                     events: EventRecorder, path: str) -> bool:
        """The crash back-off: False (and ``CrashLoopBackOff``) while the container's period has not passed."""
        key, now, name = (pod["metadata"]["uid"], container["name"]), self.clock.now(), container["name"]
        period = self.crashes.blocked(key, finished, now)
        if period is not None:
            events.record(pod, "Pod", "Warning", "BackOff", backoff_event(name, pod), path)
            state.waiting(name, str(container.get("image", "")), "CrashLoopBackOff", crash_message(period, name, pod))
            return False
        self.crashes.next(key, finished, now)
        return True
