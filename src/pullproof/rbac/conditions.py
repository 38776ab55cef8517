"""Role-assignment conditions (ABAC, ``conditionVersion`` 2.0): parsed with lark (``conditions.lark``)
into a small tree, checked against the subset pullproof evaluates, and evaluated in three values.

The emulated subset is what ACR's repository permissions use::

    ((!(ActionMatches{'Microsoft.ContainerRegistry/registries/repositories/content/read'}))
      OR (@Request[Microsoft.ContainerRegistry/registries/repositories:name] StringStartsWithIgnoreCase 'team-a/'))

``ActionMatches{'<action>'}``, ``@Request[Microsoft.ContainerRegistry/registries/repositories:name]``
with a ``String…`` operator and one quoted value, ``!``/``NOT``, ``AND``/``&&``, ``OR``/``||`` and
parentheses. Text Azure would refuse raises ``ConditionInvalid``; a valid condition outside the subset
(other attributes, sources, operators, functions) raises ``ConditionNotEmulated``, naming the part.

Evaluation is Kleene logic: an attribute the request does not carry is *unknown* (``None``), so
``!(unknown)`` stays unknown and never turns into a grant; the caller decides what unknown means.
"""

from __future__ import annotations

import fnmatch
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from importlib import resources
from typing import Any

from lark import Lark, Token, Transformer
from lark.exceptions import UnexpectedEOF, UnexpectedInput, VisitError

CONDITION_VERSION = "2.0"
REPOSITORY_ATTRIBUTE = "Microsoft.ContainerRegistry/registries/repositories:name"
ATTRIBUTES = {REPOSITORY_ATTRIBUTE.lower(): "repository"}
SOURCES = {"request", "resource", "principal", "environment"}
OPERATORS: dict[str, Callable[[str, str], bool]] = {
    "stringequals": lambda a, b: a == b,
    "stringequalsignorecase": lambda a, b: a.lower() == b.lower(),
    "stringnotequals": lambda a, b: a != b,
    "stringnotequalsignorecase": lambda a, b: a.lower() != b.lower(),
    "stringstartswith": lambda a, b: a.startswith(b),
    "stringstartswithignorecase": lambda a, b: a.lower().startswith(b.lower()),
    "stringnotstartswith": lambda a, b: not a.startswith(b),
    "stringnotstartswithignorecase": lambda a, b: not a.lower().startswith(b.lower()),
    "stringlike": lambda a, b: fnmatch.fnmatchcase(a, b),
    "stringlikeignorecase": lambda a, b: fnmatch.fnmatchcase(a.lower(), b.lower()),
    "stringnotlike": lambda a, b: not fnmatch.fnmatchcase(a, b),
    "stringnotlikeignorecase": lambda a, b: not fnmatch.fnmatchcase(a.lower(), b.lower()),
}
OTHER_OPERATORS = re.compile(r"^(numeric|datetime|guid|bool|ip|list|timeofday|hour|minute|dayofweek)", re.I)
QUANTIFIERS = {"foranyofanyvalues", "foranyofallvalues", "forallofanyvalues", "forallofallvalues"}
SUBSET = ("ActionMatches{'<action>'}, @Request[" + REPOSITORY_ATTRIBUTE + "] with a String operator and one "
          "quoted value, !/NOT, AND/&&, OR/|| and parentheses")


class ConditionError(ValueError):
    """The condition cannot be used; ``detail`` says why."""

    def __init__(self, detail: str) -> None:
        super().__init__(detail)
        self.detail = detail


class ConditionInvalid(ConditionError):
    """Text Azure refuses: broken syntax, an unknown function, operator or ACR attribute, a wrong version."""


class ConditionNotEmulated(ConditionError):
    """A condition Azure may accept but pullproof does not evaluate."""


@dataclass(frozen=True)
class ActionMatches:
    pattern: str


@dataclass(frozen=True)
class Compare:
    attribute: str  # the request attribute it reads ("repository")
    operator: str  # as written
    value: str

    def render(self) -> str:
        return f"{self.operator} '{self.value}'"


@dataclass(frozen=True)
class Not:
    item: Node


@dataclass(frozen=True)
class AllOf:
    items: tuple[Node, ...]


@dataclass(frozen=True)
class AnyOf:
    items: tuple[Node, ...]


Node = ActionMatches | Compare | Not | AllOf | AnyOf


def _string(token: Token) -> str:
    return str(token)[1:-1].replace("''", "'")


