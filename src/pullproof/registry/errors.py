"""OCI / ACR data-plane errors: ``{"errors":[{"code","message","detail"}]}``."""

from __future__ import annotations

import json
from typing import Any

from pullproof.core.errors import ErrorRegistry, ServiceError

OCI = ErrorRegistry("oci", "Registry data plane (OCI Distribution and ACR)")
AUTH_MESSAGE = "authentication required, visit https://aka.ms/acr/authorization for more information."

UNAUTHORIZED = OCI.register("unauthorized", "UNAUTHORIZED", 401, AUTH_MESSAGE,
                            "No credentials, bad credentials, or a token without the action the request needs.")
EXCHANGE_DENIED = OCI.register(
    "exchange_denied", "UNAUTHORIZED", 401, AUTH_MESSAGE + " CorrelationId: {correlation}",
    "The Entra token is invalid for this registry, or its principal has no permission on the registry.")
DENIED = OCI.register("denied", "DENIED", 403, "requested access to the resource is denied",
                      "The registry refuses the operation for this identity.")
BLOB_UNKNOWN = OCI.register("blob_unknown", "BLOB_UNKNOWN", 404, "blob unknown to registry",
                            "The blob is not in the repository.")
BLOB_UPLOAD_INVALID = OCI.register("blob_upload_invalid", "BLOB_UPLOAD_INVALID", 400, "blob upload invalid",
                                   "The upload request is malformed (offsets, missing digest).")
BLOB_UPLOAD_UNKNOWN = OCI.register("blob_upload_unknown", "BLOB_UPLOAD_UNKNOWN", 404,
                                   "blob upload unknown to registry",
                                   "No such upload session, or it expired (168 hours after it started).")
DIGEST_INVALID = OCI.register("digest_invalid", "DIGEST_INVALID", 400,
                              "provided digest did not match uploaded content",
                              "The content's digest differs from the one given, or the digest is malformed.")
MANIFEST_BLOB_UNKNOWN = OCI.register("manifest_blob_unknown", "MANIFEST_BLOB_UNKNOWN", 400,
                                     "blob unknown to registry",
                                     "The manifest references a blob or manifest the repository does not have.")
MANIFEST_INVALID = OCI.register("manifest_invalid", "MANIFEST_INVALID", 400, "manifest invalid",
                                "The manifest is not valid JSON of a supported media type.")
MANIFEST_UNKNOWN = OCI.register("manifest_unknown", "MANIFEST_UNKNOWN", 404, "manifest unknown",
                                "No manifest with this digest in the repository.")
MANIFEST_TAG_UNKNOWN = OCI.register("manifest_tag_unknown", "MANIFEST_UNKNOWN", 404,
                                    'manifest tagged by "{tag}" is not found', "No such tag in the repository.")
NAME_INVALID = OCI.register("name_invalid", "NAME_INVALID", 400, "invalid repository name",
                            "The repository name breaks the distribution grammar.")
NAME_UNKNOWN = OCI.register("name_unknown", "NAME_UNKNOWN", 404,
                            "repository name not known to registry", "No such repository.")
SIZE_INVALID = OCI.register("size_invalid", "SIZE_INVALID", 400, "provided length did not match content length",
                            "Content-Length or Content-Range disagrees with the body.")
RANGE_INVALID = OCI.register("range_invalid", "RANGE_INVALID", 416, "invalid content range",
                             "A chunk's Content-Range does not continue the upload.")
TAG_INVALID = OCI.register("tag_invalid", "TAG_INVALID", 400, "manifest tag did not match URI",
                           "The reference is neither a valid tag nor a digest.")
MANIFEST_TOO_LARGE = OCI.register("manifest_too_large", "MANIFEST_INVALID", 413,
                                  "manifest invalid: manifest is larger than {limit} bytes",
                                  "Manifests are limited to 4 MiB, as in ACR.")
UNSUPPORTED = OCI.register("unsupported", "UNSUPPORTED", 405, "The operation is unsupported.",
                           "The method is not served on this path.")
TOKEN_BAD_REQUEST = OCI.register("token_bad_request", "BAD_REQUEST", 400, "{detail}",
                                 "A token request without the fields its grant needs (a password grant without "
                                 "scope gets 400, which makes containerd fall back to GET).")
PUBLIC_UNAUTHORIZED = OCI.register("public_unauthorized", "UNAUTHORIZED", 401, "authentication required",
                                   "A public registry (Docker Hub, ghcr.io, quay.io) without a token that covers "
                                   "the request.")
NOT_FOUND = OCI.register("not_found", "NOT_FOUND", 404, "{detail}", "No such registry endpoint.")


def oci_body(error: ServiceError) -> bytes:
    detail: Any = error.params.get("detail_object")
    body = {"errors": [{"code": error.code.code, "message": error.message, "detail": detail}]}
    return (json.dumps(body, separators=(",", ":")) + "\n").encode()
