"""A served emulator whose clock the test moves, and a one-node cluster on it with busybox loaded, for
the kubectl tests of things that take emulated time (container exits, crash back-off, Jobs)."""

from __future__ import annotations

import re
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from pullproof.aks.nodebody import node_body
from pullproof.core.clock import ManualClock
from pullproof.kube.storage.tracker import kube_time
from pullproof.registry.loader import read_image, store_image
from tests.kube import test_kubectl as base
from tests.kube.inprocess import InProcessServer
from tests.registry.layouts import oci_layout

NODE = "aks-nodepool1-12345678-vmss000000"


def clocked_server(tmp_path_factory: pytest.TempPathFactory, label: str) -> Iterator[tuple[InProcessServer,
                                                                                             ManualClock]]:
    clock = ManualClock(time.time())  # kubectl checks the served certificates against wall time
    server = InProcessServer(tmp_path_factory.mktemp(label) / "data", clock).start()
    try:
        yield server, clock
    finally:
        server.stop()


def busybox_cluster(server: InProcessServer, tmp_path: Path, request: pytest.FixtureRequest) -> base.Kubectl:
    """A cluster named after the test, with one node and ``busybox:1.37`` in Docker Hub's emulation."""
    name = re.sub(r"[^a-z0-9]", "", request.node.name.lower())[-40:]
    e = server.emulator
    oci_layout(tmp_path / "busybox", config={"Cmd": ["sh"]})
    store_image(read_image(tmp_path / "busybox"), "registry-1.docker.io", "library/busybox", "1.37", e.content,
                e.registry_store, e.clock)
    host = base.HOST.replace("mycluster", name)
    cluster = server.open_cluster("/subscriptions/s/resourcegroups/rg/providers/microsoft.containerservice/"
                                  f"managedclusters/{name}", host, "tok")
    resource = {"id": cluster.id, "location": "eastus", "properties": {"nodeResourceGroup": "MC_rg_c_eastus"}}
    cluster.tracker.create("nodes", "", node_body(NODE, 0, 0, {"name": "nodepool1"}, resource,
                                                  kube_time(e.clock.now())))
    return base.Kubectl(server, cluster, tmp_path, server.kubeconfig(tmp_path / "config", host, "tok"))
