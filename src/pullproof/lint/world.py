"""The throw-away pullproof a lint run deploys into, as lint sees it: the read-only state port plus the few
things lint does to it, as the operator (Owner of the subscription). The CLI passes a ``WorldFactory``
(``pullproof/tools.py`` builds one over an emulator in a temporary data dir, on a manual clock)."""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractContextManager
from typing import Any, Protocol

from pullproof.core.clock import ManualClock
from pullproof.core.ids import IdFactory
from pullproof.explain.state import ToolState
from pullproof.kube.storage.clusters import Cluster
from pullproof.rbac.service import NewAssignment
from pullproof.registry.inproc_client import RegistryPusher


class World(Protocol):
    @property
    def state(self) -> ToolState: ...

    @property
    def clock(self) -> ManualClock:
        """The world's clock; preflight advances it."""
        ...

    @property
    def ids(self) -> IdFactory: ...

    def put_group(self, subscription: str, name: str, body: dict[str, Any]) -> None: ...

    def deploy(self, scope: str, name: str, template: dict[str, Any] | str, parameters: dict[str, Any],
               location: str | None) -> dict[str, Any]:
        """Run a template as ARM would; the deployment's body (``ServiceError`` when ARM refuses it)."""
        ...

    def grant(self, assignment: NewAssignment) -> None: ...

    def cluster(self, cluster_id: str) -> Cluster | None:
        """A deployed cluster's Kubernetes side (its object tracker), for applying the workloads."""
        ...

    async def step(self) -> None:
        """One pass of every cluster's controllers and kubelets."""
        ...

    def pusher(self, login_server: str) -> RegistryPusher:
        """A client that pushes to the registry as the operator (close it after use)."""
        ...


WorldFactory = Callable[[], AbstractContextManager[World]]
