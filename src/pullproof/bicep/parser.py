"""Parse Bicep text into ``ast.Program`` with lark (LALR) over pullproof's own lexer."""

from __future__ import annotations

from collections.abc import Iterator
from importlib import resources
from pathlib import Path
from typing import Any

from lark import Lark, Token, Tree
from lark.common import LexerConf
from lark.exceptions import UnexpectedInput, UnexpectedToken, VisitError
from lark.lexer import Lexer

from . import ast as A
from .errors import BicepError
from .layout import layout
from .lexer import tokenize
from .transform import ToAst

FILTERED = {
    "LBRACE", "RBRACE", "LBRACK", "RBRACK", "LPAREN", "LAMBDA_LPAREN", "RPAREN", "COMMA", "DOT", "COLON",
    "DCOLON", "ASSIGN", "QUESTION", "AT", "ARROW", "ELLIPSIS", "PIPE", "NL", "PARAM", "VAR", "OUTPUT", "IN",
}
DESCRIPTIONS = {
    "_NL": "a new line", "_RBRACE": "'}'", "_RBRACK": "']'", "_RPAREN": "')'", "_COLON": "':'",
    "_ASSIGN": "'='", "IDENT": "an identifier", "STRING": "a string", "_COMMA": "','", "$END": "the end of the file",
}
MAX_DEPTH = 128
"""Levels of the syntax tree a file may nest (an expression level takes one to three); deeper input is a
``BicepError`` at the first construct past the limit, not a crash of the (recursive) later passes."""


class _TokenStream(Lexer):
    """A lark 'lexer' that replays tokens produced by ``lexer.tokenize`` + ``layout``."""

    def __init__(self, conf: LexerConf) -> None:
        pass

    def lex(self, data: Any) -> Iterator[Token]:  # type: ignore[override]
        yield from data


class BicepParser:
    """Holds one compiled LALR parser; ``parse`` is re-entrant."""

    def __init__(self) -> None:
        grammar = resources.files(__package__).joinpath("grammar.lark").read_text(encoding="utf-8")
        self._lark = Lark(grammar, parser="lalr", lexer=_TokenStream, propagate_positions=True)

    def parse(self, text: str, path: Path) -> A.Program:
        tokens = [_lark_name(tok) for tok in layout(tokenize(text, path), path)]
        try:
            tree = self._lark.parse(tokens)
        except UnexpectedToken as exc:
            raise _syntax_error(exc, path, tokens[-1] if tokens else None) from None
        except UnexpectedInput as exc:
            raise BicepError(f"syntax error: {exc}", path, exc.line, exc.column) from None
        _check_depth(tree, path)
        try:
            program: A.Program = ToAst(path).transform(tree)
        except VisitError as exc:
            if isinstance(exc.orig_exc, BicepError):
                raise exc.orig_exc from None
            raise
        return program


def _check_depth(tree: Tree[Token], path: Path) -> None:
    """Refuse a tree deeper than ``MAX_DEPTH``, located at the first node past the limit (walked iteratively)."""
    stack: list[tuple[Tree[Token] | Token, int]] = [(tree, 1)]
    while stack:
        node, depth = stack.pop()
        if not isinstance(node, Tree):
            continue
        if depth > MAX_DEPTH:
            line, column = (node.meta.line, node.meta.column) if not node.meta.empty else (0, 0)
            raise BicepError(f"the expression is nested too deeply: more than {MAX_DEPTH} syntax levels", path,
                             line, column)
        stack.extend((child, depth + 1) for child in reversed(node.children))


def _lark_name(tok: Token) -> Token:
    return Token.new_borrow_pos(f"_{tok.type}", tok.value, tok) if tok.type in FILTERED else tok


def _syntax_error(exc: UnexpectedToken, path: Path, last: Token | None) -> BicepError:
    tok = exc.token
    found = "the end of the file" if tok.type == "$END" else f"{_show(tok)}"
    expected = sorted(DESCRIPTIONS.get(name, name.lstrip("_").lower()) for name in exc.expected)
    hint = f"; expected {', '.join(expected[:8])}" if expected else ""
    line, column = tok.line or 0, tok.column or 0
    if tok.type == "$END":  # just after the last token
        line, column = (last.end_line or 1, last.end_column or 1) if last is not None else (1, 1)
    return BicepError(f"syntax error: unexpected {found}{hint}", path, line, column)


def _show(tok: Token) -> str:
    if tok.type.lstrip("_") == "NL":
        return "new line"
    if tok.type in ("STRING", "STR_LEFT"):
        return f"string '{tok.value}'"
    return f"'{tok.value}'"
