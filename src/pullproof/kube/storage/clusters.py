"""The Kubernetes clusters this emulator runs: one tracker and API identity per cluster.

A cluster is addressed by its API server host name (``<dnsPrefix>-<hash>.hcp.<location>.azmk8s.io``)
and authenticates kubectl with bearer tokens (``clusterUser`` / ``clusterAdmin`` kubeconfigs);
only the tokens' digests are kept.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass, field

from pullproof.core.clock import Clock
from pullproof.core.hashing import digest_secret, matches
from pullproof.core.ids import IdFactory
from pullproof.kube.storage.store import KubeStore
from pullproof.kube.storage.tracker import Tracker

KUBERNETES_VERSION = "1.32.4"
TOKEN_SALT = "6b756265"


@dataclass
class Cluster:
    """One cluster: its id (the managedCluster's ARM id, lower case), API host, objects and tokens."""

    id: str
    host: str
    tracker: Tracker
    token_digests: dict[str, str] = field(default_factory=dict)
    version: str = KUBERNETES_VERSION
    stopped: bool = False  # a stopped cluster's API server does not answer and its controllers do not run

    def user_for(self, token: str) -> str | None:
        """The kubeconfig user (``clusterUser``/``clusterAdmin``) a bearer token belongs to."""
        digest = digest_secret(token, TOKEN_SALT)
        return next((user for user, known in self.token_digests.items() if matches(digest, known)), None)


class Clusters:
    """Every running cluster, by id and by API host."""

    def __init__(self, store: KubeStore, clock: Clock, ids: IdFactory) -> None:
        self.store = store
        self.clock = clock
        self.ids = ids
        self._by_id: dict[str, Cluster] = {}
        self._lock = threading.Lock()
        self.on_create: list[Callable[[Cluster], None]] = []
        self.on_remove: list[Callable[[Cluster], None]] = []

    def open(self, cluster_id: str, host: str, token_digests: dict[str, str], version: str) -> Cluster:
        """Create or reopen a cluster (objects persist across restarts)."""
        key = cluster_id.lower()
        with self._lock:
            found = self._by_id.get(key)
            if found is None:
                found = Cluster(key, host.lower(), Tracker(key, self.store, self.clock, self.ids), dict(token_digests),
                                version)
                self._by_id[key] = found
                created = True
            else:
                found.host, found.token_digests, found.version = host.lower(), dict(token_digests), version
                created = False
        if created:
            for hook in self.on_create:
                hook(found)
        return found

    def get(self, cluster_id: str) -> Cluster | None:
        with self._lock:
            return self._by_id.get(cluster_id.lower())

    def by_host(self, host: str) -> Cluster | None:
        name = host.lower().rsplit(":", 1)[0]
        with self._lock:
            return next((c for c in self._by_id.values() if c.host == name and not c.stopped), None)

    def remove(self, cluster_id: str) -> None:
        with self._lock:
            found = self._by_id.pop(cluster_id.lower(), None)
        if found is not None:
            for hook in self.on_remove:
                hook(found)
            found.tracker.close_all()
            self.store.drop(found.id)

    def all(self) -> list[Cluster]:
        with self._lock:
            return sorted(self._by_id.values(), key=lambda c: c.id)

    @staticmethod
    def token_digest(token: str) -> str:
        return digest_secret(token, TOKEN_SALT)
