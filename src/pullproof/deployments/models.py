"""Values of the deployments API: what a PUT answers with, and the resource types ARM itself deploys
(every other type of a template must belong to an emulated resource provider)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from pullproof.arm.models import DEPLOYMENT_TYPE, GROUP_TYPE, ROLE_ASSIGNMENT_TYPE
from pullproof.iac.records import Outcome

BUILT_IN = frozenset(t.lower() for t in (GROUP_TYPE, DEPLOYMENT_TYPE, ROLE_ASSIGNMENT_TYPE))


@dataclass(frozen=True)
class Created:
    """A deployment PUT ran: 201 (or 200 when it replaced one), the body, its async operation's id."""

    status: int
    body: dict[str, Any]
    operation_id: str
    outcome: Outcome
