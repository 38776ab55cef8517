"""Azure Resource Manager wire errors (the ``{"error":{"code","message"}}`` envelope)."""

from __future__ import annotations

from typing import Any

from pullproof.core.errors import ErrorRegistry, ServiceError

ARM = ErrorRegistry("arm", "Azure Resource Manager")

ALLOWED_AUDIENCES = (
    "'https://management.core.windows.net/','https://management.core.windows.net',"
    "'https://management.azure.com/','https://management.azure.com'"
)

AUTH_MISSING = ARM.register(
    "auth_missing", "AuthenticationFailed", 401,
    "Authentication failed. The 'Authorization' header is missing.",
    "The request carried no Authorization header.",
)
AUTH_FORMAT = ARM.register(
    "auth_format", "AuthenticationFailed", 401,
    "Authentication failed. The 'Authorization' header is provided in an invalid format.",
    "The Authorization header is not 'Bearer <token>'.",
)
TOKEN_INVALID = ARM.register(
    "token_invalid", "InvalidAuthenticationToken", 401, "The access token is invalid.",
    "The token is malformed, or its signature does not verify against the tenant's keys.",
)
TOKEN_EXPIRED = ARM.register(
    "token_expired", "ExpiredAuthenticationToken", 401,
    "The access token expiry UTC time '{exp}' is earlier than current UTC time '{now}'.",
    "The token's exp claim has passed.",
)
TOKEN_AUDIENCE = ARM.register(
    "token_audience", "InvalidAuthenticationTokenAudience", 401,
    "The access token has been obtained for wrong audience or resource '{aud}'. It should exactly match with "
    "one of the allowed audiences " + ALLOWED_AUDIENCES + ".",
    "The token was issued for another resource than ARM.",
)
TOKEN_TENANT = ARM.register(
    "token_tenant", "InvalidAuthenticationTokenTenant", 401,
    "The access token is from the wrong issuer '{iss}'. It must match the tenant "
    "'https://sts.windows.net/{tenant}/' associated with this subscription. Please use the authority (URL) "
    "'https://login.windows.net/{tenant}' to get the token. Note, if the subscription is transferred to "
    "another tenant there is no impact to the services, but information about new tenant could take time "
    "to propagate (up to an hour). If you just transferred your subscription and see this error message, "
    "please try back later.",
    "The token was issued by another tenant or authority.",
)
AUTHORIZATION_FAILED = ARM.register(
    "authorization_failed", "AuthorizationFailed", 403,
    "The client '{client}' with object id '{oid}' does not have authorization to perform action '{action}' "
    "over scope '{scope}' or the scope is invalid. If access was recently granted, please refresh your "
    "credentials.",
    "RBAC denied the action at the scope (the trace holds the reason code).",
)
MISSING_API_VERSION = ARM.register(
    "missing_api_version", "MissingApiVersionParameter", 400,
    "The api-version query parameter (?api-version=) is required for all requests.",
    "No api-version query parameter.",
)
INVALID_API_VERSION = ARM.register(
    "invalid_api_version", "InvalidApiVersionParameter", 400,
    "The api-version '{version}' is invalid. The supported versions are '{supported}'.",
    "The api-version is not of the form YYYY-MM-DD[-preview].",
)
SUBSCRIPTION_NOT_FOUND = ARM.register(
    "subscription_not_found", "SubscriptionNotFound", 404,
    "The subscription '{subscription}' could not be found.",
    "No such subscription.",
)
INVALID_SUBSCRIPTION = ARM.register(
    "invalid_subscription", "InvalidSubscriptionId", 400,
    "The provided subscription identifier '{subscription}' is malformed or invalid.",
    "The subscription id in the path is not a GUID.",
)
GROUP_NOT_FOUND = ARM.register(
    "group_not_found", "ResourceGroupNotFound", 404, "Resource group '{group}' could not be found.",
    "No such resource group in the subscription.",
)
RESOURCE_NOT_FOUND = ARM.register(
    "resource_not_found", "ResourceNotFound", 404,
    "The Resource '{type}/{name}' under resource group '{group}' was not found. For more details please go "
    "to https://aka.ms/ARMResourceNotFoundFix",
    "No such resource.",
)
INVALID_CONTENT = ARM.register(
    "invalid_content", "InvalidRequestContent", 400,
    "The request content was invalid and could not be deserialized: '{detail}'.",
    "The body is not a JSON object.",
)
TOO_LARGE = ARM.register(
    "too_large", "RequestContentTooLarge", 413,
    "The request content size exceeds the maximum allowed size of {limit} bytes.",
    "The body is larger than ARM accepts (4 MiB).",
)
LOCATION_REQUIRED = ARM.register(
    "location_required", "LocationRequired", 400,
    "The location property is required for this definition.",
    "PUT without a location.",
)
GROUP_LOCATION = ARM.register(
    "group_location", "InvalidResourceGroupLocation", 409,
    "Invalid resource group location '{new}'. The Resource group already exists in location '{old}'.",
    "A PUT of an existing resource group names another location.",
)
INVALID_GROUP_NAME = ARM.register(
    "invalid_group_name", "InvalidResourceGroup", 400,
    "The provided resource group name '{name}' has these invalid characters: '{chars}'. The name can only be "
    "a letter, digit, '-', '.', '(', ')' or '_'.",
    "The resource group name breaks ARM's naming rule.",
)
INVALID_GROUP_NAME_RULE = ARM.register(
    "invalid_group_name_rule", "InvalidResourceGroup", 400,
    "The provided resource group name '{name}' is invalid. A resource group name is 1 to 90 characters long "
    "and cannot end with a period.",
    "The resource group name is too long or ends with a period (wording not verified against Azure).",
)
INVALID_NAME = ARM.register(
    "invalid_name", "InvalidResourceName", 400,
    "Resource name {name} is invalid. {rule}",
    "The resource name breaks the resource type's naming rule.",
)
INVALID_TYPE = ARM.register(
    "invalid_type", "InvalidResourceType", 404,
    "The resource type '{type}' could not be found in the namespace '{namespace}' for api version '{version}'.",
    "The resource type is not one pullproof emulates.",
)
INVALID_NAMESPACE = ARM.register(
    "invalid_namespace", "InvalidResourceNamespace", 404,
    "The resource namespace '{namespace}' is invalid.",
    "The provider namespace is not one pullproof emulates.",
)
TAGS_SHAPE = ARM.register(
    "tags_shape", "InvalidTag", 400,
    "The tags must be a JSON object of tag names and string values (ours).",
    "'tags' is not an object (wording not verified against Azure).",
)
TAGS_COUNT = ARM.register(
    "tags_count", "InvalidTag", 400,
    "The number of tags '{count}' exceeds the maximum of '{limit}' tag name/value pairs for a resource or resource "
    "group (ours).",
    "More than 50 tags (wording not verified against Azure).",
)
TAG_VALUE_TYPE = ARM.register(
    "tag_value_type", "InvalidTag", 400,
    "The value of the tag '{name}' is of type '{type}'; tag values must be strings (ours).",
    "A tag value is a number, boolean, null, array or object (wording not verified against Azure).",
)
TAG_NAME_LENGTH = ARM.register(
    "tag_name_length", "InvalidTagName", 400,
    "Tag key too large. Following tag name '{name}' exceeded the maximum length. Maximum allowed length for tag "
    "name - '{limit}' characters.",
    "A tag name longer than 512 characters.",
)
TAG_VALUE_LENGTH = ARM.register(
    "tag_value_length", "InvalidTagValueLength", 400,
    "Tag value too large. Following tag value '{value}' exceeded the maximum length. Maximum allowed length for "
    "tag value - '{limit}' characters.",
    "A tag value longer than 256 characters.",
)
TAG_NAME_CHARACTERS = ARM.register(
    "tag_name_characters", "InvalidTagNameCharacters", 400,
    "The tag names '{names}' have reserved characters '<,>,%,&,\\,?,/' or control characters.",
    "A tag name holds one of < > % & \\ ? / or a control character.",
)
METHOD_NOT_ALLOWED = ARM.register(
    "method_not_allowed", "MethodNotAllowed", 405,
    "The requested resource does not support http method '{method}'.",
    "The method is not served on this path.",
)
NO_ROUTE = ARM.register(
    "no_route", "InvalidRequestUri", 404,
    "The request uri '{path}' is not valid.",
    "The path matches no ARM route.",
)
OPERATION_NOT_FOUND = ARM.register(
    "operation_not_found", "OperationNotFound", 404,
    "The operation '{operation}' could not be found.",
    "Polling an unknown async operation id.",
)


def arm_body(error: ServiceError) -> dict[str, Any]:
    """ARM's envelope: ``{"error": {"code", "message"[, "target", "details", "additionalInfo"]}}``."""
    return {"error": error.error_object()}
