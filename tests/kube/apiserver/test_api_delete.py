"""Deletion: graceful pods handed to the kubelet, cascading, finalizers, collections, namespaces;
and the /status and /scale subresources."""

from __future__ import annotations

from tests.conftest import Local
from tests.kube.api_support import api, deployment, pod

PODS = "/api/v1/namespaces/default/pods"
DEPLOYMENTS = "/apis/apps/v1/namespaces/default/deployments"


def test_a_pod_on_a_node_is_deleted_gracefully_and_left_to_the_kubelet(local: Local) -> None:
    with api(local) as k:
        k.post(PODS, pod("web"))
        bound = k.tracker.get("pods", "default", "web")
        bound["spec"]["nodeName"] = "aks-nodepool1-12345678-vmss000000"
        k.tracker.update("pods", "default", bound)
        response = k.delete(f"{PODS}/web", {"propagationPolicy": "Background"})
        assert response.status_code == 200
        meta = response.json()["metadata"]
        assert meta["deletionGracePeriodSeconds"] == 30 and meta["deletionTimestamp"]
        assert k.get(f"{PODS}/web").status_code == 200
        table = k.table(PODS)
        assert table["rows"][0]["cells"][2] == "Terminating"
        again = k.delete(f"{PODS}/web").json()
        assert again["metadata"]["resourceVersion"] == k.tracker.get("pods", "default", "web")["metadata"][
            "resourceVersion"]
        k.tracker.delete("pods", "default", "web")  # the kubelet's part
        assert k.get(f"{PODS}/web").status_code == 404


def test_unscheduled_pods_and_forced_deletes_go_at_once(local: Local) -> None:
    with api(local) as k:
        k.post(PODS, pod("a"))
        gone = k.delete(f"{PODS}/a")
        assert gone.status_code == 200 and gone.json()["kind"] == "Pod"
        assert k.get(f"{PODS}/a").status_code == 404
        k.post(PODS, pod("b", nodeName="node-1"))
        assert k.delete(f"{PODS}/b?gracePeriodSeconds=0").status_code == 200
        assert k.get(f"{PODS}/b").status_code == 404


def test_other_kinds_answer_a_success_status(local: Local) -> None:
    with api(local) as k:
        uid = k.post("/api/v1/namespaces/default/secrets", {"metadata": {"name": "s"}}).json()["metadata"]["uid"]
        body = k.delete("/api/v1/namespaces/default/secrets/s").json()
        assert body == {"kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Success",
                        "details": {"name": "s", "kind": "secrets", "uid": uid}}
        assert k.delete("/api/v1/namespaces/default/secrets/s").status_code == 404


def test_deleting_a_deployment_cascades_to_its_replica_sets_and_pods(local: Local) -> None:
    with api(local) as k:
        owner = k.post(DEPLOYMENTS, deployment()).json()
        ref = {"apiVersion": "apps/v1", "kind": "Deployment", "name": "guestbook-app", "uid": owner["metadata"]["uid"],
               "controller": True, "blockOwnerDeletion": True}
        rs = k.tracker.create("replicasets.apps", "default", {"metadata": {"name": "guestbook-app-1",
                                                                          "ownerReferences": [ref]}})
        rs_ref = {**ref, "kind": "ReplicaSet", "name": "guestbook-app-1", "uid": rs["metadata"]["uid"]}
        k.tracker.create("pods", "default", {"metadata": {"name": "guestbook-app-1-x", "ownerReferences": [rs_ref]},
                                             "spec": {}})
        assert k.delete(f"{DEPLOYMENTS}/guestbook-app", {"propagationPolicy": "Background"}).status_code == 200
        assert k.tracker.list("replicasets.apps")[0] == []
        assert k.tracker.list("pods")[0] == []


def test_orphaning_keeps_dependents_without_the_owner_reference(local: Local) -> None:
    with api(local) as k:
        owner = k.post(DEPLOYMENTS, deployment()).json()
        ref = {"kind": "Deployment", "name": "guestbook-app", "uid": owner["metadata"]["uid"]}
        k.tracker.create("replicasets.apps", "default", {"metadata": {"name": "rs", "ownerReferences": [ref]}})
        k.delete(f"{DEPLOYMENTS}/guestbook-app", {"propagationPolicy": "Orphan"})
        assert "ownerReferences" not in k.tracker.get("replicasets.apps", "default", "rs")["metadata"]


