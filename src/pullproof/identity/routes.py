"""HTTP surface of the emulated Entra ID: token endpoints, discovery, JWKS, instance discovery."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from pullproof.core.clock import isoformat, real_seconds
from pullproof.core.errors import ServiceError
from pullproof.core.web import BodyTooLarge, base_url, read_form
from pullproof.identity import errors
from pullproof.identity.grants import Grants, Issued
from pullproof.identity.tokens import TokenIssuer, resource_from_scope

LOGIN_ALIASES = ("login.microsoftonline.com", "login.windows.net", "login.microsoft.com", "sts.windows.net")
LOOPBACK_HOSTS = ("127.0.0.1", "localhost")


class IdentityRoutes:
    """Routes for ``login.microsoftonline.com`` (proxy) or the direct listener's root."""

    def __init__(self, grants: Grants, issuer: TokenIssuer, max_body: int) -> None:
        self.grants = grants
        self.issuer = issuer
        self.max_body = max_body

    def routes(self) -> list[Route]:
        return [
            Route("/common/discovery/instance", self.instance_discovery),
            Route("/common/userrealm/{user}", self.user_realm),
            Route("/{tenant}/v2.0/.well-known/openid-configuration", self.openid_v2),
            Route("/{tenant}/.well-known/openid-configuration", self.openid_v1),
            Route("/{tenant}/discovery/v2.0/keys", self.keys),
            Route("/{tenant}/discovery/keys", self.keys),
            Route("/discovery/keys", self.keys),
            Route("/{tenant}/oauth2/v2.0/token", self.token_v2, methods=["POST"]),
            Route("/{tenant}/oauth2/token", self.token_v1, methods=["POST"]),
        ]

    def _tenant(self, request: Request) -> str:
        return self.grants.tenant_of(request.path_params["tenant"])

    async def openid_v2(self, request: Request) -> Response:
        tid = self._tenant(request)
        base = base_url(request)
        return JSONResponse({
            "token_endpoint": f"{base}/{tid}/oauth2/v2.0/token",
            "token_endpoint_auth_methods_supported": ["client_secret_post", "private_key_jwt", "client_secret_basic"],
            "jwks_uri": f"{base}/{tid}/discovery/v2.0/keys",
            "response_modes_supported": ["query", "fragment", "form_post"],
            "subject_types_supported": ["pairwise"],
            "id_token_signing_alg_values_supported": ["RS256"],
            "response_types_supported": ["code", "id_token", "code id_token", "id_token token"],
            "scopes_supported": ["openid", "profile", "email", "offline_access"],
            "issuer": f"{base}/{tid}/v2.0",
            "request_uri_parameter_supported": False,
            "userinfo_endpoint": "https://graph.microsoft.com/oidc/userinfo",
            "authorization_endpoint": f"{base}/{tid}/oauth2/v2.0/authorize",
            "device_authorization_endpoint": f"{base}/{tid}/oauth2/v2.0/devicecode",
            "http_logout_supported": True,
            "frontchannel_logout_supported": True,
            "end_session_endpoint": f"{base}/{tid}/oauth2/v2.0/logout",
            "claims_supported": ["sub", "iss", "aud", "exp", "iat", "nonce", "name", "oid", "tid", "ver"],
            "kerberos_endpoint": f"{base}/{tid}/kerberos",
            "tenant_region_scope": "NA",
            "cloud_instance_name": "microsoftonline.com",
            "cloud_graph_host_name": "graph.windows.net",
            "msgraph_host": "graph.microsoft.com",
            "rbac_url": "https://pas.windows.net",
        })

    async def openid_v1(self, request: Request) -> Response:
        tid = self._tenant(request)
        base = base_url(request)
        return JSONResponse({
            "token_endpoint": f"{base}/{tid}/oauth2/token",
            "jwks_uri": f"{base}/common/discovery/keys",
            "issuer": self.issuer.issuer,
            "authorization_endpoint": f"{base}/{tid}/oauth2/authorize",
            "id_token_signing_alg_values_supported": ["RS256"],
            "subject_types_supported": ["pairwise"],
            "response_types_supported": ["code", "id_token", "code id_token", "token id_token", "token"],
            "cloud_instance_name": "microsoftonline.com",
            "tenant_region_scope": "NA",
        })

    async def keys(self, request: Request) -> Response:
        if "tenant" in request.path_params and request.path_params["tenant"] != "common":
            self._tenant(request)
        return JSONResponse(self.issuer.codec.keys.jwks(self.issuer.issuer))

    async def instance_discovery(self, request: Request) -> Response:
        """MSAL's check of an authority host it does not know: the tenant discovery endpoint of the
        ``authorization_endpoint`` it names (this host's ``common`` if none), if this emulator serves it."""
        default = f"{base_url(request)}/common/oauth2/v2.0/authorize"
        named = _authority(request.query_params.get("authorization_endpoint") or default)
        own = (request.url.hostname or "").lower()
        if named is None or named[0] not in (*LOGIN_ALIASES, *LOOPBACK_HOSTS, own):
            raise ServiceError(errors.INVALID_INSTANCE)
        host, instance, tenant = named
        aliases = list(LOGIN_ALIASES) if host in LOGIN_ALIASES and instance == host else [instance]
        return JSONResponse({
            "tenant_discovery_endpoint": f"https://{instance}/{tenant}/v2.0/.well-known/openid-configuration",
            "api-version": "1.1",
            "metadata": [{"preferred_network": aliases[0], "preferred_cache": aliases[0], "aliases": aliases}],
        })

    async def user_realm(self, request: Request) -> Response:
        user = request.path_params["user"]
        domain = user.rpartition("@")[2]
        return JSONResponse({
            "ver": "1.0", "account_type": "Managed", "domain_name": domain,
            "cloud_instance_name": "microsoftonline.com", "cloud_audience_urn": "urn:federation:MicrosoftOnline",
        })

    async def _form(self, request: Request) -> dict[str, str]:
        try:
            return await read_form(request, self.max_body)
        except BodyTooLarge:
            raise ServiceError(errors.BODY_TOO_LARGE) from None

    async def token_v2(self, request: Request) -> Response:
        self._tenant(request)
        form = await self._form(request)
        scope = form.get("scope", "")
        resource = resource_from_scope(scope) if scope else None
        if resource is None:
            raise ServiceError(errors.MISSING_SCOPE, parameter="scope")
        issued = self._grant(form, resource, base_url(request))
        lifetime = real_seconds(self.grants.directory.clock, issued.expires_in)
        body: dict[str, Any] = {
            "token_type": "Bearer", "scope": _granted_scope(scope, issued), "expires_in": lifetime,
            "ext_expires_in": lifetime, "access_token": issued.access_token,
        }
        body.update({k: v for k, v in issued.extra.items() if k != "client_id"})
        return JSONResponse(body, headers={"Cache-Control": "no-store, no-cache", "Pragma": "no-cache"})

    async def token_v1(self, request: Request) -> Response:
        self._tenant(request)
        form = await self._form(request)
        resource = form.get("resource")
        if not resource:
            raise ServiceError(errors.MISSING_SCOPE, parameter="resource")
        issued = self._grant(form, resource, base_url(request))
        clock = self.grants.directory.clock
        now, lifetime = int(clock.real(clock.now())), real_seconds(clock, issued.expires_in)
        body: dict[str, Any] = {
            "token_type": "Bearer", "expires_in": str(lifetime), "ext_expires_in": str(lifetime),
            "expires_on": str(now + lifetime), "not_before": str(now), "resource": resource,
            "access_token": issued.access_token,
        }
        body.update({k: v for k, v in issued.extra.items() if k in {"refresh_token", "id_token"}})
        return JSONResponse(body, headers={"Cache-Control": "no-store, no-cache", "Pragma": "no-cache"})

    def _grant(self, form: dict[str, str], resource: str, authority: str) -> Issued:
        grant = form.get("grant_type", "")
        client_id = form.get("client_id", "")
        if grant == "client_credentials":
            return self.grants.client_credentials(client_id, form.get("client_secret"), resource)
        if grant == "password":
            return self.grants.password(form.get("username", ""), form.get("password", ""), client_id,
                                        resource, authority)
        if grant == "refresh_token":
            return self.grants.refresh(form.get("refresh_token", ""), client_id, resource, authority)
        if not grant:
            raise ServiceError(errors.MISSING_SCOPE, parameter="grant_type")
        raise ServiceError(errors.UNSUPPORTED_GRANT, grant_type=grant)

    def render_error(self, request: Request, error: ServiceError) -> Response:
        now = isoformat(self.grants.directory.clock.now())[:19].replace("T", " ") + "Z"
        ids = self.grants.directory.ids
        body = errors.oauth_body(error, ids.guid(), request.headers.get("client-request-id") or ids.guid(), now)
        return JSONResponse(body, status_code=error.status, headers=error.headers)


def _granted_scope(requested: str, issued: Issued) -> str:
    """The response's ``scope``. MSAL files the access token in its cache under these scopes, so they
    must include every ``/.default`` scope requested; a permission is ``{resource}/{name}``, which is
    ``https://management.core.windows.net//user_impersonation`` for a resource ending in ``/``."""
    scopes = [s for s in requested.split() if s.endswith("/.default")] or [f"{issued.resource}/.default"]
    if "refresh_token" in issued.extra:
        return " ".join([f"{issued.resource}/user_impersonation", *scopes, "openid", "profile", "offline_access"])
    return " ".join(scopes)


def _authority(url: str) -> tuple[str, str, str] | None:
    """(host, host[:port], tenant) of an https authority URL such as ``https://h/{tenant}/oauth2/...``."""
    try:
        parts = urlsplit(url)
        host, port = (parts.hostname or "").lower(), parts.port
    except ValueError:
        return None
    tenant = next((segment for segment in parts.path.split("/") if segment), None)
    if parts.scheme != "https" or not host or tenant is None:
        return None
    return host, f"{host}:{port}" if port else host, tenant
