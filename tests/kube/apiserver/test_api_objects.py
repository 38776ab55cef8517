"""Create, get, list, update: Status errors, defaulting, admission, validation and generation."""

from __future__ import annotations

from tests.conftest import Local
from tests.kube.api_support import api, deployment, pod

PODS = "/api/v1/namespaces/default/pods"
DEPLOYMENTS = "/apis/apps/v1/namespaces/default/deployments"
SECRETS = "/api/v1/namespaces/default/secrets"


def test_not_found_and_already_exist_are_real_status_objects(local: Local) -> None:
    with api(local) as k:
        missing = k.get(f"{PODS}/nosuch")
        assert missing.status_code == 404
        assert missing.json()["message"] == 'pods "nosuch" not found'
        assert missing.json()["details"] == {"name": "nosuch", "kind": "pods"}
        missing = k.get(f"{DEPLOYMENTS}/nosuch").json()
        assert missing["message"] == 'deployments.apps "nosuch" not found'
        assert missing["details"] == {"name": "nosuch", "group": "apps", "kind": "deployments"}
        secret = {"metadata": {"name": "acr-secret"}, "stringData": {"token": "abc"}}
        created = k.post(SECRETS, secret).json()
        assert (created["type"], created["data"]) == ("Opaque", {"token": "YWJj"}) and "stringData" not in created
        again = k.post(SECRETS, secret)
        assert (again.status_code, again.json()["message"]) == (409, 'secrets "acr-secret" already exists')


def test_creating_in_a_missing_namespace_is_404(local: Local) -> None:
    with api(local) as k:
        response = k.post("/api/v1/namespaces/nope/secrets", {"metadata": {"name": "s"}})
        assert response.status_code == 404
        assert response.json()["message"] == 'namespaces "nope" not found'


def test_a_new_namespace_gets_its_default_service_account(local: Local) -> None:
    with api(local) as k:
        created = k.post("/api/v1/namespaces", {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "team"}})
        assert created.status_code == 201
        body = created.json()
        assert body["status"] == {"phase": "Active"} and body["spec"] == {"finalizers": ["kubernetes"]}
        assert body["metadata"]["labels"] == {"kubernetes.io/metadata.name": "team"}
        assert k.get("/api/v1/namespaces/team/serviceaccounts/default").status_code == 200


def test_pod_defaults_and_service_account_admission(local: Local) -> None:
    with api(local) as k:
        k.patch("/api/v1/namespaces/default/serviceaccounts/default", {"imagePullSecrets": [{"name": "acr-auth"}]})
        created = k.post(PODS, pod("p1", image="acrwizdev.azurecr.io/guestbook",
                                   containers=[{"name": "g", "image": "acrwizdev.azurecr.io/guestbook",
                                                "ports": [{"containerPort": 80}]}]))
        assert created.status_code == 201, created.text
        spec = created.json()["spec"]
        container = spec["containers"][0]
        assert container["imagePullPolicy"] == "Always"
        assert container["ports"] == [{"containerPort": 80, "protocol": "TCP"}]
        assert container["terminationMessagePath"] == "/dev/termination-log"
        assert container["volumeMounts"][0]["mountPath"] == "/var/run/secrets/kubernetes.io/serviceaccount"
        assert spec["volumes"][0]["name"].startswith("kube-api-access-")
        assert spec["imagePullSecrets"] == [{"name": "acr-auth"}]
        assert (spec["serviceAccountName"], spec["dnsPolicy"], spec["restartPolicy"]) == \
            ("default", "ClusterFirst", "Always")
        assert (spec["schedulerName"], spec["terminationGracePeriodSeconds"], spec["priority"]) == \
            ("default-scheduler", 30, 0)
        assert [t["key"] for t in spec["tolerations"]] == ["node.kubernetes.io/not-ready",
                                                           "node.kubernetes.io/unreachable"]
        assert created.json()["status"] == {"phase": "Pending", "qosClass": "BestEffort"}
        own = k.post(PODS, pod("p2", imagePullSecrets=[{"name": "mine"}])).json()["spec"]
        assert own["imagePullSecrets"] == [{"name": "mine"}] and own["containers"][0]["imagePullPolicy"] == \
            "IfNotPresent"


def test_a_missing_service_account_forbids_the_pod(local: Local) -> None:
    with api(local) as k:
        k.delete("/api/v1/namespaces/default/serviceaccounts/default")
        response = k.post(PODS, {"metadata": {"generateName": "guestbook-app-5d7c9b8f4d-"},
                                 "spec": {"containers": [{"name": "g", "image": "x"}]}})
        assert response.status_code == 403
        assert response.json()["message"] == ('pods "guestbook-app-5d7c9b8f4d-" is forbidden: error looking up '
                                               'service account default/default: serviceaccount "default" not found')


