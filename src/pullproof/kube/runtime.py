"""Drives each cluster's controllers, scheduler and kubelets: ``step()`` for tests and tools (one
deterministic pass), ``run()`` for the server (a loop on real time; emulated time may run faster)."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable
from typing import Protocol

from pullproof.core.clock import Clock
from pullproof.core.ids import IdFactory
from pullproof.kube.controllers.cronjobs import CronJobController
from pullproof.kube.controllers.daemonsets import DaemonSetController
from pullproof.kube.controllers.deployments import DeploymentController
from pullproof.kube.controllers.disruption import DisruptionController
from pullproof.kube.controllers.endpoints import EndpointsController
from pullproof.kube.controllers.endpointslices import EndpointSliceController
from pullproof.kube.controllers.jobs import JobController
from pullproof.kube.controllers.jobttl import TTLAfterFinishedController
from pullproof.kube.controllers.loadbalancers import LoadBalancerController
from pullproof.kube.controllers.nodelifecycle import NodeLifecycleController
from pullproof.kube.controllers.podgc import PodGarbageCollector
from pullproof.kube.controllers.replicasets import ReplicaSetController
from pullproof.kube.controllers.resourcequotas import ResourceQuotaController
from pullproof.kube.controllers.scheduler import Scheduler
from pullproof.kube.controllers.statefulsets import StatefulSetController
from pullproof.kube.controllers.volumes import VolumeController
from pullproof.kube.node.kubelet import Kubelets
from pullproof.kube.storage.clusters import Cluster, Clusters

KubeletFactory = Callable[[Cluster], Kubelets]


class Reconciler(Protocol):
    def reconcile(self) -> None: ...


LOG = logging.getLogger("pullproof.kube")


class ClusterRuntime:
    def __init__(self, cluster: Cluster, clock: Clock, ids: IdFactory, kubelets: Kubelets) -> None:
        self.cluster = cluster
        self.deployments = DeploymentController(cluster.tracker, clock)
        self.replicasets = ReplicaSetController(cluster.tracker, clock, ids)
        self.statefulsets = StatefulSetController(cluster.tracker, clock, ids)
        self.daemonsets = DaemonSetController(cluster.tracker, clock, ids)
        self.scheduler = Scheduler(cluster.tracker, clock)
        self.podgc = PodGarbageCollector(cluster.tracker, clock)
        self.nodelifecycle = NodeLifecycleController(cluster.tracker)
        self.endpoints = EndpointsController(cluster.tracker, clock)
        self.endpointslices = EndpointSliceController(cluster.tracker, clock, ids)
        self.loadbalancers = LoadBalancerController(cluster.tracker, clock)
        self.volumes = VolumeController(cluster.tracker, clock)
        self.quotas = ResourceQuotaController(cluster.tracker, clock)
        self.cronjobs = CronJobController(cluster.tracker, clock, ids)
        self.jobs = JobController(cluster.tracker, clock, ids)
        self.jobttl = TTLAfterFinishedController(cluster.tracker, clock)
        self.kubelets = kubelets
        self.disruption = DisruptionController(cluster.tracker, clock)

    def order(self) -> tuple[Reconciler, ...]:
        """The controllers of one pass, in order: the workload controllers make pods, the scheduler binds
        them, and the deployment controller sees its ReplicaSets' new state in the same pass."""
        return (self.nodelifecycle, self.podgc, self.deployments, self.replicasets, self.statefulsets,
                self.daemonsets, self.cronjobs, self.jobs, self.jobttl, self.scheduler, self.volumes,
                self.deployments, self.endpoints, self.endpointslices, self.loadbalancers, self.quotas,
                self.disruption)

    def reconcile(self) -> None:
        """Each controller in turn; one that fails is logged and the others still run (as one broken
        controller in kube-controller-manager does not stop the others)."""
        for controller in self.order():
            try:
                controller.reconcile()
            except Exception:
                LOG.exception("controller %s failed in cluster %s; the next pass retries",
                              type(controller).__name__, self.cluster.id)

    async def step(self) -> None:
        """One pass, written to the database in one transaction at its end."""
        with self.cluster.tracker.batch():
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
            if cluster.stopped:
                continue
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
