"""The runtime's pass over every cluster: one cluster that fails does not hold the others back."""

from __future__ import annotations

import asyncio
import logging

import pytest

from tests.aks.support import cluster_of, create_cluster, deploy
from tests.conftest import Local


def test_a_cluster_whose_reconcile_raises_does_not_stop_the_clusters_after_it(
        local: Local, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture) -> None:
    broken = cluster_of(local, create_cluster(local, "aks-a-broken"))
    healthy = cluster_of(local, create_cluster(local, "aks-b-healthy"))
    runtimes = local.emulator.runtimes
    assert [c.id for c in runtimes.clusters.all()] == [broken.id, healthy.id]  # the broken one comes first

    def fail() -> None:
        raise RuntimeError("controller broke")

    monkeypatch.setattr(runtimes.get(broken), "reconcile", fail)
    deploy(healthy, "web", "example.azurecr.io/web:1", replicas=2)
    with caplog.at_level(logging.ERROR, logger="pullproof.kube"):
        asyncio.run(runtimes.step())
    pods, _ = healthy.tracker.list("pods", "default")
    assert len(pods) == 2 and all(pod["spec"].get("nodeName") for pod in pods)
    failed = [r for r in caplog.records if r.name == "pullproof.kube" and r.exc_info]
    assert len(failed) == 1 and broken.id in failed[0].getMessage()
    assert isinstance(failed[0].exc_info[1], RuntimeError)  # type: ignore[index]


def test_a_controller_that_raises_does_not_stop_the_others_of_its_cluster(
        local: Local, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture) -> None:
    cluster = cluster_of(local, create_cluster(local, "aks-one-broken"))
    runtime = local.emulator.runtimes.get(cluster)

    def fail() -> None:
        raise KeyError("updateStrategy")

    monkeypatch.setattr(runtime.statefulsets, "reconcile", fail)  # runs before the scheduler
    deploy(cluster, "web", "example.azurecr.io/web:1", replicas=2)
    with caplog.at_level(logging.ERROR, logger="pullproof.kube"):
        asyncio.run(runtime.step())
    pods, _ = cluster.tracker.list("pods", "default")
    assert len(pods) == 2 and all(pod["spec"].get("nodeName") for pod in pods)
    failed = [r for r in caplog.records if r.name == "pullproof.kube" and r.exc_info]
    assert failed and all("StatefulSetController" in r.getMessage() for r in failed)
