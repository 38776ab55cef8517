"""The resource quota controller: ``status.hard`` follows ``spec.hard`` and ``status.used`` is what the
namespace's objects use of each limited resource (computed as the admission plugin charges them)."""

from __future__ import annotations

from decimal import Decimal

from pullproof.core.clock import Clock
from pullproof.kube.apiserver.kinds.quota import QUOTA_KEYS, format_quantity, namespace_usage
from pullproof.kube.storage.tracker import Tracker


class ResourceQuotaController:
    def __init__(self, tracker: Tracker, clock: Clock) -> None:
        self.tracker = tracker
        self.clock = clock

    def reconcile(self) -> None:
        for quota in self.tracker.scan("resourcequotas"):
            namespace = quota["metadata"]["namespace"]
            hard: dict[str, str] = dict((quota.get("spec") or {}).get("hard") or {})
            total: dict[str, Decimal] = {}
            for key in QUOTA_KEYS:
                for resource, value in namespace_usage(self.tracker.scan(key, namespace), key).items():
                    total[resource] = total.get(resource, Decimal(0)) + value
            used = {r: format_quantity(total.get(r, Decimal(0)), hard[r]) for r in hard}
            status = {"hard": hard, "used": used}
            if quota.get("status") != status:
                quota["status"] = status
                self.tracker.update("resourcequotas", namespace, quota, check_version=False)
