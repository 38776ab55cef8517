"""Template functions against the reference's vectors (§1.3 to §1.8) and ARM's error messages."""

from __future__ import annotations

from typing import Any

import pytest

from pullproof.iac.context import Phase
from pullproof.iac.errors import ExpressionError
from pullproof.iac.evaluator import evaluate_text
from tests.iac.support import ev, frame

SUB = "87d64d6d-6d17-4ad7-b507-16d9bc498781"
OTHER = "2e518a80-f860-4467-a00e-d81aaf1ff42e"
RG_PREFIX = f"/subscriptions/{SUB}/resourceGroups/testRg"
CHILD = "providers/My.Rp/parent/myParent/child/myChild"

VECTORS: list[tuple[str, Any]] = [
    # resource ids (Bicep EvaluationTests and template-functions-resource.md)
    ("[resourceId('My.Rp/parent/child', 'myParent', 'myChild')]", f"{RG_PREFIX}/{CHILD}"),
    ("[resourceId('customRg', 'My.Rp/parent/child', 'myParent', 'myChild')]",
     f"/subscriptions/{SUB}/resourceGroups/customRg/{CHILD}"),
    (f"[resourceId('{OTHER}', 'customRg', 'My.Rp/parent/child', 'myParent', 'myChild')]",
     f"/subscriptions/{OTHER}/resourceGroups/customRg/{CHILD}"),
    ("[tenantResourceId('My.Rp/parent/child', 'myParent', 'myChild')]", f"/{CHILD}"),
    ("[subscriptionResourceId('My.Rp/parent/child', 'myParent', 'myChild')]", f"/subscriptions/{SUB}/{CHILD}"),
    (f"[subscriptionResourceId('{OTHER}', 'My.Rp/parent/child', 'myParent', 'myChild')]",
     f"/subscriptions/{OTHER}/{CHILD}"),
    (f"[managementGroupResourceId('{OTHER}', 'My.Rp/parent/child', 'myParent', 'myChild')]",
     f"/providers/Microsoft.Management/managementGroups/{OTHER}/{CHILD}"),
    ("[extensionResourceId(tenantResourceId('My.Rp/parent/child', 'myParent', 'myChild'), "
     "'My.ExtensionRp/parent/child', 'myParent', 'myChild')]",
     f"/{CHILD}/providers/My.ExtensionRp/parent/myParent/child/myChild"),
    ("[resourceId('otherResourceGroup', 'Microsoft.Storage/storageAccounts', 'examplestorage')]",
     f"/subscriptions/{SUB}/resourceGroups/otherResourceGroup/providers/Microsoft.Storage/storageAccounts/"
     "examplestorage"),
    ("[resourceId('Microsoft.SQL/servers/databases', 'serverName', 'databaseName')]",
     f"{RG_PREFIX}/providers/Microsoft.SQL/servers/serverName/databases/databaseName"),
    # format() and string conversion
    ("[format('{0}/{1}/{2}/{3}', 1, 2, 3, true())]", "1/2/3/True"),
    ("[format('{0}, {1}. Formatted number: {2:N0}', 'Hello', 'User', 8175133)]",
     "Hello, User. Formatted number: 8,175,133"),
    ("[format('->{0}<-', 123)]", "->123<-"),
    ("[format('>{0}<>{1}<>{2}<>{3}<>{4}<', false(), 12948, 'hello!', createObject('a', 'b', '!c', 2), "
     "createArray(true(), 2893, 'abc'))]", ">False<>12948<>hello!<>{'a':'b','!c':2}<>[true,2893,'abc']<"),
    ("[format('{{literal}} {0}', 'x')]", "{literal} x"),
    ("[string(createObject('valueA', 10, 'valueB', 'Example Text'))]", '{"valueA":10,"valueB":"Example Text"}'),
    ("[string(createArray('a', 'b', 'c'))]", '["a","b","c"]'),
    ("[string(5)]", "5"),
    ("[string(true())]", "True"),
    # strings
    ("[concat('a', 'b', 'c')]", "abc"),
    ("[concat(createArray('abc'), createArray('def'))]", ["abc", "def"]),
    ("[toLower('AiKInIniIN')]", "aikininiin"),
    ("[take('one two three', 2)]", "on"),
    ("[take(createArray('one', 'two', 'three'), 2)]", ["one", "two"]),
    ("[skip('one two three', 4)]", "two three"),
    ("[take(createArray(1, 2, 3), 2)]", [1, 2]),
    ("[contains('OneTwoThree', 'two')]", False),
    ("[contains(createArray('FOO', 'BAR'), 'foo')]", False),
    ("[contains(createArray('FOO', 'BAR'), 'FOO')]", True),
    ("[contains(createObject('One', 1), 'one')]", True),
    ("[indexOf('FOOBAR', 'foo')]", 0),
    ("[indexOf('abcdef', 'CD')]", 2),
    ("[lastIndexOf('test', 't')]", 3),
    ("[lastIndexOf('abcdef', 'AB')]", 0),
    ("[indexOf('abcdef', 'z')]", -1),
    ("[indexOf(createArray('FOO', 'BAR'), 'foo')]", -1),
    ("[startsWith('abcdef', 'A')]", True),
    ("[endsWith('abcdef', 'EF')]", True),
    ("[join(createArray('abc', 123, true()), '/')]", "abc/123/True"),
    ("[padLeft('123', 10, '0')]", "0000000123"),
    ("[padLeft(13, 5)]", "   13"),
    ("[replace('abc', 'b', '/')]", "a/c"),
    ("[split('a/b/c', '/')]", ["a", "b", "c"]),
    ("[substring('asdfasf', 3)]", "fasf"),
    ("[first('')]", ""),
    ("[last('abc')]", "c"),
    ("[uri('http://contoso.org/firstpath', 'myscript.sh')]", "http://contoso.org/myscript.sh"),
    ("[uriComponent('a b/c')]", "a%20b%2Fc"),
    ("[base64ToString(base64('héllo'))]", "héllo"),
    ("[dataUriToString(dataUri('Hello'))]", "Hello"),
    ("[trim('  x  ')]", "x"),
    # collections
    ("[union(createArray('one', 'two', 'three'), createArray('three', 'four', 'two'))]",
     ["one", "two", "three", "four"]),
    ("[union(createObject('abc', 'def'), createObject('def', 'ghi'))]", {"abc": "def", "def": "ghi"}),
    ("[union(json('{\"property\":{\"one\":\"a\",\"two\":\"b\",\"three\":\"c1\"},\"nestedArray\":[1,2]}'), "
     "json('{\"property\":{\"three\":\"c2\",\"four\":\"d\",\"five\":\"e\"},\"nestedArray\":[3,4]}'))]",
     {"property": {"one": "a", "two": "b", "three": "c2", "four": "d", "five": "e"}, "nestedArray": [3, 4]}),
    ("[intersection(createArray('one', 'two', 'three'), createArray('two', 'three'))]", ["two", "three"]),
    ("[length(createObject('a', 1, 'b', 2))]", 2),
    ("[empty(createArray())]", True),
    ("[empty(null())]", True),
    ("[range(5, 3)]", [5, 6, 7]),
    ("[items(createObject('b', 2, 'a', 1))]", [{"key": "a", "value": 1}, {"key": "b", "value": 2}]),
    ("[flatten(createArray(createArray(1, 2), createArray(3)))]", [1, 2, 3]),
    ("[tryGet(createObject('a', 1), 'b')]", None),
    ("[coalesce(null(), 123)]", 123),
    ("[first(createArray())]", None),
    # lambdas
    ("[map(range(0, 3), lambda('x', mul(lambdaVariables('x'), 2)))]", [0, 2, 4]),
    ("[filter(range(0, 6), lambda('x', equals(mod(lambdaVariables('x'), 2), 0)))]", [0, 2, 4]),
    ("[reduce(range(1, 4), 0, lambda('acc', 'x', add(lambdaVariables('acc'), lambdaVariables('x'))))]", 10),
    ("[sort(createArray(3, 1, 2), lambda('a', 'b', less(lambdaVariables('a'), lambdaVariables('b'))))]", [1, 2, 3]),
    ("[toObject(createArray('a', 'b'), lambda('x', lambdaVariables('x')), lambda('x', length(lambdaVariables('x'))))]",
     {"a": 1, "b": 1}),
    # numbers and logic
    ("[add(1, 3)]", 4), ("[mul(4, 5)]", 20), ("[mod(20, 7)]", 6), ("[sub(0, 13)]", -13),
    ("[div(6, 11)]", 0), ("[div(-7, 2)]", -3), ("[mod(-7, 3)]", -1),
    ("[min(createArray(3, 1, 2))]", 1), ("[max(3, 9, 2)]", 9),
    ("[int('42')]", 42), ("[bool('TRUE')]", True), ("[bool(0)]", False),
    ("[equals(1, 1)]", True), ("[equals(1, true())]", False), ("[equals('a', 'A')]", False),
    ("[equals(createArray(1, createObject('a', 'b')), createArray(1, createObject('A', 'b')))]", True),
    ("[greater('b', 'a')]", True), ("[lessOrEquals(2, 2)]", True),
    ("[and(true(), not(false()))]", True), ("[or(false(), false())]", False),
    ("[if(true(), 'a', notAFunction())]", "a"),
    # access
    ("[createObject('Foo', 1).foo]", 1),
    ("[createObject('my-key', 1)['my-key']]", 1),
    ("[range(0, 10)[3]]", 3),
    ("[json('null')]", None),
    # literals
    ("[[not an expression]", "[not an expression]"),
    ("plain", "plain"),
    ("[concat('it''s')]", "it's"),
    # dates
    ("[dateTimeAdd('2020-04-07 14:53:14Z', 'P3Y')]", "2023-04-07T14:53:14Z"),
    ("[dateTimeAdd('2020-04-07 14:53:14Z', '-PT9H')]", "2020-04-07T05:53:14Z"),
    ("[dateTimeFromEpoch(1683040573)]", "2023-05-02T15:16:13Z"),
    ("[dateTimeToEpoch('2023-05-02T15:16:13Z')]", 1683040573),
    # hashes through the language
    ("[guid('foo', 'bar', 'baz')]", "2ed86837-7c7c-5eaa-9864-dd077fd19b0d"),
    ("[uniqueString('snap', 'crackle', 'pop')]", "byghxckddilkc"),
    # scope values
    ("[resourceGroup().id]", RG_PREFIX),
    ("[resourceGroup().location]", "westus2"),
    ("[subscription().subscriptionId]", SUB),
    ("[deployment().name]", "main"),
    ("[environment().suffixes.acrLoginServer]", ".azurecr.io"),
]


