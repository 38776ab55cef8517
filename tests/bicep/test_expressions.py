"""Expressions: precedence, interpolation, strings, safe access, operators, functions, lambdas."""

from __future__ import annotations

import pytest

from tests.bicep.conftest import Build, value

PRECEDENCE = [
    ("10 - 2 - 3", "[sub(sub(10, 2), 3)]"),
    ("1 + 2 * 3", "[add(1, mul(2, 3))]"),
    ("(1 + 2) * 3 % 4", "[mod(mul(add(1, 2), 3), 4)]"),
    (
        "a >= 2 && !b || c == 'x'",
        "[or(and(greaterOrEquals(parameters('a'), 2), not(parameters('b'))), equals(parameters('c'), 'x'))]",
    ),
    ("a < 1 == b", "[equals(less(parameters('a'), 1), parameters('b'))]"),
    ("!b && b || b", "[or(and(not(parameters('b')), parameters('b')), parameters('b'))]"),
    ("b || b && b", "[or(parameters('b'), and(parameters('b'), parameters('b')))]"),
    ("-a * 2", "[mul(sub(0, parameters('a')), 2)]"),
    ("-5", -5),
    ("b ? 1 : b ? 2 : 3", "[if(parameters('b'), 1, if(parameters('b'), 2, 3))]"),
    ("n ?? 'x' ?? 'y'", "[coalesce(coalesce(parameters('n'), 'x'), 'y')]"),
    ("n ?? 'x' == 'y'", "[coalesce(parameters('n'), equals('x', 'y'))]"),
    ("b || b ? 'yes' : 'no'", "[if(or(parameters('b'), parameters('b')), 'yes', 'no')]"),
    ("c != 'x'", "[not(equals(parameters('c'), 'x'))]"),
    ("c =~ 'X'", "[equals(toLower(parameters('c')), toLower('X'))]"),
    ("c !~ 'X'", "[not(equals(toLower(parameters('c')), toLower('X')))]"),
    ("a / 2 <= a % 3", "[lessOrEquals(div(parameters('a'), 2), mod(parameters('a'), 3))]"),
]
PARAMS = "param a int\nparam b bool\nparam c string\nparam n string?\n"


@pytest.mark.parametrize(("source", "expected"), PRECEDENCE)
def test_operator_precedence(build: Build, source: str, expected: object) -> None:
    text = PARAMS.replace("param n string?", "param n string") + f"var v = {source}\n"
    assert value(build(text), "v") == expected


STRINGS = [
    ("'plain'", "plain"),
    ("'it\\'s \\\\ \\n\\t\\${x}'", "it's \\ \n\t${x}"),
    ("'\\u{1F600}'", "\U0001f600"),
    ("'a${c}b'", "[format('a{0}b', parameters('c'))]"),
    ("'${c}'", "[format('{0}', parameters('c'))]"),
    ("'{literal} ${c}'", "[format('{{literal}} {0}', parameters('c'))]"),
    ("'x${'in${c}ner'}y'", "[format('x{0}y', format('in{0}ner', parameters('c')))]"),
    ("'${a + 1}-${'${c}'}'", "[format('{0}-{1}', add(parameters('a'), 1), format('{0}', parameters('c')))]"),
    ("'it''s'", None),
    ("'[bracketed]'", "[[bracketed]"),
    ("'[open'", "[open"),
    ("'''\nline1\n  'quoted' ${not} \\n\n'''", "line1\n  'quoted' ${not} \\n\n"),
]


@pytest.mark.parametrize(("source", "expected"), STRINGS)
def test_strings(build: Build, source: str, expected: str | None) -> None:
    text = "param a int\nparam c string\n" + f"var v = {source}\n"
    if expected is None:  # Bicep has no '' escape: two adjacent strings are a syntax error
        from pullproof.bicep import BicepError

        with pytest.raises(BicepError):
            build(text)
        return
    assert value(build(text), "v") == expected


