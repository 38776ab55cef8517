"""EndpointSlice (``discovery.k8s.io``): the printer (NAME ADDRESSTYPE PORTS ENDPOINTS AGE)."""

from __future__ import annotations

from typing import Any

from pullproof.kube.apiserver.kinds.base import Obj, Strategy
from pullproof.kube.apiserver.printing.durations import Ages
from pullproof.kube.apiserver.printing.printers import AGE, NAME, Column, Printer


def _more(shown: list[str], count: int) -> str:
    """``listWithMoreString``: the first three, ``+ N more...``, ``<unset>`` when empty."""
    text = ",".join(shown[:3])
    if count > 3:
        return f"{text} + {count - 3} more..."
    return text or "<unset>"


def _ports(ports: list[Obj]) -> str:
    return _more([str(p["port"]) if p.get("port") is not None else str(p.get("name") or "*") for p in ports],
                 len(ports))


def _addresses(endpoints: list[Obj]) -> str:
    addresses = [a for e in endpoints for a in e.get("addresses") or []]
    return _more(addresses, len(addresses))


def _slice(obj: Obj, ages: Ages) -> list[Any]:
    return [obj["metadata"].get("name", ""), obj.get("addressType", ""), _ports(obj.get("ports") or []),
            _addresses(obj.get("endpoints") or []), ages.since(obj["metadata"].get("creationTimestamp"))]


SLICE_PRINTER = Printer((NAME, Column("AddressType", description="The type of address of this endpoint slice."),
                         Column("Ports", description="Ports of the endpoint slice."),
                         Column("Endpoints", description="Endpoints of the endpoint slice."), AGE), _slice)
STRATEGIES: dict[str, Strategy] = {"endpointslices.discovery.k8s.io": Strategy(printer=SLICE_PRINTER)}
