"""The engine against its ``Backend`` port alone (no ARM): what it writes, and what it asks the
backend when a resource's id can only be computed once the deployment runs."""

from __future__ import annotations

from typing import Any

import pytest

from pullproof.core.clock import ManualClock
from pullproof.core.ids import SeededIds
from pullproof.iac.backend import Backend
from pullproof.iac.context import Scope
from pullproof.iac.engine import Engine
from pullproof.iac.errors import Where
from pullproof.iac.records import Outcome
from pullproof.iac.requests import Request
from pullproof.iac.runtime import EngineRuntime, Mode
from pullproof.iac.template import Template
from tests.iac.support import MSI, identity, template

SUB = "87d64d6d-6d17-4ad7-b507-16d9bc498781"
BY_REFERENCE = f"[reference(resourceId('{MSI}', 'a'), '2023-01-31').principalId]"


class MemoryBackend:
    """Keeps resources in a dict; answers ``unidentified`` with ``accounts``."""

    def __init__(self, accounts: bool) -> None:
        self.accounts = accounts
        self.resources: dict[str, dict[str, Any]] = {}
        self.unidentifiable: list[tuple[str, Where]] = []
        self.saved: list[Outcome] = []

    def write(self, resource_id: str, body: dict[str, Any], api_version: str) -> tuple[int, dict[str, Any]]:
        status = 200 if resource_id.lower() in self.resources else 201
        self.resources[resource_id.lower()] = {"id": resource_id, **body, "properties": {"principalId": "p-1"}}
        return status, self.resources[resource_id.lower()]

    def read(self, resource_id: str, api_version: str | None) -> dict[str, Any]:
        return self.resources[resource_id.lower()]

    def action(self, resource_id: str, action: str, payload: Any, api_version: str) -> Any:
        return {}

    def group(self, subscription: str, group: str) -> dict[str, Any] | None:
        return {"id": f"/subscriptions/{subscription}/resourceGroups/{group}", "name": group, "location": "eastus"}

    def subscription(self, subscription: str) -> dict[str, Any]:
        return {"id": f"/subscriptions/{subscription}", "subscriptionId": subscription}

    def begin_deployment(self, scope: Scope, name: str) -> Scope:
        return scope

    def save_deployment(self, outcome: Outcome) -> None:
        self.saved.append(outcome)

    def unidentified(self, label: str, where: Where) -> bool:
        self.unidentifiable.append((label, where))
        return self.accounts


def _run(backend: Backend, mode: Mode) -> Outcome:
    clock, ids = ManualClock(), SeededIds(3)
    runtime = EngineRuntime(backend, mode, clock.now(), ids.guid, {"tenantId": "t"})
    body = template(resources=[identity("a"), identity(BY_REFERENCE, dependsOn=["a"])])
    request = Request("main", Scope("t", SUB, "rg"), Template.of(body, ("properties", "template")), {})
    return Engine(backend, runtime, ids, clock).run(request)


def test_a_backend_that_accounts_for_an_unidentified_resource_lets_the_run_succeed() -> None:
    backend = MemoryBackend(accounts=True)
    outcome = _run(backend, Mode.WHATIF)
    assert outcome.state == "Succeeded" and outcome.error is None
    [(label, where)] = backend.unidentifiable
    assert label == f"/subscriptions/{SUB}/resourceGroups/rg/providers/{MSI}/{BY_REFERENCE}"
    assert where.path == "properties.template.resources[1]"
    assert list(backend.resources) == [f"/subscriptions/{SUB}/resourcegroups/rg/providers/{MSI.lower()}/a"]
    assert backend.saved == [outcome]


@pytest.mark.parametrize("mode", [Mode.DEPLOY, Mode.WHATIF])
def test_a_backend_that_refuses_an_unidentified_resource_fails_it(mode: Mode) -> None:
    backend = MemoryBackend(accounts=False)
    outcome = _run(backend, mode)
    assert outcome.state == "Failed" and outcome.error is not None
    assert [d.code for d in outcome.error.details] == ["InvalidTemplate"]
    assert len(backend.unidentifiable) == 1 and len(backend.resources) == 1
