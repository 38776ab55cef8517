"""Test helper: ``pullproof up`` in this process (a background thread with its own event loop), so
a test can open clusters in the serving emulator and drive it with real clients over sockets."""

from __future__ import annotations

import asyncio
import base64
import threading
from pathlib import Path

from pullproof.core.clock import Clock
from pullproof.front.server import Running
from pullproof.kube.storage.clusters import Cluster, Clusters
from pullproof.settings import Settings


class InProcessServer:
    """A running emulator; ``stop()`` shuts its listeners down and closes it."""

    def __init__(self, data_dir: Path, clock: Clock | None = None) -> None:
        self.running = Running(Settings(data_dir=data_dir, port=0, proxy_port=0), clock)
        self.emulator = self.running.emulator
        self._ready = threading.Event()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._stop: asyncio.Event | None = None
        self._thread = threading.Thread(target=asyncio.run, args=(self._main(),), daemon=True)

    async def _main(self) -> None:
        self._loop = asyncio.get_running_loop()
        self._stop = asyncio.Event()
        await self.running.serve(self._ready.set, self._stop)

    def start(self) -> InProcessServer:
        self._thread.start()
        if not self._ready.wait(30):
            raise RuntimeError("the in-process emulator did not become ready")
        return self

    def stop(self) -> None:
        for cluster in self.emulator.clusters.all():
            cluster.tracker.close_all()
        if self._loop is not None and self._stop is not None:
            self._loop.call_soon_threadsafe(self._stop.set)
        self._thread.join(30)

    @property
    def proxy(self) -> str:
        return f"http://127.0.0.1:{self.running.proxy_port}"

    def open_cluster(self, cluster_id: str, host: str, token: str) -> Cluster:
        return self.emulator.clusters.open(cluster_id, host, {"clusterUser": Clusters.token_digest(token)}, "1.32.4")

    def kubeconfig(self, path: Path, host: str, token: str) -> Path:
        ca = base64.b64encode(self.emulator.ca.cert_path.read_bytes()).decode()
        path.write_text(
            "apiVersion: v1\nkind: Config\ncurrent-context: c\n"
            f"clusters:\n- name: c\n  cluster:\n    server: https://{host}:443\n"
            f"    certificate-authority-data: {ca}\n"
            "contexts:\n- name: c\n  context:\n    cluster: c\n    user: u\n"
            f"users:\n- name: u\n  user:\n    token: {token}\n", "utf-8")
        return path
