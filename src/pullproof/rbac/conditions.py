"""Role-assignment conditions (ABAC, ``conditionVersion`` 2.0), the subset ACR's repository
permissions use::

    ((!(ActionMatches{'Microsoft.ContainerRegistry/registries/repositories/content/read'}))
      OR (@Request[Microsoft.ContainerRegistry/registries/repositories:name] StringStartsWithIgnoreCase 'team-a/'))

Grammar: ``expr := term (OR term)*``, ``term := factor (AND factor)*``, ``factor := '!' factor |
'(' expr ')' | ActionMatches{'p'} | SubOperationMatches{'p'} | @Request[attr] OP 'value' |
@Resource[attr] OP 'value'``. An attribute the request does not carry makes its comparison false,
so an unknown condition never grants more than it should.
"""

from __future__ import annotations

import fnmatch
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass

TOKEN = re.compile(r"\s*(?:(?P<lp>\()|(?P<rp>\))|(?P<not>!)|(?P<and>AND\b|&&)|(?P<or>OR\b|\|\|)"
                   r"|(?P<fn>ActionMatches|SubOperationMatches)\{'(?P<fnarg>(?:[^']|'')*)'\}"
                   r"|@(?P<src>Request|Resource)\[(?P<attr>[^\]]+)\]\s+(?P<op>[A-Za-z:]+)\s+'(?P<val>(?:[^']|'')*)')",
                   re.IGNORECASE)
ATTRIBUTES = {"microsoft.containerregistry/registries/repositories:name": "repository"}
OPERATORS: dict[str, Callable[[str, str], bool]] = {
    "stringequals": lambda a, b: a == b,
    "stringequalsignorecase": lambda a, b: a.lower() == b.lower(),
    "stringnotequals": lambda a, b: a != b,
    "stringnotequalsignorecase": lambda a, b: a.lower() != b.lower(),
    "stringstartswith": lambda a, b: a.startswith(b),
    "stringstartswithignorecase": lambda a, b: a.lower().startswith(b.lower()),
    "stringnotstartswith": lambda a, b: not a.startswith(b),
    "stringlike": lambda a, b: fnmatch.fnmatchcase(a, b),
    "stringlikeignorecase": lambda a, b: fnmatch.fnmatchcase(a.lower(), b.lower()),
}


class ConditionError(ValueError):
    """The condition text is not in the supported grammar."""


@dataclass(frozen=True)
class _Token:
    kind: str
    groups: Mapping[str, str | None]


def _tokens(text: str) -> list[_Token]:
    found, position = [], 0
    while position < len(text.rstrip()):
        match = TOKEN.match(text, position)
        if match is None:
            raise ConditionError(f"unexpected text at {position}: {text[position:position + 30]!r}")
        kind = next(k for k in ("lp", "rp", "not", "and", "or", "fn", "src") if match.group(k))
        found.append(_Token(kind, match.groupdict()))
        position = match.end()
    return found


class _Parser:
    def __init__(self, text: str, action: str, attributes: Mapping[str, str], match: Callable[[str, str], bool]):
        self.tokens = _tokens(text)
        self.index = 0
        self.action = action
        self.attributes = attributes
        self.match = match

    def peek(self) -> str | None:
        return self.tokens[self.index].kind if self.index < len(self.tokens) else None

    def take(self) -> _Token:
        if self.index >= len(self.tokens):
            raise ConditionError("unexpected end of condition")
        token = self.tokens[self.index]
        self.index += 1
        return token

    def expr(self) -> bool:
        value = self.term()
        while self.peek() == "or":
            self.take()
            value = self.term() or value
        return value

    def term(self) -> bool:
        value = self.factor()
        while self.peek() == "and":
            self.take()
            value = self.factor() and value
        return value

    def factor(self) -> bool:
        token = self.take()
        if token.kind == "not":
            return not self.factor()
        if token.kind == "lp":
            value = self.expr()
            if self.take().kind != "rp":
                raise ConditionError("missing )")
            return value
        if token.kind == "fn":
            return self.match(str(token.groups["fnarg"]).replace("''", "'"), self.action)
        if token.kind == "src":
            return self._compare(token.groups)
        raise ConditionError(f"unexpected {token.kind}")

    def _compare(self, groups: Mapping[str, str | None]) -> bool:
        op = OPERATORS.get(str(groups["op"]).lower().split(":")[-1])
        if op is None:
            raise ConditionError(f"unsupported operator {groups['op']}")
        key = ATTRIBUTES.get(str(groups["attr"]).strip().lower())
        actual = self.attributes.get(key) if key else None
        return actual is not None and op(actual, str(groups["val"]).replace("''", "'"))


def holds(text: str, action: str, attributes: Mapping[str, str], match: Callable[[str, str], bool]) -> bool:
    """Evaluate ``text`` for ``action`` with the request ``attributes``; ``match(pattern, action)``
    is the action pattern matcher (wildcards, case-insensitive)."""
    parser = _Parser(text, action, attributes, match)
    value = parser.expr()
    if parser.peek() is not None:
        raise ConditionError("trailing text after condition")
    return value


def validate(text: str) -> None:
    """Raise ``ConditionError`` if ``text`` does not parse."""
    holds(text, "", {}, lambda _p, _a: False)
