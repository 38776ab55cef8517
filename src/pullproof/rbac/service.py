"""Role definitions and assignments, and the authorization check every service uses."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, replace
from importlib import resources
from typing import Protocol

from pullproof.core.clock import Clock
from pullproof.core.errors import ServiceError
from pullproof.core.reasons import Decision
from pullproof.core.trace import TraceSink
from pullproof.rbac import errors
from pullproof.rbac.conditions import SUBSET, ConditionError, ConditionNotEmulated
from pullproof.rbac.evaluate import PatternCache, Request, evaluate
from pullproof.rbac.models import (
    ROLE_DEFINITION_PREFIX,
    RoleAssignment,
    RoleDefinition,
    ancestors,
    is_guid,
    scope_key,
)
from pullproof.rbac.store import AssignmentStore

PRINCIPAL_TYPES = {"User", "Group", "ServicePrincipal", "ForeignGroup", "Device"}


class PrincipalDirectory(Protocol):
    """What RBAC needs to know of the directory (a port; the identity directory implements it)."""

    def principal_exists(self, object_id: str) -> str | None:
        """The principal type (``ServicePrincipal``, ``User``, ``Group``) of ``object_id``, or None."""
        ...


def load_builtin_roles() -> dict[str, RoleDefinition]:
    text = resources.files("pullproof.rbac").joinpath("builtin_roles.json").read_text("utf-8")
    return {r["name"]: RoleDefinition.from_json(r) for r in json.loads(text)}


@dataclass(frozen=True)
class NewAssignment:
    scope: str
    name: str
    role_definition_id: str
    principal_id: str
    principal_type: str | None = None
    condition: str | None = None
    condition_version: str | None = None
    description: str | None = None


class RbacService:
    """Assignments CRUD with Azure's validation, and ``check()`` for every authorization."""

    def __init__(self, store: AssignmentStore, roles: dict[str, RoleDefinition], directory: PrincipalDirectory,
                 clock: Clock, trace: TraceSink, tenant_id: str, propagation_delay: float = 0.0) -> None:
        self.store = store
        self.roles = roles
        self.directory = directory
        self.clock = clock
        self.trace = trace
        self.tenant_id = tenant_id
        self.propagation_delay = propagation_delay
        self.patterns = PatternCache()

    # role definitions --------------------------------------------------------------------------
    def role_from_id(self, role_definition_id: str) -> RoleDefinition:
        text = role_definition_id.strip()
        guid = text.rsplit("/", 1)[-1]
        if not is_guid(guid) or (text != guid and ROLE_DEFINITION_PREFIX not in text.lower() + "/"):
            raise ServiceError(errors.INVALID_ROLE_ID, role=role_definition_id)
        role = self.roles.get(guid.lower())
        if role is None:
            raise ServiceError(errors.ROLE_NOT_FOUND, role=guid)
        return role

    # assignments -------------------------------------------------------------------------------
    def create(self, new: NewAssignment, caller_id: str | None) -> tuple[RoleAssignment, bool]:
        """Create (or return unchanged) an assignment; the flag says whether it is new.

        The lookups and the insert run in one write transaction, so two concurrent PUTs of the
        same assignment cannot both pass the duplicate check. An assignment made by a caller takes
        effect after the propagation delay; one the platform makes itself (``caller_id`` None, e.g.
        the operator's Owner role at first start) takes effect at once."""
        if not is_guid(new.name):
            raise ServiceError(errors.INVALID_ASSIGNMENT_ID, name=new.name)
        if not new.principal_id or not is_guid(new.principal_id):
            raise ServiceError(errors.INVALID_PRINCIPAL_ID)
        if new.principal_type is not None and new.principal_type not in PRINCIPAL_TYPES:
            raise ServiceError(errors.INVALID_PRINCIPAL_TYPE, value=new.principal_type)
        role = self.role_from_id(new.role_definition_id)
        self.check_condition(new.condition, new.condition_version)
        with self.store.db.tx():
            return self._create_locked(new, role, caller_id)

    def check_condition(self, condition: str | None, version: str | None) -> None:
        """Azure's check of ``condition``/``conditionVersion`` on write; a condition pullproof could not
        evaluate is refused too, never stored to be ignored."""
        if condition is None or not condition.strip():
            if version:
                raise ServiceError(errors.CONDITION_INVALID, detail="conditionVersion is set without a condition.")
            return
        try:
            self.patterns.parser.validate(condition, version)
        except ConditionNotEmulated as exc:
            raise ServiceError(errors.CONDITION_NOT_EMULATED, what=exc.detail, subset=SUBSET) from None
        except ConditionError as exc:
            raise ServiceError(errors.CONDITION_INVALID, detail=exc.detail) from None

    def _create_locked(self, new: NewAssignment, role: RoleDefinition,
                       caller_id: str | None) -> tuple[RoleAssignment, bool]:
        principal = new.principal_id.lower()
        existing = self.store.get(new.name)
        if existing is not None:
            if (existing.role_guid, existing.principal_id, existing.scope_key) != (
                    role.guid, principal, scope_key(new.scope)):
                raise ServiceError(errors.ASSIGNMENT_UPDATE)
            return self._update_locked(existing, new), False
        duplicate = self.store.duplicate_of(new.scope, role.guid, principal, new.condition)
        if duplicate is not None:
            raise ServiceError(errors.ASSIGNMENT_EXISTS, existing=duplicate.replace("-", ""))
        principal_type = self._principal_type(principal, new.principal_type)
        now = self.clock.now()
        delay = self.propagation_delay if caller_id is not None else 0.0
        assignment = RoleAssignment(
            new.name.lower(), new.scope, new.role_definition_id, role.guid, principal, principal_type, now, now,
            caller_id, new.condition, new.condition_version, new.description, now + delay,
        )
        self.store.add(assignment)
        return assignment, True

    def _principal_type(self, principal: str, given: str | None) -> str:
        """The given type, which must be the directory's when the directory knows the principal; the
        directory's when none is given (a principal it does not know is then an error)."""
        actual = self.directory.principal_exists(principal)
        if given is None:
            if actual is None:
                raise ServiceError(errors.PRINCIPAL_NOT_FOUND, principal=principal.replace("-", ""),
                                   tenant=self.tenant_id)
            return actual
        if actual is not None and actual != given:
            raise ServiceError(errors.UNMATCHED_PRINCIPAL_TYPE, principal=principal.replace("-", ""),
                               actual=actual, given=given)
        return given

    def _update_locked(self, existing: RoleAssignment, new: NewAssignment) -> RoleAssignment:
        """A PUT to an existing assignment may change its condition and description (as
        ``az role assignment update`` does); anything else it leaves as it was."""
        changes = {"condition": new.condition, "condition_version": new.condition_version,
                   "description": new.description}
        if all(getattr(existing, key) == value for key, value in changes.items()):
            return existing
        updated = replace(existing, **changes, updated_on=self.clock.now())  # type: ignore[arg-type]
        self.store.update(updated)
        return updated

    def get(self, scope: str, name: str) -> RoleAssignment:
        found = self.store.get(name) if is_guid(name) else None
        if found is None or found.scope_key != scope_key(scope):
            raise ServiceError(errors.ASSIGNMENT_NOT_FOUND, name=name)
        return found

    def delete(self, scope: str, name: str) -> RoleAssignment | None:
        found = self.store.get(name) if is_guid(name) else None
        if found is None or found.scope_key != scope_key(scope):
            return None
        self.store.delete(found.name)
        return found

    def list_at_or_above(self, scope: str) -> list[RoleAssignment]:
        return self.store.at_scopes(ancestors(scope))

    def list_for(self, scope: str, principal_id: str | None = None, at_scope: bool = False,
                 assigned_to: str | None = None) -> list[RoleAssignment]:
        """What ``GET {scope}/providers/Microsoft.Authorization/roleAssignments`` returns."""
        found = self.list_at_or_above(scope) if at_scope else self._above_and_below(scope)
        for wanted in (principal_id, assigned_to):
            if wanted:
                found = [a for a in found if a.principal_id == wanted.lower()]
        return found

    def _above_and_below(self, scope: str) -> list[RoleAssignment]:
        merged = {a.name: a for a in self.list_at_or_above(scope)}
        merged.update({a.name: a for a in self.store.under(scope)})
        return sorted(merged.values(), key=lambda a: (a.scope_key, a.name))

    def delete_scope(self, scope: str) -> int:
        return self.store.delete_under(scope)

    # authorization --------------------------------------------------------------------------------
    def check(self, principal_id: str, action: str, scope: str, data_action: bool = False,
              surface: str = "arm", attributes: Mapping[str, str] | None = None,
              any_resource: bool = False) -> Decision:
        """The decision for one principal, action and scope, recorded in the trace (``any_resource``:
        see ``evaluate.Request``)."""
        decision = self.evaluate_only(principal_id, action, scope, data_action, attributes, any_resource)
        self.trace.record(surface, decision, principal_id.lower(), action, scope)
        return decision

    def evaluate_only(self, principal_id: str, action: str, scope: str, data_action: bool = False,
                      attributes: Mapping[str, str] | None = None, any_resource: bool = False) -> Decision:
        """The same decision, not recorded (for what-if questions such as "would the legacy role allow it")."""
        principal = principal_id.lower()
        candidates = self.store.for_principal(principal, ancestors(scope))
        request = Request(principal, action, scope, data_action, attributes, any_resource)
        return evaluate(request, candidates, self.roles, self.clock.now(), self.patterns)
