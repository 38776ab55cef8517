"""A template document: its sections, where each element is in the request body, its variables
(evaluated on demand, each once) and its user-defined functions."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from pullproof.core.errors import ErrorCode
from pullproof.iac import errors
from pullproof.iac.context import Frame, Phase
from pullproof.iac.errors import ExpressionError, TemplateError, Where
from pullproof.iac.evaluator import copy_loop, resolve
from pullproof.iac.jsonc import JsonPath, Position, json_path
from pullproof.iac.values import get_property

META_KEYS = frozenset({"type", "apiversion", "name", "dependson", "copy", "condition", "comments", "scope",
                       "resourcegroup", "subscriptionid", "existing", "metadata", "resources", "import"})


@dataclass
class Template:
    """The template JSON, and the positions of its values (keys relative to ``prefix`` in the body)."""

    body: dict[str, Any]
    prefix: JsonPath = ("properties", "template")
    positions: dict[JsonPath, Position] = field(default_factory=dict)

    @classmethod
    def of(cls, body: Any, prefix: JsonPath = ("properties", "template"),
           positions: dict[JsonPath, Position] | None = None) -> Template:
        if not isinstance(body, dict):
            raise TemplateError(errors.TEMPLATE_SHAPE, Where(json_path(prefix)), reason="The template must be a "
                                "JSON object.")
        return cls(body, prefix, positions or {})

    def nested(self, path: JsonPath, body: Any) -> Template:
        return Template.of(body, self.prefix + path, self.positions)

    def where(self, path: JsonPath) -> Where:
        found = self.positions.get(self.prefix + path)
        line, column = (found.line, found.column) if found else (0, 0)
        return Where(json_path(self.prefix + path), line, column)

    def fail(self, code: ErrorCode, path: JsonPath, **params: Any) -> TemplateError:
        where = self.where(path)
        return TemplateError(code, where, line=where.line, column=where.column, **params)

    def section(self, name: str, kind: type) -> Any:
        found, value = get_property(self.body, name)
        if not found or value is None:
            return kind()
        if not isinstance(value, kind):
            expected = "object" if kind is dict else "array"
            raise TemplateError(errors.TEMPLATE_SHAPE, self.where((name,)),
                                reason=f"The '{name}' section must be a JSON {expected}.")
        return value

    def functions(self) -> dict[str, dict[str, Any]]:
        table: dict[str, dict[str, Any]] = {}
        for index, namespace in enumerate(self.section("functions", list)):
            members = namespace.get("members") if isinstance(namespace, dict) else None
            if not isinstance(members, dict) or not all(isinstance(m, dict) for m in members.values()):
                raise TemplateError(errors.TEMPLATE_SHAPE, self.where(("functions", index)), reason=(
                    "Each entry of the 'functions' section must be a JSON object whose 'members' is an object "
                    "of function definitions."))
            for name, member in members.items():
                table[f"{namespace.get('namespace', '')}.{name}".lower()] = member
        return table


class Variables:
    """The ``variables`` section, each evaluated when first asked for (cycles are errors)."""

    def __init__(self, template: Template, frame: Frame) -> None:
        self.template = template
        self.frame = frame.at(Phase.VARIABLE)
        self.raw: dict[str, tuple[JsonPath, Any]] = {}
        self.done: dict[str, Any] = {}
        self.active: list[str] = []
        for key, value in template.section("variables", dict).items():
            if key.lower() == "copy" and isinstance(value, list):
                for index, loop in enumerate(value):
                    if isinstance(loop, dict):
                        self.raw[str(loop.get("name", "")).lower()] = (("variables", "copy", index), loop)
            else:
                self.raw[key.lower()] = (("variables", key), value)

    def bind(self, frame: Frame) -> None:
        self.frame = frame.at(Phase.VARIABLE)

    def names(self) -> list[str]:
        return list(self.raw)

    def get(self, name: str) -> Any:
        key = name.lower()
        if key in self.done:
            return self.done[key]
        if key not in self.raw:
            raise ExpressionError(errors.VARIABLE_NOT_FOUND, name=name)
        if key in self.active:
            raise ExpressionError(errors.VARIABLE_CYCLE, name=name, chain=" -> ".join([*self.active, key]))
        path, value = self.raw[key]
        self.active.append(key)
        try:
            if path[1:2] == ("copy",):
                result = copy_loop(value, self.frame, lambda f: resolve(value.get("input"), f, loops=True))
            else:
                result = resolve(value, self.frame, loops=True)
            self.frame.budget.keep("variables", result)
        except ExpressionError as exc:
            label = value.get("name") if path[1:2] == ("copy",) else path[-1]
            raise TemplateError(errors.VARIABLE_INVALID, self.template.where(path), name=label,
                                inner=exc.message) from None
        finally:
            self.active.pop()
        self.done[key] = result
        return result

    def evaluate_all(self) -> None:
        for name in self.names():
            self.get(name)
