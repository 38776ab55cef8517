"""RbacService: lookups by scope and principal, deletes, ``check`` with its trace and propagation delay."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest

from pullproof.core.errors import ServiceError
from pullproof.core.reasons import Reason
from pullproof.rbac import errors
from tests.rbac.support import GROUP, N1, N2, PULL, READER, SP, SUB, USER, Rig, make_rig, new


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
