"""Seed 002 in process: a managed-identity cluster without AcrPull gets the real 401; the AcrPull
role assignment to the kubelet identity fixes it once the pods are recreated."""

from __future__ import annotations

from tests.aks.support import cluster_of, create_cluster, deploy, events_for, pods, step, waiting
from tests.conftest import Local
from tests.registry.support import assign, basic, create_registry, push_image

IMAGE = "acrwizdev.azurecr.io/guestbook:8edd399546e2808cc356e1fd28af9f4fbdaf2d3d"
SEED_401 = (f'failed to pull and unpack image "{IMAGE}": '
            f'failed to resolve reference "{IMAGE}": '
            "failed to authorize: failed to fetch anonymous token: unexpected status from GET request to "
            "https://acrwizdev.azurecr.io/oauth2/token?scope=repository%3Aguestbook%3Apull&"
            "service=acrwizdev.azurecr.io: 401 Unauthorized")


def test_missing_acrpull_then_fix(local: Local) -> None:
    registry_id = create_registry(local, "acrwizdev", group="rg-wiz-exercise-a")
    op = local.emulator.operator
    with local.client("acrwizdev.azurecr.io") as acr:
        token = acr.get("/oauth2/token", params={"service": "acrwizdev.azurecr.io",
                                                 "scope": "repository:guestbook:pull,push"},
                        headers=basic(op.client_id, op.client_secret)).json()["access_token"]
        push_image(acr, "guestbook", "8edd399546e2808cc356e1fd28af9f4fbdaf2d3d",
                   {"Authorization": f"Bearer {token}"})
    resource = create_cluster(local, "aks-wiz-dev", group="rg-wiz-exercise-a")
    kubelet = resource["properties"]["identityProfile"]["kubeletidentity"]
    assert resource["properties"]["servicePrincipalProfile"] == {"clientId": "msi"}
    assert kubelet["resourceId"].endswith("/MC_rg-wiz-exercise-a_aks-wiz-dev_eastus/providers/"
                                          "Microsoft.ManagedIdentity/userAssignedIdentities/aks-wiz-dev-agentpool")
    cluster = cluster_of(local, resource)
    assert len(cluster.tracker.list("nodes")[0]) == 2
    deploy(cluster, "guestbook-app", IMAGE)
    step(local)
    stuck = pods(cluster, "guestbook-app")
    assert len(stuck) == 2
    assert all(waiting(p) == {"reason": "ErrImagePull", "message": SEED_401} for p in stuck)
    events = events_for(cluster, stuck[0]["metadata"]["name"])
    assert ("Failed", f'Failed to pull image "{IMAGE}": {SEED_401}') in events
    assert ("Failed", "Error: ErrImagePull") in events
    step(local, seconds=16)  # the first re-sync comes 10-15 s later: the 10 s back-off has passed, pull again
    assert all(waiting(p)["reason"] == "ErrImagePull" for p in pods(cluster, "guestbook-app"))
    step(local, seconds=16)  # the back-off is now 20 s: the next sync (10-15 s on) stays in back-off
    assert all(waiting(p)["reason"] == "ImagePullBackOff" for p in pods(cluster, "guestbook-app"))
    assert waiting(pods(cluster, "guestbook-app")[0])["message"] == (
        f'Back-off pulling image "{IMAGE}": ErrImagePull: {SEED_401}')
    deployment = cluster.tracker.get("deployments.apps", "default", "guestbook-app")
    assert deployment["status"]["unavailableReplicas"] == 2
    assign(local, kubelet["objectId"], "AcrPull", registry_id)
    for pod in pods(cluster, "guestbook-app"):
        cluster.tracker.delete("pods", "default", pod["metadata"]["name"])
    step(local, seconds=1)
    running = pods(cluster, "guestbook-app")
    assert [p["status"]["phase"] for p in running] == ["Running", "Running"]
    deployment = cluster.tracker.get("deployments.apps", "default", "guestbook-app")
    assert deployment["status"]["availableReplicas"] == 2
    assert [c["reason"] for c in deployment["status"]["conditions"]] == ["MinimumReplicasAvailable",
                                                                         "NewReplicaSetAvailable"]
