"""Authorization of ARM calls by role: Reader, Contributor, a group-scoped role, no role at all."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from starlette.testclient import TestClient

from pullproof.core.reasons import Reason
from tests.arm.support import (
    ACR_PULL,
    AUTHZ_API,
    CONTRIBUTOR,
    MSI,
    MSI_API,
    OWNER,
    READER,
    RG_API,
    Principal,
    bearer,
    denied,
    grant,
    new_principal,
    role_id,
    token_for,
)
from tests.conftest import Local, make_local

Headers = dict[str, str]
NAME = "3c0c8f2a-1d2e-4f3a-9b4c-5d6e7f8a9b0c"
ASSIGN = "Microsoft.Authorization/roleAssignments/write"


def with_role(local: Local, name: str, role: str, scope: str) -> tuple[Principal, Headers]:
    principal = new_principal(local, name)
    grant(local, principal.object_id, role, scope)
    return principal, bearer(token_for(local, principal))


def assign(arm: TestClient, headers: Headers, sub: str, scope: str, principal: str) -> Any:
    return arm.put(f"{scope}/providers/Microsoft.Authorization/roleAssignments/{NAME}?{AUTHZ_API}", headers=headers,
                   json={"properties": {"roleDefinitionId": role_id(sub, ACR_PULL), "principalId": principal}})


def test_reader_reads_but_cannot_write(local: Local, arm: TestClient, owner: Headers, sub: str) -> None:
    arm.put(f"/subscriptions/{sub}/resourcegroups/rg1?{RG_API}", json={"location": "westeurope"}, headers=owner)
    reader, headers = with_role(local, "reader", READER, f"/subscriptions/{sub}")
    listed = arm.get(f"/subscriptions/{sub}/resourcegroups?{RG_API}", headers=headers)
    shown = arm.get(f"/subscriptions/{sub}/resourceGroups/rg1?{RG_API}", headers=headers)
    assignments = arm.get(f"/subscriptions/{sub}/providers/Microsoft.Authorization/roleAssignments?{AUTHZ_API}",
                          headers=headers)
    assert [g["name"] for g in listed.json()["value"]] == ["rg1"] and shown.status_code == 200
    assert assignments.status_code == 200
    created = arm.put(f"/subscriptions/{sub}/resourcegroups/rg2?{RG_API}", json={"location": "westeurope"},
                      headers=headers)
    assert created.status_code == 403
    assert created.json() == denied(reader, "Microsoft.Resources/subscriptions/resourcegroups/write",
                                    f"/subscriptions/{sub}/resourcegroups/rg2")
    response = assign(arm, headers, sub, f"/subscriptions/{sub}", reader.object_id)
    assert response.status_code == 403
    assert response.json() == denied(reader, ASSIGN, f"/subscriptions/{sub}")


def test_contributor_creates_groups_but_not_role_assignments(local: Local, arm: TestClient, sub: str) -> None:
    contributor, headers = with_role(local, "contributor", CONTRIBUTOR, f"/subscriptions/{sub}")
    group = f"/subscriptions/{sub}/resourceGroups/rg1"
    assert arm.put(f"{group}?{RG_API}", json={"location": "westeurope"}, headers=headers).status_code == 201
    identity = arm.put(f"{group}/providers/{MSI}/id1?{MSI_API}", json={"location": "westeurope"}, headers=headers)
    assert identity.status_code == 201
    response = assign(arm, headers, sub, group, contributor.object_id)
    assert response.status_code == 403
    assert response.json() == denied(contributor, ASSIGN, group)
    [entry] = local.emulator.trace.entries(contributor.object_id, limit=1)
    assert (entry.action, entry.decision.reason) == (ASSIGN, Reason.EXCLUDED_BY_NOT_ACTIONS)
    deleted = arm.delete(f"{group}/providers/{MSI}/id1?{MSI_API}", headers=headers)
    assert deleted.status_code == 200


def test_owner_of_a_group_assigns_there_only(local: Local, arm: TestClient, owner: Headers, sub: str) -> None:
    group = f"/subscriptions/{sub}/resourceGroups/rg1"
    arm.put(f"{group}?{RG_API}", json={"location": "westeurope"}, headers=owner)
    group_owner, headers = with_role(local, "group-owner", OWNER, group)
    assert assign(arm, headers, sub, group, group_owner.object_id).status_code == 201
    above = assign(arm, headers, sub, f"/subscriptions/{sub}", group_owner.object_id)
    assert above.json() == denied(group_owner, ASSIGN, f"/subscriptions/{sub}")


def test_group_scoped_reader_lists_only_its_group(local: Local, arm: TestClient, owner: Headers, sub: str) -> None:
    for name in ("rg1", "rg2"):
        arm.put(f"/subscriptions/{sub}/resourcegroups/{name}?{RG_API}", json={"location": "westeurope"},
                headers=owner)
    reader, headers = with_role(local, "rg2-reader", READER, f"/subscriptions/{sub}/resourceGroups/rg2")
    listed = arm.get(f"/subscriptions/{sub}/resourcegroups?{RG_API}", headers=headers)
    other = arm.get(f"/subscriptions/{sub}/resourcegroups/rg1?{RG_API}", headers=headers)
    assert [g["name"] for g in listed.json()["value"]] == ["rg2"]
    assert other.status_code == 403
    assert other.json() == denied(reader, "Microsoft.Resources/subscriptions/resourcegroups/read",
                                  f"/subscriptions/{sub}/resourcegroups/rg1")


def test_no_role_at_all_cannot_list(local: Local, arm: TestClient, sub: str) -> None:
    nobody = new_principal(local, "nobody")
    headers = bearer(token_for(local, nobody))
    groups = arm.get(f"/subscriptions/{sub}/resourcegroups?{RG_API}", headers=headers)
    resources = arm.get(f"/subscriptions/{sub}/resources?{RG_API}", headers=headers)
    assert groups.status_code == 403 and resources.status_code == 403
    assert groups.json() == denied(nobody, "Microsoft.Resources/subscriptions/resourcegroups/read",
                                   f"/subscriptions/{sub}")
    assert resources.json() == denied(nobody, "Microsoft.Resources/subscriptions/resources/read",
                                      f"/subscriptions/{sub}")
    [entry] = local.emulator.trace.entries(nobody.object_id, limit=1)
    assert (entry.action, entry.decision.reason) == ("Microsoft.Resources/subscriptions/resources/read",
                                                     Reason.NO_ROLE_ASSIGNMENT)


def test_authorization_comes_before_existence(local: Local, arm: TestClient, sub: str) -> None:
    """ARM answers 403 "...or the scope is invalid" without telling whether the scope exists."""
    reader, headers = with_role(local, "reader", READER, f"/subscriptions/{sub}")
    group = f"/subscriptions/{sub}/resourcegroups/nowhere"
    gone = arm.delete(f"{group}?{RG_API}", headers=headers)
    identity = arm.put(f"{group}/providers/{MSI}/id1?{MSI_API}", json={"location": "westeurope"}, headers=headers)
    assigned = assign(arm, headers, sub, group, reader.object_id)
    assert gone.json() == denied(reader, "Microsoft.Resources/subscriptions/resourcegroups/delete", group)
    resource = f"/subscriptions/{sub}/resourceGroups/nowhere/providers/{MSI}/id1"  # the canonical id form
    assert identity.json() == denied(reader, f"{MSI}/write", resource)
    assert assigned.json() == denied(reader, ASSIGN, group)


def test_new_assignment_waits_for_the_propagation_delay(tmp_path: Path) -> None:
    delayed = make_local(tmp_path, propagation_delay=30.0)
    try:
        sub = delayed.emulator.operator.subscription_id
        reader = new_principal(delayed, "late-reader")
        group = f"/subscriptions/{sub}/resourceGroups/rg1"
        with delayed.client() as arm:
            owner = bearer(delayed.token())
            arm.put(f"{group}?{RG_API}", json={"location": "westeurope"}, headers=owner)
            arm.put(f"/subscriptions/{sub}/providers/Microsoft.Authorization/roleAssignments/{NAME}?{AUTHZ_API}",
                    json={"properties": {"roleDefinitionId": role_id(sub, READER), "principalId": reader.object_id}},
                    headers=owner)
            headers = bearer(token_for(delayed, reader))
            early = arm.get(f"{group}?{RG_API}", headers=headers)
            [entry] = delayed.emulator.trace.entries(reader.object_id, limit=1)
            delayed.clock.advance(30)
            late = arm.get(f"{group}?{RG_API}", headers=headers)
        assert early.status_code == 403 and entry.decision.reason is Reason.ASSIGNMENT_NOT_PROPAGATED
        assert late.status_code == 200
    finally:
        delayed.emulator.close()