def test_generate_name_and_dry_run(local: Local) -> None:
    with api(local) as k:
        dry = k.post(f"{PODS}?dryRun=All", pod("dry"))
        assert dry.status_code == 201 and dry.json()["metadata"]["uid"]
        assert k.get(f"{PODS}/dry").status_code == 404
        made = k.post(PODS, {"metadata": {"generateName": "web-"}, "spec": {"containers": [{"name": "w",
                                                                                         "image": "nginx"}]}})
        name = made.json()["metadata"]["name"]
        assert name.startswith("web-") and len(name) == 9
        assert set(name[4:]) <= set("bcdfghjklmnpqrstvwxz2456789")


def test_validation_messages(local: Local) -> None:
    with api(local) as k:
        bad = k.post(SECRETS, {"metadata": {"name": "Bad_Name"}}).json()
        assert bad["code"] == 422 and bad["reason"] == "Invalid"
        assert bad["message"].startswith('Secret "Bad_Name" is invalid: metadata.name: Invalid value: "Bad_Name": '
                                         "a lowercase RFC 1123 subdomain must consist of")
        assert bad["details"]["causes"][0]["field"] == "metadata.name"
        ns = k.post("/api/v1/namespaces", {"metadata": {"name": "a.b"}}).json()
        assert "a lowercase RFC 1123 label must consist of" in ns["message"]
        nameless = k.post(SECRETS, {"metadata": {}}).json()
        assert nameless["message"] == 'Secret "" is invalid: metadata.name: Required value: name or generateName is ' \
                                      "required"
        empty = k.post(PODS, {"metadata": {"name": "p"}, "spec": {"containers": [{"name": "c"}]}}).json()
        assert empty["message"] == 'Pod "p" is invalid: spec.containers[0].image: Required value'
        body = deployment()
        body["spec"]["template"]["metadata"]["labels"] = {"app": "other"}
        mismatch = k.post(DEPLOYMENTS, body).json()
        assert mismatch["message"] == ('Deployment.apps "guestbook-app" is invalid: spec.template.metadata.labels: '
                                       'Invalid value: map[string]string{"app":"other"}: `selector` does not match '
                                       "template `labels`")
        assert mismatch["details"]["group"] == "apps" and mismatch["details"]["kind"] == "Deployment"
        del body["spec"]["selector"]
        missing = k.post(DEPLOYMENTS, body).json()  # nothing is selected, so the labels are reported as well
        assert [c["field"] for c in missing["details"]["causes"]] == ["spec.selector", "spec.template.metadata.labels"]
        assert missing["message"].startswith('Deployment.apps "guestbook-app" is invalid: [spec.selector: Required '
                                             "value, spec.template.metadata.labels: Invalid value: ")
        body["spec"]["selector"] = {}
        empty_selector = k.post(DEPLOYMENTS, body).json()  # an empty selector is refused but selects everything
        assert [c["field"] for c in empty_selector["details"]["causes"]] == ["spec.selector"]


def test_strict_and_warned_unknown_fields_and_type_errors(local: Local) -> None:
    with api(local) as k:
        body = deployment()
        body["spec"]["template"]["spec"]["containers"][0]["imagePullPolice"] = "Always"
        strict = k.post(f"{DEPLOYMENTS}?fieldValidation=Strict", body)
        assert strict.status_code == 400
        assert strict.json()["message"] == ('Deployment in version "v1" cannot be handled as a Deployment: strict '
                                            'decoding error: unknown field "spec.template.spec.containers[0].'
                                            'imagePullPolice"')
        warned = k.post(DEPLOYMENTS, body)
        assert warned.status_code == 201
        assert warned.headers["warning"] == \
            '299 - "unknown field \\"spec.template.spec.containers[0].imagePullPolice\\""'
        assert "imagePullPolice" not in warned.json()["spec"]["template"]["spec"]["containers"][0]
        typed = k.post(DEPLOYMENTS, {**deployment("other"), "spec": {**deployment()["spec"], "replicas": "2"}})
        assert typed.json()["message"] == ('Deployment in version "v1" cannot be handled as a Deployment: json: cannot '
                                           "unmarshal string into Go struct field DeploymentSpec.spec.replicas of "
                                           "type int32")
        wrong = k.post(DEPLOYMENTS, {**deployment("x"), "apiVersion": "apps/v1beta1"})
        assert wrong.json()["message"] == ("the API version in the data (apps/v1beta1) does not match the expected "
                                           "API version (apps/v1)")


