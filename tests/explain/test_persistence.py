"""Explanations come from recorded facts: they survive a restart and stay right when many pods fail."""

from __future__ import annotations

from pathlib import Path

from pullproof.explain.engine import Explainer
from pullproof.explain.facts import cluster_facts, pod_facts
from pullproof.settings import Settings
from pullproof.tools import open_state, state_of
from tests.aks.support import deploy, pods, step
from tests.conftest import Local
from tests.explain.scenarios import IMAGE, docker_secret, mi_cluster, registry_with_image
from tests.explain.support import explain_first_pod
from tests.registry.support import create_app


def test_the_explanation_is_the_same_after_a_restart(local: Local, tmp_path: Path) -> None:
    registry_with_image(local)
    cluster, _ = mi_cluster(local)
    deploy(cluster, "guestbook-app", IMAGE)
    step(local)
    before = explain_first_pod(local, cluster, "guestbook-app")
    pod = pods(cluster, "guestbook-app")[0]["metadata"]["name"]
    local.emulator.close()
    with open_state(Settings(data_dir=local.emulator.settings.data_dir)) as again:  # what `explain` reads
        facts = cluster_facts(again, cluster.id)
        assert facts is not None
        after = Explainer(again).pod(pod_facts(again, facts, "default", pod))
    assert after.code == before.code
    assert [s.detail for s in after.chain] == [s.detail for s in before.chain]
    assert after.fix == before.fix


def test_many_failing_pods_each_get_their_own_cause(local: Local) -> None:
    registry_with_image(local)
    app = create_app(local, "acr-service-principal")
    cluster, _ = mi_cluster(local)
    docker_secret(cluster, "default", "bad-secret", "acrwizdev.azurecr.io", app.client_id, "wrong")
    for index in range(10):
        deploy(cluster, f"plain-{index}", IMAGE, replicas=2)
        deploy(cluster, f"secret-{index}", IMAGE, replicas=2, pull_secret="bad-secret")
    step(local)
    state = state_of(local.emulator)
    facts = cluster_facts(state, cluster.id)
    assert facts is not None
    explainer = Explainer(state)
    codes = {}
    for pod in cluster.tracker.list("pods", "default")[0]:
        name = pod["metadata"]["name"]
        codes[name] = explainer.pod(pod_facts(state, facts, "default", name)).code.code
    assert len(codes) == 40
    assert {c for n, c in codes.items() if n.startswith("plain-")} == {"KUBELET_IDENTITY_NO_ACRPULL"}
    assert {c for n, c in codes.items() if n.startswith("secret-")} == {"PULL_SECRET_WRONG_PASSWORD"}
