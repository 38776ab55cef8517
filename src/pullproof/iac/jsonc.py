"""A lenient JSON reader for deployment bodies, as lenient as ARM's (Newtonsoft) reader.

The Azure CLI splices the raw template file into the request body after an unquoted ``template:``
key, so the reader accepts ``//`` and ``/* */`` comments, unquoted property names, single-quoted
strings and trailing commas. Every value's position is kept (Newtonsoft's convention: objects and
arrays at their opening bracket, other values at their last character), because ARM's template
errors name a line and column.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

Key = str | int
JsonPath = tuple[Key, ...]
SPECIAL = set(".' /\"[]()\t\n\r\f\b\\\u0085\u2028\u2029")
ESCAPES = {'"': '"', "'": "'", "\\": "\\", "/": "/", "b": "\b", "f": "\f", "n": "\n", "r": "\r", "t": "\t"}
MAX_DEPTH = 256
"""How deep objects and arrays may nest (Newtonsoft's ``MaxDepth``; ARM's own figure is not published)."""


@dataclass(frozen=True)
class Position:
    line: int
    column: int


class JsoncError(Exception):
    """A syntax error, worded as Newtonsoft words it (``… Path 'a.b', line 3, position 7.``)."""

    def __init__(self, detail: str) -> None:
        super().__init__(detail)
        self.detail = detail


@dataclass
class Parsed:
    value: Any
    positions: dict[JsonPath, Position]

    def under(self, prefix: JsonPath) -> dict[JsonPath, Position]:
        """Positions of the values below ``prefix``, keyed relative to it."""
        n = len(prefix)
        return {path[n:]: pos for path, pos in self.positions.items() if path[:n] == prefix}


def json_path(path: JsonPath) -> str:
    """Newtonsoft's path text: ``properties.template.resources[0]['my key']``."""
    out = ""
    for key in path:
        if isinstance(key, int):
            out += f"[{key}]"
        elif any(ch in SPECIAL for ch in key):
            out += "['" + key.replace("'", "\\'") + "']"
        else:
            out += ("." if out else "") + key
    return out


def parse(text: str, max_depth: int = MAX_DEPTH) -> Parsed:
    reader = _Reader(text.removeprefix("\ufeff"), max_depth)
    return Parsed(reader.document(), reader.positions)


