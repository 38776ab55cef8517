"""The simple JSONPaths a CustomResourceDefinition holds (printer columns, scale paths): fields
``.a.b``, array indexes ``.a[0]`` and quoted keys ``.a['b.c']``, the subset the API server accepts
there (its CRD validation refuses filters, wildcards and ranges in these places)."""

from __future__ import annotations

import re
from typing import Any

STEP = re.compile(r"""\.([^.\[\]'"]+)|\[(\d+)\]|\[['"]([^'"]*)['"]\]""")


def steps(path: str) -> list[str | int] | None:
    """The path's steps, or None if it is not a simple path."""
    text = path.strip()
    if text.startswith("{") and text.endswith("}"):
        text = text[1:-1]
    out: list[str | int] = []
    position = 0
    while position < len(text):
        found = STEP.match(text, position)
        if found is None:
            return None
        field, index, quoted = found.groups()
        out.append(int(index) if index is not None else (field if field is not None else quoted))
        position = found.end()
    return out if out else None


def find(obj: Any, path: str) -> tuple[bool, Any]:
    """``(found, value)`` of the path in the object."""
    here = obj
    for step in steps(path) or []:
        if isinstance(step, int):
            if not isinstance(here, list) or step >= len(here):
                return False, None
            here = here[step]
        elif isinstance(here, dict) and step in here:
            here = here[step]
        else:
            return False, None
    return steps(path) is not None, here


def put(obj: dict[str, Any], path: str, value: Any) -> None:
    """Sets the value at a path of fields, creating the objects on the way."""
    keys = [s for s in steps(path) or [] if isinstance(s, str)]
    if not keys:
        return
    here = obj
    for key in keys[:-1]:
        if not isinstance(here.get(key), dict):
            here[key] = {}
        here = here[key]
    here[keys[-1]] = value
