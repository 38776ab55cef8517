"""The label selector grammar of apimachinery's ``labels.Parse``, token for token, with its messages:

    selector    ::= requirement ( "," requirement )*
    requirement ::= [ "!" ] KEY [ ( "in" | "notin" ) "(" VALUES ")" | ( "=" | "==" | "!=" | ">" | "<" ) VALUE ]

Keys are qualified names (``[prefix/]name``), values label values; both are checked as the API
server checks them, and a failure reads ``unable to parse requirement: <field error>``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from pullproof.kube.apiserver import gotext

SPECIAL = "=!(),><"
WHITESPACE = " \t\r\n"
TOKENS = {")": "close", ",": "comma", "!": "not", "==": "==", "=": "=", ">": "gt", "in": "in", "<": "lt",
          "!=": "!=", "notin": "notin", "(": "open"}
BINARY = "in, notin, =, ==, !=, gt, lt"
QUALIFIED_FMT = "([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]"
QUALIFIED_RE = re.compile(f"^{QUALIFIED_FMT}$")
VALUE_FMT = f"({QUALIFIED_FMT})?"
VALUE_RE = re.compile(f"^{VALUE_FMT}$")
SUBDOMAIN_FMT = "[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*"
SUBDOMAIN_RE = re.compile(f"^{SUBDOMAIN_FMT}$")
QUALIFIED_MSG = ("must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an "
                 "alphanumeric character")
VALUE_MSG = ("a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and "
             "must start and end with an alphanumeric character")
SUBDOMAIN_MSG = ("a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', "
                 "and must start and end with an alphanumeric character")
INT64_RE = re.compile(r"[+-]?[0-9]+")
Token = tuple[str, str]


class SelectorSyntaxError(ValueError):
    """The selector does not parse; ``str()`` is the API server's message."""


@dataclass(frozen=True)
class Requirement:
    key: str
    operator: str  # in, notin, =, ==, !=, gt, lt, exists, ! (does not exist)
    values: tuple[str, ...]


def regex_error(message: str, fmt: str, *examples: str) -> str:
    shown = " or ".join(f"'{example}', " for example in examples)
    return f"{message} (e.g. {shown}regex used for validation is '{fmt}')"


def qualified_name_errors(value: str) -> list[str]:
    parts, errs = value.split("/"), []
    if len(parts) > 2:
        return ["a qualified name " + regex_error(QUALIFIED_MSG, QUALIFIED_FMT, "MyName", "my.name", "123-abc")
                + " with an optional DNS subdomain prefix and '/' (e.g. 'example.com/MyName')"]
    name = parts[-1]
    if len(parts) == 2:
        prefix = parts[0]
        if not prefix:
            errs.append("prefix part must be non-empty")
        else:
            if len(prefix) > 253:
                errs.append("prefix part must be no more than 253 characters")
            if not SUBDOMAIN_RE.match(prefix):
                errs.append("prefix part " + regex_error(SUBDOMAIN_MSG, SUBDOMAIN_FMT, "example.com"))
    if not name:
        errs.append("name part must be non-empty")
    elif len(name) > 63:
        errs.append("name part must be no more than 63 characters")
    if not QUALIFIED_RE.match(name):
        errs.append("name part " + regex_error(QUALIFIED_MSG, QUALIFIED_FMT, "MyName", "my.name", "123-abc"))
    return errs


def label_value_errors(value: str) -> list[str]:
    errs = ["must be no more than 63 characters"] if len(value) > 63 else []
    if not VALUE_RE.match(value):
        errs.append(regex_error(VALUE_MSG, VALUE_FMT, "MyValue", "my_value", "12345"))
    return errs


def lex(text: str) -> list[Token]:
    tokens: list[Token] = []
    pos, size = 0, len(text)
    while True:
        while pos < size and text[pos] in WHITESPACE:
            pos += 1
        if pos >= size or text[pos] == "\x00":
            tokens.append(("end", ""))
            return tokens
        start = pos
        if text[pos] in SPECIAL:
            last: Token | None = None
            while pos < size and text[pos] in SPECIAL:
                if text[start:pos + 1] in TOKENS:
                    last, pos = (TOKENS[text[start:pos + 1]], text[start:pos + 1]), pos + 1
                elif last is not None:
                    break
                else:
                    pos += 1
            tokens.append(last or ("error", f"error expected: keyword found '{text[start:pos]}'"))
            continue
        while pos < size and text[pos] not in SPECIAL and text[pos] not in WHITESPACE and text[pos] != "\x00":
            pos += 1
        word = text[start:pos]
        pos += 1 if pos < size and text[pos] == "\x00" else 0
        tokens.append((TOKENS[word], word) if word in TOKENS else ("ident", word))


