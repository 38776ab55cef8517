"""The OpenAPI descriptions at ``/openapi/arm.json`` and ``/openapi/registry.json``, and schemathesis run
from them against the emulator in process: ARM as the operator (bearer token), the registry with an ACR
access token. Every operation gets generated requests; no answer is a 5xx, every status is one the
description declares, and every body and content type matches it."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.core.failures import FailureGroup
from schemathesis.core.result import Ok
from schemathesis.python import asgi
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from pullproof.registry.routes import V2
from tests.conftest import Local, make_local
from tests.registry.support import basic, create_registry, push_image

CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]
LOGIN = "acrschema.azurecr.io"


@dataclass
class Tally:
    requests: int = 0
    statuses: dict[int, int] = field(default_factory=dict)
    failures: list[str] = field(default_factory=list)


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Local, dict[str, Any], dict[str, Any]]]:
    local = make_local(Path(tmp_path_factory.mktemp("openapi")))
    with local.client("127.0.0.1:8443") as direct:
        arm, registry = direct.get("/openapi/arm.json"), direct.get("/openapi/registry.json")
    assert arm.status_code == registry.status_code == 200
    yield local, arm.json(), registry.json()
    local.emulator.close()


def test_arm_description_lists_every_served_type(world: tuple[Local, dict[str, Any], dict[str, Any]]) -> None:
    local, arm, _ = world
    paths = " ".join(arm["paths"])
    for provider in local.emulator.arm.providers.values():
        assert f"/providers/{provider.resource_type.split('/')[0]}/" in paths
        for action in provider.actions:
            assert any(p.endswith(f"/{action}") for p in arm["paths"]), action
    assert "/providers/Microsoft.Resources/deployments/{deploymentsName}/whatIf" in paths
    put = arm["paths"]["/subscriptions/{subscriptionId}/resourceGroups/{resourceGroupName}"]["put"]
    assert {"400", "401", "403", "404", "409", "413"} <= set(put["responses"])
    assert any(p["name"] == "api-version" and p["required"] for p in put["parameters"])
    assert arm["servers"] == [{"url": "https://127.0.0.1:8443"}]


def test_registry_description_covers_every_dispatched_kind(world: tuple[Local, dict[str, Any], dict[str, Any]]) -> None:
    _, _, registry = world
    kinds = V2.pattern.split("(?P<kind>")[1].split(")")[0].split("|")
    for kind in kinds:
        assert any(f"/v2/{{name}}/{kind}/" in p for p in registry["paths"]), kind
    assert {"/oauth2/token", "/oauth2/exchange", "/acr/v1/_catalog"} <= set(registry["paths"])


def _run(document: dict[str, Any], app: Any, base_url: str, headers: dict[str, str], parameters: dict[str, str],
         examples: int) -> Tally:
    schema = schemathesis.openapi.from_dict(document)
    client = asgi.get_client(app)
    tally = Tally()
    for result in schema.get_all_operations():
        assert isinstance(result, Ok), result
        operation = result.ok()
        fixed = {p.name: parameters[p.name] for p in operation.path_parameters if p.name in parameters}
        cases = st.one_of(operation.as_strategy(GenerationMode.POSITIVE, path_parameters=fixed),
                          operation.as_strategy(GenerationMode.POSITIVE),
                          operation.as_strategy(GenerationMode.NEGATIVE, path_parameters=fixed))

        @given(cases)
        @settings(max_examples=examples, deadline=None, database=None, suppress_health_check=list(HealthCheck))
        def probe(case: Any) -> None:
            tally.requests += 1
            response = case.call_and_validate(base_url=base_url, session=client, headers=headers, checks=CHECKS)
            tally.statuses[response.status_code] = tally.statuses.get(response.status_code, 0) + 1

        try:
            probe()
        except (Exception, FailureGroup) as exc:  # a check failed: go on, report every operation at the end
            tally.failures.append(f"{operation.label}: {str(exc)[:600]}")
    client.close()
    return tally


def _examples(campaign: str, short: int) -> int:
    return short if campaign == "short" else short * 40


def test_schemathesis_against_arm(world: tuple[Local, dict[str, Any], dict[str, Any]], campaign: str) -> None:
    local, arm, _ = world
    create_registry(local, "acrschema")
    headers = {"Authorization": f"Bearer {local.token()}"}
    parameters = {"subscriptionId": local.emulator.operator.subscription_id, "resourceGroupName": "rg",
                  "registriesName": "acrschema"}
    tally = _run(arm, local.emulator.asgi(), "https://management.azure.com", headers, parameters,
                 _examples(campaign, 3))
    print(f"schemathesis ARM: {tally.requests} requests, statuses {sorted(tally.statuses.items())}")
    assert not tally.failures, "\n".join(tally.failures)
    assert tally.requests >= 100 and any(200 <= s < 300 for s in tally.statuses)


def test_schemathesis_against_the_registry(world: tuple[Local, dict[str, Any], dict[str, Any]], campaign: str) -> None:
    local, _, registry = world
    create_registry(local, "acrschema")
    op = local.emulator.operator
    app = local.emulator.asgi()
    with local.client(LOGIN) as acr:
        token = acr.get("/oauth2/token", params=[("service", LOGIN), ("scope", "repository:app:*"),
                                                 ("scope", "registry:catalog:*")],
                        headers=basic(op.client_id, op.client_secret)).json()["access_token"]
        push_image(acr, "app", "v1", {"Authorization": f"Bearer {token}"})
    tally = _run(registry, app, f"https://{LOGIN}", {"Authorization": f"Bearer {token}"}, {"name": "app"},
                 _examples(campaign, 3))
    print(f"schemathesis registry: {tally.requests} requests, statuses {sorted(tally.statuses.items())}")
    assert not tally.failures, "\n".join(tally.failures)
    assert tally.requests >= 50 and any(200 <= s < 300 for s in tally.statuses)
