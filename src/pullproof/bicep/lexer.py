"""Bicep's lexer: raw tokens, with strings split into interpolation pieces like Bicep's own lexer.

A string ``'a${x}b${y}c'`` becomes ``STR_LEFT('a') <x> STR_MID('b') <y> STR_RIGHT('c')``, so nested
interpolation (``'${'${x}'}'``) is ordinary recursion for the parser. Token values of string pieces are
already unescaped. Newlines are emitted raw here; ``layout.py`` decides which ones are significant.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from lark import Token

from .errors import BicepError

IDENT_RE = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
INT_RE = re.compile(r"[0-9]+")
ESCAPES = {"\\": "\\", "'": "'", "n": "\n", "r": "\r", "t": "\t", "$": "$"}

# longest first, so that '==' wins over '='
PUNCTUATION = [
    ("...", "ELLIPSIS"), ("=>", "ARROW"), ("==", "EQ"), ("!=", "NEQ"), ("=~", "EQI"), ("!~", "NEQI"),
    ("<=", "LE"), (">=", "GE"), ("&&", "ANDAND"), ("||", "OROR"), ("??", "QQ"), ("::", "DCOLON"),
    (".?", "SAFEDOT"), ("[?", "SAFELBRACK"),
    ("{", "LBRACE"), ("}", "RBRACE"), ("[", "LBRACK"), ("]", "RBRACK"), ("(", "LPAREN"), (")", "RPAREN"),
    (",", "COMMA"), (".", "DOT"), (":", "COLON"), ("=", "ASSIGN"), ("<", "LT"), (">", "GT"), ("+", "PLUS"),
    ("-", "MINUS"), ("*", "STAR"), ("/", "SLASH"), ("%", "PERCENT"), ("!", "BANG"), ("?", "QUESTION"),
    ("@", "AT"), ("|", "PIPE"), ("^", "CARET"),
]
OPENERS = {"LBRACE": "{", "LBRACK": "[", "SAFELBRACK": "[", "LPAREN": "("}
CLOSERS = {"RBRACE": "{", "RBRACK": "[", "RPAREN": "("}


@dataclass
class _State:
    text: str
    path: Path | None
    pos: int = 0
    line: int = 1
    col: int = 1
    stack: list[str] = field(default_factory=list)
    opened: list[int] = field(default_factory=list)  # where each open bracket of ``stack`` starts
    tokens: list[Token] = field(default_factory=list)

    def error(self, message: str, pos: int | None = None) -> BicepError:
        line, col = self.where(self.pos if pos is None else pos)
        return BicepError(message, self.path, line, col)

    def where(self, pos: int) -> tuple[int, int]:
        line = self.text.count("\n", 0, pos) + 1
        return line, pos - (self.text.rfind("\n", 0, pos) + 1) + 1

    def emit(self, kind: str, value: str, start: int) -> None:
        line, col = self.where(start)
        end_line, end_col = self.where(self.pos)
        self.tokens.append(Token(kind, value, start, line, col, end_line, end_col, self.pos))


def tokenize(text: str, path: Path | None = None) -> list[Token]:
    """All tokens of ``text`` (NL tokens included, comments and blanks dropped)."""
    st = _State(text, path)
    while st.pos < len(text):
        _step(st)
    if st.stack:
        opener = {"$": "${"}.get(st.stack[-1], st.stack[-1])
        raise st.error(f"unexpected end of file: '{opener}' is never closed", st.opened[-1])
    return st.tokens


def _step(st: _State) -> None:
    text, ch = st.text, st.text[st.pos]
    if ch in " \t\ufeff":
        st.pos += 1
    elif ch in "\r\n":
        start = st.pos
        st.pos += 2 if text.startswith("\r\n", st.pos) else 1
        if not st.stack or st.stack[-1] in "[{":  # newlines inside (...) and ${...} are layout only
            st.emit("NL", "\n", start)
    elif text.startswith("//", st.pos):
        end = text.find("\n", st.pos)
        st.pos = len(text) if end < 0 else end
    elif text.startswith("/*", st.pos):
        end = text.find("*/", st.pos + 2)
        if end < 0:
            raise st.error("unterminated multi-line comment")
        st.pos = end + 2
    elif ch == "#" and _at_line_start(st):
        end = text.find("\n", st.pos)  # pragma such as '#disable-next-line rule'
        st.pos = len(text) if end < 0 else end
    elif text.startswith("$'''", st.pos):
        raise st.error("interpolated multi-line strings ($'''...''') are not supported by pullproof's compiler")
    elif text.startswith("'''", st.pos):
        _multiline_string(st)
    elif ch == "'":
        _string_piece(st, st.pos + 1, first=True)
    elif ch == "}" and st.stack and st.stack[-1] == "$":
        st.stack.pop()
        st.opened.pop()
        _string_piece(st, st.pos + 1, first=False)
    else:
        _word_or_symbol(st)


def _at_line_start(st: _State) -> bool:
    line_start = st.text.rfind("\n", 0, st.pos) + 1
    return st.text[line_start : st.pos].strip() == ""


def _word_or_symbol(st: _State) -> None:
    start = st.pos
    if m := IDENT_RE.match(st.text, st.pos):
        st.pos = m.end()
        st.emit("IDENT", m.group(), start)
        return
    if m := INT_RE.match(st.text, st.pos):
        st.pos = m.end()
        st.emit("INT", m.group(), start)
        return
    for symbol, kind in PUNCTUATION:
        if st.text.startswith(symbol, st.pos):
            st.pos += len(symbol)
            _track_brackets(st, kind, start)
            st.emit(kind, symbol, start)
            return
    raise st.error(f"unexpected character {st.text[st.pos]!r}")


def _track_brackets(st: _State, kind: str, start: int) -> None:
    if kind in OPENERS:
        st.stack.append(OPENERS[kind])
        st.opened.append(start)
    elif kind in CLOSERS:
        if not st.stack or st.stack[-1] != CLOSERS[kind]:
            raise st.error(f"unexpected '{st.text[start]}'", start)
        st.stack.pop()
        st.opened.pop()


def _string_piece(st: _State, pos: int, first: bool) -> None:
    """Scan from ``pos`` (just after ``'`` or ``}``) to the closing quote or the next ``${``."""
    start = st.pos
    text, out = st.text, list[str]()
    while True:
        if pos >= len(text) or text[pos] in "\r\n":
            raise st.error("unterminated string (a single-quoted string cannot span lines)", start)
        ch = text[pos]
        if ch == "'":
            st.pos = pos + 1
            st.emit("STRING" if first else "STR_RIGHT", _utf16("".join(out)), start)
            return
        if text.startswith("${", pos):
            st.pos = pos + 2
            st.emit("STR_LEFT" if first else "STR_MID", _utf16("".join(out)), start)
            st.stack.append("$")
            st.opened.append(pos)
            return
        if ch == "\\":
            decoded, pos = _escape(st, pos)
            out.append(decoded)
            continue
        out.append(ch)
        pos += 1


def _utf16(value: str) -> str:
    """Join surrogate pairs written as two escapes (\\u{D83D}\\u{DE00}), as .NET strings would."""
    if not any("\ud800" <= ch <= "\udfff" for ch in value):
        return value
    return value.encode("utf-16-le", "surrogatepass").decode("utf-16-le", "replace")


def _escape(st: _State, pos: int) -> tuple[str, int]:
    text = st.text
    nxt = text[pos + 1] if pos + 1 < len(text) else ""
    if nxt in ESCAPES and nxt:
        return ESCAPES[nxt], pos + 2
    if nxt == "u" and text.startswith("{", pos + 2):
        end = text.find("}", pos + 3)
        digits = text[pos + 3 : end] if end > 0 else ""
        if digits and re.fullmatch(r"[0-9A-Fa-f]{1,6}", digits) and int(digits, 16) <= 0x10FFFF:
            return chr(int(digits, 16)), end + 1
        raise st.error("invalid unicode escape: use \\u{XXXX} with 1 to 6 hex digits", pos)
    raise st.error(
        f"the escape sequence '\\{nxt}' is not recognized; only \\\\, \\', \\n, \\r, \\t, \\$ and \\u{{...}} are", pos
    )


def _multiline_string(st: _State) -> None:
    start = st.pos
    end = st.text.find("'''", start + 3)
    if end < 0:
        raise st.error("unterminated multi-line string", start)
    while st.text.startswith("'", end + 3):  # ''''x'''' : the closing quotes are the last three
        end += 1
    body = st.text[start + 3 : end]
    if body.startswith("\r\n"):
        body = body[2:]
    elif body.startswith("\n"):
        body = body[1:]
    st.pos = end + 3
    st.emit("STRING", body, start)
