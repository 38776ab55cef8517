"""The authorization decision, as a pure function of the facts it is given."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from pullproof.core.reasons import Decision, Reason
from pullproof.rbac.conditions import ConditionError, holds
from pullproof.rbac.models import Permission, RoleAssignment, RoleDefinition, ancestors, scope_key


class PatternCache:
    """Compiled action patterns (``*`` matches any run of characters, case-insensitive)."""

    def __init__(self) -> None:
        self._compiled: dict[str, re.Pattern[str]] = {}

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
    principal_id: str
    action: str
    scope: str
    data_action: bool = False
    attributes: Mapping[str, str] | None = None


def condition_holds(assignment: RoleAssignment, request: Request, patterns: PatternCache) -> bool:
    """An assignment without a condition always applies; a malformed condition never does."""
    if not assignment.condition:
        return True
    try:
        return holds(assignment.condition, request.action, request.attributes or {}, patterns.matches)
    except ConditionError:
        return False


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
            entry["condition_met"] = applies
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
