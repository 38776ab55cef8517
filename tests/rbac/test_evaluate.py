"""The pure decision: inheritance, wildcards, notActions, dataActions, reasons and evidence."""

from __future__ import annotations

import pytest

from pullproof.core.reasons import Decision, Reason
from pullproof.rbac.evaluate import PatternCache, Request, evaluate
from pullproof.rbac.models import RoleAssignment, RoleDefinition
from pullproof.rbac.service import load_builtin_roles

ROLES: dict[str, RoleDefinition] = load_builtin_roles()
GUIDS = {role.role_name: guid for guid, role in ROLES.items()}
P = "5e1f2a3b-4c5d-4e6f-8a9b-0c1d2e3f4a5b"
SUB = "/subscriptions/00000000-1111-4222-8333-444444444444"
GROUP = f"{SUB}/resourceGroups/rg1"
ACR = f"{GROUP}/providers/Microsoft.ContainerRegistry/registries/acr1"
PULL = "Microsoft.ContainerRegistry/registries/pull/read"
PUSH = "Microsoft.ContainerRegistry/registries/push/write"
ASSIGN = "Microsoft.Authorization/roleAssignments/write"
NOW = 1_800_000_000.0


def ra(role: str, scope: str, name: str = "a", principal: str = P, effective_from: float = 0.0) -> RoleAssignment:
    guid = GUIDS.get(role, role)
    return RoleAssignment(name, scope, f"/providers/Microsoft.Authorization/roleDefinitions/{guid}", guid, principal,
                          "ServicePrincipal", 0.0, 0.0, effective_from=effective_from)


def decide(action: str, scope: str, *assignments: RoleAssignment, data: bool = False,
           principal: str = P) -> Decision:
    return evaluate(Request(principal, action, scope, data_action=data), assignments, ROLES, NOW, PatternCache())


@pytest.mark.parametrize("at", [SUB, GROUP, ACR])
def test_assignments_are_inherited_downwards(at: str) -> None:
    assert decide(PULL, ACR, ra("AcrPull", at)).allowed
    assert decide(PULL, f"{ACR}/replications/westus", ra("AcrPull", at)).allowed


def test_assignments_do_not_flow_up_or_sideways() -> None:
    below = decide(PULL, GROUP, ra("AcrPull", ACR))
    sibling = decide(PULL, ACR, ra("AcrPull", f"{SUB}/resourceGroups/rg10"))
    assert not below.allowed and below.reason is Reason.NO_ROLE_ASSIGNMENT
    assert not sibling.allowed and sibling.reason is Reason.NO_ROLE_ASSIGNMENT


def test_root_scope_covers_everything() -> None:
    assert decide(PULL, ACR, ra("AcrPull", "/")).allowed


def test_scopes_compare_without_case() -> None:
    assert decide(PULL, ACR.upper(), ra("AcrPull", ACR.lower())).allowed


@pytest.mark.parametrize("action", [PULL, "microsoft.containerregistry/REGISTRIES/pull/READ",
                                    "Microsoft.Resources/subscriptions/resourceGroups/read"])
def test_reader_wildcard_reads_everything(action: str) -> None:
    assert decide(action, ACR, ra("Reader", SUB)).allowed


def test_reader_cannot_write_and_acr_pull_cannot_push() -> None:
    reader = decide(PUSH, ACR, ra("Reader", SUB))
    puller = decide(PUSH, ACR, ra("AcrPull", ACR))
    assert (reader.allowed, reader.reason) == (False, Reason.ACTION_NOT_IN_ROLE)
    assert (puller.allowed, puller.reason) == (False, Reason.ACTION_NOT_IN_ROLE)
    assert decide(PUSH, ACR, ra("AcrPush", ACR)).allowed


def test_contributor_cannot_write_role_assignments() -> None:
    decision = decide(ASSIGN, GROUP, ra("Contributor", SUB))
    assert (decision.allowed, decision.reason) == (False, Reason.EXCLUDED_BY_NOT_ACTIONS)
    assert decide(PUSH, ACR, ra("Contributor", SUB)).allowed
    assert decide("microsoft.authorization/ROLEASSIGNMENTS/write", GROUP, ra("Owner", SUB)).allowed


def test_another_role_can_grant_what_one_excludes() -> None:
    both = decide(ASSIGN, GROUP, ra("Contributor", SUB, "a"), ra("User Access Administrator", GROUP, "b"))
    assert both.allowed and both.evidence["role"] == "User Access Administrator"


def test_actions_do_not_grant_data_actions() -> None:
    content = "Microsoft.ContainerRegistry/registries/repositories/content/read"
    owner = decide(content, ACR, ra("Owner", SUB), data=True)
    assert (owner.allowed, owner.reason) == (False, Reason.ACTION_NOT_IN_ROLE)
    assert decide(content, ACR, ra("Container Registry Repository Reader", ACR), data=True).allowed
    as_action = decide(content, ACR, ra("Container Registry Repository Reader", ACR))
    assert (as_action.allowed, as_action.reason) == (False, Reason.ACTION_NOT_IN_ROLE)


def test_not_data_actions_exclude_data_actions() -> None:
    cluster = f"{GROUP}/providers/Microsoft.ContainerService/managedClusters/aks1"
    admin = ra("Azure Kubernetes Service RBAC Admin", cluster)
    write = decide("Microsoft.ContainerService/managedClusters/namespaces/write", cluster, admin, data=True)
    pods = decide("Microsoft.ContainerService/managedClusters/pods/read", cluster, admin, data=True)
    assert (write.allowed, write.reason) == (False, Reason.EXCLUDED_BY_NOT_ACTIONS)
    assert pods.allowed


