"""The inputs of a lint run: entry templates (Bicep compiled to ARM JSON, ARM JSON as is), Kubernetes
manifests and GitHub workflows, found in the files and directories given. A ``.bicep`` another
given ``.bicep`` uses as a module is not an entry."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from pullproof.bicep import BicepError, Compiler
from pullproof.iac.jsonc import JsoncError, parse
from pullproof.lint.errors import InputError
from pullproof.lint.manifests import ManifestDoc, load_manifests
from pullproof.lint.sources import SourceIndex, bicep_closure, module_refs
from pullproof.lint.workflows import Workflow, load_workflow

SKIP_DIRS = {".git", "node_modules", ".venv", "venv", "__pycache__", ".terraform", "bin", "obj"}
Scope = Literal["subscription", "group"]


@dataclass
class TemplateInput:
    path: Path
    template: dict[str, Any]
    scope: Scope
    sources: SourceIndex
    text: str | None = None  # ARM JSON: the file text (errors name its lines)


@dataclass
class Inputs:
    paths: list[Path]
    templates: list[TemplateInput] = field(default_factory=list)
    manifests: list[ManifestDoc] = field(default_factory=list)
    workflows: list[Workflow] = field(default_factory=list)


def _walk(root: Path) -> list[Path]:
    found = []
    for path in sorted(root.rglob("*")):
        rel = path.relative_to(root).parts
        if any(p in SKIP_DIRS or (p.startswith(".") and p != ".github") for p in rel[:-1]):
            continue
        if path.is_file() and path.suffix.lower() in (".bicep", ".json", ".yaml", ".yml"):
            found.append(path)
    return found


def _files(paths: list[Path]) -> list[tuple[Path, bool]]:
    """Every candidate file, with whether it was named on the command line."""
    out: list[tuple[Path, bool]] = []
    for path in paths:
        if path.is_dir():
            out += [(p, False) for p in _walk(path)]
        elif path.is_file():
            out.append((path, True))
        else:
            raise InputError(f"{path}: no such file or directory", path)
    unique: dict[Path, tuple[Path, bool]] = {}
    for path, explicit in out:
        unique.setdefault(path.resolve(), (path, explicit))
    return list(unique.values())


def _scope(schema: str) -> Scope | None:
    lowered = schema.lower()
    if "subscriptiondeploymenttemplate.json" in lowered:
        return "subscription"
    if lowered.endswith(("/deploymenttemplate.json#", "/deploymenttemplate.json")):
        return "group"
    return None


def _json_template(path: Path, explicit: bool) -> TemplateInput | None:
    try:
        text = path.read_text("utf-8-sig")
        value = parse(text).value
    except (OSError, UnicodeDecodeError, JsoncError) as exc:
        if explicit:
            raise InputError(f"{path}: not valid JSON: {getattr(exc, 'detail', exc)}", path) from None
        return None
    schema = str(value.get("$schema", "")) if isinstance(value, dict) else ""
    if "deploymenttemplate.json" not in schema.lower():
        if explicit and "deploymentparameters.json" not in schema.lower():
            raise InputError(f"{path}: not an ARM template (no deploymentTemplate.json $schema)", path)
        return None
    scope = _scope(schema)
    if scope is None:
        raise InputError(f"{path}: only resource-group and subscription templates can be linted ({schema})", path)
    return TemplateInput(path, value, scope, SourceIndex([path]), text)


def _bicep_entries(files: list[Path], compiler: Compiler) -> list[TemplateInput]:
    used = {ref.target for path in files for ref in module_refs(path)}
    entries = []
    for path in files:
        if path.resolve() in used:
            continue
        try:
            template = compiler.compile(path)
        except BicepError as exc:
            raise InputError(str(exc), Path(exc.file), exc.line, exc.column) from None
        scope = _scope(str(template.get("$schema", ""))) or "group"
        entries.append(TemplateInput(path, template, scope, SourceIndex(bicep_closure(path))))
    return entries


def load_inputs(paths: list[Path], compiler: Compiler | None = None) -> Inputs:
    """Classify and load every input; ``InputError`` for what cannot be read or compiled."""
    inputs = Inputs(paths)
    bicep: list[Path] = []
    for path, explicit in _files(paths):
        suffix = path.suffix.lower()
        if suffix == ".bicep":
            bicep.append(path)
        elif suffix == ".json":
            found = _json_template(path, explicit)
            if found is not None:
                inputs.templates.append(found)
        elif "/.github/workflows/" in path.resolve().as_posix():
            inputs.workflows.append(load_workflow(path))
        else:
            inputs.manifests += load_manifests(path, explicit)
    inputs.templates = _bicep_entries(bicep, compiler or Compiler()) + inputs.templates
    for flow in inputs.workflows:
        for target in flow.applies:
            listed = [p for p in _walk(target) if p.suffix in (".yaml", ".yml")] if target.is_dir() else [target]
            for manifest in (p for p in listed if p.is_file()):
                if all(m.path.resolve() != manifest.resolve() for m in inputs.manifests):
                    inputs.manifests += load_manifests(manifest, False)
    return inputs
