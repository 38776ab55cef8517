"""A registry in repository-permission (ABAC) mode and a kubelet identity with Container Registry
Repository Reader limited by a condition to repository ``app``: pods of ``app`` run, pods of another
repository stay in ErrImagePull, and the explanation names the condition and the repository."""

from __future__ import annotations

from pullproof.explain.engine import Explainer
from pullproof.explain.facts import cluster_facts, pod_facts
from pullproof.explain.fixes import repository_condition
from pullproof.tools import state_of
from tests.aks.support import cluster_of, create_cluster, deploy, pods, step, waiting
from tests.conftest import Local
from tests.registry.support import assign, basic, create_registry, push_image

LOGIN = "acrprobe1.azurecr.io"
DENIED = (f'failed to pull and unpack image "{LOGIN}/other:v1": failed to resolve reference "{LOGIN}/other:v1": '
          "failed to authorize: failed to fetch oauth token: unexpected status from GET request to "
          f"https://{LOGIN}/oauth2/token?scope=repository%3Aother%3Apull&service={LOGIN}: 401 Unauthorized")


def test_the_conditioned_kubelet_identity_pulls_app_and_only_app(local: Local) -> None:
    registry = create_registry(local, "acrprobe1", group="rg-probe", roleAssignmentMode="AbacRepositoryPermissions")
    op = local.emulator.operator
    assign(local, op.object_id, "Container Registry Repository Writer", registry)
    with local.client(LOGIN) as acr:
        for repository in ("app", "other"):
            token = acr.get("/oauth2/token", params={"service": LOGIN, "scope": f"repository:{repository}:pull,push"},
                            headers=basic(op.client_id, op.client_secret)).json()["access_token"]
            push_image(acr, repository, "v1", {"Authorization": f"Bearer {token}"})
    resource = create_cluster(local, "aks-probe", group="rg-probe")
    kubelet = resource["properties"]["identityProfile"]["kubeletidentity"]["objectId"]
    assign(local, kubelet, "Container Registry Repository Reader", registry, condition=repository_condition("app"))
    cluster = cluster_of(local, resource)
    deploy(cluster, "app", f"{LOGIN}/app:v1")
    deploy(cluster, "other", f"{LOGIN}/other:v1")
    step(local)
    assert [p["status"]["phase"] for p in pods(cluster, "app")] == ["Running", "Running"]
    refused = pods(cluster, "other")
    assert [waiting(p)["reason"] for p in refused] == ["ErrImagePull", "ErrImagePull"]
    assert DENIED in waiting(refused[0])["message"]
    state = state_of(local.emulator)
    facts = cluster_facts(state, cluster.id)
    assert facts is not None
    finding = Explainer(state).pod(pod_facts(state, facts, "default", refused[0]["metadata"]["name"]))
    assert finding.code.code == "REPOSITORY_NOT_IN_ROLE_CONDITION"
    assert finding.summary == (
        "The kubelet identity's Container Registry Repository Reader role on acrprobe1 has a condition that does "
        "not cover repository 'other': it allows only repositories whose name is StringEqualsIgnoreCase 'app'.")
    assert finding.fix is not None and "StringEqualsIgnoreCase 'other'" in finding.fix.az
    assert finding.facts["repository"] == "other"
