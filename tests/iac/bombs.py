"""Templates that try to exhaust the engine, and the part of the message each must be refused with."""

from __future__ import annotations

from typing import Any

from tests.iac.support import template

HELP = "Please see https://aka.ms/arm-functions for usage details."
STEPS = "The template evaluation limit exceeded. Limit: '1000000' evaluation steps (ours)."
TOO_BIG = ("The template language function '{}' is not valid: the value it builds exceeds the limit of '1048576' "
           "characters, array items and object properties (ours)")


def variable(value: str, **more: Any) -> dict[str, Any]:
    return template(variables={"v": value, **more})


def lam(name: str, body: str) -> str:
    return f"lambda('{name}', {body})"


def doubling(first: str, step: str, count: int) -> dict[str, str]:
    chain = {"v0": first}
    chain.update({f"v{i}": step.format(prev=f"variables('v{i - 1}')") for i in range(1, count)})
    return chain


RANGE = "The template language function 'range' is not valid: the count must be a non-negative integer up to '10000'"
BOMBS = {
    "range 1e8": (variable("[range(0, 100000000)]"), f"{RANGE}; it is '100000000'. {HELP}"),
    "range 3e6": (variable("[range(0, 3000000)]"), f"{RANGE}; it is '3000000'. {HELP}"),
    "range past int32": (variable("[range(2147483000, 1000)]"), "The template language function 'range' is not "
                         f"valid: the sum of startIndex and count must be no greater than '2147483647'. {HELP}"),
    "doubling concat": (template(variables=doubling("ab", "[concat({prev}, {prev})]", 40)), TOO_BIG.format("concat")),
    "doubling arrays": (template(variables=doubling("[range(0, 10000)]", "[concat({prev}, {prev})]", 40)), STEPS),
    "nested createArray": (template(variables=doubling("[createArray(1)]", "[createArray({prev}, {prev})]", 60)),
                           STEPS),
    "map/lambda bomb": (variable("[map(range(0, 10000), " + lam("x", "map(range(0, 10000), " + lam(
        "y", "add(lambdaVariables('x'), lambdaVariables('y'))") + ")") + ")]"), STEPS),
    "padLeft 2e9": (variable("[padLeft('a', 2000000000)]"), TOO_BIG.format("padLeft")),
    "format alignment": (variable("[format('" + "{0,999999}" * 3 + "', 'a')]"), "The template language function "
                         f"'format' is not valid: The formatted string is longer than '1048576' characters. {HELP}"),
    "format width": (variable("[format('{0,2000000000}', 'a')]"), "The template language function 'format' is not "
                     f"valid: Input string was not in a correct format. {HELP}"),
    "replace bomb": (variable("[replace(variables('a'), 'a', variables('a'))]", a="[padLeft('', 100000, 'a')]"),
                     TOO_BIG.format("replace")),
    "variables keeping 17 M": (template(variables={f"v{i:02}": f"[padLeft('', 1048575, '{i % 10}')]"
                                                   for i in range(17)}),
                               "The template variables and outputs limit exceeded. Limit: '16777216' characters, "
                               "array items and object properties in total (ours)"),
    "5000-deep expression": (variable("[" + "concat(" * 5000 + "'a'" + ")" * 5000 + "]"),
                             "The language expression nesting limit exceeded. Limit: '128' (ours)"),
    "5000-long member chain": (variable("[variables('o')" + ".a" * 5000 + "]", o={}),
                               "The language expression nesting limit exceeded. Limit: '128' (ours)"),
    "expression over 81920": (variable("[concat('" + "a" * 81920 + "')]"),
                              "The language expression length limit exceeded. Limit: '81920' and actual: '81932'"),
}
