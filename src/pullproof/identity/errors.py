"""Entra ID (OAuth2 / AADSTS) and IMDS wire errors, and their renderers."""

from __future__ import annotations

from typing import Any

from pullproof.core.errors import ErrorRegistry, ServiceError

OAUTH = ErrorRegistry("oauth2", "Entra ID token endpoints (AADSTS)")
IMDS = ErrorRegistry("imds", "Instance Metadata Service and App Service managed identity endpoints")

TENANT_NOT_FOUND = OAUTH.register(
    "tenant_not_found", "invalid_request", 400,
    "AADSTS90002: Tenant '{tenant}' not found. Check to make sure you have the correct tenant ID and are "
    "signing into the correct cloud. Check with your subscription administrator, this may happen if there "
    "are no active subscriptions for the tenant.",
    "The tenant in the authority URL is neither the tenant id nor its domain.", 90002,
)
APP_NOT_FOUND = OAUTH.register(
    "app_not_found", "unauthorized_client", 400,
    "AADSTS700016: Application with identifier '{client_id}' was not found in the directory '{tenant}'. "
    "This can happen if the application has not been installed by the administrator of the tenant or "
    "consented to by any user in the tenant. You may have sent your authentication request to the wrong "
    "tenant.",
    "No application (service principal) with this client id exists.", 700016,
)
INVALID_SECRET = OAUTH.register(
    "invalid_secret", "invalid_client", 401,
    "AADSTS7000215: Invalid client secret provided. Ensure the secret being sent in the request is the "
    "client secret value, not the client secret ID, for a secret added to app '{client_id}'.",
    "The secret matches none of the application's password credentials.", 7000215,
)
SECRET_EXPIRED = OAUTH.register(
    "secret_expired", "invalid_client", 401,
    "AADSTS7000222: The provided client secret keys for app '{client_id}' are expired. Visit the Azure "
    "portal to create new keys for your app: https://aka.ms/NewClientSecret, or consider using certificate "
    "credentials for added security: https://aka.ms/certCreds.",
    "The secret matched a password credential whose endDateTime has passed.", 7000222,
)
MISSING_SECRET = OAUTH.register(
    "missing_secret", "invalid_client", 401,
    "AADSTS7000216: 'client_assertion', 'client_secret' or 'request' is required for the "
    "'client_credentials' grant type.",
    "A client-credentials request carried no client secret.", 7000216,
)
RESOURCE_NOT_FOUND = OAUTH.register(
    "resource_not_found", "invalid_resource", 400,
    "AADSTS500011: The resource principal named {resource} was not found in the tenant named {tenant}. "
    "This can happen if the application has not been installed by the administrator of the tenant or "
    "consented to by any user in the tenant. You might have sent your authentication request to the wrong "
    "tenant.",
    "The requested resource (audience) is not one the emulated tenant knows.", 500011,
)
MISSING_SCOPE = OAUTH.register(
    "missing_scope", "invalid_request", 400,
    "AADSTS900144: The request body must contain the following parameter: '{parameter}'.",
    "A required form parameter is missing.", 900144,
)
UNSUPPORTED_GRANT = OAUTH.register(
    "unsupported_grant", "unsupported_grant_type", 400,
    "AADSTS70003: The app requested an unsupported grant type '{grant_type}'.",
    "The grant type is not one the emulator implements.", 70003,
)
BAD_CREDENTIALS = OAUTH.register(
    "bad_credentials", "invalid_grant", 400,
    "AADSTS50126: Error validating credentials due to invalid username or password.",
    "Resource-owner password grant with an unknown user or a wrong password.", 50126,
)
BAD_REFRESH_TOKEN = OAUTH.register(
    "bad_refresh_token", "invalid_grant", 400,
    "AADSTS9002313: Invalid request. Request is malformed or invalid.",
    "The refresh token is unknown, expired or was issued to another client.", 9002313,
)
INVALID_INSTANCE = OAUTH.register(
    "invalid_instance", "invalid_instance", 400, "AADSTS50049: Unknown or invalid instance.",
    "Instance discovery was asked about an authority host this emulator does not serve.", 50049,
)
BODY_TOO_LARGE = OAUTH.register(
    "body_too_large", "invalid_request", 413,
    "AADSTS90020: The request body is too large.",
    "The form body exceeds the emulator's request size limit.", 90020,
)

IMDS_NO_METADATA = IMDS.register(
    "no_metadata", "invalid_request", 400, "Required metadata header not specified",
    "The request lacks the 'Metadata: true' header (IMDS) or the X-IDENTITY-HEADER (App Service).",
)
IMDS_FORWARDED = IMDS.register(
    "forwarded", "invalid_request", 400, "Requests with an X-Forwarded-For header are not accepted",
    "The request carries X-Forwarded-For: IMDS rejects every such request (it is not to be reached "
    "through a proxy that forwards).",
)
IMDS_NO_IDENTITY = IMDS.register(
    "no_identity", "invalid_request", 400, "Identity not found",
    "The machine has no managed identity, or not the one the request names. Never 404: clients retry it.",
)
IMDS_AMBIGUOUS = IMDS.register(
    "ambiguous", "invalid_request", 400,
    "Multiple user assigned identities exist, please specify the clientId / resourceId of the identity "
    "in the token request",
    "The machine has several identities and the request names none of them.",
)
IMDS_BAD_RESOURCE = IMDS.register(
    "bad_resource", "invalid_resource", 400,
    "AADSTS500011: The resource principal named {resource} was not found in the tenant named {tenant}. "
    "This can happen if the application has not been installed by the administrator of the tenant or "
    "consented to by any user in the tenant. You might have sent your authentication request to the wrong "
    "tenant.",
    "The requested resource is unknown.",
)
IMDS_NO_RESOURCE = IMDS.register(
    "no_resource", "invalid_request", 400, "Required query variable 'resource' is missing",
    "The request has no resource parameter.",
)
IMDS_BAD_METHOD = IMDS.register(
    "bad_method", "invalid_request", 405, "The request method is not supported",
    "Only GET is served.",
)


def oauth_body(error: ServiceError, trace_id: str, correlation_id: str, timestamp: str) -> dict[str, Any]:
    """The JSON body Entra ID sends with a failed token request."""
    number = error.code.number
    description = (
        f"{error.message}\r\nTrace ID: {trace_id}\r\nCorrelation ID: {correlation_id}\r\nTimestamp: {timestamp}"
    )
    return {
        "error": error.code.code,
        "error_description": description,
        "error_codes": [number] if number is not None else [],
        "timestamp": timestamp,
        "trace_id": trace_id,
        "correlation_id": correlation_id,
        "error_uri": f"https://login.microsoftonline.com/error?code={number}",
    }


def imds_body(error: ServiceError) -> dict[str, Any]:
    return {"error": error.code.code, "error_description": error.message}
