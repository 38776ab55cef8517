"""What planning a template yields: each resource instance (``Planned``), the ``Plan`` with its
execution order, and a request ready to run (``Prepared``)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from pullproof.arm.models import DEPLOYMENT_TYPE
from pullproof.iac.context import Frame, Scope
from pullproof.iac.jsonc import JsonPath
from pullproof.iac.requests import Request
from pullproof.iac.template import Template
from pullproof.iac.values import Unknown


@dataclass
class Planned:
    """One resource instance (one per copy index) of the template."""

    key: int
    path: JsonPath
    decl: dict[str, Any]
    frame: Frame
    type: str
    api_version: str
    name: str | Unknown
    id: str | Unknown
    target: Scope
    condition: bool | Unknown = True
    existing: bool = False
    symbol: str | None = None
    copy_name: str | None = None
    parent: int | None = None
    depends: list[int] = field(default_factory=list)

    @property
    def label(self) -> str:
        return self.name.text if isinstance(self.name, Unknown) else self.name

    @property
    def is_deployment(self) -> bool:
        return self.type.lower() == DEPLOYMENT_TYPE.lower()


@dataclass
class Plan:
    template: Template
    resources: list[Planned]

    def order(self) -> list[Planned]:
        """Dependencies first; otherwise template order."""
        done: set[int] = set()
        ordered: list[Planned] = []
        pending = list(self.resources)
        while pending:
            ready = next(r for r in pending if all(d in done for d in r.depends))
            pending.remove(ready)
            done.add(ready.key)
            ordered.append(ready)
        return ordered

    def symbols(self) -> dict[str, str]:
        """Names usable in ``reference('name')``: symbolic names, and unambiguous resource names."""
        table: dict[str, str] = {}
        seen: dict[str, int] = {}
        for item in self.resources:
            if isinstance(item.id, str) and isinstance(item.name, str):
                seen[item.name.lower()] = seen.get(item.name.lower(), 0) + 1
                table.setdefault(item.name.lower(), item.id)
                if item.symbol and item.copy_name is None:
                    table[item.symbol.lower()] = item.id
        return {k: v for k, v in table.items() if seen.get(k, 1) == 1}


@dataclass
class Prepared:
    """A request whose template and parameters passed preflight, with its frame and plan."""

    request: Request
    frame: Frame
    plan: Plan
    parameters: dict[str, Any]
    template_hash: str
