"""Token post-processing: significant newlines and contextual keywords.

Bicep separates statements, object properties and array items with newlines, but a newline right after
an opening bracket, a comma or ``=>``, or right before a closing bracket or a ternary ``?``/``:``, is
layout only. Bicep's keywords are contextual (``type``, ``if`` and ``existing`` are ordinary property
names), so a word becomes a keyword token only where the grammar can use one.
"""

from __future__ import annotations

from pathlib import Path

from lark import Token

from .errors import BicepError

DECLARATIONS = {
    "param": "PARAM", "var": "VAR", "resource": "RESOURCE", "module": "MODULE", "output": "OUTPUT",
    "targetScope": "TARGETSCOPE", "metadata": "METADATA",
}
UNSUPPORTED = {
    "type": "user-defined 'type' declarations", "func": "user-defined functions ('func')",
    "import": "compile-time imports", "extension": "extensions", "provider": "extensions ('provider')",
    "using": "'using' declarations (parameter files)", "assert": "'assert' declarations",
    "test": "'test' declarations", "extends": "'extends' declarations",
}
NO_NL_AFTER = {"LBRACE", "LBRACK", "SAFELBRACK", "LPAREN", "COMMA", "ARROW", "NL", "ASSIGN"}
NO_NL_BEFORE = {"RBRACE", "RBRACK", "RPAREN", "QUESTION", "COLON"}
LITERAL_WORDS = {"true": "TRUE", "false": "FALSE", "null": "NULL"}


def layout(tokens: list[Token], path: Path | None) -> list[Token]:
    """Drop layout-only newlines, then turn contextual words into keyword tokens."""
    kept = _newlines(tokens)
    _keywords(kept, path)
    _lambda_parens(kept)
    return kept


def _newlines(tokens: list[Token]) -> list[Token]:
    out: list[Token] = []
    for i, tok in enumerate(tokens):
        if tok.type == "NL":
            nxt = tokens[i + 1] if i + 1 < len(tokens) else None
            if not out or out[-1].type in NO_NL_AFTER or nxt is None or nxt.type in NO_NL_BEFORE | {"NL"}:
                continue
        out.append(tok)
    return out


def _retag(tok: Token, kind: str) -> Token:
    return Token.new_borrow_pos(kind, tok.value, tok)


def _keywords(tokens: list[Token], path: Path | None) -> None:
    depth = 0
    for i, tok in enumerate(tokens):
        prev = tokens[i - 1] if i else None
        nxt = tokens[i + 1] if i + 1 < len(tokens) else None
        if tok.type in ("LBRACE", "LBRACK", "SAFELBRACK", "LPAREN", "STR_LEFT"):
            depth += 1
        elif tok.type in ("RBRACE", "RBRACK", "RPAREN", "STR_RIGHT"):
            depth -= 1
        if tok.type != "IDENT" or (prev is not None and prev.type in ("DOT", "SAFEDOT", "DCOLON")):
            continue
        if depth == 0 and (prev is None or prev.type == "NL"):
            if tok.value in UNSUPPORTED and nxt is not None and nxt.type in ("IDENT", "STRING", "LBRACE", "STAR"):
                raise BicepError(
                    f"{UNSUPPORTED[tok.value]} are not supported by pullproof's compiler "
                    "(Bicep emits them only in languageVersion 2.0 templates)",
                    path, tok.line or 0, tok.column or 0,
                )
            if tok.value in DECLARATIONS:
                tokens[i] = _retag(tok, DECLARATIONS[tok.value])
            continue
        tokens[i] = _contextual(tokens, i, prev, nxt)


def _contextual(tokens: list[Token], i: int, prev: Token | None, nxt: Token | None) -> Token:
    tok = tokens[i]
    word, after = tok.value, nxt.type if nxt is not None else ""
    is_key = after == "COLON" and (prev is None or prev.type in ("NL", "LBRACE", "COMMA"))
    if word in LITERAL_WORDS and not is_key:
        return _retag(tok, LITERAL_WORDS[word])
    if word == "if" and after == "LPAREN" and prev is not None and prev.type in ("ASSIGN", "COLON"):
        return _retag(tok, "IF")
    if word == "for" and prev is not None and prev.type == "LBRACK":
        _tag_in(tokens, i)
        return _retag(tok, "FOR")
    if word == "existing" and prev is not None and prev.type == "STRING" and after == "ASSIGN":
        return _retag(tok, "EXISTING")
    at_item_start = prev is None or prev.type in ("NL", "LBRACE", "COMMA")
    if word == "resource" and after == "IDENT" and _next_is(tokens, i + 2, "STRING") and at_item_start:
        return _retag(tok, "RESOURCE")
    return tok


def _next_is(tokens: list[Token], i: int, kind: str) -> bool:
    return i < len(tokens) and tokens[i].type == kind


def _tag_in(tokens: list[Token], start: int) -> None:
    """Retag the ``in`` of ``[for x in …`` / ``[for (x, i) in …``."""
    for j in (start + 2, start + 6):
        if j < len(tokens) and tokens[j].type == "IDENT" and tokens[j].value == "in":
            tokens[j] = _retag(tokens[j], "IN")
            return


def _lambda_parens(tokens: list[Token]) -> None:
    """``(a, b) => …``: mark the ``(`` so the LALR parser knows a parameter list follows."""
    for i, tok in enumerate(tokens):
        if tok.type != "ARROW" or i == 0 or tokens[i - 1].type != "RPAREN":
            continue
        depth = 0
        for j in range(i - 1, -1, -1):
            kind = tokens[j].type
            depth += kind == "RPAREN"
            depth -= kind in ("LPAREN",)
            if depth == 0:
                tokens[j] = _retag(tokens[j], "LAMBDA_LPAREN")
                break
