"""Microsoft Graph wire errors."""

from __future__ import annotations

from typing import Any

from pullproof.core.errors import ErrorRegistry, ServiceError

GRAPH = ErrorRegistry("graph", "Microsoft Graph (directory subset)")

NOT_FOUND = GRAPH.register(
    "not_found", "Request_ResourceNotFound", 404,
    "Resource '{id}' does not exist or one of its queried reference-property objects are not present.",
    "No directory object with this id.",
)
BAD_REQUEST = GRAPH.register(
    "bad_request", "Request_BadRequest", 400, "{detail}",
    "Malformed body, property or identifier.",
)
UNSUPPORTED_QUERY = GRAPH.register(
    "unsupported_query", "Request_UnsupportedQuery", 400, "Unsupported Query.",
    "A $filter the emulator (and, for these forms, Graph) does not support.",
)
DENIED = GRAPH.register(
    "denied", "Authorization_RequestDenied", 403, "Insufficient privileges to complete the operation.",
    "The caller has no directory role or Graph application permission for the operation.",
)
TOKEN_EMPTY = GRAPH.register(
    "token_empty", "InvalidAuthenticationToken", 401, "Access token is empty.", "No bearer token.",
)
TOKEN_INVALID = GRAPH.register(
    "token_invalid", "InvalidAuthenticationToken", 401, "Access token validation failure. {detail}",
    "The token is malformed, has a bad signature, the wrong audience or issuer.",
)
TOKEN_EXPIRED = GRAPH.register(
    "token_expired", "InvalidAuthenticationToken", 401, "Lifetime validation failed, the token is expired.",
    "The token's exp claim has passed.",
)
CONFLICT = GRAPH.register(
    "conflict", "Request_BadRequest", 400,
    "Another object with the same value for property {property} already exists.",
    "A unique property (appId of a service principal) is taken.",
)
TOO_LARGE = GRAPH.register(
    "too_large", "Request_BadRequest", 413, "The request body is too large.",
    "The body exceeds the request size limit.",
)
NO_ROUTE = GRAPH.register(
    "no_route", "BadRequest", 400, "Resource not found for the segment '{segment}'.",
    "The path names no Graph resource the emulator serves.",
)


def graph_body(error: ServiceError, request_id: str, date: str) -> dict[str, Any]:
    return {"error": {"code": error.code.code, "message": error.message,
                      "innerError": {"date": date, "request-id": request_id, "client-request-id": request_id}}}
