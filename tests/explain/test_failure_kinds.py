"""The finding comes from the recorded kind and source, never from the message: the same text with
another kind gives another finding."""

from __future__ import annotations

import pytest

from pullproof.explain.engine import Explainer
from pullproof.explain.facts import ClusterFacts, PodFacts, cluster_facts
from pullproof.kube.node.models import (
    CredentialAttempt,
    CredentialSource,
    Failure,
    FailureKind,
    HttpStep,
    PullRecord,
    StepKind,
)
from pullproof.tools import state_of
from tests.conftest import Local
from tests.explain.scenarios import IMAGE, mi_cluster, registry_with_image

NOT_FOUND_TEXT = (f'rpc error: code = NotFound desc = failed to pull and unpack image "{IMAGE}": failed to resolve '
                  f'reference "{IMAGE}": {IMAGE}: not found')
REFUSED_TEXT = (f'failed to pull and unpack image "{IMAGE}": failed to resolve reference "{IMAGE}": failed to '
                "authorize: failed to fetch anonymous token: unexpected status from GET request to "
                "https://acrwizdev.azurecr.io/oauth2/token?scope=repository%3Aguestbook%3Apull&service=acrwizdev."
                "azurecr.io: 401 Unauthorized")


@pytest.fixture
def cluster(local: Local) -> ClusterFacts:
    registry_with_image(local)
    made, _ = mi_cluster(local)
    facts = cluster_facts(state_of(local.emulator), made.id)
    assert facts is not None
    return facts


def explain(local: Local, cluster: ClusterFacts, message: str, attempt: CredentialAttempt) -> str:
    record = PullRecord(1, cluster.id, "node-0", "default", "app-1", "uid", "app", IMAGE, 1.0, False, message,
                        None, (attempt,))
    return Explainer(state_of(local.emulator)).pod(PodFacts(cluster, "default", "app-1", None, [record])).code.code


def anonymous(kind: FailureKind, message: str) -> CredentialAttempt:
    return CredentialAttempt(CredentialSource.ANONYMOUS, "", "uid/app/1.000/0", False,
                             steps=(HttpStep(StepKind.RESOLVE, 401),), failure=Failure(kind, message, 401))


@pytest.mark.parametrize(("message", "kind", "code"), [
    (NOT_FOUND_TEXT, FailureKind.NOT_FOUND, "IMAGE_NOT_FOUND"),
    (NOT_FOUND_TEXT, FailureKind.UNAUTHORIZED_ANONYMOUS, "ANONYMOUS_PULL_DISABLED"),
    (REFUSED_TEXT, FailureKind.NOT_FOUND, "IMAGE_NOT_FOUND"),
    (REFUSED_TEXT, FailureKind.PLATFORM_MISMATCH, "IMAGE_NOT_FOUND"),
    (REFUSED_TEXT, FailureKind.UNAUTHORIZED_ANONYMOUS, "ANONYMOUS_PULL_DISABLED"),
], ids=["not-found-text-not-found", "not-found-text-unauthorized", "401-text-not-found", "401-text-platform",
        "401-text-unauthorized"])
def test_the_kind_decides(local: Local, cluster: ClusterFacts, message: str, kind: FailureKind, code: str) -> None:
    assert explain(local, cluster, message, anonymous(kind, message)) == code


def test_a_refused_pull_secret_is_found_by_its_source(local: Local, cluster: ClusterFacts) -> None:
    refused = CredentialAttempt(CredentialSource.PULL_SECRET, "app-id", "uid/app/1.000/0", False, "acr-auth",
                                failure=Failure(FailureKind.UNAUTHORIZED_CREDENTIALS, REFUSED_TEXT, 401))
    assert explain(local, cluster, REFUSED_TEXT, refused) == "PULL_SECRET_WRONG_PASSWORD"
    as_anonymous = CredentialAttempt(CredentialSource.ANONYMOUS, "", "uid/app/1.000/0", False,
                                     failure=Failure(FailureKind.UNAUTHORIZED_CREDENTIALS, REFUSED_TEXT, 401))
    assert explain(local, cluster, REFUSED_TEXT, as_anonymous) == "ANONYMOUS_PULL_DISABLED"
