"""Per-kind strategies for the kinds served beyond the first core and apps kinds, one module per API
group. ``STRATEGIES`` maps a resource key (``jobs.batch``) to its strategy; a kind without one is
stored with the generic checks only (names, the typed schema)."""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType

from pullproof.kube.apiserver.kinds import (
    apiextensions,
    apps,
    autoscaling,
    autoscalingv1,
    batch,
    coordination,
    core,
    discovery,
    events,
    networking,
    policy,
    quota,
    rbac,
    scheduling,
    storage,
)
from pullproof.kube.apiserver.kinds.base import Admit, Plugin, Strategy

STRATEGIES: Mapping[str, Strategy] = MappingProxyType({
    **apiextensions.STRATEGIES,
    **apps.STRATEGIES,
    **autoscaling.STRATEGIES,
    **autoscalingv1.STRATEGIES,
    **batch.STRATEGIES,
    **coordination.STRATEGIES,
    **core.STRATEGIES,
    **discovery.STRATEGIES,
    **events.STRATEGIES,
    **networking.STRATEGIES,
    **policy.STRATEGIES,
    **rbac.STRATEGIES,
    **scheduling.STRATEGIES,
    **storage.STRATEGIES,
})
PLUGINS: tuple[Plugin, ...] = (
    *scheduling.PLUGINS,
    *quota.PLUGINS,
)
"""Admission plugins in the order the API server runs them."""


def strategy(key: str) -> Strategy | None:
    return STRATEGIES.get(key)


def admission(key: str, mutating: bool) -> list[Admit]:
    """The admission steps for a write of ``key``: the kind's own, then the plugins that apply."""
    found = STRATEGIES.get(key)
    own = list((found.mutate if mutating else found.admit) if found else ())
    return own + [p.run for p in PLUGINS if p.mutating == mutating and p.applies(key)]
