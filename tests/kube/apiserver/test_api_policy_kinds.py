"""RBAC, Ingress, NetworkPolicy, PriorityClass, HorizontalPodAutoscaler, Lease and CSIDriver over the
API: defaults, validation with the API server's messages, printers and the built-in objects."""

from __future__ import annotations

from typing import Any

from pullproof.core.clock import ManualClock
from pullproof.kube.node.heartbeat import renew_leases
from tests.conftest import Local
from tests.kube.api_support import api, pod

RBAC = "/apis/rbac.authorization.k8s.io/v1"
NET = "/apis/networking.k8s.io/v1/namespaces/default"


def causes(response: Any) -> list[tuple[str, str]]:
    assert response.status_code == 422, response.text
    return [(c["field"], c["message"]) for c in response.json()["details"]["causes"]]


def binding(**extra: Any) -> dict[str, Any]:
    return {"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "RoleBinding", "metadata": {"name": "devs"},
            "roleRef": {"kind": "ClusterRole", "name": "edit"},
            "subjects": [{"kind": "User", "name": "alice@contoso.com"}, {"kind": "Group", "name": "devs"},
                         {"kind": "ServiceAccount", "name": "ci", "namespace": "default"}], **extra}


def test_bootstrap_roles_and_the_cluster_admin_binding_exist(local: Local) -> None:
    with api(local) as a:
        names = {r["metadata"]["name"] for r in a.get(f"{RBAC}/clusterroles").json()["items"]}
        assert {"cluster-admin", "admin", "edit", "view", "system:node", "system:kube-scheduler"} <= names
        admin = a.get(f"{RBAC}/clusterrolebindings/cluster-admin").json()
        assert admin["roleRef"] == {"apiGroup": "rbac.authorization.k8s.io", "kind": "ClusterRole",
                                    "name": "cluster-admin"}
        assert admin["subjects"] == [{"kind": "Group", "apiGroup": "rbac.authorization.k8s.io",
                                      "name": "system:masters"}]
        table = a.table(f"{RBAC}/clusterroles/view")
        assert [c["name"] for c in table["columnDefinitions"]] == ["Name", "Created At"]


def test_role_binding_defaults_printer_and_immutable_role_ref(local: Local) -> None:
    with api(local) as a:
        created = a.post(f"{RBAC}/namespaces/default/rolebindings", binding())
        assert created.status_code == 201, created.text
        assert created.json()["roleRef"]["apiGroup"] == "rbac.authorization.k8s.io"
        assert created.json()["subjects"][0]["apiGroup"] == "rbac.authorization.k8s.io"
        row = a.table(f"{RBAC}/namespaces/default/rolebindings")["rows"][0]["cells"]
        assert row[1] == "ClusterRole/edit" and row[3:] == ["alice@contoso.com", "devs", "default/ci"]
        changed = a.patch(f"{RBAC}/namespaces/default/rolebindings/devs", {"roleRef": {"name": "view"}})
        assert causes(changed) == [("roleRef", 'Invalid value: rbac.RoleRef{APIGroup:"rbac.authorization.k8s.io", '
                                               'Kind:"ClusterRole", Name:"view"}: cannot change roleRef')]


def test_binding_and_role_validation(local: Local) -> None:
    with api(local) as a:
        bad = binding(roleRef={"kind": "Thing", "name": ""}, subjects=[{"kind": "Robot", "name": "r"},
                                                                       {"kind": "ServiceAccount", "name": "x"}])
        assert causes(a.post(f"{RBAC}/clusterrolebindings", {**bad, "kind": "ClusterRoleBinding"})) == [
            ("roleRef.kind", 'Unsupported value: "Thing": supported values: "ClusterRole"'),
            ("roleRef.name", "Required value"),
            ("subjects[0].kind", 'Unsupported value: "Robot": supported values: "ServiceAccount", "User", "Group"'),
            ("subjects[1].namespace", "Required value")]
        role = {"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "Role", "metadata": {"name": "r"},
                "rules": [{"apiGroups": [""], "resources": ["pods"]}, {"verbs": ["get"], "nonResourceURLs": ["/x"]}]}
        assert causes(a.post(f"{RBAC}/namespaces/default/roles", role)) == [
            ("rules[0].verbs", "Required value: verbs must contain at least one value"),
            ("rules[1].nonResourceURLs",
             'Invalid value: []string{"/x"}: namespaced rules cannot apply to non-resource URLs')]


