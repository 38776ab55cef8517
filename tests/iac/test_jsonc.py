"""The lenient reader of deployment bodies: the Azure CLI's spliced JSONC, positions, and errors."""

from __future__ import annotations

import pytest

from pullproof.iac.jsonc import JsoncError, Position, json_path, parse

CLI_BODY = """{"properties": {"parameters": {}, "mode": "Incremental", template:{
  "$schema": "https://schema.management.azure.com/schemas/2015-01-01/deploymentParameters.json#",
  "contentVersion": "1.0.0.0",
  /* a block
     comment */
  "resources": [] // comment
}}}"""


def test_cli_spliced_body_with_unquoted_key_and_comments() -> None:
    parsed = parse(CLI_BODY)
    assert parsed.value == {"properties": {"parameters": {}, "mode": "Incremental", "template": {
        "$schema": "https://schema.management.azure.com/schemas/2015-01-01/deploymentParameters.json#",
        "contentVersion": "1.0.0.0", "resources": []}}}
    assert parsed.positions[("properties", "template")] == Position(1, 67)
    assert parsed.positions[("properties", "template", "resources")] == Position(6, 16)


def test_trailing_commas_single_quotes_and_crlf() -> None:
    parsed = parse("{\r\n 'a': [1, 2,],\r\n b: {c: null,},\r\n}")
    assert parsed.value == {"a": [1, 2], "b": {"c": None}}
    assert parsed.positions[("b", "c")] == Position(3, 12)


def test_positions_follow_newtonsoft() -> None:
    text = '{\n    "p1": {\n        "type": "string"\n    }\n}'
    positions = parse(text).positions
    assert positions[("p1",)] == Position(2, 11)  # the opening brace
    assert positions[("p1", "type")] == Position(3, 24)  # the closing quote


def test_bom_and_escapes() -> None:
    assert parse('\ufeff{"a": "x\\u0041\\n"}').value == {"a": "xA\n"}


@pytest.mark.parametrize(("text", "message"), [
    ('{"a": "abc', "Unterminated string. Expected delimiter: \". Path 'a', line 1, position 10."),
    ('{"a": x}', "Unexpected character encountered while parsing value: x. Path 'a', line 1, position 6."),
    ('{"a": 1 "b": 2}', "After parsing a value an unexpected character was encountered: \". Path 'a', line 1, "
                        "position 8."),
    ('{"a" 1}', "Invalid character after parsing property name. Expected ':' but got: 1. Path 'a', line 1, "
                "position 5."),
    ('{"a": [1, 2', "Unexpected end when reading JSON. Path 'a[1]', line 1, position 11."),
    ("{} x", "Additional text encountered after finished reading JSON content: x. Path '', line 1, position 3."),
    ('{"a": 1 /* open', "Unexpected end while parsing comment. Path 'a', line 1, position 15."),
    ("", "Unexpected end when reading JSON. Path '', line 1, position 0."),
    ('{"resources": [{"name": "x\\q"}]}', "Bad JSON escape sequence: \\q. Path 'resources[0].name', line 1, "
                                          "position 26."),
])
def test_syntax_errors_name_path_line_and_position(text: str, message: str) -> None:
    with pytest.raises(JsoncError) as caught:
        parse(text)
    assert caught.value.detail == message


def test_json_path_brackets_special_names() -> None:
    assert json_path(("properties", "template", "resources", 0, "my key", "$schema")) == \
        "properties.template.resources[0]['my key'].$schema"
