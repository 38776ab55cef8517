from __future__ import annotations

from tests.conftest import Local


def test_group_create_show_list_delete(local: Local) -> None:
    token = local.token()
    sub = local.emulator.operator.subscription_id
    headers = {"Authorization": f"Bearer {token}"}
    with local.client() as arm:
        created = arm.put(f"/subscriptions/{sub}/resourcegroups/rg1?api-version=2024-11-01",
                          json={"location": "West Europe", "tags": {"team": "a"}}, headers=headers)
        assert created.status_code == 201
        assert created.json()["id"] == f"/subscriptions/{sub}/resourceGroups/rg1"
        assert created.json()["location"] == "westeurope"
        again = arm.put(f"/subscriptions/{sub}/resourceGroups/RG1?api-version=2024-11-01",
                        json={"location": "westeurope"}, headers=headers)
        assert again.status_code == 200 and again.json()["name"] == "rg1"
        listed = arm.get(f"/subscriptions/{sub}/resourcegroups?api-version=2024-11-01", headers=headers)
        assert [g["name"] for g in listed.json()["value"]] == ["rg1"]
        gone = arm.delete(f"/subscriptions/{sub}/resourcegroups/rg1?api-version=2024-11-01", headers=headers)
        assert gone.status_code == 202 and gone.headers["Retry-After"] == "1"
        poll = arm.get(gone.headers["Location"].replace("https://management.azure.com", ""), headers=headers)
        assert poll.status_code == 200
        missing = arm.get(f"/subscriptions/{sub}/resourcegroups/rg1?api-version=2024-11-01", headers=headers)
        assert missing.status_code == 404
        assert missing.json() == {"error": {"code": "ResourceGroupNotFound",
                                            "message": "Resource group 'rg1' could not be found."}}


def test_missing_token_gets_arm_401(local: Local) -> None:
    sub = local.emulator.operator.subscription_id
    with local.client() as arm:
        response = arm.get(f"/subscriptions/{sub}/resourcegroups?api-version=2024-11-01")
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "AuthenticationFailed"
