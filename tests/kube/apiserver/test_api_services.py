"""Services, claims, quotas and limit ranges through the in-process API server: defaults, ClusterIP and
NodePort allocation, the API server's Invalid and Forbidden messages, and the printers' cells."""

from __future__ import annotations

from typing import Any

from tests.conftest import Local
from tests.kube.api_support import Api, api

SVC = "/api/v1/namespaces/default/services"


def _svc(name: str = "web", **spec: Any) -> dict[str, Any]:
    return {"apiVersion": "v1", "kind": "Service", "metadata": {"name": name},
            "spec": {"selector": {"app": name}, "ports": [{"port": 80}], **spec}}


def _message(a: Api, path: str, body: dict[str, Any], status: int = 422) -> str:
    response = a.post(path, body)
    assert response.status_code == status, response.text
    return str(response.json()["message"])


def test_a_service_is_defaulted_and_gets_a_cluster_ip_from_the_aks_range(local: Local) -> None:
    with api(local) as a:
        a.get("/api/v1/namespaces")  # the cluster's own objects
        kubernetes = a.get(f"{SVC}/kubernetes").json()
        assert kubernetes["spec"]["clusterIP"] == "10.0.0.1"
        assert a.get("/api/v1/namespaces/kube-system/services/kube-dns").json()["spec"]["clusterIP"] == "10.0.0.10"
        created = a.post(SVC, _svc()).json()
        spec = created["spec"]
        assert spec["type"] == "ClusterIP" and spec["sessionAffinity"] == "None"
        assert spec["ports"] == [{"port": 80, "protocol": "TCP", "targetPort": 80}]
        assert spec["ipFamilies"] == ["IPv4"] and spec["ipFamilyPolicy"] == "SingleStack"
        assert spec["internalTrafficPolicy"] == "Cluster"
        assert spec["clusterIP"].startswith("10.0.") and spec["clusterIPs"] == [spec["clusterIP"]]
        assert spec["clusterIP"] not in ("10.0.0.1", "10.0.0.10")
        lb = a.post(SVC, _svc("lb", type="LoadBalancer")).json()["spec"]
        assert lb["externalTrafficPolicy"] == "Cluster" and lb["allocateLoadBalancerNodePorts"] is True
        assert 30000 <= lb["ports"][0]["nodePort"] <= 32767
        headless = a.post(SVC, _svc("db", clusterIP="None", ports=[])).json()["spec"]
        assert headless["clusterIP"] == "None"


def test_invalid_services_get_the_api_servers_messages(local: Local) -> None:
    with api(local) as a:
        assert _message(a, SVC, _svc(ports=[])) == 'Service "web" is invalid: spec.ports: Required value'
        two = [{"port": 80}, {"port": 443}]
        assert _message(a, SVC, _svc(ports=two)) == (
            'Service "web" is invalid: [spec.ports[0].name: Required value, spec.ports[1].name: Required value]')
        dup = [{"name": "http", "port": 80}, {"name": "http", "port": 81}]
        assert _message(a, SVC, _svc(ports=dup)) == (
            'Service "web" is invalid: spec.ports[1].name: Duplicate value: "http"')
        assert _message(a, SVC, _svc(ports=[{"port": 70000}])) == (
            'Service "web" is invalid: [spec.ports[0].port: Invalid value: 70000: must be between 1 and 65535, '
            "inclusive, spec.ports[0].targetPort: Invalid value: 70000: must be between 1 and 65535, inclusive]")
        assert _message(a, SVC, _svc(type="Foo")) == (
            'Service "web" is invalid: spec.type: Unsupported value: "Foo": supported values: "ClusterIP", '
            '"ExternalName", "LoadBalancer", "NodePort"')
        response = a.post(SVC, _svc(clusterIP="10.1.2.3"))
        assert response.json()["message"] == (
            'Service "web" is invalid: spec.clusterIPs: Invalid value: []string{"10.1.2.3"}: failed to allocate IP '
            "10.1.2.3: the provided IP (10.1.2.3) is not in the valid range. The range of valid IPs is 10.0.0.0/16")
        assert response.json()["details"]["causes"][0]["field"] == "spec.clusterIPs"
        assert _message(a, SVC, _svc(clusterIP="10.0.0.10")) == (
            'Service "web" is invalid: spec.clusterIPs: Invalid value: []string{"10.0.0.10"}: failed to allocate IP '
            "10.0.0.10: provided IP is already allocated")
        assert a.get(f"{SVC}/web").status_code == 404


def test_the_cluster_ip_may_not_change_and_an_update_keeps_allocations(local: Local) -> None:
    with api(local) as a:
        created = a.post(SVC, _svc(type="NodePort", clusterIP="10.0.5.5")).json()
        node_port = created["spec"]["ports"][0]["nodePort"]
        replaced = a.put(f"{SVC}/web", {**_svc(type="NodePort"), "metadata": created["metadata"]}).json()
        assert replaced["spec"]["clusterIP"] == "10.0.5.5" and replaced["spec"]["ports"][0]["nodePort"] == node_port
        moved = a.patch(f"{SVC}/web", {"spec": {"clusterIP": "10.0.5.6", "clusterIPs": ["10.0.5.6"]}})
        assert moved.status_code == 422
        assert moved.json()["message"] == ('Service "web" is invalid: spec.clusterIPs[0]: Invalid value: '
                                           '[]string{"10.0.5.6"}: may not change once set')
        back = a.patch(f"{SVC}/web", {"spec": {"type": "ClusterIP"}}).json()
        assert "nodePort" not in back["spec"]["ports"][0]