class _Parser:
    def __init__(self, text: str) -> None:
        self.tokens = lex(text)
        self.pos = 0

    def peek(self, values: bool = True) -> Token:
        kind, literal = self.tokens[self.pos]
        return ("ident", literal) if values and kind in ("in", "notin") else (kind, literal)

    def take(self, values: bool = True) -> Token:
        token = self.peek(values)
        self.pos += 1
        return token

    def parse(self) -> list[Requirement]:
        found: list[Requirement] = []
        while True:
            kind, literal = self.peek()
            if kind == "end":
                return sorted(found, key=lambda r: r.key)
            if kind not in ("ident", "not"):
                raise SelectorSyntaxError(f"found '{literal}', expected: !, identifier, or 'end of string'")
            try:
                found.append(self.requirement())
            except SelectorSyntaxError as exc:
                raise SelectorSyntaxError(f"unable to parse requirement: {exc}") from None
            kind, literal = self.take()
            if kind == "end":
                return sorted(found, key=lambda r: r.key)
            if kind != "comma":
                raise SelectorSyntaxError(f"found '{literal}', expected: ',' or 'end of string'")
            kind, literal = self.peek()
            if kind not in ("ident", "not"):
                raise SelectorSyntaxError(f"found '{literal}', expected: identifier after ','")

    def requirement(self) -> Requirement:
        key, operator = self.key()
        if operator in ("exists", "!"):
            return Requirement(key, operator, ())
        operator = self.operator()
        values = self.values() if operator in ("in", "notin") else self.exact_value()
        return _checked(key, operator, sorted(values))

    def key(self) -> tuple[str, str]:
        kind, literal = self.take()
        operator = ""
        if kind == "not":
            operator = "!"
            kind, literal = self.take()
        if kind != "ident":
            raise SelectorSyntaxError(f"found '{literal}', expected: identifier")
        errs = qualified_name_errors(literal)
        if errs:
            raise SelectorSyntaxError(gotext.invalid("<nil>", literal, "; ".join(errs)))
        if self.peek()[0] in ("end", "comma") and operator != "!":
            operator = "exists"
        return literal, operator

    def operator(self) -> str:
        kind, literal = self.take(values=False)
        if kind not in ("in", "notin", "=", "==", "!=", "gt", "lt"):
            raise SelectorSyntaxError(f"found '{literal}', expected: {BINARY}")
        return kind

    def values(self) -> set[str]:
        kind, literal = self.take()
        if kind != "open":
            raise SelectorSyntaxError(f"found '{literal}' expected: '('")
        kind, literal = self.peek()
        if kind == "close":
            self.take()
            return {""}
        if kind not in ("ident", "comma"):
            raise SelectorSyntaxError(f"found '{literal}', expected: ',', ')' or identifier")
        found = self.identifiers()
        if self.take()[0] != "close":
            raise SelectorSyntaxError(f"found '{literal}', expected: ')'")
        return found

    def identifiers(self) -> set[str]:
        found: set[str] = set()
        while True:
            kind, literal = self.take()
            if kind == "ident":
                found.add(literal)
                after, shown = self.peek()
                if after == "close":
                    return found
                if after != "comma":
                    raise SelectorSyntaxError(f"found '{shown}', expected: ',' or ')'")
            elif kind == "comma":
                if not found:
                    found.add("")
                after = self.peek()[0]
                if after == "close":
                    found.add("")
                    return found
                if after == "comma":
                    self.take()
                    found.add("")
            else:
                raise SelectorSyntaxError(f"found '{literal}', expected: ',', or identifier")

    def exact_value(self) -> set[str]:
        if self.peek()[0] in ("end", "comma"):
            return {""}
        kind, literal = self.take()
        if kind != "ident":
            raise SelectorSyntaxError(f"found '{literal}', expected: identifier")
        return {literal}


def _checked(key: str, operator: str, values: list[str]) -> Requirement:
    """``labels.NewRequirement``'s checks of the values (the key was checked while parsing)."""
    errs = []
    if operator in ("gt", "lt"):
        errs += [gotext.invalid(f"values[{i}]", v, "for 'Gt', 'Lt' operators, the value must be an integer")
                 for i, v in enumerate(values) if not INT64_RE.fullmatch(v) or not -2**63 <= int(v) < 2**63]
    for index, value in enumerate(values):
        problems = label_value_errors(value)
        if problems:
            errs.append(gotext.invalid(f"values[{index}][{key}]", value, "; ".join(problems)))
    if errs:
        raise SelectorSyntaxError(gotext.aggregate(errs))
    return Requirement(key, operator, tuple(values))


def parse_labels(text: str) -> list[Requirement]:
    """The requirements of a selector, sorted by key; ``SelectorSyntaxError`` with the server's text."""
    return _Parser(text).parse()
