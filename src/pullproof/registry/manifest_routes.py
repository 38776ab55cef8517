"""Manifest, tag-list and referrers endpoints of the OCI Distribution API."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from pullproof.core.errors import ServiceError
from pullproof.registry import errors
from pullproof.registry.access import AccessController
from pullproof.registry.http import BASE_HEADERS, bounded_body, paged, with_base
from pullproof.registry.manifests import MAX_MANIFEST, Manifests, Reference
from pullproof.registry.models import RegistryInfo
from pullproof.registry.scope import Scope
from pullproof.registry.store import RegistryStore


class ManifestRoutes:
    def __init__(self, manifests: Manifests, access: AccessController) -> None:
        self.manifests = manifests
        self.store: RegistryStore = manifests.store
        self.access = access

    def _auth(self, request: Request, registry: RegistryInfo, name: str, *actions: str) -> None:
        self.access.authorize(registry, request.headers.get("authorization"), Scope("repository", name, actions))

    async def manifest(self, request: Request, registry: RegistryInfo, name: str, rest: str) -> Response:
        method = request.method
        if method in {"GET", "HEAD"}:
            self._auth(request, registry, name, "pull")
            record = self.manifests.resolve(registry.login_server, name, Reference.parse(rest))
            headers = with_base({"Docker-Content-Digest": record.digest, "ETag": f'"{record.digest}"',
                                 "Content-Length": str(record.size)})
            body = b"" if method == "HEAD" else self.manifests.body(record)
            return Response(body, headers=headers, media_type=record.media_type)
        if method == "PUT":
            self._auth(request, registry, name, "pull", "push")
            ref = Reference.parse(rest)
            data = await bounded_body(request, MAX_MANIFEST)
            record = self.manifests.put(registry.login_server, name, ref, request.headers.get("content-type"), data)
            headers = {"Location": f"/v2/{name}/manifests/{record.digest}",
                       "Docker-Content-Digest": record.digest, "Content-Length": "0"}
            if record.subject:
                headers["OCI-Subject"] = record.subject
            return Response(status_code=201, headers=with_base(headers))
        if method == "DELETE":
            self._auth(request, registry, name, "delete")
            self.manifests.delete(registry.login_server, name, Reference.parse(rest))
            return Response(status_code=202, headers=with_base({"Content-Length": "0"}))
        raise ServiceError(errors.UNSUPPORTED)

    async def tags(self, request: Request, registry: RegistryInfo, name: str, rest: str) -> Response:
        if rest != "list" or request.method != "GET":
            raise ServiceError(errors.NOT_FOUND, detail="404 page not found")
        self._auth(request, registry, name, "pull")
        if self.store.repository(registry.login_server, name) is None:
            raise ServiceError(errors.NAME_UNKNOWN, detail_object={"name": name})
        last = request.query_params.get("last", "")
        names = [row["name"] for row in self.store.tags(registry.login_server, name, last)]
        return paged(names, request, f"/v2/{name}/tags/list", "tags", {"name": name})

    async def referrers(self, request: Request, registry: RegistryInfo, name: str, rest: str) -> Response:
        if request.method != "GET":
            raise ServiceError(errors.UNSUPPORTED)
        self._auth(request, registry, name, "pull")
        wanted = request.query_params.get("artifactType")
        index = self.manifests.referrers(registry.login_server, name, rest, wanted)
        headers = dict(BASE_HEADERS)
        if wanted:
            headers["OCI-Filters-Applied"] = "artifactType"
        return JSONResponse(index, headers=headers, media_type="application/vnd.oci.image.index.v1+json")
