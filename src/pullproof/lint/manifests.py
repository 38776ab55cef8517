"""Kubernetes manifests: every document with ``apiVersion`` and ``kind``, where it starts, and the
images its pods pull."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from pullproof.lint.errors import InputError


@dataclass(frozen=True)
class ManifestDoc:
    path: Path
    index: int
    line: int
    column: int
    doc: dict[str, Any]

    @property
    def api_version(self) -> str:
        return str(self.doc.get("apiVersion") or "")

    @property
    def kind(self) -> str:
        return str(self.doc.get("kind") or "")

    @property
    def name(self) -> str:
        return str((self.doc.get("metadata") or {}).get("name") or "")

    @property
    def namespace(self) -> str | None:
        value = (self.doc.get("metadata") or {}).get("namespace")
        return str(value) if value else None

    def images(self) -> list[str]:
        return pod_images(self.doc)


def pod_spec(doc: dict[str, Any]) -> dict[str, Any] | None:
    spec = doc.get("spec")
    if not isinstance(spec, dict):
        return None
    if doc.get("kind") == "Pod":
        return spec
    template = spec.get("template") if isinstance(spec.get("template"), dict) else None
    if template is None and doc.get("kind") == "CronJob":
        template = ((spec.get("jobTemplate") or {}).get("spec") or {}).get("template")
    inner = (template or {}).get("spec")
    return inner if isinstance(inner, dict) else None


def pod_images(doc: dict[str, Any]) -> list[str]:
    spec = pod_spec(doc) or {}
    containers = [*(spec.get("initContainers") or []), *(spec.get("containers") or [])]
    return [str(c["image"]) for c in containers if isinstance(c, dict) and c.get("image")]


def _key_position(node: yaml.Node, key: str) -> tuple[int, int]:
    if isinstance(node, yaml.MappingNode):
        for k, _ in node.value:
            if isinstance(k, yaml.ScalarNode) and k.value == key:
                return k.start_mark.line + 1, k.start_mark.column + 1
    return node.start_mark.line + 1, node.start_mark.column + 1


def load_manifests(path: Path, strict: bool) -> list[ManifestDoc]:
    """The Kubernetes objects in a YAML file (empty when it holds none). A YAML syntax error raises
    ``InputError`` when ``strict`` (the file was named on the command line), else the file is skipped."""
    try:
        text = path.read_text("utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(f"cannot read {path}: {exc}", path) from None
    loader = yaml.SafeLoader(text)
    docs: list[ManifestDoc] = []
    try:
        index = 0
        while loader.check_node():
            node = loader.get_node()
            if node is None:
                break
            value = loader.construct_document(node)
            if isinstance(value, dict) and value.get("apiVersion") and value.get("kind"):
                line, column = _key_position(node, "apiVersion")
                docs.append(ManifestDoc(path, index, line, column, value))
            index += 1
    except yaml.YAMLError as exc:
        if not strict:
            return []
        mark = getattr(exc, "problem_mark", None)
        line = mark.line + 1 if mark is not None else 0
        raise InputError(f"{path}({line}): YAML syntax error: {getattr(exc, 'problem', exc)}", path, line) from None
    finally:
        loader.dispose()
    return docs
