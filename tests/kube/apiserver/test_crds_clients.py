"""The real kubectl 1.32 and the official Python client against CustomResourceDefinitions and their
custom resources: apply, wait for Established, printer columns, short names, deletion of the CRD."""

from __future__ import annotations

import json
import threading
from pathlib import Path
from typing import Any

import yaml
from kubernetes import client as k8s
from kubernetes import watch as k8s_watch

from tests.kube import test_kubectl as base
from tests.kube.apiserver.crd_support import crd, crontab
from tests.kube.inprocess import InProcessServer

server = base.server
kubectl = base.kubectl


def _write(k: base.Kubectl, name: str, body: dict[str, Any]) -> Path:
    path = k.home / name
    path.write_text(yaml.safe_dump(body))
    return path


def test_kubectl_installs_a_crd_and_serves_its_resources(kubectl: base.Kubectl) -> None:
    applied = kubectl("apply", "-f", str(_write(kubectl, "crd.yaml", crd())))
    assert applied.stdout == "customresourcedefinition.apiextensions.k8s.io/crontabs.stable.example.com created\n", \
        applied.stderr
    waited = kubectl("wait", "--for", "condition=established", "crd/crontabs.stable.example.com", "--timeout=20s")
    assert waited.stdout == "customresourcedefinition.apiextensions.k8s.io/crontabs.stable.example.com condition " \
                            "met\n", waited.stderr
    crds = kubectl("get", "crd").stdout.splitlines()
    assert crds[0].split() == ["NAME", "CREATED", "AT"]
    assert crds[1].split()[0] == "crontabs.stable.example.com"
    created = kubectl("apply", "-f", str(_write(kubectl, "cr.yaml", crontab())))
    assert created.stdout == "crontab.stable.example.com/my-cron created\n", created.stderr
    again = kubectl("apply", "-f", str(_write(kubectl, "cr.yaml", crontab(image="v2"))))
    assert again.stdout == "crontab.stable.example.com/my-cron configured\n", again.stderr
    listed = kubectl("get", "crontabs").stdout.splitlines()
    assert listed[0].split() == ["NAME", "SPEC", "REPLICAS", "AGE"]
    assert listed[1].split()[:7] == ["my-cron", "*", "*", "*", "*", "*/5", "1"]
    short = kubectl("get", "ct", "my-cron", "-o", "jsonpath={.spec.image} {.metadata.generation}")
    assert short.stdout == "v2 2", short.stderr
    bad = kubectl("apply", "-f", str(_write(kubectl, "bad.yaml", crontab("bad", replicas="two"))))
    assert bad.returncode == 1
    assert 'spec.replicas: Invalid value: "string": spec.replicas in body must be of type integer: "string"' in \
        bad.stderr
    deleted = kubectl("delete", "crd", "crontabs.stable.example.com")
    assert deleted.stdout == "customresourcedefinition.apiextensions.k8s.io \"crontabs.stable.example.com\" " \
                             "deleted\n", deleted.stderr
    assert kubectl.cluster.tracker.list("crontabs.stable.example.com")[0] == []
    gone = kubectl("get", "crontabs")
    assert gone.returncode == 1
    assert gone.stderr == ('Error from server (NotFound): Unable to list "stable.example.com/v1, Resource=crontabs": '
                           "the server could not find the requested resource\n")  # kubectl's discovery cache


def _client(server: InProcessServer, host: str) -> k8s.ApiClient:
    config = k8s.Configuration(host=f"https://{host}:443", api_key={"authorization": "Bearer tok"})
    config.proxy = server.proxy
    config.ssl_ca_cert = str(server.emulator.ca.cert_path)
    return k8s.ApiClient(config)


def test_the_official_python_client_reads_crds_and_custom_objects(server: InProcessServer) -> None:
    host = "crdclient-abcd1234.hcp.eastus.azmk8s.io"
    server.open_cluster("/subscriptions/s/resourcegroups/rg/providers/microsoft.containerservice/managedclusters/"
                        "crdclient", host, "tok")
    with _client(server, host) as api:
        extensions = k8s.ApiextensionsV1Api(api)
        extensions.create_custom_resource_definition(crd())
        listed = extensions.list_custom_resource_definition()
        assert [c.metadata.name for c in listed.items] == ["crontabs.stable.example.com"]
        read = extensions.read_custom_resource_definition("crontabs.stable.example.com")
        assert [c.type for c in read.status.conditions] == ["NamesAccepted", "Established"]
        custom = k8s.CustomObjectsApi(api)
        args = ("stable.example.com", "v1", "default", "crontabs")
        events: list[tuple[str, str]] = []
        stream = k8s_watch.Watch()

        def follow() -> None:
            for event in stream.stream(custom.list_namespaced_custom_object, *args, timeout_seconds=10):
                events.append((event["type"], event["object"]["metadata"]["name"]))
                stream.stop()

        watcher = threading.Thread(target=follow)
        watcher.start()
        base.until(lambda: server_watches(server, host), "the watch to open")
        created = custom.create_namespaced_custom_object(*args, crontab())
        assert created["spec"]["replicas"] == 1
        watcher.join(15)
        assert events == [("ADDED", "my-cron")]
        got = custom.get_namespaced_custom_object(*args, "my-cron")
        assert got["metadata"]["generation"] == 1
        objects = custom.list_namespaced_custom_object(*args)
        assert [o["metadata"]["name"] for o in objects["items"]] == ["my-cron"]
        assert json.loads(json.dumps(objects))["kind"] == "CronTabList"


def server_watches(server: InProcessServer, host: str) -> bool:
    cluster = server.emulator.clusters.by_host(host)
    return cluster is not None and cluster.tracker.watching("crontabs.stable.example.com", "default") > 0
