"""Views of another kind's storage: events.k8s.io/v1 over core v1 Events, autoscaling/v1 over
autoscaling/v2 HorizontalPodAutoscalers (conversions, shared storage and resourceVersions, field
selectors, validation of the view's version, discovery)."""

from __future__ import annotations

from typing import Any

from pullproof.kube.apiserver.kinds import autoscalingv1, events
from tests.conftest import Local
from tests.kube.api_support import api

EV1 = "/apis/events.k8s.io/v1/namespaces/default/events"
CORE = "/api/v1/namespaces/default/events"
HPA1 = "/apis/autoscaling/v1/namespaces/default/horizontalpodautoscalers"
HPA2 = "/apis/autoscaling/v2/namespaces/default/horizontalpodautoscalers"


def new_event(name: str = "web.1", **extra: Any) -> dict[str, Any]:
    return {"apiVersion": "events.k8s.io/v1", "kind": "Event", "metadata": {"name": name, "namespace": "default"},
            "eventTime": "2026-01-01T00:00:00.000000Z", "reportingController": "example.com/ctl",
            "reportingInstance": "ctl-1", "action": "Scale", "reason": "Scaled", "note": "scaled up", "type": "Normal",
            "regarding": {"kind": "Deployment", "name": "web", "namespace": "default", "apiVersion": "apps/v1"},
            "related": {"kind": "ReplicaSet", "name": "web-1", "namespace": "default"},
            "series": {"count": 2, "lastObservedTime": "2026-01-01T00:00:01.000000Z"}, **extra}


def test_event_conversion_round_trips_both_ways() -> None:
    view = {**new_event(), "deprecatedSource": {"component": "x"}, "deprecatedCount": 3,
            "deprecatedFirstTimestamp": "2026-01-01T00:00:00Z", "deprecatedLastTimestamp": "2026-01-01T00:00:02Z"}
    core = events.to_core(view)
    assert (core["involvedObject"]["name"], core["message"], core["reportingComponent"], core["source"],
            core["count"], core["firstTimestamp"]) == ("web", "scaled up", "example.com/ctl", {"component": "x"}, 3,
                                                        "2026-01-01T00:00:00Z")
    assert events.from_core(core) == view
    legacy = {"apiVersion": "v1", "kind": "Event", "metadata": {"name": "a"}, "involvedObject": {"name": "p"},
              "message": "m", "reason": "R", "count": 1, "type": "Normal"}
    assert events.from_core(legacy)["eventTime"] is None
    assert events.to_core(events.from_core(legacy)) == legacy


def test_hpa_conversion_round_trips_both_ways() -> None:
    v2 = {"apiVersion": "autoscaling/v2", "kind": "HorizontalPodAutoscaler", "metadata": {"name": "web"},
          "spec": {"scaleTargetRef": {"kind": "Deployment", "name": "web", "apiVersion": "apps/v1"},
                   "minReplicas": 2, "maxReplicas": 5,
                   "metrics": [{"type": "Resource", "resource": {"name": "cpu", "target": {
                       "type": "Utilization", "averageUtilization": 80}}},
                       {"type": "Pods", "pods": {"metric": {"name": "qps"}, "target": {
                           "type": "AverageValue", "averageValue": "10"}}},
                       {"type": "External", "external": {"metric": {"name": "queue"}, "target": {
                           "type": "Value", "value": "30"}}}],
                   "behavior": {"scaleDown": {"stabilizationWindowSeconds": 60}}},
          "status": {"currentReplicas": 2, "desiredReplicas": 2, "currentMetrics": [
              {"type": "Resource", "resource": {"name": "cpu", "current": {"averageUtilization": 40}}}],
              "conditions": [{"type": "AbleToScale", "status": "True"}]}}
    v1 = autoscalingv1.to_v1(v2)
    assert v1["spec"]["targetCPUUtilizationPercentage"] == 80
    assert v1["status"]["currentCPUUtilizationPercentage"] == 40
    notes = v1["metadata"]["annotations"]
    assert notes[autoscalingv1.METRICS] == ('[{"type":"Pods","pods":{"metricName":"qps","targetAverageValue":"10"}},'
                                            '{"type":"External","external":{"metricName":"queue","targetValue":"30"}}]')
    assert notes[autoscalingv1.BEHAVIOR] == '{"ScaleDown":{"StabilizationWindowSeconds":60}}'
    assert autoscalingv1.to_v2(v1) == v2


