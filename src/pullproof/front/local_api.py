"""pullproof's own API on the direct listener (``https://127.0.0.1:PORT`` only, never an Azure host
name): ``POST /pullproof/gc`` runs garbage collection in the server, the blob store's one writer.

Authenticated and refused like ARM, in ARM's ``{"error":{"code","message"}}`` envelope: no or a bad
bearer token (ARM audience, from the emulator's own token endpoint) is ARM's ``401``; a caller other
than the operator service principal of ``operator.json``, or one that no longer holds Owner on the
default subscription, is ``403 AuthorizationFailed`` for the action ``GC_ACTION`` over that
subscription; another method is ``405 MethodNotAllowed``.
"""

from __future__ import annotations

import asyncio

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from pullproof.arm import errors
from pullproof.arm.service import ArmService
from pullproof.bootstrap import OperatorCredentials
from pullproof.core.errors import ServiceError
from pullproof.identity.models import Caller
from pullproof.rbac.builtin import OWNER
from pullproof.registry.reclaim import Reclaimer

GC_PATH = "/pullproof/gc"
GC_ACTION = "Pullproof/storage/collect/action"


class LocalApi:
    def __init__(self, arm: ArmService, operator: OperatorCredentials, reclaimer: Reclaimer) -> None:
        self.arm = arm
        self.operator = operator
        self.reclaimer = reclaimer

    def routes(self) -> list[Route]:
        return [Route(GC_PATH, self.gc, methods=["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE"])]

    async def gc(self, request: Request) -> Response:
        caller = self.arm.authenticate(request.headers.get("authorization"))
        self.authorize(caller)
        if request.method != "POST":
            raise ServiceError(errors.METHOD_NOT_ALLOWED, method=request.method)
        reclaimed = await asyncio.to_thread(self.reclaimer.collect)
        return JSONResponse(reclaimed.as_json())

    def authorize(self, caller: Caller) -> None:
        """The operator service principal, still Owner of the default subscription; else 403."""
        scope = f"/subscriptions/{self.operator.subscription_id}"
        owner = caller.object_id.lower() == self.operator.object_id.lower() and any(
            a.role_guid.lower() == OWNER
            for a in self.arm.rbac.list_for(scope, principal_id=caller.object_id, at_scope=True))
        if not owner:
            client = caller.display if caller.kind == "user" else caller.app_id
            raise ServiceError(errors.AUTHORIZATION_FAILED, client=client, oid=caller.object_id, action=GC_ACTION,
                               scope=scope)
