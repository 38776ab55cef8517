"""The deployment controller step by step on a manual clock: how many replicas each ReplicaSet has
after each pass of a rollout (RollingUpdate with percentages and integers, Recreate), revisions,
rollback to a revision, pause, minReadySeconds, the progress deadline, adoption, history cleanup."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from pullproof.kube.controllers.replicasets import REPLICASETS
from tests.kube.controllers.support import REVISION, Harness, harness


def _condition(h: Harness, kind: str) -> dict[str, Any]:
    return next(c for c in h.deployment()["status"]["conditions"] if c["type"] == kind)


def _rolled(tmp_path: Path, **spec: Any) -> Harness:
    h = harness(tmp_path)
    h.create(**spec)
    h.settle()
    assert h.sizes() == {"nginx:1": spec.get("replicas", 4)}
    return h


def test_a_rolling_update_of_4_replicas_with_25_percent_surge_and_unavailable(tmp_path: Path) -> None:
    h = _rolled(tmp_path)
    h.edit(image="nginx:2")
    h.deployments.reconcile()  # surge 1: the new set gets 1; unavailable 1: the old set gives one up
    assert h.sizes() == {"nginx:1": 3, "nginx:2": 1}
    assert _condition(h, "Progressing")["reason"] == "NewReplicaSetCreated"
    h.replicasets.reconcile()
    h.deployments.reconcile()
    assert h.sizes() == {"nginx:1": 3, "nginx:2": 2}
    h.replicasets.reconcile()
    h.deployments.reconcile()  # no new pod is available: nothing moves
    assert h.sizes() == {"nginx:1": 3, "nginx:2": 2}
    assert _condition(h, "Progressing")["reason"] == "ReplicaSetUpdated"
    assert h.ready() == 2
    h.replicasets.reconcile()
    h.deployments.reconcile()
    assert h.sizes() == {"nginx:1": 1, "nginx:2": 2}
    h.deployments.reconcile()
    assert h.sizes() == {"nginx:1": 1, "nginx:2": 4}
    h.replicasets.reconcile()
    assert h.ready() == 2
    h.replicasets.reconcile()
    h.deployments.reconcile()
    assert h.sizes() == {"nginx:1": 0, "nginx:2": 4}
    h.settle()
    status = h.deployment()["status"]
    assert (status["replicas"], status["updatedReplicas"], status["availableReplicas"]) == (4, 4, 4)
    assert _condition(h, "Progressing")["reason"] == "NewReplicaSetAvailable"
    assert _condition(h, "Available")["reason"] == "MinimumReplicasAvailable"


def test_max_surge_0_replaces_one_pod_at_a_time(tmp_path: Path) -> None:
    h = _rolled(tmp_path, strategy={"type": "RollingUpdate", "rollingUpdate": {"maxSurge": 0, "maxUnavailable": 1}})
    h.edit(image="nginx:2")
    seen = []
    for _ in range(4):
        h.deployments.reconcile()
        seen.append(h.sizes())
        h.deployments.reconcile()
        seen.append(h.sizes())
        h.replicasets.reconcile()
        h.ready()
        h.replicasets.reconcile()
    assert seen == [{"nginx:1": 3, "nginx:2": 0}, {"nginx:1": 3, "nginx:2": 1},
                    {"nginx:1": 2, "nginx:2": 1}, {"nginx:1": 2, "nginx:2": 2},
                    {"nginx:1": 1, "nginx:2": 2}, {"nginx:1": 1, "nginx:2": 3},
                    {"nginx:1": 0, "nginx:2": 3}, {"nginx:1": 0, "nginx:2": 4}]


def test_surge_and_unavailable_both_rounding_to_0_allow_one_unavailable(tmp_path: Path) -> None:
    h = _rolled(tmp_path, strategy={"type": "RollingUpdate",
                                    "rollingUpdate": {"maxSurge": "0%", "maxUnavailable": "10%"}})
    h.edit(image="nginx:2")
    h.deployments.reconcile()
    h.deployments.reconcile()
    assert h.sizes() == {"nginx:1": 3, "nginx:2": 1}


def test_recreate_scales_the_new_set_up_only_once_old_pods_are_gone(tmp_path: Path) -> None:
    h = _rolled(tmp_path, strategy={"type": "Recreate"})
    for pod in h.tracker.list("pods", "default")[0]:  # bound pods terminate through their kubelet
        pod["spec"]["nodeName"] = "node-1"
        h.tracker.update("pods", "default", pod)
    h.edit(image="nginx:2")
    h.sync()
    h.sync()
    assert h.sizes() == {"nginx:1": 0}  # the old pods are terminating: no new set yet
    assert _condition(h, "Available")["reason"] == "MinimumReplicasUnavailable"
    for pod in h.tracker.list("pods", "default")[0]:
        h.tracker.delete("pods", "default", pod["metadata"]["name"])
    h.deployments.reconcile()
    assert h.sizes() == {"nginx:1": 0, "nginx:2": 4}
    h.settle()
    assert _condition(h, "Progressing")["reason"] == "NewReplicaSetAvailable"


def test_revisions_change_cause_and_rollback_to_a_revision(tmp_path: Path) -> None:
    h = _rolled(tmp_path)
    cause = "kubernetes.io/change-cause"
    h.edit(image="nginx:2", annotations={cause: "upgrade to 2"})
    h.settle()
    h.edit(image="nginx:3", annotations={cause: "upgrade to 3"})
    h.settle()
    sets = h.sets()
    assert {image: rs["metadata"]["annotations"][REVISION] for image, rs in sets.items()} == {
        "nginx:1": "1", "nginx:2": "2", "nginx:3": "3"}
    assert sets["nginx:2"]["metadata"]["annotations"][cause] == "upgrade to 2"
    notes = sets["nginx:3"]["metadata"]["annotations"]
    assert (notes["deployment.kubernetes.io/desired-replicas"], notes["deployment.kubernetes.io/max-replicas"]) == (
        "4", "5")
    assert h.deployment()["metadata"]["annotations"][REVISION] == "3"
    # what kubectl rollout undo --to-revision=1 does: the set's template (without its hash) and annotations
    old = sets["nginx:1"]
    d = h.deployment()
    template = old["spec"]["template"]
    del template["metadata"]["labels"]["pod-template-hash"]
    d["spec"]["template"] = template
    d["metadata"]["annotations"] = {REVISION: "3"}
    d["metadata"]["generation"] += 1
    h.tracker.update("deployments.apps", "default", d)
    h.settle()
    sets = h.sets()
    assert len(sets) == 3  # the old set is re-used, not copied
    assert sets["nginx:1"]["metadata"]["name"] == old["metadata"]["name"]
    assert sets["nginx:1"]["metadata"]["annotations"][REVISION] == "4"
    assert sets["nginx:1"]["metadata"]["annotations"]["deployment.kubernetes.io/revision-history"] == "1"
    assert h.sizes() == {"nginx:1": 4, "nginx:2": 0, "nginx:3": 0}
    assert h.deployment()["metadata"]["annotations"][REVISION] == "4"


def test_revision_history_limit_deletes_the_oldest_empty_sets(tmp_path: Path) -> None:
    h = _rolled(tmp_path, revisionHistoryLimit=1)
    for image in ("nginx:2", "nginx:3", "nginx:4"):
        h.edit(image=image)
        h.settle()
    assert sorted(h.sizes().items()) == [("nginx:3", 0), ("nginx:4", 4)]
    assert sorted(rs["metadata"]["annotations"][REVISION] for rs in h.sets().values()) == ["3", "4"]


def test_the_progress_deadline_is_exceeded_on_the_emulated_clock(tmp_path: Path) -> None:
    h = _rolled(tmp_path, progressDeadlineSeconds=60)
    h.edit(image="nginx:2")
    for _ in range(3):  # until the new pods exist: no progress after that
        h.sync()
    h.clock.advance(60)
    h.sync()
    assert _condition(h, "Progressing")["status"] == "True"  # not yet: the deadline is strictly after
    h.clock.advance(1)
    h.sync()
    progressing = _condition(h, "Progressing")
    name = h.sets()["nginx:2"]["metadata"]["name"]
    assert (progressing["status"], progressing["reason"], progressing["message"]) == (
        "False", "ProgressDeadlineExceeded", f'ReplicaSet "{name}" has timed out progressing.')
    assert _condition(h, "Available")["status"] == "True"  # 3 of 4 old pods still serve
    h.settle()
    assert _condition(h, "Progressing")["reason"] == "NewReplicaSetAvailable"


def test_min_ready_seconds_delays_availability(tmp_path: Path) -> None:
    h = harness(tmp_path)
    h.create(replicas=2, minReadySeconds=10)
    h.sync()
    h.ready()
    h.sync()
    h.sync()
    assert h.deployment()["status"].get("availableReplicas", 0) == 0
    assert h.deployment()["status"]["readyReplicas"] == 2
    h.clock.advance(11)
    h.sync()
    h.sync()
    assert h.deployment()["status"]["availableReplicas"] == 2


def test_pause_holds_a_template_change_and_resume_rolls_it_out(tmp_path: Path) -> None:
    h = _rolled(tmp_path)
    h.set_spec(paused=True)
    h.edit(image="nginx:2")
    h.settle()
    assert h.sizes() == {"nginx:1": 4}
    assert (_condition(h, "Progressing")["status"], _condition(h, "Progressing")["reason"]) == (
        "Unknown", "DeploymentPaused")
    h.set_spec(paused=False)
    h.deployments.reconcile()
    assert h.sizes() == {"nginx:1": 3, "nginx:2": 1}
    h.settle()
    assert h.sizes() == {"nginx:1": 0, "nginx:2": 4}


def test_scaling_mid_rollout_is_proportional(tmp_path: Path) -> None:
    h = _rolled(tmp_path, replicas=10)
    h.edit(image="nginx:2")
    h.deployments.reconcile()
    assert h.sizes() == {"nginx:1": 8, "nginx:2": 3}  # surge 3, unavailable 2
    h.set_spec(replicas=20)
    # 25 allowed (20 + surge 5), 11 held: +14. Each set grows by round(size * 25 / 13) - size (old +7,
    # new +3) and the leftover 4 goes to the largest set
    h.deployments.reconcile()
    assert h.sizes() == {"nginx:1": 19, "nginx:2": 6}


def test_an_orphan_set_the_selector_matches_is_adopted_and_reused(tmp_path: Path) -> None:
    h = _rolled(tmp_path)
    rs = h.sets()["nginx:1"]
    del rs["metadata"]["ownerReferences"]
    h.tracker.update(REPLICASETS, "default", rs)
    h.settle()
    sets = h.tracker.list(REPLICASETS, "default")[0]
    assert len(sets) == 1
    assert sets[0]["metadata"]["ownerReferences"][0]["uid"] == h.deployment()["metadata"]["uid"]


def test_a_set_the_selector_no_longer_matches_is_released(tmp_path: Path) -> None:
    h = _rolled(tmp_path)
    rs = h.sets()["nginx:1"]
    rs["metadata"]["labels"] = {"app": "other"}
    h.tracker.update(REPLICASETS, "default", rs)
    h.deployments.reconcile()
    assert "ownerReferences" not in h.tracker.get(REPLICASETS, "default", rs["metadata"]["name"])["metadata"]


def test_the_deprecated_rollback_annotation_rolls_back_to_the_previous_revision(tmp_path: Path) -> None:
    h = _rolled(tmp_path)
    h.edit(image="nginx:2")
    h.settle()
    d = h.deployment()
    d["metadata"]["annotations"]["deprecated.deployment.rollback.to"] = "0"
    h.tracker.update("deployments.apps", "default", d)
    h.settle()
    d = h.deployment()
    assert d["spec"]["template"]["spec"]["containers"][0]["image"] == "nginx:1"
    assert "deprecated.deployment.rollback.to" not in d["metadata"]["annotations"]
    assert d["metadata"]["annotations"][REVISION] == "3"
    assert h.sizes() == {"nginx:1": 4, "nginx:2": 0}
    reasons = [e["reason"] for e in h.tracker.list("events", "default")[0]]
    assert "DeploymentRollback" in reasons


def test_pods_that_cannot_be_created_give_a_replica_failure_condition(tmp_path: Path) -> None:
    h = harness(tmp_path)
    d = h.create(replicas=1)
    d["spec"]["template"]["spec"]["serviceAccountName"] = "builder"
    h.tracker.update("deployments.apps", "default", d)
    h.sync()
    h.sync()
    failure = _condition(h, "ReplicaFailure")
    assert (failure["status"], failure["reason"]) == ("True", "FailedCreate")
    assert 'error looking up service account default/builder' in failure["message"]
    rs = next(iter(h.sets().values()))
    assert [c["reason"] for c in rs["status"]["conditions"]] == ["FailedCreate"]
    h.tracker.create("serviceaccounts", "default", {"apiVersion": "v1", "kind": "ServiceAccount",
                                                    "metadata": {"name": "builder"}})
    h.settle()
    assert [c["type"] for c in h.deployment()["status"]["conditions"]] == ["Available", "Progressing"]
    assert "conditions" not in next(iter(h.sets().values()))["status"]


def test_template_hashes_use_the_alphabet_of_go_safe_encode_string() -> None:
    """``rand.SafeEncodeString`` maps each character's code point, so decimal digits read 4-9 and b-f."""
    from pullproof.kube.controllers.replicasets import safe_encode, template_hash

    assert safe_encode("0123456789") == "456789bcdf"
    assert set(template_hash({"spec": {"containers": [{"name": "a", "image": "nginx"}]}})) <= set("456789bcdf")


def test_pod_names_use_the_whole_alphabet_and_a_taken_name_is_drawn_again(tmp_path: Path) -> None:
    """A taken generated name ended a ReplicaSet's creations for the pass (and with 16 of the 27 letters,
    a Deployment of thousands met a dozen of them): now it is drawn again, as the API server does."""
    from pullproof.core.ids import SeededIds
    from pullproof.kube.controllers.replicasets import new_pod_name

    tracker = harness(tmp_path).tracker
    first = new_pod_name(tracker, SeededIds(7), "default", "web")
    tracker.create("pods", "default", {"metadata": {"name": first}, "spec": {"containers": []}})
    again = new_pod_name(tracker, SeededIds(7), "default", "web")  # the same draws: the first is taken
    assert again != first and again.startswith("web-") and len(again) == 9
    names = {new_pod_name(tracker, SeededIds(n), "default", "web")[4:] for n in range(300)}
    assert len(set("".join(names))) > 16  # letters beyond the 16 a hex digit could pick
