"""A kind's strategy, as the API server's registry gives each resource one (``pkg/registry/<group>/<kind>/
strategy.go``): defaulting, validation on create and update, the table printer, how the main resource
treats ``status``, and the admission steps that need the cluster's state (allocating a ClusterIP,
charging a quota)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from pullproof.core.ids import IdFactory
from pullproof.kube.apiserver.printing.printers import Printer
from pullproof.kube.apiserver.validation import Cause
from pullproof.kube.storage.tracker import Tracker

Obj = dict[str, Any]
Check = Callable[[Obj], list[Cause]]
UpdateCheck = Callable[[Obj, Obj], list[Cause]]
"""``(current, new)``: what may not change, with the API server's messages."""
Admit = Callable[["AdmissionContext", Obj, "Obj | None"], None]
"""``(context, new, current)``; ``current`` is None on create. Raises ``ServiceError`` to refuse."""


@dataclass(frozen=True)
class AdmissionContext:
    tracker: Tracker
    ids: IdFactory
    dry_run: bool = False


def _nothing(_obj: Obj) -> None:
    return None


def _no_causes(_obj: Obj) -> list[Cause]:
    return []


def _no_update_causes(_current: Obj, _new: Obj) -> list[Cause]:
    return []


def _no_warnings(_obj: Obj) -> list[str]:
    return []


@dataclass(frozen=True)
class Strategy:
    default: Callable[[Obj], None] = _nothing
    validate: Check = _no_causes
    validate_update: UpdateCheck = _no_update_causes
    printer: Printer | None = None
    initial_status: Obj | None = None
    """With a status subresource, ``status`` on a create is replaced by this (dropped when None), and
    an update of the main resource keeps the stored status."""
    mutate: tuple[Admit, ...] = field(default=())
    """Admission that changes the object (before validation)."""
    admit: tuple[Admit, ...] = field(default=())
    """Admission that checks against the cluster's state (after validation)."""
    warnings: Callable[[Obj], list[str]] = _no_warnings
    """Warnings a write of a valid object returns to the client (``Warning`` headers)."""


@dataclass(frozen=True)
class Conversion:
    """A view's pair of conversions between its version and its storage's (whole typed objects)."""

    to_storage: Callable[[Obj], Obj]
    from_storage: Callable[[Obj], Obj]


@dataclass(frozen=True)
class Plugin:
    """An admission step across kinds (LimitRanger defaults pods, ResourceQuota charges any kind)."""

    keys: frozenset[str]
    """The resource keys it acts on; empty means every kind."""
    run: Admit
    mutating: bool = False

    def applies(self, key: str) -> bool:
        return not self.keys or key in self.keys