def test_finalizers_hold_the_object_until_removed(local: Local) -> None:
    with api(local) as k:
        k.post("/api/v1/namespaces/default/configmaps", {"metadata": {"name": "c", "finalizers": ["example/x"]}})
        held = k.delete("/api/v1/namespaces/default/configmaps/c").json()
        assert held["metadata"]["deletionTimestamp"]
        current = k.get("/api/v1/namespaces/default/configmaps/c").json()
        current["metadata"]["finalizers"] = []
        assert k.put("/api/v1/namespaces/default/configmaps/c", current).status_code == 200
        assert k.get("/api/v1/namespaces/default/configmaps/c").status_code == 404


def test_preconditions_and_dry_run(local: Local) -> None:
    with api(local) as k:
        k.post(PODS, pod("p"))
        conflict = k.delete(f"{PODS}/p", {"preconditions": {"uid": "nope"}})
        assert conflict.status_code == 409
        assert conflict.json()["message"].startswith("Precondition failed: UID in precondition: nope")
        assert k.delete(f"{PODS}/p?dryRun=All").status_code == 200
        assert k.get(f"{PODS}/p").status_code == 200


def test_delete_collection_by_label(local: Local) -> None:
    with api(local) as k:
        for name, app in (("a", "x"), ("b", "x"), ("c", "y")):
            body = pod(name)
            body["metadata"]["labels"] = {"app": app}
            k.post(PODS, body)
        deleted = k.delete(f"{PODS}?labelSelector=app%3Dx").json()
        assert deleted["kind"] == "PodList" and [p["metadata"]["name"] for p in deleted["items"]] == ["a", "b"]
        assert [p["metadata"]["name"] for p in k.get(PODS).json()["items"]] == ["c"]


def test_deleting_a_namespace_removes_its_content(local: Local) -> None:
    with api(local) as k:
        k.post("/api/v1/namespaces", {"metadata": {"name": "team"}})
        k.post("/api/v1/namespaces/team/secrets", {"metadata": {"name": "s"}})
        deleted = k.delete("/api/v1/namespaces/team").json()
        assert deleted["status"]["phase"] == "Terminating"
        assert k.get("/api/v1/namespaces/team").status_code == 404
        assert k.tracker.list("secrets", "team")[0] == []
        immortal = k.delete("/api/v1/namespaces/default").json()
        assert (immortal["code"], immortal["message"]) == (403, 'namespaces "default" is forbidden: this namespace '
                                                                "may not be deleted")


def test_status_subresource_writes_only_status(local: Local) -> None:
    with api(local) as k:
        k.post(DEPLOYMENTS, deployment())
        current = k.get(f"{DEPLOYMENTS}/guestbook-app/status").json()
        current["status"] = {"observedGeneration": 1, "replicas": 2}
        current["spec"]["replicas"] = 9
        updated = k.put(f"{DEPLOYMENTS}/guestbook-app/status", current).json()
        assert updated["status"] == {"observedGeneration": 1, "replicas": 2} and updated["spec"]["replicas"] == 2
        patched = k.patch(f"{DEPLOYMENTS}/guestbook-app/status", {"status": {"readyReplicas": 1}},
                          "application/merge-patch+json").json()
        assert patched["status"]["readyReplicas"] == 1 and patched["metadata"]["generation"] == 1


def test_scale_subresource(local: Local) -> None:
    with api(local) as k:
        k.post(DEPLOYMENTS, deployment())
        scale = k.get(f"{DEPLOYMENTS}/guestbook-app/scale").json()
        assert scale["kind"] == "Scale" and scale["apiVersion"] == "autoscaling/v1"
        assert scale["spec"] == {"replicas": 2} and scale["status"] == {"replicas": 0, "selector": "app=guestbook"}
        scale["spec"]["replicas"] = 4
        assert k.put(f"{DEPLOYMENTS}/guestbook-app/scale", scale).json()["spec"]["replicas"] == 4
        patched = k.patch(f"{DEPLOYMENTS}/guestbook-app/scale", {"spec": {"replicas": 1}},
                          "application/merge-patch+json").json()
        assert patched["spec"]["replicas"] == 1
        assert k.get(f"{DEPLOYMENTS}/guestbook-app").json()["metadata"]["generation"] == 3
        negative = k.patch(f"{DEPLOYMENTS}/guestbook-app/scale", {"spec": {"replicas": -1}},
                           "application/merge-patch+json")
        assert negative.status_code == 422
