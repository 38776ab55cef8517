"""An OpenAPI 3.0 description of a registry's data plane as pullproof serves it at ``<name>.azurecr.io``.

The operations are the ones ``RegistryRoutes`` and ``AcrRoutes`` dispatch to (the ``V2`` kinds, the token
endpoints, ``/acr/v1``), with the name, tag and digest patterns of ``scope.py``, the manifest size limit,
and the statuses of the OCI error registry. Every error answers with ``{"errors":[{"code","message","detail"}]}``
(an empty body for ``HEAD``). A repository name with ``/`` is one path segment here (OpenAPI path
parameters cannot hold a slash); the server takes nested names too.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from pullproof.registry.manifests import MAX_MANIFEST
from pullproof.registry.models import MANIFEST_TYPES
from pullproof.registry.scope import DIGEST_RE, NAME_COMPONENT, TAG_RE

ERROR = {"type": "object", "required": ["errors"], "properties": {"errors": {
    "type": "array", "minItems": 1, "items": {"type": "object", "required": ["code", "message"], "properties": {
        "code": {"type": "string"}, "message": {"type": "string"}, "detail": {}}}}}}
OBJECT = {"type": "object"}
NAME = {"name": "name", "in": "path", "required": True, "schema": {"type": "string", "pattern": f"^{NAME_COMPONENT}$"}}
DIGEST = {"name": "digest", "in": "path", "required": True, "schema": {"type": "string", "pattern": DIGEST_RE.pattern}}
REFERENCE = {"name": "reference", "in": "path", "required": True,
             "schema": {"type": "string", "pattern": f"{TAG_RE.pattern}|{DIGEST_RE.pattern}"}}
UPLOAD = {"name": "uuid", "in": "path", "required": True, "schema": {"type": "string", "pattern": "^[A-Za-z0-9-]+$"}}
TAG = {"name": "tag", "in": "path", "required": True, "schema": {"type": "string", "pattern": TAG_RE.pattern}}
PAGE = [{"name": "n", "in": "query", "required": False, "schema": {"type": "integer", "minimum": 1}},
        {"name": "last", "in": "query", "required": False, "schema": {"type": "string"}}]
FORM = {"type": "object", "properties": {k: {"type": "string"} for k in (
    "grant_type", "service", "scope", "access_token", "refresh_token", "username", "password", "tenant")}}


class _Builder:
    def __init__(self, errors: Mapping[int, Iterable[str]]) -> None:
        self.paths: dict[str, dict[str, Any]] = {}
        self.errors = {status: sorted(set(codes)) for status, codes in errors.items()}

    def op(self, path: str, method: str, ok: dict[int, str | None], summary: str, params: list[dict[str, Any]],
           body: tuple[str, dict[str, Any]] | None = None) -> None:
        responses: dict[str, Any] = {}
        for status, media in ok.items():
            responses[str(status)] = {"description": "Success"} if media is None or method == "head" else {
                "description": "Success", "content": {media: {"schema": OBJECT if "json" in media else {}}}}
        for status, codes in self.errors.items():
            content = {} if method == "head" else {"content": {"application/json": {"schema": ERROR}}}
            responses[str(status)] = {"description": ", ".join(codes), **content}
        operation: dict[str, Any] = {"operationId": f"{method}:{path}", "summary": summary, "parameters": params,
                                     "responses": responses}
        if body is not None:
            media, schema = body
            operation["requestBody"] = {"required": True, "content": {media: {"schema": schema}}}
        self.paths.setdefault(path, {})[method] = operation

    def distribution(self) -> None:
        json = "application/json"
        self.op("/v2/", "get", {200: json}, "API version check", [])
        self.op("/v2/_catalog", "get", {200: json}, "List repositories", PAGE)
        manifest = "/v2/{name}/manifests/{reference}"
        for method in ("get", "head"):
            self.op(manifest, method, {200: MANIFEST_TYPES[0]}, "Fetch a manifest", [NAME, REFERENCE])
        for media in MANIFEST_TYPES[:1]:
            self.op(manifest, "put", {201: None}, f"Push a manifest (at most {MAX_MANIFEST} bytes)",
                    [NAME, REFERENCE], (media, {"type": "object", "required": ["schemaVersion"],
                                                "properties": {"schemaVersion": {"type": "integer", "enum": [2]}}}))
        self.op(manifest, "delete", {202: None}, "Delete a manifest or tag", [NAME, REFERENCE])
        blob = "/v2/{name}/blobs/{digest}"
        for method in ("get", "head"):
            self.op(blob, method, {200: "application/octet-stream", 206: "application/octet-stream"},
                    "Fetch a blob (Range supported)", [NAME, DIGEST])
        self.op(blob, "delete", {202: None}, "Delete a blob", [NAME, DIGEST])
        query = [{"name": k, "in": "query", "required": False, "schema": {"type": "string"}}
                 for k in ("digest", "mount", "from")]
        self.op("/v2/{name}/blobs/uploads/", "post", {201: None, 202: None}, "Start an upload (or mount)",
                [NAME, *query])
        session = "/v2/{name}/blobs/uploads/{uuid}"
        self.op(session, "get", {204: None}, "Upload progress", [NAME, UPLOAD])
        self.op(session, "patch", {202: None}, "Upload a chunk", [NAME, UPLOAD],
                ("application/octet-stream", {"type": "string", "format": "binary"}))
        self.op(session, "put", {201: None}, "Finish an upload", [NAME, UPLOAD, {**query[0], "required": True}])
        self.op(session, "delete", {204: None}, "Cancel an upload", [NAME, UPLOAD])
        self.op("/v2/{name}/tags/list", "get", {200: json}, "List tags", [NAME, *PAGE])
        self.op("/v2/{name}/referrers/{digest}", "get", {200: "application/vnd.oci.image.index.v1+json"},
                "List referrers", [NAME, DIGEST, {"name": "artifactType", "in": "query", "required": False,
                                                  "schema": {"type": "string"}}])

    def acr(self) -> None:
        json = "application/json"
        form = ("application/x-www-form-urlencoded", FORM)
        self.op("/oauth2/exchange", "post", {200: json}, "Exchange an Entra token for a refresh token", [], form)
        self.op("/oauth2/token", "post", {200: json}, "Get an access token", [], form)
        self.op("/oauth2/token", "get", {200: json}, "Get an access token (Basic or anonymous)",
                [{"name": k, "in": "query", "required": k == "service", "schema": {"type": "string"}}
                 for k in ("service", "scope")])
        self.op("/acr/v1/_catalog", "get", {200: json}, "List repositories", PAGE)
        self.op("/acr/v1/{name}", "get", {200: json}, "Repository attributes", [NAME])
        self.op("/acr/v1/{name}", "delete", {202: json}, "Delete a repository", [NAME])
        self.op("/acr/v1/{name}/_tags", "get", {200: json}, "List tags with attributes",
                [NAME, *PAGE, {"name": "orderby", "in": "query", "required": False,
                               "schema": {"type": "string", "enum": ["timedesc", "timeasc"]}}])
        self.op("/acr/v1/{name}/_tags/{tag}", "get", {200: json}, "Tag attributes", [NAME, TAG])
        self.op("/acr/v1/{name}/_tags/{tag}", "delete", {202: None}, "Delete a tag", [NAME, TAG])
        self.op("/acr/v1/{name}/_manifests", "get", {200: json}, "List manifests with attributes", [NAME])
        self.op("/acr/v1/{name}/_manifests/{digest}", "get", {200: json}, "Manifest attributes", [NAME, DIGEST])


def describe(errors: Mapping[int, Iterable[str]], server: str = "https://{registry}.azurecr.io") -> dict[str, Any]:
    """The OpenAPI document; ``errors`` maps each error status to the wire codes answered with it."""
    builder = _Builder(errors)
    builder.distribution()
    builder.acr()
    return {
        "openapi": "3.0.3",
        "info": {"title": "pullproof registry data plane", "version": "1.0",
                 "description": "OCI Distribution, ACR token and metadata endpoints of one registry (generated "
                                "from pullproof's registry routes and OCI error registry)."},
        "servers": [{"url": server, "variables": {"registry": {"default": "myregistry"}}}],
        "security": [{"bearer": []}, {"basic": []}, {}],
        "components": {"securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"},
                                           "basic": {"type": "http", "scheme": "basic"}}},
        "paths": builder.paths,
    }
