"""Helpers for the RBAC suite: an RbacService on a real database with a fake directory."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from pullproof.core.clock import ManualClock
from pullproof.core.trace import TraceSink
from pullproof.db.engine import Database
from pullproof.rbac.service import NewAssignment, RbacService, load_builtin_roles
from pullproof.rbac.store import AssignmentStore

TENANT = "72f988bf-0000-4000-8000-000000000001"
SUB = "/subscriptions/00000000-1111-4222-8333-444444444444"
GROUP = f"{SUB}/resourceGroups/rg1"
ACR_PULL = "7f951dda-4ed3-4680-a7ca-43fe172d538d"
READER = "acdd72a7-3385-48ef-bd42-f606fba81ae7"
SP = "0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d"
USER = "1b2c3d4e-5f6a-4b7c-9d8e-0f1a2b3c4d5e"
GHOST = "2c3d4e5f-6a7b-4c8d-8e9f-1a2b3c4d5e6f"
N1 = "3d4e5f6a-7b8c-4d9e-9f0a-2b3c4d5e6f7a"
N2 = "4e5f6a7b-8c9d-4e0f-8a1b-3c4d5e6f7a8b"
PULL = "Microsoft.ContainerRegistry/registries/pull/read"


class FakeDirectory:
    """The directory port: knows a service principal and a user, and records every lookup."""

    def __init__(self) -> None:
        self.known = {SP: "ServicePrincipal", USER: "User"}
        self.lookups: list[str] = []

    def principal_exists(self, object_id: str) -> str | None:
        self.lookups.append(object_id)
        return self.known.get(object_id)


@dataclass
class Rig:
    service: RbacService
    directory: FakeDirectory
    clock: ManualClock
    db: Database


def make_rig(path: Path, delay: float = 0.0) -> Rig:
    db, clock, directory = Database(path / "rbac.db"), ManualClock(), FakeDirectory()
    service = RbacService(AssignmentStore(db), load_builtin_roles(), directory, clock, TraceSink(db, clock), TENANT,
                          propagation_delay=delay)
    return Rig(service, directory, clock, db)


def new(scope: str = GROUP, name: str = N1, role: str = ACR_PULL, principal: str = SP,
        principal_type: str | None = None) -> NewAssignment:
    return NewAssignment(scope, name, f"/subscriptions/x/providers/Microsoft.Authorization/roleDefinitions/{role}",
                         principal, principal_type)
