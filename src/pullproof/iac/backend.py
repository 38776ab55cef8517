"""The port the engine deploys through: where a deployment's resources are read and written, and where
the deployment itself is kept. The deployments API implements it (``pullproof.deployments.backend``):
one adapter writes through ARM as the caller, the other (what-if) only records what it would write."""

from __future__ import annotations

from typing import Any, Protocol

from pullproof.iac.context import Scope
from pullproof.iac.errors import Where
from pullproof.iac.records import Outcome


class Backend(Protocol):
    """Every call may raise ``ServiceError`` (as ARM would answer); a 404 from ``read`` means "absent"."""

    def write(self, resource_id: str, body: dict[str, Any], api_version: str) -> tuple[int, dict[str, Any]]:
        """Create or update a resource; its status (200/201) and body."""
        ...

    def read(self, resource_id: str, api_version: str | None) -> dict[str, Any]:
        """A resource (a resource group, role assignment or deployment included) as ``GET`` shows it."""
        ...

    def action(self, resource_id: str, action: str, payload: Any, api_version: str) -> Any:
        """A POST action on a resource (``listKeys``, ``listCredentials``…): its result."""
        ...

    def group(self, subscription: str, group: str) -> dict[str, Any] | None:
        """A resource group's body, or None when it does not exist."""
        ...

    def subscription(self, subscription: str) -> dict[str, Any]:
        """What ``subscription()`` returns for it."""
        ...

    def begin_deployment(self, scope: Scope, name: str) -> Scope:
        """Authorize writing the deployment ``name`` at ``scope`` and check the scope exists; the scope as
        ARM spells it."""
        ...

    def save_deployment(self, outcome: Outcome) -> None:
        """Keep a finished deployment, so ``read`` of its id (``reference()`` of a nested one) finds it."""
        ...

    def unidentified(self, label: str, where: Where) -> bool:
        """A resource whose id can only be computed once the deployment runs (``label`` is its id's
        expression, ``where`` its declaration). True when the backend accounts for it without a write (a
        what-if reports it as unsupported); False when it cannot be deployed (the resource fails)."""
        ...
