"""Where the kubelet identity's role is: a role on the same registry that does not pull is not "a role
on another registry" (the repository-condition case is in tests/aks/test_repository_conditions.py and
the golden ``repository-not-in-condition``)."""

from __future__ import annotations

from pullproof.explain.fixes import repository_condition
from pullproof.explain.principal import explain_principal
from pullproof.tools import state_of
from tests.aks.support import deploy, step
from tests.conftest import Local
from tests.explain.scenarios import IMAGE, kubelet, mi_cluster, registry_with_image
from tests.explain.support import explain_first_pod
from tests.registry.support import assign, create_app


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


def test_explain_principal_names_the_condition(local: Local) -> None:
    registry = registry_with_image(local, roleAssignmentMode="AbacRepositoryPermissions")
    reader = create_app(local, "reader")
    assign(local, reader.object_id, "Container Registry Repository Reader", registry,
           condition=repository_condition("app"))
    assert explain_principal(state_of(local.emulator), reader.client_id, "acrwizdev", "app").code.code == "PULL_OK"
    refused = explain_principal(state_of(local.emulator), reader.client_id, "acrwizdev", "guestbook")
    assert (refused.code.code, refused.summary) == (
        "REPOSITORY_NOT_IN_ROLE_CONDITION",
        f"Principal {reader.client_id}'s Container Registry Repository Reader role on acrwizdev has a condition "
        "that does not cover repository 'guestbook': it allows only repositories whose name is "
        "StringEqualsIgnoreCase 'app'.")
    assert refused.fix is not None and "StringEqualsIgnoreCase 'guestbook'" in refused.fix.az
