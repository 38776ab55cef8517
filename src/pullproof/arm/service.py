"""Resource Manager: authentication, authorization, subscriptions, resource groups and resources.

Every call is authenticated (a verified ARM token) and authorized by the RBAC engine before it
touches state; providers only build resource bodies.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from pullproof.arm import errors
from pullproof.arm.models import DEPLOYMENT_TYPE, GROUP_NAME_RE, GROUP_TYPE, Resource, ResourceRef, misshapen_field
from pullproof.arm.providers.base import PutRequest, ResourceProvider
from pullproof.arm.store import GROUP_KEY, ArmStore, resource_key
from pullproof.arm.tags import check_tags
from pullproof.core.clock import Clock, isoformat
from pullproof.core.errors import ServiceError
from pullproof.core.ids import IdFactory
from pullproof.core.jwt import TokenRejected
from pullproof.core.reasons import Reason
from pullproof.identity.models import ARM_AUDIENCES, Caller
from pullproof.identity.tokens import TokenIssuer
from pullproof.rbac.models import is_guid
from pullproof.rbac.service import RbacService

NamespaceAction = Callable[[Caller, dict[str, Any]], tuple[int, Any]]
GROUP_ACTION = "Microsoft.Resources/subscriptions/resourcegroups/{verb}"


class ArmService:
    def __init__(self, store: ArmStore, rbac: RbacService, issuer: TokenIssuer, clock: Clock,
                 ids: IdFactory, providers: list[ResourceProvider]) -> None:
        self.store = store
        self.rbac = rbac
        self.issuer = issuer
        self.clock = clock
        self.ids = ids
        self.providers = {p.resource_type.lower(): p for p in providers}
        self.namespace_actions: dict[tuple[str, str], NamespaceAction] = {}

    # authentication and authorization --------------------------------------------------------------
    def authenticate(self, authorization: str | None) -> Caller:
        if not authorization:
            raise ServiceError(errors.AUTH_MISSING)
        scheme, _, token = authorization.partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            raise ServiceError(errors.AUTH_FORMAT)
        try:
            return self.issuer.verify(token.strip(), ARM_AUDIENCES)
        except TokenRejected as exc:
            raise self._token_error(exc) from None

    def _token_error(self, exc: TokenRejected) -> ServiceError:
        claims = exc.claims
        if exc.reason is Reason.TOKEN_EXPIRED:
            return ServiceError(errors.TOKEN_EXPIRED, exp=_utc(claims.get("exp", 0)), now=_utc(self.clock.now()))
        if exc.reason is Reason.TOKEN_WRONG_AUDIENCE:
            return ServiceError(errors.TOKEN_AUDIENCE, aud=claims.get("aud"))
        if exc.reason is Reason.TOKEN_WRONG_ISSUER:
            return ServiceError(errors.TOKEN_TENANT, iss=claims.get("iss"), tenant=self.issuer.tenant.id)
        return ServiceError(errors.TOKEN_INVALID)

    def authorize(self, caller: Caller, action: str, scope: str) -> None:
        decision = self.rbac.check(caller.object_id, action, scope)
        if not decision.allowed:
            raise self._denied(caller, action, scope)

    @staticmethod
    def _denied(caller: Caller, action: str, scope: str) -> ServiceError:
        client = caller.display if caller.kind == "user" else caller.app_id
        return ServiceError(errors.AUTHORIZATION_FAILED, client=client, oid=caller.object_id, action=action,
                            scope=scope)

    def require_role_in(self, caller: Caller, sub_id: str, action: str, scope: str) -> None:
        """403 unless the caller holds some role in the subscription (ARM lists filter, but only for those)."""
        if not _within(self._role_scopes(caller), sub_id):
            self.authorize(caller, action, scope)  # denies (no role at or above), recording why in the trace
            raise self._denied(caller, action, scope)

    def _role_scopes(self, caller: Caller) -> set[str]:
        return {a.scope_key for a in self.rbac.store.for_principal(caller.object_id.lower())}

    # subscriptions ------------------------------------------------------------------------------------
    def subscription(self, sub_id: str) -> dict[str, Any]:
        if not is_guid(sub_id):
            raise ServiceError(errors.INVALID_SUBSCRIPTION, subscription=sub_id)
        row = self.store.subscription(sub_id)
        if row is None:
            raise ServiceError(errors.SUBSCRIPTION_NOT_FOUND, subscription=sub_id)
        return {
            "id": f"/subscriptions/{row['id']}", "authorizationSource": "RoleBased", "managedByTenants": [],
            "subscriptionId": row["id"], "tenantId": row["tenant_id"], "displayName": row["display_name"],
            "state": row["state"],
            "subscriptionPolicies": {"locationPlacementId": "Public_2014-09-01",
                                     "quotaId": "PayAsYouGo_2014-09-01", "spendingLimit": "Off"},
        }

    def visible_subscriptions(self, caller: Caller) -> list[dict[str, Any]]:
        """Subscriptions in which the caller holds any role assignment (at or below the subscription)."""
        mine = self._role_scopes(caller)
        return [self.subscription(row["id"]) for row in self.store.subscriptions() if _within(mine, row["id"])]

    def get_subscription(self, caller: Caller, sub_id: str) -> dict[str, Any]:
        """``GET /subscriptions/{id}``: only for a caller with some role in it."""
        body = self.subscription(sub_id)
        self.require_role_in(caller, sub_id, "Microsoft.Resources/subscriptions/read", f"/subscriptions/{sub_id}")
        return body

    def check_subscription(self, sub_id: str) -> None:
        self.subscription(sub_id)

    # resource groups --------------------------------------------------------------------------------------
    def group_id(self, sub: str, name: str) -> str:
        return f"/subscriptions/{sub.lower()}/resourceGroups/{name}"

    def get_group(self, caller: Caller, sub: str, name: str, check: bool = True) -> Resource:
        self.check_subscription(sub)
        scope = self.group_id(sub, name)
        if check:
            self.authorize(caller, GROUP_ACTION.format(verb="read"), f"/subscriptions/{sub}/resourcegroups/{name}")
        found = self.store.get(scope)
        if found is None:
            raise ServiceError(errors.GROUP_NOT_FOUND, group=name)
        return found

    def put_group(self, caller: Caller, sub: str, name: str, body: dict[str, Any]) -> tuple[int, Resource]:
        self.check_subscription(sub)
        bad = "".join(c for c in name if not GROUP_NAME_RE.match(c))
        if bad:
            raise ServiceError(errors.INVALID_GROUP_NAME, name=name, chars=bad)
        if not GROUP_NAME_RE.match(name) or name.endswith("."):
            raise ServiceError(errors.INVALID_GROUP_NAME_RULE, name=name)
        self.authorize(caller, GROUP_ACTION.format(verb="write"), f"/subscriptions/{sub}/resourcegroups/{name}")
        check_tags(body)
        location = body.get("location")
        if not isinstance(location, str) or not location:
            raise ServiceError(errors.LOCATION_REQUIRED)
        location = location.lower().replace(" ", "")
        existing = self.store.get(self.group_id(sub, name))
        if existing is not None and existing.body["location"] != location:
            raise ServiceError(errors.GROUP_LOCATION, new=location, old=existing.body["location"])
        canonical = existing.name if existing else name
        group_body: dict[str, Any] = {
            "id": self.group_id(sub, canonical), "name": canonical, "type": GROUP_TYPE,
            "location": location, "properties": {"provisioningState": "Succeeded"},
        }
        tags = body.get("tags")
        if isinstance(tags, dict) and tags:
            group_body["tags"] = tags
        if isinstance(body.get("managedBy"), str):
            group_body["managedBy"] = body["managedBy"]
        resource = Resource(group_body["id"], GROUP_KEY, canonical, sub, canonical, group_body)
        self.store.put(resource, self.clock.now())
        return (200 if existing else 201), resource

    def list_groups(self, caller: Caller, sub: str) -> list[Resource]:
        self.check_subscription(sub)
        self.require_role_in(caller, sub, GROUP_ACTION.format(verb="read"), f"/subscriptions/{sub}")
        groups = self.store.resources(sub, type_key=GROUP_KEY)
        return [g for g in groups if self.rbac.check(caller.object_id, GROUP_ACTION.format(verb="read"), g.id,
                                                     surface="arm-list").allowed]

    def delete_group(self, caller: Caller, sub: str, name: str) -> str | None:
        """Delete a group with everything in it; returns the id of the (already finished) operation."""
        self.check_subscription(sub)
        self.authorize(caller, GROUP_ACTION.format(verb="delete"), f"/subscriptions/{sub}/resourcegroups/{name}")
        group = self.get_group(caller, sub, name, check=False)
        op_id = self.ids.guid()
        now = self.clock.now()
        with self.store.db.tx():
            for resource in self.store.resources(sub, group=group.name):
                if self.store.get(resource.id) is not None:  # not already gone with its parent
                    self._remove(resource)
            self.rbac.delete_scope(group.id)
            self.store.delete(group.id)
            self.store.add_operation(op_id, "Succeeded", group.id, now, now)
        return op_id

    # resources --------------------------------------------------------------------------------------------
    def provider(self, ref: ResourceRef, api_version: str) -> ResourceProvider:
        provider = self.providers.get(ref.type_key)
        if provider is None:
            namespaces = {key.split("/")[0] for key in self.providers}
            if ref.namespace.lower() not in namespaces and ref.namespace.lower() != "microsoft.resources":
                raise ServiceError(errors.INVALID_NAMESPACE, namespace=ref.namespace)
            raise ServiceError(errors.INVALID_TYPE, type="/".join(ref.types), namespace=ref.namespace,
                               version=api_version)
        return provider

    def _canonical_ref(self, ref: ResourceRef) -> ResourceRef:
        provider_type = self.providers[ref.type_key].resource_type
        namespace, *types = provider_type.split("/")
        group = ref.group
        if group is not None:
            stored = self.store.get(self.group_id(ref.subscription, group))
            group = stored.name if stored else group
        return ResourceRef(ref.subscription.lower(), group, namespace, tuple(types), ref.names)

    def _prepare(self, caller: Caller, ref: ResourceRef, api_version: str, verb: str) -> ResourceProvider:
        """Type, subscription, then authorization before existence (as ARM: "or the scope is invalid")."""
        provider = self.provider(ref, api_version)
        self.check_subscription(ref.subscription)
        self.authorize(caller, f"{provider.resource_type}/{verb}", ref.id)
        if ref.group is not None and self.store.get(self.group_id(ref.subscription, ref.group)) is None:
            raise ServiceError(errors.GROUP_NOT_FOUND, group=ref.group)
        return provider

    def _not_found(self, ref: ResourceRef) -> ServiceError:
        return ServiceError(errors.RESOURCE_NOT_FOUND, type=ref.type, name=ref.name, group=ref.group or "")

    def get_resource(self, caller: Caller, ref: ResourceRef, api_version: str) -> dict[str, Any]:
        provider = self._prepare(caller, ref, api_version, "read")
        found = self.store.get(ref.id)
        if found is None:
            raise self._not_found(ref)
        return provider.render(found, api_version)

    def put_resource(self, caller: Caller, ref: ResourceRef, body: dict[str, Any],
                     api_version: str) -> tuple[int, dict[str, Any]]:
        provider = self._prepare(caller, ref, api_version, "write")
        field = misshapen_field(body)
        if field is not None:
            raise ServiceError(errors.INVALID_CONTENT, detail=f"The '{field}' property must be a JSON object.")
        check_tags(body)
        with self.store.db.tx():  # the resource and what its provider creates (an identity) commit together
            existing = self.store.get(ref.id)
            ref = self._canonical_ref(ref) if existing is None else _ref_of(existing, ref)
            built = provider.build(PutRequest(ref, body, existing, caller, api_version))
            resource = Resource(ref.id, provider.resource_type, ref.name, ref.subscription, ref.group, built)
            self.store.put(resource, self.clock.now())
        provider.stored(resource)
        return (200 if existing else 201), provider.render(resource, api_version)

    def delete_resource(self, caller: Caller, ref: ResourceRef, api_version: str) -> bool:
        self._prepare(caller, ref, api_version, "delete")
        with self.store.db.tx():
            found = self.store.get(ref.id)
            if found is None:
                return False
            self._remove(found)
        return True

    def record_operation(self, resource_id: str) -> str:
        """An async operation that has already finished (ARM answers 202 and points at it)."""
        op_id = self.ids.guid()
        now = self.clock.now()
        self.store.add_operation(op_id, "Succeeded", resource_id, now, now)
        return op_id

    def _remove(self, resource: Resource) -> None:
        """The resource and its children (deepest first), what each owned, and role assignments at or below."""
        for item in [*reversed(self.store.children(resource.id)), resource]:
            self.store.delete(item.id)
            provider = self.providers.get(item.type.lower())
            if provider is not None:
                provider.deleted(item, cascade=item is not resource)
        self.rbac.delete_scope(resource.id)

    def list_resources(self, caller: Caller, sub: str, group: str | None, type_filter: str | None,
                       api_version: str) -> list[dict[str, Any]]:
        self.check_subscription(sub)
        scope, action = f"/subscriptions/{sub}", "Microsoft.Resources/subscriptions/resources/read"
        if group is not None:
            scope = f"{scope}/resourcegroups/{group}"
            action = "Microsoft.Resources/subscriptions/resourcegroups/resources/read"
        self.require_role_in(caller, sub, action, scope)
        if group is not None:
            self.get_group(caller, sub, group, check=False)
        found = []
        for resource in self.store.resources(sub, group=group, type_key=type_filter.lower() if type_filter else None):
            if type_filter is None and resource.type.lower() == DEPLOYMENT_TYPE.lower():
                continue  # deployment history is not a resource in ARM's resource lists
            if self.rbac.check(caller.object_id, f"{resource.type}/read", resource.id, surface="arm-list").allowed:
                provider = self.providers.get(resource.type.lower())
                found.append(provider.render(resource, api_version) if provider else resource.body)
        return found

    def list_collection(self, caller: Caller, ref: ResourceRef, api_version: str) -> list[dict[str, Any]]:
        """``GET .../{type}`` or ``GET .../{parent}/{child type}``: only the parent's children."""
        self.provider(ref, api_version)
        found = self.list_resources(caller, ref.subscription, ref.group, ref.type, api_version)
        if ref.parent is None:
            return found
        if self.store.get(ref.parent.id) is None:
            raise self._not_found(ref.parent)
        prefix = resource_key(ref.parent.id) + "/"
        return [body for body in found if resource_key(str(body.get("id", ""))).startswith(prefix)]

    def action(self, caller: Caller, ref: ResourceRef, action: str, payload: dict[str, Any],
               api_version: str) -> tuple[int, Any]:
        provider = self._prepare(caller, ref, api_version, f"{action}/action")
        found = self.store.get(ref.id)
        if found is None:
            raise self._not_found(ref)
        before = json.dumps(found.body, sort_keys=True)
        result = provider.action(found, action, payload, caller)
        if json.dumps(found.body, sort_keys=True) != before:
            self.store.put(found, self.clock.now())
        return result

    def namespace_action(self, caller: Caller, sub: str, namespace: str, action: str,
                         payload: dict[str, Any]) -> tuple[int, Any]:
        """A POST on ``/subscriptions/{s}/providers/{namespace}/{action}`` (e.g. checkNameAvailability)."""
        self.check_subscription(sub)
        handler = self.namespace_actions.get((namespace.lower(), action.lower()))
        if handler is None:
            raise ServiceError(errors.INVALID_NAMESPACE, namespace=namespace)
        return handler(caller, payload)

    def operation(self, op_id: str) -> dict[str, Any]:
        row = self.store.operation(op_id)
        if row is None:
            raise ServiceError(errors.OPERATION_NOT_FOUND, operation=op_id)
        body: dict[str, Any] = {"id": op_id, "name": op_id, "status": row["status"],
                                "startTime": isoformat(row["start"])}
        if row["end"] is not None:
            body["endTime"] = isoformat(row["end"])
        return body


def _ref_of(resource: Resource, ref: ResourceRef) -> ResourceRef:
    """The canonical ref of a stored resource (its id as first created)."""
    parts = [p for p in resource.id.split("/") if p]
    names = tuple(parts[-2 * len(ref.types) + 1 :: 2])
    group = resource.group
    return ResourceRef(resource.subscription, group, resource.type.split("/")[0],
                       tuple(resource.type.split("/")[1:]), names or ref.names)


def _within(scope_keys: set[str], sub_id: str) -> bool:
    """Whether any of the scope keys is the root, the subscription or a scope inside it."""
    prefix = f"/subscriptions/{sub_id.lower()}"
    return any(k in ("/", prefix) or k.startswith(prefix + "/") for k in scope_keys)


def _utc(epoch: float) -> str:
    from datetime import UTC, datetime

    stamp = datetime.fromtimestamp(float(epoch), UTC)
    return f"{stamp.month}/{stamp.day}/{stamp.year} {stamp.strftime('%I:%M:%S %p').lstrip('0')}"
