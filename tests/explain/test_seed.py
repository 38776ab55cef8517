from __future__ import annotations

from tests.aks.support import cluster_of, create_cluster, deploy, step
from tests.aks.test_seed_incident import IMAGE
from tests.conftest import Local
from tests.explain.support import explain_first_pod
from tests.registry.support import basic, create_registry, push_image


def test_seed_002_kubelet_identity_without_acrpull(local: Local) -> None:
    registry_id = create_registry(local, "acrwizdev", group="rg-wiz-exercise-a")
    op = local.emulator.operator
    with local.client("acrwizdev.azurecr.io") as acr:
        token = acr.get("/oauth2/token", params={"service": "acrwizdev.azurecr.io",
                                                 "scope": "repository:guestbook:pull,push"},
                        headers=basic(op.client_id, op.client_secret)).json()["access_token"]
        push_image(acr, "guestbook", IMAGE.rsplit(":", 1)[1], {"Authorization": f"Bearer {token}"})
    resource = create_cluster(local, "aks-wiz-dev", group="rg-wiz-exercise-a")
    cluster = cluster_of(local, resource)
    deploy(cluster, "guestbook-app", IMAGE)
    step(local)
    finding = explain_first_pod(local, cluster, "guestbook-app")
    kubelet = resource["properties"]["identityProfile"]["kubeletidentity"]["objectId"]
    assert finding.code.code == "KUBELET_IDENTITY_NO_ACRPULL"
    assert finding.exit_code == 10
    labels = [s.label for s in finding.chain]
    assert "Token exchange POST /oauth2/exchange" in labels and "RBAC decision" in labels
    rbac = next(s for s in finding.chain if s.label == "RBAC decision")
    assert "NO_ROLE_ASSIGNMENT" in rbac.detail and kubelet in rbac.detail
    assert finding.fix is not None
    assert f"--assignee-object-id {kubelet}" in finding.fix.az and registry_id in finding.fix.az
    assert finding.fix.bicep is not None and "guid(acr.id, kubeletIdentityPrincipalId, 'AcrPull')" in finding.fix.bicep
