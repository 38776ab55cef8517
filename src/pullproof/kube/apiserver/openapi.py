"""The minimal OpenAPI v3 documents kubectl needs: per kind a ``patch`` operation carrying
``x-kubernetes-group-version-kind`` and the ``fieldValidation`` query parameter, so kubectl leaves
validation to the server (``fieldValidation=Strict``). Operations declare no ``requestBody``:
kubectl then computes strategic merge patches from its compiled-in types.

``/openapi/v2`` is an empty document (an empty protobuf ``openapi_v2.Document`` when asked for
protobuf): kubectl's client-side validation of a kind the server does not serve (``apps/v1beta1``
Deployments) then finds no schema and skips, and kubectl reports the missing resource mapping,
as against a real server. (A 404 there turns that into "the server could not find the requested
resource".)
"""

from __future__ import annotations

import hashlib
import json
from typing import Any

from pullproof.kube.storage.customtypes import ResourceTypes
from pullproof.kube.storage.resources import ResourceType

QUERY_PARAMS = ("dryRun", "fieldManager", "fieldValidation", "force")


def gv_path(group: str, version: str) -> str:
    return f"apis/{group}/{version}" if group else f"api/{version}"


def _object_path(rtype: ResourceType) -> str:
    base = "/" + gv_path(rtype.group, rtype.version)
    if rtype.namespaced:
        return f"{base}/namespaces/{{namespace}}/{rtype.plural}/{{name}}"
    return f"{base}/{rtype.plural}/{{name}}"


def _patch_operation(rtype: ResourceType) -> dict[str, Any]:
    params = [{"name": "name", "in": "path", "required": True, "schema": {"type": "string", "uniqueItems": True}}]
    if rtype.namespaced:
        params.append({"name": "namespace", "in": "path", "required": True,
                       "schema": {"type": "string", "uniqueItems": True}})
    params += [{"name": name, "in": "query", "schema": {"type": "string", "uniqueItems": True}}
               for name in QUERY_PARAMS]
    return {"tags": [gv_path(rtype.group, rtype.version).replace("/", "_")],
            "description": f"partially update the specified {rtype.kind}",
            "operationId": f"patch{rtype.kind}", "parameters": params,
            "responses": {"200": {"description": "OK"}, "201": {"description": "Created"},
                          "401": {"description": "Unauthorized"}},
            "x-kubernetes-action": "patch",
            "x-kubernetes-group-version-kind": {"group": rtype.group, "version": rtype.version, "kind": rtype.kind}}


def document(types: ResourceTypes, group: str, version: str, kube_version: str) -> dict[str, Any]:
    paths = {_object_path(r): {"patch": _patch_operation(r)} for r in types.in_group_version(group, version)}
    return {"openapi": "3.0.0", "info": {"title": "Kubernetes", "version": f"v{kube_version}"}, "paths": paths,
            "components": {}}


def digest(doc: dict[str, Any]) -> str:
    return hashlib.sha512(json.dumps(doc, sort_keys=True).encode()).hexdigest().upper()


def index(types: ResourceTypes, kube_version: str) -> dict[str, Any]:
    paths = {}
    for group, version in types.group_versions:
        doc = document(types, group, version, kube_version)
        paths[gv_path(group, version)] = {"serverRelativeURL": f"/openapi/v3/{gv_path(group, version)}?hash="
                                                               f"{digest(doc)}"}
    return {"paths": paths}


def find(types: ResourceTypes, path: str, kube_version: str) -> dict[str, Any] | None:
    """The document at ``/openapi/v3/<path>`` (``api/v1``, ``apis/apps/v1``), if served."""
    for group, version in types.group_versions:
        if gv_path(group, version) == path.strip("/"):
            return document(types, group, version, kube_version)
    return None


V2_PROTOBUF = "application/com.github.proto-openapi.spec.v2.v1.0+protobuf"


def v2_document(kube_version: str) -> dict[str, Any]:
    return {"swagger": "2.0", "info": {"title": "Kubernetes", "version": f"v{kube_version}"}, "paths": {},
            "definitions": {}}
