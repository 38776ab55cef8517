"""StatefulSet and DaemonSet strategies through the API: defaults, Invalid causes, the forbidden update."""

from __future__ import annotations

from typing import Any

from tests.conftest import Local
from tests.kube.api_support import api

STS = "/apis/apps/v1/namespaces/default/statefulsets"
DS = "/apis/apps/v1/namespaces/default/daemonsets"


def _body(kind: str, labels: dict[str, str] | None = None) -> dict[str, Any]:
    return {"apiVersion": "apps/v1", "kind": kind, "metadata": {"name": "web"},
            "spec": {"selector": {"matchLabels": {"app": "web"}},
                     "template": {"metadata": {"labels": labels or {"app": "web"}},
                                  "spec": {"containers": [{"name": "web", "image": "nginx:1"}]}}}}


def test_statefulset_defaults_invalid_and_forbidden_update(local: Local) -> None:
    with api(local) as k:
        created = k.post(STS, _body("StatefulSet")).json()
        assert created["spec"]["updateStrategy"] == {"type": "RollingUpdate", "rollingUpdate": {"partition": 0}}
        assert (created["spec"]["replicas"], created["spec"]["podManagementPolicy"]) == (1, "OrderedReady")
        changed = {**created, "spec": {**created["spec"], "serviceName": "other"}}
        refused = k.put(f"{STS}/web", changed).json()
        assert refused["message"] == (
            'StatefulSet.apps "web" is invalid: spec: Forbidden: updates to statefulset spec for fields other than '
            "'replicas', 'ordinals', 'template', 'updateStrategy', 'persistentVolumeClaimRetentionPolicy' and "
            "'minReadySeconds' are forbidden")
        bad = k.post(STS, {**_body("StatefulSet", {"app": "x"}), "metadata": {"name": "bad"}})
        assert bad.status_code == 422
        assert bad.json()["details"]["causes"] == [{"reason": "FieldValueInvalid",
                                                    "field": "spec.template.metadata.labels",
                                                    "message": 'Invalid value: map[string]string{"app":"x"}: '
                                                               "`selector` does not match template `labels`"}]


def test_daemonset_defaults_generation_annotation_and_table(local: Local) -> None:
    with api(local) as k:
        created = k.post(DS, _body("DaemonSet")).json()
        assert created["spec"]["updateStrategy"] == {"type": "RollingUpdate",
                                                     "rollingUpdate": {"maxUnavailable": 1, "maxSurge": 0}}
        assert created["metadata"]["annotations"] == {"deprecated.daemonset.template.generation": "1"}
        created["spec"]["template"]["spec"]["containers"][0]["image"] = "nginx:2"
        updated = k.put(f"{DS}/web", created).json()
        assert updated["metadata"]["annotations"]["deprecated.daemonset.template.generation"] == "2"
        table = k.table(DS)
        assert [c["name"] for c in table["columnDefinitions"]] == [
            "Name", "Desired", "Current", "Ready", "Up-to-date", "Available", "Node Selector", "Age", "Containers",
            "Images", "Selector"]