SAFE_ACCESS = [
    ("o.?x", "[tryGet(parameters('o'), 'x')]"),
    ("o.?x.y", "[tryGet(parameters('o'), 'x', 'y')]"),
    ("o.?x.y.?z", "[tryGet(tryGet(parameters('o'), 'x', 'y'), 'z')]"),
    ("o[?'x']", "[tryGet(parameters('o'), 'x')]"),
    ("o.?x ?? 'd'", "[coalesce(tryGet(parameters('o'), 'x'), 'd')]"),
    ("l[?0]", "[tryGet(parameters('l'), 0)]"),
    ("o.x.y[0]", "[parameters('o').x.y[0]]"),
    ("o['x']", "[parameters('o').x]"),
    ("o['my-key']", "[parameters('o')['my-key']]"),
    ("l[^1]", "[indexFromEnd(parameters('l'), 1)]"),
    ("o!.x", "[parameters('o').x]"),
]


@pytest.mark.parametrize(("source", "expected"), SAFE_ACCESS)
def test_safe_dereference_and_access(build: Build, source: str, expected: str) -> None:
    text = f"param o object\nparam l array\nvar v = {source}\n"
    assert value(build(text), "v") == expected


def test_literals_objects_arrays_and_comments(build: Build) -> None:
    text = """
param c string
/* block
   comment */
var v = { // trailing comment
  a: 1
  'b-c': [true, null, 'x']
  nested: {
    d: c
  }
  e: [
    1
    2
  ]
}
var inExpr = concat([1, 2], [c])
var obj = union({ a: 1, b: c }, {})
var single = { a: 1, b: 'x' }
"""
    t = build(text)
    assert value(t, "v") == {"a": 1, "b-c": [True, None, "x"], "nested": {"d": "[parameters('c')]"}, "e": [1, 2]}
    assert value(t, "inExpr") == "[concat(createArray(1, 2), createArray(parameters('c')))]"
    assert value(t, "obj") == "[union(createObject('a', 1, 'b', parameters('c')), createObject())]"
    assert value(t, "single") == {"a": 1, "b": "x"}


def test_spread_and_null_and_bool_in_expressions(build: Build) -> None:
    text = "param o object\nvar v = { ...o, x: 1 }\nvar w = [...[1], 2]\nvar n = [null, true && false]\n"
    t = build(text)
    assert value(t, "v") == "[shallowMerge(createArray(parameters('o'), createObject('x', 1)))]"
    assert value(t, "w") == "[flatten(createArray(createArray(1), createArray(2)))]"
    assert value(t, "n") == [None, "[and(true(), false())]"]


def test_functions_namespaces_any_and_lambdas(build: Build) -> None:
    text = """
param l array
var a = sys.toLower(az.resourceGroup().location)
var b = any(l)
var c = map(l, x => x.name)
var d = reduce(l, 0, (acc, x) => acc + x)
var e = filter(l, x => contains(x, 'a'))
var f = uniqueString(subscription().id, resourceGroup().id)
var g = string(1)
"""
    t = build(text)
    assert value(t, "a") == "[toLower(resourceGroup().location)]"
    assert value(t, "b") == "[parameters('l')]"
    assert value(t, "c") == "[map(parameters('l'), lambda('x', lambdaVariables('x').name))]"
    assert value(t, "d") == (
        "[reduce(parameters('l'), 0, lambda('acc', 'x', add(lambdaVariables('acc'), lambdaVariables('x'))))]"
    )
    assert value(t, "e") == "[filter(parameters('l'), lambda('x', contains(lambdaVariables('x'), 'a')))]"
    assert value(t, "f") == "[uniqueString(subscription().id, resourceGroup().id)]"
    assert value(t, "g") == "[string(1)]"


def test_literal_needing_properties_becomes_a_function(build: Build) -> None:
    assert value(build("var v = 'abc'[0]\n"), "v") == "[string('abc')[0]]"


def test_multiline_expressions(build: Build) -> None:
    text = "param b bool\nvar v = b\n  ? concat(\n    'a',\n    'b'\n  )\n  : 'c'\n"
    assert value(build(text), "v") == "[if(parameters('b'), concat('a', 'b'), 'c')]"


def test_load_text_and_json_content(build: Build) -> None:
    text = "var t = loadTextContent('files/a.txt')\nvar j = loadJsonContent('files/b.json')\n"
    t = build(text, files={"files/a.txt": "hello\n", "files/b.json": '{"k": [1, true]}'})
    assert value(t, "t") == "hello\n"
    assert value(t, "j") == {"k": [1, True]}


def test_nameof(build: Build) -> None:
    text = "param o object\nvar v = nameof(o)\nvar w = nameof(o.prop)\n"
    t = build(text)
    assert (value(t, "v"), value(t, "w")) == ("o", "prop")
