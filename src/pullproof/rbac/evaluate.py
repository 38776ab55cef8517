"""The authorization decision, as a pure function of the facts it is given."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from pullproof.core.reasons import Decision, Reason
from pullproof.rbac.conditions import ConditionError, ConditionParser, Node, holds
from pullproof.rbac.models import Permission, RoleAssignment, RoleDefinition, ancestors, scope_key


class PatternCache:
    """Compiled action patterns (``*`` matches any run of characters, case-insensitive) and parsed
    role-assignment conditions."""

    def __init__(self) -> None:
        self._compiled: dict[str, re.Pattern[str]] = {}
        self._conditions: dict[str, Node | ConditionError] = {}
        self._parser: ConditionParser | None = None

    @property
    def parser(self) -> ConditionParser:
        if self._parser is None:
            self._parser = ConditionParser()
        return self._parser

    def condition(self, text: str) -> Node:
        """The parsed condition (raises ``ConditionError`` for one that does not parse)."""
        found = self._conditions.get(text)
        if found is None:
            try:
                found = self.parser.parse(text)
            except ConditionError as exc:
                found = exc
            self._conditions[text] = found
        if isinstance(found, ConditionError):
            raise found
        return found

    def matches(self, pattern: str, action: str) -> bool:
        compiled = self._compiled.get(pattern)
        if compiled is None:
            compiled = re.compile(".*".join(re.escape(p) for p in pattern.split("*")), re.IGNORECASE)
            self._compiled[pattern] = compiled
        return compiled.fullmatch(action) is not None

    def any(self, patterns: Iterable[str], action: str) -> bool:
        return any(self.matches(p, action) for p in patterns)


@dataclass(frozen=True)
class Request:
    """One authorization question. ``attributes`` are the request's (e.g. ``repository``). With
    ``any_resource`` the question is whether the action is granted on *some* resource under the scope
    (the registry's token exchange): a condition that only the missing attributes could decide then
    counts as met."""

    principal_id: str
    action: str
    scope: str
    data_action: bool = False
    attributes: Mapping[str, str] | None = None
    any_resource: bool = False


def condition_holds(assignment: RoleAssignment, request: Request, patterns: PatternCache) -> bool:
    """An assignment without a condition always applies; one whose condition does not parse (stored
    before conditions were checked on write) never does; an undecided one applies only to an
    ``any_resource`` question."""
    if not assignment.condition:
        return True
    try:
        node = patterns.condition(assignment.condition)
    except ConditionError:
        return False
    result = holds(node, request.action, request.attributes or {}, patterns.matches)
    return request.any_resource if result is None else result


def permits(perm: Permission, request: Request, patterns: PatternCache) -> tuple[bool, bool]:
    """(granted, excluded): whether the block includes the action, and whether its not-list removes it."""
    include = perm.data_actions if request.data_action else perm.actions
    exclude = perm.not_data_actions if request.data_action else perm.not_actions
    if not patterns.any(include, request.action):
        return False, False
    return (not patterns.any(exclude, request.action)), patterns.any(exclude, request.action)


def evaluate(
    request: Request,
    assignments: Iterable[RoleAssignment],
    roles: Mapping[str, RoleDefinition],
    now: float,
    patterns: PatternCache,
) -> Decision:
    """Allow when an assignment at ``request.scope`` or above has a role that grants the action.

    ``assignments`` are the principal's candidates; only those whose scope is an ancestor of
    the request scope count. Deny is the default. The evidence lists every scope checked and
    every assignment found there, so the decision explains itself.
    """
    chain = ancestors(request.scope)
    in_chain = set(chain)
    principal = request.principal_id.lower()
    found: list[dict[str, object]] = []
    excluded = pending = False
    granted: RoleAssignment | None = None
    for assignment in sorted(assignments, key=lambda a: (len(a.scope_key), a.name)):
        if assignment.principal_id.lower() != principal or assignment.scope_key not in in_chain:
            continue
        role = roles.get(assignment.role_guid)
        entry: dict[str, object] = {"assignment": assignment.name, "scope": assignment.scope,
                                    "role": role.role_name if role else assignment.role_guid}
        applies = condition_holds(assignment, request, patterns)
        if assignment.condition:
            entry.update({"condition": assignment.condition, "condition_met": applies})
        found.append(entry)
        if role is None or not applies:
            continue
        grants, removed = _weigh(role, request, patterns)
        excluded = excluded or removed
        if grants and assignment.effective_from > now:
            pending = True
        elif grants and granted is None:
            granted = assignment
    evidence: dict[str, object] = {
        "principal_id": principal, "action": request.action, "scope": scope_key(request.scope),
        "scopes_checked": chain, "assignments": found, "data_action": request.data_action,
    }
    if request.attributes:
        evidence["attributes"] = dict(request.attributes)
    if request.any_resource:
        evidence["any_resource"] = True
    return _decide(evidence, granted, roles, pending, excluded)


def _weigh(role: RoleDefinition, request: Request, patterns: PatternCache) -> tuple[bool, bool]:
    """(grants, excluded): whether a permission block of the role grants the action, and whether a
    not-list removed it from one."""
    grants = excluded = False
    for perm in role.permissions:
        ok, removed = permits(perm, request, patterns)
        grants, excluded = grants or ok, excluded or removed
    return grants, excluded


def _decide(evidence: dict[str, object], granted: RoleAssignment | None, roles: Mapping[str, RoleDefinition],
            pending: bool, excluded: bool) -> Decision:
    """The reason, most specific first: granted, not yet propagated, excluded, not in role, no assignment."""
    if granted is not None:
        evidence.update({"granted_by": granted.name, "role": roles[granted.role_guid].role_name,
                         "granted_at": granted.scope})
        return Decision(True, Reason.ALLOWED_BY_ASSIGNMENT, evidence)
    if pending:
        return Decision(False, Reason.ASSIGNMENT_NOT_PROPAGATED, evidence)
    if excluded:
        return Decision(False, Reason.EXCLUDED_BY_NOT_ACTIONS, evidence)
    return Decision(False, Reason.ACTION_NOT_IN_ROLE if evidence["assignments"] else Reason.NO_ROLE_ASSIGNMENT,
                    evidence)