def test_deployment_defaults_and_generation(local: Local) -> None:
    with api(local) as k:
        created = k.post(DEPLOYMENTS, deployment()).json()
        spec = created["spec"]
        assert created["metadata"]["generation"] == 1
        assert spec["strategy"] == {"type": "RollingUpdate", "rollingUpdate": {"maxUnavailable": "25%",
                                                                               "maxSurge": "25%"}}
        assert (spec["revisionHistoryLimit"], spec["progressDeadlineSeconds"]) == (10, 600)
        assert spec["template"]["metadata"]["creationTimestamp"] is None
        assert spec["template"]["spec"]["containers"][0]["imagePullPolicy"] == "IfNotPresent"
        created["metadata"]["labels"] = {"team": "a"}
        assert k.put(f"{DEPLOYMENTS}/guestbook-app", created).json()["metadata"]["generation"] == 1
        current = k.get(f"{DEPLOYMENTS}/guestbook-app").json()
        current["spec"]["replicas"] = 3
        updated = k.put(f"{DEPLOYMENTS}/guestbook-app", current).json()
        assert updated["metadata"]["generation"] == 2
        stale = k.put(f"{DEPLOYMENTS}/guestbook-app", current)
        assert stale.status_code == 409
        assert stale.json()["message"] == ('Operation cannot be fulfilled on deployments.apps "guestbook-app": the '
                                           "object has been modified; please apply your changes to the latest "
                                           "version and try again")


def test_updates_keep_status_and_refuse_immutable_changes(local: Local) -> None:
    with api(local) as k:
        k.post(PODS, pod("p"))
        current = k.get(f"{PODS}/p").json()
        current["status"] = {"phase": "Running"}
        current["metadata"]["labels"]["x"] = "y"
        kept = k.put(f"{PODS}/p", current).json()
        assert kept["status"]["phase"] == "Pending" and kept["metadata"]["labels"]["x"] == "y"
        kept["spec"]["restartPolicy"] = "Never"
        refused = k.put(f"{PODS}/p", kept).json()
        assert refused["code"] == 422
        assert refused["message"].startswith('Pod "p" is invalid: spec: Forbidden: pod updates may not change fields '
                                             "other than `spec.containers[*].image`")
        deploy = k.post(DEPLOYMENTS, deployment()).json()
        deploy["spec"]["selector"] = {"matchLabels": {"app": "x"}}
        deploy["spec"]["template"]["metadata"]["labels"] = {"app": "x"}
        immutable = k.put(f"{DEPLOYMENTS}/guestbook-app", deploy).json()
        assert immutable["message"].endswith("field is immutable")


def test_list_selectors_and_pages(local: Local) -> None:
    with api(local) as k:
        for index in range(5):
            body = pod(f"p{index}")
            body["metadata"]["labels"] = {"app": "guestbook", "n": str(index % 2)}
            k.post(PODS, body)
        odd = k.get(f"{PODS}?labelSelector=n%3D1").json()["items"]
        assert [p["metadata"]["name"] for p in odd] == ["p1", "p3"]
        assert "kind" not in odd[0]
        one = k.get(f"{PODS}?fieldSelector=metadata.name%3Dp2").json()["items"]
        assert [p["metadata"]["name"] for p in one] == ["p2"]
        page = k.get(f"{PODS}?limit=2").json()
        assert [p["metadata"]["name"] for p in page["items"]] == ["p0", "p1"]
        assert page["metadata"]["remainingItemCount"] == 3
        rest = k.get(f"{PODS}?limit=10&continue={page['metadata']['continue']}").json()
        assert [p["metadata"]["name"] for p in rest["items"]] == ["p2", "p3", "p4"]
        everywhere = k.get("/api/v1/pods").json()
        assert everywhere["kind"] == "PodList" and len(everywhere["items"]) == 5
        bad = k.get(f"{PODS}?fieldSelector=spec.foo%3Dx")
        assert (bad.status_code, bad.json()["message"]) == (400, "field label not supported: spec.foo")


def test_events_from_other_components_are_found_by_involved_object(local: Local) -> None:
    with api(local) as k:
        uid = k.post(PODS, pod("web")).json()["metadata"]["uid"]
        for name, target in (("web.1", "web"), ("other.1", "other")):
            k.tracker.create("events", "default", {
                "apiVersion": "v1", "kind": "Event", "metadata": {"name": name},
                "involvedObject": {"kind": "Pod", "namespace": "default", "name": target, "uid": uid},
                "reason": "Pulling", "message": "Pulling image", "type": "Normal", "count": 1})
        found = k.get("/api/v1/namespaces/default/events?fieldSelector=involvedObject.name%3Dweb%2C"
                      f"involvedObject.namespace%3Ddefault%2CinvolvedObject.uid%3D{uid}&limit=500").json()
        assert [e["metadata"]["name"] for e in found["items"]] == ["web.1"]
