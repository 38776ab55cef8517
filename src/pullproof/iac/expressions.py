"""ARM template language expressions: which JSON strings are expressions, and their syntax tree.

A string is an expression when it starts with ``[`` and ends with ``]``; a leading ``[[`` escapes
a literal ``[``. Inside: single-quoted strings (``''`` escapes a quote), integers, function calls
(``name(...)`` or ``namespace.name(...)``), ``.property`` and ``[index]`` access.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from pullproof.iac import errors
from pullproof.iac.errors import ExpressionError


@dataclass(frozen=True)
class Lit:
    value: str | int


@dataclass(frozen=True)
class Call:
    name: str
    args: tuple[Node, ...]


@dataclass(frozen=True)
class Member:
    target: Node
    name: str


@dataclass(frozen=True)
class Index:
    target: Node
    index: Node


Node = Lit | Call | Member | Index


def is_expression(value: Any) -> bool:
    return isinstance(value, str) and value.startswith("[") and value.endswith("]") and not value.startswith("[[")


def literal(value: str) -> str:
    """A JSON string that is not an expression, with the ``[[`` escape removed."""
    return value[1:] if value.startswith("[[") else value


def parse_expression(text: str, max_depth: int = 128) -> Node:
    """Parse a bracketed expression (``"[concat('a', 'b')]"``); calls, member and index accesses nested
    deeper than ``max_depth`` are refused (every later pass over the tree recurses)."""
    return _Parser(text[1:-1], max_depth).parse()


def calls(node: Node) -> list[str]:
    """Every function name the expression calls, outermost first."""
    if isinstance(node, Call):
        return [node.name] + [name for arg in node.args for name in calls(arg)]
    if isinstance(node, Member):
        return calls(node.target)
    if isinstance(node, Index):
        return calls(node.target) + calls(node.index)
    return []


def _digit(ch: str) -> bool:
    """An ASCII digit (``str.isdigit`` also takes superscripts, which ``int`` refuses)."""
    return len(ch) == 1 and "0" <= ch <= "9"


class _Parser:
    def __init__(self, text: str, max_depth: int) -> None:
        self.text = text
        self.i = 0
        self.max_depth = max_depth
        self.depth = 0

    def deeper(self, levels: int = 1) -> None:
        if self.depth + levels > self.max_depth:
            raise ExpressionError(errors.EXPRESSION_DEPTH, limit=self.max_depth)

    def fail(self) -> ExpressionError:
        if self.i >= len(self.text):
            return ExpressionError(errors.SYNTAX_END, expression=self.text)
        return ExpressionError(errors.SYNTAX, expression=self.text, char=self.text[self.i], position=self.i)

    def peek(self) -> str:
        while self.i < len(self.text) and self.text[self.i] in " \t\r\n":
            self.i += 1
        return self.text[self.i] if self.i < len(self.text) else ""

    def expect(self, char: str) -> None:
        if self.peek() != char:
            raise self.fail()
        self.i += 1

    def parse(self) -> Node:
        node = self.operand()
        if self.peek():
            raise self.fail()
        return node

    def operand(self) -> Node:
        self.deeper()
        self.depth += 1
        node = self.primary()
        links = 0
        while True:
            ch = self.peek()
            if ch in ".[":
                links += 1
                self.deeper(links)
            if ch == ".":
                self.i += 1
                node = Member(node, self.word(member=True))
            elif ch == "[":
                self.i += 1
                index = self.operand()
                self.expect("]")
                node = Index(node, index)
            else:
                self.depth -= 1
                return node

    def primary(self) -> Node:
        ch = self.peek()
        if ch == "'":
            return Lit(self.string())
        if _digit(ch) or (ch == "-" and _digit(self.text[self.i + 1 : self.i + 2])):
            start = self.i
            self.i += 1
            while self.i < len(self.text) and _digit(self.text[self.i]):
                self.i += 1
            return Lit(int(self.text[start : self.i]))
        if ch.isalpha() or ch == "_":
            return self.call()
        raise self.fail()

    def call(self) -> Call:
        name = self.word(member=False)
        if self.peek() == ".":
            self.i += 1
            name = f"{name}.{self.word(member=False)}"
        self.expect("(")
        args: list[Node] = []
        if self.peek() == ")":
            self.i += 1
            return Call(name, ())
        while True:
            args.append(self.operand())
            if self.peek() == ",":
                self.i += 1
                continue
            self.expect(")")
            return Call(name, tuple(args))

    def word(self, member: bool) -> str:
        self.peek()
        start, extra = self.i, ("_$" if member else "_")
        while self.i < len(self.text) and (self.text[self.i].isalnum() or self.text[self.i] in extra):
            self.i += 1
        if self.i == start:
            raise self.fail()
        return self.text[start : self.i]

    def string(self) -> str:
        self.i += 1
        out: list[str] = []
        while self.i < len(self.text):
            ch = self.text[self.i]
            if ch == "'":
                if self.text[self.i + 1 : self.i + 2] == "'":
                    out.append("'")
                    self.i += 2
                    continue
                self.i += 1
                return "".join(out)
            out.append(ch)
            self.i += 1
        raise self.fail()
