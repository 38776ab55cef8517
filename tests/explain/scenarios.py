"""Each explain case, produced by driving the emulator into that state (nothing is constructed by hand)."""

from __future__ import annotations

import base64
import json
from collections.abc import Callable
from typing import Any

from pullproof.explain.fixes import repository_condition
from pullproof.kube.storage.clusters import Cluster
from tests.aks.support import cluster_of, create_cluster, deploy, step
from tests.conftest import Local
from tests.registry.support import App, assign, basic, create_app, create_registry, push_image

ACR = "acrwizdev"
IMAGE = f"{ACR}.azurecr.io/guestbook:v1"


def registry_with_image(local: Local, name: str = ACR, **properties: object) -> str:
    registry_id = create_registry(local, name, group="rg-wiz-exercise-a", **properties)
    op = local.emulator.operator
    if properties.get("roleAssignmentMode") == "AbacRepositoryPermissions":
        assign(local, op.object_id, "Container Registry Repository Writer", registry_id)
    with local.client(f"{name}.azurecr.io") as acr:
        token = acr.get("/oauth2/token", params={"service": f"{name}.azurecr.io", "scope":
                                                 "repository:guestbook:pull,push"},
                        headers=basic(op.client_id, op.client_secret)).json()["access_token"]
        push_image(acr, "guestbook", "v1", {"Authorization": f"Bearer {token}"})
    return registry_id


def mi_cluster(local: Local) -> tuple[Cluster, dict[str, Any]]:
    resource = create_cluster(local, "aks-wiz-dev", group="rg-wiz-exercise-a")
    return cluster_of(local, resource), resource


def sp_cluster(local: Local, app: App) -> tuple[Cluster, dict[str, Any]]:
    resource = create_cluster(local, "aks-sp", group="rg-wiz-exercise-a", identity=None, properties={
        "dnsPrefix": "aks-sp", "servicePrincipalProfile": {"clientId": app.client_id, "secret": app.secret},
        "agentPoolProfiles": [{"name": "nodepool1", "count": 1, "mode": "System"}]})
    return cluster_of(local, resource), resource


def kubelet(resource: dict[str, Any]) -> str:
    return str(resource["properties"]["identityProfile"]["kubeletidentity"]["objectId"])


def docker_secret(cluster: Cluster, namespace: str, name: str, server: str, user: str, password: str) -> None:
    if cluster.tracker.find("namespaces", "", namespace) is None:
        cluster.tracker.create("namespaces", "", {"metadata": {"name": namespace}})
    auth = base64.b64encode(f"{user}:{password}".encode()).decode()
    config = {"auths": {server: {"username": user, "password": password, "email": "a@b.c", "auth": auth}}}
    cluster.tracker.create("secrets", namespace, {
        "apiVersion": "v1", "kind": "Secret", "type": "kubernetes.io/dockerconfigjson",
        "metadata": {"name": name, "namespace": namespace},
        "data": {".dockerconfigjson": base64.b64encode(json.dumps(config).encode()).decode()}})


def no_acrpull(local: Local) -> Cluster:
    registry_with_image(local)
    cluster, _ = mi_cluster(local)
    deploy(cluster, "guestbook-app", IMAGE)
    return cluster


def control_plane_identity(local: Local) -> Cluster:
    registry = registry_with_image(local)
    cluster, resource = mi_cluster(local)
    assign(local, resource["identity"]["principalId"], "AcrPull", registry)
    deploy(cluster, "guestbook-app", IMAGE)
    return cluster


def other_registry(local: Local) -> Cluster:
    registry_with_image(local)
    other = create_registry(local, "acrwizprod", group="rg-wiz-exercise-a")
    cluster, resource = mi_cluster(local)
    assign(local, kubelet(resource), "AcrPull", other)
    deploy(cluster, "guestbook-app", IMAGE)
    return cluster


def not_propagated(local: Local) -> Cluster:
    registry = registry_with_image(local)
    cluster, resource = mi_cluster(local)
    local.emulator.rbac.propagation_delay = 600.0
    assign(local, kubelet(resource), "AcrPull", registry, caller=local.emulator.operator.object_id)
    deploy(cluster, "guestbook-app", IMAGE)
    return cluster


def secret_expired(local: Local) -> Cluster:
    registry = registry_with_image(local)
    app = create_app(local, "aks-sp-principal")
    assign(local, app.object_id, "AcrPull", registry)
    cluster, _ = sp_cluster(local, app)
    for cred in local.emulator.directory.store.passwords(app.client_id):
        local.emulator.directory.store.set_password_end(cred.key_id, local.clock.now() - 1)
    deploy(cluster, "guestbook-app", IMAGE)
    return cluster


def still_on_service_principal(local: Local) -> Cluster:
    registry_with_image(local)
    app = create_app(local, "aks-sp-principal")
    cluster, resource = sp_cluster(local, app)
    migrate(local, resource, app)
    deploy(cluster, "guestbook-app", IMAGE)
    return cluster


def identity_replaced(local: Local) -> Cluster:
    registry = registry_with_image(local)
    app = create_app(local, "aks-sp-principal")
    assign(local, app.object_id, "AcrPull", registry)
    cluster, resource = sp_cluster(local, app)
    migrate(local, resource, app)
    upgrade = f"{resource['id']}/agentPools/nodepool1/upgradeNodeImageVersion?api-version=2026-06-01"
    with local.client() as arm:
        arm.post(upgrade, headers={"Authorization": f"Bearer {local.token()}"}).raise_for_status()
    deploy(cluster, "guestbook-app", IMAGE)
    return cluster