class _Build(Transformer[Token, Node]):
    """Parse tree -> ``Node``, refusing what is outside the emulated subset."""

    def disjunction(self, items: list[Node]) -> Node:
        return AnyOf(tuple(items))

    def conjunction(self, items: list[Node]) -> Node:
        return AllOf(tuple(items))

    def not_(self, items: list[Node]) -> Node:
        return Not(items[0])

    def function(self, items: list[Token]) -> Node:
        name = str(items[0])
        if name.lower() == "suboperationmatches":
            raise ConditionNotEmulated(f"the function {name}")
        if name.lower() != "actionmatches":
            raise ConditionInvalid(f"'{name}' is not a condition function.")
        if len(items) != 2:
            raise ConditionNotEmulated(f"{name} with {len(items) - 1} actions")
        return ActionMatches(_string(items[1]))

    def attribute(self, items: list[Token]) -> tuple[str, str]:
        source, name = str(items[0]), str(items[1]).strip()
        if source.lower() not in SOURCES:
            raise ConditionInvalid(f"'@{source}' is not an attribute source.")
        known = name.lower() in ATTRIBUTES
        if not known and name.lower().startswith("microsoft.containerregistry/"):
            raise ConditionInvalid(f"'{name}' is not a Microsoft.ContainerRegistry attribute.")
        if not known or source.lower() != "request":
            raise ConditionNotEmulated(f"the attribute @{source}[{name}]")
        return source, ATTRIBUTES[name.lower()]

    def exists(self, items: list[Any]) -> Node:
        raise ConditionNotEmulated(f"the operator {items[0]}")

    def string(self, items: list[Token]) -> tuple[str, str]:
        return "string", _string(items[0])

    def bare(self, items: list[Token]) -> tuple[str, str]:
        return "bare", str(items[0])

    def set(self, items: list[Any]) -> tuple[str, str]:
        return "set", ""

    def comparison(self, items: list[Any]) -> Node:
        (_source, key), operator, (kind, value) = items
        text = str(operator)
        quantifier, _, base = text.rpartition(":")
        if quantifier and quantifier.lower() not in QUANTIFIERS:
            raise ConditionInvalid(f"'{quantifier}' is not a cross-product operator.")
        if base.lower() not in OPERATORS:
            if OTHER_OPERATORS.match(base):
                raise ConditionNotEmulated(f"the operator {text}")
            raise ConditionInvalid(f"'{base}' is not a condition operator.")
        if quantifier:
            raise ConditionNotEmulated(f"the operator {text}")
        if kind != "string":
            raise ConditionInvalid(f"{text} takes one quoted string value.")
        return Compare(key, text, value)


class ConditionParser:
    """One compiled LALR parser; ``parse`` is re-entrant."""

    def __init__(self) -> None:
        grammar = resources.files("pullproof.rbac").joinpath("conditions.lark").read_text("utf-8")
        self._lark = Lark(grammar, parser="lalr")

    def parse(self, text: str) -> Node:
        """The condition's tree, or ``ConditionInvalid`` / ``ConditionNotEmulated``."""
        try:
            tree = self._lark.parse(text)
        except UnexpectedInput as exc:
            raise ConditionInvalid(_syntax(exc, text)) from None
        try:
            node: Node = _Build().transform(tree)
        except VisitError as exc:
            if isinstance(exc.orig_exc, ConditionError):
                raise exc.orig_exc from None
            raise
        return node

    def validate(self, text: str, version: str | None) -> Node:
        """What a role-assignment write checks: the version, then the text."""
        if version != CONDITION_VERSION:
            shown = "missing" if version is None else f"'{version}'"
            raise ConditionInvalid(f"conditionVersion is {shown}; it must be '{CONDITION_VERSION}'.")
        return self.parse(text)


def _syntax(exc: UnexpectedInput, text: str) -> str:
    token = getattr(exc, "token", None)
    if isinstance(exc, UnexpectedEOF) or (isinstance(token, Token) and token.type == "$END"):
        return "The condition ends early."
    position = exc.pos_in_stream or 0
    return f"Unexpected text at column {exc.column}: {text[position:position + 30].rstrip()}"


def holds(node: Node, action: str, attributes: Mapping[str, str], match: Callable[[str, str], bool]) -> bool | None:
    """True, False, or None (unknown: an attribute the request does not carry decides it)."""
    if isinstance(node, ActionMatches):
        return match(node.pattern, action)
    if isinstance(node, Compare):
        actual = attributes.get(node.attribute)
        return None if actual is None else OPERATORS[node.operator.lower()](actual, node.value)
    if isinstance(node, Not):
        inner = holds(node.item, action, attributes, match)
        return None if inner is None else not inner
    values = [holds(item, action, attributes, match) for item in node.items]
    decisive = isinstance(node, AnyOf)  # a True decides an OR, a False decides an AND
    if decisive in values:
        return decisive
    return None if None in values else not decisive


def repository_tests(node: Node) -> list[str]:
    """The repository comparisons of a condition, as written (for explanations)."""
    if isinstance(node, Compare):
        return [node.render()] if node.attribute == "repository" else []
    if isinstance(node, ActionMatches):
        return []
    if isinstance(node, Not):
        return repository_tests(node.item)
    return [test for item in node.items for test in repository_tests(item)]
