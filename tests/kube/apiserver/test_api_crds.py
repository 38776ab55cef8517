"""CustomResourceDefinitions: defaults, validation, status, printing; custom resources served from
them: discovery, CRUD, schema pruning/defaulting/validation, subresources, tables, deletion."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from tests.conftest import Local
from tests.kube.api_support import Api, api
from tests.kube.apiserver.crd_support import CRDS_PATH, CRONTABS, crd, crontab

AGGREGATED = "application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList"
MERGE = "application/merge-patch+json"


@pytest.fixture
def a(local: Local) -> Iterator[Api]:
    with api(local) as client:
        yield client


@pytest.fixture
def served(a: Api) -> Api:
    response = a.post(CRDS_PATH, crd())
    assert response.status_code == 201, response.text
    return a


def _causes(response: Any) -> list[str]:
    assert response.status_code == 422, response.text
    return [f"{c['field']}: {c['message']}" for c in response.json()["details"]["causes"]]


def test_crd_defaults_and_status(served: Api) -> None:
    stored = served.get(f"{CRDS_PATH}/crontabs.stable.example.com").json()
    assert stored["spec"]["conversion"] == {"strategy": "None"}
    assert stored["spec"]["names"]["listKind"] == "CronTabList"
    assert stored["metadata"]["generation"] == 1
    status = stored["status"]
    assert status["storedVersions"] == ["v1"]
    assert status["acceptedNames"]["kind"] == "CronTab"
    assert [(c["type"], c["status"]) for c in status["conditions"]] == [("NamesAccepted", "True"),
                                                                       ("Established", "True")]


@pytest.mark.parametrize(("change", "expected"), [
    (lambda c: c["metadata"].update(name="tabs.stable.example.com"),
     'metadata.name: Invalid value: "tabs.stable.example.com": must be spec.names.plural+"."+spec.group'),
    (lambda c: c["spec"]["versions"][0].pop("schema"),
     "spec.versions[0].schema.openAPIV3Schema: Required value: schemas are required"),
    (lambda c: c["spec"].update(scope="Global"),
     'spec.scope: Unsupported value: "Global": supported values: "Cluster", "Namespaced"'),
    (lambda c: c["spec"]["versions"][0]["schema"]["openAPIV3Schema"]["properties"]["spec"].pop("type"),
     "spec.versions[0].schema.openAPIV3Schema.properties[spec].type: Required value: must not be empty for "
     "specified object fields"),
])
def test_crd_validation(a: Api, change: Any, expected: str) -> None:
    body = crd()
    change(body)
    assert expected in _causes(a.post(CRDS_PATH, body))
    assert a.tracker.list("customresourcedefinitions.apiextensions.k8s.io")[0] == []


def test_crd_group_needs_a_dot_and_one_storage_version(a: Api) -> None:
    body = crd(storage=False)
    body["spec"]["group"] = "example"
    body["metadata"]["name"] = "crontabs.example"
    causes = _causes(a.post(CRDS_PATH, body))
    assert 'spec.group: Invalid value: "example": should be a domain with at least one dot' in causes
    assert any(c.startswith("spec.versions: Invalid value: []apiextensions.CustomResourceDefinitionVersion{") and
               c.endswith("must have exactly one version marked as storage version") for c in causes)


def test_crd_with_rules_warns_that_they_are_not_evaluated(a: Api) -> None:
    body = crd()
    body["spec"]["versions"][0]["schema"]["openAPIV3Schema"]["x-kubernetes-validations"] = [
        {"rule": "self.spec.replicas < 5"}]
    response = a.post(CRDS_PATH, body)
    assert response.status_code == 201
    assert response.headers["warning"] == '299 - "pullproof does not evaluate x-kubernetes-validations rules"'
    plain = crd()
    plain["spec"]["group"] = "other.example.com"
    plain["metadata"]["name"] = "crontabs.other.example.com"
    response = a.post(CRDS_PATH, plain)
    assert response.status_code == 201
    assert "warning" not in response.headers


def test_crd_table(served: Api) -> None:
    table = served.table(CRDS_PATH)
    assert [c["name"] for c in table["columnDefinitions"]] == ["Name", "Created At"]
    assert table["rows"][0]["cells"][0] == "crontabs.stable.example.com"
    assert table["rows"][0]["cells"][1].endswith("Z")


def test_discovery_lists_the_group_until_the_crd_goes(served: Api) -> None:
    groups = [g["name"] for g in served.get("/apis").json()["groups"]]
    assert groups[-1] == "stable.example.com"
    assert served.get("/apis/stable.example.com").json()["preferredVersion"]["version"] == "v1"
    resources = served.get("/apis/stable.example.com/v1").json()["resources"]
    assert [(r["name"], r.get("shortNames")) for r in resources] == [("crontabs", ["ct"]), ("crontabs/scale", None),
                                                                      ("crontabs/status", None)]
    aggregated = served.get("/apis", {"Accept": AGGREGATED}).json()["items"]
    entry = next(i for i in aggregated if i["metadata"]["name"] == "stable.example.com")
    resource = entry["versions"][0]["resources"][0]
    assert (resource["resource"], resource["scope"], resource["categories"]) == ("crontabs", "Namespaced", ["all"])
    index = served.get("/openapi/v3").json()["paths"]
    assert "apis/stable.example.com/v1" in index
    doc = served.get("/openapi/v3/apis/stable.example.com/v1").json()
    assert "/apis/stable.example.com/v1/namespaces/{namespace}/crontabs/{name}" in doc["paths"]
    assert served.delete(f"{CRDS_PATH}/crontabs.stable.example.com").status_code == 200
    assert "stable.example.com" not in [g["name"] for g in served.get("/apis").json()["groups"]]
    assert served.get("/apis/stable.example.com/v1").status_code == 404
    assert served.get(CRONTABS).status_code == 404


def test_custom_resource_crud_defaults_and_generation(served: Api) -> None:
    created = served.post(CRONTABS, crontab())
    assert created.status_code == 201, created.text
    body = created.json()
    assert body["spec"]["replicas"] == 1  # the schema's default
    assert body["metadata"]["generation"] == 1
    assert (body["kind"], body["apiVersion"]) == ("CronTab", "stable.example.com/v1")
    patched = served.patch(f"{CRONTABS}/my-cron", {"spec": {"image": "other"}}, MERGE).json()
    assert patched["metadata"]["generation"] == 2
    relabelled = served.patch(f"{CRONTABS}/my-cron", {"metadata": {"labels": {"a": "b"}}}, MERGE).json()
    assert relabelled["metadata"]["generation"] == 2
    listed = served.get(f"{CRONTABS}?labelSelector=a%3Db").json()
    assert (listed["kind"], [i["metadata"]["name"] for i in listed["items"]]) == ("CronTabList", ["my-cron"])
    assert served.get(f"{CRONTABS}?fieldSelector=metadata.name%3Dother").json()["items"] == []
    assert served.get(f"{CRONTABS}?fieldSelector=spec.image%3Dx").status_code == 400
    assert served.delete(f"{CRONTABS}/my-cron").status_code == 200
    assert served.get(f"{CRONTABS}/my-cron").status_code == 404


def test_custom_resource_pruning_and_strict(served: Api) -> None:
    body = crontab(unknown=1, extra={"free": {"form": True}})
    strict = served.post(CRONTABS + "?fieldValidation=Strict", body)
    assert strict.status_code == 400
    assert strict.json()["message"] == ('CronTab in version "v1" cannot be handled as a CronTab: strict decoding '
                                        'error: unknown field "spec.unknown"')
    warned = served.post(CRONTABS + "?fieldValidation=Warn", body)
    assert warned.status_code == 201
    assert warned.headers["warning"] == '299 - "unknown field \\"spec.unknown\\""'
    assert "unknown" not in warned.json()["spec"]
    assert warned.json()["spec"]["extra"] == {"free": {"form": True}}


@pytest.mark.parametrize(("spec", "expected"), [
    ({"replicas": "two"},
     'spec.replicas: Invalid value: "string": spec.replicas in body must be of type integer: "string"'),
    ({"replicas": 20}, "spec.replicas: Invalid value: 20: spec.replicas in body should be less than or equal to 10"),
    ({"replicas": 0}, "spec.replicas: Invalid value: 0: spec.replicas in body should be greater than or equal to 1"),
    ({"mode": "medium"}, 'spec.mode: Unsupported value: "medium": supported values: "fast", "slow"'),
    ({"cronSpec": "often"}, r"""spec.cronSpec: Invalid value: "often": spec.cronSpec in body should match """
                            r"""'^(\d+|\*)(/\d+)?(\s+(\d+|\*)(/\d+)?){4}$'"""),
    ({"image": "x" * 41}, "spec.image: Too long: may not be more than 40 bytes"),
    ({"port": True}, 'spec.port: Invalid value: "boolean": spec.port in body must be of type integer,string: '
                     '"boolean"'),
    ({"tags": ["a", "b", "c"]}, "spec.tags: Too many: 3: must have at most 2 items"),
    ({"labels": {"a": 1}}, 'spec.labels.a: Invalid value: "integer": spec.labels.a in body must be of type string: '
                           '"integer"'),
])
def test_custom_resource_schema_validation(served: Api, spec: dict[str, Any], expected: str) -> None:
    response = served.post(CRONTABS, crontab(**spec))
    assert _causes(response) == [expected]
    assert response.json()["message"].startswith('CronTab.stable.example.com "my-cron" is invalid: ')


def test_custom_resource_required_field(served: Api) -> None:
    body = crontab()
    del body["spec"]["cronSpec"]
    assert _causes(served.post(CRONTABS, body)) == ["spec.cronSpec: Required value"]


def test_int_or_string_accepts_both(served: Api) -> None:
    assert served.post(CRONTABS, crontab("a", port=80)).status_code == 201
    assert served.post(CRONTABS, crontab("b", port="http")).status_code == 201


def test_status_and_scale_subresources(served: Api) -> None:
    served.post(CRONTABS, {**crontab(), "status": {"replicas": 9}})
    assert "status" not in served.get(f"{CRONTABS}/my-cron").json()
    status = served.patch(f"{CRONTABS}/my-cron/status", {"status": {"replicas": 1, "selector": "app=cron"}}, MERGE)
    assert status.status_code == 200, status.text
    assert status.json()["metadata"]["generation"] == 1
    bad = served.patch(f"{CRONTABS}/my-cron/status", {"status": {"replicas": "one"}}, MERGE)
    assert bad.status_code == 422
    scale = served.get(f"{CRONTABS}/my-cron/scale").json()
    assert (scale["spec"], scale["status"]) == ({"replicas": 1}, {"replicas": 1, "selector": "app=cron"})
    rescaled = served.patch(f"{CRONTABS}/my-cron/scale", {"spec": {"replicas": 3}}, MERGE)
    assert rescaled.status_code == 200, rescaled.text
    assert served.get(f"{CRONTABS}/my-cron").json()["spec"]["replicas"] == 3


def test_custom_resource_table_uses_printer_columns(served: Api) -> None:
    served.post(CRONTABS, crontab())
    table = served.table(CRONTABS)
    assert [c["name"] for c in table["columnDefinitions"]] == ["Name", "Spec", "Replicas", "Age"]
    assert [c["type"] for c in table["columnDefinitions"]] == ["string", "string", "integer", "date"]
    assert table["rows"][0]["cells"][:3] == ["my-cron", "* * * * */5", 1]


def test_crd_without_columns_prints_age(a: Api) -> None:
    a.post(CRDS_PATH, crd(additionalPrinterColumns=[]))
    a.post(CRONTABS, crontab())
    assert [c["name"] for c in a.table(CRONTABS)["columnDefinitions"]] == ["Name", "Age"]


def test_deleting_the_crd_deletes_its_objects(served: Api) -> None:
    served.post(CRONTABS, crontab())
    served.post("/api/v1/namespaces", {"metadata": {"name": "other"}})
    served.post("/apis/stable.example.com/v1/namespaces/other/crontabs", crontab("there"))
    assert served.delete(f"{CRDS_PATH}/crontabs.stable.example.com").status_code == 200
    assert served.tracker.list("crontabs.stable.example.com")[0] == []
    served.post(CRDS_PATH, crd())
    assert served.get(CRONTABS).json()["items"] == []


def test_namespace_deletion_removes_custom_resources(served: Api) -> None:
    served.post("/api/v1/namespaces", {"metadata": {"name": "other"}})
    served.post("/apis/stable.example.com/v1/namespaces/other/crontabs", crontab("there"))
    served.delete("/api/v1/namespaces/other")
    assert served.tracker.list("crontabs.stable.example.com", "other")[0] == []


def test_cluster_scoped_custom_resource(a: Api) -> None:
    body = crd()
    body["spec"]["scope"] = "Cluster"
    a.post(CRDS_PATH, body)
    path = "/apis/stable.example.com/v1/crontabs"
    assert a.post(path, crontab()).status_code == 201
    assert a.get(f"{path}/my-cron").json()["metadata"].get("namespace") is None
    assert a.get(CRONTABS).status_code == 404


def test_custom_resources_refuse_protobuf(served: Api) -> None:
    response = served.client.post(CRONTABS, content=b"k8s\x00", headers={
        "Authorization": "Bearer tok", "Content-Type": "application/vnd.kubernetes.protobuf"})
    assert response.status_code == 415


def test_a_second_version_is_listed_preferred_first(a: Api) -> None:
    body = crd()
    beta = {**body["spec"]["versions"][0], "name": "v1beta1", "storage": False}
    body["spec"]["versions"].insert(0, beta)
    assert a.post(CRDS_PATH, body).status_code == 201
    group = a.get("/apis/stable.example.com").json()
    assert [v["version"] for v in group["versions"]] == ["v1", "v1beta1"]
    assert group["preferredVersion"]["version"] == "v1"
    assert a.post("/apis/stable.example.com/v1beta1/namespaces/default/crontabs", crontab()).status_code == 400
    assert a.get("/apis/stable.example.com/v1beta1/namespaces/default/crontabs").status_code == 200


def test_a_schema_declaring_metadata_keeps_the_object_metadata(a: Api) -> None:
    """Generated CRDs declare ``apiVersion``, ``kind`` and ``metadata: {type: object}`` at the root."""
    body = crd()
    schema = body["spec"]["versions"][0]["schema"]["openAPIV3Schema"]
    schema["properties"].update({"apiVersion": {"type": "string"}, "kind": {"type": "string"},
                                 "metadata": {"type": "object"}})
    a.post(CRDS_PATH, body)
    created = a.post(CRONTABS + "?fieldValidation=Strict",
                     {**crontab(), "metadata": {"name": "my-cron", "labels": {"app": "cron"}}})
    assert created.status_code == 201, created.text
    assert created.json()["metadata"]["labels"] == {"app": "cron"}


def test_crd_update_keeps_status_and_moves_generation(served: Api) -> None:
    path = f"{CRDS_PATH}/crontabs.stable.example.com"
    current = served.get(path).json()
    established = current["status"]["conditions"][1]["lastTransitionTime"]
    current["spec"]["names"]["shortNames"] = ["ct", "cts"]
    current["status"] = {}
    updated = served.put(path, current)
    assert updated.status_code == 200, updated.text
    body = updated.json()
    assert body["metadata"]["generation"] == 2
    assert body["status"]["acceptedNames"]["shortNames"] == ["ct", "cts"]
    assert body["status"]["conditions"][1]["lastTransitionTime"] == established
    current = served.get(path).json()
    current["spec"]["scope"] = "Cluster"
    assert _causes(served.put(path, current)) == ['spec.scope: Invalid value: "Cluster": field is immutable']
    resources = served.get("/apis/stable.example.com/v1").json()["resources"]
    assert resources[0]["shortNames"] == ["ct", "cts"]


def test_custom_resources_take_no_strategic_merge_patch(served: Api) -> None:
    served.post(CRONTABS, crontab(tags=["a", "b"]))
    refused = served.patch(f"{CRONTABS}/my-cron", {"spec": {"image": "x"}})
    assert refused.status_code == 415
    assert refused.json()["message"] == ("the body of the request was in an unknown format - accepted media types "
                                         "include: application/json-patch+json, application/merge-patch+json, "
                                         "application/apply-patch+yaml")
    applied = served.patch(f"{CRONTABS}/my-cron?fieldManager=me", {
        "apiVersion": "stable.example.com/v1", "kind": "CronTab", "metadata": {"name": "my-cron"},
        "spec": {"tags": ["c"]}}, "application/apply-patch+yaml")
    assert applied.status_code == 200, applied.text
    assert applied.json()["spec"]["tags"] == ["c"]
    assert applied.json()["spec"]["cronSpec"] == "* * * * */5"
