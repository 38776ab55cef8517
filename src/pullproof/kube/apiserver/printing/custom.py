"""Tables of custom resources, as the apiextensions API server's table convertor builds them: a
Name column, then the version's ``additionalPrinterColumns`` (an Age column when it declares none),
each cell the first result of the column's JSONPath, typed by the column's ``type``."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

from pullproof.kube.apiserver.jsonpath import find
from pullproof.kube.apiserver.printing.durations import Ages
from pullproof.kube.apiserver.printing.printers import AGE_DOC, NAME, Column, Printer
from pullproof.kube.storage.customtypes import AGE_PATH
from pullproof.kube.storage.resources import PrinterColumn, ResourceType

Obj = dict[str, Any]


def _text(value: Any) -> str:
    """How client-go's JSONPath prints one result."""
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (dict, list)):
        return json.dumps(value, separators=(",", ":"))
    return str(value)


def _cell(column: PrinterColumn, obj: Obj, ages: Ages) -> Any:
    found, value = find(obj, column.json_path)
    if not found or value is None:
        return None
    if column.type == "string":
        return _text(value)
    if column.type == "integer":
        return int(value) if isinstance(value, (int, float)) and not isinstance(value, bool) else None
    if column.type == "number":
        return value if isinstance(value, (int, float)) and not isinstance(value, bool) else None
    if column.type == "boolean":
        return value if isinstance(value, bool) else None
    if column.type == "date":
        return ages.since(value) if isinstance(value, str) else None
    return value


def custom_printer(rtype: ResourceType) -> Printer:
    columns = rtype.custom.columns if rtype.custom is not None else ()
    definitions = (NAME, *(Column(c.name, c.type, c.description or (AGE_DOC if c.json_path == AGE_PATH else ""),
                                  c.priority, c.format) for c in columns))

    def row(obj: Obj, ages: Ages) -> list[Any]:
        return [(obj.get("metadata") or {}).get("name", "")] + [_cell(c, obj, ages) for c in columns]

    return Printer(definitions, row)


def _created_at(obj: Obj, _ages: Ages) -> list[Any]:
    meta = obj.get("metadata") or {}
    stamp = str(meta.get("creationTimestamp") or "")
    try:
        shown = datetime.strptime(stamp, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    except ValueError:
        shown = "0001-01-01T00:00:00Z"
    return [meta.get("name", ""), shown]


CRD_PRINTER = Printer((NAME, Column("Created At", "date", AGE_DOC)), _created_at)
"""CustomResourceDefinitions print with the default table convertor: NAME, CREATED AT."""
