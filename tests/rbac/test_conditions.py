"""Role-assignment conditions: the parser (what is invalid, what is valid but not emulated), the
three-valued evaluation, and the write-time check of RbacService."""

from __future__ import annotations

import pytest

from pullproof.core.errors import ServiceError
from pullproof.rbac.conditions import (
    ActionMatches,
    AllOf,
    AnyOf,
    Compare,
    ConditionInvalid,
    ConditionNotEmulated,
    ConditionParser,
    Not,
    holds,
    repository_tests,
)
from pullproof.rbac.evaluate import PatternCache
from pullproof.rbac.service import NewAssignment
from tests.rbac.support import GROUP, N1, N2, SP, Rig

NAME = "@Request[Microsoft.ContainerRegistry/registries/repositories:name]"
READ = "Microsoft.ContainerRegistry/registries/repositories/content/read"
META = "Microsoft.ContainerRegistry/registries/repositories/metadata/read"
DOCS = (f"((!(ActionMatches{{'{READ}'}}) AND !(ActionMatches{{'{META}'}})) OR "
        f"({NAME} StringEqualsIgnoreCase 'nginx'))")
READER = "b93aa761-3e63-49ed-ac28-beffa264f7ac"


@pytest.fixture(scope="module")
def parser() -> ConditionParser:
    return ConditionParser()


def test_the_documented_acr_condition(parser: ConditionParser) -> None:
    assert parser.parse(DOCS) == AnyOf((
        AllOf((Not(ActionMatches(READ)), Not(ActionMatches(META)))),
        Compare("repository", "StringEqualsIgnoreCase", "nginx")))


@pytest.mark.parametrize("text", [
    f"{NAME} StringStartsWithIgnoreCase 'team-a/'",
    f"{NAME} StringEquals 'app' OR {NAME} StringEquals 'web'",
    f"{NAME} stringequals 'app' || NOT {NAME} StringLike 'x*' && !({NAME} StringNotEquals 'y')",
    f"  (\n  {NAME}\n  StringEquals\n  'it''s'\n  )  ",
    f"not ActionMatches{{'{READ}'}} or {NAME} StringNotStartsWithIgnoreCase 'tmp/'",
])
def test_the_emulated_subset_parses(parser: ConditionParser, text: str) -> None:
    parser.parse(text)


@pytest.mark.parametrize(("text", "detail"), [
    (f"{NAME} StringEquals", "The condition ends early."),
    (f"({NAME} StringEquals 'x'", "The condition ends early."),
    (f"{NAME} StringEquals 'x')", "Unexpected text at column 84: )"),
    (f"{NAME} StringEquals 'x' AND", "The condition ends early."),
    (f"{NAME} StringEquals 'x' 'y'", "Unexpected text at column 85: 'y'"),
    ("@Request[ nonsense", "The condition ends early."),
    (f"{NAME} StringEquals 'unterminated", "Unexpected text at column 81: 'unterminated"),
    (f"{NAME} Equals 'x'", "'Equals' is not a condition operator."),
    (f"{NAME} SomeOf:StringEquals 'x'", "'SomeOf' is not a cross-product operator."),
    (f"{NAME} StringEquals 5", "StringEquals takes one quoted string value."),
    (f"{NAME} StringEquals {{'a', 'b'}}", "StringEquals takes one quoted string value."),
    ("@Request[Microsoft.ContainerRegistry/registries/repositories:nmae] StringEquals 'x'",
     "'Microsoft.ContainerRegistry/registries/repositories:nmae' is not a Microsoft.ContainerRegistry attribute."),
    ("@Body[Microsoft.ContainerRegistry/registries/repositories:name] StringEquals 'x'",
     "'@Body' is not an attribute source."),
    ("ActionsMatch{'x'}", "Unexpected text at column 1: ActionsMatch{'x'}"),
    ("FooMatches{'x'}", "'FooMatches' is not a condition function."),
    ("", "The condition ends early."),
])
def test_broken_conditions_are_invalid(parser: ConditionParser, text: str, detail: str) -> None:
    with pytest.raises(ConditionInvalid) as caught:
        parser.parse(text)
    assert caught.value.detail == detail


@pytest.mark.parametrize(("text", "what"), [
    ("@Resource[Microsoft.Storage/storageAccounts/blobServices/containers:name] StringEquals 'logs'",
     "the attribute @Resource[Microsoft.Storage/storageAccounts/blobServices/containers:name]"),
    ("@Resource[Microsoft.ContainerRegistry/registries/repositories:name] StringEquals 'app'",
     "the attribute @Resource[Microsoft.ContainerRegistry/registries/repositories:name]"),
    ("@Principal[Microsoft.Directory/CustomSecurityAttributes/Id:Eng_Project] StringEquals 'x'",
     "the attribute @Principal[Microsoft.Directory/CustomSecurityAttributes/Id:Eng_Project]"),
    (f"{NAME} ForAnyOfAnyValues:StringEquals {{'a', 'b'}}", "the operator ForAnyOfAnyValues:StringEquals"),
    (f"{NAME} GuidEquals 8e3af657-a8ff-443c-a75c-2fe8c4bcb635", "the operator GuidEquals"),
    (f"{NAME} NumericLessThan 3", "the operator NumericLessThan"),
    (f"Exists {NAME}", "the operator Exists"),
    ("SubOperationMatches{'Blob.List'}", "the function SubOperationMatches"),
    (f"ActionMatches{{'{READ}', '{META}'}}", "ActionMatches with 2 actions"),
])
def test_valid_conditions_outside_the_subset_are_named(parser: ConditionParser, text: str, what: str) -> None:
    with pytest.raises(ConditionNotEmulated) as caught:
        parser.parse(text)
    assert caught.value.detail == what