def test_an_event_written_through_one_version_is_read_and_watched_through_the_other(local: Local) -> None:
    with api(local) as a:
        created = a.post(EV1, new_event())
        assert created.status_code == 201, created.text
        core = a.get(f"{CORE}/web.1").json()
        assert (core["apiVersion"], core["involvedObject"]["name"], core["message"]) == ("v1", "web", "scaled up")
        assert core["metadata"]["resourceVersion"] == created.json()["metadata"]["resourceVersion"]
        a.post(CORE, {"metadata": {"name": "old"}, "involvedObject": {"kind": "Pod", "name": "p",
                                                                        "namespace": "default"},
                      "reason": "Pulled", "message": "pulled", "type": "Normal", "count": 1})
        view = a.get(f"{EV1}/old").json()
        assert (view["apiVersion"], view["regarding"]["name"], view["note"], view["deprecatedCount"],
                view["eventTime"]) == ("events.k8s.io/v1", "p", "pulled", 1, None)
        listed = a.get(f"{EV1}?fieldSelector=regarding.name%3Dweb,reportingController%3Dexample.com/ctl").json()
        assert [i["metadata"]["name"] for i in listed["items"]] == ["web.1"]
        bad = a.get(f"{EV1}?fieldSelector=involvedObject.name%3Dweb")
        assert (bad.status_code, bad.json()["message"]) == (400, "field label not supported: involvedObject.name")
        since = created.json()["metadata"]["resourceVersion"]
        watched = a.get(f"{EV1}?watch=1&timeoutSeconds=1&resourceVersion={since}")
        lines = [line for line in watched.text.splitlines() if line]
        assert '"name":"old"' in lines[0] and '"regarding"' in lines[0]
        missing = a.get(f"{EV1}/nope").json()
        assert (missing["message"], missing["details"]["group"]) == ('events.events.k8s.io "nope" not found',
                                                                     "events.k8s.io")
        assert a.delete(f"{EV1}/old").status_code == 200
        assert a.get(f"{CORE}/old").status_code == 404


def test_events_k8s_io_validation_gives_the_api_servers_messages(local: Local) -> None:
    with api(local) as a:
        body = new_event(reportingController="", eventTime=None, type="Odd")
        response = a.post(EV1, body)
        assert response.status_code == 422, response.text
        got = [(c["field"], c["message"]) for c in response.json()["details"]["causes"]]
        assert ("eventTime", "Required value") in got
        assert ("type", 'Invalid value: "": has invalid value: Odd') in got
        response = a.post(EV1, new_event(reportingController=""))
        got = [(c["field"], c["message"]) for c in response.json()["details"]["causes"]]
        assert ("reportingController", "Required value") in got
        assert a.get(f"{CORE}/web.1").status_code == 404


def test_an_hpa_written_through_v1_is_served_by_v2_and_discovery_prefers_v2(local: Local) -> None:
    with api(local) as a:
        group = a.get("/apis/autoscaling").json()
        assert ([v["version"] for v in group["versions"]], group["preferredVersion"]["version"]) == (["v2", "v1"], "v2")
        body: dict[str, Any] = {"apiVersion": "autoscaling/v1", "kind": "HorizontalPodAutoscaler",
                                "metadata": {"name": "web"},
                "spec": {"scaleTargetRef": {"kind": "Deployment", "name": "web", "apiVersion": "apps/v1"},
                         "maxReplicas": 5, "targetCPUUtilizationPercentage": 70}}
        created = a.post(HPA1, body)
        assert created.status_code == 201, created.text
        assert created.json()["spec"]["minReplicas"] == 1
        v2 = a.get(f"{HPA2}/web").json()
        assert v2["spec"]["metrics"][0]["resource"]["target"]["averageUtilization"] == 70
        patched = a.patch(f"{HPA2}/web", {"spec": {"metrics": [{"type": "Pods", "pods": {
            "metric": {"name": "qps"}, "target": {"type": "AverageValue", "averageValue": "5"}}}]}},
            "application/merge-patch+json")
        assert patched.status_code == 200, patched.text
        v1 = a.get(f"{HPA1}/web").json()
        assert "targetCPUUtilizationPercentage" not in v1["spec"]
        assert autoscalingv1.METRICS in v1["metadata"]["annotations"]
        assert "annotations" not in a.get(f"{HPA2}/web").json()["metadata"]
        table = a.table(HPA1)
        assert [c["name"] for c in table["columnDefinitions"]][:3] == ["Name", "Reference", "Targets"]
        invalid = a.post(HPA1, {**body, "metadata": {"name": "bad"}, "spec": {**body["spec"], "maxReplicas": 0}})
        assert invalid.status_code == 422, invalid.text
