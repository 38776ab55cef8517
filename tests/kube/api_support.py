"""Shared helpers for the in-process API server tests: a cluster opened in the ``local`` emulator
and a client that speaks to it with the cluster's bearer token."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import httpx2
from starlette.testclient import TestClient

from pullproof.kube.storage.clusters import Cluster, Clusters
from pullproof.kube.storage.tracker import Tracker
from tests.conftest import Local

HOST = "mycluster-abcd1234.hcp.eastus.azmk8s.io"
TOKEN = "tok"
TABLE = ("application/json;as=Table;v=v1;g=meta.k8s.io,application/json;as=Table;v=v1beta1;g=meta.k8s.io,"
         "application/json")
SMP = "application/strategic-merge-patch+json"


@dataclass
class Api:
    client: TestClient
    cluster: Cluster
    local: Local

    @property
    def tracker(self) -> Tracker:
        return self.cluster.tracker

    def _headers(self, headers: dict[str, str] | None) -> dict[str, str]:
        return {"Authorization": f"Bearer {TOKEN}", **(headers or {})}

    def get(self, path: str, headers: dict[str, str] | None = None) -> httpx2.Response:
        return self.client.get(path, headers=self._headers(headers))

    def post(self, path: str, body: Any, headers: dict[str, str] | None = None) -> httpx2.Response:
        return self.client.post(path, json=body, headers=self._headers(headers))

    def put(self, path: str, body: Any) -> httpx2.Response:
        return self.client.put(path, json=body, headers=self._headers(None))

    def patch(self, path: str, body: Any, content_type: str = SMP) -> httpx2.Response:
        return self.client.patch(path, json=body, headers=self._headers({"Content-Type": content_type}))

    def delete(self, path: str, body: Any | None = None) -> httpx2.Response:
        return self.client.request("DELETE", path, json=body, headers=self._headers(None))

    def table(self, path: str) -> dict[str, Any]:
        response = self.get(path, {"Accept": TABLE})
        assert response.status_code == 200, response.text
        result: dict[str, Any] = response.json()
        return result


@contextmanager
def api(local: Local) -> Iterator[Api]:
    cluster = local.emulator.clusters.open("/subscriptions/s/resourcegroups/rg/providers/microsoft.containerservice/"
                                           "managedclusters/mycluster", HOST,
                                           {"clusterUser": Clusters.token_digest(TOKEN)}, "1.32.4")
    with local.client(HOST) as client:
        yield Api(client, cluster, local)


def pod(name: str, image: str = "acrwizdev.azurecr.io/guestbook:v1", **spec: Any) -> dict[str, Any]:
    return {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": name, "labels": {"app": "guestbook"}},
            "spec": {"containers": [{"name": "guestbook", "image": image}], **spec}}


def deployment(name: str = "guestbook-app", image: str = "acrwizdev.azurecr.io/guestbook:v1",
               replicas: int = 2) -> dict[str, Any]:
    return {"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": name},
            "spec": {"replicas": replicas, "selector": {"matchLabels": {"app": "guestbook"}},
                     "template": {"metadata": {"labels": {"app": "guestbook"}},
                                  "spec": {"containers": [{"name": "guestbook", "image": image,
                                                           "ports": [{"containerPort": 80}]}]}}}}
