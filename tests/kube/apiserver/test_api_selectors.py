"""List and watch parameters as the API server parses them: label selectors (labels.Parse), field
selectors (fields.ParseSelector), resourceVersion, continue and timeoutSeconds, with its messages."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

import pytest

from tests.conftest import Local
from tests.kube.api_support import api, pod

PODS = "/api/v1/namespaces/default/pods"
KEY_RULE = ("name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an "
            "alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is "
            "'([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')")
VALUE_RULE = ("a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and "
              "must start and end with an alphanumeric character (e.g. 'MyValue',  or 'my_value',  or '12345', "
              "regex used for validation is '(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')")


def _bad_request(response: Any) -> str:
    body = response.json()
    assert (response.status_code, body["kind"], body["reason"], body["code"]) == (400, "Status", "BadRequest", 400)
    return str(body["message"])


@pytest.mark.parametrize(("selector", "message"), [
    ("((((", "found '(', expected: !, identifier, or 'end of string'"),
    ("=x", "found '=', expected: !, identifier, or 'end of string'"),
    ("app=a b", "found 'b', expected: ',' or 'end of string'"),
    ("app,", "found '', expected: identifier after ','"),
    ("app=a,,b", "found ',', expected: identifier after ','"),
    ("!", "unable to parse requirement: found '', expected: identifier"),
    ("app!x", "unable to parse requirement: found '!', expected: in, notin, =, ==, !=, gt, lt"),
    ("app in x", "unable to parse requirement: found 'x' expected: '('"),
    ("app in (a", "unable to parse requirement: found '', expected: ',' or ')'"),
    ("app in (=)", "unable to parse requirement: found '=', expected: ',', ')' or identifier"),
    ("app==(", "unable to parse requirement: found '(', expected: identifier"),
    ("a+b", f'unable to parse requirement: <nil>: Invalid value: "a+b": {KEY_RULE}'),
    ("app=a/b", f'unable to parse requirement: values[0][app]: Invalid value: "a/b": {VALUE_RULE}'),
    ("n>x", "unable to parse requirement: values[0]: Invalid value: \"x\": for 'Gt', 'Lt' operators, the value "
            "must be an integer"),
    ("x/y/z", "unable to parse requirement: <nil>: Invalid value: \"x/y/z\": a qualified name must consist of "
              "alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. "
              "'MyName',  or 'my.name',  or '123-abc', regex used for validation is "
              "'([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]') with an optional DNS subdomain prefix and '/' (e.g. "
              "'example.com/MyName')"),
    ("/app", "unable to parse requirement: <nil>: Invalid value: \"/app\": prefix part must be non-empty"),
])
def test_malformed_label_selectors_are_400_on_list_and_watch(local: Local, selector: str, message: str) -> None:
    with api(local) as k:
        for suffix in ("", "&watch=true"):
            assert _bad_request(k.get(f"{PODS}?labelSelector={quote(selector)}{suffix}")) == message


def test_label_selector_operators(local: Local) -> None:
    with api(local) as k:
        for name, labels in (("a", {"app": "web", "n": "1"}), ("b", {"app": "db", "n": "7"}), ("c", {"app": "web"})):
            body = pod(name)
            body["metadata"]["labels"] = labels
            assert k.post(PODS, body).status_code == 201

        def names(selector: str) -> list[str]:
            response = k.get(f"{PODS}?labelSelector={quote(selector)}")
            assert response.status_code == 200, response.text
            return [p["metadata"]["name"] for p in response.json()["items"]]

        assert names("app in (web, db),n") == ["a", "b"]
        assert names("app notin (db),!n") == ["c"]
        assert names("n>2") == ["b"] and names("n<2") == ["a"]
        assert names("app!=web") == ["b"] and names("app==web, n = 1") == ["a"]
        assert names("app in (in)") == [] and names("notin notin (x)") == ["a", "b", "c"]
        assert names(" ") == ["a", "b", "c"]


@pytest.mark.parametrize(("selector", "message"), [
    ("garbage", "invalid selector: 'garbage'; can't understand 'garbage'"),
    ("metadata.name=a,oops", "invalid selector: 'metadata.name=a,oops'; can't understand 'oops'"),
    ("metadata.name=a=b", "invalid field selector: unescaped character in value: 61"),
    ("metadata.name=a,b", "invalid selector: 'metadata.name=a,b'; can't understand 'b'"),
    ("metadata.name=a\\x", "invalid field selector: invalid escape sequence: \\x"),
    ("metadata.name=a\\", "invalid field selector: invalid escape sequence: \\"),
    ("spec.foo=x", "field label not supported: spec.foo"),
])
def test_malformed_field_selectors_are_400(local: Local, selector: str, message: str) -> None:
    with api(local) as k:
        for suffix in ("", "&watch=true"):
            assert _bad_request(k.get(f"{PODS}?fieldSelector={quote(selector)}{suffix}")) == message


def test_field_selector_syntax_is_checked_before_the_label_selector(local: Local) -> None:
    with api(local) as k:
        both = k.get(f"{PODS}?labelSelector={quote('((')}&fieldSelector=garbage")
        assert _bad_request(both) == "invalid selector: 'garbage'; can't understand 'garbage'"
        unsupported = k.get(f"{PODS}?labelSelector={quote('((')}&fieldSelector=spec.foo%3Dx")
        assert _bad_request(unsupported) == "found '(', expected: !, identifier, or 'end of string'"


def test_field_selector_escapes(local: Local) -> None:
    with api(local) as k:
        k.post(PODS, pod("a"))
        selector = quote("metadata.name!=x\\,y,metadata.name==a")
        escaped = k.get(f"{PODS}?fieldSelector={selector}")
        assert [p["metadata"]["name"] for p in escaped.json()["items"]] == ["a"]


@pytest.mark.parametrize(("version", "problem"), [
    ("abc", "invalid syntax"), ("-1", "invalid syntax"), ("+5", "invalid syntax"), ("1.5", "invalid syntax"),
    ("١٢", "invalid syntax"), ("18446744073709551616", "value out of range"),
])
def test_malformed_resource_versions_are_400_on_list_and_watch(local: Local, version: str, problem: str) -> None:
    message = f'resourceVersion: Invalid value: "{version}": strconv.ParseUint: parsing "{version}": {problem}'
    with api(local) as k:
        for suffix in ("", "&watch=true", "&limit=1"):
            assert _bad_request(k.get(f"{PODS}?resourceVersion={quote(version)}{suffix}")) == message


def test_resource_version_with_continue_and_timeout_seconds(local: Local) -> None:
    with api(local) as k:
        for name in ("a", "b"):
            k.post(PODS, pod(name))
        token = k.get(f"{PODS}?limit=1").json()["metadata"]["continue"]
        assert _bad_request(k.get(f"{PODS}?limit=1&continue={token}&resourceVersion=5")) == (
            "specifying resource version is not allowed when using continue")
        assert k.get(f"{PODS}?limit=1&continue={token}&resourceVersion=0").status_code == 200
        assert _bad_request(k.get(f"{PODS}?watch=true&timeoutSeconds=abc")) == (
            'strconv.ParseInt: parsing "abc": invalid syntax')
        assert _bad_request(k.get(f"{PODS}?continue=" + "W" * 40)).startswith("continue key is not valid")
        refused = k.delete(f"{PODS}?labelSelector={quote('((((')}")  # deletecollection selects as list does
        assert _bad_request(refused) == "found '(', expected: !, identifier, or 'end of string'"
        assert len(k.get(PODS).json()["items"]) == 2
