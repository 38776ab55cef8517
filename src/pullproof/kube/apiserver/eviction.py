"""``POST pods/<name>/eviction`` (``pkg/registry/core/pod/storage/eviction.go``): a pod is deleted
only if the PodDisruptionBudget that selects it allows one more disruption; the budget's
``disruptionsAllowed`` is decremented and the pod recorded in ``disruptedPods`` first."""

from __future__ import annotations

from typing import Any

from pullproof.core.errors import ServiceError
from pullproof.kube import errors
from pullproof.kube.apiserver import options
from pullproof.kube.apiserver.deletion import Deleter
from pullproof.kube.apiserver.kinds.policy import allowed_condition, selects
from pullproof.kube.apiserver.service import ObjectService
from pullproof.kube.storage import resources
from pullproof.kube.storage.tracker import clone, kube_time

Obj = dict[str, Any]
PDBS = "poddisruptionbudgets.policy"
VIOLATION = "Cannot evict pod as it would violate the pod's disruption budget."
MANY = "This pod has more than one PodDisruptionBudget, which the eviction subresource does not support."
SUCCESS: Obj = {"kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Success", "code": 201}


def _ready(pod: Obj) -> bool:
    conditions = (pod.get("status") or {}).get("conditions") or []
    return any(c.get("type") == "Ready" and c.get("status") == "True" for c in conditions)


def too_many(message: str, retry_after: int = 0) -> ServiceError:
    headers = {"Retry-After": str(retry_after)} if retry_after else None
    return ServiceError(errors.TOO_MANY_REQUESTS, headers, detail=VIOLATION, retry_after=retry_after,
                        causes_list=[{"reason": "DisruptionBudget", "message": message}])


class Evictions:
    def __init__(self, objects: ObjectService) -> None:
        self.objects = objects
        self.tracker = objects.tracker
        self.deleter = Deleter(objects)

    def evict(self, namespace: str, name: str, body: Obj, query: dict[str, str]) -> Obj:
        if (body.get("metadata") or {}).get("name") != name:
            raise ServiceError(errors.BAD_REQUEST, detail="name in URL does not match name in Eviction object")
        raw = body.get("deleteOptions") or {}
        opts = options.delete_options(query, raw if isinstance(raw, dict) else {})
        pod = self.tracker.get("pods", namespace, name)
        if not self._ignores_budgets(pod):
            self._check_budgets(namespace, pod, opts.dry_run)
        self._delete(namespace, pod, opts)
        return dict(SUCCESS)

    @staticmethod
    def _ignores_budgets(pod: Obj) -> bool:
        """``canIgnorePDB``: a pod that finished, never started, or is already being deleted."""
        phase = (pod.get("status") or {}).get("phase")
        return phase in ("Succeeded", "Failed", "Pending") or bool(pod["metadata"].get("deletionTimestamp"))

    def _check_budgets(self, namespace: str, pod: Obj, dry_run: bool) -> None:
        budgets = [p for p in self.tracker.scan(PDBS, namespace) if selects(p, pod)]
        if len(budgets) > 1:
            raise ServiceError(errors.INTERNAL, detail=MANY, causes_list=[{"message": MANY}])
        if not budgets:
            return
        pdb = budgets[0]
        spec, status = pdb.get("spec") or {}, pdb.get("status") or {}
        if not _ready(pod):
            if spec.get("unhealthyPodEvictionPolicy") == "AlwaysAllow":
                return
            desired = int(status.get("desiredHealthy") or 0)
            if int(status.get("currentHealthy") or 0) >= desired > 0:
                return
        self._decrement(namespace, pod["metadata"]["name"], pdb, dry_run)

    def _decrement(self, namespace: str, pod_name: str, pdb: Obj, dry_run: bool) -> None:
        """``checkAndDecrement``."""
        status = clone(pdb.get("status") or {})
        name = pdb["metadata"]["name"]
        if int(status.get("observedGeneration") or 0) < int(pdb["metadata"].get("generation") or 1):
            raise too_many(f"The disruption budget {name} is still being processed by the server.", 10)
        allowed = int(status.get("disruptionsAllowed") or 0)
        if allowed <= 0:
            raise too_many(f"The disruption budget {name} needs {int(status.get('desiredHealthy') or 0)} healthy "
                           f"pods and has {int(status.get('currentHealthy') or 0)} currently")
        now = kube_time(self.objects.clock.now())
        status["disruptionsAllowed"] = allowed - 1
        if allowed == 1:
            allowed_condition(status, int(status.get("observedGeneration") or 0), now)
        status.setdefault("disruptedPods", {})[pod_name] = now
        if dry_run:
            return
        updated = clone(pdb)
        updated["status"] = status
        self.tracker.update(PDBS, namespace, updated)

    def _delete(self, namespace: str, pod: Obj, opts: options.DeleteOptions) -> None:
        """``addConditionAndDeletePod``: a running pod gets ``DisruptionTarget`` before it is deleted."""
        rtype = resources.by_key("pods")
        assert rtype is not None
        status = pod.setdefault("status", {})
        if not opts.dry_run and status.get("phase") not in ("Succeeded", "Failed") \
                and not pod["metadata"].get("deletionTimestamp"):
            conditions = [c for c in status.get("conditions") or [] if c.get("type") != "DisruptionTarget"]
            conditions.append({"type": "DisruptionTarget", "status": "True", "lastProbeTime": None,
                               "lastTransitionTime": kube_time(self.objects.clock.now()),
                               "reason": "EvictionByEvictionAPI", "message": "Eviction API: evicting"})
            status["conditions"] = conditions
            self.tracker.update("pods", namespace, pod, check_version=False)
        self.deleter.delete(rtype, namespace, pod["metadata"]["name"], opts)