@pytest.mark.parametrize(("expression", "expected"), VECTORS)
def test_vectors(expression: str, expected: Any) -> None:
    assert ev(expression) == expected


def test_example_role_assignment_vectors() -> None:
    """Reference §2.8: the seed example's module evaluated with its test vector."""
    params = {"acrName": "acraksdemo", "kubeletIdentityPrincipalId": "22222222-2222-2222-2222-222222222222"}
    scope = frame("11111111-1111-1111-1111-111111111111", "rg-aks-demo", Phase.BODY, **params)
    acr = "[resourceId('Microsoft.ContainerRegistry/registries', parameters('acrName'))]"
    name = ("[guid(resourceId('Microsoft.ContainerRegistry/registries', parameters('acrName')), "
            "parameters('kubeletIdentityPrincipalId'), 'AcrPull')]")
    assert evaluate_text(acr, scope) == ("/subscriptions/11111111-1111-1111-1111-111111111111/resourceGroups/"
                                         "rg-aks-demo/providers/Microsoft.ContainerRegistry/registries/acraksdemo")
    assert evaluate_text(name, scope) == "5246b77b-89d2-5810-952a-5879ad9175b5"
    role = "[subscriptionResourceId('Microsoft.Authorization/roleDefinitions', '7f951dda-4ed3-4680-a7ca-43fe172d538d')]"
    assert evaluate_text(role, scope) == ("/subscriptions/11111111-1111-1111-1111-111111111111/providers/"
                                          "Microsoft.Authorization/roleDefinitions/7f951dda-4ed3-4680-a7ca-43fe172d538d")


