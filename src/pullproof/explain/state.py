"""The read-only state port of the tools (``explain``, ``check-acr``, ``lint``, ``demo``): what they read
of an emulator's state, and nothing that changes it.

Contract, for every adapter (``pullproof/tools.py`` builds them over the real services):

- no method writes, anywhere: not the database, not the data dir's files, not the decision trace;
- lists are sorted as the stores sort them; returned values are copies the caller may change;
- a missing thing is ``None`` or an empty list, never an exception;
- ``registry_decision`` and ``evaluate`` are RBAC's own evaluation on the stored assignments, at ``now()``.

What must run something (a node's pull for ``check-acr``, a throw-away deployment for ``lint``, the
demo's server) comes from a factory the caller passes in; see ``Probe`` and ``lint/world.py``.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from contextlib import AbstractContextManager
from typing import Any, Protocol

from pullproof.arm.models import Resource
from pullproof.core.reasons import Decision
from pullproof.core.trace import TraceEntry
from pullproof.identity.models import ServicePrincipal
from pullproof.kube.node.images import ImageRef
from pullproof.kube.node.kubelet import Attempt
from pullproof.kube.node.pulllog import PullRecord
from pullproof.rbac.models import RoleAssignment, RoleDefinition
from pullproof.registry.models import RegistryInfo


class Objects(Protocol):
    """One cluster's Kubernetes objects (``Tracker`` is one)."""

    def find(self, resource: str, namespace: str, name: str) -> dict[str, Any] | None: ...

    def list(self, resource: str, namespace: str | None = None) -> tuple[list[dict[str, Any]], int]: ...


class ToolState(Protocol):
    """The emulator state the tools read."""

    @property
    def subscription_id(self) -> str:
        """The default subscription (the operator's)."""
        ...

    @property
    def tenant_id(self) -> str: ...

    @property
    def roles(self) -> Mapping[str, RoleDefinition]:
        """Role definitions by GUID."""
        ...

    def now(self) -> float:
        """The data dir's emulated time."""
        ...

    def resource(self, resource_id: str) -> Resource | None: ...

    def resources(self, resource_type: str) -> list[Resource]:
        """Every resource of a type, in every subscription."""
        ...

    def service_principal(self, *, object_id: str | None = None, app_id: str | None = None) -> ServicePrincipal | None:
        ...

    def managed_identity(self, resource_id: str) -> ServicePrincipal | None: ...

    def registry(self, login_server: str) -> RegistryInfo | None: ...

    def tags(self, login_server: str, repository: str) -> list[str]:
        """Tag names of a repository, sorted."""
        ...

    def assignments(self, principal_id: str) -> list[RoleAssignment]:
        """Every role assignment of a principal (lower-case object id), by scope."""
        ...

    def evaluate(self, principal_id: str, action: str, scope: str, data_action: bool = False,
                 attributes: Mapping[str, str] | None = None) -> Decision: ...

    def registry_decision(self, registry: RegistryInfo, principal_id: str, verb: str, repository: str) -> Decision:
        """The registry's decision for one verb on one repository (what its token endpoint would decide)."""
        ...

    def decisions(self, correlation: str, limit: int = 100) -> list[TraceEntry]:
        """The recorded decisions of one request chain, newest first."""
        ...

    def pulls(self, cluster_id: str, namespace: str, pod: str) -> list[PullRecord]:
        """A pod's recorded pull attempts, newest first."""
        ...

    def last_pull(self, cluster_id: str, image: str) -> tuple[str, str] | None:
        """(namespace, pod) of the last recorded pull of ``image`` on the cluster."""
        ...

    def objects(self, cluster_id: str) -> Objects | None:
        """The cluster's Kubernetes objects (None: no such cluster)."""
        ...


class Probe(Protocol):
    """A node's real credential path, run on a sandbox that holds the state (never the data dir)."""

    @property
    def state(self) -> ToolState:
        """The sandbox's state, including the decisions the probe's requests recorded."""
        ...

    def correlation(self) -> str:
        """A new correlation id for one probe."""
        ...

    async def attempt(self, cluster_id: str, node: str, image: ImageRef, correlation: str) -> Attempt:
        """One pull of ``image`` on ``node``, in the kubelet's credential order, with its decisions recorded."""
        ...


ProbeFactory = Callable[[], AbstractContextManager[Probe]]
"""Opens a sandbox over the state for one probe run, and discards it afterwards."""
