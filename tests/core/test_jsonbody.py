"""The bounded JSON decoder every surface parses client JSON with: nesting, Unicode, encodings."""

from __future__ import annotations

import json

import pytest

from pullproof.core import jsonbody
from pullproof.core.jsonbody import MAX_DEPTH, JsonBodyError


def nested(depth: int, opener: str = "[") -> bytes:
    closer = "]" if opener == "[" else "}"
    inner = "1" if opener == "[" else '"leaf"'
    head = opener if opener == "[" else '{"a":'
    return (head * depth + inner + closer * depth).encode()


@pytest.mark.parametrize("opener", ["[", "{"])
def test_the_limit_is_inclusive_and_one_more_level_is_refused(opener: str) -> None:
    assert jsonbody.loads(nested(MAX_DEPTH, opener)) is not None
    with pytest.raises(JsonBodyError) as refused:
        jsonbody.loads(nested(MAX_DEPTH + 1, opener))
    assert (refused.value.kind, refused.value.char) == ("depth", opener)
    assert refused.value.detail == f"The JSON nests deeper than {MAX_DEPTH} levels."


def test_a_hundred_thousand_levels_are_refused_without_recursion() -> None:
    with pytest.raises(JsonBodyError) as refused:
        jsonbody.loads(b"[" * 100_000 + b"]" * 100_000)
    assert refused.value.kind == "depth"
    with pytest.raises(JsonBodyError):
        jsonbody.check_depth("{" * 100_000)  # unbalanced: still refused, before any parser runs


@pytest.mark.parametrize("text", [
    '["' + "[" * 1000 + '"]',                     # brackets inside a string do not nest
    '["\\"' + "[" * 1000 + '"]',                  # nor after an escaped quote
    '["\\\\", ' + "[" * 50 + "]" * 50 + "]",      # an escaped backslash ends before the closing quote
    '{"k": "' + "{" * 500 + '", "v": [[[1]]]}',
])
def test_strings_do_not_count_towards_the_depth(text: str) -> None:
    assert jsonbody.loads(text) == json.loads(text)


def test_a_string_that_hides_real_nesting_is_still_measured() -> None:
    text = '["' + "[" * 300 + '", ' + "[" * (MAX_DEPTH + 1) + "]" * (MAX_DEPTH + 1) + "]"
    with pytest.raises(JsonBodyError) as refused:
        jsonbody.loads(text)
    assert refused.value.kind == "depth"


@pytest.mark.parametrize("escape", ["\\ud800", "\\udfff", "\\uDBFF\\u0041", "\\ud800\\ud800"])
def test_lone_surrogates_are_refused_or_replaced(escape: str) -> None:
    body = f'{{"location": "x{escape}y"}}'.encode()
    with pytest.raises(JsonBodyError) as refused:
        jsonbody.loads(body)
    assert refused.value.kind == "surrogate"
    replaced = jsonbody.loads(body, surrogates="replace")["location"]
    assert "\ufffd" in replaced and replaced.encode("utf-8")  # encodable, unlike the lone surrogate


def test_surrogates_in_keys_and_pairs() -> None:
    with pytest.raises(JsonBodyError):
        jsonbody.loads(b'{"\\udc00": 1}')
    assert jsonbody.loads(b'{"e": "\\ud83d\\ude00"}') == {"e": "\U0001F600"}
    assert jsonbody.loads(b'{"e": "\\\\ud800"}') == {"e": "\\ud800"}  # an escaped backslash, not an escape


def test_encodings() -> None:
    assert jsonbody.loads('{"a": [1]}'.encode("utf-16")) == {"a": [1]}
    assert jsonbody.loads(b'\xef\xbb\xbf{"a": 1}') == {"a": 1}
    with pytest.raises(JsonBodyError) as refused:
        jsonbody.loads(b'{"a": "\xed\xa0\x80"}')  # a surrogate encoded in UTF-8 is not UTF-8
    assert refused.value.kind == "encoding"
    with pytest.raises(JsonBodyError) as syntax:
        jsonbody.loads(b'{"a": }')
    assert syntax.value.kind == "syntax" and isinstance(syntax.value, ValueError)


def test_an_integer_past_the_digit_limit_is_a_syntax_error_not_a_crash() -> None:
    with pytest.raises(JsonBodyError) as refused:
        jsonbody.loads(b'{"n": ' + b"9" * 5000 + b"}")
    assert refused.value.kind == "syntax" and "integer string conversion" in refused.value.detail
