"""GET /subscriptions and /subscriptions/{id}: visibility follows role assignments."""

from __future__ import annotations

from tests.arm.support import (
    READER,
    SUB_API,
    bearer,
    denied,
    error,
    grant,
    new_principal,
    operator_headers,
    sub_of,
    token_for,
)
from tests.conftest import Local


def test_operator_lists_its_subscription(local: Local) -> None:
    op = local.emulator.operator
    with local.client() as arm:
        response = arm.get(f"/subscriptions?{SUB_API}", headers=operator_headers(local))
    assert response.status_code == 200
    body = response.json()
    assert body["count"] == {"type": "Total", "value": 1}
    [sub] = body["value"]
    assert sub["id"] == f"/subscriptions/{op.subscription_id}"
    assert (sub["subscriptionId"], sub["tenantId"], sub["state"]) == (op.subscription_id, op.tenant_id, "Enabled")


def test_principal_without_role_sees_no_subscription(local: Local) -> None:
    nobody = new_principal(local, "nobody")
    with local.client() as arm:
        response = arm.get(f"/subscriptions?{SUB_API}", headers=bearer(token_for(local, nobody)))
    assert response.status_code == 200
    assert response.json() == {"value": [], "count": {"type": "Total", "value": 0}}


def test_role_below_the_subscription_makes_it_visible(local: Local) -> None:
    sub = sub_of(local)
    scoped = new_principal(local, "scoped")
    grant(local, scoped.object_id, READER, f"/subscriptions/{sub}/resourceGroups/only-this-one")
    with local.client() as arm:
        listed = arm.get(f"/subscriptions?{SUB_API}", headers=bearer(token_for(local, scoped)))
        one = arm.get(f"/subscriptions/{sub}?{SUB_API}", headers=bearer(token_for(local, scoped)))
    assert [s["subscriptionId"] for s in listed.json()["value"]] == [sub]
    assert one.status_code == 200 and one.json() == listed.json()["value"][0]


def test_role_at_the_root_makes_every_subscription_visible(local: Local) -> None:
    root = new_principal(local, "root")
    grant(local, root.object_id, READER, "/")
    with local.client() as arm:
        listed = arm.get(f"/subscriptions?{SUB_API}", headers=bearer(token_for(local, root)))
    assert [s["subscriptionId"] for s in listed.json()["value"]] == [sub_of(local)]


def test_get_one_subscription(local: Local) -> None:
    sub = sub_of(local)
    with local.client() as arm:
        response = arm.get(f"/subscriptions/{sub.upper()}?{SUB_API}", headers=operator_headers(local))
    assert response.status_code == 200
    assert response.json()["id"] == f"/subscriptions/{sub}"
    assert response.json()["displayName"] == "pullproof subscription"


def test_get_subscription_without_any_role_is_forbidden(local: Local) -> None:
    """Choice (not in the reference): 403 like any other ARM read the caller has no role for."""
    sub = sub_of(local)
    nobody = new_principal(local, "nobody")
    with local.client() as arm:
        response = arm.get(f"/subscriptions/{sub}?{SUB_API}", headers=bearer(token_for(local, nobody)))
    assert response.status_code == 403
    assert response.json() == denied(nobody, "Microsoft.Resources/subscriptions/read", f"/subscriptions/{sub}")


def test_malformed_subscription_id(local: Local) -> None:
    with local.client() as arm:
        response = arm.get(f"/subscriptions/not-a-guid?{SUB_API}", headers=operator_headers(local))
        groups = arm.get(f"/subscriptions/1234/resourcegroups?{SUB_API}", headers=operator_headers(local))
    assert response.status_code == 400
    assert response.json() == error(
        "InvalidSubscriptionId", "The provided subscription identifier 'not-a-guid' is malformed or invalid.")
    assert groups.status_code == 400 and groups.json()["error"]["code"] == "InvalidSubscriptionId"


def test_unknown_subscription(local: Local) -> None:
    missing = "00000000-0000-4000-8000-000000000000"
    with local.client() as arm:
        response = arm.get(f"/subscriptions/{missing}/resourcegroups?{SUB_API}", headers=operator_headers(local))
    assert response.status_code == 404
    assert response.json() == error("SubscriptionNotFound", f"The subscription '{missing}' could not be found.")


def test_tenants_lists_the_emulated_tenant(local: Local) -> None:
    tenant = local.emulator.operator.tenant_id
    with local.client() as arm:
        response = arm.get(f"/tenants?{SUB_API}", headers=operator_headers(local))
    assert response.status_code == 200
    [entry] = response.json()["value"]
    assert entry["id"] == f"/tenants/{tenant}" and entry["tenantId"] == tenant
