"""The real kubectl 1.32's rollout commands against the served emulator: history (and one revision),
undo to a revision (done client-side from the ReplicaSets), restart, pause, status, and deleting a
Deployment with ``--cascade=orphan``. Pods are made Ready here, the kubelet's part."""

from __future__ import annotations

import re
from typing import Any

from pullproof.core.errors import ServiceError
from pullproof.kube.controllers.replicasets import DEPLOYMENTS, REPLICASETS
from pullproof.kube.storage.tracker import kube_time
from tests.kube import test_kubectl as base

server = base.server
kubectl = base.kubectl
MANIFEST = """apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
spec:
  replicas: 2
  selector:
    matchLabels:
      app: web
  template:
    metadata:
      labels:
        app: web
    spec:
      containers:
      - name: web
        image: nginx:1
"""


def _serve_pods(k: base.Kubectl) -> bool:
    """Every pod that is not Ready yet becomes Ready (and Running); always False (for ``until``)."""
    tracker = k.cluster.tracker
    for pod in tracker.list("pods", "default")[0]:
        status = pod.setdefault("status", {})
        if any(c.get("type") == "Ready" and c.get("status") == "True" for c in status.get("conditions") or []):
            continue
        status["phase"] = "Running"
        status["conditions"] = [{"type": "Ready", "status": "True", "lastProbeTime": None,
                                 "lastTransitionTime": kube_time(k.cluster.tracker.clock.now())}]
        try:
            tracker.update("pods", "default", pod)
        except ServiceError:
            continue  # changed or gone meanwhile: the next round sees it
    return False


def _rolled_out(k: base.Kubectl, image: str) -> bool:
    _serve_pods(k)
    d = k.cluster.tracker.get(DEPLOYMENTS, "default", "web")
    status = d.get("status") or {}
    return (d["spec"]["template"]["spec"]["containers"][0]["image"] == image
            and status.get("observedGeneration") == d["metadata"]["generation"]
            and status.get("updatedReplicas") == status.get("availableReplicas") == status.get("replicas") == 2)


def _apply(k: base.Kubectl) -> None:
    (k.home / "web.yaml").write_text(MANIFEST)
    assert k("apply", "-f", str(k.home / "web.yaml")).stdout == "deployment.apps/web created\n"
    base.until(lambda: _rolled_out(k, "nginx:1"), "the first rollout")


def _sets(k: base.Kubectl) -> dict[str, dict[str, Any]]:
    return {rs["spec"]["template"]["spec"]["containers"][0]["image"]: rs
            for rs in k.cluster.tracker.list(REPLICASETS, "default")[0]}


def _upgrade(k: base.Kubectl, image: str) -> None:
    assert k("set", "image", "deployment/web", f"web={image}").stdout == "deployment.apps/web image updated\n"
    k("annotate", "deployment/web", f"kubernetes.io/change-cause=upgrade to {image}", "--overwrite")
    base.until(lambda: _rolled_out(k, image) and "kubernetes.io/change-cause" in (
        _sets(k)[image]["metadata"].get("annotations") or {}), f"the rollout of {image}")


def test_rollout_history_and_undo_to_a_revision(kubectl: base.Kubectl) -> None:
    _apply(kubectl)
    _upgrade(kubectl, "nginx:2")
    _upgrade(kubectl, "nginx:3")
    history = kubectl("rollout", "history", "deployment/web")
    assert history.stdout.splitlines()[1:] == ["REVISION  CHANGE-CAUSE", "1         <none>",
                                               "2         upgrade to nginx:2", "3         upgrade to nginx:3", ""]
    one = kubectl("rollout", "history", "deployment/web", "--revision=2").stdout
    assert one.startswith("deployment.apps/web with revision #2\nPod Template:\n"), one
    assert "nginx:2" in one and "pod-template-hash=" in one
    missing = kubectl("rollout", "undo", "deployment/web", "--to-revision=9")
    assert (missing.returncode, missing.stderr) == (1, "error: unable to find specified revision 9 in history\n")
    undone = kubectl("rollout", "undo", "deployment/web", "--to-revision=1")
    assert undone.stdout == "deployment.apps/web rolled back\n", undone.stderr
    base.until(lambda: _rolled_out(kubectl, "nginx:1"), "the rollback")
    sets = _sets(kubectl)
    assert len(sets) == 3 and sets["nginx:1"]["metadata"]["annotations"]["deployment.kubernetes.io/revision"] == "4"
    rows = kubectl("rollout", "history", "deployment/web").stdout.splitlines()
    assert [line.split()[0] for line in rows[2:-1]] == ["2", "3", "4"]
    undone = kubectl("rollout", "undo", "deployment/web")  # back to the previous revision, 3
    assert undone.stdout == "deployment.apps/web rolled back\n", undone.stderr
    base.until(lambda: _rolled_out(kubectl, "nginx:3"), "the undo")


