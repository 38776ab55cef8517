"""Drive the emulator into a state, then explain it (the findings come from recorded facts)."""

from __future__ import annotations

from pullproof.explain.engine import Explainer
from pullproof.explain.facts import cluster_facts, pod_facts
from pullproof.explain.findings import Finding
from pullproof.kube.storage.clusters import Cluster
from pullproof.tools import state_of
from tests.aks.support import pods
from tests.conftest import Local


def explain_first_pod(local: Local, cluster: Cluster, app: str) -> Finding:
    state = state_of(local.emulator)
    facts = cluster_facts(state, cluster.id)
    assert facts is not None
    pod = pods(cluster, app)[0]["metadata"]["name"]
    return Explainer(state).pod(pod_facts(state, facts, "default", pod))