@pytest.mark.parametrize(("fmt", "expected"), [
    (None, "20190305T175318Z"), ("d", "03/05/2019"), ("M d", "3 5"), ("u", "2019-03-05 17:53:18Z"),
    ("yyyy-MM-dd", "2019-03-05"), ("o", "2019-03-05T17:53:18.0000000Z")])
def test_utc_now_formats_in_parameter_defaults(fmt: str | None, expected: str) -> None:
    call = "[utcNow()]" if fmt is None else f"[utcNow('{fmt}')]"
    assert evaluate_text(call, frame(phase=Phase.PARAMETER)) == expected


def test_new_guid_only_in_parameter_defaults() -> None:
    assert evaluate_text("[newGuid()]", frame(phase=Phase.PARAMETER)) == "00000000-0000-4000-8000-000000000000"
    with pytest.raises(ExpressionError, match="The template function 'NEWGUID' is not expected at this location"):
        ev("[newGuid()]")


def test_resource_group_is_invalid_at_subscription_scope() -> None:
    with pytest.raises(ExpressionError, match="'RESOURCEGROUP' is not expected at this location"):
        evaluate_text("[resourceGroup().id]", frame(group=None))


def test_resource_id_at_subscription_scope_has_no_group() -> None:
    value = evaluate_text("[resourceId('Microsoft.Resources/resourceGroups', 'rg')]", frame(group=None))
    assert value == f"/subscriptions/{SUB}/providers/Microsoft.Resources/resourceGroups/rg"


