"""Blob and upload endpoints of the OCI Distribution API."""

from __future__ import annotations

import asyncio
import re
from collections.abc import AsyncIterator

from starlette.requests import Request
from starlette.responses import Response

from pullproof.core.errors import ServiceError
from pullproof.registry import errors
from pullproof.registry.access import AccessController
from pullproof.registry.content import Content, check_digest
from pullproof.registry.http import stream, with_base
from pullproof.registry.models import RegistryInfo, Upload
from pullproof.registry.scope import Scope

RANGE_RE = re.compile(r"^bytes=(\d*)-(\d*)$")
CONTENT_RANGE_RE = re.compile(r"^(?:bytes )?(\d+)-(\d+)(?:/\d+|/\*)?$")


_headers = with_base


class BlobRoutes:
    def __init__(self, content: Content, access: AccessController) -> None:
        self.content = content
        self.access = access

    def _auth(self, request: Request, registry: RegistryInfo, name: str, *actions: str) -> None:
        self.access.authorize(registry, request.headers.get("authorization"), Scope("repository", name, actions))

    # blobs ------------------------------------------------------------------------------------------
    async def blob(self, request: Request, registry: RegistryInfo, name: str, rest: str) -> Response:
        digest = check_digest(rest)
        if request.method == "DELETE":
            self._auth(request, registry, name, "delete")
            self.content.delete_blob(registry.login_server, name, digest)
            return Response(status_code=202, headers=_headers({"Docker-Content-Digest": digest,
                                                               "Content-Length": "0"}))
        if request.method not in {"GET", "HEAD"}:
            raise ServiceError(errors.UNSUPPORTED)
        self._auth(request, registry, name, "pull")
        size = self.content.blob_size(registry.login_server, name, digest)
        headers = {"Docker-Content-Digest": digest, "Accept-Ranges": "bytes", "ETag": f'"{digest}"'}
        start, end, status = 0, size - 1, 200
        wanted = request.headers.get("range")
        if wanted:
            start, end = self._range(wanted, size)
            status = 206
            headers["Content-Range"] = f"bytes {start}-{end}/{size}"
        headers["Content-Length"] = str(max(0, end - start + 1))
        media = "application/octet-stream"
        if request.method == "HEAD":
            return Response(status_code=status, headers=_headers(headers), media_type=media)
        chunks = self.content.read(digest, start, end - start + 1) if size else iter([b""])
        return stream(chunks, _headers(headers), status, media)

    @staticmethod
    def _range(text: str, size: int) -> tuple[int, int]:
        match = RANGE_RE.match(text.strip())
        if match is None or (not match.group(1) and not match.group(2)):
            raise ServiceError(errors.RANGE_INVALID, headers={"Content-Range": f"bytes */{size}"})
        first, last = match.group(1), match.group(2)
        if not first:
            start, end = max(0, size - int(last)), size - 1
        else:
            start, end = int(first), min(int(last), size - 1) if last else size - 1
        if start >= size or start > end:
            raise ServiceError(errors.RANGE_INVALID, headers={"Content-Range": f"bytes */{size}"})
        return start, end

    # uploads ----------------------------------------------------------------------------------------
    async def uploads(self, request: Request, registry: RegistryInfo, name: str, rest: str) -> Response:
        rest = rest.strip("/")
        if not rest:
            if request.method != "POST":
                raise ServiceError(errors.UNSUPPORTED)
            return await self._start(request, registry, name)
        self._auth(request, registry, name, "pull", "push")
        upload = self.content.upload(registry.login_server, name, rest)
        if request.method == "GET":
            return self._progress(name, upload, 204)
        if request.method == "PATCH":
            return await self._patch(request, name, upload)
        if request.method == "PUT":
            return await self._finish(request, name, upload)
        if request.method == "DELETE":
            self.content.cancel(upload)
            return Response(status_code=204, headers=_headers({"Content-Length": "0"}))
        raise ServiceError(errors.UNSUPPORTED)

    async def _start(self, request: Request, registry: RegistryInfo, name: str) -> Response:
        self._auth(request, registry, name, "pull", "push")
        query = request.query_params
        mount, source = query.get("mount"), query.get("from")
        if mount and source:
            try:
                self._auth(request, registry, source, "pull")
                size = self.content.mount(registry.login_server, name, mount, source)
            except ServiceError:
                size = None
            if size is not None:
                return self._created(name, mount)
        digest = query.get("digest")
        if digest is not None:
            await self.content.put_blob(registry.login_server, name, check_digest(digest), self._body(request),
                                        _length(request))
            return self._created(name, digest)
        upload = await asyncio.to_thread(self.content.start_upload, registry.login_server, name)
        return self._progress(name, upload, 202)

    @staticmethod
    async def _body(request: Request) -> AsyncIterator[bytes]:
        async for chunk in request.stream():
            yield chunk

    async def _patch(self, request: Request, name: str, upload: Upload) -> Response:
        declared = request.headers.get("content-range")
        if declared:
            match = CONTENT_RANGE_RE.match(declared.strip())
            if match is None or int(match.group(1)) != upload.committed:
                raise ServiceError(errors.RANGE_INVALID, headers=self._location(name, upload))
            expected = int(match.group(2)) - int(match.group(1)) + 1
            length = _length(request)
            if length is not None and length != expected:
                raise ServiceError(errors.SIZE_INVALID)
        size = await self.content.append(upload, self._body(request), _length(request))
        return self._progress(name, Upload(upload.id, upload.registry, upload.repository, size, upload.started), 202)

    async def _finish(self, request: Request, name: str, upload: Upload) -> Response:
        digest = request.query_params.get("digest")
        if not digest:
            raise ServiceError(errors.DIGEST_INVALID, detail_object={"digest": None})
        check_digest(digest)
        await self.content.append(upload, self._body(request), _length(request))
        upload = self.content.upload(upload.registry, name, upload.id)
        await asyncio.to_thread(self.content.finish, upload, digest)
        return self._created(name, digest)

    @staticmethod
    def _location(name: str, upload: Upload) -> dict[str, str]:
        end = max(upload.committed - 1, 0)
        return {"Location": f"/v2/{name}/blobs/uploads/{upload.id}", "Range": f"0-{end}",
                "Docker-Upload-UUID": upload.id}

    def _progress(self, name: str, upload: Upload, status: int) -> Response:
        return Response(status_code=status, headers=_headers({**self._location(name, upload), "Content-Length": "0"}))

    @staticmethod
    def _created(name: str, digest: str) -> Response:
        return Response(status_code=201, headers=_headers({"Location": f"/v2/{name}/blobs/{digest}",
                                                           "Docker-Content-Digest": digest, "Content-Length": "0"}))


def _length(request: Request) -> int | None:
    value = request.headers.get("content-length")
    return int(value) if value is not None and value.isascii() and value.isdigit() else None
