"""HTTP handling of resource requests: parse the query and body, call the object services,
render JSON, Tables, watch streams and logs. No business rules here."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response, StreamingResponse

from pullproof.core.clock import Clock
from pullproof.core.errors import ServiceError
from pullproof.core.web import BodyTooLarge, read_body
from pullproof.kube import errors
from pullproof.kube.apiserver import logs, media, options
from pullproof.kube.apiserver.deletion import Deleter, success_status
from pullproof.kube.apiserver.eviction import Evictions
from pullproof.kube.apiserver.paths import Target
from pullproof.kube.apiserver.printing.tables import table
from pullproof.kube.apiserver.protobuf import ProtobufCodec
from pullproof.kube.apiserver.service import ObjectService, Written, typed
from pullproof.kube.apiserver.subresources import Subresources
from pullproof.kube.apiserver.watch import DEFAULT_TIMEOUT, WatchRequest, WatchStream, since_of
from pullproof.kube.storage.resources import ResourceType

Obj = dict[str, Any]
LIST_VERBS = {"GET": "list", "DELETE": "deletecollection", "POST": "create"}
OBJECT_VERBS = {"GET": "get", "PUT": "update", "PATCH": "patch", "DELETE": "delete"}


def json_response(body: Any, status: int = 200, headers: dict[str, str] | None = None) -> Response:
    text = json.dumps(body, separators=(",", ":")) + "\n"
    return Response(text, status_code=status, media_type="application/json", headers=headers)


def _query(request: Request) -> dict[str, str]:
    return dict(request.query_params)




class ResourceHandler:
    """One request against one cluster's objects."""

    def __init__(self, objects: ObjectService, codec: ProtobufCodec, clock: Clock, max_body: int) -> None:
        self.objects = objects
        self.codec = codec
        self.clock = clock
        self.max_body = max_body
        self.deleter = Deleter(objects)
        self.subresources = Subresources(objects)
        self.evictions = Evictions(objects)

    async def handle(self, request: Request, target: Target) -> Response:
        method = request.method
        verbs = OBJECT_VERBS if target.name is not None else LIST_VERBS
        verb = "create" if method == "POST" and target.subresource is not None else verbs.get(method)
        if verb is None:
            raise ServiceError(errors.METHOD_NOT_ALLOWED)
        if target.subresource is not None:
            return await self._subresource(request, target, verb)
        if target.watch_path or (verb == "list" and options.flag(request.query_params.get("watch"))):
            verb = "watch"
        if verb not in target.rtype.verbs:
            raise ServiceError(errors.METHOD_NOT_ALLOWED)
        handler: Callable[[Request, Target], Any] = getattr(self, f"_{verb}")
        response: Response = await handler(request, target)
        return response

    async def _body(self, request: Request) -> bytes:
        try:
            return await read_body(request, self.max_body)
        except BodyTooLarge:
            raise ServiceError(errors.TOO_LARGE) from None

    async def _object_body(self, request: Request, rtype: ResourceType) -> Obj:
        body = await self._body(request)
        return media.decode_object(body, request.headers.get("content-type"), rtype.message, self.codec)

    def _render(self, request: Request, rtype: ResourceType, obj: Obj, status: int = 200,
                warnings: list[str] | None = None) -> Response:
        headers = {"Warning": ", ".join(f'299 - {json.dumps(w)}' for w in warnings)} if warnings else None
        version = media.table_version(request.headers.get("accept"))
        if version is not None and request.method == "GET":
            meta = {"resourceVersion": (obj.get("metadata") or {}).get("resourceVersion", "")}
            body = table(rtype, [obj], self.clock.now(), version, meta,
                         request.query_params.get("includeObject", "Metadata"))
            return json_response(body, status, headers)
        return json_response(obj, status, headers)

    def _written(self, request: Request, rtype: ResourceType, written: Written, status: int) -> Response:
        return self._render(request, rtype, written.obj, 201 if written.created else status, written.warnings)

    # verbs ----------------------------------------------------------------------------------------------
    async def _get(self, request: Request, target: Target) -> Response:
        assert target.name is not None
        return self._render(request, target.rtype, self.objects.get(target.rtype, target.scoped_namespace,
                                                                    target.name))

    async def _list(self, request: Request, target: Target) -> Response:
        rtype = target.rtype
        items, meta = self.objects.list(rtype, target.namespace, options.list_options(_query(request)))
        version = media.table_version(request.headers.get("accept"))
        if version is not None:
            typed_items = [typed(rtype, o) for o in items]
            return json_response(table(rtype, typed_items, self.clock.now(), version, meta,
                                       request.query_params.get("includeObject", "Metadata")))
        return json_response({"kind": f"{rtype.kind}List", "apiVersion": rtype.api_version, "metadata": meta,
                              "items": items})

    async def _watch(self, request: Request, target: Target) -> Response:
        query = _query(request)
        timeout = options.timeout_seconds(query, DEFAULT_TIMEOUT)
        watch = WatchRequest(
            target.rtype, target.namespace,
            self.objects.predicate(target.rtype, query.get("labelSelector", ""), query.get("fieldSelector", "")),
            since_of(query.get("resourceVersion", "")), timeout,
            media.table_version(request.headers.get("accept")), query.get("includeObject", "Metadata"),
            options.flag(query.get("allowWatchBookmarks")))
        stream = WatchStream(self.objects.tracker, watch, self.clock.now)
        return StreamingResponse(stream.events(), media_type="application/json")

    async def _create(self, request: Request, target: Target) -> Response:
        rtype = target.rtype
        body = await self._object_body(request, rtype)
        written = self.objects.create(rtype, target.scoped_namespace, body, options.write_options(_query(request)))
        return self._written(request, rtype, written, 201)

    async def _update(self, request: Request, target: Target) -> Response:
        assert target.name is not None
        body = await self._object_body(request, target.rtype)
        written = self.objects.update(target.rtype, target.scoped_namespace, target.name, body,
                                      options.write_options(_query(request)))
        return self._written(request, target.rtype, written, 200)

    async def _patch(self, request: Request, target: Target) -> Response:
        assert target.name is not None
        kind = media.patch_type(request.headers.get("content-type"), target.rtype.custom is not None)
        body = media.parse_json(await self._body(request))
        written = self.objects.patch(target.rtype, target.scoped_namespace, target.name, kind, body,
                                     options.write_options(_query(request)))
        return self._written(request, target.rtype, written, 200)

    async def _delete_options(self, request: Request) -> options.DeleteOptions:
        raw = await self._body(request)
        body: Any = {}
        if raw.strip():
            body = media.decode_object(raw, request.headers.get("content-type"), "meta.v1.DeleteOptions", self.codec)
        if not isinstance(body, dict):
            raise ServiceError(errors.BAD_REQUEST, detail="DeleteOptions must be an object")
        return options.delete_options(_query(request), body)

    async def _delete(self, request: Request, target: Target) -> Response:
        assert target.name is not None
        rtype = target.rtype
        obj, gone = self.deleter.delete(rtype, target.scoped_namespace, target.name,
                                        await self._delete_options(request))
        return json_response(obj if rtype.returns_deleted or not gone else success_status(rtype, obj))

    async def _deletecollection(self, request: Request, target: Target) -> Response:
        rtype = target.rtype
        opts = await self._delete_options(request)
        items, meta = self.deleter.delete_collection(rtype, target.namespace, options.list_options(_query(request)),
                                                     opts)
        return json_response({"kind": f"{rtype.kind}List", "apiVersion": rtype.api_version, "metadata": meta,
                              "items": items})

    # subresources -------------------------------------------------------------------------------------
    async def _subresource(self, request: Request, target: Target, verb: str) -> Response:
        assert target.name is not None and target.subresource is not None
        rtype, namespace, name, sub = target.rtype, target.scoped_namespace, target.name, target.subresource
        spec = rtype.subresource(sub)
        if spec is None or verb not in spec.verbs:
            raise ServiceError(errors.METHOD_NOT_ALLOWED)
        query = _query(request)
        if sub == "log":
            return PlainTextResponse(logs.read_log(self.objects.tracker, namespace, name, query))
        if sub == "eviction":
            body = media.decode_object(await self._body(request), request.headers.get("content-type"),
                                       "policy.v1.Eviction", self.codec)
            return json_response(self.evictions.evict(namespace, name, body, query), 201)
        write = options.write_options(query)
        if sub == "status":
            if verb == "get":
                return self._render(request, rtype, self.objects.get(rtype, namespace, name))
            if verb == "update":
                body = await self._object_body(request, rtype)
                return json_response(self.subresources.update_status(rtype, namespace, name, body, write))
            patch = media.parse_json(await self._body(request))
            kind = media.patch_type(request.headers.get("content-type"), target.rtype.custom is not None)
            return json_response(self.subresources.patch_status(rtype, namespace, name, kind, patch, write))
        if verb == "get":
            return json_response(self.subresources.get_scale(rtype, namespace, name))
        if verb == "update":
            body = media.parse_json(await self._body(request))
            if not isinstance(body, dict):
                raise ServiceError(errors.BAD_REQUEST, detail="the request body must be an object")
            return json_response(self.subresources.update_scale(rtype, namespace, name, body, write))
        patch = media.parse_json(await self._body(request))
        kind = media.patch_type(request.headers.get("content-type"))
        return json_response(self.subresources.patch_scale(rtype, namespace, name, kind, patch, write))