def test_evaluation_is_three_valued(parser: ConditionParser) -> None:
    node = parser.parse(DOCS)
    match = PatternCache().matches
    assert holds(node, READ, {"repository": "NGINX"}, match) is True
    assert holds(node, READ, {"repository": "other"}, match) is False
    assert holds(node, READ, {}, match) is None  # only the repository decides it
    assert holds(node, "Microsoft.ContainerRegistry/registries/repositories/content/write", {}, match) is True
    negated = parser.parse(f"!({NAME} StringEquals 'secret')")
    assert holds(negated, READ, {}, match) is None  # never a grant for want of the attribute
    assert holds(negated, READ, {"repository": "app"}, match) is True
    both = parser.parse(f"{NAME} StringEquals 'a' AND ActionMatches{{'{META}'}}")
    assert holds(both, READ, {}, match) is False  # an AND with a false part is false whatever the rest


def test_repository_tests_name_what_the_condition_allows(parser: ConditionParser) -> None:
    text = f"{DOCS} OR {NAME} StringStartsWith 'team-a/'"
    assert repository_tests(parser.parse(text)) == ["StringEqualsIgnoreCase 'nginx'", "StringStartsWith 'team-a/'"]


# write-time checks ----------------------------------------------------------------------------------------
def conditioned(condition: str | None, version: str | None, name: str = N1) -> NewAssignment:
    role = f"/subscriptions/x/providers/Microsoft.Authorization/roleDefinitions/{READER}"
    return NewAssignment(GROUP, name, role, SP, None, condition, version)


def refusal(rig: Rig, assignment: NewAssignment) -> ServiceError:
    with pytest.raises(ServiceError) as caught:
        rig.service.create(assignment, None)
    assert rig.service.store.get(assignment.name) is None
    return caught.value


@pytest.mark.parametrize(("condition", "version", "detail"), [
    (DOCS, "1.0", "conditionVersion is '1.0'; it must be '2.0'."),
    (DOCS, None, "conditionVersion is missing; it must be '2.0'."),
    (DOCS, "2", "conditionVersion is '2'; it must be '2.0'."),
    (None, "2.0", "conditionVersion is set without a condition."),
    (f"{NAME} StringEquals", "2.0", "The condition ends early."),
])
def test_a_write_refuses_an_invalid_condition(rig: Rig, condition: str | None, version: str | None,
                                             detail: str) -> None:
    error = refusal(rig, conditioned(condition, version))
    assert (error.code.code, error.status) == ("InvalidRoleAssignmentCondition", 400)
    assert error.message == f"The given role assignment condition is invalid. {detail}"


def test_a_write_refuses_a_condition_pullproof_does_not_evaluate(rig: Rig) -> None:
    error = refusal(rig, conditioned(f"{NAME} ForAnyOfAnyValues:StringEquals {{'a'}}", "2.0"))
    assert (error.code.code, error.status) == ("InvalidRoleAssignmentCondition", 400)
    assert error.message.startswith("The role assignment condition uses the operator "
                                    "ForAnyOfAnyValues:StringEquals, which pullproof does not emulate (ours). "
                                    "Emulated: ActionMatches{'<action>'}, @Request[")


def test_a_valid_condition_is_stored_and_a_blank_one_is_none(rig: Rig) -> None:
    created, _ = rig.service.create(conditioned(DOCS, "2.0"), None)
    assert (created.condition, created.condition_version) == (DOCS, "2.0")
    blank, _ = rig.service.create(conditioned("", None, N2), None)
    assert not blank.condition


def test_a_put_to_the_same_name_updates_the_condition(rig: Rig) -> None:
    rig.service.create(conditioned(DOCS, "2.0"), None)
    rig.clock.advance(60)
    narrower = DOCS.replace("'nginx'", "'nginx-only'")
    updated, fresh = rig.service.create(conditioned(narrower, "2.0"), None)
    assert not fresh and updated.condition == narrower and updated.updated_on == updated.created_on + 60
    stored = rig.service.store.get(N1)
    assert stored is not None and stored.condition == narrower
    assert refusal_on_update(rig) == "InvalidRoleAssignmentCondition"
    stored = rig.service.store.get(N1)
    assert stored is not None and stored.condition == narrower


def refusal_on_update(rig: Rig) -> str:
    with pytest.raises(ServiceError) as caught:
        rig.service.create(conditioned(f"{NAME} StringEquals", "2.0"), None)
    return caught.value.code.code
