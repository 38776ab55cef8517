"""``POST /pullproof/gc`` on the direct listener: the operator (Owner) collects; everyone else gets
ARM's 401 or 403 in ARM's envelope; no Azure host name serves it."""

from __future__ import annotations

from pullproof.front.local_api import GC_ACTION, GC_PATH
from tests.conftest import Local
from tests.registry.support import assign, create_app, create_registry


def token_for(local: Local, client_id: str, secret: str) -> str:
    with local.client("login.microsoftonline.com") as login:
        response = login.post(f"/{local.emulator.operator.tenant_id}/oauth2/v2.0/token", data={
            "grant_type": "client_credentials", "client_id": client_id, "client_secret": secret,
            "scope": "https://management.azure.com/.default"})
    assert response.status_code == 200, response.text
    return str(response.json()["access_token"])


def arm_error(response: object) -> tuple[int, str]:
    status, body = response.status_code, response.json()  # type: ignore[attr-defined]
    assert set(body) == {"error"}, body
    return int(status), str(body["error"]["code"])


def test_the_operator_collects(local: Local) -> None:
    create_registry(local, "acrlocalapi")
    content = local.emulator.content
    upload = content.start_upload("acrlocalapi.azurecr.io", "app")
    local.emulator.registry_store.delete_registry("acrlocalapi.azurecr.io")
    with local.client("127.0.0.1") as direct:
        done = direct.post(GC_PATH, headers={"Authorization": f"Bearer {local.token()}"})
    assert done.status_code == 200, done.text
    assert done.json() == {"blobs": [], "sessions": [], "orphans": [f"uploads/{upload.id}"], "staging": []}


def test_callers_without_a_valid_operator_token_are_refused_like_arm(local: Local) -> None:
    op = local.emulator.operator
    sub = f"/subscriptions/{op.subscription_id}"
    other = create_app(local, "not-the-operator")
    assign(local, other.object_id, "Owner", sub)
    with local.client("127.0.0.1") as direct:
        missing = direct.post(GC_PATH)
        assert arm_error(missing) == (401, "AuthenticationFailed")
        assert missing.headers["www-authenticate"].startswith("Bearer ")
        assert arm_error(direct.post(GC_PATH, headers={"Authorization": "Basic eDp5"})) == (401, "AuthenticationFailed")
        assert arm_error(direct.post(GC_PATH, headers={"Authorization": "Bearer not.a.jwt"})) == (
            401, "InvalidAuthenticationToken")
        stranger = token_for(local, other.client_id, other.secret)
        refused = direct.post(GC_PATH, headers={"Authorization": f"Bearer {stranger}"})
        assert arm_error(refused) == (403, "AuthorizationFailed")
        message = refused.json()["error"]["message"]
        assert f"'{other.object_id}'" in message and f"'{GC_ACTION}'" in message and f"'{sub}'" in message
        operator = {"Authorization": f"Bearer {local.token()}"}
        assert arm_error(direct.get(GC_PATH, headers=operator)) == (405, "MethodNotAllowed")
        for assignment in local.emulator.rbac.list_for(sub, principal_id=op.object_id, at_scope=True):
            local.emulator.rbac.delete(assignment.scope, assignment.name)
        assert arm_error(direct.post(GC_PATH, headers=operator)) == (403, "AuthorizationFailed")


def test_no_azure_host_name_serves_it(local: Local) -> None:
    create_registry(local, "acrhosts")
    upload = local.emulator.content.start_upload("acrhosts.azurecr.io", "app")
    local.emulator.registry_store.delete_upload(upload.id)  # an orphan a collection would remove
    operator = {"Authorization": f"Bearer {local.token()}"}
    for host in ("management.azure.com", "login.microsoftonline.com", "acrhosts.azurecr.io"):
        with local.client(host) as client:
            assert client.post(GC_PATH, headers=operator).status_code == 404, host
    assert local.emulator.blob_driver.list("uploads") == [f"uploads/{upload.id}"]
