"""Where things are declared: the ``resource``/``module``/``output`` lines of Bicep files and the
resource objects of ARM JSON templates, so findings point at a file, line and column (best effort:
by resource type, preferring the declaration whose text mentions a hint)."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pullproof.iac.jsonc import JsoncError, parse
from pullproof.lint.model import Location

RESOURCE = re.compile(r"^([ \t]*)resource\s+(\w+)\s+'([^'@]+)@[^']*'\s*(existing\s*)?=", re.M)
MODULE = re.compile(r"^([ \t]*)module\s+(\w+)\s+'([^']+)'", re.M)
OUTPUT = re.compile(r"^output\s+(\w+)\s+\w+\s*=\s*(.+?)\s*$", re.M)
TOP_LEVEL = re.compile(r"^(resource|module|output|param|var|type|func|targetScope|@)", re.M)


@dataclass(frozen=True)
class Declaration:
    path: Path
    line: int
    column: int
    symbol: str
    type: str
    existing: bool
    block: str

    @property
    def location(self) -> Location:
        return Location(self.path, self.line, self.column)

    def property_location(self, key: str) -> Location:
        """The line of ``key`` inside this declaration (the declaration itself if absent)."""
        for offset, text in enumerate(self.block.splitlines()):
            stripped = text.lstrip()
            if stripped.startswith((f"{key}:", f'"{key}"')):
                return Location(self.path, self.line + offset, len(text) - len(stripped) + 1)
        return self.location


@dataclass(frozen=True)
class ModuleRef:
    path: Path
    line: int
    symbol: str
    target: Path
    block: str


def _line_of(text: str, offset: int) -> tuple[int, int]:
    line = text.count("\n", 0, offset) + 1
    return line, offset - (text.rfind("\n", 0, offset) + 1) + 1


def _block(text: str, start: int) -> str:
    following = TOP_LEVEL.search(text, text.find("\n", start) + 1 if "\n" in text[start:] else len(text))
    return text[start: following.start() if following else len(text)]


def module_refs(path: Path) -> list[ModuleRef]:
    text = path.read_text("utf-8-sig")
    refs = []
    for m in MODULE.finditer(text):
        line, _ = _line_of(text, m.start(2))
        refs.append(ModuleRef(path, line, m.group(2), (path.parent / m.group(3)).resolve(), _block(text, m.start())))
    return refs


def bicep_closure(entry: Path) -> list[Path]:
    """The entry and every local module it uses, transitively."""
    seen: list[Path] = []
    todo = [entry.resolve()]
    while todo:
        path = todo.pop(0)
        if path in seen or not path.is_file():
            continue
        seen.append(path)
        todo += [r.target for r in module_refs(path) if r.target.suffix == ".bicep"]
    return seen


def outputs(path: Path) -> dict[str, str]:
    return {m.group(1): m.group(2) for m in OUTPUT.finditer(path.read_text("utf-8-sig"))}


def _bicep_declarations(path: Path) -> list[Declaration]:
    text = path.read_text("utf-8-sig")
    out = []
    for m in RESOURCE.finditer(text):
        line, column = _line_of(text, m.start(0) + len(m.group(1)))
        out.append(Declaration(path, line, column, m.group(2), m.group(3), bool(m.group(4)), _block(text, m.start())))
    return out


def _json_resources(resources: Any, base: tuple[str | int, ...]) -> list[tuple[tuple[str | int, ...], dict[str, Any]]]:
    items = resources.items() if isinstance(resources, dict) else enumerate(resources or [])
    out: list[tuple[tuple[str | int, ...], dict[str, Any]]] = []
    for key, resource in items:
        if not isinstance(resource, dict):
            continue
        path = (*base, key)
        out.append((path, resource))
        nested = (resource.get("properties") or {}).get("template")
        if isinstance(nested, dict):
            out += _json_resources(nested.get("resources"), (*path, "properties", "template", "resources"))
    return out


def _json_declarations(path: Path) -> list[Declaration]:
    try:
        parsed = parse(path.read_text("utf-8-sig"))
    except (JsoncError, OSError, UnicodeDecodeError):
        return []
    if not isinstance(parsed.value, dict):
        return []
    out = []
    for where, resource in _json_resources(parsed.value.get("resources"), ("resources",)):
        pos = parsed.positions.get(where)
        block = json.dumps(resource, indent=1)
        out.append(Declaration(path, pos.line if pos else 1, pos.column if pos else 1, str(resource.get("name", "")),
                               str(resource.get("type", "")), resource.get("existing") is True, block))
    return out


class SourceIndex:
    """The declarations of a set of Bicep/JSON files."""

    def __init__(self, files: list[Path]) -> None:
        self.files = files
        self.declarations: list[Declaration] = []
        for path in files:
            self.declarations += _json_declarations(path) if path.suffix == ".json" else _bicep_declarations(path)

    def all(self, rtype: str, existing: bool = False) -> list[Declaration]:
        return [d for d in self.declarations if d.type.lower() == rtype.lower() and d.existing == existing]

    def find(self, rtype: str, *hints: str, prefer: Callable[[Declaration], bool] | None = None) -> Declaration | None:
        """The declaration of ``rtype`` whose text mentions most hints (or satisfies ``prefer``)."""
        candidates = self.all(rtype)
        if not candidates:
            return None

        def score(d: Declaration) -> tuple[int, int]:
            text = d.block.lower()
            return (int(prefer(d)) if prefer else 0, sum(1 for h in hints if h and h.lower() in text))

        return max(candidates, key=score)

    def location(self, rtype: str, *hints: str) -> Location:
        found = self.find(rtype, *hints)
        return found.location if found else Location(self.files[0])
