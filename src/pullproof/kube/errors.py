"""Kubernetes API errors, rendered as ``Status`` objects."""

from __future__ import annotations

from typing import Any

from pullproof.core.errors import ErrorRegistry, ServiceError

KUBE = ErrorRegistry("kube", "Kubernetes API (Status)")

NOT_FOUND = KUBE.register("not_found", "NotFound", 404, '{resource} "{name}" not found',
                          "No such object.")
ALREADY_EXISTS = KUBE.register("already_exists", "AlreadyExists", 409, '{resource} "{name}" already exists',
                               "An object with this name exists in the namespace.")
CONFLICT = KUBE.register("conflict", "Conflict", 409,
                         'Operation cannot be fulfilled on {resource} "{name}": the object has been modified; '
                         "please apply your changes to the latest version and try again",
                         "metadata.resourceVersion is stale.")
INVALID = KUBE.register("invalid", "Invalid", 422, '{kind} "{name}" is invalid: {causes}',
                        "The object fails validation.")
BAD_REQUEST = KUBE.register("bad_request", "BadRequest", 400, "{detail}",
                            "Malformed body, selector or parameter.")
NOT_ACCEPTABLE = KUBE.register("unsupported_media", "UnsupportedMediaType", 415,
                               'the body of the request was in an unknown format - accepted media types include: '
                               'application/json, application/yaml, application/vnd.kubernetes.protobuf',
                               "The Content-Type is not one the server decodes.")
METHOD_NOT_ALLOWED = KUBE.register("method_not_allowed", "MethodNotAllowed", 405,
                                   "the server does not allow this method on the requested resource",
                                   "The verb is not served for this resource.")
NO_RESOURCE = KUBE.register("no_resource", "NotFound", 404, "the server could not find the requested resource",
                            "Unknown path, group, version or resource (also removed API versions).")
GONE = KUBE.register("gone", "Expired", 410, "too old resource version: {requested} ({oldest})",
                     "A watch asked for events older than the server keeps.")
FORBIDDEN = KUBE.register("forbidden", "Forbidden", 403, '{resource} "{name}" is forbidden: {detail}',
                          "Admission refused the request.")
UNAUTHORIZED = KUBE.register("unauthorized", "Unauthorized", 401, "Unauthorized",
                             "No or an unknown bearer token / client certificate.")
TOO_LARGE = KUBE.register("too_large", "RequestEntityTooLarge", 413, "Request entity too large: limit is 3145728",
                          "The body exceeds the API server's limit.")


def status_body(error: ServiceError) -> dict[str, Any]:
    details: dict[str, Any] = {}
    for key in ("name", "group", "kind"):
        if error.params.get(f"detail_{key}") is not None:
            details[key] = error.params[f"detail_{key}"]
    if error.params.get("causes_list"):
        details["causes"] = error.params["causes_list"]
    if error.params.get("retry_after"):
        details["retryAfterSeconds"] = error.params["retry_after"]
    metadata = {"continue": error.params["list_continue"]} if error.params.get("list_continue") else {}
    body: dict[str, Any] = {"kind": "Status", "apiVersion": "v1", "metadata": metadata, "status": "Failure",
                            "message": error.message, "reason": error.code.code, "code": error.status}
    if not error.code.code:
        del body["reason"]  # an error the API server does not classify (it passes etcd's through)
    if details:
        body["details"] = details
    return body


UNSUPPORTED_PATCH = KUBE.register("unsupported_patch", "UnsupportedMediaType", 415,
                                  "the body of the request was in an unknown format - accepted media types include: "
                                  "{accepted}", "A PATCH with a Content-Type that is not a patch type.")
INVALID_PATCH = KUBE.register("invalid_patch", "Invalid", 422, "{detail}",
                              "A JSON patch operation failed (missing path, failed test).")
PRECONDITION = KUBE.register("precondition", "Conflict", 409, "{detail}",
                             "A DeleteOptions precondition (uid, resourceVersion) does not hold.")
CONTINUE_EXPIRED = KUBE.register(
    "continue_expired", "Expired", 410,
    "The provided continue parameter is too old to display a consistent list result. You can start a new list "
    "without the continue parameter, or use the continue token in this response to retrieve the remainder of the "
    "results. Continuing with the provided token results in an inconsistent list - objects that were created, "
    "modified, or deleted between the time the first chunk was returned and now may show up in the list.",
    "A list continued with a token older than the events the server keeps; the Status carries a token that "
    "continues from the current state.")
STORAGE_TOO_LARGE = KUBE.register("storage_too_large", "", 500, "etcdserver: request is too large",
                                  "The object, as stored, exceeds etcd's 1.5 MiB request limit (etcd's error "
                                  "passes through the API server unclassified, as a 500).")
TOO_MANY_REQUESTS = KUBE.register("too_many_requests", "TooManyRequests", 429, "{detail}",
                                  "An eviction refused because it would violate a PodDisruptionBudget (the cause "
                                  "names the budget); clients retry.")
INTERNAL = KUBE.register("internal", "InternalError", 500, "Internal error occurred: {detail}",
                         "A request the server cannot serve as asked (an eviction of a pod more than one "
                         "PodDisruptionBudget selects).")
