"""PodDisruptionBudgets over the API: validation with the API server's messages, the printer, and the
eviction subresource refusing (429) or deleting as the budget allows."""

from __future__ import annotations

from typing import Any

import pytest

from pullproof.kube.controllers.disruption import DisruptionController
from tests.conftest import Local
from tests.kube.api_support import Api, api

PDBS = "/api/v1/namespaces/default/pods"
BUDGETS = "/apis/policy/v1/namespaces/default/poddisruptionbudgets"


def budget(name: str = "web", **spec: Any) -> dict[str, Any]:
    return {"apiVersion": "policy/v1", "kind": "PodDisruptionBudget", "metadata": {"name": name},
            "spec": {"selector": {"matchLabels": {"app": "web"}}, **spec}}


def running_pods(a: Api, count: int, owner: dict[str, Any] | None = None) -> None:
    for index in range(count):
        meta: dict[str, Any] = {"name": f"web-{index}", "namespace": "default", "labels": {"app": "web"}}
        if owner is not None:
            meta["ownerReferences"] = [{"apiVersion": "apps/v1", "kind": owner["kind"], "controller": True,
                                        "name": owner["metadata"]["name"], "uid": owner["metadata"]["uid"]}]
        a.tracker.create("pods", "default", {
            "apiVersion": "v1", "kind": "Pod", "metadata": meta,
            "spec": {"containers": [{"name": "web", "image": "nginx:1"}]},
            "status": {"phase": "Running", "conditions": [{"type": "Ready", "status": "True"}]}})


def replicaset(a: Api, replicas: int) -> dict[str, Any]:
    return a.tracker.create("replicasets.apps", "default", {
        "apiVersion": "apps/v1", "kind": "ReplicaSet", "metadata": {"name": "web", "namespace": "default"},
        "spec": {"replicas": replicas, "selector": {"matchLabels": {"app": "web"}},
                 "template": {"metadata": {"labels": {"app": "web"}},
                              "spec": {"containers": [{"name": "web", "image": "nginx:1"}]}}}})


def evict(a: Api, name: str, **body: Any) -> Any:
    return a.post(f"{PDBS}/{name}/eviction", {"apiVersion": "policy/v1", "kind": "Eviction",
                                              "metadata": {"name": name, "namespace": "default"}, **body})


def test_both_min_and_max_is_refused_with_the_spec_in_go_syntax(local: Local) -> None:
    with api(local) as a:
        response = a.post(BUDGETS, budget(minAvailable=1, maxUnavailable="150%"))
        assert response.status_code == 422
        body = response.json()
        causes = body["details"]["causes"]
        assert [c["field"] for c in causes] == ["spec", "spec.maxUnavailable"]
        assert causes[0]["message"].startswith(
            "Invalid value: policy.PodDisruptionBudgetSpec{MinAvailable:(*intstr.IntOrString)(0xc")
        assert causes[0]["message"].endswith("UnhealthyPodEvictionPolicy:(*policy.UnhealthyPodEvictionPolicyType)"
                                             "(nil)}: minAvailable and maxUnavailable cannot be both set")
        assert causes[1]["message"] == ('Invalid value: intstr.IntOrString{Type:1, IntVal:0, StrVal:"150%"}: '
                                        "must not be greater than 100%")
        assert body["message"].startswith('PodDisruptionBudget.policy "web" is invalid: [spec: Invalid value: ')


@pytest.mark.parametrize(("value", "message"), [
    (-1, "Invalid value: -1: must be greater than or equal to 0"),
    ("abc", "Invalid value: intstr.IntOrString{Type:1, IntVal:0, StrVal:\"abc\"}: a valid percent string must be "
            "a numeric string followed by an ending '%' (e.g. '1%',  or '93%', regex used for validation is "
            "'[0-9]+%')")])
def test_min_available_must_be_non_negative_or_a_percent(local: Local, value: Any, message: str) -> None:
    with api(local) as a:
        response = a.post(BUDGETS, budget(minAvailable=value))
        assert response.status_code == 422
        assert response.json()["details"]["causes"] == [
            {"reason": "FieldValueInvalid", "field": "spec.minAvailable", "message": message}]
        assert a.tracker.find("poddisruptionbudgets.policy", "default", "web") is None


