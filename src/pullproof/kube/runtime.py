"""Drives each cluster's controllers, scheduler and kubelets: ``step()`` for tests and tools (one
deterministic pass), ``run()`` for the server (a loop on real time; emulated time may run faster)."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable

from pullproof.core.clock import Clock
from pullproof.core.ids import IdFactory
from pullproof.kube.controllers.cronjobs import CronJobController
from pullproof.kube.controllers.deployments import DeploymentController
from pullproof.kube.controllers.jobs import JobController
from pullproof.kube.controllers.jobttl import TTLAfterFinishedController
from pullproof.kube.controllers.podgc import PodGarbageCollector
from pullproof.kube.controllers.replicasets import ReplicaSetController
from pullproof.kube.controllers.scheduler import Scheduler
from pullproof.kube.node.kubelet import Kubelets
from pullproof.kube.storage.clusters import Cluster, Clusters

KubeletFactory = Callable[[Cluster], Kubelets]
LOG = logging.getLogger("pullproof.kube")


class ClusterRuntime:
    def __init__(self, cluster: Cluster, clock: Clock, ids: IdFactory, kubelets: Kubelets) -> None:
        self.cluster = cluster
        self.deployments = DeploymentController(cluster.tracker, clock)
        self.replicasets = ReplicaSetController(cluster.tracker, clock, ids)
        self.scheduler = Scheduler(cluster.tracker, clock)
        self.podgc = PodGarbageCollector(cluster.tracker, clock)
        self.cronjobs = CronJobController(cluster.tracker, clock, ids)
        self.jobs = JobController(cluster.tracker, clock, ids)
        self.jobttl = TTLAfterFinishedController(cluster.tracker, clock)
        self.kubelets = kubelets

    def reconcile(self) -> None:
        self.podgc.reconcile()
        self.deployments.reconcile()
        self.replicasets.reconcile()
        self.cronjobs.reconcile()
        self.jobs.reconcile()
        self.jobttl.reconcile()
        self.scheduler.reconcile()
        self.deployments.reconcile()

    async def step(self) -> None:
        self.reconcile()
        await self.kubelets.sync()
        self.reconcile()


class Runtimes:
    def __init__(self, clusters: Clusters, clock: Clock, ids: IdFactory, kubelets: KubeletFactory) -> None:
        self.clusters = clusters
        self.clock = clock
        self.ids = ids
        self.kubelets = kubelets
        self._runtimes: dict[str, ClusterRuntime] = {}

    def get(self, cluster: Cluster) -> ClusterRuntime:
        found = self._runtimes.get(cluster.id)
        if found is None or found.cluster is not cluster:
            found = ClusterRuntime(cluster, self.clock, self.ids, self.kubelets(cluster))
            self._runtimes[cluster.id] = found
        return found

    async def step(self) -> None:
        """One pass over every cluster. A cluster whose pass fails is logged and left to the next pass;
        the clusters after it still reconcile (as one broken controller in kube-controller-manager does
        not stop the others)."""
        live = {c.id for c in self.clusters.all()}
        self._runtimes = {k: v for k, v in self._runtimes.items() if k in live}
        for cluster in self.clusters.all():
            try:
                await self.get(cluster).step()
            except Exception:
                LOG.exception("reconciling cluster %s failed; the next pass retries", cluster.id)

    async def run(self, stop: asyncio.Event, tick: float = 0.1) -> None:
        while not stop.is_set():
            try:
                await self.step()
            except Exception:  # one bad pass must not stop every cluster; the next pass retries
                LOG.exception("kubernetes runtime pass failed")
            with contextlib.suppress(asyncio.TimeoutError):
                await asyncio.wait_for(stop.wait(), tick)