def test_assignment_not_propagated_yet() -> None:
    pending = ra("AcrPull", ACR, effective_from=NOW + 1)
    decision = decide(PULL, ACR, pending)
    assert (decision.allowed, decision.reason) == (False, Reason.ASSIGNMENT_NOT_PROPAGATED)
    assert decide(PULL, ACR, ra("AcrPull", ACR, effective_from=NOW)).allowed
    assert decide(PULL, ACR, pending, ra("Reader", SUB, "b")).allowed
    not_matching = decide(PUSH, ACR, pending)
    assert not_matching.reason is Reason.ACTION_NOT_IN_ROLE


def test_other_principals_do_not_count_and_case_does_not_matter() -> None:
    other = decide(PULL, ACR, ra("AcrPull", ACR, principal="0e9d8c7b-6a5f-4e3d-9c2b-1a0f9e8d7c6b"))
    assert other.reason is Reason.NO_ROLE_ASSIGNMENT and other.evidence["assignments"] == []
    assert decide(PULL, ACR, ra("AcrPull", ACR, principal=P.upper())).allowed
    assert decide(PULL, ACR, ra("AcrPull", ACR), principal=P.upper()).allowed


def test_unknown_role_grants_nothing() -> None:
    missing = "11111111-2222-4333-8444-555555555555"
    decision = decide(PULL, ACR, ra(missing, ACR))
    assert decision.reason is Reason.ACTION_NOT_IN_ROLE
    assert decision.evidence["assignments"] == [{"assignment": "a", "role": missing, "scope": ACR}]


def test_evidence_lists_scopes_checked_and_assignments_found() -> None:
    decision = decide(PUSH, ACR, ra("AcrPull", ACR, "n1"), ra("Reader", SUB, "n2"), ra("AcrPull", GROUP + "0", "x"))
    sub_key = SUB.lower()
    expected = {
        "principal_id": P, "action": PUSH, "scope": ACR.lower(), "data_action": False,
        "scopes_checked": ["/", sub_key, f"{sub_key}/resourcegroups/rg1", ACR.lower()],
        "assignments": [{"assignment": "n2", "role": "Reader", "scope": SUB},
                        {"assignment": "n1", "role": "AcrPull", "scope": ACR}],
    }
    assert {key: decision.evidence[key] for key in expected} == expected
    assert "granted_by" not in decision.evidence


def test_evidence_of_an_allow_names_the_broadest_grant() -> None:
    decision = decide(PULL, ACR, ra("AcrPull", ACR, "n1"), ra("AcrPush", SUB, "n2"))
    assert decision.allowed and decision.reason is Reason.ALLOWED_BY_ASSIGNMENT
    assert (decision.evidence["granted_by"], decision.evidence["role"], decision.evidence["granted_at"]) == (
        "n2", "AcrPush", SUB)


@pytest.mark.parametrize(("pattern", "action", "matches"), [
    ("*/read", PULL, True), ("*/read", PUSH, False), ("*", "anything/at/all", True),
    ("Microsoft.Authorization/*/Write", "microsoft.authorization/roleAssignments/write", True),
    ("Microsoft.Authorization/*/Write", "Microsoft.Authorization/roleAssignments/read", False),
    ("Microsoft.Network/*", "MicrosoftXNetwork/virtualNetworks/read", False),
    ("Microsoft.Support/*", "Microsoft.Support", False), (PULL, PULL + "x", False),
])
def test_patterns(pattern: str, action: str, matches: bool) -> None:
    assert PatternCache().matches(pattern, action) is matches


CONTENT = "Microsoft.ContainerRegistry/registries/repositories/content/read"
METADATA = "Microsoft.ContainerRegistry/registries/repositories/metadata/read"
TEAM_A = ("((!(ActionMatches{'Microsoft.ContainerRegistry/registries/repositories/content/read'})) OR "
          "(@Request[Microsoft.ContainerRegistry/registries/repositories:name] StringStartsWithIgnoreCase 'team-a/'))")


def conditional(condition: str) -> RoleAssignment:
    plain = ra("Container Registry Repository Reader", ACR, "c1")
    return RoleAssignment(plain.name, plain.scope, plain.role_definition_id, plain.role_guid, plain.principal_id,
                          plain.principal_type, 0.0, 0.0, condition=condition, condition_version="2.0")


def on_repository(action: str, repository: str, *assignments: RoleAssignment) -> Decision:
    request = Request(P, action, ACR, data_action=True, attributes={"repository": repository})
    return evaluate(request, assignments, ROLES, NOW, PatternCache())


def test_a_condition_limits_what_the_assignment_grants() -> None:
    limited = conditional(TEAM_A)
    assert on_repository(CONTENT, "Team-A/web", limited).allowed
    refused = on_repository(CONTENT, "team-b/web", limited)
    assert (refused.allowed, refused.reason) == (False, Reason.ACTION_NOT_IN_ROLE)
    assert refused.evidence["assignments"] == [
        {"assignment": "c1", "role": "Container Registry Repository Reader", "scope": ACR, "condition": TEAM_A,
         "condition_met": False}]
    assert refused.evidence["attributes"] == {"repository": "team-b/web"}
    assert on_repository(METADATA, "team-b/web", limited).allowed  # the condition only restricts content/read


def test_a_malformed_condition_never_applies() -> None:
    assert not on_repository(CONTENT, "team-a/web", conditional("@Request[ nonsense")).allowed


def test_an_unconditional_assignment_still_grants_beside_a_conditional_one() -> None:
    assert on_repository(CONTENT, "team-b/web", conditional(TEAM_A),
                         ra("Container Registry Repository Reader", GROUP, "c2")).allowed