def migrate(local: Local, resource: dict[str, Any], app: App) -> None:
    """``az aks update --enable-managed-identity``: the CLI PUTs the model back with a system identity."""
    body = {**{k: v for k, v in resource.items() if k in ("location", "sku", "tags")},
            "identity": {"type": "SystemAssigned"}, "properties": dict(resource["properties"])}
    body["properties"]["servicePrincipalProfile"] = {"clientId": app.client_id, "secret": app.secret}
    with local.client() as arm:
        arm.put(f"{resource['id']}?api-version=2026-06-01", json=body,
                headers={"Authorization": f"Bearer {local.token()}"}).raise_for_status()


def abac_registry(local: Local) -> Cluster:
    registry = registry_with_image(local, roleAssignmentMode="AbacRepositoryPermissions")
    cluster, resource = mi_cluster(local)
    assign(local, kubelet(resource), "AcrPull", registry)
    deploy(cluster, "guestbook-app", IMAGE)
    return cluster


def repository_not_in_condition(local: Local) -> Cluster:
    """The kubelet identity may read repository ``app`` only; the pods pull ``guestbook``."""
    registry = registry_with_image(local, roleAssignmentMode="AbacRepositoryPermissions")
    cluster, resource = mi_cluster(local)
    assign(local, kubelet(resource), "Container Registry Repository Reader", registry,
           condition=repository_condition("app"))
    deploy(cluster, "guestbook-app", IMAGE)
    return cluster


def secret_wrong_password(local: Local) -> Cluster:
    registry_with_image(local)
    app = create_app(local, "acr-service-principal")
    cluster, _ = mi_cluster(local)
    docker_secret(cluster, "default", "acr-auth", f"{ACR}.azurecr.io", app.client_id, "not-the-password")
    deploy(cluster, "guestbook-app", IMAGE, pull_secret="acr-auth")
    return cluster


def secret_wrong_server(local: Local) -> Cluster:
    registry_with_image(local)
    app = create_app(local, "acr-service-principal")
    cluster, _ = mi_cluster(local)
    docker_secret(cluster, "default", "acr-auth", "acrwizdev.azurecr.io:443", app.client_id, app.secret)
    deploy(cluster, "guestbook-app", IMAGE, pull_secret="acr-auth")
    return cluster


def secret_other_namespace(local: Local) -> Cluster:
    registry_with_image(local)
    app = create_app(local, "acr-service-principal")
    cluster, _ = mi_cluster(local)
    docker_secret(cluster, "team-a", "acr-auth", f"{ACR}.azurecr.io", app.client_id, app.secret)
    deploy(cluster, "guestbook-app", IMAGE, pull_secret="acr-auth")
    return cluster


def anonymous_off(local: Local) -> Cluster:
    registry_with_image(local)
    cluster, resource = mi_cluster(local)
    kubelet_id = resource["properties"]["identityProfile"]["kubeletidentity"]["resourceId"]
    local.emulator.directory.delete_managed_identity(kubelet_id)
    deploy(cluster, "guestbook-app", IMAGE)
    return cluster


def image_not_found(local: Local) -> Cluster:
    registry = registry_with_image(local)
    cluster, resource = mi_cluster(local)
    assign(local, kubelet(resource), "AcrPull", registry)
    deploy(cluster, "guestbook-app", f"{ACR}.azurecr.io/guestbook:v2")
    return cluster


CASES: dict[str, tuple[Callable[[Local], Cluster], str]] = {
    "no-acrpull-kubelet": (no_acrpull, "KUBELET_IDENTITY_NO_ACRPULL"),
    "acrpull-on-control-plane": (control_plane_identity, "ACRPULL_ON_CONTROL_PLANE_IDENTITY"),
    "acrpull-on-other-registry": (other_registry, "ACRPULL_ON_OTHER_REGISTRY"),
    "role-not-propagated": (not_propagated, "ROLE_NOT_PROPAGATED"),
    "service-principal-secret-expired": (secret_expired, "SERVICE_PRINCIPAL_SECRET_EXPIRED"),
    "kubelet-still-on-service-principal": (still_on_service_principal, "KUBELET_STILL_ON_SERVICE_PRINCIPAL"),
    "kubelet-identity-replaced": (identity_replaced, "KUBELET_IDENTITY_REPLACED"),
    "registry-ignores-acrpull": (abac_registry, "REGISTRY_IGNORES_ACRPULL"),
    "repository-not-in-condition": (repository_not_in_condition, "REPOSITORY_NOT_IN_ROLE_CONDITION"),
    "pull-secret-wrong-password": (secret_wrong_password, "PULL_SECRET_WRONG_PASSWORD"),
    "pull-secret-wrong-server": (secret_wrong_server, "PULL_SECRET_WRONG_SERVER"),
    "pull-secret-other-namespace": (secret_other_namespace, "PULL_SECRET_OTHER_NAMESPACE"),
    "anonymous-pull-off": (anonymous_off, "ANONYMOUS_PULL_DISABLED"),
    "image-not-found": (image_not_found, "IMAGE_NOT_FOUND"),
}


def drive(local: Local, case: str) -> Cluster:
    build, _ = CASES[case]
    cluster = build(local)
    step(local)
    return cluster
