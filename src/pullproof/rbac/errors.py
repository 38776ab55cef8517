"""Errors of the Microsoft.Authorization API (rendered in the ARM error envelope)."""

from __future__ import annotations

from pullproof.core.errors import ErrorRegistry

AUTHZ = ErrorRegistry("arm", "Microsoft.Authorization (role definitions and assignments)")

ASSIGNMENT_EXISTS = AUTHZ.register(
    "assignment_exists", "RoleAssignmentExists", 409,
    "The role assignment already exists. The ID of the existing role assignment is {existing}.",
    "An assignment with the same scope, role and principal exists under another name.",
)
PRINCIPAL_NOT_FOUND = AUTHZ.register(
    "principal_not_found", "PrincipalNotFound", 400,
    "Principal {principal} does not exist in the directory {tenant}. Check that you have the correct "
    "principal ID. If you are creating this principal and then immediately assigning a role, this error "
    "might be related to a replication delay. In this case, set the role assignment principalType property "
    "to a value, such as ServicePrincipal, User, or Group.  See https://aka.ms/docs-principaltype",
    "principalId names no object in the directory and principalType was not given.",
)
INVALID_ASSIGNMENT_ID = AUTHZ.register(
    "invalid_assignment_id", "InvalidRoleAssignmentId", 400,
    "The role assignment ID '{name}' is not valid. The role assignment ID must be a GUID.",
    "The assignment name in the URL is not a GUID.",
)
INVALID_PRINCIPAL_ID = AUTHZ.register(
    "invalid_principal_id", "InvalidPrincipalId", 400,
    "A valid principal ID must be provided for role assignment.",
    "principalId is missing or not a GUID.",
)
ROLE_NOT_FOUND = AUTHZ.register(
    "role_not_found", "RoleDefinitionDoesNotExist", 404,
    "The specified role definition with ID '{role}' does not exist.",
    "roleDefinitionId names no built-in or custom role.",
)
INVALID_ROLE_ID = AUTHZ.register(
    "invalid_role_id", "InvalidRoleDefinitionId", 400,
    "The role definition ID '{role}' is not valid.",
    "roleDefinitionId is missing or is not a role definition resource id.",
)
ASSIGNMENT_UPDATE = AUTHZ.register(
    "assignment_update", "RoleAssignmentUpdateNotPermitted", 409,
    "Tenant ID, application ID, principal ID, and scope are not allowed to be updated.",
    "A PUT to an existing assignment name tried to change its role, principal or scope.",
)
ASSIGNMENT_NOT_FOUND = AUTHZ.register(
    "assignment_not_found", "RoleAssignmentNotFound", 404,
    "The role assignment '{name}' is not found.",
    "GET of an assignment name that does not exist at this scope.",
)
INVALID_PRINCIPAL_TYPE = AUTHZ.register(
    "invalid_principal_type", "InvalidPrincipalType", 400,
    "The principal type '{value}' is not valid. Valid values are User, Group, ServicePrincipal, "
    "ForeignGroup, Device.",
    "principalType is not one of the documented values.",
)
UNSUPPORTED_FILTER = AUTHZ.register(
    "unsupported_filter", "UnsupportedQuery", 400,
    "The filter '{filter}' is not supported.",
    "The $filter expression is not one ARM supports on this list.",
)
UNMATCHED_PRINCIPAL_TYPE = AUTHZ.register(
    "unmatched_principal_type", "UnmatchedPrincipalType", 400,
    "The PrincipalId '{principal}' has type '{actual}' , which is different from specified PrinciaplType "
    "'{given}'.",
    "principalType names another type than the directory's for the principal (Azure's message, its "
    "spelling included).",
)
CONDITION_INVALID = AUTHZ.register(
    "condition_invalid", "InvalidRoleAssignmentCondition", 400,
    "The given role assignment condition is invalid. {detail}",
    "The condition does not parse, names an unknown function, operator or ACR attribute, or "
    "conditionVersion is not '2.0' (or is set without a condition).",
)
CONDITION_NOT_EMULATED = AUTHZ.register(
    "condition_not_emulated", "InvalidRoleAssignmentCondition", 400,
    "The role assignment condition uses {what}, which pullproof does not emulate (ours). Emulated: {subset}.",
    "A valid condition outside the subset pullproof evaluates (other attributes, sources, operators, "
    "functions); refused rather than stored and ignored.",
)
