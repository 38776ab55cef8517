"""ACR's metadata API under ``/acr/v1`` (what ``az acr repository`` and the SDK use)."""

from __future__ import annotations

import re
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from pullproof.core.clock import isoformat
from pullproof.core.errors import ServiceError
from pullproof.core.web import host_of
from pullproof.registry import errors
from pullproof.registry.access import AccessController
from pullproof.registry.content import Content
from pullproof.registry.http import BASE_HEADERS, paged, with_base
from pullproof.registry.manifests import Reference
from pullproof.registry.models import ManifestRecord, RegistryDirectory, RegistryInfo
from pullproof.registry.scope import Scope, valid_repository
from pullproof.registry.store import RegistryStore

PATH = re.compile(r"^/acr/v1/(?P<name>.+?)(?:/(?P<kind>_tags|_manifests)(?:/(?P<item>[^/]+))?)?$")
CHANGEABLE = {"deleteEnabled": True, "writeEnabled": True, "readEnabled": True, "listEnabled": True}


class AcrRoutes:
    def __init__(self, registries: RegistryDirectory, store: RegistryStore, content: Content,
                 access: AccessController) -> None:
        self.registries = registries
        self.store = store
        self.content = content
        self.access = access

    def routes(self) -> list[Route]:
        return [Route("/acr/v1/_catalog", self.catalog, methods=["GET"]),
                Route("/acr/v1/{path:path}", self.dispatch, methods=["GET", "DELETE", "PATCH"])]

    def _registry(self, request: Request) -> RegistryInfo:
        found = self.registries.find(host_of(request.scope))
        if found is None:
            raise ServiceError(errors.NOT_FOUND, detail="registry not found")
        return found

    async def catalog(self, request: Request) -> Response:
        registry = self._registry(request)
        self.access.authorize(registry, request.headers.get("authorization"), Scope("registry", "catalog", ("*",)))
        names = self.store.repositories(registry.login_server, request.query_params.get("last", ""))
        return paged(names, request, "/acr/v1/_catalog", "repositories", {})

    async def dispatch(self, request: Request) -> Response:
        registry = self._registry(request)
        match = PATH.match(request.url.path)
        if match is None or not valid_repository(match.group("name")):
            raise ServiceError(errors.NAME_INVALID, detail_object={"name": match.group("name") if match else None})
        name, kind, item = match.group("name"), match.group("kind"), match.group("item")
        auth = request.headers.get("authorization")
        if request.method == "DELETE":
            self.access.authorize(registry, auth, Scope("repository", name, ("delete",)))
            return self._delete(registry, name, kind, item)
        if request.method == "PATCH":
            # changeable attributes are not emulated: refuse rather than answer as if applied
            self.access.authorize(registry, auth, Scope("repository", name, ("metadata_write",)))
            raise ServiceError(errors.UNSUPPORTED)
        self.access.authorize(registry, auth, Scope("repository", name, ("metadata_read",)))
        if self.store.repository(registry.login_server, name) is None:
            raise ServiceError(errors.NAME_UNKNOWN, detail_object={"name": name})
        if kind == "_tags":
            return self._tags(request, registry, name, item)
        if kind == "_manifests":
            return self._manifests(registry, name, item)
        return JSONResponse(self._repository(registry, name), headers=BASE_HEADERS)

    def _repository(self, registry: RegistryInfo, name: str) -> dict[str, Any]:
        row = self.store.repository(registry.login_server, name)
        assert row is not None
        return {"registry": registry.login_server, "imageName": name, "createdTime": isoformat(row["created"]),
                "lastUpdateTime": isoformat(row["updated"]),
                "manifestCount": len(self.store.manifests(registry.login_server, name)),
                "tagCount": len(self.store.tags(registry.login_server, name)), "changeableAttributes": CHANGEABLE}

    def _tag(self, registry: RegistryInfo, row: Any) -> dict[str, Any]:
        return {"name": row["name"], "digest": row["digest"], "createdTime": isoformat(row["created"]),
                "lastUpdateTime": isoformat(row["updated"]), "signed": False, "changeableAttributes": CHANGEABLE}

    def _tags(self, request: Request, registry: RegistryInfo, name: str, item: str | None) -> Response:
        if item is not None:
            row = self.store.tag(registry.login_server, name, item)
            if row is None:
                raise ServiceError(errors.MANIFEST_TAG_UNKNOWN, tag=item, detail_object={"Tag": item})
            return JSONResponse({"registry": registry.login_server, "imageName": name,
                                 "tag": self._tag(registry, row)}, headers=BASE_HEADERS)
        rows = self.store.tags(registry.login_server, name, request.query_params.get("last", ""))
        order = request.query_params.get("orderby")
        if order in {"timedesc", "timeasc"}:
            rows = sorted(rows, key=lambda r: (r["updated"], r["name"]), reverse=order == "timedesc")
        limit = request.query_params.get("n")
        page = rows[: int(limit)] if limit and limit.isascii() and limit.isdigit() and int(limit) > 0 else rows
        headers = dict(BASE_HEADERS)
        if len(page) < len(rows):
            headers["Link"] = f'</acr/v1/{name}/_tags?last={page[-1]["name"]}&n={limit}>; rel="next"'
        return JSONResponse({"registry": registry.login_server, "imageName": name,
                             "tags": [self._tag(registry, r) for r in page]}, headers=headers)

    def _manifest(self, registry: RegistryInfo, name: str, record: ManifestRecord) -> dict[str, Any]:
        return {"digest": record.digest, "imageSize": record.size, "createdTime": isoformat(record.created),
                "lastUpdateTime": isoformat(record.created), "mediaType": record.media_type,
                "tags": self.store.tags_of(registry.login_server, name, record.digest),
                "changeableAttributes": CHANGEABLE}

    def _manifests(self, registry: RegistryInfo, name: str, item: str | None) -> Response:
        records = self.store.manifests(registry.login_server, name)
        if item is not None:
            digest = Reference.parse(item).digest
            found = [r for r in records if r.digest == digest]
            if not found:
                raise ServiceError(errors.MANIFEST_UNKNOWN, detail_object={"Digest": item})
            return JSONResponse({"registry": registry.login_server, "imageName": name,
                                 "manifest": self._manifest(registry, name, found[0])}, headers=BASE_HEADERS)
        return JSONResponse({"registry": registry.login_server, "imageName": name,
                             "manifests": [self._manifest(registry, name, r) for r in records]}, headers=BASE_HEADERS)

    def _delete(self, registry: RegistryInfo, name: str, kind: str | None, item: str | None) -> Response:
        if kind == "_tags" and item:
            if not self.store.delete_tag(registry.login_server, name, item):
                raise ServiceError(errors.MANIFEST_TAG_UNKNOWN, tag=item, detail_object={"Tag": item})
            return Response(status_code=202, headers=with_base({"Content-Length": "0"}))
        if kind is not None:
            raise ServiceError(errors.UNSUPPORTED)
        if self.store.repository(registry.login_server, name) is None:
            raise ServiceError(errors.NAME_UNKNOWN, detail_object={"name": name})
        manifests, tags = self.store.delete_repository(registry.login_server, name)
        self.content.collect()
        return JSONResponse({"manifestsDeleted": manifests, "tagsDeleted": tags}, status_code=202,
                            headers=BASE_HEADERS)
