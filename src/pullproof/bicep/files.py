"""Compile a file and the modules it includes: paths relative to the including file, cycles refused."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from . import ast as A
from .builder import build_model
from .emitter import emit_template
from .errors import BicepError
from .model import Model
from .parser import BicepParser

REGISTRY_PREFIXES = ("br:", "br/", "ts:", "ts/")
TOO_DEEP = "the file and the modules it includes nest too deeply to compile"


class Compiler:
    """Compiles Bicep files. An instance keeps its (compiled) parser, so reuse it for many builds;
    each ``compile`` reads the files afresh (a module used twice in one build is compiled once)."""

    def __init__(self, parser: BicepParser | None = None) -> None:
        self.parser = parser or BicepParser()
        self._done: dict[Path, tuple[dict[str, Any], Model]] = {}

    def compile(self, path: Path | str) -> dict[str, Any]:
        """The ARM template for ``path`` (a ``.bicep`` file)."""
        target = Path(path).resolve()
        if not target.is_file():
            raise BicepError(f"could not find file '{path}'", path, 0, 0)
        self._done = {}
        try:
            return self._compile(target, ())[0]
        except RecursionError:  # modules including modules, each within the nesting limit
            raise BicepError(TOO_DEEP, path, 0, 0) from None

    def compile_text(self, text: str, path: Path | str = "main.bicep") -> dict[str, Any]:
        """The ARM template for source ``text``; modules resolve relative to ``path``."""
        target = Path(path).resolve()
        self._done = {}
        try:
            return self._build(self.parser.parse(text, target), (target,))[0]
        except RecursionError:
            raise BicepError(TOO_DEEP, path, 0, 0) from None

    def _compile(self, path: Path, stack: tuple[Path, ...]) -> tuple[dict[str, Any], Model]:
        if path not in self._done:
            try:
                text = path.read_bytes().decode("utf-8-sig")  # keep CRLF: multi-line strings preserve it
            except (OSError, UnicodeDecodeError) as exc:
                raise BicepError(f"could not read file: {exc}", path, 0, 0) from None
            self._done[path] = self._build(self.parser.parse(text, path), (*stack, path))
        return self._done[path]

    def _build(self, program: A.Program, stack: tuple[Path, ...]) -> tuple[dict[str, Any], Model]:
        def load(decl: A.ModuleDecl, model: Model) -> tuple[dict[str, Any], Model]:
            return self._compile(self._resolve(decl, model, stack), stack)

        model = build_model(program, load)
        return emit_template(model), model

    def _resolve(self, decl: A.ModuleDecl, model: Model, stack: tuple[Path, ...]) -> Path:
        if not isinstance(decl.path, A.Str):
            raise model.error("a module path cannot use string interpolation", decl.path.pos)
        ref = decl.path.value
        if ref.startswith(REGISTRY_PREFIXES):
            raise model.error(f"registry and template-spec modules ('{ref}') are not supported offline", decl.path.pos)
        if "\\" in ref or Path(ref).is_absolute():
            raise model.error(f"module path '{ref}' must be relative and use '/' as separator", decl.path.pos)
        target = (model.path.parent / ref).resolve()
        if target.suffix.lower() != ".bicep":
            raise model.error(f"module '{ref}': pullproof's compiler supports only .bicep modules", decl.path.pos)
        if not target.is_file():
            raise model.error(f"could not find module file '{ref}' (looked for {target})", decl.path.pos)
        if target in stack:
            cycle = " -> ".join(p.name for p in stack[stack.index(target) :]) + f" -> {target.name}"
            raise model.error(f"circular module reference: {cycle}", decl.path.pos)
        return target
