"""RbacService: Azure's validation of new assignments, lookups by scope and principal, ``check``."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from pullproof.core.clock import ManualClock
from pullproof.core.errors import ServiceError
from pullproof.core.reasons import Reason
from pullproof.core.trace import TraceSink
from pullproof.db.engine import Database
from pullproof.rbac import errors
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


@pytest.fixture
def rig(tmp_path: Path) -> Iterator[Rig]:
    made = make_rig(tmp_path)
    yield made
    made.db.close()


def new(scope: str = GROUP, name: str = N1, role: str = ACR_PULL, principal: str = SP,
        principal_type: str | None = None) -> NewAssignment:
    return NewAssignment(scope, name, f"/subscriptions/x/providers/Microsoft.Authorization/roleDefinitions/{role}",
                         principal, principal_type)


def failure(rig: Rig, assignment: NewAssignment) -> ServiceError:
    with pytest.raises(ServiceError) as caught:
        rig.service.create(assignment, None)
    return caught.value


def test_create_looks_the_principal_up(rig: Rig) -> None:
    created, fresh = rig.service.create(new(principal=USER.upper(), name=N1.upper()), "caller")
    assert fresh and (created.name, created.principal_id, created.principal_type) == (N1, USER, "User")
    assert (created.created_by, created.role_guid, created.scope) == ("caller", ACR_PULL, GROUP)
    assert rig.directory.lookups == [USER]


def test_principal_type_given_skips_the_lookup(rig: Rig) -> None:
    created, fresh = rig.service.create(new(principal=GHOST, principal_type="Group"), None)
    assert fresh and created.principal_type == "Group"
    assert rig.directory.lookups == []


def test_unknown_principal_without_type(rig: Rig) -> None:
    error = failure(rig, new(principal=GHOST))
    assert (error.code, error.status) == (errors.PRINCIPAL_NOT_FOUND, 400)
    assert error.message == (
        f"Principal {GHOST.replace('-', '')} does not exist in the directory {TENANT}. Check that you have the "
        "correct principal ID. If you are creating this principal and then immediately assigning a role, this "
        "error might be related to a replication delay. In this case, set the role assignment principalType "
        "property to a value, such as ServicePrincipal, User, or Group.  See https://aka.ms/docs-principaltype")


def test_name_must_be_a_guid(rig: Rig) -> None:
    error = failure(rig, new(name="my-assignment"))
    assert (error.code.code, error.status) == ("InvalidRoleAssignmentId", 400)
    assert error.message == ("The role assignment ID 'my-assignment' is not valid. The role assignment ID must be "
                             "a GUID.")


def test_duplicate_under_another_name(rig: Rig) -> None:
    rig.service.create(new(), None)
    error = failure(rig, new(name=N2, scope=GROUP.upper()))
    assert (error.code.code, error.status) == ("RoleAssignmentExists", 409)
    assert error.message.endswith(f"The ID of the existing role assignment is {N1.replace('-', '')}.")
    assert error.message == ("The role assignment already exists. The ID of the existing role assignment is "
                             f"{N1.replace('-', '')}.")


def test_same_name_same_content_is_idempotent(rig: Rig) -> None:
    first, _ = rig.service.create(new(), None)
    rig.clock.advance(60)
    again, fresh = rig.service.create(new(scope=GROUP.lower(), principal=SP.upper()), None)
    assert not fresh and again == first


@pytest.mark.parametrize("changed", [new(role=READER), new(principal=USER), new(scope=SUB)])
def test_same_name_different_content_is_not_an_update(rig: Rig, changed: NewAssignment) -> None:
    rig.service.create(new(), None)
    error = failure(rig, changed)
    assert (error.code.code, error.status) == ("RoleAssignmentUpdateNotPermitted", 409)


@pytest.mark.parametrize(("assignment", "code", "status"), [
    (new(role="11111111-2222-4333-8444-555555555555"), "RoleDefinitionDoesNotExist", 404),
    (NewAssignment(GROUP, N1, "AcrPull", SP), "InvalidRoleDefinitionId", 400),
    (NewAssignment(GROUP, N1, "/subscriptions/x/roleDefinitions/" + ACR_PULL, SP), "InvalidRoleDefinitionId", 400),
    (NewAssignment(GROUP, N1, "", SP), "InvalidRoleDefinitionId", 400),
    (new(principal="sp-name"), "InvalidPrincipalId", 400),
    (new(principal=""), "InvalidPrincipalId", 400),
    (new(principal_type="Robot"), "InvalidPrincipalType", 400),
])
def test_invalid_input(rig: Rig, assignment: NewAssignment, code: str, status: int) -> None:
    error = failure(rig, assignment)
    assert (error.code.code, error.status) == (code, status)


def test_unknown_role_message(rig: Rig) -> None:
    error = failure(rig, new(role="11111111-2222-4333-8444-555555555555"))
    assert error.message == ("The specified role definition with ID '11111111-2222-4333-8444-555555555555' does "
                             "not exist.")


def test_a_bare_role_guid_is_accepted(rig: Rig) -> None:
    created, _ = rig.service.create(NewAssignment(GROUP, N1, ACR_PULL.upper(), SP), None)
    assert created.role_guid == ACR_PULL and created.role_definition_id == ACR_PULL.upper()


def test_role_by_name_ignores_case(rig: Rig) -> None:
    role = rig.service.role_by_name("acrpull")
    assert role is not None and role.guid == ACR_PULL
    assert rig.service.role_by_name("no such role") is None


def test_get_and_delete_match_the_scope(rig: Rig) -> None:
    rig.service.create(new(), None)
    assert rig.service.get(GROUP.upper() + "/", N1).name == N1
    with pytest.raises(ServiceError) as wrong_scope:
        rig.service.get(SUB, N1)
    assert wrong_scope.value.code is errors.ASSIGNMENT_NOT_FOUND
    assert rig.service.delete(SUB, N1) is None
    removed = rig.service.delete(GROUP, N1.upper())
    assert removed is not None and removed.name == N1
    assert rig.service.delete(GROUP, N1) is None and rig.service.delete(GROUP, "not-a-guid") is None


def test_listing(rig: Rig) -> None:
    acr = f"{GROUP}/providers/Microsoft.ContainerRegistry/registries/acr1"
    rig.service.create(new(scope=SUB, role=READER, name=N1), None)
    rig.service.create(new(scope=acr, name=N2, principal=USER), None)
    assert [a.name for a in rig.service.list_at_or_above(GROUP)] == [N1]
    assert [a.name for a in rig.service.list_for(GROUP)] == [N1, N2]
    assert [a.name for a in rig.service.list_for(GROUP, at_scope=True)] == [N1]
    assert [a.name for a in rig.service.list_for(SUB, principal_id=USER.upper())] == [N2]
    assert [a.name for a in rig.service.list_for(acr, assigned_to=SP, at_scope=True)] == [N1]


def test_delete_scope_removes_at_and_below_only(rig: Rig) -> None:
    rig.service.create(new(scope=GROUP, name=N1), None)
    rig.service.create(new(scope=f"{GROUP}/providers/Microsoft.ManagedIdentity/userAssignedIdentities/i1",
                           name=N2), None)
    rig.service.create(new(scope=f"{SUB}/resourceGroups/rg10", name="5f6a7b8c-9d0e-4f1a-9b2c-4d5e6f7a8b9c"), None)
    rig.service.create(new(scope=SUB, name="6a7b8c9d-0e1f-4a2b-8c3d-5e6f7a8b9c0d"), None)
    assert rig.service.delete_scope(GROUP.upper()) == 2
    assert sorted(a.scope for a in rig.service.list_for(SUB)) == [SUB, f"{SUB}/resourceGroups/rg10"]


def test_check_records_the_decision(rig: Rig) -> None:
    rig.service.create(new(), None)
    decision = rig.service.check(SP.upper(), PULL, f"{GROUP}/providers/Microsoft.ContainerRegistry/registries/a",
                                 surface="registry")
    assert decision.allowed
    [entry] = rig.service.trace.entries(SP)
    assert (entry.surface, entry.action, entry.decision) == ("registry", PULL, decision)


def test_propagation_delay_on_the_manual_clock(tmp_path: Path) -> None:
    rig = make_rig(tmp_path, delay=30.0)
    rig.service.create(new(), "caller")
    rig.service.create(new(name=N2, principal=USER), None)  # made by the platform itself: effective at once
    scope = f"{GROUP}/providers/Microsoft.ContainerRegistry/registries/a"
    assert rig.service.check(USER, PULL, scope).allowed
    assert rig.service.check(SP, PULL, scope).reason is Reason.ASSIGNMENT_NOT_PROPAGATED
    rig.clock.advance(29.9)
    assert rig.service.check(SP, PULL, scope).reason is Reason.ASSIGNMENT_NOT_PROPAGATED
    rig.clock.advance(0.1)
    assert rig.service.check(SP, PULL, scope).reason is Reason.ALLOWED_BY_ASSIGNMENT
    rig.db.close()


def test_concurrent_duplicates_create_exactly_one(tmp_path: Path) -> None:
    """Each thread has its own connection; the duplicate check and the insert are one transaction."""
    rig = make_rig(tmp_path)
    names = [f"7b8c9d0e-1f2a-4b3c-9d4e-{i:012d}" for i in range(8)]
    barrier = threading.Barrier(len(names))
    outcomes: list[str] = []

    def attempt(name: str) -> None:
        barrier.wait()
        try:
            rig.service.create(new(name=name), None)
            outcomes.append("created")
        except ServiceError as exc:
            outcomes.append(exc.code.code)

    threads = [threading.Thread(target=attempt, args=(name,)) for name in names]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(outcomes) == ["RoleAssignmentExists"] * 7 + ["created"]
    assert len(rig.service.list_for(SUB)) == 1
    rig.db.close()
