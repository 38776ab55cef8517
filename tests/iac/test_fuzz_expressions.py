"""Fuzzing the template expression language: any bracketed text parses or raises ``ExpressionError``;
generated and mutated expressions evaluate to a value or raise the engine's own ``ServiceError``."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from pullproof.core.errors import ServiceError
from pullproof.iac.errors import ExpressionError
from pullproof.iac.evaluator import evaluate_text
from pullproof.iac.expressions import calls, parse_expression
from pullproof.iac.functions import FUNCTIONS
from tests.fuzzing import mutated
from tests.iac.support import frame

# functions whose small arguments stay small (the size bombs are the template-limit guards below)
# (``reference`` reads the deployment's world: the deployments API fuzz covers it)
NAMES = sorted(name for name in FUNCTIONS if name not in {"range", "padleft", "datetimeadd", "reference"})
SEEDS = [
    "[concat('a', string(add(1, 2)), toUpper('b'))]",
    "[if(equals(length(createArray(1, 2)), 2), json('{\"a\":[1]}').a[0], 'no')]",
    "[format('{0}-{1:N2}', 'x', 3)]",
    "[resourceId('Microsoft.ContainerRegistry/registries', parameters('acrName'))]",
    "[union(createObject('a', 1), json('{\"b\":{\"c\":[true]}}')).b.c[0]]",
    "[split(replace('a,b;c', ';', ','), ',')[2]]",
    "[guid(subscription().id, 'x')]",
    "[base64ToString(base64('hé'))]",
    "[uriComponentToString(uriComponent('a b/c'))]",
]


def literals() -> st.SearchStrategy[str]:
    text = st.text(st.characters(exclude_characters="'", exclude_categories=["Cs"]), max_size=12)
    return st.one_of(st.integers(-5, 40).map(str), text.map(lambda s: f"'{s}'"),
                     st.sampled_from(["'{\"a\":1}'", "'[1,2]'", "'2019-03-05T17:53:18Z'", "'P1D'", "'true'"]))


def expressions() -> st.SearchStrategy[str]:
    def call(inner: st.SearchStrategy[str]) -> st.SearchStrategy[str]:
        name = st.sampled_from(NAMES)
        args = st.lists(inner, max_size=4).map(", ".join)
        access = st.sampled_from(["", ".a", "[0]", "[1]", ".length", "['a']"])
        return st.tuples(name, args, access).map(lambda t: f"{t[0]}({t[1]}){t[2]}")

    return st.recursive(literals(), call, max_leaves=8)


def _evaluate(text: str) -> Any:
    try:
        return evaluate_text(text, frame(acrName="myacr"))
    except ServiceError as exc:
        assert exc.status < 500 and exc.message
        return None


@given(st.text(max_size=200))
@example("'")
@example("concat(")
@example("a.b.c(")
@example("x()[")
@example("-")
@example("1.")
@example("f()..a")
def test_any_bracketed_text_parses_or_is_a_syntax_error(body: str) -> None:
    try:
        node = parse_expression(f"[{body}]")
    except ExpressionError as exc:
        assert exc.status == 400
        return
    assert isinstance(calls(node), list)


@given(expressions())
def test_generated_expressions_evaluate_or_fail_cleanly(text: str) -> None:
    _evaluate(f"[{text}]")


@given(st.sampled_from(SEEDS).flatmap(lambda seed: mutated(seed.encode())))
def test_mutated_expressions_evaluate_or_fail_cleanly(data: bytes) -> None:
    _evaluate(data.decode("utf-8", "replace"))


@pytest.mark.parametrize("text", ["[¹]", "[add(²,1)]", "[-³]"])
def test_non_ascii_digits_are_a_syntax_error(text: str) -> None:
    with pytest.raises(ExpressionError) as caught:
        parse_expression(text)
    assert caught.value.status == 400


@pytest.mark.parametrize("fmt", ["{0:N99999999999999999999}", "{0:F100}", "{0:D²}", "{¹}", "{0,1000000}",
                                 "{0,-99999999999999}"])
def test_format_refuses_what_dotnet_refuses(fmt: str) -> None:
    with pytest.raises(ExpressionError) as caught:
        evaluate_text(f"[format('{fmt}', 7)]", frame())
    assert "Input string was not in a correct format." in caught.value.message


def test_format_precision_and_width_up_to_the_limits() -> None:
    assert evaluate_text("[format('{0:F99}', 1)]", frame()) == "1." + "0" * 99
    assert evaluate_text("[format('{0,999999}', 1)]", frame()) == " " * 999998 + "1"


def test_deeply_nested_expression_is_a_template_error() -> None:
    deep = "[" + "concat(" * 5000 + "'a'" + ")" * 5000 + "]"
    with pytest.raises(ServiceError):
        evaluate_text(deep, frame())
