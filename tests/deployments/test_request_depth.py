"""A deployment request body nesting deeper than the JSON limit is ARM's InvalidRequestContent (the
lenient body reader recurses once per level, so the depth is measured before it runs)."""

from __future__ import annotations

import pytest
from starlette.testclient import TestClient

from tests.arm.support import bearer, error
from tests.conftest import Local

API = "api-version=2025-04-01"
DETAIL = "The JSON nests deeper than 128 levels."


@pytest.mark.parametrize("verb", ["put", "validate", "whatIf"])
@pytest.mark.parametrize("body", [
    b"[" * 100_000 + b"]" * 100_000,
    b'{"properties": {"mode": "Incremental", template: {"a": ' + b"[" * 5000 + b"]" * 5000 + b"}}}",
], ids=["array", "spliced-template"])
def test_deep_deployment_body_is_invalid_request_content(arm: TestClient, local: Local, sub: str, verb: str,
                                                          body: bytes) -> None:
    base = f"/subscriptions/{sub}/providers/Microsoft.Resources/deployments/deep"
    headers = {**bearer(local.token()), "Content-Type": "application/json"}
    if verb == "put":
        response = arm.put(f"{base}?{API}", content=body, headers=headers)
    else:
        response = arm.post(f"{base}/{verb}?{API}", content=body, headers=headers)
    assert (response.status_code, response.json()) == (400, error(
        "InvalidRequestContent", f"The request content was invalid and could not be deserialized: '{DETAIL}'."))
