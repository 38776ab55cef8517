"""ARM errors of the Microsoft.ContainerRegistry resource provider."""

from __future__ import annotations

from pullproof.core.errors import ErrorRegistry

ACR_ARM = ErrorRegistry("arm", "Microsoft.ContainerRegistry resource provider")

NAME_IN_USE = ACR_ARM.register(
    "name_in_use", "AlreadyInUse", 409,
    "The registry DNS name {server} is already in use. You can check if the name is already claimed using "
    "following API: https://docs.microsoft.com/en-us/rest/api/containerregistry/registries/checknameavailability",
    "Registry names are global: another registry (in any group or subscription) has this name.",
)
INVALID_SKU = ACR_ARM.register(
    "invalid_sku", "InvalidSku", 400,
    "The sku '{sku}' is invalid. Valid values are Basic, Classic, Standard, Premium.",
    "sku.name is missing or not a registry SKU.",
)
ANONYMOUS_NOT_SUPPORTED = ACR_ARM.register(
    "anonymous_not_supported", "AnonymousPullNotSupported", 400,
    "Anonymous pull is not supported for SKU '{sku}'. Please upgrade to the Standard or Premium SKU.",
    "anonymousPullEnabled on a Basic or Classic registry.",
)
ADMIN_DISABLED = ACR_ARM.register(
    "admin_disabled", "AdminUserDisabled", 400, "Admin user is disabled.",
    "listCredentials or regenerateCredential while adminUserEnabled is false.",
)
INVALID_CREDENTIAL_NAME = ACR_ARM.register(
    "invalid_credential_name", "InvalidParameter", 400,
    "The credential name '{name}' is invalid. Valid values are password, password2.",
    "regenerateCredential with a name other than password or password2.",
)
