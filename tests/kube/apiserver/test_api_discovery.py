"""Version, health, authentication, discovery (legacy and aggregated) and OpenAPI, in process."""

from __future__ import annotations

from tests.conftest import Local
from tests.kube.api_support import HOST, api

AGGREGATED = ("application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList,"
              "application/json;g=apidiscovery.k8s.io;v=v2beta1;as=APIGroupDiscoveryList,application/json")


def test_version_picks_the_dispatchers_kubectl_and_health_is_ok(local: Local) -> None:
    with api(local) as k:
        version = k.client.get("/version?timeout=5s").json()
        assert (version["major"], version["minor"], version["gitVersion"]) == ("1", "32", "v1.32.4")
        for path in ("/healthz", "/livez", "/readyz"):
            assert k.client.get(path).text == "ok"


def test_a_bad_or_missing_token_is_401_status(local: Local) -> None:
    with api(local) as k:
        for headers in ({"Authorization": "Bearer nope"}, {}):
            response = k.client.get("/api/v1/namespaces/default/pods", headers=headers)
            assert response.status_code == 401
            assert response.json() == {"kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Failure",
                                       "message": "Unauthorized", "reason": "Unauthorized", "code": 401}
        assert k.client.get("/version", headers={"Authorization": "Bearer nope"}).status_code == 401


def test_unknown_cluster_hosts_are_not_served(local: Local) -> None:
    with api(local), local.client("other-1234.hcp.eastus.azmk8s.io") as other:
        assert other.get("/version").status_code == 421
    assert HOST


def test_legacy_discovery(local: Local) -> None:
    with api(local) as k:
        assert k.get("/api").json()["versions"] == ["v1"]
        groups = k.get("/apis").json()
        assert groups["kind"] == "APIGroupList"
        assert [g["name"] for g in groups["groups"]] == [
            "apps", "events.k8s.io", "autoscaling", "batch", "networking.k8s.io", "policy",
            "rbac.authorization.k8s.io", "storage.k8s.io", "apiextensions.k8s.io", "scheduling.k8s.io",
            "coordination.k8s.io", "discovery.k8s.io"]
        core = {r["name"]: r for r in k.get("/api/v1").json()["resources"]}
        assert core["pods"]["shortNames"] == ["po"] and core["pods"]["categories"] == ["all"]
        assert core["pods/log"]["verbs"] == ["get"] and "pods/status" in core
        assert core["pods/eviction"] == {"name": "pods/eviction", "singularName": "", "namespaced": True,
                                         "group": "policy", "version": "v1", "kind": "Eviction",
                                         "verbs": ["create"]}
        assert core["services"]["shortNames"] == ["svc"] and core["persistentvolumes"]["namespaced"] is False
        assert core["namespaces"]["namespaced"] is False and "deletecollection" not in core["namespaces"]["verbs"]
        apps = {r["name"]: r for r in k.get("/apis/apps/v1").json()["resources"]}
        assert apps["deployments/scale"]["group"] == "autoscaling" and apps["deployments/scale"]["kind"] == "Scale"
        assert k.get("/apis/apps").json()["preferredVersion"] == {"groupVersion": "apps/v1", "version": "v1"}


def test_aggregated_discovery_when_the_client_asks_for_it(local: Local) -> None:
    with api(local) as k:
        response = k.get("/apis", {"Accept": AGGREGATED})
        assert response.headers["content-type"] == \
            "application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList"
        body = response.json()
        assert body["apiVersion"] == "apidiscovery.k8s.io/v2"
        version = body["items"][0]["versions"][0]
        deployments = next(r for r in version["resources"] if r["resource"] == "deployments")
        assert deployments["responseKind"] == {"group": "apps", "version": "v1", "kind": "Deployment"}
        assert {s["subresource"] for s in deployments["subresources"]} == {"scale", "status"}
        core = k.get("/api", {"Accept": AGGREGATED}).json()["items"][0]
        assert "name" not in core["metadata"]
        assert any(r["resource"] == "pods" and r["scope"] == "Namespaced" for r in core["versions"][0]["resources"])


def test_removed_group_versions_are_404(local: Local) -> None:
    with api(local) as k:
        for path in ("/apis/apps/v1beta1", "/apis/extensions/v1beta1/namespaces/default/deployments",
                     "/apis/apps/v1beta2/namespaces/default/deployments", "/apis/nosuch", "/api/v2"):
            response = k.get(path)
            assert response.status_code == 404, path
            assert response.json()["message"] == "the server could not find the requested resource"


def test_openapi_v3_lets_kubectl_delegate_validation(local: Local) -> None:
    with api(local) as k:
        index = k.get("/openapi/v3").json()["paths"]
        assert {"api/v1", "apis/apps/v1", "apis/batch/v1", "apis/networking.k8s.io/v1"} <= set(index)
        doc = k.get(index["apis/apps/v1"]["serverRelativeURL"]).json()
        patch = doc["paths"]["/apis/apps/v1/namespaces/{namespace}/deployments/{name}"]["patch"]
        assert patch["x-kubernetes-group-version-kind"] == {"group": "apps", "version": "v1", "kind": "Deployment"}
        assert {"name": "fieldValidation", "in": "query"}.items() <= next(
            p for p in patch["parameters"] if p["name"] == "fieldValidation").items()
        assert "requestBody" not in patch
        v2 = k.get("/openapi/v2", {"Accept": "application/com.github.proto-openapi.spec.v2@v1.0+protobuf"})
        assert v2.status_code == 200 and v2.content == b""
        assert k.get("/openapi/v3/apis/apps/v1beta1").status_code == 404


def test_system_namespaces_and_default_service_accounts_exist(local: Local) -> None:
    with api(local) as k:
        names = [n["metadata"]["name"] for n in k.get("/api/v1/namespaces").json()["items"]]
        assert names == ["default", "kube-node-lease", "kube-public", "kube-system"]
        account = k.get("/api/v1/namespaces/kube-system/serviceaccounts/default").json()
        assert account["kind"] == "ServiceAccount"