def test_service_and_endpoints_rows_print_as_kubectl(local: Local) -> None:
    with api(local) as a:
        a.post(SVC, _svc(clusterIP="10.0.7.7"))
        a.post(SVC, _svc("np", type="NodePort", clusterIP="10.0.7.8", ports=[{"port": 80, "nodePort": 31234}]))
        rows = {r["cells"][0]: r["cells"] for r in a.table(SVC)["rows"]}
        assert rows["web"][:5] == ["web", "ClusterIP", "10.0.7.7", "<none>", "80/TCP"]
        assert rows["web"][6] == "app=web"
        assert rows["np"][:5] == ["np", "NodePort", "10.0.7.8", "<none>", "80:31234/TCP"]
        assert [c["name"] for c in a.table(SVC)["columnDefinitions"]] == [
            "Name", "Type", "Cluster-IP", "External-IP", "Port(s)", "Age", "Selector"]
        a.tracker.create("endpoints", "default", {
            "apiVersion": "v1", "kind": "Endpoints", "metadata": {"name": "many", "namespace": "default"},
            "subsets": [{"addresses": [{"ip": f"10.244.0.{i}"} for i in (5, 6, 7, 8)], "ports": [{"port": 80}]}]})
        endpoints = {r["cells"][0]: r["cells"][1] for r in a.table("/api/v1/namespaces/default/endpoints")["rows"]}
        assert endpoints["many"] == "10.244.0.5:80,10.244.0.6:80,10.244.0.7:80 + 1 more..."
        assert endpoints["kubernetes"].endswith(":443")


def test_a_claim_gets_the_default_class_and_the_aks_classes_print(local: Local) -> None:
    with api(local) as a:
        a.get("/api/v1/namespaces")
        claim = {"apiVersion": "v1", "kind": "PersistentVolumeClaim", "metadata": {"name": "data"},
                 "spec": {"accessModes": ["ReadWriteOnce"], "resources": {"requests": {"storage": "5Gi"}}}}
        created = a.post("/api/v1/namespaces/default/persistentvolumeclaims", claim).json()
        assert created["spec"]["storageClassName"] == "default" and created["status"] == {"phase": "Pending"}
        bad = {**claim, "metadata": {"name": "bad"}, "spec": {"resources": {"requests": {}}}}
        assert _message(a, "/api/v1/namespaces/default/persistentvolumeclaims", bad) == (
            'PersistentVolumeClaim "bad" is invalid: [spec.accessModes: Required value: at least 1 access mode is '
            "required, spec.resources[storage]: Required value]")
        rows = {r["cells"][0]: r["cells"] for r in a.table("/apis/storage.k8s.io/v1/storageclasses")["rows"]}
        assert rows["default (default)"][1:5] == ["disk.csi.azure.com", "Delete", "WaitForFirstConsumer", True]
        assert rows["azurefile-csi"][1:5] == ["file.csi.azure.com", "Delete", "Immediate", True]
        assert len(rows) == 9
        pvc = a.table("/api/v1/namespaces/default/persistentvolumeclaims")["rows"][0]["cells"]
        assert pvc[:7] == ["data", "Pending", "", "", "", "default", "<unset>"]


QUOTA = {"apiVersion": "v1", "kind": "ResourceQuota", "metadata": {"name": "q"},
         "spec": {"hard": {"pods": "1", "cpu": "1"}}}


def _pod(name: str, cpu: str | None = "200m") -> dict[str, Any]:
    resources = {"requests": {"cpu": cpu}} if cpu else {}
    return {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": name},
            "spec": {"containers": [{"name": "app", "image": "nginx:1", "resources": resources}]}}


def test_a_quota_refuses_what_exceeds_it_with_the_plugins_message(local: Local) -> None:
    with api(local) as a:
        a.get("/api/v1/namespaces")
        assert a.post("/api/v1/namespaces/default/resourcequotas", QUOTA).status_code == 201
        pods = "/api/v1/namespaces/default/pods"
        response = a.post(pods, _pod("nocpu", None))
        assert response.status_code == 403
        assert response.json()["message"] == 'pods "nocpu" is forbidden: failed quota: q: must specify cpu for: app'
        assert a.post(pods, _pod("one")).status_code == 201
        assert _message(a, pods, _pod("two"), 403) == (
            'pods "two" is forbidden: exceeded quota: q, requested: pods=1, used: pods=1, limited: pods=1')


def test_a_limit_range_defaults_containers_and_refuses_too_much(local: Local) -> None:
    with api(local) as a:
        a.get("/api/v1/namespaces")
        limits = {"apiVersion": "v1", "kind": "LimitRange", "metadata": {"name": "lr"},
                  "spec": {"limits": [{"type": "Container", "max": {"cpu": "1"}, "default": {"cpu": "500m"},
                                       "defaultRequest": {"cpu": "100m"}}]}}
        stored = a.post("/api/v1/namespaces/default/limitranges", limits).json()
        assert stored["spec"]["limits"][0]["default"] == {"cpu": "500m"}
        pod = a.post("/api/v1/namespaces/default/pods", _pod("p", None)).json()
        assert pod["spec"]["containers"][0]["resources"] == {"requests": {"cpu": "100m"}, "limits": {"cpu": "500m"}}
        assert pod["metadata"]["annotations"]["kubernetes.io/limit-ranger"] == (
            "LimitRanger plugin set: cpu request for container app; cpu limit for container app")
        big = _pod("big")
        big["spec"]["containers"][0]["resources"] = {"limits": {"cpu": "2"}}
        assert _message(a, "/api/v1/namespaces/default/pods", big, 403) == (
            'pods "big" is forbidden: maximum cpu usage per Container is 1, but limit is 2')
