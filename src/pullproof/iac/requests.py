"""A deployment the engine runs (``Request``), built in process from a template and plain values
(what ``pullproof deploy`` and the library pass), and ``k=v`` parameters typed as ``az`` types them."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from pullproof.arm import errors as arm_errors
from pullproof.core import jsonbody
from pullproof.core.errors import ServiceError
from pullproof.iac.context import Scope
from pullproof.iac.jsonc import JsoncError, parse
from pullproof.iac.template import Template


@dataclass
class Request:
    """A deployment to run: its name and scope, the template and ``{"name": {"value": …}}`` parameters."""

    name: str
    scope: Scope
    template: Template
    parameters: dict[str, Any]
    location: str | None = None
    mode: str = "Incremental"
    tags: dict[str, Any] | None = None


def request_from_values(name: str, scope: Scope, template: dict[str, Any] | str, values: dict[str, Any],
                        location: str | None) -> Request:
    """An in-process request: ``template`` as a dict or as the text of a template file (then errors name its
    lines and columns); ``values`` are plain parameter values (``{"acrName": "myacr"}``)."""
    if isinstance(template, str):
        try:
            parsed = parse(template)
        except JsoncError as exc:
            raise ServiceError(arm_errors.INVALID_CONTENT, detail=exc.detail) from None
        document = Template.of(parsed.value, (), parsed.positions)
    else:
        document = Template.of(template, ("properties", "template"))
    return Request(name, scope, document, {k: {"value": v} for k, v in values.items()},
                   location.lower().replace(" ", "") if location else None)


def typed_parameters(template: dict[str, Any], pairs: dict[str, str]) -> dict[str, Any]:
    """``k=v`` strings typed from the template's parameter types, as ``az`` does for ``--parameters k=v``."""
    declared = {k.lower(): (k, d) for k, d in (template.get("parameters") or {}).items()}
    out: dict[str, Any] = {}
    for key, text in pairs.items():
        name, decl = declared.get(key.lower(), (key, {}))
        kind = str(decl.get("type", "string")).lower() if isinstance(decl, dict) else "string"
        if kind == "int":
            out[name] = int(text)
        elif kind == "bool":
            out[name] = text.lower() == "true"
        elif kind in {"object", "array", "secureobject"}:
            out[name] = jsonbody.loads(text)
        else:
            out[name] = text
    return out