class _Reader:
    def __init__(self, text: str, max_depth: int) -> None:
        self.text = text
        self.max_depth = max_depth
        self.i = 0
        self.line = 1
        self.line_start = 0
        self.path: list[Key] = []
        self.positions: dict[JsonPath, Position] = {}

    # errors and positions ----------------------------------------------------------------------------
    def fail(self, message: str, at_end: bool = False) -> JsoncError:
        column = (len(self.text) if at_end else self.i) - self.line_start
        return JsoncError(f"{message} Path '{json_path(tuple(self.path))}', line {self.line}, position {column}.")

    def mark(self, index: int) -> None:
        self.positions[tuple(self.path)] = Position(self.line, index - self.line_start + 1)

    def newline(self, index: int) -> None:
        """Account for a line break at ``index`` (CRLF counts once)."""
        if self.text[index] == "\r" and self.text[index + 1 : index + 2] == "\n":
            return
        self.line += 1
        self.line_start = index + 1

    # scanning -------------------------------------------------------------------------------------------
    def skip(self) -> None:
        text = self.text
        while self.i < len(text):
            ch = text[self.i]
            if ch in "\r\n":
                self.newline(self.i)
                self.i += 1
            elif ch in " \t\ufeff\u00a0":
                self.i += 1
            elif text.startswith("//", self.i):
                while self.i < len(text) and text[self.i] not in "\r\n":
                    self.i += 1
            elif text.startswith("/*", self.i):
                end = text.find("*/", self.i + 2)
                if end < 0:
                    raise self.fail("Unexpected end while parsing comment.", at_end=True)
                for index in range(self.i, end):
                    if text[index] in "\r\n":
                        self.newline(index)
                self.i = end + 2
            else:
                return

    def peek(self) -> str:
        self.skip()
        return self.text[self.i] if self.i < len(self.text) else ""

    def document(self) -> Any:
        if not self.peek():
            raise self.fail("Unexpected end when reading JSON.", at_end=True)
        value = self.value()
        rest = self.peek()
        if rest:
            raise self.fail(f"Additional text encountered after finished reading JSON content: {rest}.")
        return value

    def value(self) -> Any:
        ch = self.peek()
        if not ch:
            raise self.fail("Unexpected end when reading JSON.", at_end=True)
        if ch == "{":
            return self.object()
        if ch == "[":
            return self.array()
        if ch in "\"'":
            return self.string(mark=True)
        return self.scalar()

    def deeper(self) -> None:
        """Refuse nesting past ``max_depth`` (as Newtonsoft words it), before the recursion gets deep."""
        if len(self.path) >= self.max_depth:
            raise self.fail(f"The reader's MaxDepth of {self.max_depth} has been exceeded.")

    def object(self) -> dict[str, Any]:
        self.deeper()
        self.mark(self.i)
        self.i += 1
        result: dict[str, Any] = {}
        while True:
            ch = self.peek()
            if ch == "}":
                self.i += 1
                return result
            if not ch:
                raise self.fail("Unexpected end when reading JSON.", at_end=True)
            key = self.property_name(ch)
            self.path.append(key)
            if self.peek() != ":":
                got = self.peek() or "end of input"
                raise self.fail(f"Invalid character after parsing property name. Expected ':' but got: {got}.")
            self.i += 1
            result[key] = self.value()
            self.separator("}")
            self.path.pop()

    def property_name(self, ch: str) -> str:
        if ch in "\"'":
            return self.string(mark=False)
        start = self.i
        while self.i < len(self.text) and (self.text[self.i].isalnum() or self.text[self.i] in "_$"):
            self.i += 1
        if self.i == start:
            raise self.fail(f"Invalid property identifier character: {ch}.")
        return self.text[start : self.i]

    def separator(self, closer: str) -> None:
        ch = self.peek()
        if ch == ",":
            self.i += 1
        elif ch != closer:
            if not ch:
                raise self.fail("Unexpected end when reading JSON.", at_end=True)
            raise self.fail(f"After parsing a value an unexpected character was encountered: {ch}.")

    def array(self) -> list[Any]:
        self.deeper()
        self.mark(self.i)
        self.i += 1
        result: list[Any] = []
        while True:
            ch = self.peek()
            if ch == "]":
                self.i += 1
                return result
            self.path.append(len(result))
            result.append(self.value())
            self.separator("]")
            self.path.pop()

    def string(self, mark: bool) -> str:
        quote, text = self.text[self.i], self.text
        self.i += 1
        out: list[str] = []
        while self.i < len(text):
            ch = text[self.i]
            if ch == quote:
                if mark:
                    self.mark(self.i)
                self.i += 1
                return "".join(out)
            if ch == "\\":
                out.append(self.escape())
                continue
            if ch in "\r\n":
                self.newline(self.i)
            out.append(ch)
            self.i += 1
        raise self.fail(f"Unterminated string. Expected delimiter: {quote}.", at_end=True)

    def escape(self) -> str:
        code = self.text[self.i + 1 : self.i + 2]
        if code in ESCAPES:
            self.i += 2
            return ESCAPES[code]
        digits = self.text[self.i + 2 : self.i + 6]
        if code == "u" and len(digits) == 4 and all(c in "0123456789abcdefABCDEF" for c in digits):
            self.i += 6
            return chr(int(digits, 16))
        raise self.fail(f"Bad JSON escape sequence: \\{code}.")

    def scalar(self) -> Any:
        start, text = self.i, self.text
        while self.i < len(text) and (text[self.i].isalnum() or text[self.i] in "+-.$_"):
            self.i += 1
        word = text[start : self.i]
        if not word:
            raise self.fail(f"Unexpected character encountered while parsing value: {text[start]}.")
        self.mark(self.i - 1)
        literals: dict[str, Any] = {"true": True, "false": False, "null": None}
        if word in literals:
            return literals[word]
        try:
            return int(word)
        except ValueError:
            pass
        try:
            return float(word)
        except ValueError:
            self.i = start
            raise self.fail(f"Unexpected character encountered while parsing value: {word[0]}.") from None