def ingress(paths: list[dict[str, Any]], **spec: Any) -> dict[str, Any]:
    return {"apiVersion": "networking.k8s.io/v1", "kind": "Ingress", "metadata": {"name": "web"},
            "spec": {"rules": [{"host": "web.contoso.com", "http": {"paths": paths}}], **spec}}


BACKEND = {"service": {"name": "web", "port": {"number": 80}}}


def test_ingress_needs_a_path_type_and_prints_its_hosts(local: Local) -> None:
    with api(local) as a:
        assert causes(a.post(f"{NET}/ingresses", ingress([{"path": "/", "backend": BACKEND}]))) == [
            ("spec.rules[0].http.paths[0].pathType", "Required value: pathType must be specified")]
        bad = ingress([{"path": "api", "pathType": "Prefix", "backend": {"service": {"name": "web"}}}],
                      tls=[{"hosts": ["Bad_Host"]}])
        found = causes(a.post(f"{NET}/ingresses", bad))
        assert found[:2] == [("spec.rules[0].http.paths[0].path", 'Invalid value: "api": must be an absolute path'),
                             ("spec.rules[0].http.paths[0].backend.service.port",
                              "Required value: port name or number is required")]
        assert found[2][0] == "spec.tls[0].hosts[0]"
        good = ingress([{"path": "/", "pathType": "Prefix", "backend": BACKEND}], ingressClassName="nginx",
                       tls=[{"hosts": ["web.contoso.com"], "secretName": "tls"}])
        created = a.post(f"{NET}/ingresses", good)
        assert created.status_code == 201 and created.json()["status"] == {"loadBalancer": {}}
        table = a.table(f"{NET}/ingresses")
        assert [c["name"] for c in table["columnDefinitions"]] == ["Name", "Class", "Hosts", "Address", "Ports",
                                                                   "Age"]
        assert table["rows"][0]["cells"][:5] == ["web", "nginx", "web.contoso.com", "", "80, 443"]
        classes = a.get("/apis/networking.k8s.io/v1/ingressclasses").json()["items"]
        assert classes == []  # the application routing add-on is not enabled


def test_network_policy_defaults_validation_and_printer(local: Local) -> None:
    with api(local) as a:
        body = {"apiVersion": "networking.k8s.io/v1", "kind": "NetworkPolicy", "metadata": {"name": "db"},
                "spec": {"podSelector": {"matchLabels": {"app": "db"}},
                         "ingress": [{"from": [{"ipBlock": {"cidr": "10.0.0.0/16", "except": ["10.1.0.0/24"]}}],
                                      "ports": [{"port": 70000}]}], "policyTypes": ["Ingress", "Sideways"]}}
        assert causes(a.post(f"{NET}/networkpolicies", body)) == [
            ("spec.ingress[0].ports[0].port", "Invalid value: 70000: must be between 1 and 65535, inclusive"),
            ("spec.ingress[0].from[0].ipBlock.except[0]",
             'Invalid value: "10.1.0.0/24": must be a strict subset of `cidr`'),
            ("spec.policyTypes[1]", 'Unsupported value: "Sideways": supported values: "Egress", "Ingress"')]
        body["spec"] = {"podSelector": {"matchLabels": {"app": "db"}}, "egress": [{"ports": [{"port": 5432}]}]}
        created = a.post(f"{NET}/networkpolicies", body).json()
        assert created["spec"]["policyTypes"] == ["Ingress", "Egress"]
        assert created["spec"]["egress"][0]["ports"][0]["protocol"] == "TCP"
        assert a.table(f"{NET}/networkpolicies")["rows"][0]["cells"][:2] == ["db", "app=db"]


def test_priority_classes_are_built_in_and_admit_pods(local: Local) -> None:
    with api(local) as a:
        table = a.table("/apis/scheduling.k8s.io/v1/priorityclasses")
        assert [c["name"] for c in table["columnDefinitions"]] == ["Name", "Value", "Global-Default", "Age",
                                                                   "PreemptionPolicy"]
        assert sorted((r["cells"][0], r["cells"][1], r["cells"][2]) for r in table["rows"]) == [
            ("system-cluster-critical", 2000000000, False), ("system-node-critical", 2000001000, False)]
        missing = a.post("/api/v1/namespaces/default/pods", pod("p1", priorityClassName="urgent"))
        assert (missing.status_code, missing.json()["message"]) == (
            403, 'pods "p1" is forbidden: no PriorityClass with name urgent was found')
        critical = a.post("/api/v1/namespaces/default/pods", pod("p2", priorityClassName="system-node-critical"))
        assert critical.status_code == 201 and critical.json()["spec"]["priority"] == 2000001000
        reserved = {"apiVersion": "scheduling.k8s.io/v1", "kind": "PriorityClass", "metadata": {"name": "system-x"},
                    "value": 2000000001}
        assert causes(a.post("/apis/scheduling.k8s.io/v1/priorityclasses", reserved)) == [
            ("metadata.name", "Forbidden: priority class names with 'system-' prefix are reserved for system use "
                              "only"),
            ("value", "Forbidden: maximum allowed value of a user defined priority is 1000000000")]


