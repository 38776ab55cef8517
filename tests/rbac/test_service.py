"""RbacService: Azure's validation of new assignments."""

from __future__ import annotations

import pytest

from pullproof.core.errors import ServiceError
from pullproof.rbac import errors
from pullproof.rbac.service import NewAssignment
from tests.rbac.support import ACR_PULL, GHOST, GROUP, N1, N2, READER, SP, SUB, TENANT, USER, Rig, new


def failure(rig: Rig, assignment: NewAssignment) -> ServiceError:
    with pytest.raises(ServiceError) as caught:
        rig.service.create(assignment, None)
    return caught.value


def test_create_looks_the_principal_up(rig: Rig) -> None:
    created, fresh = rig.service.create(new(principal=USER.upper(), name=N1.upper()), "caller")
    assert fresh and (created.name, created.principal_id, created.principal_type) == (N1, USER, "User")
    assert (created.created_by, created.role_guid, created.scope) == ("caller", ACR_PULL, GROUP)
    assert rig.directory.lookups == [USER]


def test_principal_type_given_for_a_principal_not_yet_in_the_directory(rig: Rig) -> None:
    created, fresh = rig.service.create(new(principal=GHOST, principal_type="Group"), None)
    assert fresh and created.principal_type == "Group"
    assert rig.directory.lookups == [GHOST]


@pytest.mark.parametrize(("principal", "given", "actual"), [
    (SP, "User", "ServicePrincipal"), (SP, "Group", "ServicePrincipal"), (USER, "ServicePrincipal", "User"),
    (SP, "ForeignGroup", "ServicePrincipal"), (USER, "Device", "User")])
def test_principal_type_must_match_the_directory(rig: Rig, principal: str, given: str, actual: str) -> None:
    error = failure(rig, new(principal=principal, principal_type=given))
    assert (error.code.code, error.status) == ("UnmatchedPrincipalType", 400)
    assert error.message == (f"The PrincipalId '{principal.replace('-', '')}' has type '{actual}' , which is "
                             f"different from specified PrinciaplType '{given}'.")
    assert rig.service.store.get(N1) is None


def test_principal_type_that_matches_is_kept(rig: Rig) -> None:
    created, _ = rig.service.create(new(principal=SP, principal_type="ServicePrincipal"), None)
    assert created.principal_type == "ServicePrincipal"


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