def test_rollout_restart_pause_and_status(kubectl: base.Kubectl) -> None:
    _apply(kubectl)
    done = kubectl("rollout", "status", "deployment/web")
    assert done.stdout == 'deployment "web" successfully rolled out\n', done.stderr
    assert kubectl("rollout", "restart", "deployment/web").stdout == "deployment.apps/web restarted\n"
    with kubectl.start("rollout", "status", "deployment/web", "--timeout=30s") as watching:
        base.until(lambda: _serve_pods(kubectl) or watching.poll() is not None, "rollout status")
        out, err = watching.communicate(timeout=30)
    assert watching.returncode == 0, err
    assert out.splitlines()[-1] == 'deployment "web" successfully rolled out', out
    waiting = re.compile(r'Waiting for deployment (spec update to be observed|"web" rollout to finish: '
                         r'(\d+ out of 2 new replicas have been updated|\d+ old replicas are pending termination'
                         r'|\d+ of 2 updated replicas are available))\.\.\.')
    assert all(waiting.fullmatch(line) for line in out.splitlines()[:-1]), out
    sets = {rs["metadata"]["annotations"]["deployment.kubernetes.io/revision"]: rs
            for rs in kubectl.cluster.tracker.list(REPLICASETS, "default")[0]}
    assert sorted(sets) == ["1", "2"]
    assert "kubectl.kubernetes.io/restartedAt" in sets["2"]["spec"]["template"]["metadata"]["annotations"]
    assert sets["1"]["spec"]["replicas"] == 0
    assert kubectl("rollout", "pause", "deployment/web").stdout == "deployment.apps/web paused\n"
    paused = kubectl("rollout", "undo", "deployment/web")
    assert paused.stderr == ("error: you cannot rollback a paused deployment; resume it first with "
                             "'kubectl rollout resume' and try again\n")
    assert kubectl("rollout", "resume", "deployment/web").stdout == "deployment.apps/web resumed\n"


def test_rollout_status_reports_an_exceeded_progress_deadline(kubectl: base.Kubectl) -> None:
    (kubectl.home / "web.yaml").write_text(MANIFEST.replace("spec:\n  replicas", "spec:\n  progressDeadlineSeconds: 1\n"
                                                                                  "  replicas"))
    kubectl("apply", "-f", str(kubectl.home / "web.yaml"))
    status = kubectl("rollout", "status", "deployment/web", "--timeout=20s")  # no pod ever becomes Ready
    assert (status.returncode, status.stderr) == (1, 'error: deployment "web" exceeded its progress deadline\n')


def test_deleting_with_cascade_orphan_leaves_the_replica_set(kubectl: base.Kubectl) -> None:
    _apply(kubectl)
    deleted = kubectl("delete", "deployment", "web", "--cascade=orphan")
    assert deleted.stdout == 'deployment.apps "web" deleted\n', deleted.stderr
    sets = kubectl.cluster.tracker.list(REPLICASETS, "default")[0]
    assert len(sets) == 1 and "ownerReferences" not in sets[0]["metadata"]
    pods = kubectl.cluster.tracker.list("pods", "default")[0]
    assert len(pods) == 2 and all(p["metadata"]["ownerReferences"][0]["kind"] == "ReplicaSet" for p in pods)
    _apply(kubectl)  # the same Deployment again adopts the orphan: no second set, no new pods
    sets = kubectl.cluster.tracker.list(REPLICASETS, "default")[0]
    assert len(sets) == 1 and sets[0]["metadata"]["ownerReferences"][0]["kind"] == "Deployment"
    assert {p["metadata"]["name"] for p in kubectl.cluster.tracker.list("pods", "default")[0]} == {
        p["metadata"]["name"] for p in pods}