def test_hpa_defaults_validation_and_printer(local: Local) -> None:
    with api(local) as a:
        path = "/apis/autoscaling/v2/namespaces/default/horizontalpodautoscalers"
        body: dict[str, Any] = {"apiVersion": "autoscaling/v2", "kind": "HorizontalPodAutoscaler",
                                "metadata": {"name": "web"},
                "spec": {"scaleTargetRef": {"apiVersion": "apps/v1", "kind": "Deployment", "name": "web"},
                         "maxReplicas": 5}}
        assert causes(a.post(path, {**body, "spec": {**body["spec"], "minReplicas": 0, "maxReplicas": 0}})) == [
            ("spec.minReplicas", "Invalid value: 0: must be greater than or equal to 1"),
            ("spec.maxReplicas", "Invalid value: 0: must be greater than 0")]
        created = a.post(path, body).json()
        assert created["spec"]["minReplicas"] == 1
        assert created["spec"]["metrics"][0]["resource"]["target"] == {"type": "Utilization",
                                                                      "averageUtilization": 80}
        assert a.table(path)["rows"][0]["cells"][:6] == ["web", "Deployment/web", "cpu: <unknown>/80%", "1", 5, 0]


def test_node_leases_are_created_and_renewed_every_ten_seconds(local: Local) -> None:
    with api(local) as a:
        node = {"apiVersion": "v1", "kind": "Node", "metadata": {"name": "aks-nodepool1-1-vmss000000"}}
        a.tracker.create("nodes", "", node)
        assert a.get("/api/v1/namespaces/kube-node-lease").status_code == 200  # the cluster is bootstrapped
        clock = ManualClock(1_800_000_000.0)
        renew_leases(a.tracker, clock)
        path = "/apis/coordination.k8s.io/v1/namespaces/kube-node-lease/leases/aks-nodepool1-1-vmss000000"
        lease = a.get(path).json()
        assert lease["spec"] == {"holderIdentity": "aks-nodepool1-1-vmss000000", "leaseDurationSeconds": 40,
                                 "renewTime": "2027-01-15T08:00:00.000000Z"}
        clock.advance(9.9)
        renew_leases(a.tracker, clock)
        assert a.get(path).json()["metadata"]["resourceVersion"] == lease["metadata"]["resourceVersion"]
        clock.advance(0.1)
        renew_leases(a.tracker, clock)
        assert a.get(path).json()["spec"]["renewTime"] == "2027-01-15T08:00:10.000000Z"
        cells = a.table("/apis/coordination.k8s.io/v1/namespaces/kube-node-lease/leases")["rows"][0]["cells"]
        assert cells[:2] == ["aks-nodepool1-1-vmss000000", "aks-nodepool1-1-vmss000000"]


def test_aks_csi_drivers_exist(local: Local) -> None:
    with api(local) as a:
        table = a.table("/apis/storage.k8s.io/v1/csidrivers")
        assert [r["cells"][:3] for r in table["rows"]] == [["disk.csi.azure.com", True, False],
                                                           ["file.csi.azure.com", False, True]]




def test_watch_true_in_any_case_is_a_watch(local: Local) -> None:
    """The Python client sends ``watch=True``: the API server reads any value but 0/false as true."""
    with api(local) as a:
        response = a.get("/apis/scheduling.k8s.io/v1/priorityclasses?watch=True&timeoutSeconds=1")
        lines = [line for line in response.text.splitlines() if line]
        assert len(lines) == 2 and all('"type":"ADDED"' in line for line in lines), response.text[:200]
        assert a.get("/apis/scheduling.k8s.io/v1/priorityclasses?watch=false").json()["kind"] == "PriorityClassList"