def test_status_printer_and_eviction_until_the_budget_is_spent(local: Local) -> None:
    with api(local) as a:
        rs = replicaset(a, 3)
        running_pods(a, 3, rs)
        created = a.post(BUDGETS, budget(maxUnavailable=1))
        assert created.status_code == 201, created.text
        assert created.json()["status"] == {"disruptionsAllowed": 0, "currentHealthy": 0, "desiredHealthy": 0,
                                            "expectedPods": 0}
        controller = DisruptionController(a.tracker, a.tracker.clock)
        controller.reconcile()
        status = a.get(f"{BUDGETS}/web").json()["status"]
        assert {k: status[k] for k in ("currentHealthy", "desiredHealthy", "expectedPods", "disruptionsAllowed",
                                       "observedGeneration")} == {
            "currentHealthy": 3, "desiredHealthy": 2, "expectedPods": 3, "disruptionsAllowed": 1,
            "observedGeneration": 1}
        assert [(c["type"], c["status"], c["reason"]) for c in status["conditions"]] == [
            ("DisruptionAllowed", "True", "SufficientPods")]
        table = a.table(BUDGETS)
        assert [c["name"] for c in table["columnDefinitions"]] == [
            "Name", "Min Available", "Max Unavailable", "Allowed Disruptions", "Age"]
        assert table["rows"][0]["cells"][:4] == ["web", "N/A", "1", 1]

        first = evict(a, "web-0")
        assert (first.status_code, first.json()) == (201, {"kind": "Status", "apiVersion": "v1", "metadata": {},
                                                           "status": "Success", "code": 201})
        assert a.tracker.find("pods", "default", "web-0") is None
        spent = a.get(f"{BUDGETS}/web").json()["status"]
        assert spent["disruptionsAllowed"] == 0 and list(spent["disruptedPods"]) == ["web-0"]
        assert spent["conditions"][0]["reason"] == "InsufficientPods"

        refused = evict(a, "web-1")
        assert refused.status_code == 429
        assert refused.json() == {
            "kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Failure",
            "message": "Cannot evict pod as it would violate the pod's disruption budget.",
            "reason": "TooManyRequests", "code": 429,
            "details": {"causes": [{"reason": "DisruptionBudget",
                                    "message": "The disruption budget web needs 2 healthy pods and has 3 currently"}]}}
        assert a.tracker.find("pods", "default", "web-1") is not None
        controller.reconcile()  # web-0 is gone: 2 healthy of the 3 the ReplicaSet wants
        assert a.get(f"{BUDGETS}/web").json()["status"]["currentHealthy"] == 2


def test_a_pod_no_budget_selects_is_simply_deleted_and_two_budgets_are_an_internal_error(local: Local) -> None:
    with api(local) as a:
        running_pods(a, 2)
        assert evict(a, "web-0").status_code == 201
        assert a.tracker.find("pods", "default", "web-0") is None
        for name in ("one", "two"):
            assert a.post(BUDGETS, budget(name, minAvailable=0)).status_code == 201
        response = evict(a, "web-1")
        assert response.status_code == 500
        assert response.json()["message"] == ("Internal error occurred: This pod has more than one "
                                               "PodDisruptionBudget, which the eviction subresource does not support.")
        mismatch = a.post(f"{PDBS}/web-1/eviction", {"apiVersion": "policy/v1", "kind": "Eviction",
                                                     "metadata": {"name": "other"}})
        assert (mismatch.status_code, mismatch.json()["message"]) == (
            400, "name in URL does not match name in Eviction object")


def test_an_unprocessed_budget_asks_to_retry_later(local: Local) -> None:
    with api(local) as a:
        running_pods(a, 1)
        assert a.post(BUDGETS, budget(minAvailable=0)).status_code == 201
        response = evict(a, "web-0")
        assert response.status_code == 429 and response.headers["Retry-After"] == "10"
        assert response.json()["details"] == {
            "causes": [{"reason": "DisruptionBudget",
                        "message": "The disruption budget web is still being processed by the server."}],
            "retryAfterSeconds": 10}


def test_integer_min_available_counts_unmanaged_pods(local: Local) -> None:
    with api(local) as a:
        running_pods(a, 2)
        assert a.post(BUDGETS, budget(minAvailable=1)).status_code == 201
        DisruptionController(a.tracker, a.tracker.clock).reconcile()
        status = a.get(f"{BUDGETS}/web").json()["status"]
        assert (status["expectedPods"], status["desiredHealthy"], status["disruptionsAllowed"]) == (2, 1, 1)
