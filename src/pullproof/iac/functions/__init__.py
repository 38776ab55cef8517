"""Every template function ARM has (that pullproof evaluates), by lower-case name."""

from __future__ import annotations

from types import MappingProxyType
from typing import Any

from pullproof.iac.context import Phase
from pullproof.iac.functions import collections, logic, resources, text
from pullproof.iac.functions.base import Invocation, Spec, spec

FUNCTIONS: MappingProxyType[str, Spec] = MappingProxyType(
    {s.name.lower(): s for s in (*logic.SPECS, *text.SPECS, *collections.SPECS, *resources.SPECS)})


def _list_action(call: Invocation) -> Any:
    """``listKeys(id, apiVersion[, payload])`` and every other ``list*`` function: a POST action."""
    resource_id, api_version = call.text(0), call.text(1)
    payload = call.args[2] if len(call.args) > 2 else None
    return call.frame.runtime.invoke_list(call.frame, call.name, resource_id, api_version, payload)


LIST_ACTION = spec("list", _list_action, 2, 3, phases=resources.RUNTIME_PHASES, builds=False)


def lookup(name: str) -> Spec | None:
    """The function called ``name`` (case-insensitive); any ``list*`` name is a resource action."""
    found = FUNCTIONS.get(name.lower())
    if found is None and name.lower().startswith("list") and len(name) > 4:
        return Spec(name, LIST_ACTION.fn, 2, 3, False, LIST_ACTION.phases, builds=False, scans=False)
    return found


__all__ = ["FUNCTIONS", "Invocation", "Phase", "Spec", "lookup"]
