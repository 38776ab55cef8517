"""Where the kubelet identity's role is: a role on the same registry that does not pull is not "a role
on another registry" (the repository-condition case is in tests/aks/test_repository_conditions.py and
the golden ``repository-not-in-condition``)."""

from __future__ import annotations

from tests.aks.support import deploy, step
from tests.conftest import Local
from tests.explain.scenarios import IMAGE, kubelet, mi_cluster, registry_with_image
from tests.explain.support import explain_first_pod
from tests.registry.support import assign


def test_a_role_on_the_same_registry_that_does_not_pull(local: Local) -> None:
    registry = registry_with_image(local)
    cluster, resource = mi_cluster(local)
    assign(local, kubelet(resource), "AcrDelete", registry)
    deploy(cluster, "guestbook-app", IMAGE)
    step(local)
    finding = explain_first_pod(local, cluster, "guestbook-app")
    assert (finding.code.code, finding.summary) == (
        "KUBELET_IDENTITY_NO_ACRPULL",
        f"The kubelet identity {kubelet(resource)} has no role that allows pulling from acrwizdev.")
