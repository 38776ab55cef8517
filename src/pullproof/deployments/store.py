"""Where deployments are kept: as ARM resources (so they go with their resource group), each with its
operations and template under private keys that no answer shows."""

from __future__ import annotations

from typing import Any

from pullproof.arm.models import DEPLOYMENT_TYPE, Resource
from pullproof.arm.store import ArmStore
from pullproof.core.clock import Clock
from pullproof.iac.context import Scope
from pullproof.iac.records import Outcome

HIDDEN = ("_operations", "_template")


def stored(outcome: Outcome) -> dict[str, Any]:
    """The body kept for a finished deployment: what ``GET`` shows, plus its operations and template."""
    body = outcome.body()
    body["_operations"] = [op.to_json(outcome.id) for op in outcome.operations]
    body["_template"] = outcome.template
    return body


def public(body: dict[str, Any]) -> dict[str, Any]:
    """A stored deployment body without its private keys."""
    return {k: v for k, v in body.items() if k not in HIDDEN}


class DeploymentStore:
    """Deployments in the ARM store; ``get`` returns the stored body (private keys included)."""

    def __init__(self, store: ArmStore, clock: Clock) -> None:
        self.store = store
        self.clock = clock

    def get(self, deployment_id: str) -> dict[str, Any] | None:
        found = self.store.get(deployment_id)
        if found is None or found.type.lower() != DEPLOYMENT_TYPE.lower():
            return None
        return found.body

    def save(self, outcome: Outcome) -> None:
        scope = outcome.scope
        assert scope.subscription is not None
        self.store.put(Resource(outcome.id, DEPLOYMENT_TYPE, outcome.name, scope.subscription, scope.group,
                                stored(outcome)), self.clock.now())

    def list(self, scope: Scope) -> list[dict[str, Any]]:
        """The public bodies of the deployments at exactly ``scope`` (a subscription's leave its groups' out)."""
        found = self.store.resources(str(scope.subscription), group=scope.group, type_key=DEPLOYMENT_TYPE)
        return [public(r.body) for r in found if scope.group is not None or r.group is None]

    def delete(self, deployment_id: str) -> None:
        if self.get(deployment_id) is not None:
            self.store.delete(deployment_id)