@pytest.mark.parametrize(("expression", "message"), [
    ("[foo('x')]", "The template function 'foo' is not valid. Please see https://aka.ms/arm-functions for usage "
                   "details."),
    ("[concat('a' 'b')]", "The language expression 'concat('a' 'b')' is not valid: the string character ''' at "
                          "position '11' is not expected."),
    ("[concat('a', 'b']", "The language expression 'concat('a', 'b'' is not valid: the expression is incomplete"),
    ("[createObject('a', 1).b]", "The language expression property 'b' doesn't exist, available properties are 'a'."),
    ("[range(0, 3)[5]]", "The language expression property array index '5' is out of bounds."),
    ("[length(1, 2)]", "The template language function 'length' must have '1' parameter(s). The function was "
                       "invoked with '2' parameter(s)."),
    ("[toLower(1)]", "The template language function 'toLower' expects its parameter to be of type 'String'. The "
                     "provided value is of type 'Integer'."),
    ("[parameters('nope')]", "The template parameter 'nope' is not found."),
    ("[copyIndex()]", "The template function 'COPYINDEX' is not expected at this location."),
    ("[substring('abc', 2, 5)]", "The index and length parameters must refer to a location within the string."),
    ("[div(1, 0)]", "attempted to divide by zero."),
    ("[utcNow()]", "The template function 'UTCNOW' is not expected at this location."),
])
def test_errors_are_arms(expression: str, message: str) -> None:
    with pytest.raises(ExpressionError) as caught:
        ev(expression)
    assert message in caught.value.message
    assert caught.value.code.code == "InvalidTemplate"


def test_parameters_are_case_insensitive() -> None:
    assert ev("[parameters('ACRNAME')]", acrName="x") == "x"


def test_list_functions_call_the_resource_action() -> None:
    assert ev("[listCredentials(resourceId('Microsoft.ContainerRegistry/registries', 'r'), '2023-07-01')]") == {
        "action": "listCredentials", "id": f"{RG_PREFIX}/providers/Microsoft.ContainerRegistry/registries/r"}


@pytest.mark.parametrize("expression", ["[base64ToJson(base64(''))]", "[base64ToJson(base64('{'))]",
                                        "[base64ToJson(base64('" + "[" * 200 + "]" * 200 + "'))]"])
def test_base64_to_json_of_text_that_is_no_json_is_invalid_template(expression: str) -> None:
    with pytest.raises(ExpressionError) as caught:
        ev(expression)
    assert caught.value.code.code == "InvalidTemplate"
    assert "function 'base64ToJson' is not valid: the decoded value is not valid JSON." in caught.value.message
