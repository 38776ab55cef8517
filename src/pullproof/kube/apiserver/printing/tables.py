"""Server-side printing: ``meta.k8s.io`` Tables (what ``kubectl get`` shows), built from the
per-kind printers in ``printers.py``; ages are apimachinery's ``HumanDuration``."""

from __future__ import annotations

from typing import Any

from pullproof.kube.apiserver import kinds
from pullproof.kube.apiserver.printing import printers
from pullproof.kube.apiserver.printing.custom import custom_printer
from pullproof.kube.apiserver.printing.durations import Ages
from pullproof.kube.storage.resources import ResourceType


def partial(obj: dict[str, Any], table_api: str) -> dict[str, Any]:
    return {"kind": "PartialObjectMetadata", "apiVersion": table_api, "metadata": obj.get("metadata") or {}}


def table(rtype: ResourceType, objects: list[dict[str, Any]], now: float, version: str,
          list_meta: dict[str, Any], include: str = "Metadata", headers: bool = True) -> dict[str, Any]:
    """A Table of ``objects``; ``include`` is the ``includeObject`` query (None, Metadata, Object)."""
    api = f"meta.k8s.io/{version}"
    strategy = kinds.strategy(rtype.key)
    if rtype.custom is not None:
        printer = custom_printer(rtype)
    elif strategy is not None and strategy.printer is not None:
        printer = strategy.printer
    else:
        printer = printers.printer_for(rtype)
    ages = Ages(now)
    rows = []
    for obj in objects:
        row: dict[str, Any] = {"cells": printer.cells(obj, ages)}
        conditions = printer.conditions(obj)
        if conditions:
            row["conditions"] = conditions
        if include == "Object":
            row["object"] = obj
        elif include != "None":
            row["object"] = partial(obj, api)
        rows.append(row)
    return {"kind": "Table", "apiVersion": api, "metadata": list_meta,
            "columnDefinitions": printer.columns() if headers else [], "rows": rows}
